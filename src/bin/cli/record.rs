//! JSON Lines records and human-readable lines.

use std::io::{self, Write};
use std::path::Path;

use dicom_sanitize::{Outcome, Report, Status};
use serde::Serialize;

/// The JSON report schema this version writes.
pub const SCHEMA: &str = dicom_sanitize::REPORT_SCHEMA;

/// A record for a file that was read.
#[derive(Serialize)]
struct Record<'a> {
    schema: &'static str,
    path: &'a Path,
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a Fix<'a>>,
}

/// What `fix` did (or, with `--dry-run`, would do) to a file.
#[derive(Serialize)]
pub struct Fix<'a> {
    /// `none`, `zero`, `strip`, `keep-tiff`, `reject` or `skip` (not DICOM).
    pub action: &'static str,
    pub bytes_changed: u64,
    pub bytes_removed: u64,
    /// Where the output went: the input itself with `--in-place`, a file under `--output`.
    pub output: Option<&'a Path>,
    pub dry_run: bool,
    /// Why the file was rejected or skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl<'a> Fix<'a> {
    pub fn from_outcome(outcome: &Outcome, output: Option<&'a Path>, dry_run: bool) -> Self {
        Fix {
            action: outcome.action.as_str(),
            bytes_changed: outcome.bytes_changed,
            bytes_removed: outcome.bytes_removed,
            output,
            dry_run,
            reason: None,
        }
    }

    pub fn not_done(action: &'static str, reason: String, dry_run: bool) -> Self {
        Fix {
            action,
            bytes_changed: 0,
            bytes_removed: 0,
            output: None,
            dry_run,
            reason: Some(reason),
        }
    }
}

/// A record for a file that could not be read: the same fields, `status` "error", no
/// preamble, and the error's message.
#[derive(Serialize)]
struct ErrorRecord<'a> {
    schema: &'static str,
    path: &'a Path,
    status: &'static str,
    threat: bool,
    preamble: Option<()>,
    findings: [(); 0],
    action: &'static str,
    error: &'a str,
}

pub fn json(
    out: &mut impl Write,
    path: &Path,
    report: &Report,
    fix: Option<&Fix<'_>>,
) -> io::Result<()> {
    serde_json::to_writer(
        &mut *out,
        &Record {
            schema: SCHEMA,
            path,
            report,
            fix,
        },
    )?;
    writeln!(out)
}

pub fn json_error(out: &mut impl Write, path: &Path, error: &str) -> io::Result<()> {
    serde_json::to_writer(
        &mut *out,
        &ErrorRecord {
            schema: SCHEMA,
            path,
            status: Status::Error.as_str(),
            threat: false,
            preamble: None,
            findings: [],
            action: "none",
            error,
        },
    )?;
    writeln!(out)
}

/// One line: path, status, preamble kind, action, the worst finding.
pub fn human(out: &mut impl Write, path: &Path, report: &Report, action: &str) -> io::Result<()> {
    let preamble = report.preamble.map_or("absent", |kind| kind.name());
    write!(
        out,
        "{}: {} [preamble {preamble}] action {action}",
        path.display(),
        report.status().as_str()
    )?;
    if let Some(worst) = report.worst_finding() {
        write!(out, ": {worst}")?;
    }
    writeln!(out)
}

pub fn human_error(out: &mut impl Write, path: &Path, error: &str) -> io::Result<()> {
    writeln!(out, "{}: error: {error}", path.display())
}

pub fn human_skipped(out: &mut impl Write, path: &Path, reason: &str) -> io::Result<()> {
    writeln!(out, "{}: skipped: {reason}", path.display())
}

/// An error line in the chosen format.
pub fn error(
    out: &mut impl Write,
    json_output: bool,
    path: &Path,
    message: &str,
) -> io::Result<()> {
    if json_output {
        json_error(out, path, message)
    } else {
        human_error(out, path, message)
    }
}
