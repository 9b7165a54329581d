//! `Report`, `Finding`, `Preamble` and `Outcome`: the library's types as read-only Python
//! objects whose attributes are the JSON report's fields, and `to_dict()`/`to_json()` giving
//! the record `dicom-sanitize scan --json` writes.

use std::path::PathBuf;

use dicom_sanitize::{Action, Outcome as RustOutcome, Record, Report as RustReport, Verdict};
use pyo3::prelude::*;
use pyo3::types::PyList;

/// What a report describes: a validated input with the action of the policy in force, or a
/// file that could not be read.
pub enum Body {
    Read { report: RustReport, action: Action },
    Error { message: String },
}

/// The report of one input (schema `dicom-sanitize/report/v1`): what its preamble is, what
/// was found in it, and the action of the policy in force. `status` is "clean", "flagged",
/// "invalid", "not-dicom", or "error" for a file of `scan_tree` that could not be read (then
/// `error` holds why and the report's other fields are None).
#[pyclass(frozen, module = "dicom_sanitize")]
pub struct Report {
    pub path: Option<PathBuf>,
    pub body: Body,
}

impl Report {
    fn read(&self) -> Option<&RustReport> {
        match &self.body {
            Body::Read { report, .. } => Some(report),
            Body::Error { .. } => None,
        }
    }
}

#[pymethods]
impl Report {
    /// The file's path (None for bytes).
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// "clean", "flagged", "invalid", "not-dicom" or "error".
    #[getter]
    fn status(&self) -> &'static str {
        self.read().map_or("error", |r| r.status().as_str())
    }

    /// Whether anything found is a threat (an executable preamble, a confirmed payload).
    #[getter]
    fn threat(&self) -> bool {
        self.read().is_some_and(RustReport::is_threat)
    }

    /// The action of the policy in force: "none", "zero", "strip", "keep-tiff" or "reject".
    #[getter]
    fn action(&self) -> &'static str {
        match &self.body {
            Body::Read { action, .. } => action.as_str(),
            Body::Error { .. } => Action::None.as_str(),
        }
    }

    /// Why the file could not be read (None when it was).
    #[getter]
    fn error(&self) -> Option<&str> {
        match &self.body {
            Body::Read { .. } => None,
            Body::Error { message } => Some(message),
        }
    }

    /// "part10", "no-preamble", "raw-data-set", ... (the JSON's `layout`).
    #[getter]
    fn layout(&self) -> Option<&'static str> {
        self.read().map(|r| r.layout.name())
    }

    /// The input's length in bytes (the JSON's `size`).
    #[getter]
    fn size(&self) -> Option<u64> {
        self.read().map(|r| r.file_len)
    }

    /// The preamble: `kind` ("absent" when there is none) and `description`.
    #[getter]
    fn preamble(&self) -> Option<Preamble> {
        self.read().map(|r| Preamble {
            kind: r.preamble.map_or("absent", |kind| kind.name()),
            description: r.preamble.map(|kind| kind.to_string()),
        })
    }

    /// The transfer syntax UID of the meta group.
    #[getter]
    fn transfer_syntax(&self) -> Option<String> {
        self.read().and_then(|r| r.transfer_syntax.clone())
    }

    /// Where the data set starts.
    #[getter]
    fn data_set_offset(&self) -> Option<u64> {
        self.read().and_then(|r| r.data_set_offset)
    }

    /// The data set's encoding, such as "explicit-vr-little-endian".
    #[getter]
    fn encoding(&self) -> Option<&'static str> {
        self.read().and_then(|r| r.encoding).map(|e| e.name())
    }

    /// Whether the data set is deflated.
    #[getter]
    fn deflated(&self) -> Option<bool> {
        self.read().map(|r| r.deflated)
    }

    /// Elements walked.
    #[getter]
    fn elements(&self) -> Option<u64> {
        self.read().map(|r| r.elements)
    }

    /// The deepest sequence nesting met.
    #[getter]
    fn max_depth(&self) -> Option<u32> {
        self.read().map(|r| r.max_depth)
    }

    /// Where the data set ends (trailing data follows when it is before `size`).
    #[getter]
    fn data_end(&self) -> Option<u64> {
        self.read().and_then(|r| r.data_end)
    }

    /// What was found, in the order of the JSON report.
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let findings = self.read().map_or(&[][..], |r| &r.findings[..]);
        PyList::new(py, findings.iter().map(Finding::from))
    }

    /// Findings left out after the limit on findings.
    #[getter]
    fn suppressed(&self) -> Option<u64> {
        self.read().map(|r| r.suppressed)
    }

    /// Whether Pixel Data was searched too.
    #[getter]
    fn deep(&self) -> Option<bool> {
        self.read().map(|r| r.deep)
    }

    /// The most severe finding (None when there is none).
    #[getter]
    fn worst_finding(&self) -> Option<Finding> {
        self.read()
            .and_then(RustReport::worst_finding)
            .map(Finding::from)
    }

    /// The record as JSON text, byte for byte the line `dicom-sanitize scan --json` writes
    /// (without its newline).
    fn to_json(&self) -> PyResult<String> {
        let path = self.path.as_deref();
        let record = match &self.body {
            Body::Read { report, action } => {
                Record::new(path, Verdict::with_action(report, *action))
            }
            Body::Error { message } => Record::unreadable(path, message),
        };
        serde_json::to_string(&record)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// The record as a dict: exactly the CLI's JSON object.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.to_json()?;
        py.import("json")?.call_method1("loads", (text,))
    }

    fn __repr__(&self) -> String {
        let path = self
            .path
            .as_ref()
            .map_or_else(String::new, |p| format!("{:?}, ", p.display().to_string()));
        format!(
            "<Report {path}status={:?} action={:?}>",
            self.status(),
            self.action()
        )
    }
}

/// A report's preamble: `kind` (a stable name such as "pe", "tiff", "zero", "absent") and a
/// human `description` (None when absent).
#[pyclass(frozen, module = "dicom_sanitize", get_all)]
pub struct Preamble {
    /// The preamble kind's stable name.
    pub kind: &'static str,
    /// What it is, in words.
    pub description: Option<String>,
}

#[pymethods]
impl Preamble {
    fn __repr__(&self) -> String {
        format!("<Preamble kind={:?}>", self.kind)
    }
}

/// One finding: a stable `code` (such as "preamble.pe"), its `severity`, the byte `offset`
/// and `length` it concerns, the element `tag` as "(GGGG,EEEE)" when there is one, and a
/// `message`.
#[pyclass(frozen, module = "dicom_sanitize", get_all)]
pub struct Finding {
    /// Stable code.
    pub code: &'static str,
    /// "info", "low", "medium", "high" or "critical".
    pub severity: &'static str,
    /// Byte offset.
    pub offset: u64,
    /// Bytes concerned, when known.
    pub length: Option<u64>,
    /// "(GGGG,EEEE)", when an element is concerned.
    pub tag: Option<String>,
    /// What was found, in words.
    pub message: String,
}

impl From<&dicom_sanitize::Finding> for Finding {
    fn from(finding: &dicom_sanitize::Finding) -> Self {
        Finding {
            code: finding.code.as_str(),
            severity: finding.severity.as_str(),
            offset: finding.offset,
            length: finding.length,
            tag: finding.tag.map(|tag| tag.to_string()),
            message: finding.message.clone(),
        }
    }
}

#[pymethods]
impl Finding {
    fn __repr__(&self) -> String {
        format!(
            "<Finding {} {} at {}>",
            self.code, self.severity, self.offset
        )
    }
}

/// What sanitizing did (or would do): the `action` taken, the preamble kinds `before` and
/// `after` (None when there is none), and the lengths.
#[pyclass(frozen, module = "dicom_sanitize", get_all)]
pub struct Outcome {
    /// "none", "zero", "strip" or "keep-tiff".
    pub action: &'static str,
    /// The input's layout.
    pub layout: &'static str,
    /// The input's preamble kind.
    pub before: Option<&'static str>,
    /// The output's preamble kind.
    pub after: Option<&'static str>,
    /// The input's length.
    pub input_len: u64,
    /// The output's length.
    pub output_len: u64,
    /// Bytes whose value changed.
    pub bytes_changed: u64,
    /// Bytes removed.
    pub bytes_removed: u64,
    /// Whether the output is the input unchanged.
    pub is_unchanged: bool,
}

impl From<&RustOutcome> for Outcome {
    fn from(outcome: &RustOutcome) -> Self {
        Outcome {
            action: outcome.action.as_str(),
            layout: outcome.layout.name(),
            before: outcome.before.map(|kind| kind.name()),
            after: outcome.after.map(|kind| kind.name()),
            input_len: outcome.input_len,
            output_len: outcome.output_len(),
            bytes_changed: outcome.bytes_changed,
            bytes_removed: outcome.bytes_removed,
            is_unchanged: outcome.is_unchanged(),
        }
    }
}

#[pymethods]
impl Outcome {
    fn __repr__(&self) -> String {
        format!(
            "<Outcome action={:?} bytes_changed={} bytes_removed={}>",
            self.action, self.bytes_changed, self.bytes_removed
        )
    }
}
