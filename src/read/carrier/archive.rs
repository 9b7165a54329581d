//! Archives and disc images anywhere in a file, by the archivers' rules.

use super::crc::crc32;
use super::{Carrier, Confirmation};
use crate::error::Error;
use crate::read::cursor::{self, Endian};
use crate::read::probe::Probe;

/// How far from the end ZIP readers look for the end-of-central-directory record: its 22
/// bytes plus a comment of up to 65,535.
const ZIP_WINDOW: u64 = 22 + 65_535;

/// A central directory file header's signature.
const CENTRAL_HEADER: [u8; 4] = *b"PK\x01\x02";

/// ZIP: an end-of-central-directory record (`PK 05 06` at `at`) naming at least one entry,
/// whose central directory starts with `PK 01 02` where readers look for it: right before the
/// record (end − directory size: Python's `zipfile`, Java and `unzip` find an archive that
/// other bytes precede this way) or at its recorded offset; for ZIP64, through the locator
/// and the ZIP64 record before it.
pub(super) fn zip(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(end) = probe.fetch::<22>(at)? else {
        return Ok(None);
    };
    let u16_field = |off: u64| u64::from(cursor::u16_at(&end, off, Endian::Little).unwrap_or(0));
    let u32_field = |off: u64| u64::from(cursor::u32_at(&end, off, Endian::Little).unwrap_or(0));
    let (entries, mut size, mut offset) = (u16_field(10), u32_field(12), u32_field(16));
    let mut directory_end = at;
    let mut zip64 = false;
    if entries == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
        // The ZIP64 end-of-central-directory locator sits right before the record.
        let locator = at.checked_sub(20);
        let locator = match locator {
            Some(l) => probe
                .fetch::<20>(l)?
                .filter(|b| b.starts_with(b"PK\x06\x07")),
            None => None,
        };
        let (Some(locator_at), Some(_)) = (at.checked_sub(20), locator) else {
            return Ok(None);
        };
        // The ZIP64 record (56 bytes without extensible data) ends at the locator.
        let Some(record_at) = locator_at.checked_sub(56) else {
            return Ok(None);
        };
        let Some(record) = probe.fetch::<56>(record_at)? else {
            return Ok(None);
        };
        if !record.starts_with(b"PK\x06\x06") {
            return Ok(None);
        }
        size = cursor::u64_at(&record, 40, Endian::Little).unwrap_or(0);
        offset = cursor::u64_at(&record, 48, Endian::Little).unwrap_or(0);
        directory_end = record_at;
        zip64 = true;
    } else if entries == 0 {
        return Ok(None);
    }
    if size < 46 {
        return Ok(None);
    }
    let mut directory_at = |start: Option<u64>| -> Result<bool, Error> {
        Ok(match start {
            Some(start) => probe.fetch::<4>(start)? == Some(CENTRAL_HEADER),
            None => false,
        })
    };
    let before = directory_end.checked_sub(size);
    let found = if directory_at(before)? {
        before
    } else if directory_at(Some(offset))? {
        Some(offset)
    } else {
        None
    };
    let Some(directory) = found else {
        return Ok(None);
    };
    // Readers search the last 65,557 bytes of the file for the record.
    let opens = probe.len().saturating_sub(at) <= ZIP_WINDOW;
    Ok(Some(Confirmation {
        carrier: Carrier::Zip,
        offset: at,
        detail: format!(
            "{}end-of-central-directory record whose central directory is at offset {directory}",
            if zip64 { "ZIP64 " } else { "" }
        ),
        opens_the_file: opens,
    }))
}

/// tar: `ustar` at `at` is the magic of a header that starts 257 bytes before it and whose
/// checksum (the header's bytes summed with the checksum field read as spaces, stored as
/// octal) is right, as GNU tar checks it. GNU tar reads a file in 512-byte blocks and skips
/// blocks that are not headers, so a header at a 512-byte boundary of the file is extracted.
pub(super) fn tar(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(start) = at.checked_sub(257) else {
        return Ok(None);
    };
    let Some(header) = probe.fetch::<512>(start)? else {
        return Ok(None);
    };
    let magic = cursor::slice_at(&header, 257, 8).unwrap_or_default();
    if magic != b"ustar\x0000" && magic != b"ustar  \x00" {
        return Ok(None);
    }
    let Some(stored) = cursor::slice_at(&header, 148, 8).and_then(octal) else {
        return Ok(None);
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in header.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned = unsigned.saturating_add(u64::from(b));
        signed = signed.saturating_add(i64::from(b as i8));
    }
    let signed_matches = u64::try_from(signed).ok() == Some(stored);
    if stored != unsigned && !signed_matches {
        return Ok(None);
    }
    let name_len = header.iter().take(100).take_while(|&&b| b != 0).count();
    Ok(Some(Confirmation {
        carrier: Carrier::Tar,
        offset: start,
        detail: format!("header of a {name_len}-character member name with a valid checksum"),
        opens_the_file: start % 512 == 0,
    }))
}

/// An octal number as tar writes it: optional leading spaces, octal digits, then a NUL or a
/// space (or the field's end).
fn octal(field: &[u8]) -> Option<u64> {
    let digits = field
        .iter()
        .skip_while(|&&b| b == b' ')
        .take_while(|&&b| b != 0 && b != b' ');
    let mut value: u64 = 0;
    let mut any = false;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        value = value
            .checked_mul(8)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))?;
        any = true;
    }
    any.then_some(value)
}

/// ISO 9660: `CD001` at `at` belongs to a primary volume descriptor (type 1 before it,
/// version 1 after it) whose both-endian fields agree: the logical block size (512, 1024 or
/// 2048) and a non-zero volume size. Volume descriptors start at byte 32,768 of an image, so
/// the image starts 32,769 bytes before the first one's `CD001`.
pub(super) fn iso9660(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(descriptor) = at.checked_sub(1) else {
        return Ok(None);
    };
    let Some(d) = probe.fetch::<136>(descriptor)? else {
        return Ok(None);
    };
    let both16 = |off: u64| {
        let le = cursor::u16_at(&d, off, Endian::Little)?;
        (cursor::u16_at(&d, off.checked_add(2)?, Endian::Big)? == le).then_some(le)
    };
    let both32 = |off: u64| {
        let le = cursor::u32_at(&d, off, Endian::Little)?;
        (cursor::u32_at(&d, off.checked_add(4)?, Endian::Big)? == le).then_some(le)
    };
    let primary = cursor::array_at::<1>(&d, 0) == Some([1]) && cursor::array_at(&d, 6) == Some([1]);
    let block = both16(128).filter(|b| matches!(b, 512 | 1024 | 2048));
    let blocks = both32(80).filter(|n| *n > 0);
    let (true, Some(block), Some(blocks)) = (primary, block, blocks) else {
        return Ok(None);
    };
    let image = descriptor.checked_sub(32_768);
    Ok(Some(Confirmation {
        carrier: Carrier::Iso9660,
        offset: image.unwrap_or(descriptor),
        detail: format!(
            "primary volume descriptor at offset {descriptor}: {blocks} blocks of {block} bytes"
        ),
        opens_the_file: image == Some(0),
    }))
}

/// 7-Zip: the signature header's version and its start-header CRC over the next 20 bytes.
pub(super) fn seven_zip(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<32>(at)? else {
        return Ok(None);
    };
    let crc = cursor::u32_at(&h, 8, Endian::Little);
    let covered = cursor::slice_at(&h, 12, 20).map(crc32);
    let major = cursor::array_at::<1>(&h, 6);
    if major != Some([0]) || crc.is_none() || crc != covered {
        return Ok(None);
    }
    Ok(Some(Confirmation {
        carrier: Carrier::SevenZip,
        offset: at,
        detail: "signature header with a valid start-header CRC".to_owned(),
        opens_the_file: at == 0,
    }))
}

/// RAR: after the marker, the main archive header with a valid CRC (RAR 1.5 to 4: CRC-16 as
/// the low half of a CRC-32 from the header type on; RAR 5: CRC-32 of the header).
pub(super) fn rar(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(marker) = probe.fetch::<8>(at)? else {
        return Ok(None);
    };
    let confirmed = match cursor::slice_at(&marker, 6, 2) {
        // RAR 1.5-4: marker `Rar!\x1A\x07\x00`, then HEAD_CRC, HEAD_TYPE 0x73, flags, size.
        Some([0x00, _]) => {
            let header_at = at.saturating_add(7);
            match probe.fetch::<7>(header_at)? {
                Some(h) if cursor::array_at::<1>(&h, 2) == Some([0x73]) => {
                    let size = cursor::u16_at(&h, 5, Endian::Little).map_or(0, u64::from);
                    let stored = cursor::u16_at(&h, 0, Endian::Little);
                    let body = if size >= 7 {
                        probe.fetch_up_to(
                            header_at.saturating_add(2),
                            usize::try_from(size.saturating_sub(2)).unwrap_or(0),
                        )?
                    } else {
                        None
                    };
                    body.is_some_and(|b| {
                        b.len() as u64 == size.saturating_sub(2)
                            && u16::try_from(crc32(&b) & 0xFFFF).ok() == stored
                    })
                }
                _ => false,
            }
        }
        // RAR 5: marker `Rar!\x1A\x07\x01\x00`, then CRC32, size (vint), type 1 (vint).
        Some([0x01, 0x00]) => {
            let header_at = at.saturating_add(8);
            let head = probe.fetch_up_to(header_at, 16)?.unwrap_or_default();
            let stored = cursor::u32_at(&head, 0, Endian::Little);
            match vint(cursor::tail_at(&head, 4).unwrap_or_default()) {
                Some((size, size_len)) if (1..=0x10_0000).contains(&size) => {
                    let covered_len = size.saturating_add(size_len as u64);
                    let covered = probe.fetch_up_to(
                        header_at.saturating_add(4),
                        usize::try_from(covered_len).unwrap_or(0),
                    )?;
                    covered.is_some_and(|c| {
                        c.len() as u64 == covered_len
                            && Some(crc32(&c)) == stored
                            && cursor::tail_at(&c, size_len as u64)
                                .and_then(vint)
                                .is_some_and(|(kind, _)| kind == 1)
                    })
                }
                _ => false,
            }
        }
        _ => false,
    };
    Ok(confirmed.then(|| Confirmation {
        carrier: Carrier::Rar,
        offset: at,
        detail: "main archive header with a valid CRC".to_owned(),
        opens_the_file: at == 0,
    }))
}

/// A RAR 5 variable-length integer: its value and length in bytes.
fn vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().take(10).enumerate() {
        let shift = u32::try_from(i.checked_mul(7)?).ok()?;
        value |= u64::from(b & 0x7F).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some((value, i.checked_add(1)?));
        }
    }
    None
}

/// Cabinet: `MSCF` with its reserved fields zero, version 1.3, at least one folder and one
/// file, the first file entry inside the cabinet and the cabinet inside the input.
pub(super) fn cab(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<36>(at)? else {
        return Ok(None);
    };
    let u32_field = |off: u64| cursor::u32_at(&h, off, Endian::Little).unwrap_or(u32::MAX);
    let u16_field = |off: u64| cursor::u16_at(&h, off, Endian::Little).unwrap_or(0);
    let size = u64::from(u32_field(8));
    let ok = u32_field(4) == 0
        && u32_field(12) == 0
        && u32_field(20) == 0
        && cursor::slice_at(&h, 24, 2) == Some([3, 1].as_slice())
        && u16_field(26) >= 1
        && u16_field(28) >= 1
        && size >= 36
        && u64::from(u32_field(16)) < size
        && cursor::range_within(at, size, probe.len());
    Ok(ok.then(|| Confirmation {
        carrier: Carrier::Cab,
        offset: at,
        detail: format!("cabinet of {size} bytes inside the file"),
        opens_the_file: at == 0,
    }))
}

/// OLE compound file: major version 3 or 4 with its sector size, the little-endian byte order
/// mark and 64-byte mini sectors.
pub(super) fn cfb(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(h) = probe.fetch::<40>(at)? else {
        return Ok(None);
    };
    let field = |off: u64| cursor::u16_at(&h, off, Endian::Little).unwrap_or(0);
    let ok = matches!((field(26), field(30)), (3, 9) | (4, 12))
        && field(28) == 0xFFFE
        && field(32) == 6
        && cursor::slice_at(&h, 34, 6) == Some([0u8; 6].as_slice());
    Ok(ok.then(|| Confirmation {
        carrier: Carrier::Cfb,
        offset: at,
        detail: format!("version {} header", field(26)),
        opens_the_file: at == 0,
    }))
}
