//! Validation reports: every finding on one input, and what they add up to.

use crate::error::Error;
use crate::finding::{Category, Finding, FindingCode, Severity};
use crate::inspect::{Inspector, Layout};
use crate::meta::{self, Parsed};
use crate::preamble::{PreambleKind, HEADER_LEN};

/// The overall verdict on one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Status {
    /// DICOM with nothing to report above *info*.
    Clean,
    /// A polyglot signal: the preamble or another hiding place holds something the default
    /// policy would remove.
    Flagged,
    /// Structurally defective DICOM with no polyglot signal.
    Invalid,
    /// Not DICOM.
    NotDicom,
    /// The input could not be read (set by callers that do I/O; validation itself never fails).
    Error,
}

impl Status {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Flagged => "flagged",
            Status::Invalid => "invalid",
            Status::NotDicom => "not-dicom",
            Status::Error => "error",
        }
    }
}

/// What a policy does with an input's preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Action {
    /// Nothing to change.
    None,
    /// Overwrite the preamble with zeros.
    Zero,
    /// Remove the preamble and `DICM`.
    Strip,
    /// Keep a functional TIFF header as it is.
    KeepTiff,
    /// Refuse the input.
    Reject,
}

impl Action {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "none",
            Action::Zero => "zero",
            Action::Strip => "strip",
            Action::KeepTiff => "keep-tiff",
            Action::Reject => "reject",
        }
    }
}

/// Everything validation found in one input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// How the input is laid out.
    pub layout: Layout,
    /// The preamble's kind; `None` when the input has no preamble.
    pub preamble: Option<PreambleKind>,
    /// Length of the input.
    pub file_len: u64,
    /// The transfer syntax UID of the File Meta group, when readable.
    pub transfer_syntax: Option<String>,
    /// Findings, in the order they were found.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any finding is high or critical.
    pub fn is_threat(&self) -> bool {
        self.max_severity() >= Some(Severity::High)
    }

    /// The overall verdict: `flagged` for any polyglot finding of low severity or above,
    /// otherwise `invalid` for any structural one, otherwise `clean`.
    pub fn status(&self) -> Status {
        let worst = |category: Category| {
            self.findings
                .iter()
                .filter(|f| f.code.category() == category)
                .map(|f| f.severity)
                .max()
        };
        if !self.layout.is_dicom() {
            Status::NotDicom
        } else if worst(Category::Polyglot) >= Some(Severity::Low) {
            Status::Flagged
        } else if worst(Category::Structure) >= Some(Severity::Low) {
            Status::Invalid
        } else {
            Status::Clean
        }
    }

    /// What the default policy does with the preamble: keep a functional TIFF header, zero
    /// every other non-zero preamble.
    pub fn default_action(&self) -> Action {
        match self.preamble {
            None | Some(PreambleKind::Zero) => Action::None,
            Some(kind) if kind.is_functional_tiff() => Action::KeepTiff,
            Some(_) => Action::Zero,
        }
    }

    /// The worst finding, first in file order among equals.
    pub fn worst_finding(&self) -> Option<&Finding> {
        self.findings.iter().rev().max_by_key(|f| f.severity)
    }
}

/// Validates a complete input held in memory. Never fails: malformed input is a finding.
///
/// ```
/// use dicom_sanitize::{validate, Status};
///
/// let data = std::fs::read("tests/data/pydicom/rtplan.dcm")?;
/// let report = validate(&data);
/// assert_eq!(report.status(), Status::Clean);
/// assert!(!report.is_threat());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn validate(data: &[u8]) -> Report {
    Validator::default().validate(data)
}

/// Validation with chosen options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validator {
    inspector: Inspector,
}

impl Validator {
    /// A validator reading with `inspector`'s limits.
    pub fn new(inspector: Inspector) -> Self {
        Validator { inspector }
    }

    /// See [`validate`].
    pub fn validate(&self, data: &[u8]) -> Report {
        let classification = self.inspector.classify(data);
        let file_len = data.len() as u64;
        let mut findings = Vec::new();
        let preamble = classification.preamble().map(|p| p.kind());
        if let Some(kind) = preamble {
            findings.extend(preamble_finding(kind));
        }
        let meta_start = match classification.layout() {
            Layout::Part10 => Some(HEADER_LEN),
            Layout::MetaWithoutPreamble => Some(0),
            _ => None,
        };
        let mut transfer_syntax = None;
        if let Some(start) = meta_start {
            match meta::parse(data, start, file_len, self.inspector.limits()) {
                Ok(Parsed::Done(meta)) => {
                    transfer_syntax = meta.transfer_syntax_uid().map(str::to_owned)
                }
                Ok(Parsed::NeedMore(_)) => {}
                Err(err) => findings.push(meta_error_finding(&err)),
            }
        }
        Report {
            layout: classification.layout(),
            preamble,
            file_len,
            transfer_syntax,
            findings,
        }
    }
}

/// The finding a non-zero preamble gives.
pub(crate) fn preamble_finding(kind: PreambleKind) -> Option<Finding> {
    let severity = kind.severity()?;
    let code = match kind {
        PreambleKind::Zero => return None,
        PreambleKind::Tiff { .. } if kind.is_functional_tiff() => FindingCode::PreambleTiff,
        PreambleKind::Tiff { .. } => FindingCode::PreambleTiffDangling,
        PreambleKind::Pe(_) => FindingCode::PreamblePe,
        PreambleKind::Elf(_) => FindingCode::PreambleElf,
        PreambleKind::MachO { .. } => FindingCode::PreambleMachO,
        PreambleKind::Script { .. } => FindingCode::PreambleScript,
        PreambleKind::Pdf { .. } => FindingCode::PreamblePdf,
        PreambleKind::Html => FindingCode::PreambleHtml,
        PreambleKind::Zip => FindingCode::PreambleZip,
        PreambleKind::OtherFormat(_) => FindingCode::PreambleArchive,
        PreambleKind::Text => FindingCode::PreambleText,
        PreambleKind::Unknown { tiff_magic: true } => FindingCode::PreambleTiffMasquerade,
        PreambleKind::Unknown { tiff_magic: false } => FindingCode::PreambleUnknown,
    };
    let mut message = kind.to_string();
    if let Some(offset) = kind.executable().and_then(|info| info.payload_offset) {
        message.push_str(&format!("; payload pointer to offset {offset}"));
    }
    Some(Finding::new(code, severity, 0, message).with_length(128))
}

/// The finding for a File Meta group that cannot be read.
fn meta_error_finding(err: &Error) -> Finding {
    let code = match err {
        Error::MissingMeta { .. } => FindingCode::MetaMissing,
        _ => FindingCode::MetaMalformed,
    };
    let mut finding = Finding::new(
        code,
        Severity::Medium,
        err.offset().unwrap_or(0),
        err.to_string(),
    );
    finding.tag = err.tag();
    finding
}
