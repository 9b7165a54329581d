//! `dicom-sanitize fix`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Error, FileError, Outcome, Policy, PreambleAction, Report, Validator};

use crate::policy::PolicyChoice;
use crate::record::{self, Fix};
use crate::run::{self, Progress, RunArgs, Totals};
use crate::scan::{count, error, noteworthy, skipped};
use crate::walk::{open_regular, Entry, WalkArgs};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["in_place", "output"])))]
pub struct FixArgs {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    walk: WalkArgs,
    #[command(flatten)]
    policy: PolicyChoice,
    /// Rewrite the files themselves.
    #[arg(long)]
    in_place: bool,
    /// Write sanitized copies into DIR, mirroring the input tree; inputs are not modified.
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Overwrite existing files under --output.
    #[arg(long, requires = "output")]
    force: bool,
    /// Report what would be done without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Make every change durable (fsync) before going on to the next file.
    #[arg(long)]
    sync: bool,
    /// Files and folders to sanitize.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// What happened to one file.
enum Done {
    Fixed(Report, Outcome, Option<PathBuf>),
    Rejected(Report, String),
    Skipped(Report),
}

pub fn run(args: &FixArgs) -> ExitCode {
    let (policy, walker) = match run::setup(&args.policy, &args.walk) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let validator = policy.validator();
    let progress = Progress::new(args.run.quiet);
    let mut totals = Totals::default();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = run::ordered(
        args.run.jobs(),
        walker.entries(&args.paths),
        |entry| match entry {
            Entry::File { path, root, .. } => Some(fix_file(&policy, &validator, args, root, path)),
            _ => None,
        },
        |entry, result| {
            let written = progress.suspend(|| write(&mut out, args, &entry, result, &mut totals));
            progress.update(&totals);
            written
        },
    );
    let flushed = result.and_then(|()| out.flush());
    progress.finish(&totals);
    if let Err(err) = flushed {
        eprintln!("dicom-sanitize: cannot write the log: {err}");
        return ExitCode::from(2);
    }
    totals.exit_code()
}

/// Where the copy of `path` (found under `root`) goes in the mirror at `output`.
fn mirror(output: &Path, root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => output.join(rel),
        _ => output.join(path.file_name().unwrap_or(path.as_os_str())),
    }
}

fn fix_file(
    policy: &Policy,
    validator: &Validator,
    args: &FixArgs,
    root: &Path,
    path: &Path,
) -> Result<Done, String> {
    // The report is for the log; the policy decides from the preamble unless it needs more.
    let file = open_regular(path, false).map_err(|e| e.to_string())?;
    let report = validator.validate_file(&file).map_err(|e| e.to_string())?;
    drop(file);
    if !report.layout.is_dicom() {
        return Ok(Done::Skipped(report));
    }
    let destination = args
        .output
        .as_deref()
        .map(|output| mirror(output, root, path));
    let result = match &destination {
        _ if args.dry_run => policy.check_file(path),
        Some(dest) => copy_out(policy, path, dest, args.force, args.sync)?,
        // Stripping changes the length: the library replaces the file atomically and durably.
        None if policy.preamble_action() == PreambleAction::Strip || policy.needs_validation() => {
            policy.sanitize_file(path)
        }
        // Otherwise write just the preamble, keeping the file (and its hard links).
        None => in_place(policy, path, args.sync),
    };
    match result {
        Ok(outcome) => {
            let written_to =
                destination.or_else(|| (!outcome.is_unchanged()).then(|| path.to_path_buf()));
            Ok(Done::Fixed(report, outcome, written_to))
        }
        Err(FileError {
            error: error @ Error::Rejected { .. },
            ..
        }) => Ok(Done::Rejected(report, error.to_string())),
        Err(err) => Err(err.to_string()),
    }
}

/// Writes the sanitized copy of `path` at `dest`, synced when asked.
fn copy_out(
    policy: &Policy,
    path: &Path,
    dest: &Path,
    force: bool,
    sync: bool,
) -> Result<Result<Outcome, FileError>, String> {
    if !force && dest.exists() {
        return Err(format!(
            "{} exists (use --force to overwrite)",
            dest.display()
        ));
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let result = policy.sanitize_file_to(path, dest);
    if result.is_ok() && sync {
        sync_path(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(result)
}

/// Syncs a file and the folder that names it.
fn sync_path(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// Sanitizes `path` by writing its preamble in place.
fn in_place(policy: &Policy, path: &Path, sync: bool) -> Result<Outcome, FileError> {
    let file_error = |error| FileError {
        path: path.to_path_buf(),
        error,
    };
    let io_error = |e: io::Error| {
        file_error(Error::Io {
            offset: 0,
            kind: e.kind(),
            message: e.to_string(),
        })
    };
    let mut file = open_regular(path, true).map_err(io_error)?;
    let outcome = policy.sanitize_in_place(&mut file).map_err(file_error)?;
    if sync && !outcome.is_unchanged() {
        file.sync_data().map_err(io_error)?;
    }
    Ok(outcome)
}

fn write(
    out: &mut impl Write,
    args: &FixArgs,
    entry: &Entry,
    result: Option<Result<Done, String>>,
    totals: &mut Totals,
) -> io::Result<()> {
    let run = &args.run;
    match (entry, result) {
        (Entry::File { path, .. }, Some(Ok(done))) => {
            let (report, fix) = match &done {
                Done::Fixed(report, outcome, output) => {
                    if !outcome.is_unchanged() {
                        totals.changed += 1;
                    }
                    (
                        report,
                        Fix::from_outcome(outcome, output.as_deref(), args.dry_run),
                    )
                }
                Done::Rejected(report, reason) => {
                    totals.rejected += 1;
                    (
                        report,
                        Fix::not_done("reject", reason.clone(), args.dry_run),
                    )
                }
                Done::Skipped(report) => (
                    report,
                    Fix::not_done("skip", "not DICOM".to_owned(), args.dry_run),
                ),
            };
            count(totals, report);
            if run.json {
                return record::json(out, path, report, Some(&fix));
            }
            let acted = fix.bytes_changed > 0 || fix.bytes_removed > 0 || fix.action == "reject";
            if run.quiet || !(run.verbose || acted || noteworthy(report)) {
                return Ok(());
            }
            record::human(out, path, report, fix.action)?;
            let verb = if args.dry_run { "would" } else { "did" };
            if acted && fix.action != "reject" {
                write!(
                    out,
                    "  {verb} {}: {} bytes changed, {} removed",
                    fix.action, fix.bytes_changed, fix.bytes_removed
                )?;
                if let Some(output) = fix.output {
                    write!(out, " -> {}", output.display())?;
                }
                writeln!(out)?;
            } else if let Some(reason) = &fix.reason {
                writeln!(out, "  {}: {reason}", fix.action)?;
            } else if let (Some(output), false) = (fix.output, args.dry_run) {
                writeln!(out, "  copied unchanged -> {}", output.display())?;
            }
            Ok(())
        }
        (Entry::File { path, .. }, Some(Err(message))) => error(out, run, totals, path, &message),
        (Entry::Error { path, message }, _) => error(out, run, totals, path, message),
        (Entry::Skipped { path, reason }, _) => skipped(out, run, totals, path, reason),
        (Entry::File { .. }, None) => Ok(()),
    }
}
