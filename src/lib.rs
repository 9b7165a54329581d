//! Defends medical-imaging software against DICOM preamble polyglots (CVE-2019-11687).
//!
//! A DICOM Part 10 file starts with a 128-byte preamble that the standard lets hold anything.
//! An attacker can put an executable header there and hide the program in an element value:
//! one file that is both a valid patient image and a runnable program. This crate reads DICOM
//! inputs without copying them, classifies the preamble, and reports what hides in the file.
//!
//! ```
//! use dicom_sanitize::{classify, inspect, validate, PreambleKind, Status};
//!
//! // A real file from pydicom's test data: its preamble is a vestigial TIFF header.
//! let data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
//! let inspection = inspect(&data)?;
//! let preamble = inspection.preamble().unwrap();
//! assert_eq!(preamble.kind().name(), "tiff-dangling");
//! assert!(!preamble.kind().is_threat());
//! assert_eq!(inspection.meta().unwrap().data_set_offset(), 336);
//!
//! // The same file with a Windows executable header in its preamble.
//! let mut hostile = data.clone();
//! hostile[..128].fill(0);
//! hostile[..2].copy_from_slice(b"MZ");
//! let report = validate(&hostile);
//! assert!(report.is_threat());
//! assert_eq!(report.status(), Status::Flagged);
//! assert!(matches!(classify(&hostile).preamble().unwrap().kind(), PreambleKind::Pe(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Sanitizing rewrites the preamble and keeps every other byte. A [`Policy`] is built once and
//! shared; each input gets a plan that borrows it, written to whatever sink the caller has:
//!
//! ```
//! use dicom_sanitize::{Action, Policy};
//!
//! // A shipped sample: pydicom's CT_small.dcm with a confirmed Windows PE header in front.
//! let upload = std::fs::read("examples/data/pe_polyglot.dcm")?;
//! let sanitized = Policy::default().sanitize(&upload)?;
//! assert_eq!(sanitized.outcome().action, Action::Zero);
//!
//! let mut stored = Vec::new();
//! sanitized.write_to(&mut stored)?;                 // or slices(), to_vec(), a file...
//! assert_eq!(&stored[..128], &[0u8; 128][..]);
//! assert_eq!(&stored[128..], &upload[128..]);       // the data set, bit for bit
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Reading never panics and never allocates according to a length field: every length,
//! count and offset is checked against the input's real size and the [`Limits`].
//!
//! # Where to start
//!
//! * Reading: [`classify`], [`classify_prefix`], [`inspect`], [`inspect_reader`], [`walk()`],
//!   [`walk_reader`].
//! * Validation: [`validate`], [`Validator`] ([`Validator::validate_reader`],
//!   [`Validator::validate_file`]), giving a [`Report`] of [`Finding`]s.
//! * Sanitizing: [`sanitize`] with the default policy, or a [`Policy`] and its sinks:
//!   [`Policy::sanitize`], [`Policy::sanitize_bytes`], [`Policy::sanitize_reader`],
//!   [`Policy::sanitize_in_place`], [`Policy::sanitize_file`], [`Policy::sanitize_file_to`];
//!   [`Policy::review_file`] for a file's report and its sanitization from one read.
#![cfg_attr(
    feature = "dicom-object",
    doc = "* Opening with dicom-object (feature `dicom-object`): [`open_file`], [`from_reader`],
  [`from_bytes`] and [`OpenFileOptions`], giving an [`Opened`] object or an [`OpenError`]."
)]
#![cfg_attr(
    not(feature = "dicom-object"),
    doc = "* Opening with dicom-object (feature `dicom-object`, not built here): `open_file`,
  `from_reader`, `from_bytes` and `OpenFileOptions`, giving an `Opened` object or an `OpenError`."
)]
#![cfg_attr(
    feature = "tree",
    doc = "* Trees of files (feature `tree`): [`tree::Walker`] (a walk in a stable order, safely),
  [`tree::TreeScan`] (every file of a walk validated in parallel, reports in walk order),
  [`tree::InOrder`]."
)]
#![cfg_attr(
    not(feature = "tree"),
    doc = "* Trees of files (feature `tree`, not built here): `tree::Walker`, `tree::TreeScan`,
  `tree::InOrder`."
)]
#![cfg_attr(
    feature = "serde",
    doc = "* The JSON record of a file (feature `serde`): [`Record`]."
)]
#![cfg_attr(
    not(feature = "serde"),
    doc = "* The JSON record of a file (feature `serde`, not built here): `Record`."
)]
//! * The threat model, guarantees and deliberate limits: [`threat_model`].
//!
//! Features: `deflate` (default) walks deflated data sets; `serde` serialises reports and reads
//! policy files (through [`policy_file::PolicyConfig`], a policy's flat form, which is there
//! without it too); `policy-files` reads policy files
//! (`Policy::from_file`); `tree` walks and scans trees of files (rayon, walkdir); `cli` builds the `dicom-sanitize` tool; `fuzzing` exports the
//! invariants the fuzz targets check; `dicom-object` opens untrusted files with dicom-object
//! through the crate's walk and policy.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
#![cfg_attr(
    test,
    allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod limits;
#[cfg(feature = "dicom-object")]
mod open;
mod read;
mod rewrite;
mod severity;
pub mod threat_model;
#[cfg(feature = "tree")]
pub mod tree;
mod validate;

pub use error::{Error, LimitKind, Rejection, Result, Structure, VrBytes};
pub use limits::Limits;
#[cfg(feature = "dicom-object")]
pub use open::{
    from_bytes, from_reader, open_file, OpenError, OpenFileOptions, Opened,
    MAX_DEPTH as OPEN_MAX_DEPTH,
};
pub use read::encoding::{Encoding, TransferSyntax};
pub use read::executable::ExecutableInfo;
pub use read::inspection::{Classification, Inspection, Prefix};
pub use read::inspector::{
    classify, classify_prefix, inspect, inspect_reader, walk, walk_reader, Inspector,
};
pub use read::layout::Layout;
pub use read::meta::{FileMeta, MetaElement};
pub use read::preamble::{Preamble, PreambleKind, HEADER_LEN, MAGIC, PREAMBLE_LEN};
pub use read::tiff::{ByteOrder, TiffDefect, TiffGrade, TiffHeader, TiffVariant};
pub use read::walk::{Element, ElementKind, Walk};
pub use read::{executable, meta, signature, tiff, walk};
pub use rewrite::builder::{DangerousPolicyBuilder, PolicyBuilder};
pub use rewrite::fs::FileError;
pub use rewrite::plan::Outcome;
pub use rewrite::policy::{Action, Fallback, Policy, PreambleAction, TrailingAction};
pub use rewrite::policy_file;
#[cfg(feature = "serde")]
pub use rewrite::record::Record;
pub use rewrite::review::FileReview;
pub use rewrite::sinks::{sanitize, Sanitized, SanitizedBytes};
pub use rewrite::stream::{SanitizingReader, StreamStart, DEFAULT_LOOKAHEAD};
pub use rewrite::verdict::Verdict;
pub use severity::Severity;
pub use validate::findings::{Category, Finding, FindingCode};
pub use validate::report::{Report, Status, REPORT_SCHEMA};
pub use validate::{validate, Validator};

/// Re-export of the `dicom-core` types used in this crate's API.
pub use dicom_core::{header::DataElementHeader, Tag, VR};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
