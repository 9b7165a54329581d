//! Open untrusted DICOM files with dicom-object, safely, in one call: this crate walks each
//! file once (every length checked, nesting bounded), the default policy zeroes a hostile
//! preamble, and dicom-object reads the sanitized bytes from the same open file.
//!
//! ```text
//! cargo run --example open_untrusted --features dicom-object          # the shipped samples
//! cargo run --example open_untrusted --features dicom-object -- FILE...
//! ```
//!
//! For each file it prints the patient's name and modality dicom-object read, and what was
//! done to the preamble; a refused file is printed with the offset and tag of the refusal.
//! Exit code: 1 if any file was refused, otherwise 0.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{OpenFileOptions, Policy, Tag};

const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const MODALITY: Tag = Tag(0x0008, 0x0060);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
        for name in [
            "pe_polyglot.dcm",
            "script_polyglot.dcm",
            "dual_personality.dcm",
            "clean.dcm",
        ] {
            paths.push(samples.join(name));
        }
    }
    // The header only: dicom-object stops before Pixel Data, which is never read.
    let options = OpenFileOptions::new().read_until(PIXEL_DATA);
    let policy = Policy::default();
    let mut refused = false;
    for path in &paths {
        match options.open_file(path, &policy) {
            Ok(opened) => {
                let text = |tag| {
                    opened
                        .object()
                        .element_opt(tag)
                        .ok()
                        .flatten()
                        .and_then(|e| e.to_str().ok().map(|s| s.into_owned()))
                        .unwrap_or_default()
                };
                let outcome = opened.outcome();
                println!(
                    "{}: opened: patient {:?}, modality {:?}; preamble {} ({}), {} findings",
                    path.display(),
                    text(PATIENT_NAME),
                    text(MODALITY),
                    outcome.before.map_or("absent", |kind| kind.name()),
                    outcome.action.as_str(),
                    opened.report().findings.len(),
                );
            }
            Err(err) => {
                refused = true;
                let tag = err.tag().map(|tag| tag.to_string()).unwrap_or_default();
                println!(
                    "{}: refused ({}) at offset {:?} {tag}: {err}",
                    path.display(),
                    err.code(),
                    err.offset(),
                );
            }
        }
    }
    ExitCode::from(u8::from(refused))
}
