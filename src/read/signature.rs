//! Table-driven recognition of the file formats that make a DICOM file a polyglot.
//!
//! These are pure functions over a few bytes: they say what a byte string *starts as* (or, for
//! PDF and markup, *contains*), never whether the rest of it is valid. Confirming a structure
//! (an executable's headers, a TIFF IFD chain) is the job of [`crate::executable`] and
//! [`crate::tiff`].
//!
//! Only [`Format`], the answer, is public (reports and [`PreambleKind`](crate::PreambleKind)
//! name it); the heuristics themselves (which magic numbers, how far PDF and markup are looked
//! for) are the crate's own and change as carriers are found.

use std::sync::OnceLock;

use memchr::memmem::Finder;

use crate::read::cursor;

/// A file format recognised by its signature bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Format {
    /// Windows Portable Executable (`MZ`).
    Pe,
    /// Linux and Unix ELF executable (`7F 45 4C 46`, valid class, data and version bytes).
    Elf,
    /// macOS Mach-O executable, 32 or 64 bit, either byte order.
    MachO,
    /// macOS universal (fat) binary: `CA FE BA BE` or `CA FE BA BF` with a small arch count.
    MachOFat,
    /// Java class file: `CA FE BA BE` with a class-file version.
    JavaClass,
    /// PDF document (`%PDF-`).
    Pdf,
    /// ZIP, JAR or Office Open XML local file header (`PK 03 04`).
    Zip,
    /// OLE compound file (legacy Office, MSI).
    Ole,
    /// RAR archive.
    Rar,
    /// 7-Zip archive.
    SevenZip,
    /// gzip stream.
    Gzip,
    /// bzip2 stream.
    Bzip2,
    /// xz stream.
    Xz,
    /// Zstandard frame.
    Zstd,
    /// Microsoft cabinet.
    Cab,
    /// WebAssembly module.
    Wasm,
    /// Android DEX bytecode.
    Dex,
    /// Unix `ar` archive (static libraries, Debian packages).
    Ar,
    /// Windows shortcut (`.lnk`): the 76-byte header size and the shell link CLSID, a header
    /// that makes Windows run the shortcut's target.
    Lnk,
}

impl Format {
    /// The format's stable lowercase name, as used in reports.
    ///
    /// ```
    /// use dicom_sanitize::signature::Format;
    ///
    /// assert_eq!(Format::Zip.name(), "zip");
    /// assert_eq!(Format::SevenZip.name(), "7z");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Pe => "pe",
            Format::Elf => "elf",
            Format::MachO => "macho",
            Format::MachOFat => "macho-fat",
            Format::JavaClass => "java-class",
            Format::Pdf => "pdf",
            Format::Zip => "zip",
            Format::Ole => "ole",
            Format::Rar => "rar",
            Format::SevenZip => "7z",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::Cab => "cab",
            Format::Wasm => "wasm",
            Format::Dex => "dex",
            Format::Ar => "ar",
            Format::Lnk => "lnk",
        }
    }

    /// Whether the format is machine code or bytecode a system can run.
    pub fn is_executable(self) -> bool {
        matches!(
            self,
            Format::Pe
                | Format::Elf
                | Format::MachO
                | Format::MachOFat
                | Format::JavaClass
                | Format::Wasm
                | Format::Dex
        )
    }
}

/// A signature: magic bytes at offset 0, plus an optional check of the bytes that follow.
struct Signature {
    magic: &'static [u8],
    format: Format,
    check: fn(&[u8]) -> bool,
}

fn always(_: &[u8]) -> bool {
    true
}

/// ELF: class 1 or 2, data 1 or 2, version 1.
fn elf_ident(bytes: &[u8]) -> bool {
    matches!(cursor::slice_at(bytes, 4, 3), Some([1 | 2, 1 | 2, 1]))
}

/// gzip: compression method 8 (deflate), the only one defined.
fn gzip_method(bytes: &[u8]) -> bool {
    cursor::slice_at(bytes, 2, 1) == Some(&[8])
}

/// bzip2: `BZh` then the block size digit.
fn bzip2_level(bytes: &[u8]) -> bool {
    matches!(cursor::slice_at(bytes, 3, 1), Some([b'1'..=b'9']))
}

/// `CA FE BA BE` is both a fat Mach-O (big-endian arch count, small) and a Java class
/// (minor and major version, major at least 45). Apple's own tools split them the same way.
fn fat_arch_count(bytes: &[u8]) -> bool {
    cursor::u32_at(bytes, 4, cursor::Endian::Big).is_some_and(|n| (1..45).contains(&n))
}

fn java_version(bytes: &[u8]) -> bool {
    cursor::u32_at(bytes, 4, cursor::Endian::Big).is_some_and(|n| n >= 45)
}

/// A Java class file's start as the JVM's class parser reads it: a major version it loads
/// (45, Java 1.0, to 80), a minor version of 0 or 0xFFFF (preview) from Java 12 (major 56) on,
/// at least one constant, and a first constant of a defined tag whose indices name entries
/// of the pool. A vendor's `CA FE BA BE` followed by other data is no class.
fn java_class(bytes: &[u8]) -> bool {
    let u16_at = |at: u64| cursor::u16_at(bytes, at, cursor::Endian::Big);
    let (Some(minor), Some(major), Some(count), Some([tag])) = (
        u16_at(4),
        u16_at(6),
        u16_at(8),
        cursor::array_at::<1>(bytes, 10),
    ) else {
        return false;
    };
    let index = |at: u64| u16_at(at).is_some_and(|i| i >= 1 && i < count);
    let version = (45..=80).contains(&major) && (major < 56 || matches!(minor, 0 | 0xFFFF));
    let constant = match tag {
        // Utf8 (a length), Integer, Float, Long, Double.
        1 | 3..=6 => true,
        // Class, String, MethodType, Module, Package: one index.
        7 | 8 | 16 | 19 | 20 => index(11),
        // Field, method and interface method references, NameAndType, (Invoke)Dynamic.
        9..=12 | 17 | 18 => index(11) && index(13),
        // MethodHandle: a reference kind (1 to 9), then an index.
        15 => cursor::array_at::<1>(bytes, 11).is_some_and(|[k]| (1..=9).contains(&k)) && index(12),
        _ => false,
    };
    version && count >= 2 && constant
}

/// The ELF magic, `7F 45 4C 46`.
pub(crate) const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

const SIGNATURES: &[Signature] = &[
    Signature {
        magic: b"MZ",
        format: Format::Pe,
        check: always,
    },
    Signature {
        magic: b"\x7fELF",
        format: Format::Elf,
        check: elf_ident,
    },
    Signature {
        magic: &[0xFE, 0xED, 0xFA, 0xCE],
        format: Format::MachO,
        check: always,
    },
    Signature {
        magic: &[0xFE, 0xED, 0xFA, 0xCF],
        format: Format::MachO,
        check: always,
    },
    Signature {
        magic: &[0xCE, 0xFA, 0xED, 0xFE],
        format: Format::MachO,
        check: always,
    },
    Signature {
        magic: &[0xCF, 0xFA, 0xED, 0xFE],
        format: Format::MachO,
        check: always,
    },
    Signature {
        magic: &[0xCA, 0xFE, 0xBA, 0xBE],
        format: Format::MachOFat,
        check: fat_arch_count,
    },
    Signature {
        magic: &[0xCA, 0xFE, 0xBA, 0xBF],
        format: Format::MachOFat,
        check: fat_arch_count,
    },
    Signature {
        magic: &[0xCA, 0xFE, 0xBA, 0xBE],
        format: Format::JavaClass,
        check: java_version,
    },
    Signature {
        magic: b"%PDF-",
        format: Format::Pdf,
        check: always,
    },
    Signature {
        magic: b"PK\x03\x04",
        format: Format::Zip,
        check: always,
    },
    Signature {
        magic: &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        format: Format::Ole,
        check: always,
    },
    Signature {
        magic: b"Rar!\x1a\x07",
        format: Format::Rar,
        check: always,
    },
    Signature {
        magic: &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C],
        format: Format::SevenZip,
        check: always,
    },
    Signature {
        magic: &[0x1F, 0x8B],
        format: Format::Gzip,
        check: gzip_method,
    },
    Signature {
        magic: b"BZh",
        format: Format::Bzip2,
        check: bzip2_level,
    },
    Signature {
        magic: &[0xFD, b'7', b'z', b'X', b'Z', 0x00],
        format: Format::Xz,
        check: always,
    },
    Signature {
        magic: &[0x28, 0xB5, 0x2F, 0xFD],
        format: Format::Zstd,
        check: always,
    },
    Signature {
        magic: b"MSCF",
        format: Format::Cab,
        check: always,
    },
    Signature {
        magic: b"\0asm",
        format: Format::Wasm,
        check: always,
    },
    Signature {
        magic: b"dex\n",
        format: Format::Dex,
        check: always,
    },
    Signature {
        magic: b"!<arch>\n",
        format: Format::Ar,
        check: always,
    },
];

/// A Windows shortcut's header: its size, `4C 00 00 00`, then the shell link CLSID
/// `00021401-0000-0000-C000-000000000046`.
const SHORTCUT: &[u8; 20] = &[
    0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x46,
];

/// Whether `bytes` start with a Windows shortcut header ([`Format::Lnk`]). Not one of
/// [`sniff`]'s signatures: only the preamble, where a file starts, is a shortcut.
pub(crate) fn is_shortcut(bytes: &[u8]) -> bool {
    bytes.starts_with(SHORTCUT)
}

/// The format whose signature `bytes` starts with, if any.
///
/// Only magic numbers (and a cheap check of the bytes right after them) are compared: a match
/// says what the bytes claim to be. PDF is also found at offset 0 here; use [`find_pdf`] for
/// the looser rule PDF readers apply.
pub(crate) fn sniff(bytes: &[u8]) -> Option<Format> {
    let first = bytes.first()?;
    SIGNATURES
        .iter()
        // The first byte rules out most signatures without a call to compare slices.
        .filter(|sig| sig.magic.first() == Some(first))
        .find(|sig| bytes.starts_with(sig.magic) && (sig.check)(bytes))
        .map(|sig| sig.format)
}

/// Offset of the first `%PDF-` in `bytes`: PDF readers accept the header anywhere in a file's
/// first 1024 bytes.
pub(crate) fn find_pdf(bytes: &[u8]) -> Option<usize> {
    static PDF: OnceLock<Finder<'static>> = OnceLock::new();
    PDF.get_or_init(|| Finder::new(b"%PDF-")).find(bytes)
}

/// Markup that browsers and `mshta` render: a tag at byte 0 (after optional white space), or one
/// of `<script`, `<html`, `<hta:`, `<svg` anywhere (ASCII case-insensitive); in ASCII or UTF-8,
/// after a UTF-8 byte order mark, or in UTF-16 of either byte order, with or without its byte
/// order mark (`<\0h\0t\0m\0l\0`): browsers sniff every one of those.
pub(crate) fn is_markup(bytes: &[u8]) -> bool {
    let utf8 = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    is_ascii_markup(utf8)
        || [cursor::Endian::Little, cursor::Endian::Big]
            .into_iter()
            .any(|endian| is_ascii_markup(&utf16_as_ascii(bytes, endian)))
}

/// UTF-16 text as bytes: each code unit below 0x80 as its ASCII byte, any other as 0xFF; a
/// leading byte order mark of `endian` dropped.
fn utf16_as_ascii(bytes: &[u8], endian: cursor::Endian) -> Vec<u8> {
    let bom: &[u8] = match endian {
        cursor::Endian::Little => b"\xFF\xFE",
        cursor::Endian::Big => b"\xFE\xFF",
    };
    let units = bytes.strip_prefix(bom).unwrap_or(bytes);
    units
        .chunks_exact(2)
        .map(|pair| {
            let (low, high) = match (endian, pair) {
                (cursor::Endian::Little, [low, high]) => (*low, *high),
                (cursor::Endian::Big, [high, low]) => (*low, *high),
                _ => (0xFF, 0xFF),
            };
            if high == 0 && low < 0x80 {
                low
            } else {
                0xFF
            }
        })
        .collect()
}

/// [`is_markup`] on bytes read as ASCII.
fn is_ascii_markup(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_start();
    let tag_at_start =
        matches!(trimmed, [b'<', c, ..] if c.is_ascii_alphabetic() || *c == b'!' || *c == b'?');
    // Every tag starts with `<`: compare only where one stands.
    tag_at_start
        || memchr::memchr_iter(b'<', bytes).any(|at| {
            [&b"<script"[..], b"<html", b"<hta:", b"<svg"]
                .iter()
                .any(|needle| {
                    bytes
                        .get(at..)
                        .and_then(|rest| rest.get(..needle.len()))
                        .is_some_and(|w| w.eq_ignore_ascii_case(needle))
                })
        })
}

/// A payload found at the start of an element value, or anywhere in padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payload {
    /// Machine code or bytecode a system can run.
    Executable(Format),
    /// An archive or compressed container.
    Archive(Format),
    /// A shell script with `#!`.
    Script,
    /// A PDF document.
    Pdf,
    /// HTML or other markup.
    Markup,
}

impl Payload {
    pub(crate) fn describe(self) -> String {
        match self {
            Payload::Executable(format) => format!("{} executable", format.name()),
            Payload::Archive(format) => format!("{} archive", format.name()),
            Payload::Script => "shell script (#!)".to_owned(),
            Payload::Pdf => "PDF document".to_owned(),
            Payload::Markup => "HTML or other markup".to_owned(),
        }
    }
}

/// What an element value starts with, judged more strictly than a preamble: binary values are
/// full of arbitrary bytes, so short magics need the bytes after them to agree. `value_len` is
/// the value's full length; a PE (`MZ`) is only reported once confirmed by the caller, so it is
/// returned as a candidate here.
pub(crate) fn value_payload(bytes: &[u8], value_len: u64) -> Option<Payload> {
    if bytes.starts_with(b"#!/") || bytes.starts_with(b"#! /") {
        return Some(Payload::Script);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(Payload::Pdf);
    }
    if matches!(bytes.trim_ascii_start(), [b'<', b'!' | b'?', ..]) || starts_with_tag(bytes) {
        return Some(Payload::Markup);
    }
    let format = sniff(bytes)?;
    let plausible = match format {
        // `MZ` alone is two common bytes; the caller confirms `PE\0\0` at `e_lfanew`.
        Format::Pe => true,
        Format::MachO => {
            let endian = if bytes.starts_with(&[0xFE, 0xED]) {
                cursor::Endian::Big
            } else {
                cursor::Endian::Little
            };
            let ncmds = cursor::u32_at(bytes, 16, endian);
            let size = cursor::u32_at(bytes, 20, endian);
            matches!((ncmds, size), (Some(1..=1024), Some(s)) if u64::from(s) < value_len)
        }
        Format::Gzip => cursor::array_at::<1>(bytes, 3).is_some_and(|[flags]| flags < 0x20),
        Format::Bzip2 => {
            cursor::slice_at(bytes, 4, 6) == Some(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59][..])
        }
        Format::Wasm => cursor::slice_at(bytes, 4, 4) == Some(&[1, 0, 0, 0][..]),
        Format::Cab => cursor::slice_at(bytes, 4, 4) == Some(&[0, 0, 0, 0][..]),
        Format::JavaClass => java_class(bytes),
        Format::Zstd => value_len >= 9,
        _ => true,
    };
    if !plausible {
        return None;
    }
    Some(match format {
        Format::Pdf => Payload::Pdf,
        f if f.is_executable() => Payload::Executable(f),
        f => Payload::Archive(f),
    })
}

/// `<` followed by one of the tags browsers execute, at the start (after white space).
fn starts_with_tag(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_start();
    [
        &b"<script"[..],
        b"<html",
        b"<hta:",
        b"<svg",
        b"<iframe",
        b"<body",
    ]
    .iter()
    .any(|tag| {
        trimmed
            .get(..tag.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(tag))
    })
}

/// Strong signatures searched for anywhere in padding: magics long or specific enough that
/// chance matches in arbitrary bytes are negligible.
const EMBEDDED: &[(&[u8], Payload)] = &[
    (b"PK\x03\x04", Payload::Archive(Format::Zip)),
    (b"PK\x05\x06", Payload::Archive(Format::Zip)),
    (b"\x7fELF", Payload::Executable(Format::Elf)),
    (b"PE\0\0", Payload::Executable(Format::Pe)),
    (b"%PDF-", Payload::Pdf),
    (b"#!/", Payload::Script),
    (
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        Payload::Archive(Format::Ole),
    ),
    (b"Rar!\x1a\x07", Payload::Archive(Format::Rar)),
    (
        &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C],
        Payload::Archive(Format::SevenZip),
    ),
    (
        &[0xFD, b'7', b'z', b'X', b'Z', 0x00],
        Payload::Archive(Format::Xz),
    ),
    (b"<script", Payload::Markup),
    (b"<html", Payload::Markup),
];

/// Which bytes start a magic of [`EMBEDDED`].
// Evaluated at compile time: an index out of bounds fails the build, never a run.
#[allow(clippy::indexing_slicing)]
const EMBEDDED_FIRST: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < EMBEDDED.len() {
        if let [first, ..] = EMBEDDED[i].0 {
            table[*first as usize] = true;
        }
        i += 1;
    }
    table
};

/// The first strong signature anywhere in `bytes`, with its offset: one pass, looking for
/// magics only where a byte can start one (a few percent of the bytes of pixel data).
pub(crate) fn embedded_payload(bytes: &[u8]) -> Option<(usize, Payload)> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            EMBEDDED_FIRST
                .get(usize::from(**b))
                .copied()
                .unwrap_or(false)
        })
        .find_map(|(at, _)| {
            let rest = bytes.get(at..)?;
            EMBEDDED
                .iter()
                .find(|(magic, _)| rest.starts_with(magic))
                .map(|(_, payload)| (at, *payload))
        })
}

/// The longest magic in [`EMBEDDED`], for scanning in overlapping chunks.
pub(crate) const EMBEDDED_MAX_LEN: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_in_the_table_is_recognised() {
        let cases: &[(&[u8], Format)] = &[
            (b"MZ\x90\0", Format::Pe),
            (b"\x7fELF\x01\x01\x01\0", Format::Elf),
            (b"\x7fELF\x02\x02\x01\0", Format::Elf),
            (&[0xFE, 0xED, 0xFA, 0xCE, 0, 0, 0, 7], Format::MachO),
            (&[0xFE, 0xED, 0xFA, 0xCF, 0, 0, 0, 7], Format::MachO),
            (&[0xCE, 0xFA, 0xED, 0xFE, 7, 0, 0, 0], Format::MachO),
            (&[0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1], Format::MachO),
            (&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2], Format::MachOFat),
            (&[0xCA, 0xFE, 0xBA, 0xBF, 0, 0, 0, 2], Format::MachOFat),
            (&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52], Format::JavaClass),
            (b"%PDF-1.4", Format::Pdf),
            (b"PK\x03\x04\x14\0", Format::Zip),
            (
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
                Format::Ole,
            ),
            (b"Rar!\x1a\x07\x01\0", Format::Rar),
            (
                &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4],
                Format::SevenZip,
            ),
            (&[0x1F, 0x8B, 0x08, 0], Format::Gzip),
            (b"BZh91AY", Format::Bzip2),
            (&[0xFD, b'7', b'z', b'X', b'Z', 0, 0, 4], Format::Xz),
            (&[0x28, 0xB5, 0x2F, 0xFD, 0x24], Format::Zstd),
            (b"MSCF\0\0\0\0", Format::Cab),
            (b"\0asm\x01\0\0\0", Format::Wasm),
            (b"dex\n035\0", Format::Dex),
            (b"!<arch>\ndebian", Format::Ar),
        ];
        for (bytes, format) in cases {
            assert_eq!(sniff(bytes), Some(*format), "{bytes:02X?}");
        }
    }

    #[test]
    fn shortcut_headers_need_the_whole_clsid() {
        let mut lnk = SHORTCUT.to_vec();
        lnk.extend_from_slice(&[0x9B, 0, 0x08, 0]);
        assert!(is_shortcut(&lnk));
        assert_eq!(sniff(&lnk), None);
        assert_eq!(Format::Lnk.name(), "lnk");
        assert!(!Format::Lnk.is_executable());
        assert!(!is_shortcut(&lnk[..19]));
        lnk[19] = 0x47;
        assert!(!is_shortcut(&lnk));
        assert!(!is_shortcut(b"L\0\0\0"));
    }

    #[test]
    fn near_misses_are_not_recognised() {
        let cases: &[&[u8]] = &[
            b"",
            b"M",
            b"\x7fELF",
            b"\x7fELF\x03\x01\x01",
            b"\x7fELF\x01\x01\x02",
            &[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0],
            &[0xCA, 0xFE, 0xBA, 0xBF, 0, 0, 0, 60],
            &[0x1F, 0x8B, 0x07],
            b"BZh0",
            b"PK\x05\x06",
            b"II*\0",
            &[0; 128],
        ];
        for bytes in cases {
            assert_eq!(sniff(bytes), None, "{bytes:02X?}");
        }
    }

    #[test]
    fn value_payloads_need_more_than_a_short_magic() {
        assert_eq!(value_payload(b"#!/bin/sh\n", 100), Some(Payload::Script));
        assert_eq!(value_payload(b"#not a script", 100), None);
        assert_eq!(value_payload(b"%PDF-1.4", 100), Some(Payload::Pdf));
        assert_eq!(value_payload(b"<html>", 100), Some(Payload::Markup));
        assert_eq!(value_payload(b" <SCRIPT>x", 100), Some(Payload::Markup));
        assert_eq!(value_payload(b"<1.0>", 100), None);
        assert_eq!(
            value_payload(b"PK\x03\x04\x14\0", 100),
            Some(Payload::Archive(Format::Zip))
        );
        assert_eq!(
            value_payload(b"\x7fELF\x02\x01\x01", 100),
            Some(Payload::Executable(Format::Elf))
        );
        assert_eq!(
            value_payload(b"MZ\x90\0", 100),
            Some(Payload::Executable(Format::Pe))
        );
        // Short magics in arbitrary binary data are not enough.
        assert_eq!(value_payload(&[0x1F, 0x8B, 0x08, 0xFF], 100), None);
        assert_eq!(
            value_payload(&[0x1F, 0x8B, 0x08, 0x00], 100),
            Some(Payload::Archive(Format::Gzip))
        );
        assert_eq!(
            value_payload(b"BZh91AY&SY", 100),
            Some(Payload::Archive(Format::Bzip2))
        );
        assert_eq!(value_payload(b"BZh9xxxxxx", 100), None);
        assert_eq!(value_payload(b"\0asm\x02\0\0\0", 100), None);
        let macho = [
            0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1, 3, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 64, 0, 0, 0,
        ];
        assert_eq!(
            value_payload(&macho, 1000),
            Some(Payload::Executable(Format::MachO))
        );
        assert_eq!(value_payload(&macho, 10), None);
        assert_eq!(value_payload(&[0u8; 64], 64), None);
    }

    #[test]
    fn a_java_class_by_the_class_parser_rules() {
        // Java 8 (52.0), 30 constants, the first a method reference to entries 6 and 18.
        let class = [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52, 0, 30, 10, 0, 6, 0, 18];
        let java = Some(Payload::Executable(Format::JavaClass));
        assert_eq!(value_payload(&class, 100), java);
        // 45.3 (Java 1.1) has a minor version; from 56 on only 0 and 0xFFFF (preview).
        let mut old = class;
        old[4..8].copy_from_slice(&[0, 3, 0, 45]);
        assert_eq!(value_payload(&old, 100), java);
        let mut preview = class;
        preview[4..8].copy_from_slice(&[0xFF, 0xFF, 0, 65]);
        assert_eq!(value_payload(&preview, 100), java);
        let refused: [(usize, &[u8]); 6] = [
            (4, &[0, 3, 0, 65]), // a minor version Java 21 refuses
            (6, &[0, 44]),       // before Java 1.0
            (8, &[0, 1]),        // no constant
            (10, &[2]),          // an undefined tag
            (11, &[0, 30]),      // an index past the pool
            (13, &[0, 0]),       // index 0
        ];
        for (at, bytes) in refused {
            let mut bad = class;
            bad[at..at + bytes.len()].copy_from_slice(bytes);
            assert_ne!(value_payload(&bad, 100), java, "{bad:?}");
        }
    }

    #[test]
    fn embedded_payloads_are_found_anywhere_first_offset_first() {
        assert_eq!(embedded_payload(b""), None);
        assert_eq!(embedded_payload(b"a < b, PK only, %PDF"), None);
        let mut padding = vec![0u8; 300];
        padding[250..255].copy_from_slice(b"%PDF-");
        padding[240..245].copy_from_slice(b"<html");
        padding[200..204].copy_from_slice(b"PK\x03\x04");
        assert_eq!(
            embedded_payload(&padding),
            Some((200, Payload::Archive(Format::Zip)))
        );
        padding[200..204].fill(0);
        assert_eq!(embedded_payload(&padding), Some((240, Payload::Markup)));
        assert_eq!(embedded_payload(&[0xAA; 300]), None);
        for (magic, payload) in EMBEDDED {
            let mut bytes = vec![0u8; 3];
            bytes.extend_from_slice(magic);
            assert_eq!(embedded_payload(&bytes), Some((3, *payload)), "{magic:?}");
            // Cut short, it is not there.
            bytes.pop();
            assert_eq!(embedded_payload(&bytes), None, "{magic:?}");
        }
        assert!(EMBEDDED
            .iter()
            .all(|(magic, _)| magic.len() <= EMBEDDED_MAX_LEN));
    }

    /// The examples of the heuristics' docs from when they were public.
    #[test]
    fn sniff_examples() {
        assert_eq!(sniff(b"PK\x03\x04\x14\x00"), Some(Format::Zip));
        assert_eq!(sniff(b"MZ\x90\x00"), Some(Format::Pe));
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), Some(Format::Elf));
        assert_eq!(sniff(b"\x7fELF\x09\x09\x09"), None);
        assert_eq!(sniff(&[0u8; 16]), None);
        assert_eq!(find_pdf(b"\0\0%PDF-1.7"), Some(2));
        assert!(is_markup(b"  <!DOCTYPE html>"));
        assert!(is_markup(b"II*\0\0\0<ScRiPt>alert(1)</script>"));
        assert!(!is_markup(b"1 < 2"));
    }

    #[test]
    fn markup_after_a_utf8_bom_or_in_utf16() {
        assert!(is_markup(b"\xEF\xBB\xBF<html>"));
        assert!(is_markup(b"\xEF\xBB\xBF  <!DOCTYPE html>"));
        let utf16 = |text: &str, big: bool, bom: bool| {
            let mut out: Vec<u8> = Vec::new();
            if bom {
                out.extend_from_slice(if big { b"\xFE\xFF" } else { b"\xFF\xFE" });
            }
            for unit in text.encode_utf16() {
                out.extend_from_slice(&if big {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            out.resize(128, 0);
            out
        };
        for big in [false, true] {
            for bom in [false, true] {
                assert!(is_markup(&utf16("<html>", big, bom)), "{big} {bom}");
                assert!(is_markup(&utf16(" <svg onload=x>", big, bom)));
                assert!(is_markup(&utf16("junk <script>x", big, bom)));
                assert!(!is_markup(&utf16("ACME 1 < 2", big, bom)));
                assert!(!is_markup(&utf16("é<", big, bom)));
            }
        }
        // The UTF-8 byte order mark alone, or UTF-16 text that is no markup, is not markup.
        assert!(!is_markup(b"\xEF\xBB\xBF"));
        assert!(!is_markup(b"\xEF\xBB\xBFACME"));
        assert!(!is_markup(b"\xFF\xFE"));
        assert!(!is_markup(b"II*\0\x08\0\0\0"));
    }

    #[test]
    fn pdf_and_markup() {
        assert_eq!(find_pdf(b"%PDF-"), Some(0));
        assert_eq!(find_pdf(b"xx%PDF"), None);
        assert!(is_markup(b"<html>"));
        assert!(is_markup(b"\r\n\t<?xml version"));
        assert!(is_markup(b"junk<HTA:APPLICATION>"));
        assert!(is_markup(b"<svg/onload=x>"));
        assert!(!is_markup(b"<"));
        assert!(!is_markup(b"< script"));
        assert!(!is_markup(&[0; 128]));
        assert!(is_markup(b"\0\0 text <SCRIPT>"));
        assert!(is_markup(b"x<Svg"));
        assert!(!is_markup(b"a < b <scrip"));
    }
}
