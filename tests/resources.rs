//! Resource bounds on hostile input: a counting allocator shows that peak allocation stays
//! within a small multiple of the input's size whatever its length fields claim, and that deep
//! nesting never overflows the stack.
//!
//! dicom-rs 0.10.1 allocates 4 GiB for a 200-byte file with such a length and overflows its
//! stack at 10,000 nested sequences.

mod common;
use common::tiny_with_length;
#[path = "common/counting.rs"]
mod counting;
use counting::peak_during;

use std::io::Cursor;

use dicom_sanitize::{
    classify, inspect, validate, walk, FindingCode, Policy, TrailingAction, Validator,
};

/// Everything a caller can do with an input, each under the bound: a small multiple of the
/// input's size plus a constant for fixed buffers (the reader path's 64 KiB ZIP window, 8 KiB
/// chunks) and the report.
fn assert_bounded(name: &str, data: &[u8]) {
    let bound = 4 * data.len() + (1 << 20);
    let check = |what: &str, peak: usize| {
        assert!(
            peak <= bound,
            "{name}: {what} allocated {peak} bytes for a {}-byte input",
            data.len()
        )
    };
    check("classify", peak_during(|| classify(data)).1);
    check(
        "inspect",
        peak_during(|| inspect(data).map(|i| i.file_len())).1,
    );
    check("walk", peak_during(|| walk(data).map(|w| w.count())).1);
    check("validate", peak_during(|| validate(data)).1);
    let (report, peak) = peak_during(|| {
        Validator::default()
            .validate_reader(&mut Cursor::new(data))
            .unwrap()
    });
    check("validate_reader", peak);
    assert_eq!(report, validate(data), "{name}");
    for policy in [
        Policy::default(),
        Policy::strip(),
        Policy::builder()
            .trailing_data(TrailingAction::Truncate)
            .build()
            .unwrap(),
    ] {
        check(
            "sanitize",
            peak_during(|| policy.sanitize(data).map(|s| s.len())).1,
        );
        check(
            "sanitize_in_place",
            peak_during(|| policy.sanitize_in_place(&mut Cursor::new(data.to_vec())))
                .1
                .saturating_sub(data.len()),
        );
    }
}

fn real(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pydicom/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn hostile_value_lengths() {
    for vr in [b"OB", b"UN", b"UT", b"SQ"] {
        let data = tiny_with_length(vr, 0xFFFF_FFF0);
        assert_bounded("0xFFFFFFF0", &data);
        let report = validate(&data);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.code == FindingCode::StructureLengthPastEnd && f.offset == 172),
            "{:#?}",
            report.findings
        );
    }
}

#[test]
fn hostile_meta_group_length() {
    let mut data = real("MR_small.dcm");
    data[140..144].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_bounded("meta group length 2^32-1", &data);
    let mut data = real("MR_small.dcm");
    // (0002,0001) OB claiming 4 GiB.
    data[152..156].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_bounded("meta element 2^32-1", &data);
}

#[test]
fn hostile_tiff_ifds() {
    let base = real("CT_small.dcm");
    let ifd = base.len() - 126;
    // Classic: the largest entry count, and an IFD that points to itself.
    let mut huge = base.clone();
    huge[4..8].copy_from_slice(&(ifd as u32).to_le_bytes());
    huge[ifd..ifd + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_bounded("IFD with 65535 entries", &huge);
    let mut cycle = base.clone();
    cycle[4..8].copy_from_slice(&(ifd as u32).to_le_bytes());
    let next = ifd + 2 + 10 * 12;
    cycle[next..next + 4].copy_from_slice(&(ifd as u32).to_le_bytes());
    assert_bounded("IFD cycle", &cycle);
    // BigTIFF with a 2^64-1 entry count.
    let mut big = base;
    big[..16].copy_from_slice(b"II+\0\x08\0\0\0\0\0\0\0\0\0\0\0");
    big[8..16].copy_from_slice(&(ifd as u64).to_le_bytes());
    big[ifd..ifd + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_bounded("BigTIFF IFD with 2^64-1 entries", &big);
}

#[test]
fn a_million_nested_items() {
    let open: &[u8] = b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff";
    let mut data = real("CT_small.dcm");
    let pixel = data
        .windows(6)
        .rposition(|w| w == b"\xe0\x7f\x10\x00OW")
        .unwrap();
    let mut nested = Vec::with_capacity(open.len() * 1_000_000);
    for _ in 0..1_000_000 {
        nested.extend_from_slice(open);
    }
    data.splice(pixel..pixel, nested);
    assert_bounded("1,000,000 nested items", &data);
    let report = validate(&data);
    assert!(report
        .findings
        .iter()
        .any(|f| f.code == FindingCode::StructureNestingLimit));
}
