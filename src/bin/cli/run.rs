//! Running a command over many files: in parallel, with results in walk order, a progress
//! line on a terminal, and totals.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use dicom_sanitize::tree::{Entry, InOrder, Walker};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::policy::PolicyChoice;
use crate::walk::WalkArgs;

/// Options every command that processes files shares.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Print one JSON object per file (JSON Lines, schema "dicom-sanitize/report/v1").
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors: no per-file lines, no progress, no summary.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print a line for clean files, files that are not DICOM and skipped paths.
    #[arg(long, short)]
    pub verbose: bool,
    /// Files processed at once; `scan` also searches a value of 8 MiB or more (Pixel Data, with
    /// `--deep`) with this many threads (default: all cores).
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

impl RunArgs {
    pub fn jobs(&self) -> usize {
        self.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        )
    }
}

/// The policy and the walk a command runs with; on a bad policy or walk option, the message
/// is printed and the command's exit code (2) returned.
pub fn setup(
    policy: &PolicyChoice,
    walk: &WalkArgs,
) -> Result<(dicom_sanitize::Policy, Walker), std::process::ExitCode> {
    match (policy.load(), walk.walker()) {
        (Ok(policy), Ok(walker)) => Ok((policy, walker)),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("dicom-sanitize: {message}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// Runs `work` on every entry, `jobs` at a time, and hands each entry and its result to
/// `sink` in walk order.
pub fn ordered<T: Send>(
    jobs: usize,
    entries: impl Iterator<Item = Entry>,
    work: impl Fn(&Entry) -> T + Sync,
    mut sink: impl FnMut(Entry, T) -> io::Result<()>,
) -> io::Result<()> {
    for (entry, result) in InOrder::new(jobs, entries, work)? {
        sink(entry, result)?;
    }
    Ok(())
}

/// Counts of outcomes, for the progress line, the summary and the exit code.
///
/// Every file (or path that could not be read) has one status, so `clean`, `flagged`,
/// `invalid`, `not_dicom` and `unreadable` add up to `files`. `errors` counts every error:
/// `unreadable`, `not_written` (a file read and reported, then not written), and errors that
/// concern no input (the output folder's).
#[derive(Debug, Default)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub clean: u64,
    pub flagged: u64,
    pub invalid: u64,
    pub not_dicom: u64,
    /// Files and folders that could not be read.
    pub unreadable: u64,
    /// Files read and reported, then not written (`fix`).
    pub not_written: u64,
    pub rejected: u64,
    pub changed: u64,
    /// Outputs under `fix --output` that already held what would be written.
    pub existing: u64,
    pub skipped: u64,
    pub errors: u64,
}

impl Totals {
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

    pub fn summary(&self, elapsed: Duration) -> String {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let mb = self.bytes as f64 / 1e6;
        let mut s = format!(
            "{} files, {mb:.1} MB in {seconds:.2} s ({:.0} files/s, {:.0} MB/s): {} clean, {} flagged, {} invalid, {} not DICOM, {} unreadable; {} errors",
            self.files,
            self.files as f64 / seconds,
            mb / seconds,
            self.clean,
            self.flagged,
            self.invalid,
            self.not_dicom,
            self.unreadable,
            self.errors
        );
        if self.not_written > 0 {
            s.push_str(&format!(", {} not written", self.not_written));
        }
        if self.rejected > 0 {
            s.push_str(&format!(", {} rejected", self.rejected));
        }
        if self.existing > 0 {
            s.push_str(&format!(", {} already done", self.existing));
        }
        if self.changed > 0 {
            s.push_str(&format!(", {} changed", self.changed));
        }
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// A progress line on stderr, shown only when stderr is a terminal and not `--quiet`.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    quiet: bool,
    /// Whether the bar is drawn: updates of a hidden one are skipped (formatting the message
    /// per file is a measurable part of a scan).
    shown: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let shown = !quiet && io::stderr().is_terminal();
        let bar = if !shown {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg}, {bytes} read ({binary_bytes_per_sec})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        };
        Progress {
            bar,
            started: Instant::now(),
            quiet,
            shown,
        }
    }

    /// Shows the totals so far.
    pub fn update(&self, totals: &Totals) {
        if !self.shown {
            return;
        }
        self.bar.set_position(totals.bytes);
        self.bar.set_message(format!(
            "{} files, {} flagged, {} errors",
            totals.files, totals.flagged, totals.errors
        ));
    }

    /// Runs `f` (which prints to stdout) without garbling the progress line.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Clears the progress line and prints the summary unless quiet.
    pub fn finish(&self, totals: &Totals) {
        self.bar.finish_and_clear();
        if !self.quiet {
            eprintln!("{}", totals.summary(self.started.elapsed()));
        }
    }
}
