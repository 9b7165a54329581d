//! A report together with the action a policy takes on the input it describes.
//!
//! Validation does not know policies: a [`Report`] says what an input holds, and only with a
//! [`Policy`] does it say what is done about it. [`Verdict`] joins the two, and is what the
//! JSON report of `dicom-sanitize scan --json` (schema [`REPORT_SCHEMA`](crate::REPORT_SCHEMA))
//! serialises: the report's fields, then `action`.

use crate::rewrite::policy::{Action, Policy};
use crate::validate::report::Report;

/// A report and the action of the policy in force (or the action a sanitizer took).
///
/// With the `serde` feature it serialises to the report's fields followed by `action`, the
/// JSON object of schema [`REPORT_SCHEMA`](crate::REPORT_SCHEMA).
///
/// ```
/// use dicom_sanitize::{validate, Action, Policy, Verdict};
///
/// // A vestigial TIFF header: the default policy zeroes it, `strip` removes it.
/// let report = validate(&std::fs::read("tests/data/pydicom/CT_small.dcm")?);
/// assert_eq!(Verdict::new(&Policy::default(), &report).action(), Action::Zero);
/// let verdict = Verdict::new(&Policy::strip(), &report);
/// assert_eq!(verdict.action(), Action::Strip);
/// assert_eq!(verdict.report(), &report);
/// # #[cfg(feature = "serde")]
/// assert!(serde_json::to_string(&verdict)?.ends_with(r#","action":"strip"}"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict<'a> {
    report: &'a Report,
    action: Action,
}

impl<'a> Verdict<'a> {
    /// The report with what `policy` does with its input ([`Policy::action`]).
    pub fn new(policy: &Policy, report: &'a Report) -> Self {
        Verdict {
            report,
            action: policy.action(report),
        }
    }

    /// The report with an action already taken, such as a sanitizer's
    /// [`Outcome::action`](crate::Outcome::action).
    ///
    /// ```
    /// use dicom_sanitize::{validate, Action, Policy, Verdict};
    ///
    /// let upload = std::fs::read("examples/data/pe_polyglot.dcm")?;
    /// let action = Policy::default().sanitize(&upload)?.outcome().action;
    /// let report = validate(&upload);
    /// assert_eq!(Verdict::with_action(&report, action).action(), Action::Zero);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_action(report: &'a Report, action: Action) -> Self {
        Verdict { report, action }
    }

    /// The report.
    pub fn report(&self) -> &'a Report {
        self.report
    }

    /// The action.
    pub fn action(&self) -> Action {
        self.action
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Verdict<'_> {
    /// The report's fields ([`Report`]'s `Serialize`), then `action`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        use crate::validate::report::serialize::{serialize_fields, FIELDS};

        let fields = FIELDS.checked_add(1).unwrap_or(FIELDS);
        let mut s = serializer.serialize_struct("Report", fields)?;
        serialize_fields(self.report, &mut s)?;
        s.serialize_field("action", self.action.as_str())?;
        s.end()
    }
}
