//! Validation reports: every finding on one input, and what they add up to.

use crate::read::encoding::Encoding;
use crate::read::layout::Layout;
use crate::read::preamble::PreambleKind;
use crate::validate::findings::{Category, Finding, Severity};

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
}

impl Status {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Flagged => "flagged",
            Status::Invalid => "invalid",
            Status::NotDicom => "not-dicom",
        }
    }
}

/// The name and version of the JSON report schema (`schema` in each JSON Lines record of
/// `dicom-sanitize scan --json`, documented in the README). Fields are only ever added within
/// a version.
pub const REPORT_SCHEMA: &str = "dicom-sanitize/report/v1";

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
    /// Where the data set starts, for DICOM inputs whose meta group could be read.
    pub data_set_offset: Option<u64>,
    /// The encoding the data set was walked in.
    pub encoding: Option<Encoding>,
    /// Whether the data set is deflated. Offsets of findings inside it count inflated bytes
    /// from [`Report::data_set_offset`].
    pub deflated: bool,
    /// Element headers walked (items and delimiters included).
    pub elements: u64,
    /// Deepest sequence nesting met.
    pub max_depth: u32,
    /// Where the data set ends in the file (the end of its last element, or of its deflate
    /// stream), when the walk got that far. Bytes from here to `file_len` are trailing data.
    pub data_end: Option<u64>,
    /// Findings, in the order they were found.
    pub findings: Vec<Finding>,
    /// Findings left out because their code had already been reported many times.
    pub suppressed: u64,
    /// Whether Pixel Data was searched too ([`Validator::deep_scan`](crate::Validator::deep_scan)),
    /// so that every byte of the input was examined; otherwise every value but Pixel Data and
    /// its fragments was.
    pub deep: bool,
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

    /// Where trailing data starts, when the data set ends before the file does.
    pub fn trailing_offset(&self) -> Option<u64> {
        self.data_end.filter(|end| *end < self.file_len)
    }

    /// The worst finding, first in file order among equals.
    pub fn worst_finding(&self) -> Option<&Finding> {
        self.findings.iter().rev().max_by_key(|f| f.severity)
    }
}

#[cfg(feature = "serde")]
pub(crate) mod serialize {
    use serde::ser::{SerializeMap, SerializeStruct};
    use serde::{Serialize, Serializer};

    use super::Report;
    use crate::read::preamble::PreambleKind;
    use crate::read::tiff::TiffGrade;

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

    /// The number of fields [`serialize_fields`] writes.
    pub(crate) const FIELDS: usize = 15;

    /// Writes the report's fields, in the order of the JSON schema: `status`, `threat`,
    /// `layout`, `size`, `preamble`, `transfer_syntax`, `data_set_offset`, `encoding`,
    /// `deflated`, `elements`, `max_depth`, `data_end`, `findings`, `suppressed` and `deep`
    /// (added within v1). A report records no policy: [`Verdict`](crate::Verdict) adds the `action` of one.
    pub(crate) fn serialize_fields<S: SerializeStruct>(
        report: &Report,
        s: &mut S,
    ) -> Result<(), S::Error> {
        s.serialize_field("status", report.status().as_str())?;
        s.serialize_field("threat", &report.is_threat())?;
        s.serialize_field("layout", report.layout.name())?;
        s.serialize_field("size", &report.file_len)?;
        s.serialize_field("preamble", &PreambleSummary(report.preamble))?;
        s.serialize_field("transfer_syntax", &report.transfer_syntax)?;
        s.serialize_field("data_set_offset", &report.data_set_offset)?;
        s.serialize_field("encoding", &report.encoding)?;
        s.serialize_field("deflated", &report.deflated)?;
        s.serialize_field("elements", &report.elements)?;
        s.serialize_field("max_depth", &report.max_depth)?;
        s.serialize_field("data_end", &report.data_end)?;
        s.serialize_field("findings", &report.findings)?;
        s.serialize_field("suppressed", &report.suppressed)?;
        s.serialize_field("deep", &report.deep)?;
        Ok(())
    }

    /// Fields: `status`, `threat`, `layout`, `size`, `preamble`, `transfer_syntax`,
    /// `data_set_offset`, `encoding`, `deflated`, `elements`, `max_depth`, `data_end`,
    /// `findings`, `suppressed` and `deep`. No `action`, which depends on a policy: serialise a
    /// [`Verdict`](crate::Verdict) for the JSON report with it.
    impl Serialize for Report {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("Report", FIELDS)?;
            serialize_fields(self, &mut s)?;
            s.end()
        }
    }
}
