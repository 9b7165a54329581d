//! The carrier search: every carrier of the table (carrier_table.rs), built as an attacker
//! builds it, hidden at any offset of any value, in every encoding and deep in sequences, is
//! found with its element, path and offset.

use dicom_sanitize::{FindingCode, Severity, Tag, Validator};

use crate::carrier_table::{
    assert_found, assert_named, carriers, noise, payload_findings, the_finding, validated,
    validated_everywhere, value_with, PAYLOAD_TAG,
};
use crate::fixtures::{self, Encoding};

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
            let finding = report.findings.iter().find(|f| carrier.matches(f)).unwrap();
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
    let elf = fixtures::elf_exit_42();
    let value = value_with(&elf, 6, elf.len() + 10);
    let e = Encoding::ExplicitLe;
    let mut data_set = e.element(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0");
    data_set.extend(e.element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST "));
    let value_at = data_set.len() + 12;
    data_set.extend(e.element(0x0099, 0x1000, b"OB", &value));
    let (data, start) = fixtures::deflated_part10(&data_set);
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

/// A PE of `image` bytes whose DOS header is at `mz` and whose PE header is at `header`, both
/// file offsets, written over `data`.
fn plant_split_pe(data: &mut [u8], mz: usize, header: usize) {
    let image = fixtures::pe_image();
    data[mz..mz + 0x40].copy_from_slice(&image[..0x40]);
    data[mz + 0x3C..mz + 0x40].copy_from_slice(&((header - mz) as u32).to_le_bytes());
    data[header..header + image.len() - 0x40].copy_from_slice(&image[0x40..]);
}

#[test]
fn an_mz_deep_in_a_large_value_is_a_pe_wherever_its_header_lies() {
    // A value of 256 KiB or more is searched without its `MZ`s first, and again when a PE
    // signature starts in or after it: every split of a PE across the file is found, by one
    // thread and by several, from a slice, a file and a reader (which has no shortcut), in a
    // value searched in ranges (12 MiB) and in one the walk searches (1 MiB).
    for len in [1 << 20, 12 << 20] {
        let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
        let at = fixtures::pixel_data_offset(&data);
        data.truncate(at);
        let value_start = data.len() + 12;
        let mut value = noise(len, 11);
        assert!(
            !value.windows(4).any(|w| w == b"PE\0\0"),
            "the noise holds no PE signature"
        );
        let decoys = len / 12 * 9;
        value[decoys..decoys + len / 24 * 2].copy_from_slice(&b"MZ".repeat(len / 24));
        data.extend(fixtures::element(0x7FE0, 0x0010, b"OW", &value));
        drop(value);
        // A private element after Pixel Data, where a PE header may lie.
        let tail_start = data.len() + 12;
        data.extend(fixtures::element(0x7FE1, 0x0010, b"OB", &[0u8; 4096]));

        let deep = Validator::default().deep_scan(true);
        let clean = validated_everywhere(&data, deep, "decoys");
        assert!(payload_findings(&clean).is_empty(), "{:#?}", clean.findings);

        let twelfth = len / 12;
        let cases = [
            // `MZ` and header in the value, after its first chunk.
            (
                "in the value",
                value_start + 3 * twelfth + 1,
                value_start + 8 * twelfth + 7,
            ),
            // The header in the element after the value.
            (
                "after the value",
                value_start + 5 * twelfth + 3,
                tail_start + 100,
            ),
            // For 12 MiB, the `MZ` in one range and the header in the other.
            (
                "across ranges",
                value_start + twelfth,
                value_start + 11 * twelfth,
            ),
        ];
        for (name, mz, header) in cases {
            let mut with_pe = data.clone();
            plant_split_pe(&mut with_pe, mz, header);
            for threads in [1, 2, 3] {
                let validator = deep.search_threads(threads);
                let report = validated_everywhere(&with_pe, validator, name);
                let found: Vec<_> = payload_findings(&report)
                    .into_iter()
                    .map(|f| (f.code, f.offset, f.tag))
                    .collect();
                assert_eq!(
                    found,
                    [(
                        FindingCode::ValueExecutable,
                        mz as u64,
                        Some(Tag(0x7FE0, 0x0010))
                    )],
                    "{len} bytes, {name}, {threads} threads: {:#?}",
                    report.findings
                );
            }
        }
    }
}
