//! Inputs shared by the benchmarks: CT-like files rebuilt from pydicom's `CT_small.dcm`
//! (explicit VR little endian, 128x128 16-bit):
//!
//! - `ct-0.5MB`: the same header rebuilt with 512x512 pseudo-random pixels;
//! - `multiframe-100MB`: the same again with Number of Frames 200 (about 100 MB of pixels).

#![allow(dead_code)] // each bench target uses part of this module

use std::path::{Path, PathBuf};

/// The template every input is rebuilt from.
const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/pydicom/CT_small.dcm"
);

/// Rows and Columns of the generated images.
pub const SIDE: u16 = 512;
/// Bytes per pixel (Bits Allocated 16).
pub const BYTES_PER_PIXEL: usize = 2;
/// Number of Frames of the multi-frame input.
pub const FRAMES: u32 = 200;

/// Offset of the File Meta Information Group Length value (after preamble, `DICM` and the
/// element's 8-byte header).
const META_GROUP_LENGTH_VALUE: usize = 140;

/// (0028,0008) Number of Frames.
const NUMBER_OF_FRAMES: (u16, u16) = (0x0028, 0x0008);
/// (0028,0010) Rows.
const ROWS: (u16, u16) = (0x0028, 0x0010);
/// (0028,0011) Columns.
const COLUMNS: (u16, u16) = (0x0028, 0x0011);
/// (7FE0,0010) Pixel Data.
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

/// One generated input.
pub struct Input {
    /// Group suffix, e.g. `ct-0.5MB`.
    pub name: &'static str,
    /// The file's bytes, also held in memory for the slice benchmark.
    pub bytes: Vec<u8>,
    /// Frames expected by the fairness check.
    pub frames: u32,
}

/// A top-level element of an explicit VR little endian data set.
struct Element {
    /// (group, element).
    tag: (u16, u16),
    /// Offset of the element's header.
    offset: usize,
    /// Header length: 8, or 12 for VRs with a 4-byte length.
    header_len: usize,
    /// Value length.
    value_len: usize,
}

impl Element {
    /// The element's VR bytes.
    fn vr<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.offset + 4..self.offset + 6]
    }

    /// The whole element: header and value.
    fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.offset..self.offset + self.header_len + self.value_len]
    }
}

fn u16_at(data: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(data[offset..offset + 2].try_into().expect("2 bytes"))
}

fn u32_at(data: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(data[offset..offset + 4].try_into().expect("4 bytes"))
}

/// Where the data set starts: after the File Meta group, whose length is the u32 at 140.
fn data_set_start(data: &[u8]) -> usize {
    assert_eq!(&data[128..132], b"DICM", "template lacks the DICM magic");
    let group_length = u32_at(data, META_GROUP_LENGTH_VALUE) as usize;
    META_GROUP_LENGTH_VALUE + 4 + group_length
}

/// Scans the top-level element headers of an explicit VR little endian data set from
/// `start` to the end of `data`. Sequences are stepped over whole, so they must have a
/// defined length (true of the template).
fn top_level_elements(data: &[u8], start: usize) -> Vec<Element> {
    let mut elements = Vec::new();
    let mut offset = start;
    while offset < data.len() {
        let tag = (u16_at(data, offset), u16_at(data, offset + 2));
        let vr = &data[offset + 4..offset + 6];
        let (header_len, value_len) = match vr {
            b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN"
            | b"UR" | b"UT" | b"UV" => (12, u32_at(data, offset + 8)),
            _ => (8, u32::from(u16_at(data, offset + 6))),
        };
        assert_ne!(value_len, u32::MAX, "undefined length at {tag:04X?}");
        let element = Element {
            tag,
            offset,
            header_len,
            value_len: value_len as usize,
        };
        offset += header_len + element.value_len;
        assert!(offset <= data.len(), "{tag:04X?} runs past the end");
        elements.push(element);
    }
    elements
}

/// An 8-byte explicit VR header (2-byte length).
fn short_header(tag: (u16, u16), vr: &[u8], len: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(8);
    header.extend_from_slice(&tag.0.to_le_bytes());
    header.extend_from_slice(&tag.1.to_le_bytes());
    header.extend_from_slice(vr);
    header.extend_from_slice(&u16::try_from(len).expect("short value").to_le_bytes());
    header
}

/// Appends `len` deterministic pseudo-random bytes (SplitMix64).
fn extend_pseudo_random(out: &mut Vec<u8>, len: usize, mut state: u64) {
    out.reserve(len);
    let mut remaining = len;
    while remaining > 0 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let word = z.to_le_bytes();
        let take = remaining.min(word.len());
        out.extend_from_slice(&word[..take]);
        remaining -= take;
    }
}

/// Rebuilds `template` with `SIDE`x`SIDE` pixels and, when `frames` is given, Number of
/// Frames set (inserted in tag order if absent) and that many frames of Pixel Data. Every
/// other element, the preamble and the File Meta group are copied unchanged.
fn rebuild(template: &[u8], frames: Option<u32>) -> Vec<u8> {
    let start = data_set_start(template);
    let elements = top_level_elements(template, start);
    assert!(
        elements.iter().all(|e| e.tag.1 != 0),
        "a data set group length would go stale"
    );
    let pixel_len =
        usize::from(SIDE) * usize::from(SIDE) * BYTES_PER_PIXEL * frames.map_or(1, |n| n as usize);
    let pixel_len_u32 = u32::try_from(pixel_len).expect("Pixel Data under 4 GiB");

    // IS value, padded with a space to an even length.
    let frames_element = frames.map(|n| {
        let mut value = n.to_string().into_bytes();
        if value.len() % 2 == 1 {
            value.push(b' ');
        }
        let mut element = short_header(NUMBER_OF_FRAMES, b"IS", value.len());
        element.extend_from_slice(&value);
        element
    });

    let mut out = Vec::with_capacity(template.len() + pixel_len);
    out.extend_from_slice(&template[..start]);
    let mut frames_written = false;
    for element in &elements {
        if let Some(frames_element) = &frames_element {
            if !frames_written && element.tag >= NUMBER_OF_FRAMES {
                // Replaces an existing Number of Frames, or goes right before the next tag.
                out.extend_from_slice(frames_element);
                frames_written = true;
                if element.tag == NUMBER_OF_FRAMES {
                    continue;
                }
            }
        }
        match element.tag {
            ROWS | COLUMNS => {
                assert_eq!(
                    element.vr(template),
                    b"US",
                    "{:04X?} is not US",
                    element.tag
                );
                out.extend_from_slice(&short_header(element.tag, b"US", 2));
                out.extend_from_slice(&SIDE.to_le_bytes());
            }
            PIXEL_DATA => {
                assert_eq!(element.vr(template), b"OW", "Pixel Data is not OW");
                assert_eq!(element.header_len, 12);
                let header = &template[element.offset..element.offset + 8];
                out.extend_from_slice(header);
                out.extend_from_slice(&pixel_len_u32.to_le_bytes());
                extend_pseudo_random(&mut out, pixel_len, u64::from(frames.unwrap_or(1)));
            }
            _ => out.extend_from_slice(element.bytes(template)),
        }
    }
    assert!(
        frames_element.is_none() || frames_written,
        "no element after Number of Frames"
    );
    out
}

/// Writes the inputs into `dir`.
pub fn generate(dir: &Path) -> Vec<(Input, PathBuf)> {
    let template = std::fs::read(TEMPLATE).expect("read CT_small.dcm");
    let inputs = [
        Input {
            name: "ct-0.5MB",
            bytes: rebuild(&template, None),
            frames: 1,
        },
        Input {
            name: "multiframe-100MB",
            bytes: rebuild(&template, Some(FRAMES)),
            frames: FRAMES,
        },
    ];
    inputs
        .into_iter()
        .map(|input| {
            let path = dir.join(format!("{}.dcm", input.name));
            std::fs::write(&path, &input.bytes).expect("write generated input");
            (input, path)
        })
        .collect()
}

/// `data` with a Windows executable header in its preamble, as in the public proof of
/// concept: what every sanitizer must clear.
pub fn hostile(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out[..128].fill(0);
    out[..2].copy_from_slice(b"MZ");
    out[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    out[0x40..0x40 + 39].copy_from_slice(b"This program cannot be run in DOS mode.");
    out
}
