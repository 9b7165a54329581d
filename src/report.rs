//! Validation reports: every finding on one input, and what they add up to.

use std::io::{Read, Seek};

use crate::error::Error;
use crate::finding::{Category, Finding, FindingCode, Severity};
use crate::inspect::{meta_start, Classification, Inspector, Layout};
use crate::meta::{self, Parsed};
use crate::preamble::PreambleKind;
use crate::source::SeekSource;

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
        self.report(data, data.len() as u64, classification)
    }

    /// Validates an input through `Read + Seek`, reading only what [`validate`] needs: the
    /// header, the File Meta group and the bytes that confirm the preamble.
    ///
    /// # Errors
    /// Only when reading or seeking fails; malformed input is a finding.
    ///
    /// ```
    /// use dicom_sanitize::Validator;
    ///
    /// let mut file = std::fs::File::open("tests/data/pydicom/CT_small.dcm")?;
    /// let report = Validator::default().validate_reader(&mut file)?;
    /// assert_eq!(report.preamble.unwrap().name(), "tiff-dangling");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_reader<R: Read + Seek>(&self, reader: &mut R) -> Result<Report, Error> {
        let mut buf = Vec::new();
        let file_len = self.inspector.read_header(reader, &mut buf)?;
        let mut source = SeekSource {
            reader,
            len: file_len,
        };
        let classification = self.inspector.classify_input(&buf, file_len, &mut source)?;
        Ok(self.report(&buf, file_len, classification))
    }

    /// Builds the report on `data`, a prefix of the input holding at least its meta group.
    fn report(&self, data: &[u8], file_len: u64, classification: Classification<'_>) -> Report {
        let mut findings = Vec::new();
        let preamble = classification.preamble().map(|p| p.kind());
        if let Some(kind) = preamble {
            findings.extend(preamble_finding(kind));
        }
        let mut transfer_syntax = None;
        if let Some(start) = meta_start(classification.layout()) {
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

#[cfg(feature = "serde")]
mod serialize {
    use serde::ser::{SerializeMap, SerializeStruct};
    use serde::{Serialize, Serializer};

    use super::Report;
    use crate::preamble::PreambleKind;
    use crate::tiff::TiffGrade;

    /// The preamble object of a report: its kind name, a description, and the details of the
    /// kind (TIFF header, executable confirmation, format).
    struct PreambleSummary(Option<PreambleKind>);

    impl Serialize for PreambleSummary {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(None)?;
            let Some(kind) = self.0 else {
                map.serialize_entry("kind", "absent")?;
                return map.end();
            };
            map.serialize_entry("kind", kind.name())?;
            map.serialize_entry("description", &kind.to_string())?;
            match kind {
                PreambleKind::Tiff { header, grade } => {
                    map.serialize_entry("tiff", &header)?;
                    let defect = match grade {
                        TiffGrade::Functional => None,
                        TiffGrade::Dangling(defect) => Some(defect),
                    };
                    map.serialize_entry("defect", &defect)?;
                }
                PreambleKind::Pe(info)
                | PreambleKind::Elf(info)
                | PreambleKind::MachO { info, .. } => {
                    map.serialize_entry("executable", &info)?;
                }
                PreambleKind::OtherFormat(format) => map.serialize_entry("format", &format)?,
                PreambleKind::Script { shebang } => map.serialize_entry("shebang", &shebang)?,
                _ => {}
            }
            map.end()
        }
    }

    /// Fields: `layout`, `size`, `preamble`, `transfer_syntax`, `status`, `threat`, `action`
    /// (of the default policy) and `findings`.
    impl Serialize for Report {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("Report", 8)?;
            s.serialize_field("status", self.status().as_str())?;
            s.serialize_field("threat", &self.is_threat())?;
            s.serialize_field("layout", self.layout.name())?;
            s.serialize_field("size", &self.file_len)?;
            s.serialize_field("preamble", &PreambleSummary(self.preamble))?;
            s.serialize_field("transfer_syntax", &self.transfer_syntax)?;
            s.serialize_field("findings", &self.findings)?;
            s.serialize_field("action", self.default_action().as_str())?;
            s.end()
        }
    }
}
