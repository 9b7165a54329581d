//! Why an input was not opened: our refusal (with the offset and tag of what the walk could
//! not pass), the policy's, or dicom-object's own error on bytes the walk passed.

use dicom_core::Tag;

use crate::error::Error;
use crate::read::layout::Layout;
use crate::rewrite::fs::FileError;
use crate::validate::findings::{Finding, FindingCode};

/// Everything that can stop [`open_file`](crate::open_file), [`from_reader`](crate::from_reader)
/// and [`from_bytes`](crate::from_bytes).
///
/// Only [`OpenError::Dicom`] comes from dicom-object, and only for bytes this crate's walk
/// passed: every hostile length and nesting is refused before dicom-object sees a byte, as
/// [`OpenError::Unsafe`] with the offset and tag of what the walk stopped at.
///
/// ```
/// use dicom_sanitize::{from_bytes, OpenError, Policy};
///
/// let mut data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
/// data.truncate(1000); // cut inside an element
/// let refused = from_bytes(&data, &Policy::default()).unwrap_err();
/// assert!(matches!(refused, OpenError::Unsafe { .. }));
/// assert_eq!(refused.code(), "structure.length-past-end");
/// assert!(refused.offset().is_some() && refused.tag().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The file could not be opened or read, or it changed between this crate's walk and
    /// dicom-object's read ([`Error::Changed`]); the error names the path.
    #[error(transparent)]
    File(#[from] FileError),
    /// Reading the input failed ([`Error::Io`], with the offset).
    #[error(transparent)]
    Read(Error),
    /// The walk could not pass the input (a length past its end, a truncated element, nesting
    /// beyond the limit, an invalid VR, a File Meta group it cannot read, a data set not
    /// written in its transfer syntax): it is never handed to dicom-object.
    #[error("not opened: {finding} ({code})", finding = .finding.message, code = .finding.code)]
    Unsafe {
        /// The finding that stopped the walk: its code, offset and tag.
        finding: Finding,
    },
    /// The policy refuses the input ([`Error::Rejected`], [`Error::NotDicom`]).
    #[error(transparent)]
    Refused(Error),
    /// A DICOM input that is not a Part 10 file (no preamble and `DICM`), which dicom-object
    /// does not open as a file.
    #[error("not opened: a {layout} input is not a DICOM Part 10 file", layout = .layout.name())]
    NotPart10 {
        /// The input's layout.
        layout: Layout,
    },
    /// dicom-object failed on the bytes the walk passed (an element it cannot decode, an
    /// unsupported transfer syntax).
    #[error("dicom-object: {0}")]
    Dicom(#[source] Box<dicom_object::ReadError>),
}

impl OpenError {
    /// A stable machine-readable name: the finding's code for [`OpenError::Unsafe`], the
    /// error's [`Error::code`] for ours, `not-part10` and `dicom-object` for the others.
    pub fn code(&self) -> &'static str {
        match self {
            OpenError::File(e) => e.error.code(),
            OpenError::Read(e) | OpenError::Refused(e) => e.code(),
            OpenError::Unsafe { finding } => finding.code.as_str(),
            OpenError::NotPart10 { .. } => "not-part10",
            OpenError::Dicom(_) => "dicom-object",
        }
    }

    /// The byte offset the error concerns, when known.
    pub fn offset(&self) -> Option<u64> {
        match self {
            OpenError::File(e) => e.error.offset(),
            OpenError::Read(e) | OpenError::Refused(e) => e.offset(),
            OpenError::Unsafe { finding } => Some(finding.offset),
            OpenError::NotPart10 { .. } | OpenError::Dicom(_) => None,
        }
    }

    /// The element the error concerns, when known.
    pub fn tag(&self) -> Option<Tag> {
        match self {
            OpenError::File(e) => e.error.tag(),
            OpenError::Read(e) | OpenError::Refused(e) => e.tag(),
            OpenError::Unsafe { finding } => finding.tag,
            OpenError::NotPart10 { .. } | OpenError::Dicom(_) => None,
        }
    }

    /// The finding code of an [`OpenError::Unsafe`].
    pub fn finding_code(&self) -> Option<FindingCode> {
        match self {
            OpenError::Unsafe { finding } => Some(finding.code),
            _ => None,
        }
    }
}
