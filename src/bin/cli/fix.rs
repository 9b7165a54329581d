//! `dicom-sanitize fix`.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Action, Error, FileError, Outcome, Policy, PreambleAction, Report};

use crate::policy::PolicyName;
use crate::record::{self, Fix, Totals};
use crate::scan::write_error;
use crate::walk::{self, Entry};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["in_place", "output"])))]
pub struct FixArgs {
    /// The preamble policy.
    #[arg(long, value_enum, default_value_t = PolicyName::Tiff)]
    policy: PolicyName,
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
    /// Print one JSON object per file (JSON Lines, schema "dicom-sanitize/report/v1", with a
    /// "fix" object).
    #[arg(long)]
    json: bool,
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
    let policy = args.policy.policy();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    for root in &args.paths {
        for entry in walk::files(std::slice::from_ref(root)) {
            let written = match entry {
                Entry::File(path) => match fix_file(&policy, args, root, &path) {
                    Ok(done) => log(&mut out, args, &path, &done, &mut totals),
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
                eprintln!("dicom-sanitize: cannot write the log: {err}");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(err) = out.flush() {
        eprintln!("dicom-sanitize: cannot write the log: {err}");
        return ExitCode::from(2);
    }
    eprintln!("{}", totals.summary());
    totals.exit_code()
}

/// Where the copy of `path` (found under `root`) goes in the mirror at `output`.
fn mirror(output: &Path, root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => output.join(rel),
        _ => output.join(path.file_name().unwrap_or(path.as_os_str())),
    }
}

fn fix_file(policy: &Policy, args: &FixArgs, root: &Path, path: &Path) -> Result<Done, String> {
    // The report is for the log; the policy itself decides from the preamble.
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let report = policy
        .validator()
        .validate_reader(&mut file)
        .map_err(|e| e.to_string())?;
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
        Some(dest) => {
            if !args.force && dest.exists() {
                return Err(format!(
                    "{} exists (use --force to overwrite)",
                    dest.display()
                ));
            }
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            policy.sanitize_file_to(path, dest)
        }
        // Stripping changes the length: replace the file atomically.
        None if policy.preamble_action() == PreambleAction::Strip => policy.sanitize_file(path),
        // Otherwise write just the preamble, keeping the file (and its hard links).
        None => in_place(policy, path),
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

/// Sanitizes `path` by writing its preamble in place, and makes the change durable.
fn in_place(policy: &Policy, path: &Path) -> Result<Outcome, FileError> {
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
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_error)?;
    let outcome = policy.sanitize_in_place(&mut file).map_err(file_error)?;
    if !outcome.is_unchanged() {
        file.sync_data().map_err(io_error)?;
    }
    Ok(outcome)
}

fn log(
    out: &mut impl Write,
    args: &FixArgs,
    path: &Path,
    done: &Done,
    totals: &mut Totals,
) -> io::Result<()> {
    let (report, fix) = match done {
        Done::Fixed(report, outcome, output) => (
            report,
            Fix::from_outcome(outcome, output.as_deref(), args.dry_run),
        ),
        Done::Rejected(report, reason) => {
            totals.rejected += 1;
            (
                report,
                Fix {
                    action: Action::Reject.as_str(),
                    bytes_changed: 0,
                    bytes_removed: 0,
                    output: None,
                    dry_run: args.dry_run,
                    reason: Some(reason.clone()),
                },
            )
        }
        Done::Skipped(report) => (
            report,
            Fix {
                action: "skip",
                bytes_changed: 0,
                bytes_removed: 0,
                output: None,
                dry_run: args.dry_run,
                reason: Some("not DICOM".to_owned()),
            },
        ),
    };
    totals.count(report);
    if args.json {
        return record::json(out, path, report, Some(&fix));
    }
    let verb = if args.dry_run { "would" } else { "did" };
    record::human(out, path, report, fix.action)?;
    if fix.bytes_changed > 0 || fix.bytes_removed > 0 {
        write!(
            out,
            "  {verb} {}: {} bytes changed, {} removed",
            fix.action, fix.bytes_changed, fix.bytes_removed
        )?;
        if let Some(output) = fix.output {
            write!(out, " -> {}", output.display())?;
        }
        writeln!(out)?;
    } else if let (Some(output), false) = (fix.output, args.dry_run) {
        writeln!(out, "  copied unchanged -> {}", output.display())?;
    }
    Ok(())
}
