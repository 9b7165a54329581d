//! `dicom-sanitize scan`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Report, Status, Validator};
use serde::Serialize;

use crate::walk::{self, Entry};

/// The JSON report schema this version writes.
pub const SCHEMA: &str = "dicom-sanitize/report/v1";

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Print one JSON object per file (JSON Lines, schema "dicom-sanitize/report/v1").
    #[arg(long)]
    json: bool,
    /// Files and folders to scan.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// One file's outcome.
enum Outcome {
    Report(Report),
    Error(String),
}

/// A JSON Lines record for a file that was read.
#[derive(Serialize)]
struct Record<'a> {
    schema: &'static str,
    path: &'a Path,
    #[serde(flatten)]
    report: &'a Report,
}

/// A JSON Lines record for a file that could not be read: the same fields, with `status`
/// "error", no preamble and the error's message.
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

#[derive(Default)]
struct Totals {
    files: u64,
    clean: u64,
    flagged: u64,
    invalid: u64,
    not_dicom: u64,
    errors: u64,
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let validator = Validator::default();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    for entry in walk::files(&args.paths) {
        let (path, outcome) = match entry {
            Entry::File(path) => {
                let outcome = scan_file(&validator, &path);
                (path, outcome)
            }
            Entry::Error(path, message) => (path, Outcome::Error(message)),
        };
        totals.files += 1;
        match &outcome {
            Outcome::Report(report) => match report.status() {
                Status::Clean => totals.clean += 1,
                Status::Flagged => totals.flagged += 1,
                Status::Invalid => totals.invalid += 1,
                Status::NotDicom => totals.not_dicom += 1,
                _ => totals.errors += 1,
            },
            Outcome::Error(_) => totals.errors += 1,
        }
        let written = if args.json {
            write_json(&mut out, &path, &outcome)
        } else {
            write_human(&mut out, &path, &outcome)
        };
        if let Err(err) = written {
            eprintln!("dicom-sanitize: cannot write the report: {err}");
            return ExitCode::from(2);
        }
    }
    if let Err(err) = out.flush() {
        eprintln!("dicom-sanitize: cannot write the report: {err}");
        return ExitCode::from(2);
    }
    eprintln!(
        "{} files: {} clean, {} flagged, {} invalid, {} not DICOM, {} errors",
        totals.files, totals.clean, totals.flagged, totals.invalid, totals.not_dicom, totals.errors
    );
    if totals.errors > 0 {
        ExitCode::from(2)
    } else if totals.flagged > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn scan_file(validator: &Validator, path: &Path) -> Outcome {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) => return Outcome::Error(err.to_string()),
    };
    match validator.validate_reader(&mut file) {
        Ok(report) => Outcome::Report(report),
        Err(err) => Outcome::Error(err.to_string()),
    }
}

fn write_json(out: &mut impl Write, path: &Path, outcome: &Outcome) -> io::Result<()> {
    match outcome {
        Outcome::Report(report) => serde_json::to_writer(
            &mut *out,
            &Record {
                schema: SCHEMA,
                path,
                report,
            },
        )?,
        Outcome::Error(error) => serde_json::to_writer(
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
        )?,
    }
    writeln!(out)
}

fn write_human(out: &mut impl Write, path: &Path, outcome: &Outcome) -> io::Result<()> {
    match outcome {
        Outcome::Report(report) => {
            let preamble = report.preamble.map_or("absent", |kind| kind.name());
            write!(
                out,
                "{}: {} [preamble {preamble}] action {}",
                path.display(),
                report.status().as_str(),
                report.default_action().as_str()
            )?;
            if let Some(worst) = report.worst_finding() {
                write!(out, ": {worst}")?;
            }
            writeln!(out)
        }
        Outcome::Error(message) => writeln!(out, "{}: error: {message}", path.display()),
    }
}
