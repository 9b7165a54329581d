//! An input opened through the crate: the dicom-object, and what the walk and the policy
//! made of the input.

use dicom_object::DefaultDicomObject;

use crate::rewrite::plan::Outcome;
use crate::validate::report::Report;

/// A DICOM object parsed by dicom-object from bytes this crate's walk passed, with the
/// input's full validation [`Report`] and the [`Outcome`] of the policy's sanitization (what
/// was done to the preamble, which dicom-object never keeps).
///
/// ```
/// use dicom_sanitize::{open_file, Action, Policy};
///
/// let opened = open_file("examples/data/pe_polyglot.dcm", &Policy::default())?;
/// assert!(opened.report().is_threat());
/// assert_eq!(opened.outcome().action, Action::Zero);
/// let object = opened.into_object();
/// assert_eq!(object.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Opened {
    pub(super) object: DefaultDicomObject,
    pub(super) report: Report,
    pub(super) outcome: Outcome,
}

impl Opened {
    /// The DICOM object.
    pub fn object(&self) -> &DefaultDicomObject {
        &self.object
    }

    /// The DICOM object, giving up the report.
    pub fn into_object(self) -> DefaultDicomObject {
        self.object
    }

    /// The input's full validation report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// What the policy's sanitization does to the input: the object is what parsing its
    /// output gives.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The object, the report and the outcome.
    pub fn into_parts(self) -> (DefaultDicomObject, Report, Outcome) {
        (self.object, self.report, self.outcome)
    }
}
