//! dicom-object as an oracle: what it reads from an input it reads from every output too.

use std::io;

use super::{assert_same_output, standard_policies, ORACLE_MAX_DEPTH, ORACLE_MAX_LEN};
use crate::{FindingCode, Layout, Report, TrailingAction};

/// Whether our validation found `data` sound enough to hand to dicom-object 0.10.1 (which
/// panics, allocates by length fields or overflows its stack on hostile input): a Part 10 file
/// or a meta group without preamble, at most [`ORACLE_MAX_LEN`] bytes, no `structure.*`,
/// `trailing.*`, `meta.missing` or `meta.malformed` finding (so every length lies within the
/// file, and no bytes after the data set are read as elements), nesting
/// at most [`ORACLE_MAX_DEPTH`] deep, and the data set walked to its end.
pub fn structurally_sound(report: &Report) -> bool {
    matches!(report.layout, Layout::Part10 | Layout::MetaWithoutPreamble)
        && report.file_len <= ORACLE_MAX_LEN as u64
        && report.max_depth <= ORACLE_MAX_DEPTH
        && report.data_end.is_some()
        && !report.findings.iter().any(|f| {
            // dicom-object parses bytes after the last element as elements, and allocates
            // what their length fields claim.
            f.code.as_str().starts_with("structure.")
                || f.code.as_str().starts_with("trailing.")
                || matches!(
                    f.code,
                    FindingCode::MetaMissing | FindingCode::MetaMalformed
                )
        })
}

/// What dicom-object reads from `data`: a Part 10 file, or a meta group without preamble
/// (dicom-object 0.10.1 wants `DICM` before the meta group even without a preamble, so it is
/// chained in front). `None` when it cannot read it.
pub fn dicom_object(data: &[u8]) -> Option<dicom_object::DefaultDicomObject> {
    use dicom_object::file::ReadPreamble;
    let options = dicom_object::OpenFileOptions::new();
    match crate::classify(data).layout() {
        Layout::Part10 => options
            .read_preamble(ReadPreamble::Always)
            .from_reader(data)
            .ok(),
        Layout::MetaWithoutPreamble => options
            .read_preamble(ReadPreamble::Never)
            .from_reader(io::Read::chain(&b"DICM"[..], data))
            .ok(),
        _ => None,
    }
}

/// What dicom-object writes back for an object: its data set compared byte for byte
/// (`dicom_core`'s undefined `Length` is unequal to itself, so objects with sequences never
/// compare equal directly).
fn written(object: &dicom_object::DefaultDicomObject) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    object.write_all(&mut out).ok().map(|()| out)
}

/// When dicom-object opens a structurally sound input (see [`structurally_sound`]), it opens
/// the output of every policy that keeps all bytes after the preamble, with an equal data set.
pub fn oracle(data: &[u8]) {
    let report = crate::validate(data);
    if !structurally_sound(&report) {
        return;
    }
    let Some(before) = dicom_object(data) else {
        return;
    };
    let Some(expected) = written(&before) else {
        return;
    };
    for (name, policy) in standard_policies() {
        if policy.trailing_action() != TrailingAction::Keep {
            continue;
        }
        let Ok(sanitized) = policy.sanitize(data) else {
            continue;
        };
        let output = sanitized.to_vec();
        let after = dicom_object(&output)
            .unwrap_or_else(|| panic!("{name}: dicom-object cannot read the output"));
        let got = written(&after).unwrap_or_else(|| panic!("{name}: cannot write the output"));
        assert_same_output(&format!("{name}: dicom-object's data set"), &expected, &got);
    }
}
