//! Validate DICOM files and print one JSON report per file (JSON Lines): the same lines as
//! `dicom-sanitize scan --json`, schema `dicom-sanitize/report/v1`, for an audit log or a SIEM.
//!
//! It uses the crate's `serde` feature, whose `Record` (the file's path and a `Verdict`: a
//! `Report` and the action of a policy, here the default policy) is the command line's JSON
//! line, rather than building JSON from the report's fields by hand: the output then follows
//! the documented schema (fields are only ever added) with no code to keep in step. In your project:
//! `dicom-sanitize = { version = "0.1", features = ["serde"] }` and `serde_json = "1"`.
//!
//! ```text
//! cargo run --example validate_json --features serde               # the samples in examples/data
//! cargo run --example validate_json --features serde -- FILE...
//! ```
//!
//! A file that cannot be read gets a line with `"status": "error"` and the message in `error`. Exit code, as the
//! command-line tool's: 2 if a file cannot be read, otherwise 1 if a file is flagged (two samples
//! are), otherwise 0.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Policy, Record, Status, Validator, Verdict};

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
        for name in [
            "pe_polyglot.dcm",
            "script_polyglot.dcm",
            "dual_personality.dcm",
            "clean.dcm",
        ] {
            paths.push(samples.join(name));
        }
    }
    // A validator is cheap and `Copy`; `validate_file` reads the header, the meta group and the
    // element headers, never Pixel Data.
    let validator = Validator::default();
    // The action in each line is the default policy's; a policy of your own goes here.
    let policy = Policy::default();
    let (mut errors, mut flagged) = (false, false);
    let mut out = io::stdout().lock();
    for path in &paths {
        let report = File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|file| validator.validate_file(&file).map_err(|e| e.to_string()));
        // One line per file: the schema and the path, then the report's own fields and the
        // policy's action; for a file that could not be read, the same fields with status
        // "error", then the message.
        let written = match &report {
            Ok(report) => {
                flagged |= report.status() == Status::Flagged;
                serde_json::to_writer(
                    &mut out,
                    &Record::new(Some(path), Verdict::new(&policy, report)),
                )
            }
            Err(error) => {
                errors = true;
                eprintln!("{}: {error}", path.display());
                serde_json::to_writer(&mut out, &Record::unreadable(Some(path), error))
            }
        };
        if let Err(err) = written
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
        {
            eprintln!("stdout: {err}");
            return ExitCode::from(2);
        }
    }
    ExitCode::from(if errors { 2 } else { u8::from(flagged) })
}
