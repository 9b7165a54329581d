//! The deep-scan invariants: [`deep`] validates in both modes, through the slice, the reader
//! and the file paths, and checks that the modes differ only by what deep mode adds.
//!
//! **The rule.** Deep mode (`Validator::deep_scan(true)`) searches Pixel Data values and
//! fragments too; everything else is the same walk with the same rules. So, with the
//! findings compared as multisets (code, severity, offset, length, tag and message):
//!
//! 1. every finding of the deep report that the default report lacks is either the
//!    search-limit finding (`value.search-limit`, whose position may differ) or concerns a
//!    Pixel Data element: its tag is (7FE0,0008), (7FE0,0009) or (7FE0,0010) (a fragment's
//!    finding names its encapsulated element), or an item (FFFE,E000) whose encapsulated
//!    element the walk never saw;
//! 2. every finding of the default report that the deep one lacks is either the search-limit
//!    finding, or one the deep search could no longer make: a carrier finding
//!    (`value.executable`, `value.archive`, `value.compressed`, `value.document`) when the
//!    deep search spent its confirmation budget, or a finding of a code of which the deep
//!    report already holds the most a report keeps (32: the rest are only counted);
//! 3. when the default search spends its budget, the deep one does too, no later (it
//!    confirms every candidate the default one does, in the same order, and more);
//! 4. everything else the reports say (layout, preamble, transfer syntax, offsets, element
//!    counts, depth) is equal.
//!
//! And in each mode the slice (`validate`), the reader (`validate_reader` over a `Cursor`),
//! the general path and the file (`validate_file`, positional reads on a scratch file) give
//! the same report.

use std::collections::HashMap;

use dicom_core::Tag;

use super::read::validate_with;
use super::sinks::scratch_file;
use crate::validate::findings::MAX_PER_CODE;
use crate::{Finding, FindingCode, Report, Validator};

/// Both modes through every path, and the rule between them (see the module's documentation).
pub fn deep(data: &[u8]) {
    let default = Validator::default();
    let deep = Validator::default().deep_scan(true);
    let shallow_report = validate_with(&default, data);
    let deep_report = validate_with(&deep, data);
    let path = scratch_file("deep");
    std::fs::write(&path, data).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    for (validator, report, mode) in [
        (&default, &shallow_report, "default"),
        (&deep, &deep_report, "deep"),
    ] {
        let from_file = validator
            .validate_file(&file)
            .expect("reading a regular file");
        assert!(
            *report == from_file,
            "{mode}: validate and validate_file disagree:\n{report:#?}\n{from_file:#?}"
        );
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    check_modes(&shallow_report, &deep_report);
}

/// Whether `tag` is one only a deep scan searches.
fn deep_only_tag(tag: Option<Tag>) -> bool {
    tag.is_some_and(|tag| crate::read::walk::is_pixel_data(tag) || tag == crate::read::walk::ITEM)
}

/// The findings of `a` that `b` lacks, as multisets.
fn missing_from<'a>(a: &'a [Finding], b: &[Finding]) -> Vec<&'a Finding> {
    let mut left: HashMap<String, usize> = HashMap::new();
    for f in b {
        *left.entry(format!("{f:?}")).or_default() += 1;
    }
    a.iter()
        .filter(|f| match left.get_mut(&format!("{f:?}")) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// The offset of a report's search-limit finding.
fn spent_at(report: &Report) -> Option<u64> {
    report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::ValueSearchLimit)
        .map(|f| f.offset)
}

/// Rules 1 to 4 of the module's documentation, between a default and a deep report.
fn check_modes(shallow: &Report, deep: &Report) {
    let show = || format!("default:\n{shallow:#?}\ndeep:\n{deep:#?}");
    for f in missing_from(&deep.findings, &shallow.findings) {
        assert!(
            f.code == FindingCode::ValueSearchLimit || deep_only_tag(f.tag),
            "deep mode adds a finding outside Pixel Data: {f}\n{}",
            show()
        );
    }
    let deep_spent = spent_at(deep);
    let full =
        |code: FindingCode| deep.findings.iter().filter(|f| f.code == code).count() >= MAX_PER_CODE;
    for f in missing_from(&shallow.findings, &deep.findings) {
        assert!(
            f.code == FindingCode::ValueSearchLimit
                || (deep_spent.is_some() && f.code.is_carrier())
                || full(f.code),
            "deep mode loses a finding: {f}\n{}",
            show()
        );
    }
    if let Some(at) = spent_at(shallow) {
        assert!(
            deep_spent.is_some_and(|deep_at| deep_at <= at),
            "the default search spends its budget at {at}, the deep one at {deep_spent:?}\n{}",
            show()
        );
    }
    let facts = |r: &Report| {
        (
            r.layout,
            r.preamble,
            r.file_len,
            r.transfer_syntax.clone(),
            r.data_set_offset,
            r.encoding,
            r.deflated,
            r.elements,
            r.max_depth,
            r.data_end,
        )
    };
    assert!(
        facts(shallow) == facts(deep),
        "the modes disagree on the facts\n{}",
        show()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/pydicom/CT_small.dcm"
        ))
        .unwrap()
    }

    /// CT_small with a loadable x86-64 ELF header written 1,000 bytes into Pixel Data.
    fn ct_with_elf_in_pixels() -> Vec<u8> {
        let mut data = ct();
        let pixels = data
            .windows(6)
            .rposition(|w| w == b"\xe0\x7f\x10\x00OW")
            .unwrap();
        let at = pixels + 12 + 1000;
        let mut put = |off: usize, bytes: &[u8]| {
            data[at + off..at + off + bytes.len()].copy_from_slice(bytes);
        };
        put(0, b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        put(16, &2u16.to_le_bytes()); // ET_EXEC
        put(18, &62u16.to_le_bytes()); // x86-64
        put(32, &64u64.to_le_bytes()); // e_phoff
        put(54, &56u16.to_le_bytes()); // e_phentsize
        put(56, &1u16.to_le_bytes()); // e_phnum
        put(64, &1u32.to_le_bytes()); // PT_LOAD
        put(64 + 8, &0u64.to_le_bytes()); // p_offset
        put(64 + 32, &16u64.to_le_bytes()); // p_filesz
        data
    }

    #[test]
    fn a_payload_in_pixel_data_is_a_deep_only_finding() {
        let data = ct_with_elf_in_pixels();
        let shallow = Validator::default().validate(&data);
        let deep_report = Validator::default().deep_scan(true).validate(&data);
        let added = missing_from(&deep_report.findings, &shallow.findings);
        assert!(
            added
                .iter()
                .any(|f| f.code == FindingCode::ValueExecutable
                    && f.tag == Some(Tag(0x7FE0, 0x0010))),
            "{deep_report:#?}"
        );
        deep(&data);
        deep(&ct());
    }

    #[test]
    #[should_panic(expected = "deep mode adds a finding outside Pixel Data")]
    fn a_deep_finding_elsewhere_breaks_the_rule() {
        let shallow = Validator::default().validate(&ct());
        let mut deep_report = shallow.clone();
        let mut extra = deep_report.findings[0].clone();
        extra.tag = Some(Tag(0x0010, 0x0010));
        extra.code = FindingCode::ValueExecutable;
        deep_report.findings.push(extra);
        check_modes(&shallow, &deep_report);
    }

    #[test]
    #[should_panic(expected = "deep mode loses a finding")]
    fn a_finding_only_default_makes_breaks_the_rule() {
        let shallow = Validator::default().validate(&ct());
        let mut deep_report = shallow.clone();
        deep_report.findings.clear();
        check_modes(&shallow, &deep_report);
    }
}
