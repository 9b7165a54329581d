//! Executables anywhere in a file, by the loaders' rules.
//!
//! Offsets inside an image count from its first byte (`at`); every structure must lie inside
//! the input. The rules are the loaders', not the specifications': Linux's `binfmt_elf` reads
//! the header in the host's own class and byte order and never looks at `EI_CLASS`, `EI_DATA`
//! or `EI_VERSION`, so neither do we.

use super::{Carrier, Confirmation};
use crate::error::Error;
use crate::read::cursor::{self, Endian};
use crate::read::probe::Probe;

/// The ELF header layout a Linux host of machine `e_machine` reads: (64-bit, byte order), for
/// the machines Linux runs on.
fn elf_host(e_machine_le: u16, e_machine_be: u16) -> Option<(bool, Endian, &'static str)> {
    let little = match e_machine_le {
        3 => Some((false, "i386")),
        8 => Some((false, "MIPS")),
        40 => Some((false, "ARM")),
        62 => Some((true, "x86-64")),
        21 => Some((true, "PowerPC64")),
        183 => Some((true, "AArch64")),
        243 => Some((true, "RISC-V")),
        258 => Some((true, "LoongArch")),
        _ => None,
    };
    if let Some((wide, name)) = little {
        return Some((wide, Endian::Little, name));
    }
    let big = match e_machine_be {
        2 => Some((false, "SPARC")),
        8 => Some((false, "MIPS")),
        20 => Some((false, "PowerPC")),
        21 => Some((true, "PowerPC64")),
        22 => Some((true, "s390x")),
        43 => Some((true, "SPARC64")),
        _ => None,
    };
    big.map(|(wide, name)| (wide, Endian::Big, name))
}

/// What the loader's rules found of an ELF image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ElfImage {
    /// The machine `e_machine` names (which decided the header's class and byte order).
    pub(crate) machine: &'static str,
    /// `e_type`: 2 (executable) or 3 (shared object or position-independent executable).
    pub(crate) e_type: u16,
    /// The input offset of the byte the entry point maps to, or of the first loadable
    /// segment when no segment holds the entry point.
    pub(crate) payload: u64,
}

/// ELF, as `binfmt_elf` loads it: `e_type` executable or shared object, a machine Linux runs
/// on, `e_phentsize` the size of a program header of that machine's class, between 1 and
/// 64 KiB of program headers inside the file, and a `PT_LOAD` segment with bytes inside it.
pub(super) fn elf(
    probe: &mut Probe<'_>,
    at: u64,
    max_headers: u32,
) -> Result<Option<Confirmation>, Error> {
    Ok(elf_image(probe, at, max_headers)?.map(|image| found_elf(at, image.machine, image.e_type)))
}

/// The ELF image at input offset `at`, by the rules of [`elf`] (`EI_CLASS`, `EI_DATA` and
/// `EI_VERSION` are never read), with the file offset its entry point maps to.
pub(crate) fn elf_image(
    probe: &mut Probe<'_>,
    at: u64,
    max_headers: u32,
) -> Result<Option<ElfImage>, Error> {
    let Some(h) = probe.fetch::<64>(at)? else {
        return Ok(None);
    };
    let le = |off: u64| cursor::u16_at(&h, off, Endian::Little).unwrap_or(0);
    let be = |off: u64| cursor::u16_at(&h, off, Endian::Big).unwrap_or(0);
    let Some((wide, endian, machine)) = elf_host(le(18), be(18)) else {
        return Ok(None);
    };
    let e_type = cursor::u16_at(&h, 16, endian).unwrap_or(0);
    if !matches!(e_type, 2 | 3) {
        return Ok(None);
    }
    let field16 = |off: u64| cursor::u16_at(&h, off, endian).map(u64::from);
    let (entry, phoff, phentsize, phnum, entry_size) = if wide {
        (
            cursor::u64_at(&h, 24, endian),
            cursor::u64_at(&h, 32, endian),
            field16(54),
            field16(56),
            56,
        )
    } else {
        (
            cursor::u32_at(&h, 24, endian).map(u64::from),
            cursor::u32_at(&h, 28, endian).map(u64::from),
            field16(42),
            field16(44),
            32,
        )
    };
    let (Some(entry), Some(phoff), Some(phentsize), Some(phnum)) = (entry, phoff, phentsize, phnum)
    else {
        return Ok(None);
    };
    let table_len = phnum.saturating_mul(entry_size);
    let image_len = probe.len().saturating_sub(at);
    if phentsize != entry_size
        || phnum == 0
        || phnum > u64::from(max_headers)
        || table_len > 65_536
        || !cursor::range_within(phoff, table_len, image_len)
    {
        return Ok(None);
    }
    let mut header_at = at.saturating_add(phoff);
    let mut first = None;
    for _ in 0..phnum {
        let Some(ph) = probe.fetch_padded::<56>(header_at, entry_size)? else {
            break;
        };
        if let Some(segment) = loadable(&ph, wide, endian, image_len) {
            first.get_or_insert(segment.offset);
            let into = entry
                .checked_sub(segment.vaddr)
                .filter(|rel| *rel < segment.file_size);
            if let Some(at_entry) = into.and_then(|rel| segment.offset.checked_add(rel)) {
                first = Some(at_entry);
                break;
            }
        }
        header_at = header_at.saturating_add(entry_size);
    }
    Ok(first.map(|offset| ElfImage {
        machine,
        e_type,
        payload: at.saturating_add(offset),
    }))
}

/// A `PT_LOAD` segment's place in the image and in memory.
struct Segment {
    offset: u64,
    file_size: u64,
    vaddr: u64,
}

/// The program header as a `PT_LOAD` segment with bytes inside an image of `image_len`.
fn loadable(ph: &[u8], wide: bool, endian: Endian, image_len: u64) -> Option<Segment> {
    const PT_LOAD: u32 = 1;
    if cursor::u32_at(ph, 0, endian) != Some(PT_LOAD) {
        return None;
    }
    let (offset, vaddr, file_size) = if wide {
        (
            cursor::u64_at(ph, 8, endian)?,
            cursor::u64_at(ph, 16, endian)?,
            cursor::u64_at(ph, 32, endian)?,
        )
    } else {
        (
            u64::from(cursor::u32_at(ph, 4, endian)?),
            u64::from(cursor::u32_at(ph, 8, endian)?),
            u64::from(cursor::u32_at(ph, 16, endian)?),
        )
    };
    (file_size > 0 && cursor::range_within(offset, file_size, image_len)).then_some(Segment {
        offset,
        file_size,
        vaddr,
    })
}

fn found_elf(at: u64, machine: &str, e_type: u16) -> Confirmation {
    let what = if e_type == 2 {
        "executable"
    } else {
        "shared object or position-independent executable"
    };
    Confirmation {
        carrier: Carrier::Elf,
        offset: at,
        detail: format!("{machine} {what} with a loadable segment inside the file"),
        opens_the_file: at == 0,
    }
}

/// PE, as the Windows loader maps it: `e_lfanew` (u32 at 0x3C) leads to `PE\0\0` inside the
/// file (possibly in another element's value), followed by a known machine and an optional
/// header with a PE32 or PE32+ magic.
pub(super) fn pe(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
    let Some(dos) = probe.fetch::<64>(at)? else {
        return Ok(None);
    };
    let Some(e_lfanew) = cursor::u32_at(&dos, 0x3C, Endian::Little).map(u64::from) else {
        return Ok(None);
    };
    let Some(header_at) = at.checked_add(e_lfanew) else {
        return Ok(None);
    };
    let Some(nt) = probe.fetch::<26>(header_at)? else {
        return Ok(None);
    };
    let field = |off: u64| cursor::u16_at(&nt, off, Endian::Little).unwrap_or(0);
    let machine = match field(4) {
        0x014C => "i386",
        0x8664 => "x86-64",
        0x01C0 | 0x01C4 => "ARM",
        0xAA64 => "ARM64",
        0x0200 => "IA-64",
        0x5032 | 0x5064 => "RISC-V",
        0x0EBC => "EFI byte code",
        _ => return Ok(None),
    };
    let optional_size = field(20);
    let kind = match field(24) {
        0x010B => "PE32",
        0x020B => "PE32+",
        _ => return Ok(None),
    };
    if cursor::slice_at(&nt, 0, 4) != Some(b"PE\0\0".as_slice()) || optional_size < 2 {
        return Ok(None);
    }
    Ok(Some(Confirmation {
        carrier: Carrier::Pe,
        offset: at,
        detail: format!("{kind} {machine} image whose PE header is at offset {header_at}"),
        opens_the_file: at == 0,
    }))
}

/// Whether a Mach-O CPU type is one dyld loads.
fn known_cpu(cpu: u32) -> Option<&'static str> {
    match cpu {
        7 => Some("i386"),
        0x0100_0007 => Some("x86-64"),
        12 => Some("ARM"),
        0x0100_000C => Some("ARM64"),
        0x0200_000C => Some("ARM64_32"),
        18 => Some("PowerPC"),
        0x0100_0012 => Some("PowerPC64"),
        _ => None,
    }
}

/// Mach-O (thin), as dyld loads it: a known CPU type and file type, and load commands that
/// fit inside the file, one of them a segment with bytes inside the file.
pub(super) fn macho(
    probe: &mut Probe<'_>,
    at: u64,
    max_headers: u32,
) -> Result<Option<Confirmation>, Error> {
    const LC_SEGMENT: u32 = 0x1;
    const LC_SEGMENT_64: u32 = 0x19;
    let Some(h) = probe.fetch::<32>(at)? else {
        return Ok(None);
    };
    let (endian, header_len) = match cursor::array_at::<4>(&h, 0) {
        Some([0xFE, 0xED, 0xFA, 0xCE]) => (Endian::Big, 28u64),
        Some([0xFE, 0xED, 0xFA, 0xCF]) => (Endian::Big, 32),
        Some([0xCE, 0xFA, 0xED, 0xFE]) => (Endian::Little, 28),
        Some([0xCF, 0xFA, 0xED, 0xFE]) => (Endian::Little, 32),
        _ => return Ok(None),
    };
    let field = |off: u64| cursor::u32_at(&h, off, endian).unwrap_or(0);
    let (Some(cpu), file_type, ncmds, sizeofcmds) =
        (known_cpu(field(4)), field(12), field(16), field(20))
    else {
        return Ok(None);
    };
    let image_len = probe.len().saturating_sub(at);
    let commands_end = header_len.saturating_add(u64::from(sizeofcmds));
    if !(1..=0x0B).contains(&file_type)
        || ncmds == 0
        || ncmds > max_headers
        || commands_end > image_len
    {
        return Ok(None);
    }
    let mut command = header_len;
    for _ in 0..ncmds {
        let Some(head) = probe.fetch::<8>(at.saturating_add(command))? else {
            return Ok(None);
        };
        let (Some(cmd), Some(cmdsize)) = (
            cursor::u32_at(&head, 0, endian),
            cursor::u32_at(&head, 4, endian),
        ) else {
            return Ok(None);
        };
        let end = command.saturating_add(u64::from(cmdsize));
        if cmdsize < 8 || end > commands_end {
            return Ok(None);
        }
        let wanted = match cmd {
            LC_SEGMENT => 40,
            LC_SEGMENT_64 => 56,
            _ => 0,
        };
        let c = if wanted > 0 && u64::from(cmdsize) >= wanted {
            probe.fetch_padded::<56>(at.saturating_add(command), wanted)?
        } else {
            None
        };
        let placement = c.and_then(|c| match cmd {
            LC_SEGMENT => cursor::u32_at(&c, 32, endian)
                .zip(cursor::u32_at(&c, 36, endian))
                .map(|(o, s)| (u64::from(o), u64::from(s))),
            _ => cursor::u64_at(&c, 40, endian).zip(cursor::u64_at(&c, 48, endian)),
        });
        if let Some((offset, size)) = placement {
            if size > 0 && cursor::range_within(offset, size, image_len) {
                return Ok(Some(Confirmation {
                    carrier: Carrier::MachO,
                    offset: at,
                    detail: format!("{cpu} image with a segment inside the file"),
                    opens_the_file: at == 0,
                }));
            }
        }
        command = end;
    }
    Ok(None)
}

/// What the rules of [`fat`] found of a universal binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FatImage {
    /// How many slices it has.
    pub(crate) slices: u32,
    /// The input offset of its first slice.
    pub(crate) first: u64,
}

/// Mach-O universal binary: a small number of slices of known CPU types, each inside the
/// file, the first starting with a thin Mach-O magic. (A Java class file shares the magic;
/// its version fields do not describe slices that fit.)
pub(super) fn fat(
    probe: &mut Probe<'_>,
    at: u64,
    max_headers: u32,
) -> Result<Option<Confirmation>, Error> {
    Ok(
        fat_image(probe, at, max_headers)?.map(|image| Confirmation {
            carrier: Carrier::MachOFat,
            offset: at,
            detail: format!(
                "{} slices inside the file, the first a Mach-O image",
                image.slices
            ),
            opens_the_file: at == 0,
        }),
    )
}

/// The universal binary at input offset `at`, by the rules of [`fat`].
pub(crate) fn fat_image(
    probe: &mut Probe<'_>,
    at: u64,
    max_headers: u32,
) -> Result<Option<FatImage>, Error> {
    let Some(h) = probe.fetch::<8>(at)? else {
        return Ok(None);
    };
    let wide = cursor::array_at::<4>(&h, 0) == Some([0xCA, 0xFE, 0xBA, 0xBF]);
    let count = cursor::u32_at(&h, 4, Endian::Big).unwrap_or(0);
    if count == 0 || count > max_headers.min(64) {
        return Ok(None);
    }
    let entry_len: u64 = if wide { 32 } else { 20 };
    let image_len = probe.len().saturating_sub(at);
    let mut entry = 8u64;
    let mut first = None;
    for _ in 0..count {
        let Some(arch) = probe.fetch_padded::<32>(at.saturating_add(entry), entry_len)? else {
            return Ok(None);
        };
        let placement = if wide {
            cursor::u64_at(&arch, 8, Endian::Big).zip(cursor::u64_at(&arch, 16, Endian::Big))
        } else {
            cursor::u32_at(&arch, 8, Endian::Big)
                .zip(cursor::u32_at(&arch, 12, Endian::Big))
                .map(|(o, s)| (u64::from(o), u64::from(s)))
        };
        let cpu = cursor::u32_at(&arch, 0, Endian::Big).and_then(known_cpu);
        let Some((offset, size)) = placement else {
            return Ok(None);
        };
        if cpu.is_none() || size == 0 || !cursor::range_within(offset, size, image_len) {
            return Ok(None);
        }
        first = first.or(Some(offset));
        entry = entry.saturating_add(entry_len);
    }
    let Some(first) = first else { return Ok(None) };
    let first = at.saturating_add(first);
    let magic = probe.fetch::<4>(first)?;
    let thin = matches!(
        magic,
        Some([0xFE, 0xED, 0xFA, 0xCE | 0xCF] | [0xCE | 0xCF, 0xFA, 0xED, 0xFE])
    );
    Ok(thin.then_some(FatImage {
        slices: count,
        first,
    }))
}
