//! `dicom-sanitize scan`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Policy, Report};

use crate::record::{self, Totals};
use crate::walk::{self, Entry};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Print one JSON object per file (JSON Lines, schema "dicom-sanitize/report/v1").
    #[arg(long)]
    json: bool,
    /// Files and folders to scan.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let policy = Policy::default();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    for entry in walk::files(&args.paths) {
        let written = match entry {
            Entry::File(path) => match scan_file(&policy, &path) {
                Ok(report) => {
                    totals.count(&report);
                    if args.json {
                        record::json(&mut out, &path, &report, None)
                    } else {
                        record::human(&mut out, &path, &report, policy.action(&report).as_str())
                    }
                }
                Err(message) => {
                    totals.error();
                    write_error(&mut out, args.json, &path, &message)
                }
            },
            Entry::Error(path, message) => {
                totals.error();
                write_error(&mut out, args.json, &path, &message)
            }
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
    eprintln!("{}", totals.summary());
    totals.exit_code()
}

fn scan_file(policy: &Policy, path: &Path) -> Result<Report, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    policy
        .validator()
        .validate_reader(&mut file)
        .map_err(|e| e.to_string())
}

pub fn write_error(out: &mut impl Write, json: bool, path: &Path, message: &str) -> io::Result<()> {
    if json {
        record::json_error(out, path, message)
    } else {
        record::human_error(out, path, message)
    }
}
