//! `dicom-sanitize`: scan DICOM archives for preamble polyglots and remove them.
//!
//! Exit codes follow ClamAV: 0 when nothing was flagged, 1 when something was flagged (or
//! rejected), 2 when an error occurred (bad usage, an unreadable input).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[path = "cli/fix.rs"]
mod fix;
#[path = "cli/inspect.rs"]
mod inspect;
#[path = "cli/names.rs"]
mod names;
#[path = "cli/policy.rs"]
mod policy;
#[path = "cli/record.rs"]
mod record;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/scan.rs"]
mod scan;
#[path = "cli/walk.rs"]
mod walk;

/// Detect and remove DICOM preamble polyglots (CVE-2019-11687).
#[derive(Debug, Parser)]
#[command(name = "dicom-sanitize", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and folders (recursively) and report what each file holds.
    ///
    /// DICOM files are recognised by content, whatever their name. Nothing is written.
    Scan(scan::ScanArgs),
    /// Sanitize files: in place, or into a mirror of the input tree.
    ///
    /// One of --in-place or --output is required; inputs are never modified without --in-place.
    Fix(fix::FixArgs),
    /// Show one file: its preamble (annotated hex dump), File Meta group and findings.
    Inspect(inspect::InspectArgs),
    /// Print the effective policy and its text for a DICOM Conformance Statement (PS3.10 §7.5).
    Policy(policy::PolicyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Policy(args) => policy::run(&args),
    }
}
