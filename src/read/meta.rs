//! The File Meta group (0002,xxxx): a borrowed view and its parser.

use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;

use crate::error::{Error, LimitKind, Structure, VrBytes};
use crate::limits::Limits;
use crate::read::cursor::{self, Endian};
use crate::read::encoding::{Encoding, TransferSyntax};
use crate::read::header::{self, HeaderError, RawHeader, UNDEFINED};

// The File Meta group's tags, under the names this crate has always exported: aliases of
// `dicom_dictionary_std::tags`.

/// (0002,0000) File Meta Information Group Length.
pub const GROUP_LENGTH: Tag = tags::FILE_META_INFORMATION_GROUP_LENGTH;
/// (0002,0001) File Meta Information Version.
pub const INFORMATION_VERSION: Tag = tags::FILE_META_INFORMATION_VERSION;
/// (0002,0002) Media Storage SOP Class UID.
pub const MEDIA_STORAGE_SOP_CLASS_UID: Tag = tags::MEDIA_STORAGE_SOP_CLASS_UID;
/// (0002,0003) Media Storage SOP Instance UID.
pub const MEDIA_STORAGE_SOP_INSTANCE_UID: Tag = tags::MEDIA_STORAGE_SOP_INSTANCE_UID;
/// (0002,0010) Transfer Syntax UID.
pub const TRANSFER_SYNTAX_UID: Tag = tags::TRANSFER_SYNTAX_UID;
/// (0002,0012) Implementation Class UID.
pub const IMPLEMENTATION_CLASS_UID: Tag = tags::IMPLEMENTATION_CLASS_UID;
/// (0002,0013) Implementation Version Name.
pub const IMPLEMENTATION_VERSION_NAME: Tag = tags::IMPLEMENTATION_VERSION_NAME;
/// (0002,0102) Private Information.
pub const PRIVATE_INFORMATION: Tag = tags::PRIVATE_INFORMATION;

/// One element of the File Meta group, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaElement<'a> {
    offset: u64,
    header: DataElementHeader,
    header_len: u8,
    value: &'a [u8],
}

impl<'a> MetaElement<'a> {
    /// File offset of the element's header.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The decoded header. In a meta group written (wrongly) in implicit VR, the VR is the
    /// one the standard assigns to the tag.
    pub fn header(&self) -> DataElementHeader {
        self.header
    }

    /// The element's tag.
    pub fn tag(&self) -> Tag {
        self.header.tag
    }

    /// The element's value representation.
    pub fn vr(&self) -> VR {
        self.header.vr
    }

    /// File offset of the value's first byte.
    pub fn value_offset(&self) -> u64 {
        self.offset.saturating_add(u64::from(self.header_len))
    }

    /// The value bytes, padding included.
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The value as text with its trailing NUL or space padding removed, when the element's
    /// VR is a text VR and the value is UTF-8; `None` for binary values such as (0002,0001).
    pub fn text(&self) -> Option<&'a str> {
        if !is_text_vr(self.header.vr) {
            return None;
        }
        self.unpadded_text()
    }

    /// The value as text whatever the VR: the UID accessors read a UID written with a wrong
    /// VR (reported as `meta.wrong-vr`) rather than lose it.
    fn unpadded_text(&self) -> Option<&'a str> {
        let end = self
            .value
            .iter()
            .rposition(|&b| b != 0 && b != b' ')
            .map_or(0, |last| last.saturating_add(1));
        std::str::from_utf8(self.value.get(..end)?).ok()
    }
}

/// A borrowed view of a well-formed File Meta group.
///
/// Obtained from [`Inspection::meta`](crate::Inspection::meta). Every accessor points into the
/// input; nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FileMeta<'a> {
    data: &'a [u8],
    offset: u64,
    end: u64,
    explicit_vr: bool,
    group_length: Option<MetaElement<'a>>,
    transfer_syntax: Option<MetaElement<'a>>,
    sop_class: Option<MetaElement<'a>>,
    sop_instance: Option<MetaElement<'a>>,
    implementation_class: Option<MetaElement<'a>>,
    implementation_version: Option<MetaElement<'a>>,
}

impl<'a> FileMeta<'a> {
    /// File offset of the group's first element (132 in a Part 10 file).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// File offset where the data set starts: just past the last (0002,xxxx) element.
    pub fn data_set_offset(&self) -> u64 {
        self.end
    }

    /// The group's bytes, from its first element to the data set.
    pub fn bytes(&self) -> &'a [u8] {
        cursor::slice_at(self.data, self.offset, self.end.saturating_sub(self.offset))
            .unwrap_or_default()
    }

    /// Whether the group is written in Explicit VR Little Endian, as the standard requires.
    /// Some old writers used implicit VR; such groups are still read.
    pub fn is_explicit_vr(&self) -> bool {
        self.explicit_vr
    }

    /// (0002,0000) File Meta Information Group Length, as declared.
    pub fn group_length(&self) -> Option<u32> {
        let element = self.group_length?;
        (element.value.len() == 4)
            .then(|| cursor::u32_at(element.value, 0, Endian::Little))
            .flatten()
    }

    /// The (0002,0000) element itself.
    pub fn group_length_element(&self) -> Option<MetaElement<'a>> {
        self.group_length
    }

    /// The group length as measured: bytes from the end of (0002,0000) (or from the group's
    /// start, without one) to the data set.
    pub fn measured_group_length(&self) -> u64 {
        let after = self.group_length.map_or(self.offset, |e| {
            e.value_offset().saturating_add(e.value.len() as u64)
        });
        self.end.saturating_sub(after)
    }

    /// (0002,0010) Transfer Syntax UID, without padding.
    pub fn transfer_syntax_uid(&self) -> Option<&'a str> {
        self.transfer_syntax?.unpadded_text()
    }

    /// The known transfer syntax the meta group names, if any.
    pub fn transfer_syntax(&self) -> Option<&'static TransferSyntax> {
        TransferSyntax::lookup(self.transfer_syntax_uid()?)
    }

    /// (0002,0002) Media Storage SOP Class UID, without padding.
    pub fn media_storage_sop_class_uid(&self) -> Option<&'a str> {
        self.sop_class?.unpadded_text()
    }

    /// (0002,0003) Media Storage SOP Instance UID, without padding.
    pub fn media_storage_sop_instance_uid(&self) -> Option<&'a str> {
        self.sop_instance?.unpadded_text()
    }

    /// (0002,0012) Implementation Class UID, without padding.
    pub fn implementation_class_uid(&self) -> Option<&'a str> {
        self.implementation_class?.unpadded_text()
    }

    /// (0002,0013) Implementation Version Name, without padding.
    pub fn implementation_version_name(&self) -> Option<&'a str> {
        self.implementation_version?.unpadded_text()
    }

    /// The element with `tag`, if the group has it.
    pub fn element(&self, tag: Tag) -> Option<MetaElement<'a>> {
        self.elements().find(|e| e.tag() == tag)
    }

    /// Every element of the group, in file order.
    pub fn elements(&self) -> MetaElements<'a> {
        MetaElements {
            data: self.data,
            at: self.offset,
            end: self.end,
            explicit_vr: self.explicit_vr,
        }
    }
}

/// Iterator over the elements of a [`FileMeta`].
#[derive(Debug, Clone)]
pub struct MetaElements<'a> {
    data: &'a [u8],
    at: u64,
    end: u64,
    explicit_vr: bool,
}

impl<'a> Iterator for MetaElements<'a> {
    type Item = MetaElement<'a>;

    fn next(&mut self) -> Option<MetaElement<'a>> {
        if self.at >= self.end {
            return None;
        }
        let raw = decode(self.data, self.at, self.explicit_vr).ok()?;
        let element = element(self.data, self.at, raw)?;
        self.at = raw.value_end(self.at)?;
        Some(element)
    }
}

/// The VR the standard gives a File Meta element, for groups written in implicit VR.
pub(crate) fn standard_vr(tag: Tag) -> VR {
    match tag.element() {
        0x0000 => VR::UL,
        0x0001 | 0x0102 => VR::OB,
        0x0002 | 0x0003 | 0x0010 | 0x0012 | 0x0100 => VR::UI,
        0x0013 => VR::SH,
        0x0016..=0x0018 => VR::AE,
        0x0026..=0x0028 => VR::UR,
        _ => VR::UN,
    }
}

fn decode(data: &[u8], at: u64, explicit_vr: bool) -> Result<RawHeader, HeaderError> {
    if explicit_vr {
        header::decode(data, at, Encoding::ExplicitVrLittleEndian)
    } else {
        header::decode(data, at, Encoding::ImplicitVrLittleEndian)
    }
}

fn element(data: &[u8], at: u64, raw: RawHeader) -> Option<MetaElement<'_>> {
    let value = cursor::slice_at(data, raw.value_offset(at)?, u64::from(raw.len))?;
    Some(MetaElement {
        offset: at,
        header: DataElementHeader::new(
            raw.tag,
            raw.vr.unwrap_or_else(|| standard_vr(raw.tag)),
            Length(raw.len),
        ),
        header_len: raw.header_len,
        value,
    })
}

/// Progress of a parse over a prefix of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed<T> {
    Done(T),
    /// The prefix must grow to this many bytes (never more than the input's length).
    NeedMore(u64),
}

/// Parses the meta group starting at `start` in `data`, a prefix of an input of `file_len`
/// bytes. Over a complete input it never returns `NeedMore`.
pub(crate) fn parse<'a>(
    data: &'a [u8],
    start: u64,
    file_len: u64,
    limits: &Limits,
) -> Result<Parsed<FileMeta<'a>>, Error> {
    let need = |end: u64| Parsed::NeedMore(end.min(file_len));
    let mut meta = FileMeta {
        data,
        offset: start,
        end: start,
        explicit_vr: true,
        group_length: None,
        transfer_syntax: None,
        sop_class: None,
        sop_instance: None,
        implementation_class: None,
        implementation_version: None,
    };
    let mut at = start;
    while at < file_len {
        let first = at == start;
        let available = file_len.saturating_sub(at);
        if (data.len() as u64) < at.saturating_add(8).min(file_len) {
            return Ok(need(at.saturating_add(8)));
        }
        let truncated = |needed: u64| Error::Truncated {
            offset: at,
            structure: Structure::ElementHeader,
            needed,
            available,
        };
        let Some(tag) = header::tag_at(data, at, Endian::Little) else {
            if first {
                return Err(truncated(8));
            }
            break;
        };
        if tag.group() != 0x0002 {
            if first {
                return Err(Error::MissingMeta {
                    offset: at,
                    found: tag,
                });
            }
            break;
        }
        if first {
            meta.explicit_vr = looks_explicit(data, at);
        }
        let raw = match decode(data, at, meta.explicit_vr) {
            Ok(raw) => raw,
            Err(HeaderError::Short { needed }) if available < u64::from(needed) => {
                return Err(truncated(u64::from(needed)))
            }
            Err(HeaderError::Short { needed }) => {
                return Ok(need(at.saturating_add(u64::from(needed))))
            }
            Err(HeaderError::InvalidVr { tag, bytes }) => {
                return Err(Error::InvalidVr {
                    offset: at,
                    tag,
                    vr: VrBytes(bytes),
                })
            }
        };
        if raw.len == UNDEFINED {
            return Err(Error::UndefinedLength { offset: at, tag });
        }
        let end = raw
            .value_end(at)
            .filter(|end| *end <= file_len)
            .ok_or(Error::LengthPastEnd {
                offset: at,
                tag,
                length: raw.len,
                end: file_len,
            })?;
        if end.saturating_sub(start) > limits.max_meta_length {
            return Err(Error::LimitExceeded {
                offset: at,
                limit: LimitKind::MetaLength,
                max: limits.max_meta_length,
            });
        }
        if (data.len() as u64) < end {
            return Ok(need(end.saturating_add(8)));
        }
        let Some(el) = element(data, at, raw) else {
            return Ok(need(end));
        };
        let slot = match tag {
            GROUP_LENGTH => Some(&mut meta.group_length),
            TRANSFER_SYNTAX_UID => Some(&mut meta.transfer_syntax),
            MEDIA_STORAGE_SOP_CLASS_UID => Some(&mut meta.sop_class),
            MEDIA_STORAGE_SOP_INSTANCE_UID => Some(&mut meta.sop_instance),
            IMPLEMENTATION_CLASS_UID => Some(&mut meta.implementation_class),
            IMPLEMENTATION_VERSION_NAME => Some(&mut meta.implementation_version),
            _ => None,
        };
        if let Some(slot) = slot {
            slot.get_or_insert(el);
        }
        at = end;
        meta.end = end;
        // With a plausible group length, ask for the whole group at once rather than one
        // element at a time.
        if tag == GROUP_LENGTH {
            if let Some(declared) = meta.group_length().map(u64::from) {
                let whole = end.saturating_add(declared).saturating_add(8);
                if declared <= limits.max_meta_length && (data.len() as u64) < whole.min(file_len) {
                    return Ok(need(whole));
                }
            }
        }
    }
    Ok(Parsed::Done(meta))
}

/// Whether the meta element at `at` has a VR, as it should; implicit VR groups carry the low
/// bytes of a 32-bit length there instead.
fn looks_explicit(data: &[u8], at: u64) -> bool {
    let vr = at
        .checked_add(4)
        .and_then(|o| cursor::array_at::<2>(data, o));
    vr.is_none_or(|bytes| header::vr_from_bytes(bytes).is_some())
}

/// Whether a File Meta element header plausibly starts at `at`: group 0002, a known element
/// number range and a valid explicit VR.
pub(crate) fn plausible_at(data: &[u8], at: u64) -> bool {
    let Some(tag) = header::tag_at(data, at, Endian::Little) else {
        return false;
    };
    tag.group() == 0x0002
        && tag.element() <= 0x0102
        && matches!(header::decode(data, at, Encoding::ExplicitVrLittleEndian), Ok(raw) if raw.len != UNDEFINED)
}

/// Whether values of `vr` are character strings.
fn is_text_vr(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UI
            | VR::UR
            | VR::UT
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Explicit VR LE meta element bytes.
    pub(crate) fn el(element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = vec![0x02, 0x00];
        out.extend_from_slice(&element.to_le_bytes());
        out.extend_from_slice(vr);
        if matches!(vr, b"OB" | b"UN") {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    fn group(ts: &[u8]) -> Vec<u8> {
        let mut body = el(0x0001, b"OB", &[0, 1]);
        body.extend(el(0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0"));
        body.extend(el(0x0003, b"UI", b"1.2.3.4"));
        body.extend(el(0x0010, b"UI", ts));
        body.extend(el(0x0012, b"UI", b"1.2.3.4.5.6"));
        body.extend(el(0x0013, b"SH", b"TEST 1.0"));
        let mut out = el(0x0000, b"UL", &(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    fn done(parsed: Parsed<FileMeta<'_>>) -> FileMeta<'_> {
        match parsed {
            Parsed::Done(meta) => meta,
            Parsed::NeedMore(n) => panic!("needs {n} bytes"),
        }
    }

    #[test]
    fn reads_every_field_with_offsets() {
        let mut data = group(b"1.2.840.10008.1.2.1\0");
        let data_set = data.len() as u64;
        data.extend_from_slice(b"\x08\x00\x16\x00UI\x02\x001\0");
        let meta = done(parse(&data, 0, data.len() as u64, &Limits::default()).unwrap());
        assert_eq!(meta.data_set_offset(), data_set);
        assert_eq!(meta.group_length(), Some((data_set - 12) as u32));
        assert_eq!(meta.measured_group_length(), data_set - 12);
        assert_eq!(meta.transfer_syntax_uid(), Some("1.2.840.10008.1.2.1"));
        assert_eq!(
            meta.transfer_syntax().unwrap().name,
            "Explicit VR Little Endian"
        );
        assert_eq!(
            meta.media_storage_sop_class_uid(),
            Some("1.2.840.10008.5.1.4.1.1.7")
        );
        assert_eq!(meta.media_storage_sop_instance_uid(), Some("1.2.3.4"));
        assert_eq!(meta.implementation_class_uid(), Some("1.2.3.4.5.6"));
        assert_eq!(meta.implementation_version_name(), Some("TEST 1.0"));
        assert!(meta.is_explicit_vr());
        let ts = meta.element(TRANSFER_SYNTAX_UID).unwrap();
        assert_eq!(&data[ts.offset() as usize..][..4], b"\x02\x00\x10\x00");
        assert_eq!(meta.elements().count(), 7);
        assert_eq!(meta.bytes().len() as u64, data_set);
    }

    #[test]
    fn reports_hostile_lengths_without_allocating() {
        let mut data = el(0x0000, b"UL", &4u32.to_le_bytes());
        data.extend_from_slice(b"\x02\x00\x01\x00OB\0\0\xf0\xff\xff\xff");
        let err = parse(&data, 0, data.len() as u64, &Limits::default()).unwrap_err();
        assert_eq!(
            err,
            Error::LengthPastEnd {
                offset: 12,
                tag: INFORMATION_VERSION,
                length: 0xFFFF_FFF0,
                end: 24
            }
        );
        let undefined = b"\x02\x00\x01\x00OB\0\0\xff\xff\xff\xff";
        assert_eq!(
            parse(undefined, 0, 12, &Limits::default()).unwrap_err(),
            Error::UndefinedLength {
                offset: 0,
                tag: INFORMATION_VERSION
            }
        );
    }

    #[test]
    fn missing_and_truncated_groups() {
        assert_eq!(
            parse(b"\x08\x00\x05\x00CS\0\0", 0, 8, &Limits::default()).unwrap_err(),
            Error::MissingMeta {
                offset: 0,
                found: Tag(8, 5)
            }
        );
        assert_eq!(
            parse(b"\x02\x00\x00", 0, 3, &Limits::default()).unwrap_err(),
            Error::Truncated {
                offset: 0,
                structure: Structure::ElementHeader,
                needed: 8,
                available: 3
            }
        );
        assert!(matches!(
            parse(b"\x02\x00\x00\x00zz\x04\x00", 0, 8, &Limits::default()),
            Ok(Parsed::Done(_)) | Err(Error::InvalidVr { .. }) | Err(Error::LengthPastEnd { .. })
        ));
    }

    #[test]
    fn limit_applies() {
        let data = group(b"1.2.840.10008.1.2.1\0");
        let limits = Limits {
            max_meta_length: 40,
            ..Limits::default()
        };
        assert!(matches!(
            parse(&data, 0, data.len() as u64, &limits),
            Err(Error::LimitExceeded {
                limit: LimitKind::MetaLength,
                ..
            })
        ));
    }

    #[test]
    fn prefix_parsing_asks_for_more() {
        let data = group(b"1.2.840.10008.1.2\0");
        let len = data.len() as u64;
        // Every prefix either asks for more bytes or, once complete, agrees with the full parse.
        let full = done(parse(&data, 0, len, &Limits::default()).unwrap());
        let mut prefix = 0u64;
        let mut rounds = 0;
        loop {
            match parse(&data[..prefix as usize], 0, len, &Limits::default()).unwrap() {
                Parsed::NeedMore(n) => {
                    assert!(n > prefix && n <= len);
                    prefix = n;
                }
                Parsed::Done(meta) => {
                    assert_eq!(meta.data_set_offset(), full.data_set_offset());
                    break;
                }
            }
            rounds += 1;
        }
        // The group length lets the parser ask for the whole group in one step.
        assert!(rounds <= 3, "{rounds} rounds");
    }

    #[test]
    fn implicit_vr_group_is_read() {
        let mut data = Vec::new();
        for (element, value) in [
            (0x0000u16, &4u32.to_le_bytes()[..]),
            (0x0010, b"1.2.840.10008.1.2\0"),
        ] {
            data.extend_from_slice(&[2, 0]);
            data.extend_from_slice(&element.to_le_bytes());
            data.extend_from_slice(&(value.len() as u32).to_le_bytes());
            data.extend_from_slice(value);
        }
        let meta = done(parse(&data, 0, data.len() as u64, &Limits::default()).unwrap());
        assert!(!meta.is_explicit_vr());
        assert_eq!(meta.transfer_syntax_uid(), Some("1.2.840.10008.1.2"));
        assert_eq!(meta.element(TRANSFER_SYNTAX_UID).unwrap().vr(), VR::UI);
    }
}
