//! The carrier search: payloads built as an attacker builds them, hidden at any offset of any
//! value, in every encoding and deep in sequences, are found with their element and offset;
//! look-alikes that real files hold by chance stay clean.

use std::path::Path;

use dicom_sanitize::{Finding, FindingCode, Report, Severity, Tag, Validator};

use crate::fixtures::{self, Encoding};

const PAYLOAD_TAG: Tag = Tag(0x0099, 0x1000);

/// A carrier, what it is reported as, and where its finding points inside it.
struct Carrier {
    name: &'static str,
    bytes: Vec<u8>,
    code: FindingCode,
    /// The least severity it is reported with, wherever it lies.
    severity: Severity,
    /// Offset of the finding from the carrier's first byte (a ZIP is found at its end record).
    found_at: usize,
}

fn carriers() -> Vec<Carrier> {
    let zip = fixtures::zip_archive();
    let zip_end = zip.len() - 22;
    vec![
        Carrier {
            name: "elf",
            bytes: fixtures::elf_exit_42(),
            code: FindingCode::ValueExecutable,
            severity: Severity::Critical,
            found_at: 0,
        },
        Carrier {
            name: "pe",
            bytes: fixtures::pe_image(),
            code: FindingCode::ValueExecutable,
            severity: Severity::Critical,
            found_at: 0,
        },
        Carrier {
            name: "zip",
            bytes: zip,
            // Its end record lies in the file's last 64 KiB: archivers open the file, which
            // the file check reports, with the element and the confirmed directory.
            code: FindingCode::FileZipDirectory,
            severity: Severity::High,
            found_at: zip_end,
        },
        Carrier {
            name: "gzip",
            bytes: fixtures::gzip(b"#!/bin/sh\nid\n"),
            code: FindingCode::ValueCompressed,
            severity: Severity::Info,
            found_at: 0,
        },
        Carrier {
            name: "tar",
            bytes: fixtures::tar_archive(),
            code: FindingCode::ValueArchive,
            severity: Severity::Medium,
            found_at: 0,
        },
    ]
}

/// `payload` at offset `at` of a value of `len` bytes (at least enough), filled with spaces.
fn value_with(payload: &[u8], at: usize, len: usize) -> Vec<u8> {
    let mut value = vec![b' '; len.max(at + payload.len())];
    value[at..at + payload.len()].copy_from_slice(payload);
    if value.len() % 2 == 1 {
        value.push(b' ');
    }
    value
}

/// Validates `data` from a slice and through `Read + Seek`, which must agree.
fn validated(data: &[u8], validator: Validator) -> Report {
    let report = validator.validate(data);
    let mut reader = std::io::Cursor::new(data);
    assert_eq!(validator.validate_reader(&mut reader).unwrap(), report);
    report
}

/// The one finding of `carrier`'s code in `report`.
fn the_finding<'r>(report: &'r Report, carrier: &Carrier, what: &str) -> &'r Finding {
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == carrier.code)
        .collect();
    assert_eq!(found.len(), 1, "{what}: {:#?}", report.findings);
    found[0]
}

/// Asserts that `body`, the data set of a Part 10 file in encoding `e`, holds one finding of
/// `carrier` at the payload's offset, on `tag`, whose message gives `path`.
fn assert_named(e: Encoding, body: &[u8], carrier: &Carrier, tag: Tag, path: &str) {
    let (data, start) = fixtures::part10(e, body);
    let at = start + fixtures::find(body, &carrier.bytes);
    let report = validated(&data, Validator::default());
    let what = format!("{} {e:?}", carrier.name);
    let found = the_finding(&report, carrier, &what);
    assert_eq!(found.offset, (at + carrier.found_at) as u64, "{what}");
    assert_eq!(found.tag, Some(tag), "{what}");
    assert!(found.message.contains(path), "{what}: {}", found.message);
}

/// Asserts that `report` holds one finding of `carrier` at `offset` on the payload's tag.
fn assert_found(report: &Report, carrier: &Carrier, offset: usize, what: &str) {
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == carrier.code && f.offset == offset as u64)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{} {what}: expected one {} at {offset} in {:#?}",
        carrier.name,
        carrier.code,
        report.findings
    );
    let finding = found[0];
    assert_eq!(finding.tag, Some(PAYLOAD_TAG), "{} {what}", carrier.name);
    assert!(
        finding.severity >= carrier.severity,
        "{} {what}: {finding:?}",
        carrier.name
    );
}

#[test]
fn a_carrier_is_found_at_any_offset_of_a_value_in_every_encoding() {
    for encoding in Encoding::ALL {
        for carrier in carriers() {
            let n = carrier.bytes.len();
            // Offsets 0, 4 and odd; right at the value's end; past 8 KiB into a 12 KB value.
            for (at, len) in [
                (0, n),
                (4, n + 8),
                (7, n + 20),
                (20, n + 20),
                (9000, 12_288),
            ] {
                let value = value_with(&carrier.bytes, at, len);
                let private = encoding.element(0x0099, 0x1000, b"OB", &value);
                let (data, start) = fixtures::part10(encoding, &private);
                let value_at = start
                    + if encoding == Encoding::ImplicitLe {
                        8
                    } else {
                        12
                    };
                let what = format!("at {at} of {len} bytes, {encoding:?}");
                for validator in [Validator::default(), Validator::default().deep_scan(true)] {
                    let report = validated(&data, validator);
                    assert_found(&report, &carrier, value_at + at + carrier.found_at, &what);
                    if carrier.severity >= Severity::High {
                        assert!(report.is_threat(), "{} {what}", carrier.name);
                    }
                }
            }
        }
    }
}

#[test]
fn a_carrier_is_found_in_values_of_any_vr() {
    for carrier in carriers() {
        // Text and numeric VRs: a reader of the bytes does not care what the VR says.
        let n = carrier.bytes.len();
        for (vr, len) in [
            (b"UT", 12_288),
            (b"LT", n + 6),
            (b"FD", n.div_ceil(8) * 8 + 8),
        ] {
            let value = value_with(&carrier.bytes, 6, len);
            let value = if vr == b"FD" {
                let mut v = value;
                v.resize(v.len().div_ceil(8) * 8, 0);
                v
            } else {
                value
            };
            let private = fixtures::element(0x0099, 0x1000, vr, &value);
            let (data, start) = fixtures::part10(Encoding::ExplicitLe, &private);
            let value_at = start + if vr == b"UT" { 12 } else { 8 };
            let report = validated(&data, Validator::default());
            let what = format!("in {}", String::from_utf8_lossy(vr));
            assert_found(&report, &carrier, value_at + 6 + carrier.found_at, &what);
        }
    }
    // A UL value holds four bytes: the ELF's magic there, its header in the next value (the
    // loader reads the bytes, not the elements).
    let elf = fixtures::elf_exit_42();
    let mut private = fixtures::element(0x0099, 0x1000, b"UL", &elf[..4]);
    private.extend(fixtures::element(0x0099, 0x1001, b"OB", &[0; 4]));
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::ValueExecutable),
        "a magic without its header is no executable: {:#?}",
        report.findings
    );
}

#[test]
fn a_carrier_is_found_five_sequences_deep_with_its_path() {
    for encoding in Encoding::ALL {
        for carrier in carriers() {
            let value = value_with(&carrier.bytes, 10, carrier.bytes.len() + 20);
            let inner = encoding.element(0x0099, 0x1000, b"OB", &value);
            let nested = encoding.nested(5, &inner);
            let (data, start) = fixtures::part10(encoding, &nested);
            let header = if encoding == Encoding::ImplicitLe {
                8
            } else {
                12
            };
            // Five sequence headers and five item headers, then the value's header.
            let value_at = start + 5 * (header + 8) + header;
            let report = validated(&data, Validator::default());
            let what = format!("five sequences deep, {encoding:?}");
            assert_found(&report, &carrier, value_at + 10 + carrier.found_at, &what);
            let finding = report
                .findings
                .iter()
                .find(|f| f.code == carrier.code)
                .unwrap();
            assert_eq!(
                finding.message.matches("(0099,1001)[0] > ").count(),
                5,
                "{}",
                finding.message
            );
        }
    }
}

#[test]
fn an_anchor_split_across_two_chunks_is_found_once() {
    // The search reads 64 KiB from the element's header at a time: the ELF magic starts two
    // bytes before the second chunk.
    let elf = fixtures::elf_exit_42();
    let at = 65_536 - 2 - 12;
    let value = value_with(&elf, at, 70_000);
    let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
    let (data, start) = fixtures::part10(Encoding::ExplicitLe, &private);
    let carrier = &carriers()[0];
    let report = validated(&data, Validator::default());
    assert_found(&report, carrier, start + 12 + at, "across a chunk border");

    // Past 1 MiB of the file, in the 18th chunk of a value.
    let at = 1_100_000;
    let value = value_with(&elf, at, 1_200_000);
    let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
    let (data, start) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default());
    assert_found(&report, carrier, start + 12 + at, "past 1 MiB");
}

#[test]
fn pixel_data_is_searched_only_when_deep() {
    let elf = fixtures::elf_exit_42();
    let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
    let pixels = fixtures::element(0x7FE0, 0x0010, b"OW", &value_with(&elf, 100, 4096));
    let at = fixtures::pixel_data_offset(&data);
    data.truncate(at);
    data.extend(pixels);
    let shallow = validated(&data, Validator::default());
    assert!(!shallow.is_threat(), "{:#?}", shallow.findings);
    let deep = validated(&data, Validator::default().deep_scan(true));
    let found = deep
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .expect("the ELF in Pixel Data, deep");
    assert_eq!(found.offset, (at + 12 + 100) as u64);
    assert_eq!(found.tag, Some(Tag(0x7FE0, 0x0010)));
}

/// Bytes from a fixed-seed xorshift generator.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// The findings of the carrier search (and of the sniff of value starts) in `report`.
fn payload_findings(report: &Report) -> Vec<&dicom_sanitize::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.code.as_str().starts_with("value."))
        .collect()
}

#[test]
fn look_alikes_stay_clean() {
    // Random binary in a private value.
    let private = fixtures::element(0x0099, 0x1000, b"OB", &noise(256 * 1024, 7));
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default().deep_scan(true));
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );

    // 16-bit pixels holding the magics by chance, among noise, searched deep.
    let mut pixels = noise(512 * 1024, 11);
    for (i, chunk) in pixels.chunks_mut(256).enumerate() {
        let magic: &[u8] = match i % 6 {
            0 => b"MZ",
            1 => b"\x7fELF",
            2 => b"PK\x03\x04",
            3 => b"PK\x05\x06",
            4 => b"\x1f\x8b\x08",
            _ => b"ustar",
        };
        chunk[(i * 2) % 200..][..magic.len()].copy_from_slice(magic);
    }
    let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
    let at = fixtures::pixel_data_offset(&data);
    data.truncate(at);
    data.extend(fixtures::element(0x7FE0, 0x0010, b"OW", &pixels));
    let report = validated(&data, Validator::default().deep_scan(true));
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat());

    // XML in a private OB, as vendors store it: info at most.
    let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<protocol><step/></protocol>\n";
    let private = fixtures::element(0x0099, 0x1000, b"OB", xml);
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default());
    assert!(
        payload_findings(&report)
            .iter()
            .all(|f| f.severity <= Severity::Info),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat());

    // `%PDF-` inside a text value, without a PDF's structure.
    // It lies in the file's first KiB, where PDF readers look: a bare marker is info there.
    let text = fixtures::element(0x0099, 0x1000, b"LT", b"see report.pdf (%PDF-1.4) ");
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &text);
    assert!(fixtures::find(&data, b"%PDF-") < 1024);
    let report = validated(&data, Validator::default());
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat(), "{:#?}", report.findings);
    let header = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::FilePdfHeader)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(header.severity, Severity::Info, "{header:?}");
}

#[test]
fn real_files_hold_no_threat_in_either_mode() {
    for (name, data) in fixtures::real_files() {
        for validator in [Validator::default(), Validator::default().deep_scan(true)] {
            let report = validated(&data, validator);
            assert!(!report.is_threat(), "{name}: {:#?}", report.findings);
            let payloads = payload_findings(&report);
            assert!(payloads.is_empty(), "{name}: {payloads:#?}");
        }
    }
}

#[test]
fn carriers_in_dicom_files_are_real_to_their_consumers() {
    use std::process::Command;
    let tools = ["python3", "tar"];
    if tools
        .iter()
        .any(|tool| Command::new(tool).arg("--version").output().is_err())
    {
        assert!(
            std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
            "python3 and tar are needed"
        );
        eprintln!("skipped: python3 or tar is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |program: &str, args: &[&std::path::Path]| {
        let output = Command::new(program).args(args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    for carrier in carriers() {
        // Tar readers want the header at a 512-byte boundary of the file: pad the value so.
        let (_, start) = fixtures::part10(Encoding::ExplicitLe, &[]);
        let at = (512 - (start + 12) % 512) % 512;
        let value = value_with(&carrier.bytes, at, carrier.bytes.len() + at + 2);
        let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
        let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
        let file = dir.path().join(format!("{}.dcm", carrier.name));
        std::fs::write(&file, &data).unwrap();
        let carved = dir.path().join(carrier.name);
        std::fs::write(&carved, &carrier.bytes).unwrap();
        let report = validated(&data, Validator::default());
        let worst = report.max_severity();
        match carrier.name {
            "zip" => {
                let (code, listing) = run(
                    "python3",
                    &[
                        Path::new("-m"),
                        Path::new("zipfile"),
                        Path::new("-l"),
                        &file,
                    ],
                );
                assert_eq!(code, Some(0), "{listing}");
                assert!(listing.contains("__main__.py"), "{listing}");
                let (code, printed) = run("python3", &[&file]);
                assert_eq!((code, printed.trim()), (Some(0), "owned"));
                assert!(report.is_threat(), "{:#?}", report.findings);
            }
            "tar" => {
                let (_, listing) = run("tar", &[Path::new("tf"), &file]);
                assert!(listing.contains("run.sh"), "{listing}");
                assert!(report.is_threat(), "{:#?}", report.findings);
            }
            "elf" if cfg!(target_arch = "x86_64") => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&carved, std::fs::Permissions::from_mode(0o755)).unwrap();
                let status = Command::new(&carved).status().unwrap();
                assert_eq!(status.code(), Some(42));
                assert_eq!(worst, Some(Severity::Critical));
            }
            "gzip" => {
                let script = "import gzip, sys; gzip.decompress(open(sys.argv[1], 'rb').read())";
                let (code, _) = run("python3", &[Path::new("-c"), Path::new(script), &carved]);
                assert_eq!(code, Some(0));
                assert!(worst >= Some(Severity::Low), "{:#?}", report.findings);
            }
            _ => assert!(
                report.is_threat(),
                "{}: {:#?}",
                carrier.name,
                report.findings
            ),
        }
    }
}

#[test]
fn an_encapsulated_fragment_is_searched_when_deep_and_named_by_its_element() {
    let elf = fixtures::elf_exit_42();
    let e = Encoding::ExplicitLe;
    let mut pixels = e.header(0x7FE0, 0x0010, b"OB", u32::MAX);
    pixels.extend(e.header(0xFFFE, 0xE000, b"  ", 0)); // an empty basic offset table
    let fragment = value_with(&elf, 30, 4096);
    pixels.extend(e.header(0xFFFE, 0xE000, b"  ", fragment.len() as u32));
    let payload_at = pixels.len() + 30;
    pixels.extend(fragment);
    pixels.extend(e.header(0xFFFE, 0xE0DD, b"  ", 0));
    let (mut data, _) = fixtures::part10(e, &[]);
    let at = fixtures::pixel_data_offset(&data);
    data.truncate(at);
    data.extend(pixels);
    assert!(!validated(&data, Validator::default()).is_threat());
    let deep = validated(&data, Validator::default().deep_scan(true));
    let found = deep
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", deep.findings));
    assert_eq!(found.offset, (at + payload_at) as u64);
    assert_eq!(found.tag, Some(Tag(0x7FE0, 0x0010)));
}

#[test]
fn a_pe_header_is_followed_into_the_next_element() {
    // The DOS header in one value, `e_lfanew` leading to the PE header in the next one.
    let pe = fixtures::pe_image();
    let e = Encoding::ExplicitLe;
    let mut dos = pe[..0x40].to_vec();
    // From the DOS header's start: its 64 bytes, then the next element's 12-byte header.
    dos[0x3C..0x40].copy_from_slice(&(0x40u32 + 12).to_le_bytes());
    let mut private = e.element(0x0099, 0x1000, b"OB", &dos);
    private.extend(e.element(0x0099, 0x1001, b"OB", &pe[0x40..]));
    let (data, start) = fixtures::part10(e, &private);
    let report = validated(&data, Validator::default());
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(found.offset, (start + 12) as u64);
    assert_eq!(found.tag, Some(PAYLOAD_TAG));
    assert_eq!(found.severity, Severity::Critical);
}

#[test]
fn a_carrier_in_the_meta_group_or_the_padding_is_found() {
    let elf = fixtures::elf_exit_42();
    // (0002,0102) Private Information, after its creator (0002,0100).
    let mut meta = fixtures::mr_meta_body();
    meta.extend(fixtures::element(0x0002, 0x0100, b"UI", b"1.2.3.4.5.6\0"));
    let value = value_with(&elf, 10, elf.len() + 20);
    meta.extend(fixtures::element(0x0002, 0x0102, b"OB", &value));
    let data = fixtures::mr_with_meta(&meta, None);
    let value_at = 144 + meta.len() - value.len();
    let report = validated(&data, Validator::default());
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(found.offset, (value_at + 10) as u64);
    assert_eq!(found.tag, Some(Tag(0x0002, 0x0102)));

    // (FFFC,FFFC) padding ending the file, a ZIP at its end.
    let zip = fixtures::zip_archive();
    let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
    let padding = value_with(&zip, 1000, 1000 + zip.len());
    let padding_at = data.len() + 12;
    data.extend(fixtures::element(0xFFFC, 0xFFFC, b"OB", &padding));
    let report = validated(&data, Validator::default());
    // Its end record is in the file's last 64 KiB: reported once, as the file check's
    // `file.zip-directory`, with the element and the confirmed directory.
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::FileZipDirectory)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::ValueArchive),
        "{:#?}",
        report.findings
    );
    assert!(
        found.message.contains("central directory"),
        "{}",
        found.message
    );
    assert_eq!(found.offset, (padding_at + 1000 + zip.len() - 22) as u64);
    assert_eq!(found.tag, Some(Tag(0xFFFC, 0xFFFC)));
    assert!(report.is_threat());
}

#[cfg(feature = "deflate")]
#[test]
fn a_carrier_in_a_deflated_data_set_is_found_at_its_inflated_offset() {
    use std::io::Write;
    let elf = fixtures::elf_exit_42();
    let value = value_with(&elf, 6, elf.len() + 10);
    let e = Encoding::ExplicitLe;
    let mut data_set = e.element(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0");
    data_set.extend(e.element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST "));
    let value_at = data_set.len() + 12;
    data_set.extend(e.element(0x0099, 0x1000, b"OB", &value));
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater.write_all(&data_set).unwrap();
    let deflated = deflater.finish().unwrap();
    let mut meta = Vec::new();
    meta.extend(fixtures::element(0x0002, 0x0001, b"OB", &[0, 1]));
    meta.extend(fixtures::element(
        0x0002,
        0x0002,
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.7\0",
    ));
    meta.extend(fixtures::element(0x0002, 0x0003, b"UI", b"1.2.3.4\0"));
    meta.extend(fixtures::element(
        0x0002,
        0x0010,
        b"UI",
        b"1.2.840.10008.1.2.1.99",
    ));
    meta.extend(fixtures::element(0x0002, 0x0012, b"UI", b"1.2.3.4\0"));
    let mut data = vec![0u8; 128];
    data.extend_from_slice(b"DICM");
    data.extend(fixtures::element(
        0x0002,
        0x0000,
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
    ));
    data.extend(meta);
    let start = data.len();
    data.extend(deflated);
    let report = validated(&data, Validator::default());
    assert!(report.deflated);
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    // Offsets in a deflated data set count inflated bytes from its start.
    assert_eq!(found.offset, (start + value_at + 6) as u64);
    assert_eq!(found.tag, Some(PAYLOAD_TAG));
}

#[test]
fn a_carrier_among_text_values_is_named_by_its_element_in_every_encoding() {
    // Text values are searched as one range with their neighbours; the finding still names
    // the one that holds the payload. (4000,xxxx) are LT by the dictionary, in implicit VR too.
    for encoding in Encoding::ALL {
        for carrier in carriers() {
            let e = encoding;
            let value = value_with(&carrier.bytes, 2, carrier.bytes.len() + 4);
            let mut text = e.element(0x4000, 0x0010, b"LT", b"before ");
            // An LT header is 8 bytes in each encoding.
            let value_at = text.len() + 8;
            text.extend(e.element(0x4000, 0x4000, b"LT", &value));
            text.extend(e.element(0x4000, 0x4001, b"LT", b"after "));
            let (mut data, _) = fixtures::part10(e, &[]);
            let at = fixtures::find(&data, &e.header(0x7FE0, 0x0010, b"OW", 32));
            data.splice(at..at, text);
            let report = validated(&data, Validator::default());
            let found = the_finding(&report, &carrier, &format!("{} {encoding:?}", carrier.name));
            assert_eq!(
                found.offset,
                (at + value_at + 2 + carrier.found_at) as u64,
                "{} {encoding:?}",
                carrier.name
            );
            assert_eq!(
                found.tag,
                Some(Tag(0x4000, 0x4000)),
                "{} {encoding:?}",
                carrier.name
            );
        }
    }
}

/// Validates `data` from a slice, through `Read + Seek` and as an open file: all three
/// must agree.
fn validated_everywhere(data: &[u8], validator: Validator, name: &str) -> Report {
    let report = validated(data, validator);
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "dicom-sanitize-carriers-{}-{n}-{name}.dcm",
        std::process::id()
    ));
    std::fs::write(&path, data).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let from_file = validator.validate_file(&file).unwrap();
    drop(file);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file, report, "{name}: validate_file disagrees");
    report
}

/// The ways a walk stops early (or a data set ends before the file does), each built on a
/// real file: the bytes of the file with its defect and, when `payload` is given, the
/// payload behind the defect; where the payload starts; and the structural finding.
fn walk_stop(kind: &str, payload: Option<&[u8]>) -> (Vec<u8>, usize, FindingCode) {
    let e = Encoding::ExplicitLe;
    // A clean explicit VR little endian file without pixel data: the defects are appended.
    let mut data = fixtures::real("chrH31.dcm");
    let hidden = |data: &mut Vec<u8>| {
        let at = data.len() + 12 + 6;
        if let Some(payload) = payload {
            data.extend(e.element(
                0x7FF1,
                0x1000,
                b"OB",
                &value_with(payload, 6, payload.len() + 10),
            ));
        }
        at
    };
    let sequence = |data: &mut Vec<u8>| {
        data.extend(e.header(0x7FF1, 0x1001, b"SQ", u32::MAX));
        data.extend(e.header(0xFFFE, 0xE000, b"  ", u32::MAX));
    };
    match kind {
        "nesting limit" => {
            for _ in 0..130 {
                sequence(&mut data);
            }
            let at = hidden(&mut data);
            (data, at, FindingCode::StructureNestingLimit)
        }
        "invalid VR" => {
            sequence(&mut data);
            data.extend(e.element(0x7FF1, 0x1002, b"ZZ", b"1234"));
            let at = hidden(&mut data);
            (data, at, FindingCode::StructureInvalidVr)
        }
        "unexpected tag" => {
            // A sequence whose first header is an element, not an item.
            data.extend(e.header(0x7FF1, 0x1001, b"SQ", u32::MAX));
            let at = hidden(&mut data);
            if payload.is_none() {
                data.extend(e.element(0x7FF1, 0x1003, b"LO", b"NOT AN ITEM "));
            }
            (data, at, FindingCode::StructureUnexpectedTag)
        }
        "length past end" => {
            // The payload lies in a value whose length runs past the end of the file.
            let value = payload.map_or(vec![0u8; 64], |p| value_with(p, 6, p.len() + 10));
            let at = data.len() + 12 + 6;
            data.extend(e.header(0x7FF1, 0x1000, b"OB", 0xFFFF_FFF0));
            data.extend(value);
            (data, at, FindingCode::StructureLengthPastEnd)
        }
        "truncated item" => {
            // A defined-length item whose element runs past the item's end.
            data.extend(e.header(0x7FF1, 0x1001, b"SQ", u32::MAX));
            data.extend(e.header(0xFFFE, 0xE000, b"  ", 8));
            data.extend(e.element(0x7FF1, 0x1002, b"LO", b"LONGER THAN EIGHT "));
            let at = hidden(&mut data);
            (data, at, FindingCode::StructureLengthPastEnd)
        }
        "meta over the limit" => {
            // A meta group longer than the limit (1 MiB): nothing after it is walked.
            let data_set = fixtures::data_set_offset(&data);
            let mut meta = data[144..data_set].to_vec();
            meta.extend(fixtures::element(0x0002, 0x0100, b"UI", b"1.2.3.4\0"));
            meta.extend(fixtures::element(
                0x0002,
                0x0102,
                b"OB",
                &vec![0; 1100 << 10],
            ));
            let mut out = data[..132].to_vec();
            out.extend(fixtures::element(
                0x0002,
                0x0000,
                b"UL",
                &(meta.len() as u32).to_le_bytes(),
            ));
            out.extend(meta);
            out.extend_from_slice(&data[data_set..]);
            let at = hidden(&mut out);
            (out, at, FindingCode::MetaMalformed)
        }
        "16 MiB of zeros" => {
            data.resize(data.len() + (16 << 20) + 2, 0);
            let at = data.len();
            if let Some(payload) = payload {
                data.extend_from_slice(payload);
            }
            let code = if payload.is_some() {
                FindingCode::TrailingData
            } else {
                FindingCode::TrailingZeros
            };
            (data, at, code)
        }
        "inflate error" => {
            let mut data = fixtures::real("image_dfl.dcm");
            let start = fixtures::data_set_offset(&data);
            // Reserved block types from a few bytes into the stream on.
            data[start + 40..start + 200].fill(0xFF);
            let at = data.len();
            if let Some(payload) = payload {
                data.extend_from_slice(payload);
            }
            (data, at, FindingCode::StructureInflate)
        }
        "after the deflate stream" => {
            let mut data = fixtures::real("image_dfl.dcm");
            let at = data.len();
            let code = match payload {
                Some(payload) => {
                    data.extend_from_slice(payload);
                    FindingCode::TrailingData
                }
                None => FindingCode::TrailingGzipTrailer,
            };
            (data, at, code)
        }
        _ => unreachable!("{kind}"),
    }
}

const WALK_STOPS: &[&str] = &[
    "nesting limit",
    "invalid VR",
    "unexpected tag",
    "length past end",
    "truncated item",
    "meta over the limit",
    "16 MiB of zeros",
    "inflate error",
    "after the deflate stream",
];

#[test]
fn a_payload_after_any_walk_stop_is_found_and_the_defect_still_reported() {
    for &kind in WALK_STOPS {
        if kind.contains("deflate") && !cfg!(feature = "deflate") {
            continue;
        }
        let (clean, _, code) = walk_stop(kind, None);
        let report = validated_everywhere(&clean, Validator::default(), "clean");
        assert!(
            report.findings.iter().any(|f| f.code == code),
            "{kind}: no {code} in {:#?}",
            report.findings
        );
        assert!(!report.is_threat(), "{kind}: {:#?}", report.findings);
        assert_eq!(
            report.status(),
            dicom_sanitize::Status::Invalid,
            "{kind}: {:#?}",
            report.findings
        );
        for carrier in carriers().into_iter().filter(|c| c.name != "gzip") {
            let (data, at, code) = walk_stop(kind, Some(&carrier.bytes));
            let report = validated_everywhere(&data, Validator::default(), carrier.name);
            let what = format!("{} after a {kind}", carrier.name);
            assert!(report.is_threat(), "{what}: {:#?}", report.findings);
            assert!(
                report.findings.iter().any(|f| f.code == code),
                "{what}: no {code} in {:#?}",
                report.findings
            );
            let offset = (at + carrier.found_at) as u64;
            let found = report
                .findings
                .iter()
                .find(|f| f.code == carrier.code && f.offset == offset)
                .unwrap_or_else(|| {
                    panic!(
                        "{what}: no {} at {offset} in {:#?}",
                        carrier.code, report.findings
                    )
                });
            assert!(found.severity >= Severity::High, "{what}: {found:?}");
        }
    }
}

#[test]
fn decoy_anchors_spend_no_budget_before_a_real_payload() {
    // A value of 1 MiB of `MZ` pairs, each a PE candidate whose check reads its DOS header,
    // then the real payload: found on every input, and no search limit is reached.
    for carrier in carriers()
        .into_iter()
        .filter(|c| c.name == "elf" || c.name == "pe")
    {
        let mut value = b"MZ".repeat(512 * 1024);
        let at = value.len();
        value.extend_from_slice(&carrier.bytes);
        value.extend_from_slice(b"  ");
        let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
        let (data, start) = fixtures::part10(Encoding::ExplicitLe, &private);
        let report = validated_everywhere(&data, Validator::default(), carrier.name);
        assert_found(&report, &carrier, start + 12 + at, "after 1 MiB of MZ");
        assert!(report.is_threat());
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.code == FindingCode::ValueSearchLimit),
            "{:#?}",
            report.findings
        );
    }
}

#[test]
fn a_payload_the_file_checks_see_is_reported_once() {
    // A PDF with its structure in the first KiB (in (0002,0102)): one `file.pdf-header`,
    // naming the element, not a `value.document` beside it.
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
    let mut meta = fixtures::mr_meta_body();
    meta.extend(fixtures::element(0x0002, 0x0100, b"UI", b"1.2.3.4.5.6\0"));
    meta.extend(fixtures::element(
        0x0002,
        0x0102,
        b"OB",
        &value_with(pdf, 2, pdf.len() + 4),
    ));
    let data = fixtures::mr_with_meta(&meta, None);
    let pdf_at = fixtures::find(&data, b"%PDF-") as u64;
    assert!(pdf_at < 1024);
    let report = validated(&data, Validator::default());
    let headers: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::FilePdfHeader)
        .collect();
    assert_eq!(headers.len(), 1, "{:#?}", report.findings);
    assert_eq!(headers[0].offset, pdf_at);
    assert_eq!(headers[0].tag, Some(Tag(0x0002, 0x0102)));
    assert!(
        headers[0].message.contains("followed by `obj`"),
        "{}",
        headers[0].message
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::ValueDocument),
        "{:#?}",
        report.findings
    );
    assert!(report.is_threat());
}

#[test]
fn padding_is_searched_whole_whatever_max_scan_len() {
    // `max_scan_len` bounds the padding's own looks, not the carrier search of its value.
    let elf = fixtures::elf_exit_42();
    let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
    let padding_at = data.len() + 12;
    data.extend(fixtures::element(
        0xFFFC,
        0xFFFC,
        b"OB",
        &value_with(&elf, 4096, 8192),
    ));
    let mut limits = dicom_sanitize::Limits::default();
    limits.max_scan_len = 1024;
    let report = validated_everywhere(&data, Validator::new(limits), "padding");
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(found.offset, (padding_at + 4096) as u64);
    assert_eq!(found.tag, Some(Tag(0xFFFC, 0xFFFC)));
}

#[cfg(feature = "deflate")]
#[test]
fn a_payload_far_after_a_deflate_stream_is_found_from_every_input() {
    // More than the 64 KiB a reader keeps of the input's end lie between the stream's end
    // and the payload: a reader reads them again, as a slice holds them.
    let elf = fixtures::elf_exit_42();
    let mut data = fixtures::real("image_dfl.dcm");
    data.resize(data.len() + 100_000, 0x55);
    let at = data.len() as u64;
    data.extend_from_slice(&elf);
    data.resize(data.len() + 70_000, 0x55);
    let report = validated_everywhere(&data, Validator::default(), "far-after-deflate");
    let found = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueExecutable)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(found.offset, at);
    assert!(
        found.message.contains("deflated data set ends"),
        "{}",
        found.message
    );
}

#[test]
fn a_carrier_in_text_values_across_items_is_named_with_its_path() {
    // Text values, item and sequence headers are searched as one range; a payload in the
    // second item of a nested sequence is still named by its element and full path, in
    // every encoding, and the values after the nested sequence by theirs.
    for encoding in Encoding::ALL {
        for carrier in carriers() {
            let e = encoding;
            let value = value_with(&carrier.bytes, 2, carrier.bytes.len() + 4);
            let item = |body: &[u8]| {
                let mut out = e.header(0xFFFE, 0xE000, b"  ", u32::MAX);
                out.extend_from_slice(body);
                out.extend(e.header(0xFFFE, 0xE00D, b"  ", 0));
                out
            };
            let sequence = |group: u16, element: u16, items: &[Vec<u8>]| {
                let mut out = e.header(group, element, b"SQ", u32::MAX);
                for i in items {
                    out.extend_from_slice(i);
                }
                out.extend(e.header(0xFFFE, 0xE0DD, b"  ", 0));
                out
            };
            let first = e.element(0x4000, 0x0010, b"LT", b"first ");
            let inner_second = e.element(0x4000, 0x4000, b"LT", &value);
            let inner = sequence(
                0x0099,
                0x1003,
                &[
                    item(&e.element(0x4000, 0x0010, b"LT", b"b ")),
                    item(&inner_second),
                ],
            );
            let mut outer_item = first.clone();
            outer_item.extend(&inner);
            outer_item.extend(e.element(0x4000, 0x4001, b"LT", b"after "));
            let outer = sequence(0x0099, 0x1001, &[item(&outer_item)]);
            assert_named(
                e,
                &outer,
                &carrier,
                Tag(0x4000, 0x4000),
                "(0099,1001)[0] > (0099,1003)[1] > (4000,4000)",
            );
        }
    }
}

#[test]
fn a_carrier_after_a_defined_length_sequence_is_named_at_its_depth() {
    // A defined-length sequence ends without a delimiter: the value after it, one level up,
    // continues the searched range and is still named with its own path.
    for encoding in Encoding::ALL {
        for carrier in carriers() {
            let e = encoding;
            let value = value_with(&carrier.bytes, 2, carrier.bytes.len() + 4);
            let inner_value = e.element(0x4000, 0x0010, b"LT", b"inner ");
            let mut inner_item = e.header(0xFFFE, 0xE000, b"  ", inner_value.len() as u32);
            inner_item.extend(&inner_value);
            let mut inner = e.header(0x0099, 0x1003, b"SQ", inner_item.len() as u32);
            inner.extend(&inner_item);
            let mut body = e.element(0x4000, 0x0010, b"LT", b"first ");
            body.extend(&inner);
            body.extend(e.element(0x4000, 0x4001, b"LT", &value));
            let mut outer = e.header(0x0099, 0x1001, b"SQ", u32::MAX);
            outer.extend(e.header(0xFFFE, 0xE000, b"  ", u32::MAX));
            outer.extend(&body);
            outer.extend(e.header(0xFFFE, 0xE00D, b"  ", 0));
            outer.extend(e.header(0xFFFE, 0xE0DD, b"  ", 0));
            assert_named(
                e,
                &outer,
                &carrier,
                Tag(0x4000, 0x4001),
                " (0099,1001)[0] > (4000,4001)",
            );
        }
    }
}

/// Where `search_threads(ranges)` cuts the search of a value whose element starts at `from`
/// and ends at `end`: its first 64 KiB chunk is searched by the calling thread, the rest in
/// `ranges` equal ranges.
fn range_bounds(from: usize, end: usize, ranges: usize) -> Vec<usize> {
    let head_end = from + 64 * 1024;
    let step = (end - head_end) / ranges;
    (1..ranges).map(|k| head_end + k * step).collect()
}

#[test]
fn a_large_value_searched_by_several_threads_gives_the_report_of_one() {
    // 20 MiB of noisy pixels, searched deep, and the same noise in a private value, searched
    // by default: payloads at the value's start, across the first chunk's end and across
    // the bounds of 2 and 3 ranges, at its end, after a run of decoys.
    let elf = fixtures::elf_exit_42();
    let pe = fixtures::pe_image();
    let tar = fixtures::tar_archive();
    let len = 20 << 20;
    for pixel_data in [true, false] {
        let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
        let at = fixtures::pixel_data_offset(&data);
        data.truncate(at);
        let tag = if pixel_data {
            Tag(0x7FE0, 0x0010)
        } else {
            data.extend(fixtures::element(0x0099, 0x0010, b"LO", b"SANITIZE"));
            PAYLOAD_TAG
        };
        let from = data.len();
        let value_start = from + 12;
        let end = value_start + len;
        let mut value = noise(len, 7);
        let mut planted = Vec::new();
        let mut put = |offset: usize, bytes: &[u8]| {
            value[offset - value_start..offset - value_start + bytes.len()].copy_from_slice(bytes);
            planted.push(offset);
        };
        put(value_start + 100, &elf);
        put(from + 64 * 1024 - 2, &pe);
        for (k, bound) in range_bounds(from, end, 2)
            .into_iter()
            .chain(range_bounds(from, end, 3))
            .enumerate()
        {
            // A tar's header before the bound and its `ustar` after it; ELF magics across it.
            let bytes = if k == 1 { &tar } else { &elf };
            let offset = if k == 1 { bound - 100 } else { bound - 2 };
            put(offset, bytes);
        }
        put(end - elf.len() - 2, &elf);
        let decoys = value_start + (7 << 20);
        value[decoys - value_start..decoys - value_start + (1 << 20)]
            .copy_from_slice(&b"MZ".repeat(1 << 19));
        let vr = if pixel_data { b"OW" } else { b"OB" };
        data.extend(fixtures::element(tag.group(), tag.element(), vr, &value));
        drop(value);

        let one = Validator::default().deep_scan(pixel_data);
        let report = validated_everywhere(&data, one, "one thread");
        let mut offsets: Vec<u64> = payload_findings(&report)
            .into_iter()
            .inspect(|f| assert_eq!(f.tag, Some(tag), "{f:?}"))
            .map(|f| f.offset)
            .collect();
        offsets.sort_unstable();
        planted.sort_unstable();
        assert_eq!(
            offsets,
            planted.iter().map(|&o| o as u64).collect::<Vec<_>>(),
            "pixel data: {pixel_data}: {:#?}",
            report.findings
        );
        for threads in [2, 3, 8] {
            let several = one.search_threads(threads);
            let name = format!("{threads} threads");
            assert_eq!(
                validated_everywhere(&data, several, &name),
                report,
                "pixel data: {pixel_data}, {threads} threads"
            );
        }
    }
}
