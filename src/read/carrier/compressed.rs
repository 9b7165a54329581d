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

/// Zstandard: a frame header descriptor without its reserved bit, a window no larger than
/// decoders accept, and a first block header of a defined type and size.
pub(super) fn zstd(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch_up_to(at, 6)? else {
        return Ok(None);
    };
    let Some([descriptor]) = cursor::array_at::<1>(&h, 4) else {
        return Ok(None);
    };
    if descriptor & 0x08 != 0 {
        return Ok(None);
    }
    let single_segment = descriptor & 0x20 != 0;
    let mut header_len: u64 = 1;
    if !single_segment {
        let window = cursor::array_at::<1>(&h, 5).map_or(0xFF, |[w]| w);
        // Window log 10 + exponent; decoders refuse more than 2^31.
        if window >> 3 > 21 {
            return Ok(None);
        }
        header_len = header_len.saturating_add(1);
    }
    header_len = header_len.saturating_add(match descriptor & 0x03 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => 4,
    });
    header_len = header_len.saturating_add(match (descriptor >> 6, single_segment) {
        (0, false) => 0,
        (0, true) => 1,
        (1, _) => 2,
        (2, _) => 4,
        _ => 8,
    });
    let Some(block) = probe.fetch::<3>(at.saturating_add(4).saturating_add(header_len))? else {
        return Ok(None);
    };
    let [b0, b1, b2] = block;
    let block = u32::from_le_bytes([b0, b1, b2, 0]);
    let (kind, size) = ((block >> 1) & 0x03, block >> 3);
    if kind == 3 || (kind != 1 && size > 128 * 1024) {
        return Ok(None);
    }
    Ok(found(
        Carrier::Zstd,
        at,
        "frame header and first block header",
    ))
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
