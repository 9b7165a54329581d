//! `dicom-sanitize`: scan DICOM archives for preamble polyglots.
//!
//! Exit codes follow ClamAV: 0 when nothing was flagged, 1 when something was flagged, 2 when
//! an error occurred (bad usage, an unreadable input).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Scan files and folders (recursively) and report what each file's preamble holds.
    ///
    /// DICOM files are recognised by content, whatever their name. Nothing is written.
    Scan(scan::ScanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan::run(&args),
    }
}
