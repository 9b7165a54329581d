//! Value representations of implicit VR data sets, from the standard data dictionary.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

/// The VR the standard gives `tag`, `UN` for tags it does not know (private tags among them).
///
/// Context-dependent VRs resolve to their widest form: US/SS to `US`, OB/OW to `OW`.
pub(crate) fn vr_of(tag: Tag) -> VR {
    match StandardDataDictionary
        .by_tag(tag)
        .map(DataDictionaryEntry::vr)
    {
        Some(VirtualVr::Exact(vr)) => vr,
        Some(VirtualVr::Xs) => VR::US,
        Some(_) => VR::OW,
        None => VR::UN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_private_and_repeating_tags() {
        assert_eq!(vr_of(Tag(0x0008, 0x1140)), VR::SQ);
        assert_eq!(vr_of(Tag(0x0010, 0x0010)), VR::PN);
        assert_eq!(vr_of(Tag(0x0028, 0x0106)), VR::US);
        assert_eq!(vr_of(Tag(0x7FE0, 0x0010)), VR::OW);
        assert_eq!(vr_of(Tag(0x6002, 0x3000)), VR::OW);
        assert_eq!(vr_of(Tag(0x0009, 0x0010)), VR::LO);
        assert_eq!(vr_of(Tag(0x0009, 0x1001)), VR::UN);
        assert_eq!(vr_of(Tag(0x0011, 0x0000)), VR::UL);
    }
}
