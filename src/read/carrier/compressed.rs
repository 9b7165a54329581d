//! Compressed streams anywhere in a file, by the decompressors' rules: a header that decodes.

use super::crc::crc32;
use super::{Carrier, Confirmation};
use crate::error::Error;
use crate::read::cursor::{self, Endian};
use crate::read::probe::Probe;

fn found(carrier: Carrier, at: u64, detail: &str) -> Option<Confirmation> {
    Some(Confirmation {
        carrier,
        offset: at,
        detail: detail.to_owned(),
        opens_the_file: at == 0,
    })
}

/// gzip: method 8 (deflate), no reserved flag, a known extra-flags value and operating
/// system, and (with the `deflate` feature) a deflate stream after the header that inflates.
pub(super) fn gzip(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<10>(at)? else {
        return Ok(None);
    };
    let [_, _, _, flags, _, _, _, _, extra_flags, os] = h;
    if flags & 0xE0 != 0 || !matches!(extra_flags, 0 | 2 | 4) || !(os <= 13 || os == 255) {
        return Ok(None);
    }
    if !inflates_after_header(probe, at, flags)? {
        return Ok(None);
    }
    Ok(found(
        Carrier::Gzip,
        at,
        "header and deflate stream that decode",
    ))
}

/// Bytes of a gzip member inflated to confirm it.
#[cfg(feature = "deflate")]
const INFLATE_PROBE: usize = 4096;

/// Whether the deflate stream after a gzip header (at `at`, with `flags`) inflates without
/// error for its first bytes.
#[cfg(feature = "deflate")]
fn inflates_after_header(probe: &mut Probe<'_>, at: u64, flags: u8) -> Result<bool, Error> {
    use std::io::Read;

    let Some(bytes) = probe.fetch_up_to(at, INFLATE_PROBE)? else {
        return Ok(false);
    };
    let mut at_field: usize = 10;
    if flags & 0x04 != 0 {
        let extra = cursor::u16_at(&bytes, at_field as u64, Endian::Little).map_or(0, usize::from);
        at_field = at_field.saturating_add(2).saturating_add(extra);
    }
    for flag in [0x08u8, 0x10] {
        if flags & flag != 0 {
            let rest = bytes.get(at_field..).unwrap_or_default();
            match memchr::memchr(0, rest) {
                Some(nul) => at_field = at_field.saturating_add(nul).saturating_add(1),
                None => return Ok(false),
            }
        }
    }
    if flags & 0x02 != 0 {
        at_field = at_field.saturating_add(2);
    }
    let Some(stream) = bytes.get(at_field..).filter(|s| !s.is_empty()) else {
        return Ok(false);
    };
    // What the decoder refuses first, refused without one (it costs an allocation): a
    // reserved block type, or a stored block whose length and its complement disagree.
    let block_type = stream.first().map(|b| (b >> 1) & 3);
    let stored_lengths = cursor::slice_at(stream, 1, 4);
    match (block_type, stored_lengths) {
        (Some(3), _) => return Ok(false),
        (Some(0), Some([a, b, c, d])) if [*a, *b] != [!*c, !*d] => return Ok(false),
        _ => {}
    }
    let mut decoder = flate2::read::DeflateDecoder::new(stream);
    let mut out = [0u8; 1024];
    match decoder.read(&mut out) {
        // Some output, or a stream that ends properly within the bytes looked at.
        Ok(n) => Ok(n > 0 || decoder.total_in() > 0),
        Err(_) => Ok(false),
    }
}

/// Without the `deflate` feature only the header is checked.
#[cfg(not(feature = "deflate"))]
fn inflates_after_header(_: &mut Probe<'_>, _: u64, _: u8) -> Result<bool, Error> {
    Ok(true)
}

/// xz: stream flags with their CRC-32.
pub(super) fn xz(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<12>(at)? else {
        return Ok(None);
    };
    let flags = cursor::slice_at(&h, 6, 2).unwrap_or_default();
    let ok = matches!(flags, [0, check] if *check <= 0x0F)
        && cursor::u32_at(&h, 8, Endian::Little) == Some(crc32(flags));
    Ok(ok
        .then(|| found(Carrier::Xz, at, "stream header with a valid CRC"))
        .flatten())
}

/// The largest block a Zstandard decoder accepts: 128 KiB, or the window when smaller.
const ZSTD_BLOCK_MAX: u64 = 128 * 1024;

/// Zstandard, as the reference decoder reads a frame (`ZSTD_getFrameHeader`, then the first
/// block's header): the frame header descriptor's reserved bit 0; a window log of at most 31
/// (the most any decoder is configured for); no dictionary ID, or 0 (a frame that needs a
/// dictionary decodes nowhere without it); a first block of a defined type (raw, RLE or
/// compressed, not reserved) whose size is within the block maximum (128 KiB, or the window
/// when smaller), and a compressed block of at least the 2 bytes its sections need.
pub(super) fn zstd(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    // Magic, descriptor, window, dictionary ID (4) and content size (8): 18 bytes at most.
    let Some(h) = probe.fetch_up_to(at, 18)? else {
        return Ok(None);
    };
    let Some(window) = zstd_frame_header(&h) else {
        return Ok(None);
    };
    let Some(block) = probe.fetch::<3>(at.saturating_add(window.header_len))? else {
        return Ok(None);
    };
    let [b0, b1, b2] = block;
    let block = u32::from_le_bytes([b0, b1, b2, 0]);
    let (kind, size) = ((block >> 1) & 0x03, u64::from(block >> 3));
    let block_max = window.size.min(ZSTD_BLOCK_MAX);
    let fits = match kind {
        // Raw: its bytes; RLE: its regenerated size.
        0 | 1 => size <= block_max,
        // Compressed: the literals and sequences sections' headers at least.
        2 => (2..=block_max).contains(&size),
        _ => false,
    };
    Ok(fits
        .then(|| found(Carrier::Zstd, at, "frame header and first block header"))
        .flatten())
}

/// What a Zstandard frame header says: its length (from the magic on) and the window size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ZstdWindow {
    header_len: u64,
    size: u64,
}

/// The frame header at the start of `h` (magic included), by the reference decoder's rules.
fn zstd_frame_header(h: &[u8]) -> Option<ZstdWindow> {
    let [descriptor] = cursor::array_at::<1>(h, 4)?;
    if descriptor & 0x08 != 0 {
        return None;
    }
    let single_segment = descriptor & 0x20 != 0;
    let mut at: u64 = 5;
    let mut window = None;
    if !single_segment {
        let [w] = cursor::array_at::<1>(h, at)?;
        let log = 10 + u32::from(w >> 3);
        if log > 31 {
            return None;
        }
        let base = 1u64 << log;
        window = Some(base.saturating_add((base / 8).saturating_mul(u64::from(w & 7))));
        at = at.saturating_add(1);
    }
    let dictionary_len: u64 = match descriptor & 0x03 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let dictionary = cursor::slice_at(h, at, dictionary_len)?;
    if dictionary.iter().any(|&b| b != 0) {
        return None;
    }
    at = at.saturating_add(dictionary_len);
    let size_len: u64 = match (descriptor >> 6, single_segment) {
        (0, false) => 0,
        (0, true) => 1,
        (1, _) => 2,
        (2, _) => 4,
        _ => 8,
    };
    let size = cursor::slice_at(h, at, size_len)?;
    let mut content = [0u8; 8];
    content.get_mut(..size.len())?.copy_from_slice(size);
    let mut content = u64::from_le_bytes(content);
    if size_len == 2 {
        content = content.saturating_add(256);
    }
    at = at.saturating_add(size_len);
    Some(ZstdWindow {
        header_len: at,
        // A single segment's window is its content.
        size: window.unwrap_or(content),
    })
}

/// bzip2: a block size digit and the magic of a first block (or of an empty stream's end).
pub(super) fn bzip2(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<10>(at)? else {
        return Ok(None);
    };
    let level = cursor::array_at::<1>(&h, 3).is_some_and(|[l]| (b'1'..=b'9').contains(&l));
    let magic = cursor::slice_at(&h, 4, 6);
    let block = magic == Some(b"\x31\x41\x59\x26\x53\x59".as_slice())
        || magic == Some(b"\x17\x72\x45\x38\x50\x90".as_slice());
    Ok((level && block)
        .then(|| found(Carrier::Bzip2, at, "stream header and block magic"))
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The zstd confirmation of `frame`.
    fn zstd_confirmed(frame: &[u8]) -> bool {
        let mut source = frame;
        let mut probe = Probe::new(&mut source, 1 << 20);
        zstd(&mut probe, 0).unwrap().is_some()
    }

    /// A frame: the magic, `header` (descriptor on), then a block header of `kind` and
    /// `size`, then 8 bytes.
    fn frame(header: &[u8], kind: u32, size: u32) -> Vec<u8> {
        let mut f = vec![0x28, 0xB5, 0x2F, 0xFD];
        f.extend_from_slice(header);
        f.extend_from_slice(&((size << 3) | (kind << 1) | 1).to_le_bytes()[..3]);
        f.extend_from_slice(&[0x55; 8]);
        f
    }

    #[test]
    fn zstd_frames_by_the_reference_decoder_rules() {
        // Single segment, 1-byte content size 8, a raw block of 8 bytes: accepted.
        assert!(zstd_confirmed(&frame(&[0x20, 8], 0, 8)));
        // The descriptor's reserved bit set.
        assert!(!zstd_confirmed(&frame(&[0x28, 8], 0, 8)));
        // A window descriptor: log 10 + 21 = 31 accepted, 32 refused.
        assert!(zstd_confirmed(&frame(&[0x00, 21 << 3], 2, 100)));
        assert!(!zstd_confirmed(&frame(&[0x00, 22 << 3], 2, 100)));
        // A dictionary ID: 0 accepted, another refused (no dictionary to decode it with).
        assert!(zstd_confirmed(&frame(&[0x21, 0, 8], 0, 8)));
        assert!(!zstd_confirmed(&frame(&[0x21, 7, 8], 0, 8)));
        // The reserved block type.
        assert!(!zstd_confirmed(&frame(&[0x20, 8], 3, 8)));
        // A block larger than the window (a single segment's content size) or 128 KiB.
        assert!(!zstd_confirmed(&frame(&[0x20, 8], 0, 9)));
        assert!(!zstd_confirmed(&frame(&[0x20, 8], 1, 9)));
        assert!(zstd_confirmed(&frame(&[0x00, 0x50], 0, 128 * 1024)));
        assert!(!zstd_confirmed(&frame(&[0x00, 0x50], 0, 128 * 1024 + 1)));
        // A 1 KiB window (log 10) holds no 2 KiB block.
        assert!(!zstd_confirmed(&frame(&[0x00, 0x00], 0, 2048)));
        // A compressed block too short for its sections.
        assert!(!zstd_confirmed(&frame(&[0x00, 0x50], 2, 1)));
        // A 2-byte content size counts from 256.
        assert!(zstd_confirmed(&frame(&[0x60, 0x00, 0x00], 0, 256)));
        // A header cut short by the end of the input.
        assert!(!zstd_confirmed(&[0x28, 0xB5, 0x2F, 0xFD, 0x20]));
    }
}
