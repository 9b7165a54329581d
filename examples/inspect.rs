//! Inspect DICOM files: what the 128-byte preamble holds, the File Meta group, and every
//! finding validation makes, with its severity and byte offset.
//!
//! This is what a PACS shows an administrator about a suspicious file. `inspect` gives borrowed
//! views into the buffer (nothing is copied); `validate` never fails, malformed input being
//! itself a finding.
//!
//! ```text
//! cargo run --example inspect                       # examples/data/pe_polyglot.dcm
//! cargo run --example inspect -- FILE...            # e.g. tests/data/pydicom/CT_small.dcm
//! ```
//!
//! Exit code, as the command-line tool's: 2 if a file cannot be read, otherwise 1 if a file is
//! flagged (the sample is: it is a PE polyglot), otherwise 0.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{inspect, validate, Policy, Status};

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/pe_polyglot.dcm"));
    }
    let (mut errors, mut flagged) = (false, false);
    for path in &paths {
        match std::fs::read(path) {
            Ok(data) => flagged |= show(path, &data),
            Err(err) => {
                eprintln!("{}: {err}", path.display());
                errors = true;
            }
        }
    }
    ExitCode::from(if errors { 2 } else { u8::from(flagged) })
}

/// Prints what `data` is; returns whether it is flagged.
fn show(path: &Path, data: &[u8]) -> bool {
    println!("{}: {} bytes", path.display(), data.len());
    match inspect(data) {
        Ok(inspection) => {
            println!("  layout:    {}", inspection.layout().name());
            match inspection.preamble() {
                Some(preamble) => {
                    let kind = preamble.kind();
                    println!("  preamble:  {} ({kind})", kind.name());
                    println!("             {}", escaped(preamble.bytes()));
                }
                None => println!("  preamble:  absent"),
            }
            if let Some(meta) = inspection.meta() {
                println!(
                    "  syntax:    {} ({})",
                    meta.transfer_syntax_uid().unwrap_or("none"),
                    meta.transfer_syntax().map_or("unknown", |ts| ts.name)
                );
                println!(
                    "  sop class: {}",
                    meta.media_storage_sop_class_uid().unwrap_or("none")
                );
                println!("  data set:  at offset {}", meta.data_set_offset());
            }
        }
        // Not DICOM, or no readable meta group: validation below says more.
        Err(err) => println!("  unreadable: {err} [{}]", err.code()),
    }
    let report = validate(data);
    println!(
        "  verdict:   {}{}, default policy action: {}",
        report.status().as_str(),
        if report.is_threat() { " (threat)" } else { "" },
        Policy::default().action(&report).as_str()
    );
    for finding in &report.findings {
        println!("  finding:   {finding}");
    }
    report.status() == Status::Flagged
}

/// The preamble as escaped text, runs of zero bytes shortened, trailing zeros left out.
fn escaped(preamble: &[u8]) -> String {
    let end = preamble.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut out = String::from("\"");
    let mut bytes = preamble[..end].iter().peekable();
    while let Some(&b) = bytes.next() {
        let mut zeros = usize::from(b == 0);
        while b == 0 && bytes.next_if_eq(&&0).is_some() {
            zeros += 1;
        }
        match zeros {
            0 => out.extend(std::ascii::escape_default(b).map(char::from)),
            1 => out.push_str("\\0"),
            n => out.push_str(&format!("<{n} zero bytes>")),
        }
    }
    out.push('"');
    out
}
