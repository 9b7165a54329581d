//! JSON Lines records and human-readable lines, shared by `scan` and `fix`.

use std::io::{self, Write};
use std::path::Path;

use dicom_sanitize::{Outcome, Report, Status};
use serde::Serialize;

/// The JSON report schema this version writes.
pub const SCHEMA: &str = "dicom-sanitize/report/v1";

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

/// One line: path, status, preamble, the worst finding.
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

/// Counts of outcomes, for the summary and the exit code.
#[derive(Debug, Default)]
pub struct Totals {
    pub files: u64,
    pub clean: u64,
    pub flagged: u64,
    pub invalid: u64,
    pub not_dicom: u64,
    pub rejected: u64,
    pub errors: u64,
}

impl Totals {
    pub fn count(&mut self, report: &Report) {
        self.files += 1;
        match report.status() {
            Status::Clean => self.clean += 1,
            Status::Flagged => self.flagged += 1,
            Status::Invalid => self.invalid += 1,
            Status::NotDicom => self.not_dicom += 1,
            _ => self.errors += 1,
        }
    }

    pub fn error(&mut self) {
        self.files += 1;
        self.errors += 1;
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} files: {} clean, {} flagged, {} invalid, {} not DICOM, {} errors",
            self.files, self.clean, self.flagged, self.invalid, self.not_dicom, self.errors
        );
        if self.rejected > 0 {
            s.push_str(&format!(", {} rejected", self.rejected));
        }
        s
    }

    /// 2 when an error occurred, 1 when something was flagged or rejected, else 0.
    pub fn exit_code(&self) -> std::process::ExitCode {
        if self.errors > 0 {
            std::process::ExitCode::from(2)
        } else if self.flagged > 0 || self.rejected > 0 {
            std::process::ExitCode::from(1)
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}
