//! The rules on the File Meta group (group 0002): whether it can be read, its group length,
//! the elements it must hold, their VRs and UIDs, its transfer syntax (and whether the data
//! set is written in it), and payloads in (0002,0102) Private Information.

use dicom_core::VR;
use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::read::layout::DataSetPlan;
use crate::read::meta::{self, FileMeta, MetaElement};
use crate::read::signature::{self, Format, Payload};
use crate::validate::findings::{Finding, FindingCode, Findings};

/// The finding a File Meta group that cannot be read gives.
pub(super) fn unreadable(err: &Error) -> Finding {
    let code = match err {
        Error::MissingMeta { .. } => FindingCode::MetaMissing,
        _ => FindingCode::MetaMalformed,
    };
    Finding::from_error(code, err)
}

/// Checks a File Meta group that was read; up to `max_scan_len` bytes of (0002,0102) are
/// searched for payloads. The input is `file_len` bytes long.
pub(super) fn check(
    meta: &FileMeta<'_>,
    max_scan_len: u64,
    file_len: u64,
    findings: &mut Findings,
) {
    let start = meta.offset();
    if !meta.is_explicit_vr() {
        findings.push(Finding::usual(
            FindingCode::MetaImplicitVr,
            start,
            "the file meta group is written in implicit VR; the standard requires explicit VR little endian",
        ));
    }
    check_group_length(meta, file_len, findings);
    // One pass for the elements every group needs (a lookup each would read it five times).
    let mut present = [false; 4];
    let mut transfer_syntax = None;
    for element in meta.elements() {
        match element.tag() {
            tags::FILE_META_INFORMATION_VERSION => present[0] = true,
            tags::MEDIA_STORAGE_SOP_CLASS_UID => present[1] = true,
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID => present[2] = true,
            tags::IMPLEMENTATION_CLASS_UID => present[3] = true,
            tags::TRANSFER_SYNTAX_UID if transfer_syntax.is_none() => {
                transfer_syntax = Some(element);
            }
            _ => {}
        }
    }
    for (present, (tag, name)) in present.into_iter().zip([
        (
            tags::FILE_META_INFORMATION_VERSION,
            "file meta information version",
        ),
        (
            tags::MEDIA_STORAGE_SOP_CLASS_UID,
            "media storage SOP class UID",
        ),
        (
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID,
            "media storage SOP instance UID",
        ),
        (tags::IMPLEMENTATION_CLASS_UID, "implementation class UID"),
    ]) {
        if !present {
            findings.push(
                Finding::usual(
                    FindingCode::MetaElementMissing,
                    start,
                    format!("no {tag} {name}"),
                )
                .with_tag(tag),
            );
        }
    }
    match (transfer_syntax, meta.transfer_syntax()) {
        (None, _) => findings.push(
            Finding::usual(
                FindingCode::MetaTransferSyntaxMissing,
                start,
                "no (0002,0010) transfer syntax UID: the data set's encoding is guessed",
            )
            .with_tag(tags::TRANSFER_SYNTAX_UID),
        ),
        (Some(element), None) => findings.push(on_meta_element(
            FindingCode::MetaTransferSyntaxUnknown,
            &element,
            format!(
                "unknown transfer syntax {:?}: the data set's encoding is guessed",
                String::from_utf8_lossy(element.value())
            ),
        )),
        (Some(_), Some(_)) => {}
    }
    for element in meta.elements() {
        let standard = meta::standard_vr(element.tag());
        if meta.is_explicit_vr() && standard != VR::UN && element.vr() != standard {
            findings.push(on_meta_element(
                FindingCode::MetaWrongVr,
                &element,
                format!(
                    "{} has VR {}, the standard's is {standard}",
                    element.tag(),
                    element.vr()
                ),
            ));
        }
        if standard == VR::UI {
            if let Some(defect) = uid_defect(element.value()) {
                findings.push(on_meta_element(
                    FindingCode::MetaUidSyntax,
                    &element,
                    format!("{} is not a valid UID: {defect}", element.tag()),
                ));
            }
        }
        if element.tag() == tags::PRIVATE_INFORMATION {
            check_private_information(&element, max_scan_len, findings);
        }
    }
}

/// Checks (0002,0000) against the group's measured length, and whether it covers elements
/// of other groups.
fn check_group_length(meta: &FileMeta<'_>, file_len: u64, findings: &mut Findings) {
    let Some(element) = meta.group_length_element() else {
        findings.push(Finding::usual(
            FindingCode::MetaGroupLengthMissing,
            meta.offset(),
            "no (0002,0000) file meta information group length",
        ));
        return;
    };
    let declared = meta.group_length();
    let measured = meta.measured_group_length();
    if declared.map(u64::from) != Some(measured) {
        findings.push(
            Finding::usual(
                FindingCode::MetaGroupLengthMismatch,
                element.offset(),
                format!("group length declares {declared:?} bytes, the group has {measured}"),
            )
            .with_tag(tags::FILE_META_INFORMATION_GROUP_LENGTH),
        );
    }
    if let Some(over) = declared
        .map(u64::from)
        .and_then(|d| d.checked_sub(measured))
        .filter(|o| *o > 0)
    {
        findings.push(
            Finding::usual(
                FindingCode::MetaForeignElement,
                meta.data_set_offset(),
                format!("the group length covers {over} bytes of elements outside group 0002"),
            )
            .with_length(over.min(file_len.saturating_sub(meta.data_set_offset()))),
        );
    }
}

/// Searches the first `max_scan_len` bytes of (0002,0102) Private Information for a payload:
/// a signature at its start (but `MZ`, common in binary data), or one embedded anywhere.
fn check_private_information(
    element: &MetaElement<'_>,
    max_scan_len: u64,
    findings: &mut Findings,
) {
    let value = element.value();
    let value = value
        .get(..max_scan_len.try_into().unwrap_or(usize::MAX))
        .unwrap_or(value);
    let found = signature::value_payload(value, value.len() as u64)
        .filter(|p| *p != Payload::Executable(Format::Pe))
        .map(|p| (0, p))
        .or_else(|| signature::embedded_payload(value));
    if let Some((at, payload)) = found {
        findings.push(on_meta_element(
            FindingCode::MetaPrivateInformationPayload,
            element,
            format!(
                "{} at value offset {at} of (0002,0102) private information",
                payload.describe()
            ),
        ));
    }
}

/// Checks the plan for walking the data set against the meta group's transfer syntax.
pub(super) fn check_plan(plan: &DataSetPlan, findings: &mut Findings) {
    if let Some(declared) = plan.declared {
        findings.push(Finding::usual(
            FindingCode::MetaTransferSyntaxMismatch,
            plan.start,
            format!(
                "the transfer syntax says {declared}, but the data set is written in {}",
                plan.encoding
            ),
        ));
    }
}

/// What is wrong with a UID value, if anything.
fn uid_defect(value: &[u8]) -> Option<&'static str> {
    if value.len() % 2 == 1 {
        return Some("odd length");
    }
    let uid = match value {
        [rest @ .., 0] => rest,
        _ => value,
    };
    if uid.is_empty() {
        return Some("empty");
    }
    if uid.len() > 64 {
        return Some("longer than 64 characters");
    }
    if !uid.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return Some("characters other than digits and dots");
    }
    for component in uid.split(|b| *b == b'.') {
        match component {
            [] => return Some("an empty component"),
            [b'0', _, ..] => return Some("a component with a leading zero"),
            _ => {}
        }
    }
    None
}

/// A finding about a File Meta element: its offset, its header and value length, its tag.
fn on_meta_element(code: FindingCode, e: &MetaElement<'_>, message: String) -> Finding {
    Finding::usual(code, e.offset(), message)
        .with_tag(e.tag())
        .with_length(
            e.value_offset()
                .saturating_sub(e.offset())
                .saturating_add(e.value().len() as u64),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_rules() {
        assert_eq!(uid_defect(b"1.2.840.10008.1.2\0"), None);
        assert_eq!(uid_defect(b"1.2.840.10008.1.2.1\0"), None);
        assert_eq!(uid_defect(b"1.2.3.4"), Some("odd length"));
        assert_eq!(
            uid_defect(b"1.2.03"),
            Some("a component with a leading zero")
        );
        assert_eq!(uid_defect(b"1..2"), Some("an empty component"));
        assert_eq!(
            uid_defect(b"1.2 "),
            Some("characters other than digits and dots")
        );
        assert_eq!(uid_defect(b"1.0\0"), None);
        assert_eq!(uid_defect(b""), Some("empty"));
        assert_eq!(uid_defect(&[b'1'; 66]), Some("longer than 64 characters"));
    }
}
