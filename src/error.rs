//! The crate's error type.
//!
//! A root module, below reading: it names no higher module but for the two types a
//! [`Rejection`] carries, the read layer's `PreambleKind` and the validate layer's
//! `FindingCode` (`tests/layers.rs` holds that list).

use std::fmt;
use std::io;

use dicom_core::Tag;

use crate::read::preamble::PreambleKind;
use crate::severity::Severity;
use crate::validate::findings::FindingCode;

/// Everything that can stop reading or rewriting an input.
///
/// Every variant that concerns the input carries the byte `offset` where the problem was found
/// and, where one is known, the element [`Tag`]. Errors are plain data (`Clone + PartialEq`), so
/// tests and callers can compare them; [`Error::code`] gives a stable machine-readable name.
/// File paths are not part of this type: the file layer adds them (see `FileError` in the
/// rewriting API and the command-line tool).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the input failed.
    #[error("i/o error at offset {offset}: {message}")]
    Io {
        /// Where the failed read or seek started.
        offset: u64,
        /// The kind of the underlying `std::io::Error`.
        kind: io::ErrorKind,
        /// The underlying error's message.
        message: String,
    },
    /// The input ends inside a structure.
    #[error(
        "truncated {structure} at offset {offset}: {needed} bytes needed, {available} available"
    )]
    Truncated {
        /// Where the structure starts.
        offset: u64,
        /// What was being read.
        structure: Structure,
        /// Bytes the structure needs.
        needed: u64,
        /// Bytes the input still has at `offset`.
        available: u64,
    },
    /// An element header holds a value representation that does not exist.
    #[error("invalid value representation {vr} for {tag} at offset {offset}")]
    InvalidVr {
        /// Offset of the element header.
        offset: u64,
        /// The element's tag.
        tag: Tag,
        /// The two VR bytes found.
        vr: VrBytes,
    },
    /// A File Meta element has undefined length, which the meta group never allows.
    #[error("undefined length for {tag} at offset {offset}")]
    UndefinedLength {
        /// Offset of the element header.
        offset: u64,
        /// The element's tag.
        tag: Tag,
    },
    /// An element's declared length runs past the end of the input.
    #[error("length {length} of {tag} at offset {offset} runs past the end of the input at {end}")]
    LengthPastEnd {
        /// Offset of the element header.
        offset: u64,
        /// The element's tag.
        tag: Tag,
        /// The declared value length.
        length: u32,
        /// The input's length.
        end: u64,
    },
    /// A configured [`Limits`](crate::Limits) bound was reached.
    #[error("{limit} limit of {max} exceeded at offset {offset}")]
    LimitExceeded {
        /// Where the limit was reached.
        offset: u64,
        /// Which limit.
        limit: LimitKind,
        /// The configured bound.
        max: u64,
    },
    /// A header appears where the structure does not allow it: an item outside a sequence, an
    /// element where an item belongs, a delimiter with nothing to close.
    #[error("unexpected {tag} at offset {offset}")]
    UnexpectedTag {
        /// Offset of the header.
        offset: u64,
        /// The tag found.
        tag: Tag,
    },
    /// A deflated data set cannot be inflated.
    #[error("cannot inflate the deflated data set at offset {offset}: {message}")]
    Inflate {
        /// Input offset (in the inflated data set) where inflation failed.
        offset: u64,
        /// What the decoder reported.
        message: String,
    },
    /// The input is not DICOM in any layout.
    #[error("not a DICOM file")]
    NotDicom,
    /// The policy refuses the input.
    #[error("rejected by policy at offset {offset}: {reason}")]
    Rejected {
        /// Where the reason lies.
        offset: u64,
        /// Why.
        reason: Rejection,
    },
    /// A policy built with contradictory settings.
    #[error("invalid policy: {reason}")]
    InvalidPolicy {
        /// Which settings contradict each other.
        reason: &'static str,
    },
    /// Sanitizing in place cannot change the file's length, which the policy asks for
    /// (stripping the preamble, or truncating trailing data): use atomic replacement.
    #[error("cannot {what} in place: the file's length would change")]
    NotInPlace {
        /// What the policy asked for.
        what: &'static str,
    },
    /// The streaming adapter cannot apply a policy setting that needs the whole input.
    #[error("cannot stream with {setting}: it needs the whole input")]
    NotStreamable {
        /// The setting.
        setting: &'static str,
    },
    /// The file changed while it was being sanitized (another process wrote to it, or renamed
    /// another file over it): the new content would drop what was written, so the file is left
    /// as it is. Sanitize it again once the writer is done.
    #[error("the file changed while it was being sanitized ({what}): it was left as it is")]
    Changed {
        /// What changed: its length, its modification or change time, or which file the path
        /// names.
        what: &'static str,
    },
    /// The input has `DICM` at offset 128 but no File Meta group after it.
    #[error(
        "no file meta group at offset {offset}: found {found} instead of a (0002,xxxx) element"
    )]
    MissingMeta {
        /// Where the meta group should start.
        offset: u64,
        /// The tag found there.
        found: Tag,
    },
}

impl Error {
    /// Every code [`Error::code`] gives, one per variant.
    pub const CODES: [&'static str; 15] = [
        "io",
        "truncated",
        "invalid-vr",
        "undefined-length",
        "length-past-end",
        "limit-exceeded",
        "missing-meta",
        "unexpected-tag",
        "not-dicom",
        "rejected",
        "invalid-policy",
        "not-in-place",
        "not-streamable",
        "inflate",
        "changed",
    ];

    /// A stable, machine-readable name for the variant, for logs and reports: one of the
    /// [`CODES`](Error::CODES).
    ///
    /// ```
    /// use dicom_sanitize::{Error, Tag};
    ///
    /// // `DICM` at 128, then no meta group.
    /// let mut data = vec![0u8; 140];
    /// data[128..132].copy_from_slice(b"DICM");
    /// let err = dicom_sanitize::inspect(&data).unwrap_err();
    /// assert_eq!(err, Error::MissingMeta { offset: 132, found: Tag(0, 0) });
    /// assert_eq!(err.code(), "missing-meta");
    /// assert_eq!(err.offset(), Some(132));
    /// assert_eq!(err.to_string(), "no file meta group at offset 132: found (0000,0000) instead of a (0002,xxxx) element");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Truncated { .. } => "truncated",
            Error::InvalidVr { .. } => "invalid-vr",
            Error::UndefinedLength { .. } => "undefined-length",
            Error::LengthPastEnd { .. } => "length-past-end",
            Error::LimitExceeded { .. } => "limit-exceeded",
            Error::MissingMeta { .. } => "missing-meta",
            Error::UnexpectedTag { .. } => "unexpected-tag",
            Error::NotDicom => "not-dicom",
            Error::Rejected { .. } => "rejected",
            Error::InvalidPolicy { .. } => "invalid-policy",
            Error::NotInPlace { .. } => "not-in-place",
            Error::NotStreamable { .. } => "not-streamable",
            Error::Changed { .. } => "changed",
            Error::Inflate { .. } => "inflate",
        }
    }

    /// The byte offset the error concerns.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::Io { offset, .. }
            | Error::Truncated { offset, .. }
            | Error::InvalidVr { offset, .. }
            | Error::UndefinedLength { offset, .. }
            | Error::LengthPastEnd { offset, .. }
            | Error::LimitExceeded { offset, .. }
            | Error::MissingMeta { offset, .. }
            | Error::UnexpectedTag { offset, .. }
            | Error::Inflate { offset, .. }
            | Error::Rejected { offset, .. } => Some(*offset),
            Error::NotDicom
            | Error::InvalidPolicy { .. }
            | Error::NotInPlace { .. }
            | Error::NotStreamable { .. }
            | Error::Changed { .. } => None,
        }
    }

    /// The element the error concerns, when there is one.
    pub fn tag(&self) -> Option<Tag> {
        match self {
            Error::InvalidVr { tag, .. }
            | Error::UndefinedLength { tag, .. }
            | Error::LengthPastEnd { tag, .. } => Some(*tag),
            Error::MissingMeta { found, .. } => Some(*found),
            Error::UnexpectedTag { tag, .. } => Some(*tag),
            _ => None,
        }
    }

    /// The crate's error inside an `io::Error`, as [`SanitizingReader`](crate::SanitizingReader)
    /// returns a rejection from `read`: `None` for an ordinary I/O failure.
    ///
    /// ```
    /// use std::io::Read;
    /// use dicom_sanitize::{Error, Policy};
    ///
    /// let mut reader = Policy::default().sanitize_reader(&b"not a DICOM upload"[..])?;
    /// let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
    /// assert_eq!(Error::from_io(&err), Some(&Error::NotDicom));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_io(err: &io::Error) -> Option<&Error> {
        err.get_ref()?.downcast_ref::<Error>()
    }

    /// Whether the error is a refusal of the input (not DICOM, or rejected by the policy)
    /// rather than a failure to read or write it.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Error::NotDicom | Error::Rejected { .. })
    }

    pub(crate) fn io(offset: u64, err: &io::Error) -> Self {
        Error::Io {
            offset,
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

/// The structure being read when the input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Structure {
    /// The 128-byte preamble and `DICM` magic.
    Header,
    /// An element header.
    ElementHeader,
    /// An element value.
    ElementValue,
    /// The delimiter that closes a sequence or item of undefined length.
    Delimiter,
}

impl fmt::Display for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Structure::Header => "file header",
            Structure::ElementHeader => "element header",
            Structure::ElementValue => "element value",
            Structure::Delimiter => "sequence or item (no closing delimiter)",
        })
    }
}

/// A [`Limits`](crate::Limits) bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// [`Limits::max_meta_length`](crate::Limits::max_meta_length).
    MetaLength,
    /// [`Limits::max_depth`](crate::Limits::max_depth).
    Depth,
    /// [`Limits::max_inflated_len`](crate::Limits::max_inflated_len).
    InflatedLength,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::MetaLength => "file meta group length",
            LimitKind::Depth => "sequence nesting depth",
            LimitKind::InflatedLength => "inflated data set length",
        })
    }
}

/// Two bytes found where a value representation was expected, printed readably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VrBytes(pub [u8; 2]);

impl fmt::Display for VrBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = self.0;
        if a.is_ascii_graphic() && b.is_ascii_graphic() {
            write!(f, "\"{}{}\"", char::from(a), char::from(b))
        } else {
            write!(f, "{a:02X}H {b:02X}H")
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a policy refused an input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The preamble is not one the policy accepts.
    Preamble(PreambleKind),
    /// A finding at or above the policy's rejection threshold remains after sanitizing.
    Finding {
        /// Its code.
        code: FindingCode,
        /// Its severity.
        severity: Severity,
    },
    /// Bytes follow the data set and the policy refuses them.
    TrailingData {
        /// Where they start.
        offset: u64,
    },
    /// The policy strips the preamble, but what follows `DICM` is not a File Meta group that
    /// could start the output (the output would not be DICOM), or the stripped output would
    /// have `DICM` at offset 128 again and be read as another Part 10 file.
    Unstrippable,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Preamble(kind) => write!(f, "preamble not accepted: {kind}"),
            Rejection::Finding { code, severity } => write!(f, "{severity} finding {code}"),
            Rejection::TrailingData { offset } => {
                write!(f, "data after the end of the data set at offset {offset}")
            }
            Rejection::Unstrippable => f.write_str(
                "cannot strip the preamble: no file meta group after DICM, or DICM again at 128",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::preamble::PreambleKind;

    #[test]
    fn codes_lists_every_code_once() {
        let tag = Tag(0x0002, 0x0010);
        let errors = [
            Error::Io {
                offset: 0,
                kind: std::io::ErrorKind::UnexpectedEof,
                message: String::new(),
            },
            Error::Truncated {
                offset: 0,
                structure: Structure::Header,
                needed: 1,
                available: 0,
            },
            Error::InvalidVr {
                offset: 0,
                tag,
                vr: VrBytes(*b"ZZ"),
            },
            Error::UndefinedLength { offset: 0, tag },
            Error::LengthPastEnd {
                offset: 0,
                tag,
                length: 1,
                end: 0,
            },
            Error::LimitExceeded {
                offset: 0,
                limit: LimitKind::Depth,
                max: 0,
            },
            Error::MissingMeta {
                offset: 132,
                found: tag,
            },
            Error::UnexpectedTag { offset: 0, tag },
            Error::NotDicom,
            Error::Rejected {
                offset: 0,
                reason: Rejection::Preamble(PreambleKind::Text),
            },
            Error::InvalidPolicy { reason: "" },
            Error::NotInPlace { what: "" },
            Error::NotStreamable { setting: "" },
            Error::Inflate {
                offset: 0,
                message: String::new(),
            },
            Error::Changed { what: "" },
        ];
        let codes: Vec<_> = errors
            .iter()
            // No wildcard: a new variant fails to compile here until it has an example above.
            .inspect(|error| match error {
                Error::Io { .. }
                | Error::Truncated { .. }
                | Error::InvalidVr { .. }
                | Error::UndefinedLength { .. }
                | Error::LengthPastEnd { .. }
                | Error::LimitExceeded { .. }
                | Error::MissingMeta { .. }
                | Error::UnexpectedTag { .. }
                | Error::NotDicom
                | Error::Rejected { .. }
                | Error::InvalidPolicy { .. }
                | Error::NotInPlace { .. }
                | Error::NotStreamable { .. }
                | Error::Inflate { .. }
                | Error::Changed { .. } => {}
            })
            .map(Error::code)
            .collect();
        assert_eq!(codes, Error::CODES);
    }
}
