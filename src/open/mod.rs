//! Opening an untrusted input with dicom-object, through this crate (feature `dicom-object`).
//!
//! The top layer, above [`rewrite`](crate::rewrite): one open of the file, one validation
//! walk that is also the gate, then dicom-object reads the same open handle. The file's first
//! and last bytes are read once, before the walk, and dicom-object is handed those very bytes
//! (and reads from the file only what lies between them): what dicom-object parses there is
//! what the walk checked.
//!
//! - `options`: [`OpenFileOptions`], dicom-object's options passed through, and the three
//!   ways in (a path, a `Read + Seek`, a slice);
//! - `gate`: what of an input dicom-object may read, from the walk's report and the plan;
//! - `opened`: [`Opened`], the object with its report and outcome;
//! - `error`: [`OpenError`].

mod error;
mod gate;
mod opened;
mod options;

use std::io::{Read, Seek};
use std::path::Path;

use crate::rewrite::policy::Policy;

pub use error::OpenError;
pub use gate::MAX_DEPTH;
pub use opened::Opened;
pub use options::OpenFileOptions;

/// Opens the DICOM file at `path` with dicom-object, safely: the file is opened once, walked
/// once by this crate's validation, decided on by `policy`, and only then read by
/// dicom-object, from the same open handle, as the policy's sanitized output. The first 8 KiB
/// (the whole file, up to 72 KiB) and the last 64 KiB are read once, before the walk, and
/// handed to dicom-object as they were checked; dicom-object reads from the file only the
/// bytes between (which the walk reads too where it looks at them: element headers past the
/// first 8 KiB, values it searches). A header that fits the first 8 KiB is read once.
///
/// * Every length has been checked against the file and the nesting against the policy's
///   [`Limits`](crate::Limits) (capped at [`OPEN_MAX_DEPTH`](crate::OPEN_MAX_DEPTH)) before
///   dicom-object reads a byte: a file the walk cannot pass is refused
///   ([`OpenError::Unsafe`], with its offset and tag), never handed over.
/// * The policy decides as everywhere else: a refused file is [`OpenError::Refused`].
/// * dicom-object reads the bytes from `DICM` to the end of the data set, or of the
///   policy's output when it truncates trailing data: dicom-object never keeps a preamble,
///   so the object is what parsing the sanitized file gives. Bytes after the data set are
///   never handed over.
/// * The file may change between the walk and dicom-object's read (another process writing
///   it): the file's identity, length, and modification and change times are checked again
///   after dicom-object has read, and a change is refused ([`Error::Changed`](crate::Error)
///   in [`OpenError::File`]). A writer racing that read can still make dicom-object see bytes
///   the walk did not (in the part of the file between its first and last bytes, which
///   dicom-object reads from the file): for a file others may write, read it into memory and
///   use [`from_bytes`].
///
/// Default options read the whole data set; [`OpenFileOptions`] passes dicom-object's on.
///
/// # Errors
/// See [`OpenError`].
///
/// ```
/// use dicom_sanitize::{open_file, Action, OpenError, Policy, PreambleAction, Tag};
///
/// // A polyglot: CT_small.dcm with a confirmed Windows PE header in its preamble.
/// let opened = open_file("examples/data/pe_polyglot.dcm", &Policy::default())?;
/// assert_eq!(opened.outcome().action, Action::Zero);
/// let name = opened.object().element(Tag(0x0010, 0x0010))?.to_str()?;
/// assert_eq!(name, "CompressedSamples^CT1");
///
/// // Refused in reject mode.
/// let strict = Policy::builder().preamble(PreambleAction::Reject).build()?;
/// let refused = open_file("examples/data/pe_polyglot.dcm", &strict).unwrap_err();
/// assert!(matches!(refused, OpenError::Refused(_)));
/// assert_eq!(refused.offset(), Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_file(path: impl AsRef<Path>, policy: &Policy) -> Result<Opened, OpenError> {
    OpenFileOptions::new().open_file(path, policy)
}

/// Opens the input `reader` reads with dicom-object, safely, as [`open_file`] does: one walk
/// through the reader, then dicom-object's read of the passed bytes (the first and last bytes
/// the walk read are handed over, the bytes between read through `reader`).
///
/// # Errors
/// See [`OpenError`].
///
/// ```
/// use dicom_sanitize::{from_reader, OpenError, Policy};
///
/// // 200 bytes whose one element claims 4 GiB: refused, nothing allocated for it.
/// let mut data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
/// data.truncate(200);
/// let refused = from_reader(std::io::Cursor::new(data), &Policy::default()).unwrap_err();
/// assert!(matches!(refused, OpenError::Unsafe { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_reader<R: Read + Seek>(reader: R, policy: &Policy) -> Result<Opened, OpenError> {
    OpenFileOptions::new().from_reader(reader, policy)
}

/// Opens the input `data` holds with dicom-object, safely, as [`open_file`] does: one walk
/// of the slice, then dicom-object parses the passed part of the same slice (no copy).
///
/// # Errors
/// See [`OpenError`].
///
/// ```
/// use dicom_sanitize::{from_bytes, Policy, Tag};
///
/// let data = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
/// let opened = from_bytes(&data, &Policy::strip())?;
/// assert_eq!(opened.outcome().bytes_removed, 132);
/// assert_eq!(opened.object().element(Tag(0x0008, 0x0060))?.to_str()?, "MR");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_bytes(data: &[u8], policy: &Policy) -> Result<Opened, OpenError> {
    OpenFileOptions::new().from_bytes(data, policy)
}
