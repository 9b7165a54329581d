//! Every carrier hidden after each way a walk stops early (or a data set ends before the
//! file does) is found, a threat, and the defect is still reported.

use dicom_sanitize::{FindingCode, Severity, Validator};

use crate::carrier_table::{carriers, validated_everywhere, value_with};
use crate::fixtures::{self, Encoding};

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
        for carrier in carriers() {
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
                .find(|f| carrier.matches(f) && f.offset == offset)
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
