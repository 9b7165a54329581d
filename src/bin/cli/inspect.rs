//! `dicom-sanitize inspect`: one file, readably.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use dicom_sanitize::{inspect, Policy, Preamble, PreambleKind, TiffGrade, Validator, Verdict};

use crate::record;
use crate::walk::open_regular;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Print the full report as one JSON object (the `scan --json` record).
    #[arg(long)]
    json: bool,
    /// Also search Pixel Data, whole, so that every byte of a well-formed file is examined
    /// once. Without it, every value but Pixel Data is searched.
    #[arg(long)]
    deep: bool,
    /// The file to inspect.
    file: PathBuf,
}

pub fn run(args: &InspectArgs) -> ExitCode {
    let path = &args.file;
    let data = match open_regular(path, false).and_then(|mut file| {
        let mut data = Vec::new();
        io::Read::read_to_end(&mut file, &mut data).map(|_| data)
    }) {
        Ok(data) => data,
        Err(err) => {
            eprintln!(
                "{}: error: {}",
                crate::names::escaped(path),
                crate::names::escaped_text(&err.to_string())
            );
            return ExitCode::from(2);
        }
    };
    let report = Validator::default().deep_scan(args.deep).validate(&data);
    let mut out = io::stdout().lock();
    let written = if args.json {
        // `inspect` takes no policy: the action is the default policy's, as in the human view.
        record::json(&mut out, path, Verdict::new(&Policy::default(), &report))
    } else {
        out.write_all(describe(path, &data, &report).as_bytes())
    };
    if let Err(err) = written {
        eprintln!("dicom-sanitize: {err}");
        return ExitCode::from(2);
    }
    if report.is_threat() || report.status() == dicom_sanitize::Status::Flagged {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The human-readable view: summary, annotated preamble dump, meta group, findings.
fn describe(path: &std::path::Path, data: &[u8], report: &dicom_sanitize::Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} bytes, layout {}",
        crate::names::escaped(path),
        data.len(),
        report.layout.name()
    );
    let _ = writeln!(
        s,
        "status {}, threat {}, default policy action {}",
        report.status().as_str(),
        if report.is_threat() { "yes" } else { "no" },
        Policy::default().action(report).as_str()
    );
    let inspection = inspect(data);
    match inspection.as_ref().ok().and_then(|i| i.preamble()) {
        Some(preamble) => preamble_dump(&mut s, &preamble),
        None => {
            let _ = writeln!(s, "\npreamble: absent");
        }
    }
    match &inspection {
        Ok(inspection) => {
            if let Some(meta) = inspection.meta() {
                let _ =
                    writeln!(
                    s,
                    "\nfile meta group: offset {}, data set at {}, group length {} (measured {}){}",
                    meta.offset(),
                    meta.data_set_offset(),
                    meta.group_length().map_or_else(|| "absent".to_owned(), |l| l.to_string()),
                    meta.measured_group_length(),
                    if meta.is_explicit_vr() { "" } else { ", implicit VR" }
                );
                for element in meta.elements() {
                    let value = match (element.vr(), element.value()) {
                        (dicom_sanitize::VR::UL, &[a, b, c, d]) => {
                            u32::from_le_bytes([a, b, c, d]).to_string()
                        }
                        (_, value) => match element
                            .text()
                            .filter(|t| t.chars().all(|c| !c.is_control()))
                        {
                            Some(text) => text.to_owned(),
                            None => hex(value.get(..16).unwrap_or(value)),
                        },
                    };
                    let _ = writeln!(
                        s,
                        "  @{:<6} {} {} {:>4}  {value}",
                        element.offset(),
                        element.tag(),
                        element.vr(),
                        element.value().len()
                    );
                }
                if let Some(ts) = meta.transfer_syntax() {
                    let _ = writeln!(s, "  transfer syntax: {}", ts.name);
                }
            }
        }
        Err(err) => {
            let _ = writeln!(s, "\nfile meta group: unreadable: {err}");
        }
    }
    if let (Some(start), Some(encoding)) = (report.data_set_offset, report.encoding) {
        let _ = writeln!(
            s,
            "\ndata set: offset {start}, {encoding}{}, {} headers walked, nesting depth {}",
            if report.deflated { " (deflated)" } else { "" },
            report.elements,
            report.max_depth
        );
    }
    let _ = writeln!(s, "\nfindings ({}):", report.findings.len());
    for finding in &report.findings {
        let tag = finding.tag.map_or_else(String::new, |t| format!(" {t}"));
        let _ = writeln!(
            s,
            "  {:<8} @{:<8} {}{tag}: {}",
            finding.severity.as_str(),
            finding.offset,
            finding.code,
            finding.message
        );
    }
    if report.suppressed > 0 {
        let _ = writeln!(s, "  ({} more left out)", report.suppressed);
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Notes for rows of the preamble dump, by row offset.
fn annotations(preamble: &Preamble<'_>) -> Vec<(usize, String)> {
    let kind = preamble.kind();
    let bytes = preamble.bytes();
    let mut notes = vec![(0, format!("{}: {kind}", kind.name()))];
    match kind {
        PreambleKind::Tiff { header, grade } => {
            let order = match header.byte_order {
                dicom_sanitize::tiff::ByteOrder::LittleEndian => "little-endian",
                dicom_sanitize::tiff::ByteOrder::BigEndian => "big-endian",
            };
            let variant = match header.variant {
                dicom_sanitize::tiff::TiffVariant::Classic => "TIFF",
                dicom_sanitize::tiff::TiffVariant::BigTiff => "BigTIFF",
            };
            notes[0].1 = format!(
                "{order} {variant} header, first IFD at offset {}",
                header.ifd_offset
            );
            notes.push((
                16,
                match grade {
                    TiffGrade::Functional => "IFD chain works: dual-personality file".to_owned(),
                    TiffGrade::Dangling(defect) => format!("dangling: {defect}"),
                },
            ));
        }
        PreambleKind::Pe(info) => {
            let e_lfanew = bytes
                .get(0x3C..0x40)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes);
            notes[0].1 = "MZ: DOS/Windows executable header".to_owned();
            notes.push((
                0x30,
                format!(
                    "e_lfanew = {e_lfanew}: PE signature {}",
                    if info.confirmed {
                        "found there"
                    } else {
                        "not found"
                    }
                ),
            ));
        }
        _ => {}
    }
    if let Some(offset) = kind.executable().and_then(|info| info.payload_offset) {
        notes.push((16, format!("payload at file offset {offset}")));
    }
    notes
}

/// A hex dump of the preamble and `DICM`, zero rows collapsed, with annotations.
fn preamble_dump(s: &mut String, preamble: &Preamble<'_>) {
    let kind = preamble.kind();
    let _ = writeln!(s, "\npreamble: {} ({kind})", kind.name());
    let notes = annotations(preamble);
    let mut collapsed = false;
    for (row, chunk) in preamble.bytes().chunks(16).enumerate() {
        let at = row * 16;
        let note: Vec<&str> = notes
            .iter()
            .filter(|(o, _)| *o == at)
            .map(|(_, n)| n.as_str())
            .collect();
        if chunk.iter().all(|&b| b == 0) && note.is_empty() && at > 0 {
            if !collapsed {
                let _ = writeln!(s, "  *");
                collapsed = true;
            }
            continue;
        }
        collapsed = false;
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(
            s,
            "  {at:08x}  {:<48} |{ascii:<16}|  {}",
            hex(chunk),
            note.join("; ")
        );
    }
    let _ = writeln!(
        s,
        "  {:08x}  {:<48} |DICM            |  magic",
        128,
        hex(b"DICM")
    );
}
