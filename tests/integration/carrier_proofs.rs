//! The carriers are real to their consumers: each is hidden in a DICOM file, the finding's
//! offset carves it out again (or the tool reads the DICOM file itself), and the ordinary
//! tool opens, lists, runs or decompresses it. A tool the machine lacks skips its carrier,
//! unless `DICOM_SANITIZE_REQUIRE_TOOLS` is set and the tool is one CI has (python3, tar).

use std::path::Path;
use std::process::{Command, Stdio};

use dicom_sanitize::{Severity, Validator};

use crate::carrier_fixtures::SCRIPT;
use crate::carrier_table::{carriers, validated, value_with};
use crate::fixtures::{self, Encoding};

/// Runs `program` with `args`: its exit code and standard output, or `None` when it cannot
/// run here (an error if `required` and the tests must not skip).
fn run(program: &str, args: &[&Path], required: bool) -> Option<(Option<i32>, Vec<u8>)> {
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => Some((out.status.code(), out.stdout)),
        Err(err) => {
            let must = required && std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_some();
            assert!(!must, "{program} is needed: {err}");
            eprintln!("skipped: {program} does not run here ({err})");
            None
        }
    }
}

/// A python3 one-liner over `file` (as `sys.argv[1]`): its exit code and output.
fn python(script: &str, file: &Path) -> Option<(Option<i32>, Vec<u8>)> {
    run("python3", &[Path::new("-c"), Path::new(script), file], true)
}

/// Checks, as a PDF reader starts, that `startxref` leads to the cross-reference table and
/// that each entry in use points at its object's header.
const PDF_READER: &str = r#"
import re, sys
pdf = open(sys.argv[1], 'rb').read()
xref = int(re.search(rb'startxref\s+(\d+)\s+%%EOF', pdf).group(1))
assert pdf[xref:xref + 4] == b'xref', 'no xref at startxref'
first, count = map(int, pdf[xref:].split(b'\n')[1].split())
rows = pdf[xref:].split(b'\n')[2:2 + count]
for number, row in enumerate(rows, first):
    offset, _, kind = row.split()
    if kind == b'n':
        assert pdf[int(offset):].startswith(b'%d 0 obj' % number), number
assert b'/JavaScript' in pdf
print(len(rows))
"#;

#[test]
fn carriers_in_dicom_files_are_real_to_their_consumers() {
    let dir = tempfile::tempdir().unwrap();
    let mut proved = Vec::new();
    for carrier in carriers() {
        // Tar readers want the header at a 512-byte boundary of the file: pad the value so.
        let (_, start) = fixtures::part10(Encoding::ExplicitLe, &[]);
        let at = (512 - (start + 12) % 512) % 512;
        let value = value_with(&carrier.bytes, at, carrier.bytes.len() + at + 2);
        let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
        let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
        let file = dir.path().join(format!("{}.dcm", carrier.name));
        std::fs::write(&file, &data).unwrap();
        let report = validated(&data, Validator::default());
        // The payload carved out at the offset the finding reports.
        let finding = report
            .findings
            .iter()
            .find(|f| carrier.matches(f))
            .unwrap_or_else(|| panic!("{}: {:#?}", carrier.name, report.findings));
        let from = finding.offset as usize - carrier.found_at;
        let carved_bytes = &data[from..from + carrier.bytes.len()];
        assert_eq!(carved_bytes, carrier.bytes, "{}", carrier.name);
        let carved = dir.path().join(carrier.name);
        std::fs::write(&carved, carved_bytes).unwrap();
        let decompressed = |module: &str| {
            let script =
                format!("import {module}, sys; sys.stdout.buffer.write({module}.decompress(open(sys.argv[1], 'rb').read()))");
            python(&script, &carved)
        };
        let outcome = match carrier.name {
            "zip" => {
                let listing = run(
                    "python3",
                    &[
                        Path::new("-m"),
                        Path::new("zipfile"),
                        Path::new("-l"),
                        &file,
                    ],
                    true,
                );
                if let Some((code, listing)) = &listing {
                    let listing = String::from_utf8_lossy(listing);
                    assert_eq!(*code, Some(0), "{listing}");
                    assert!(listing.contains("__main__.py"), "{listing}");
                }
                listing
                    .and_then(|_| run("python3", &[&file], true))
                    .map(|(code, out)| {
                        assert_eq!(
                            (code, String::from_utf8_lossy(&out).trim()),
                            (Some(0), "owned")
                        );
                    })
            }
            "tar" => run("tar", &[Path::new("tf"), &file], true).map(|(_, listing)| {
                let listing = String::from_utf8_lossy(&listing);
                assert!(listing.contains("run.sh"), "{listing}");
            }),
            "elf" if cfg!(target_arch = "x86_64") => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&carved, std::fs::Permissions::from_mode(0o755)).unwrap();
                let status = Command::new(&carved).status().unwrap();
                assert_eq!(status.code(), Some(42));
                Some(())
            }
            "gzip" | "xz" | "bzip2" => {
                let module = match carrier.name {
                    "xz" => "lzma",
                    "bzip2" => "bz2",
                    _ => "gzip",
                };
                decompressed(module).map(|(code, out)| {
                    assert_eq!(
                        (code, out.as_slice()),
                        (Some(0), SCRIPT),
                        "{}",
                        carrier.name
                    );
                })
            }
            // The reference decoder; CI does not install it.
            "zstd" => run(
                "zstd",
                &[Path::new("-d"), Path::new("-c"), Path::new("-q"), &carved],
                false,
            )
            .map(|(code, out)| assert_eq!((code, out.as_slice()), (Some(0), SCRIPT))),
            "pdf" => python(PDF_READER, &carved).map(|(code, out)| {
                assert_eq!((code, String::from_utf8_lossy(&out).trim()), (Some(0), "5"));
            }),
            _ => None,
        };
        if outcome.is_some() {
            proved.push(carrier.name);
        }
        // Whatever a tool says, the finding stands at its least severity.
        assert!(
            report.max_severity() >= Some(carrier.severity.max(Severity::Info)),
            "{}: {:#?}",
            carrier.name,
            report.findings
        );
        if ["zip", "tar", "elf", "pdf"].contains(&carrier.name) {
            assert!(
                report.is_threat(),
                "{}: {:#?}",
                carrier.name,
                report.findings
            );
        }
    }
    eprintln!("proved by their consumers: {proved:?}");
}
