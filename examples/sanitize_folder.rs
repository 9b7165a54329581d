//! Sanitize every DICOM file of a folder (and its subfolders) in place, crash-safely, and
//! report what was done to each file.
//!
//! `Policy::sanitize_file` rewrites a file only when its preamble must change: the new content
//! goes to a temporary file in the same folder, which is synced, given the original's
//! permissions and renamed over it, and the folder is synced. A crash at any point leaves the old
//! file or the new one, never a mix. Files are recognised as DICOM by their content, not their
//! name; the others are skipped. (`Policy::sanitize_file_in_place` instead writes just the 128
//! preamble bytes into the file itself, keeping its hard links, without syncing.)
//!
//! ```text
//! cargo run --example sanitize_folder             # a fresh copy of examples/data in the temp dir
//! cargo run --example sanitize_folder -- DIR      # DIR itself: its files are modified
//! ```
//!
//! With no argument the repository's files are left alone: the samples are copied into a new
//! folder in the temp dir, whose path is printed, and the copy is sanitized.
//!
//! Exit code: 2 if a file could not be read or rewritten, otherwise 1 if a file was rewritten or
//! refused (the samples hold two polyglots), otherwise 0.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Error, FileError, Policy};

fn main() -> ExitCode {
    let root = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => match copy_samples() {
            Ok(copy) => {
                println!("copied examples/data to {}", copy.display());
                copy
            }
            Err(err) => {
                eprintln!("cannot copy the samples: {err}");
                return ExitCode::from(2);
            }
        },
    };
    let files = match files_under(&root) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("{}: {err}", root.display());
            return ExitCode::from(2);
        }
    };

    let policy = Policy::default(); // keep a working TIFF header, zero any other non-zero preamble
    println!("{}:", root.display());
    let (mut errors, mut acted) = (false, false);
    for path in &files {
        let name = path.strip_prefix(&root).unwrap_or(path).display();
        match policy.sanitize_file(path) {
            Ok(outcome) => {
                let kind = outcome.before.map_or("absent", |kind| kind.name());
                if outcome.is_unchanged() {
                    println!("  {name}: unchanged (preamble {kind})");
                } else {
                    acted = true;
                    println!(
                        "  {name}: rewritten ({}, preamble {kind}): {} bytes changed, {} removed",
                        outcome.action.as_str(),
                        outcome.bytes_changed,
                        outcome.bytes_removed
                    );
                }
            }
            Err(FileError {
                error: Error::NotDicom,
                ..
            }) => println!("  {name}: skipped, not DICOM"),
            // Only with a policy that refuses some files (not the default): left as they are.
            Err(FileError {
                error: error @ Error::Rejected { .. },
                ..
            }) => {
                acted = true;
                println!("  {name}: refused, left unchanged: {error}");
            }
            Err(err) => {
                errors = true;
                eprintln!("{err}"); // names the file
            }
        }
    }
    ExitCode::from(if errors { 2 } else { u8::from(acted) })
}

/// Every regular file under `dir`, sorted; symbolic links are not followed.
fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Copies the shipped samples into a new folder of the temp dir, kept after the run.
fn copy_samples() -> io::Result<PathBuf> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let copy = tempfile::Builder::new()
        .prefix("dicom-sanitize-samples-")
        .tempdir()?
        .keep();
    for entry in std::fs::read_dir(samples)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name()))?;
        }
    }
    Ok(copy)
}
