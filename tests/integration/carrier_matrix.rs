//! The rest of the carrier matrix, for every carrier of the table: past 1 MiB of the file, in
//! a deflated data set, in an encapsulated fragment, and split across two values (the
//! structure a consumer follows from one element's value into the next).

use dicom_sanitize::{Finding, FindingCode, Report, Severity, Tag, Validator};

use crate::carrier_table::{
    assert_found, carriers, validated, validated_everywhere, value_with, Carrier, PAYLOAD_TAG,
};
use crate::fixtures::{self, Encoding};

/// The finding of `carrier` at `offset` in `report`, of its codes or, for a ZIP whose end
/// record the file check cannot see (in a deflated stream), of `value.archive`.
fn at<'r>(report: &'r Report, carrier: &Carrier, offset: usize, what: &str) -> &'r Finding {
    let zip = |f: &Finding| carrier.name == "zip" && f.code == FindingCode::ValueArchive;
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| (carrier.matches(f) || zip(f)) && f.offset == offset as u64)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{} {what}: one finding at {offset} in {:#?}",
        carrier.name,
        report.findings
    );
    found[0]
}

#[test]
fn a_carrier_past_1_mib_of_the_file_is_found_from_every_input() {
    for carrier in carriers() {
        // The value ends right after it: a ZIP's end record stays in the last 64 KiB.
        let offset = 1_100_001;
        let value = value_with(&carrier.bytes, offset, offset + carrier.bytes.len() + 20);
        let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
        let (data, start) = fixtures::part10(Encoding::ExplicitLe, &private);
        for validator in [Validator::default(), Validator::default().deep_scan(true)] {
            let report = validated_everywhere(&data, validator, carrier.name);
            let payload = start + 12 + offset;
            assert!(payload > 1 << 20);
            assert_found(&report, &carrier, payload + carrier.found_at, "past 1 MiB");
        }
    }
}

#[cfg(feature = "deflate")]
#[test]
fn a_carrier_in_a_deflated_data_set_is_found_at_its_inflated_offset_for_every_carrier() {
    let e = Encoding::ExplicitLe;
    for carrier in carriers() {
        let value = value_with(&carrier.bytes, 6, carrier.bytes.len() + 10);
        let mut data_set = e.element(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0");
        data_set.extend(e.element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST "));
        let value_at = data_set.len() + 12;
        data_set.extend(e.element(0x0099, 0x1000, b"OB", &value));
        let (data, start) = fixtures::deflated_part10(&data_set);
        let report = validated_everywhere(&data, Validator::default(), carrier.name);
        assert!(report.deflated);
        // Offsets in a deflated data set count inflated bytes from its start.
        let offset = start + value_at + 6 + carrier.found_at;
        let found = at(&report, &carrier, offset, "deflated");
        assert_eq!(found.tag, Some(PAYLOAD_TAG), "{}", carrier.name);
        assert!(found.severity >= carrier.severity, "{found:?}");
    }
}

#[test]
fn a_carrier_in_an_encapsulated_fragment_is_found_when_deep_for_every_carrier() {
    let e = Encoding::ExplicitLe;
    for carrier in carriers() {
        let mut pixels = e.header(0x7FE0, 0x0010, b"OB", u32::MAX);
        pixels.extend(e.header(0xFFFE, 0xE000, b"  ", 0)); // an empty basic offset table
        let fragment = value_with(&carrier.bytes, 31, carrier.bytes.len() + 64);
        pixels.extend(e.header(0xFFFE, 0xE000, b"  ", fragment.len() as u32));
        let payload_at = pixels.len() + 31;
        pixels.extend(fragment);
        pixels.extend(e.header(0xFFFE, 0xE0DD, b"  ", 0));
        let (mut data, _) = fixtures::part10(e, &[]);
        let pixel_data = fixtures::pixel_data_offset(&data);
        data.truncate(pixel_data);
        data.extend(pixels);
        let offset = pixel_data + payload_at + carrier.found_at;
        // (A ZIP ending the file is the file check's, whatever the mode.)
        let shallow = validated(&data, Validator::default());
        assert!(
            carrier.code == FindingCode::FileZipDirectory
                || !shallow.findings.iter().any(|f| f.code == carrier.code),
            "{}: Pixel Data is searched only when deep: {:#?}",
            carrier.name,
            shallow.findings
        );
        let deep = validated_everywhere(&data, Validator::default().deep_scan(true), carrier.name);
        let found = at(&deep, &carrier, offset, "in a fragment");
        assert_eq!(found.tag, Some(Tag(0x7FE0, 0x0010)), "{}", carrier.name);
        assert!(found.severity >= carrier.severity, "{found:?}");
    }
}

/// A payload whose structure runs from the value of (0099,1000) into that of (0099,1001),
/// across the second element's 12-byte header, as its consumer reads it: the two values, and
/// the payload's offset in the first.
fn split(name: &str) -> (Vec<u8>, Vec<u8>) {
    match name {
        // The ELF header in one value; `e_phoff` leads past the next element's header to the
        // program header, whose segment maps both values and the code after it.
        "elf" => {
            let mut headers = fixtures::elf64_headers(64 + 12 + 56, 64 + 12 + 56 + 12);
            headers[32..40].copy_from_slice(&(64u64 + 12).to_le_bytes());
            let mut second = headers[64..].to_vec();
            second.extend_from_slice(fixtures::EXIT_42);
            (headers[..64].to_vec(), second)
        }
        // A ZIP's member in one value, its central directory and end record in the next: the
        // directory's recorded offset counts the element header between them.
        "zip" => {
            let zip = fixtures::zip_archive();
            let local = 30 + "__main__.py".len() + "print('owned')\n".len();
            let mut second = zip[local..].to_vec();
            let end = second.len() - 22;
            second[end + 16..end + 20].copy_from_slice(&(local as u32 + 12).to_le_bytes());
            (zip[..local].to_vec(), second)
        }
        // The DOS header in one value, `e_lfanew` leading to the PE header in the next.
        "pe" => {
            let pe = fixtures::pe_image();
            let mut dos = pe[..0x40].to_vec();
            dos[0x3C..0x40].copy_from_slice(&(0x40u32 + 12).to_le_bytes());
            (dos, pe[0x40..].to_vec())
        }
        _ => unreachable!("{name}"),
    }
}

#[test]
fn a_carrier_split_across_two_values_is_found_and_real() {
    let dir = tempfile::tempdir().unwrap();
    for carrier in carriers()
        .into_iter()
        .filter(|c| ["elf", "zip", "pe"].contains(&c.name))
    {
        let (first, second) = split(carrier.name);
        let (first, second) = (value_with(&first, 0, 0), value_with(&second, 0, 0));
        let e = Encoding::ExplicitLe;
        let mut private = e.element(0x0099, 0x1000, b"OB", &first);
        private.extend(e.element(0x0099, 0x1001, b"OB", &second));
        let (data, start) = fixtures::part10(e, &private);
        let payload = start + 12;
        let report = validated_everywhere(&data, Validator::default(), carrier.name);
        assert!(
            report.is_threat(),
            "{}: {:#?}",
            carrier.name,
            report.findings
        );
        // A ZIP is found at its end record, in the second value.
        let (offset, tag) = if carrier.name == "zip" {
            (fixtures::find(&data, b"PK\x05\x06"), Tag(0x0099, 0x1001))
        } else {
            (payload, PAYLOAD_TAG)
        };
        let found = at(&report, &carrier, offset, "split");
        assert_eq!(found.tag, Some(tag), "{}", carrier.name);
        assert!(found.severity >= Severity::High, "{found:?}");
        // What its consumer makes of it: the carved ELF runs, Python runs the ZIP.
        let file = dir.path().join(format!("{}.dcm", carrier.name));
        std::fs::write(&file, &data).unwrap();
        match carrier.name {
            "elf" if cfg!(target_arch = "x86_64") => {
                use std::os::unix::fs::PermissionsExt;
                let carved = dir.path().join("elf");
                let image = &data[payload..payload + first.len() + 12 + second.len()];
                std::fs::write(&carved, image).unwrap();
                std::fs::set_permissions(&carved, std::fs::Permissions::from_mode(0o755)).unwrap();
                let status = std::process::Command::new(&carved).status().unwrap();
                assert_eq!(status.code(), Some(42));
            }
            "zip" => match std::process::Command::new("python3").arg(&file).output() {
                Ok(out) => assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "owned"),
                Err(err) => assert!(
                    std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
                    "python3 is needed: {err}"
                ),
            },
            _ => {}
        }
    }
}
