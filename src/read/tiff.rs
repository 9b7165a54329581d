//! TIFF and BigTIFF headers in the preamble: the one non-zero preamble the standard blesses.
//!
//! Dual-personality DICOM-TIFF files (whole-slide imaging) put a TIFF header in the preamble and
//! the IFD chain in the data set, usually in the value of (FFFC,FFFC) Data Set Trailing Padding.
//! The check here is deliberately strict:
//!
//! 1. the preamble starts with one of the four header forms and every byte after the header is
//!    zero; a TIFF magic followed by anything else is a masquerade;
//! 2. the header is *functional* only when the first IFD lies past byte 132 and inside the file,
//!    and the IFD chain parses within [`Limits`] (bounded entry counts and chain
//!    length, no cycles, and every IFD's strips or tiles inside the file).
//!    Otherwise it is *dangling*: a vestigial header many writers leave behind, harmless but
//!    useless.

use std::fmt;

use crate::error::Error;
use crate::limits::Limits;
use crate::read::cursor::{self, Endian};
use crate::read::probe::{Miss, Probe};

/// Classic TIFF or BigTIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum TiffVariant {
    /// 32-bit offsets, 8-byte header.
    Classic,
    /// 64-bit offsets, 16-byte header.
    BigTiff,
}

/// Byte order of a TIFF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum ByteOrder {
    /// `II`.
    LittleEndian,
    /// `MM`.
    BigEndian,
}

impl ByteOrder {
    fn endian(self) -> Endian {
        match self {
            ByteOrder::LittleEndian => Endian::Little,
            ByteOrder::BigEndian => Endian::Big,
        }
    }
}

/// A TIFF header found in a preamble whose remaining bytes are all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TiffHeader {
    /// Classic or BigTIFF.
    pub variant: TiffVariant,
    /// Byte order.
    pub byte_order: ByteOrder,
    /// File offset of the first IFD.
    pub ifd_offset: u64,
}

/// What a preamble's first bytes say about TIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderMatch {
    /// No TIFF magic.
    None,
    /// A strict header form, rest zero.
    Header(TiffHeader),
    /// A TIFF magic followed by bytes no header form allows.
    Masquerade,
}

const FORMS: [(&[u8], TiffVariant, ByteOrder); 4] = [
    (
        &[0x49, 0x49, 0x2A, 0x00],
        TiffVariant::Classic,
        ByteOrder::LittleEndian,
    ),
    (
        &[0x4D, 0x4D, 0x00, 0x2A],
        TiffVariant::Classic,
        ByteOrder::BigEndian,
    ),
    (
        &[0x49, 0x49, 0x2B, 0x00, 0x08, 0x00, 0x00, 0x00],
        TiffVariant::BigTiff,
        ByteOrder::LittleEndian,
    ),
    (
        &[0x4D, 0x4D, 0x00, 0x2B, 0x00, 0x08, 0x00, 0x00],
        TiffVariant::BigTiff,
        ByteOrder::BigEndian,
    ),
];

impl TiffVariant {
    fn header_len(self) -> u64 {
        match self {
            TiffVariant::Classic => 8,
            TiffVariant::BigTiff => 16,
        }
    }

    /// Bytes of an IFD entry count, an entry, and an offset.
    fn sizes(self) -> (u64, u64, u64) {
        match self {
            TiffVariant::Classic => (2, 12, 4),
            TiffVariant::BigTiff => (8, 20, 8),
        }
    }
}

impl TiffHeader {
    /// Matches the preamble against the four header forms.
    pub(crate) fn parse(preamble: &[u8; 128]) -> HeaderMatch {
        let form = FORMS.iter().find(|(magic, ..)| preamble.starts_with(magic));
        let Some(&(_, variant, byte_order)) = form else {
            let magic = cursor::slice_at(preamble, 0, 4);
            return if matches!(magic, Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+")) {
                HeaderMatch::Masquerade
            } else {
                HeaderMatch::None
            };
        };
        let endian = byte_order.endian();
        let ifd_offset = match variant {
            TiffVariant::Classic => cursor::u32_at(preamble, 4, endian).map(u64::from),
            TiffVariant::BigTiff => cursor::u64_at(preamble, 8, endian),
        };
        let tail = cursor::tail_at(preamble, variant.header_len());
        match (ifd_offset, tail) {
            (Some(ifd_offset), Some(tail)) if tail.iter().all(|&b| b == 0) => {
                HeaderMatch::Header(TiffHeader {
                    variant,
                    byte_order,
                    ifd_offset,
                })
            }
            _ => HeaderMatch::Masquerade,
        }
    }

    /// Follows the IFD chain through `probe` and grades the header.
    pub(crate) fn grade(&self, probe: &mut Probe<'_>, limits: &Limits) -> Result<TiffGrade, Error> {
        match walk_ifds(self, probe, limits) {
            Ok(()) => Ok(TiffGrade::Functional),
            Err(Stop::Defect(defect)) => Ok(TiffGrade::Dangling(defect)),
            Err(Stop::Io(err)) => Err(err),
        }
    }
}

/// Whether a TIFF header is usable by a TIFF reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "grade", content = "defect", rename_all = "kebab-case")
)]
pub enum TiffGrade {
    /// The IFD chain is in the data set and every image's strips or tiles are in the file.
    Functional,
    /// A vestigial header: the IFD chain is missing or unusable, for the reason given.
    Dangling(TiffDefect),
}

/// Why a TIFF header is dangling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "reason", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum TiffDefect {
    /// The first-IFD offset is zero.
    NoIfd,
    /// An IFD starts within the first 132 bytes (preamble and magic).
    IfdInHeader {
        /// The IFD's offset.
        offset: u64,
    },
    /// An IFD or its entries run past the end of the file.
    IfdOutsideFile {
        /// The IFD's offset.
        offset: u64,
    },
    /// An IFD has no entries, or more than [`Limits::max_tiff_entries`](crate::Limits).
    EntryCount {
        /// The IFD's offset.
        offset: u64,
        /// The entry count it declares.
        count: u64,
    },
    /// The chain is longer than [`Limits::max_tiff_ifds`](crate::Limits).
    TooManyIfds,
    /// The chain comes back to an IFD it already visited.
    Cycle {
        /// The IFD visited twice.
        offset: u64,
    },
    /// An IFD has neither strips nor tiles, or offset and byte-count arrays that do not match.
    NoImageData {
        /// The IFD's offset.
        offset: u64,
    },
    /// A strip or tile lies outside the file.
    ImageDataOutsideFile {
        /// The IFD's offset.
        offset: u64,
    },
    /// Checking the chain would read more than [`Limits::max_probe_bytes`](crate::Limits) or
    /// more than [`Limits::max_tiff_values`](crate::Limits) values.
    LimitReached,
}

impl fmt::Display for TiffDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TiffDefect::NoIfd => f.write_str("the first IFD offset is zero"),
            TiffDefect::IfdInHeader { offset } => {
                write!(f, "IFD at offset {offset} lies within the 132-byte header")
            }
            TiffDefect::IfdOutsideFile { offset } => {
                write!(f, "IFD at offset {offset} lies outside the file")
            }
            TiffDefect::EntryCount { offset, count } => {
                write!(f, "IFD at offset {offset} declares {count} entries")
            }
            TiffDefect::TooManyIfds => f.write_str("the IFD chain is longer than the limit"),
            TiffDefect::Cycle { offset } => {
                write!(f, "the IFD chain loops back to offset {offset}")
            }
            TiffDefect::NoImageData { offset } => {
                write!(f, "IFD at offset {offset} has no usable strips or tiles")
            }
            TiffDefect::ImageDataOutsideFile { offset } => {
                write!(
                    f,
                    "IFD at offset {offset} has strips or tiles outside the file"
                )
            }
            TiffDefect::LimitReached => f.write_str("checking the IFD chain reached a limit"),
        }
    }
}

enum Stop {
    Defect(TiffDefect),
    Io(Error),
}

/// Converts a failed probe read at an IFD into the defect it means.
fn miss(miss: Miss, outside: TiffDefect) -> Stop {
    match miss {
        Miss::OutOfBounds => Stop::Defect(outside),
        Miss::Budget => Stop::Defect(TiffDefect::LimitReached),
        Miss::Io(err) => Stop::Io(err),
    }
}

const STRIP_OFFSETS: u16 = 273;
const STRIP_BYTE_COUNTS: u16 = 279;
const TILE_OFFSETS: u16 = 324;
const TILE_BYTE_COUNTS: u16 = 325;

/// An IFD entry holding an array of unsigned integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    /// Bytes per value: 2, 4 or 8.
    size: u8,
    count: u64,
    /// The entry's value field, when the array fits in it.
    inline: [u8; 8],
    /// Where the array lies otherwise.
    offset: Option<u64>,
}

fn walk_ifds(header: &TiffHeader, probe: &mut Probe<'_>, limits: &Limits) -> Result<(), Stop> {
    let endian = header.byte_order.endian();
    let (count_len, entry_len, offset_len) = header.variant.sizes();
    let mut visited: Vec<u64> = Vec::new();
    let mut offset = header.ifd_offset;
    if offset == 0 {
        return Err(Stop::Defect(TiffDefect::NoIfd));
    }
    while offset != 0 {
        if offset < 132 {
            return Err(Stop::Defect(TiffDefect::IfdInHeader { offset }));
        }
        match visited.binary_search(&offset) {
            Ok(_) => return Err(Stop::Defect(TiffDefect::Cycle { offset })),
            Err(_) if visited.len() >= limits.max_tiff_ifds as usize => {
                return Err(Stop::Defect(TiffDefect::TooManyIfds))
            }
            Err(at) => visited.insert(at, offset),
        }
        let outside = TiffDefect::IfdOutsideFile { offset };
        let count = read_uint(probe, offset, count_len, endian).map_err(|m| miss(m, outside))?;
        if count == 0 || count > u64::from(limits.max_tiff_entries) {
            return Err(Stop::Defect(TiffDefect::EntryCount { offset, count }));
        }
        // count <= max_tiff_entries (u32) and entry_len <= 20: no overflow in u64.
        let entries = offset.checked_add(count_len).ok_or(Stop::Defect(outside))?;
        let next_at = count
            .checked_mul(entry_len)
            .and_then(|len| entries.checked_add(len))
            .ok_or(Stop::Defect(outside))?;
        let next = read_uint(probe, next_at, offset_len, endian).map_err(|m| miss(m, outside))?;
        check_image_data(header, probe, limits, offset, entries, count)?;
        offset = next;
    }
    Ok(())
}

/// Reads an unsigned integer of 2, 4 or 8 bytes.
fn read_uint(probe: &mut Probe<'_>, offset: u64, len: u64, endian: Endian) -> Result<u64, Miss> {
    Ok(match len {
        2 => u64::from(endian.u16(probe.array(offset)?)),
        4 => u64::from(endian.u32(probe.array(offset)?)),
        _ => endian.u64(probe.array(offset)?),
    })
}

/// Finds the strip or tile arrays of the IFD at `ifd` and checks every range lies in the file.
fn check_image_data(
    header: &TiffHeader,
    probe: &mut Probe<'_>,
    limits: &Limits,
    ifd: u64,
    entries: u64,
    count: u64,
) -> Result<(), Stop> {
    let endian = header.byte_order.endian();
    let (_, entry_len, _) = header.variant.sizes();
    let outside = TiffDefect::IfdOutsideFile { offset: ifd };
    // The whole entry table in one read: `count` is at most `max_tiff_entries`, and the
    // caller checked that the table lies inside the input.
    let table_len = count
        .checked_mul(entry_len)
        .and_then(|len| usize::try_from(len).ok())
        .ok_or(Stop::Defect(outside))?;
    let mut table = vec![0u8; table_len];
    probe
        .read_into(entries, &mut table)
        .map_err(|m| miss(m, outside))?;
    let mut fields: [Option<Field>; 4] = [None; 4];
    for entry in table.chunks_exact(entry_len as usize) {
        let Some(tag) = cursor::u16_at(entry, 0, endian) else {
            continue;
        };
        let slot = match tag {
            STRIP_OFFSETS => 0,
            STRIP_BYTE_COUNTS => 1,
            TILE_OFFSETS => 2,
            TILE_BYTE_COUNTS => 3,
            _ => continue,
        };
        if let Some(place) = fields.get_mut(slot) {
            *place = parse_field(header, entry);
        }
    }
    let no_image = Stop::Defect(TiffDefect::NoImageData { offset: ifd });
    let (offsets, counts) = match fields {
        [Some(o), Some(c), None, None] | [None, None, Some(o), Some(c)] => (o, c),
        _ => return Err(no_image),
    };
    if offsets.count != counts.count || offsets.count == 0 {
        return Err(no_image);
    }
    if offsets.count > limits.max_tiff_values {
        return Err(Stop::Defect(TiffDefect::LimitReached));
    }
    let mut offsets = Values::new(offsets);
    let mut counts = Values::new(counts);
    let file_len = probe.len();
    for _ in 0..offsets.field.count {
        let start = offsets.next(probe, endian)?;
        let len = counts.next(probe, endian)?;
        if !cursor::range_within(start, len, file_len) {
            return Err(Stop::Defect(TiffDefect::ImageDataOutsideFile {
                offset: ifd,
            }));
        }
    }
    Ok(())
}

/// Decodes an entry whose type is SHORT, LONG or LONG8.
fn parse_field(header: &TiffHeader, entry: &[u8]) -> Option<Field> {
    let endian = header.byte_order.endian();
    let size: u8 = match cursor::u16_at(entry, 2, endian)? {
        3 => 2,
        4 => 4,
        16 => 8,
        _ => return None,
    };
    let (count, value_field) = match header.variant {
        TiffVariant::Classic => (
            u64::from(cursor::u32_at(entry, 4, endian)?),
            cursor::slice_at(entry, 8, 4)?,
        ),
        TiffVariant::BigTiff => (
            cursor::u64_at(entry, 4, endian)?,
            cursor::slice_at(entry, 12, 8)?,
        ),
    };
    let mut inline = [0u8; 8];
    inline
        .get_mut(..value_field.len())?
        .copy_from_slice(value_field);
    let fits = count
        .checked_mul(u64::from(size))
        .is_some_and(|len| len <= value_field.len() as u64);
    let offset = if fits {
        None
    } else {
        Some(match header.variant {
            TiffVariant::Classic => u64::from(cursor::u32_at(value_field, 0, endian)?),
            TiffVariant::BigTiff => cursor::u64_at(value_field, 0, endian)?,
        })
    };
    Some(Field {
        size,
        count,
        inline,
        offset,
    })
}

/// Sequential reader over a field's values, fetching out-of-line arrays in chunks.
struct Values {
    field: Field,
    index: u64,
    chunk: [u8; CHUNK],
    /// Index of the first value held in `chunk`, and how many it holds.
    chunk_start: u64,
    chunk_values: u64,
}

const CHUNK: usize = 8 * 1024;

impl Values {
    fn new(field: Field) -> Self {
        Values {
            field,
            index: 0,
            chunk: [0; CHUNK],
            chunk_start: 0,
            chunk_values: 0,
        }
    }

    fn next(&mut self, probe: &mut Probe<'_>, endian: Endian) -> Result<u64, Stop> {
        let limit = || Stop::Defect(TiffDefect::LimitReached);
        let size = u64::from(self.field.size);
        let index = self.index;
        self.index = index.saturating_add(1);
        let (bytes, position): (&[u8], u64) = match self.field.offset {
            None => (&self.field.inline, index),
            Some(array) => {
                let position = index
                    .checked_sub(self.chunk_start)
                    .filter(|p| *p < self.chunk_values);
                let position = match position {
                    Some(position) => position,
                    None => {
                        self.refill(probe, array, index)?;
                        0
                    }
                };
                (&self.chunk, position)
            }
        };
        let at = position.checked_mul(size).ok_or_else(limit)?;
        let value = match self.field.size {
            2 => cursor::u16_at(bytes, at, endian).map(u64::from),
            4 => cursor::u32_at(bytes, at, endian).map(u64::from),
            _ => cursor::u64_at(bytes, at, endian),
        };
        value.ok_or_else(limit)
    }

    /// Loads the chunk of the out-of-line array at `array` that starts with value `index`.
    fn refill(&mut self, probe: &mut Probe<'_>, array: u64, index: u64) -> Result<(), Stop> {
        let limit = || Stop::Defect(TiffDefect::LimitReached);
        let size = u64::from(self.field.size);
        let per_chunk = (CHUNK as u64).checked_div(size).ok_or_else(limit)?;
        let values = per_chunk.min(self.field.count.saturating_sub(index));
        let at = index
            .checked_mul(size)
            .and_then(|rel| array.checked_add(rel))
            .ok_or_else(limit)?;
        let len = usize::try_from(values.saturating_mul(size)).map_err(|_| limit())?;
        let buf = self.chunk.get_mut(..len).ok_or_else(limit)?;
        probe
            .read_into(at, buf)
            .map_err(|m| miss(m, TiffDefect::ImageDataOutsideFile { offset: array }))?;
        self.chunk_start = index;
        self.chunk_values = values;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn preamble(header: &[u8]) -> [u8; 128] {
        let mut p = [0u8; 128];
        p[..header.len()].copy_from_slice(header);
        p
    }

    #[test]
    fn the_four_header_forms() {
        let cases: [(&[u8], TiffVariant, ByteOrder, u64); 4] = [
            (
                b"II*\0\x10\x02\0\0",
                TiffVariant::Classic,
                ByteOrder::LittleEndian,
                0x210,
            ),
            (
                b"MM\0*\0\0\x02\x10",
                TiffVariant::Classic,
                ByteOrder::BigEndian,
                0x210,
            ),
            (
                b"II+\0\x08\0\0\0\x10\x02\0\0\0\0\0\0",
                TiffVariant::BigTiff,
                ByteOrder::LittleEndian,
                0x210,
            ),
            (
                b"MM\0+\0\x08\0\0\0\0\0\0\0\0\x02\x10",
                TiffVariant::BigTiff,
                ByteOrder::BigEndian,
                0x210,
            ),
        ];
        for (bytes, variant, byte_order, ifd_offset) in cases {
            assert_eq!(
                TiffHeader::parse(&preamble(bytes)),
                HeaderMatch::Header(TiffHeader {
                    variant,
                    byte_order,
                    ifd_offset
                })
            );
            // Any non-zero byte after the header makes it a masquerade, wherever it is.
            for at in bytes.len()..128 {
                let mut p = preamble(bytes);
                p[at] = 1;
                assert_eq!(TiffHeader::parse(&p), HeaderMatch::Masquerade, "byte {at}");
            }
        }
    }

    #[test]
    fn near_miss_headers() {
        assert_eq!(TiffHeader::parse(&[0; 128]), HeaderMatch::None);
        assert_eq!(TiffHeader::parse(&preamble(b"II")), HeaderMatch::None);
        // "II*" padded with zeros is a header with a zero IFD offset.
        assert!(
            matches!(TiffHeader::parse(&preamble(b"II*")), HeaderMatch::Header(h) if h.ifd_offset == 0)
        );
        assert_eq!(TiffHeader::parse(&preamble(b"MM*\0")), HeaderMatch::None);
        // BigTIFF with a wrong offset size.
        assert_eq!(
            TiffHeader::parse(&preamble(b"II+\0\x04\0\0\0")),
            HeaderMatch::Masquerade
        );
        assert_eq!(
            TiffHeader::parse(&preamble(b"MM\0+\0\x08\0\x01")),
            HeaderMatch::Masquerade
        );
    }

    /// A classic little-endian TIFF file: header in a zero preamble, `DICM`, then IFDs.
    struct TiffFile {
        data: Vec<u8>,
    }

    impl TiffFile {
        fn new(len: usize) -> Self {
            let mut data = vec![0u8; len];
            data[128..132].copy_from_slice(b"DICM");
            TiffFile { data }
        }

        fn header(&mut self, ifd: u32) -> TiffHeader {
            self.data[..4].copy_from_slice(b"II*\0");
            self.data[4..8].copy_from_slice(&ifd.to_le_bytes());
            match TiffHeader::parse(self.data[..128].try_into().unwrap()) {
                HeaderMatch::Header(h) => h,
                other => panic!("{other:?}"),
            }
        }

        /// Writes an IFD at `at` with `entries` (tag, type, count, value) and a next pointer.
        fn ifd(&mut self, at: usize, entries: &[(u16, u16, u32, u32)], next: u32) {
            let mut out = (entries.len() as u16).to_le_bytes().to_vec();
            for (tag, ty, count, value) in entries {
                out.extend_from_slice(&tag.to_le_bytes());
                out.extend_from_slice(&ty.to_le_bytes());
                out.extend_from_slice(&count.to_le_bytes());
                out.extend_from_slice(&value.to_le_bytes());
            }
            out.extend_from_slice(&next.to_le_bytes());
            self.data[at..at + out.len()].copy_from_slice(&out);
        }

        fn grade(&self, header: &TiffHeader, limits: &Limits) -> TiffGrade {
            let mut src: &[u8] = &self.data;
            let mut probe = Probe::new(&mut src, limits.max_probe_bytes);
            header.grade(&mut probe, limits).unwrap()
        }
    }

    fn strip(offset: u32, len: u32) -> [(u16, u16, u32, u32); 2] {
        [
            (STRIP_OFFSETS, 4, 1, offset),
            (STRIP_BYTE_COUNTS, 4, 1, len),
        ]
    }

    #[test]
    fn grades_every_defect() {
        let limits = Limits::default();
        let dangling = |defect| TiffGrade::Dangling(defect);

        let mut f = TiffFile::new(1024);
        let h = f.header(512);
        f.ifd(512, &strip(600, 100), 0);
        assert_eq!(f.grade(&h, &limits), TiffGrade::Functional);

        // Two IFDs, tiles in the second, an out-of-line SHORT array of strips in the first.
        let mut f = TiffFile::new(2048);
        let h = f.header(300);
        f.ifd(
            300,
            &[(STRIP_OFFSETS, 3, 3, 400), (STRIP_BYTE_COUNTS, 3, 3, 410)],
            500,
        );
        for (i, v) in [1000u16, 1100, 1200, 50, 50, 50].iter().enumerate() {
            f.data[400 + 2 * i..][..2].copy_from_slice(&v.to_le_bytes());
        }
        f.data[410..416].copy_from_slice(&[50, 0, 50, 0, 50, 0]);
        f.ifd(
            500,
            &[(TILE_OFFSETS, 4, 1, 1500), (TILE_BYTE_COUNTS, 4, 1, 548)],
            0,
        );
        assert_eq!(f.grade(&h, &limits), TiffGrade::Functional);

        let mut f = TiffFile::new(1024);
        let h = f.header(0);
        assert_eq!(f.grade(&h, &limits), dangling(TiffDefect::NoIfd));
        let h = f.header(100);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::IfdInHeader { offset: 100 })
        );
        let h = f.header(5000);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::IfdOutsideFile { offset: 5000 })
        );
        // Entries that run past the end of the file.
        let h = f.header(1020);
        f.data[1020..1022].copy_from_slice(&2u16.to_le_bytes());
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::IfdOutsideFile { offset: 1020 })
        );

        let mut f = TiffFile::new(1024);
        let h = f.header(512);
        f.ifd(512, &[], 0);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::EntryCount {
                offset: 512,
                count: 0
            })
        );
        f.data[512..514].copy_from_slice(&5000u16.to_le_bytes());
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::EntryCount {
                offset: 512,
                count: 5000
            })
        );

        // A chain that loops back to itself.
        let mut f = TiffFile::new(1024);
        let h = f.header(512);
        f.ifd(512, &strip(600, 10), 700);
        f.ifd(700, &strip(600, 10), 512);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::Cycle { offset: 512 })
        );
        let short_chain = Limits {
            max_tiff_ifds: 1,
            ..Limits::default()
        };
        assert_eq!(f.grade(&h, &short_chain), dangling(TiffDefect::TooManyIfds));

        // No image data, mismatched arrays, and strips outside the file.
        let mut f = TiffFile::new(1024);
        let h = f.header(512);
        f.ifd(512, &[(256, 3, 1, 16)], 0);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::NoImageData { offset: 512 })
        );
        f.ifd(
            512,
            &[(STRIP_OFFSETS, 4, 1, 600), (STRIP_BYTE_COUNTS, 4, 2, 700)],
            0,
        );
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::NoImageData { offset: 512 })
        );
        f.ifd(512, &strip(1000, 100), 0);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::ImageDataOutsideFile { offset: 512 })
        );
        f.ifd(512, &strip(u32::MAX, u32::MAX), 0);
        assert_eq!(
            f.grade(&h, &limits),
            dangling(TiffDefect::ImageDataOutsideFile { offset: 512 })
        );

        // A probe budget too small to read the chain.
        let mut f = TiffFile::new(1024);
        let h = f.header(512);
        f.ifd(512, &strip(600, 100), 0);
        let tight = Limits {
            max_probe_bytes: 8,
            ..Limits::default()
        };
        assert_eq!(f.grade(&h, &tight), dangling(TiffDefect::LimitReached));
    }

    #[test]
    fn bigtiff_chain_is_followed() {
        let mut data = vec![0u8; 1024];
        data[..16].copy_from_slice(b"II+\0\x08\0\0\0\0\x02\0\0\0\0\0\0");
        data[128..132].copy_from_slice(b"DICM");
        let h = match TiffHeader::parse(data[..128].try_into().unwrap()) {
            HeaderMatch::Header(h) => h,
            other => panic!("{other:?}"),
        };
        assert_eq!(h.ifd_offset, 512);
        let mut ifd = 2u64.to_le_bytes().to_vec();
        for (tag, value) in [(STRIP_OFFSETS, 800u64), (STRIP_BYTE_COUNTS, 200)] {
            ifd.extend_from_slice(&tag.to_le_bytes());
            ifd.extend_from_slice(&16u16.to_le_bytes());
            ifd.extend_from_slice(&1u64.to_le_bytes());
            ifd.extend_from_slice(&value.to_le_bytes());
        }
        ifd.extend_from_slice(&0u64.to_le_bytes());
        data[512..512 + ifd.len()].copy_from_slice(&ifd);
        let limits = Limits::default();
        let mut src: &[u8] = &data;
        let mut probe = Probe::new(&mut src, u64::MAX);
        assert_eq!(h.grade(&mut probe, &limits).unwrap(), TiffGrade::Functional);
        data[520 + 12..520 + 20].copy_from_slice(&900u64.to_le_bytes());
        let mut src: &[u8] = &data;
        let mut probe = Probe::new(&mut src, u64::MAX);
        assert_eq!(
            h.grade(&mut probe, &limits).unwrap(),
            TiffGrade::Dangling(TiffDefect::ImageDataOutsideFile { offset: 512 })
        );
    }
}
