//! Confirming an executable header found in a preamble.
//!
//! A magic number alone says what bytes claim to be. An executable *works* only when the
//! structures its header points to exist: the PE header at `e_lfanew`, the ELF program headers
//! and a loadable segment, the Mach-O load commands. Each of those lives in the file, so in a
//! polyglot they sit inside element values after the preamble. This module follows those
//! pointers (with a budget of reads, see [`Limits::max_probe_bytes`](crate::Limits::max_probe_bytes)) and reports whether the structure is confirmed and
//! the file offset the payload starts at.

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

/// An ELF `PT_LOAD` segment's place in the file and in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoadSegment {
    pub(crate) offset: u64,
    pub(crate) file_size: u64,
    pub(crate) vaddr: u64,
}

struct ElfHeader {
    endian: Endian,
    wide: bool,
    entry: u64,
    phoff: u64,
    phentsize: u64,
    phnum: u64,
}

fn elf_header(preamble: &[u8; 128]) -> Option<ElfHeader> {
    let endian = match cursor::array_at::<1>(preamble, 5)? {
        [1] => Endian::Little,
        [2] => Endian::Big,
        _ => return None,
    };
    let wide = match cursor::array_at::<1>(preamble, 4)? {
        [1] => false,
        [2] => true,
        _ => return None,
    };
    let (entry, phoff, phentsize_at) = if wide {
        (
            cursor::u64_at(preamble, 24, endian)?,
            cursor::u64_at(preamble, 32, endian)?,
            54,
        )
    } else {
        (
            u64::from(cursor::u32_at(preamble, 24, endian)?),
            u64::from(cursor::u32_at(preamble, 28, endian)?),
            42,
        )
    };
    Some(ElfHeader {
        endian,
        wide,
        entry,
        phoff,
        phentsize: u64::from(cursor::u16_at(preamble, phentsize_at, endian)?),
        phnum: u64::from(cursor::u16_at(
            preamble,
            phentsize_at.checked_add(2)?,
            endian,
        )?),
    })
}

/// Calls `visit` with every `PT_LOAD` segment of the program-header table, which must lie
/// entirely inside the file. Returns `Ok(false)` when the table is missing, malformed, outside
/// the file or beyond the limits.
pub(crate) fn elf_load_segments(
    preamble: &[u8; 128],
    probe: &mut Probe<'_>,
    limits: &Limits,
    mut visit: impl FnMut(LoadSegment),
) -> Result<bool, Error> {
    const PT_LOAD: u32 = 1;
    let Some(h) = elf_header(preamble) else {
        return Ok(false);
    };
    let min_entry = if h.wide { 56 } else { 32 };
    if h.phnum == 0 || h.phnum > u64::from(limits.max_executable_headers) || h.phentsize < min_entry
    {
        return Ok(false);
    }
    let table_fits = h
        .phnum
        .checked_mul(h.phentsize)
        .is_some_and(|len| cursor::range_within(h.phoff, len, probe.len()));
    if !table_fits {
        return Ok(false);
    }
    let mut at = h.phoff;
    for _ in 0..h.phnum {
        let Some(ph) = probe.fetch_padded::<56>(at, min_entry)? else {
            return Ok(false);
        };
        let e = h.endian;
        let field = |off: u64| cursor::u32_at(&ph, off, e).map(u64::from);
        let field64 = |off: u64| cursor::u64_at(&ph, off, e);
        let (p_type, offset, vaddr, file_size) = if h.wide {
            (field(0), field64(8), field64(16), field64(32))
        } else {
            (field(0), field(4), field(8), field(16))
        };
        if let (Some(p_type), Some(offset), Some(vaddr), Some(file_size)) =
            (p_type, offset, vaddr, file_size)
        {
            if p_type == u64::from(PT_LOAD) {
                visit(LoadSegment {
                    offset,
                    file_size,
                    vaddr,
                });
            }
        }
        at = at.saturating_add(h.phentsize);
    }
    Ok(true)
}

/// ELF: the program-header table and a `PT_LOAD` segment must lie inside the file; the payload
/// is the file offset of the entry point (or of the first loaded segment).
pub(crate) fn confirm_elf(
    preamble: &[u8; 128],
    probe: &mut Probe<'_>,
    limits: &Limits,
) -> Result<ExecutableInfo, Error> {
    let Some(h) = elf_header(preamble) else {
        return Ok(UNCONFIRMED);
    };
    let file_len = probe.len();
    let mut loadable = false;
    let mut entry_offset = None;
    let mut first_offset = None;
    elf_load_segments(preamble, probe, limits, |seg| {
        if !cursor::range_within(seg.offset, seg.file_size, file_len) || seg.file_size == 0 {
            return;
        }
        loadable = true;
        first_offset.get_or_insert(seg.offset);
        let into = h
            .entry
            .checked_sub(seg.vaddr)
            .filter(|rel| *rel < seg.file_size);
        if let Some(rel) = into {
            entry_offset = entry_offset.or(seg.offset.checked_add(rel));
        }
    })?;
    Ok(ExecutableInfo {
        confirmed: loadable,
        payload_offset: entry_offset.or(first_offset),
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

/// Mach-O universal binary: every slice must lie inside the file and the first must start with
/// a thin Mach-O magic.
pub(crate) fn confirm_fat(
    preamble: &[u8; 128],
    probe: &mut Probe<'_>,
    limits: &Limits,
) -> Result<ExecutableInfo, Error> {
    let wide = matches!(
        cursor::array_at::<4>(preamble, 0),
        Some([0xCA, 0xFE, 0xBA, 0xBF])
    );
    let Some(count) = cursor::u32_at(preamble, 4, Endian::Big) else {
        return Ok(UNCONFIRMED);
    };
    if count == 0 || count > limits.max_executable_headers {
        return Ok(UNCONFIRMED);
    }
    let entry_len: u64 = if wide { 32 } else { 20 };
    let file_len = probe.len();
    let mut first = None;
    let mut at = 8u64;
    for _ in 0..count {
        let Some(arch) = probe.fetch_padded::<32>(at, entry_len)? else {
            return Ok(UNCONFIRMED);
        };
        let placement = if wide {
            cursor::u64_at(&arch, 8, Endian::Big).zip(cursor::u64_at(&arch, 16, Endian::Big))
        } else {
            cursor::u32_at(&arch, 8, Endian::Big)
                .zip(cursor::u32_at(&arch, 12, Endian::Big))
                .map(|(o, s)| (u64::from(o), u64::from(s)))
        };
        let Some((offset, _)) = placement.filter(|(o, s)| cursor::range_within(*o, *s, file_len))
        else {
            return Ok(UNCONFIRMED);
        };
        first = first.or(Some(offset));
        at = at.saturating_add(entry_len);
    }
    let Some(first) = first else {
        return Ok(UNCONFIRMED);
    };
    let magic = probe.fetch::<4>(first)?;
    let thin = matches!(
        magic,
        Some([0xFE, 0xED, 0xFA, 0xCE | 0xCF] | [0xCE | 0xCF, 0xFA, 0xED, 0xFE])
    );
    Ok(ExecutableInfo {
        confirmed: thin,
        payload_offset: Some(first),
    })
}
