//! JSON Lines records and human-readable lines.

use std::io::{self, Write};
use std::path::Path;

use dicom_sanitize::{Action, Outcome, Record, Report, Verdict};
use serde::Serialize;

use crate::names::{escaped, escaped_text, LossyPath};

/// What the record of `fix` adds to the library's [`Record`] of a file that was read.
#[derive(Serialize)]
struct FixFields<'a> {
    fix: &'a Fix<'a>,
    /// What went wrong after the file was read (`fix` could not write it).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// What `fix` did (or, with `--dry-run`, would do) to a file.
#[derive(Serialize)]
pub struct Fix<'a> {
    /// `none`, `zero`, `strip`, `keep-tiff`, `reject`, `skip` (not DICOM) or `error` (the
    /// file was read and reported but could not be written: see the record's `error`).
    pub action: &'static str,
    pub bytes_changed: u64,
    pub bytes_removed: u64,
    /// Where the output went: the input itself with `--in-place`, a file under `--output`.
    #[serde(serialize_with = "lossy_output")]
    pub output: Option<&'a Path>,
    pub dry_run: bool,
    /// Whether the output under `--output` already held exactly this (nothing was written).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// Why the file was rejected or skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The action taken, for the record's report part: `none` when skipped or failed.
    #[serde(skip)]
    taken: Action,
    /// Why the file could not be written (action `error`): the record's top-level `error`.
    #[serde(skip)]
    pub error: Option<String>,
}

impl<'a> Fix<'a> {
    pub fn from_outcome(outcome: &Outcome, output: Option<&'a Path>, dry_run: bool) -> Self {
        Fix {
            action: outcome.action.as_str(),
            bytes_changed: outcome.bytes_changed,
            bytes_removed: outcome.bytes_removed,
            output,
            dry_run,
            existing: false,
            reason: None,
            taken: outcome.action,
            error: None,
        }
    }

    /// The same, for an output that already held exactly what would be written.
    pub fn existing(mut self) -> Self {
        self.existing = true;
        self
    }

    /// A file the policy refused: `action` "reject", with the refusal as the reason.
    pub fn rejected(reason: String, dry_run: bool) -> Self {
        Fix::not_done(Action::Reject.as_str(), Action::Reject, reason, dry_run)
    }

    /// A file skipped because it is not DICOM: `action` "skip"; for the report part nothing
    /// was done, which [`dicom_sanitize::Policy::action`] calls `none`.
    pub fn skipped(reason: String, dry_run: bool) -> Self {
        Fix::not_done("skip", Action::None, reason, dry_run)
    }

    /// A file read and reported that could not be written: `action` "error", nothing
    /// taken, and the error, which the record carries at its top level.
    pub fn failed(error: String, dry_run: bool) -> Self {
        Fix {
            reason: None,
            error: Some(error),
            ..Fix::not_done("error", Action::None, String::new(), dry_run)
        }
    }

    fn not_done(action: &'static str, taken: Action, reason: String, dry_run: bool) -> Self {
        Fix {
            action,
            bytes_changed: 0,
            bytes_removed: 0,
            output: None,
            dry_run,
            existing: false,
            reason: Some(reason),
            taken,
            error: None,
        }
    }
}

/// The record of `scan`: the report and the action of the policy in force.
pub fn json(out: &mut impl Write, path: &Path, verdict: Verdict<'_>) -> io::Result<()> {
    write_line(out, &Record::new(Some(path), verdict))
}

/// The record of `fix`: the report, the action taken, and what was done (with the error when
/// the file could not be written).
pub fn json_fix(
    out: &mut impl Write,
    path: &Path,
    report: &Report,
    fix: &Fix<'_>,
) -> io::Result<()> {
    let verdict = Verdict::with_action(report, fix.taken);
    let fields = FixFields {
        fix,
        error: fix.error.as_deref(),
    };
    write_line(out, &Record::new(Some(path), verdict).with(fields))
}

/// The record of a file that could not be read.
pub fn json_error(out: &mut impl Write, path: &Path, error: &str) -> io::Result<()> {
    write_line(out, &Record::unreadable(Some(path), error))
}

/// A record as one line of JSON.
fn write_line(out: &mut impl Write, record: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    writeln!(out)
}

/// One line: path, status, preamble kind, action, the worst finding.
pub fn human(out: &mut impl Write, path: &Path, report: &Report, action: &str) -> io::Result<()> {
    let preamble = report.preamble.map_or("absent", |kind| kind.name());
    write!(
        out,
        "{}: {} [preamble {preamble}] action {action}",
        escaped(path),
        report.status().as_str()
    )?;
    if let Some(worst) = report.worst_finding() {
        write!(out, ": {}", escaped_text(&worst.to_string()))?;
    }
    writeln!(out)
}

pub fn human_error(out: &mut impl Write, path: &Path, error: &str) -> io::Result<()> {
    writeln!(out, "{}: error: {}", escaped(path), escaped_text(error))
}

pub fn human_skipped(out: &mut impl Write, path: &Path, reason: &str) -> io::Result<()> {
    writeln!(out, "{}: skipped: {}", escaped(path), escaped_text(reason))
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

fn lossy_output<S: serde::Serializer>(output: &Option<&Path>, s: S) -> Result<S::Ok, S::Error> {
    output.map(LossyPath).serialize(s)
}
