//! Inspect one DICOM file: layout, preamble verdict and File Meta group, without copying.
//!
//! ```text
//! cargo run --example inspect -- tests/data/pydicom/CT_small.dcm
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/data/pydicom/CT_small.dcm".to_owned());
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(err) => {
            eprintln!("{path}: {err}");
            return ExitCode::from(2);
        }
    };
    println!("{path}: {} bytes", data.len());
    let verdict = dicom_sanitize::classify(&data);
    println!("  layout:   {}", verdict.layout().name());
    match verdict.preamble() {
        Some(preamble) => println!(
            "  preamble: {} ({})",
            preamble.kind().name(),
            preamble.kind()
        ),
        None => println!("  preamble: absent"),
    }
    match dicom_sanitize::inspect(&data) {
        Ok(inspection) => {
            if let Some(meta) = inspection.meta() {
                println!(
                    "  meta:     offset {}, data set at {}",
                    meta.offset(),
                    meta.data_set_offset()
                );
                println!(
                    "            group length declared {:?}, measured {}",
                    meta.group_length(),
                    meta.measured_group_length()
                );
                for element in meta.elements() {
                    println!(
                        "            {} {} at {}: {:?}",
                        element.tag(),
                        element.vr(),
                        element.offset(),
                        element.text().unwrap_or("<binary>")
                    );
                }
            }
            if let Some(encoding) = inspection.encoding() {
                println!("  encoding: {encoding}");
            }
        }
        Err(err) => println!("  error:    {err} [{}]", err.code()),
    }
    let report = dicom_sanitize::validate(&data);
    println!(
        "  status:   {}, threat: {}, action: {}",
        report.status().as_str(),
        report.is_threat(),
        report.default_action().as_str()
    );
    for finding in &report.findings {
        println!("  finding:  {finding}");
    }
    ExitCode::SUCCESS
}
