//! `dicom-sanitize scan`.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::tree::{Scanned, TreeScan};
use dicom_sanitize::{Policy, Report, Status, Verdict};

use crate::policy::PolicyChoice;
use crate::record;
use crate::run::{self, Progress, RunArgs, Totals};
use crate::walk::{self, WalkArgs};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    walk: WalkArgs,
    #[command(flatten)]
    policy: PolicyChoice,
    /// Files and folders to scan.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let (policy, walker) = match run::setup(&args.policy, &args.walk) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    // Threads also share the search of a large value (Pixel Data of a deep scan).
    let validator = policy.validator().search_threads(args.run.jobs());
    let progress = Progress::new(args.run.quiet);
    let mut totals = Totals::default();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let entries = walker.entries(&args.paths);
    let result = TreeScan::new(entries, validator, args.run.jobs()).and_then(|scan| {
        for scanned in scan {
            progress.suspend(|| write(&mut out, &args.run, &policy, scanned, &mut totals))?;
            progress.update(&totals);
        }
        Ok(())
    });
    let flushed = result.and_then(|()| out.flush());
    progress.finish(&totals);
    if let Err(err) = flushed {
        eprintln!("dicom-sanitize: cannot write the report: {err}");
        return ExitCode::from(2);
    }
    totals.exit_code()
}

/// Counts a report in the totals.
pub fn count(totals: &mut Totals, report: &Report) {
    totals.files += 1;
    totals.bytes += report.file_len;
    match report.status() {
        Status::Clean => totals.clean += 1,
        Status::Flagged => totals.flagged += 1,
        Status::Invalid => totals.invalid += 1,
        Status::NotDicom => totals.not_dicom += 1,
        _ => totals.errors += 1,
    }
}

/// Whether a report is worth a line without `--verbose`.
pub fn noteworthy(report: &Report) -> bool {
    matches!(report.status(), Status::Flagged | Status::Invalid)
}

fn write(
    out: &mut impl Write,
    args: &RunArgs,
    policy: &Policy,
    scanned: Scanned,
    totals: &mut Totals,
) -> io::Result<()> {
    match scanned {
        Scanned::Report { path, report, .. } => {
            count(totals, &report);
            if args.json {
                record::json(out, &path, Verdict::new(policy, &report))
            } else if !args.quiet && (args.verbose || noteworthy(&report)) {
                record::human(out, &path, &report, policy.action(&report).as_str())
            } else {
                Ok(())
            }
        }
        Scanned::Error { path, error: err } => error(out, args, totals, &path, &err.to_string()),
        Scanned::Skipped { path, reason } => {
            skipped(out, args, totals, &path, &walk::reason(&reason))
        }
        // A later library's kind of entry: nothing to print.
        _ => Ok(()),
    }
}

/// Counts and prints an error about `path`, a file or folder that could not be read.
pub fn error(
    out: &mut impl Write,
    args: &RunArgs,
    totals: &mut Totals,
    path: &Path,
    message: &str,
) -> io::Result<()> {
    totals.files += 1;
    totals.unreadable += 1;
    totals.errors += 1;
    record::error(out, args.json, path, message)
}

/// Counts and (with `--verbose`) prints a skipped path.
pub fn skipped(
    out: &mut impl Write,
    args: &RunArgs,
    totals: &mut Totals,
    path: &Path,
    reason: &str,
) -> io::Result<()> {
    totals.skipped += 1;
    if args.verbose && !args.json {
        record::human_skipped(out, path, reason)
    } else {
        Ok(())
    }
}
