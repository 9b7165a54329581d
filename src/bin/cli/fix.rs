//! `dicom-sanitize fix`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::tree::Entry;
use dicom_sanitize::{Action, Error, FileError, FileReview, Outcome, Policy, Report};

use crate::policy::PolicyChoice;
use crate::record::{self, Fix};
use crate::run::{self, Progress, RunArgs, Totals};
use crate::scan::{count, error, noteworthy, skipped};
use crate::walk::{self, open_regular, WalkArgs};

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
    /// With --in-place, also replace files you may not write (read-only files in a folder you
    /// may write), keeping their mode; refused by default.
    #[arg(long, conflicts_with = "output")]
    allow_read_only: bool,
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
    /// The output under `--output` already holds exactly what would be written (a rerun).
    Existing(Report, Outcome, PathBuf),
    Rejected(Report, String),
    Skipped(Report),
    /// Read and reported, then not written: the action the policy planned, and why.
    Failed(Report, Action, String),
}

/// What writing a reviewed file did.
enum Applied {
    Written(Outcome),
    /// The output already held exactly what would be written.
    Existing(PathBuf),
}

pub fn run(args: &FixArgs) -> ExitCode {
    let (policy, walker) = match run::setup(&args.policy, &args.walk) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    // Temporary files that a killed run left behind are removed, in the inputs (in place) and
    // in the output folder (copies), so that a rerun finishes the job.
    let walker = walker.removing_stale_temporaries();
    let mut totals = Totals::default();
    if let Some(output) = args.output.as_deref().filter(|dir| dir.is_dir()) {
        for entry in walker.entries([output]) {
            if let Entry::Error { path, error } = entry {
                totals.errors += 1;
                eprintln!(
                    "dicom-sanitize: {}: {}",
                    crate::names::escaped(&path),
                    crate::names::escaped_text(&error.to_string())
                );
            }
        }
    }
    let progress = Progress::new(args.run.quiet);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = run::ordered(
        args.run.jobs(),
        walker.entries(&args.paths),
        |entry| match entry {
            Entry::File { path, root, .. } => Some(fix_file(args, &policy, root, path)),
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

/// Reviews the file at `path` and applies the review. Errors before the file is read give
/// `Err`; once it is read, the result keeps its report whatever happens.
fn fix_file(args: &FixArgs, policy: &Policy, root: &Path, path: &Path) -> Result<Done, String> {
    // One open and one walk give the log line's report and the plan.
    let file = open_regular(path, false).map_err(|e| e.to_string())?;
    let review = policy
        .review_opened(file, path)
        .map_err(|e| e.error.to_string())?
        .allow_read_only(args.allow_read_only);
    if !review.report().layout.is_dicom() {
        return Ok(Done::Skipped(review.into_report()));
    }
    let planned = match review.outcome() {
        Ok(outcome) => outcome,
        Err(error @ Error::Rejected { .. }) => {
            return Ok(Done::Rejected(review.into_report(), error.to_string()))
        }
        Err(error) => {
            return Ok(Done::Failed(
                review.into_report(),
                Action::None,
                error.to_string(),
            ))
        }
    };
    let destination = args
        .output
        .as_deref()
        .map(|output| mirror(output, root, path));
    let applied = if args.dry_run {
        Ok(Applied::Written(planned))
    } else {
        apply(args, &review, destination.as_deref())
    };
    let report = review.into_report();
    Ok(match applied {
        Ok(Applied::Written(outcome)) => {
            let written_to =
                destination.or_else(|| (!outcome.is_unchanged()).then(|| path.to_path_buf()));
            Done::Fixed(report, outcome, written_to)
        }
        Ok(Applied::Existing(dest)) => Done::Existing(report, planned, dest),
        Err(message) => Done::Failed(report, planned.action, message),
    })
}

/// Writes the reviewed file's sanitized content: to `dest` under `--output`, else into the
/// file itself.
fn apply(args: &FixArgs, review: &FileReview, dest: Option<&Path>) -> Result<Applied, String> {
    let describe = |err: FileError| message(review.path(), &err);
    match dest {
        Some(dest) if review.output_matches(dest).map_err(describe)? => {
            Ok(Applied::Existing(dest.to_path_buf()))
        }
        Some(dest) => copy_out(review, dest, args.force, args.sync).map(Applied::Written),
        // Writing just the preamble keeps the file (and its hard links); a plan that strips
        // or truncates replaces the file atomically and durably instead, as does one for a
        // file we may not write, when allowed.
        None if review.keeps_length() => match write_in_place(review, args.sync) {
            Err(FileError {
                error:
                    Error::Io {
                        kind: io::ErrorKind::PermissionDenied,
                        ..
                    },
                ..
            }) if args.allow_read_only => review.replace(),
            written => written,
        }
        .map(Applied::Written)
        .map_err(describe),
        None => review.replace().map(Applied::Written).map_err(describe),
    }
}

/// An error's message for the record of the file at `path`: without the path when it is
/// about that file, which the record names.
fn message(path: &Path, err: &FileError) -> String {
    if err.path == path {
        err.error.to_string()
    } else {
        err.to_string()
    }
}

/// Writes the sanitized copy of the reviewed file at `dest`, synced when asked.
fn copy_out(review: &FileReview, dest: &Path, force: bool, sync: bool) -> Result<Outcome, String> {
    if !force && dest.exists() {
        return Err(format!(
            "{} exists and differs from the sanitized file (use --force to overwrite)",
            dest.display()
        ));
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let outcome = review
        .copy_to(dest)
        .map_err(|e| message(review.path(), &e))?;
    if sync {
        sync_path(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(outcome)
}

/// Syncs a file and the folder that names it.
fn sync_path(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// An I/O error about `path`, as the library names one.
fn io_error(path: &Path, err: &io::Error) -> FileError {
    FileError {
        path: path.to_path_buf(),
        error: Error::Io {
            offset: 0,
            kind: err.kind(),
            message: err.to_string(),
        },
    }
}

/// Sanitizes the reviewed file by writing its preamble in place.
fn write_in_place(review: &FileReview, sync: bool) -> Result<Outcome, FileError> {
    let outcome = review.write_in_place()?;
    if sync && !outcome.is_unchanged() {
        review
            .file()
            .sync_data()
            .map_err(|e| io_error(review.path(), &e))?;
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
        (Entry::File { path, .. }, Some(Ok(done))) => write_done(out, args, path, &done, totals),
        (Entry::File { path, .. }, Some(Err(message))) => error(out, run, totals, path, &message),
        (Entry::Error { path, error: err }, _) => error(out, run, totals, path, &err.to_string()),
        (Entry::Skipped { path, reason }, _) => {
            skipped(out, run, totals, path, &walk::reason(reason))
        }
        // Files always have a result; a later library's kind of entry: nothing to print.
        _ => Ok(()),
    }
}

/// Counts and prints what happened to a file that was read: its record, or its line and what
/// was done. A file that could not be written counts under its status and as an error, and
/// its error line, `NAME: error: MESSAGE`, is printed even with `--quiet`.
fn write_done(
    out: &mut impl Write,
    args: &FixArgs,
    path: &Path,
    done: &Done,
    totals: &mut Totals,
) -> io::Result<()> {
    let run = &args.run;
    let (report, fix) = match done {
        Done::Fixed(report, outcome, output) => {
            if !outcome.is_unchanged() {
                totals.changed += 1;
            }
            (
                report,
                Fix::from_outcome(outcome, output.as_deref(), args.dry_run),
            )
        }
        Done::Existing(report, outcome, output) => {
            totals.existing += 1;
            (
                report,
                Fix::from_outcome(outcome, Some(output), args.dry_run).existing(),
            )
        }
        Done::Rejected(report, reason) => {
            totals.rejected += 1;
            (report, Fix::rejected(reason.clone(), args.dry_run))
        }
        Done::Skipped(report) => (report, Fix::skipped("not DICOM".to_owned(), args.dry_run)),
        Done::Failed(report, _, message) => {
            totals.not_written += 1;
            totals.errors += 1;
            (report, Fix::failed(message.clone(), args.dry_run))
        }
    };
    count(totals, report);
    if run.json {
        return record::json_fix(out, path, report, &fix);
    }
    if let Done::Failed(report, planned, message) = done {
        if !run.quiet {
            record::human(out, path, report, planned.as_str())?;
        }
        return record::human_error(out, path, message);
    }
    let acted = fix.bytes_changed > 0 || fix.bytes_removed > 0 || fix.action == "reject";
    if run.quiet || !(run.verbose || acted || noteworthy(report)) {
        return Ok(());
    }
    record::human(out, path, report, fix.action)?;
    let verb = if args.dry_run { "would" } else { "did" };
    if let (true, Some(output)) = (fix.existing, fix.output) {
        writeln!(
            out,
            "  already done: {} holds the sanitized file",
            crate::names::escaped(output)
        )
    } else if acted && fix.action != "reject" {
        write!(
            out,
            "  {verb} {}: {} bytes changed, {} removed",
            fix.action, fix.bytes_changed, fix.bytes_removed
        )?;
        if let Some(output) = fix.output {
            write!(out, " -> {}", crate::names::escaped(output))?;
        }
        writeln!(out)
    } else if let Some(reason) = &fix.reason {
        writeln!(
            out,
            "  {}: {}",
            fix.action,
            crate::names::escaped_text(reason)
        )
    } else if let (Some(output), false) = (fix.output, args.dry_run) {
        writeln!(
            out,
            "  copied unchanged -> {}",
            crate::names::escaped(output)
        )
    } else {
        Ok(())
    }
}
