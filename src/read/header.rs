//! Decoding one element header, in any of the three encodings, without touching its value.

use dicom_core::{Tag, VR};

use crate::read::cursor::{self, Endian};
use crate::read::encoding::Encoding;

/// The undefined length marker.
pub(crate) const UNDEFINED: u32 = 0xFFFF_FFFF;

/// A decoded header, before any interpretation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawHeader {
    pub(crate) tag: Tag,
    /// The VR written in the header; `None` for implicit VR and for item and delimiter tags.
    pub(crate) vr: Option<VR>,
    /// The declared value length (`UNDEFINED` for undefined length).
    pub(crate) len: u32,
    /// Bytes of the header: 8 or 12.
    pub(crate) header_len: u8,
}

impl RawHeader {
    /// Offset just past the header.
    pub(crate) fn value_offset(&self, at: u64) -> Option<u64> {
        at.checked_add(u64::from(self.header_len))
    }

    /// Offset just past the value, when the length is defined.
    pub(crate) fn value_end(&self, at: u64) -> Option<u64> {
        if self.len == UNDEFINED {
            return None;
        }
        self.value_offset(at)?.checked_add(u64::from(self.len))
    }
}

/// Why a header could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// Fewer bytes remain than the header needs (`needed` from `at`).
    Short { needed: u8 },
    /// The VR bytes of an explicit VR header are not a VR.
    InvalidVr { tag: Tag, bytes: [u8; 2] },
}

/// Whether an explicit VR header for `vr` uses the 12-byte form (2 reserved bytes, 32-bit length).
#[inline]
pub(crate) fn has_long_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB
            | VR::OD
            | VR::OF
            | VR::OL
            | VR::OV
            | VR::OW
            | VR::SQ
            | VR::SV
            | VR::UC
            | VR::UN
            | VR::UR
            | VR::UT
            | VR::UV
    )
}

/// Where a VR's two letters are kept in [`VR_TABLE`]: the low five bits of each, which tell
/// the 26 capital letters apart.
const fn vr_index(a: u8, b: u8) -> usize {
    (((a & 0x1F) as usize) << 5) | ((b & 0x1F) as usize)
}

/// Every VR with its two letters, at [`vr_index`] of them; other slots hold no VR.
// Indexing in a const initialiser cannot fail at run time: an out-of-range index would stop the
// build.
#[allow(clippy::indexing_slicing)]
static VR_TABLE: [(u16, Option<VR>); 1024] = {
    let mut table = [(0u16, None); 1024];
    let all: [(u8, u8, VR); 34] = [
        (b'A', b'E', VR::AE),
        (b'A', b'S', VR::AS),
        (b'A', b'T', VR::AT),
        (b'C', b'S', VR::CS),
        (b'D', b'A', VR::DA),
        (b'D', b'S', VR::DS),
        (b'D', b'T', VR::DT),
        (b'F', b'L', VR::FL),
        (b'F', b'D', VR::FD),
        (b'I', b'S', VR::IS),
        (b'L', b'O', VR::LO),
        (b'L', b'T', VR::LT),
        (b'O', b'B', VR::OB),
        (b'O', b'D', VR::OD),
        (b'O', b'F', VR::OF),
        (b'O', b'L', VR::OL),
        (b'O', b'V', VR::OV),
        (b'O', b'W', VR::OW),
        (b'P', b'N', VR::PN),
        (b'S', b'H', VR::SH),
        (b'S', b'L', VR::SL),
        (b'S', b'Q', VR::SQ),
        (b'S', b'S', VR::SS),
        (b'S', b'T', VR::ST),
        (b'S', b'V', VR::SV),
        (b'T', b'M', VR::TM),
        (b'U', b'C', VR::UC),
        (b'U', b'I', VR::UI),
        (b'U', b'L', VR::UL),
        (b'U', b'N', VR::UN),
        (b'U', b'R', VR::UR),
        (b'U', b'S', VR::US),
        (b'U', b'T', VR::UT),
        (b'U', b'V', VR::UV),
    ];
    let mut i = 0;
    while i < all.len() {
        let (a, b, vr) = all[i];
        table[vr_index(a, b)] = (u16::from_le_bytes([a, b]), Some(vr));
        i += 1;
    }
    table
};

/// The VR named by two header bytes, without going through text as `VR::from_binary` does:
/// one table lookup and one comparison, as this is the walk's hottest path.
#[inline]
pub(crate) fn vr_from_bytes([a, b]: [u8; 2]) -> Option<VR> {
    match VR_TABLE.get(vr_index(a, b)) {
        Some(&(letters, vr)) if letters == u16::from_le_bytes([a, b]) => vr,
        _ => None,
    }
}

/// Reads a tag (group, element) in the given byte order.
#[inline]
pub(crate) fn tag_at(data: &[u8], at: u64, endian: Endian) -> Option<Tag> {
    let [g0, g1, e0, e1] = cursor::array_at::<4>(data, at)?;
    Some(Tag(endian.u16([g0, g1]), endian.u16([e0, e1])))
}

/// Decodes the header at `at` in `data`.
#[inline]
pub(crate) fn decode(data: &[u8], at: u64, encoding: Encoding) -> Result<RawHeader, HeaderError> {
    let endian = encoding.endian();
    let short = |needed: u8| HeaderError::Short { needed };
    let fixed = |offset: u64| at.checked_add(offset).ok_or(short(8));
    let tag = tag_at(data, at, endian).ok_or(short(8))?;
    if tag.group() == 0xFFFE || !encoding.is_explicit_vr() {
        let len = cursor::u32_at(data, fixed(4)?, endian).ok_or(short(8))?;
        return Ok(RawHeader {
            tag,
            vr: None,
            len,
            header_len: 8,
        });
    }
    let bytes = cursor::array_at::<2>(data, fixed(4)?).ok_or(short(8))?;
    let vr = vr_from_bytes(bytes).ok_or(HeaderError::InvalidVr { tag, bytes })?;
    if has_long_length(vr) {
        let len = cursor::u32_at(data, fixed(8)?, endian).ok_or(short(12))?;
        Ok(RawHeader {
            tag,
            vr: Some(vr),
            len,
            header_len: 12,
        })
    } else {
        let len = cursor::u16_at(data, fixed(6)?, endian).ok_or(short(8))?;
        Ok(RawHeader {
            tag,
            vr: Some(vr),
            len: u32::from(len),
            header_len: 8,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        let explicit_short = b"\x08\x00\x05\x00CS\x0a\x00";
        assert_eq!(
            decode(explicit_short, 0, Encoding::ExplicitVrLittleEndian),
            Ok(RawHeader {
                tag: Tag(0x0008, 0x0005),
                vr: Some(VR::CS),
                len: 10,
                header_len: 8
            })
        );
        let explicit_long = b"\xe0\x7f\x10\x00OB\0\0\xff\xff\xff\xff";
        assert_eq!(
            decode(explicit_long, 0, Encoding::ExplicitVrLittleEndian),
            Ok(RawHeader {
                tag: Tag(0x7FE0, 0x0010),
                vr: Some(VR::OB),
                len: UNDEFINED,
                header_len: 12
            })
        );
        let big = b"\x00\x08\x00\x05CS\x00\x0a";
        assert_eq!(
            decode(big, 0, Encoding::ExplicitVrBigEndian),
            Ok(RawHeader {
                tag: Tag(0x0008, 0x0005),
                vr: Some(VR::CS),
                len: 10,
                header_len: 8
            })
        );
        let implicit = b"\x08\x00\x05\x00\x0a\x00\x00\x00";
        assert_eq!(
            decode(implicit, 0, Encoding::ImplicitVrLittleEndian),
            Ok(RawHeader {
                tag: Tag(0x0008, 0x0005),
                vr: None,
                len: 10,
                header_len: 8
            })
        );
        let item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff";
        assert_eq!(
            decode(item, 0, Encoding::ExplicitVrLittleEndian),
            Ok(RawHeader {
                tag: Tag(0xFFFE, 0xE000),
                vr: None,
                len: UNDEFINED,
                header_len: 8
            })
        );
    }

    #[test]
    fn vr_bytes_agree_with_dicom_core() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(
                    vr_from_bytes([a, b]),
                    VR::from_binary([a, b]),
                    "{a:02X} {b:02X}"
                );
            }
        }
    }

    #[test]
    fn short_and_invalid_headers() {
        assert_eq!(
            decode(b"\x08\x00\x05", 0, Encoding::ExplicitVrLittleEndian),
            Err(HeaderError::Short { needed: 8 })
        );
        assert_eq!(
            decode(
                b"\x08\x00\x05\x00OB\0\0\x01",
                0,
                Encoding::ExplicitVrLittleEndian
            ),
            Err(HeaderError::Short { needed: 12 })
        );
        assert_eq!(
            decode(
                b"\x08\x00\x05\x00zz\0\0",
                0,
                Encoding::ExplicitVrLittleEndian
            ),
            Err(HeaderError::InvalidVr {
                tag: Tag(8, 5),
                bytes: *b"zz"
            })
        );
        assert_eq!(
            decode(&[0; 8], u64::MAX, Encoding::ImplicitVrLittleEndian),
            Err(HeaderError::Short { needed: 8 })
        );
    }

    #[test]
    fn vr_table_knows_every_vr_and_nothing_else() {
        let mut known = 0;
        for a in 0..=u8::MAX {
            for b in 0..=u8::MAX {
                let ours = vr_from_bytes([a, b]);
                // dicom-core's own reading of the two bytes, for every VR it names.
                let theirs = VR::from_binary([a, b]);
                assert_eq!(ours, theirs, "{a:#04x} {b:#04x}");
                known += usize::from(ours.is_some());
            }
        }
        assert_eq!(known, 34);
    }
}
