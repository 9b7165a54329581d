//! Confirming an executable header found in a preamble.
//!
//! A magic number alone says what bytes claim to be. An executable *works* only when the
//! structures its header points to exist: the PE header at `e_lfanew`, the ELF program headers
//! and a loadable segment, the Mach-O load commands. Each of those lives in the file, so in a
//! polyglot they sit inside element values after the preamble. This module follows those
//! pointers (with a budget of reads, see [`Limits::max_probe_bytes`](crate::Limits::max_probe_bytes)) and reports whether the structure is confirmed and
//! the file offset the payload starts at.
//!
//! ELF images and Mach-O universal binaries are confirmed by the same rules wherever they sit
//! (in the preamble or inside a value): the loaders' rules of the crate's carrier search.

use crate::error::Error;
use crate::limits::Limits;
use crate::read::cursor::{self, Endian};
use crate::read::probe::Probe;

/// What following an executable header's pointers found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExecutableInfo {
    /// Whether the structure the header announces is present inside the file: PE `PE\0\0` at
    /// `e_lfanew`; ELF program headers with a `PT_LOAD` segment; Mach-O load commands with a
    /// segment; a fat binary's slices.
    pub confirmed: bool,
    /// The file offset the header points to, when it lies inside the file: the PE header, the
    /// segment byte holding the ELF entry point, the Mach-O entry point or first segment, a fat
    /// binary's first slice.
    pub payload_offset: Option<u64>,
}

const UNCONFIRMED: ExecutableInfo = ExecutableInfo {
    confirmed: false,
    payload_offset: None,
};

/// PE: `e_lfanew` (u32 LE at 0x3C) must point at `PE\0\0` inside the file.
pub(crate) fn confirm_pe(
    preamble: &[u8; 128],
    probe: &mut Probe<'_>,
) -> Result<ExecutableInfo, Error> {
    let Some(e_lfanew) = cursor::u32_at(preamble, 0x3C, Endian::Little).map(u64::from) else {
        return Ok(UNCONFIRMED);
    };
    let signature = probe.fetch::<4>(e_lfanew)?;
    Ok(ExecutableInfo {
        confirmed: signature == Some(*b"PE\0\0"),
        payload_offset: (e_lfanew < probe.len()).then_some(e_lfanew),
    })
}

/// Mach-O (thin): the load commands must parse inside the file and include a segment with
/// bytes in the file. The payload is the `LC_MAIN` entry point or the first such segment.
pub(crate) fn confirm_macho(
    preamble: &[u8; 128],
    probe: &mut Probe<'_>,
    limits: &Limits,
) -> Result<ExecutableInfo, Error> {
    const LC_SEGMENT: u32 = 0x1;
    const LC_SEGMENT_64: u32 = 0x19;
    const LC_MAIN: u32 = 0x8000_0028;
    let (endian, header_len) = match cursor::array_at::<4>(preamble, 0) {
        Some([0xFE, 0xED, 0xFA, 0xCE]) => (Endian::Big, 28u64),
        Some([0xFE, 0xED, 0xFA, 0xCF]) => (Endian::Big, 32),
        Some([0xCE, 0xFA, 0xED, 0xFE]) => (Endian::Little, 28),
        Some([0xCF, 0xFA, 0xED, 0xFE]) => (Endian::Little, 32),
        _ => return Ok(UNCONFIRMED),
    };
    let (Some(ncmds), Some(sizeofcmds)) = (
        cursor::u32_at(preamble, 16, endian),
        cursor::u32_at(preamble, 20, endian),
    ) else {
        return Ok(UNCONFIRMED);
    };
    let commands_end = header_len.saturating_add(u64::from(sizeofcmds));
    if ncmds == 0 || ncmds > limits.max_executable_headers || commands_end > probe.len() {
        return Ok(UNCONFIRMED);
    }
    let file_len = probe.len();
    let mut at = header_len;
    let mut entry = None;
    let mut segment = None;
    for _ in 0..ncmds {
        let Some(head) = probe.fetch::<8>(at)? else {
            return Ok(UNCONFIRMED);
        };
        let (Some(cmd), Some(cmdsize)) = (
            cursor::u32_at(&head, 0, endian),
            cursor::u32_at(&head, 4, endian),
        ) else {
            return Ok(UNCONFIRMED);
        };
        let cmd_end = at.saturating_add(u64::from(cmdsize));
        if cmdsize < 8 || cmd_end > commands_end {
            return Ok(UNCONFIRMED);
        }
        let placement = match cmd {
            LC_SEGMENT => probe.fetch::<40>(at)?.and_then(|c| {
                Some((
                    u64::from(cursor::u32_at(&c, 32, endian)?),
                    u64::from(cursor::u32_at(&c, 36, endian)?),
                ))
            }),
            LC_SEGMENT_64 => probe.fetch::<56>(at)?.and_then(|c| {
                Some((
                    cursor::u64_at(&c, 40, endian)?,
                    cursor::u64_at(&c, 48, endian)?,
                ))
            }),
            LC_MAIN => {
                entry = entry.or(probe
                    .fetch::<16>(at)?
                    .and_then(|c| cursor::u64_at(&c, 8, endian)));
                None
            }
            _ => None,
        };
        if let Some((fileoff, filesize)) = placement {
            if filesize > 0 && cursor::range_within(fileoff, filesize, file_len) {
                segment = segment.or(Some(fileoff));
            }
        }
        at = cmd_end;
    }
    Ok(ExecutableInfo {
        confirmed: segment.is_some(),
        payload_offset: entry.filter(|e| *e < file_len).or(segment),
    })
}
