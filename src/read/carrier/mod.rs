//! Payload carriers anywhere in a file, confirmed by the rules of the program that would act
//! on them.
//!
//! A magic number is a *candidate*. It becomes a [`Confirmation`] only when the structure
//! behind it is what its consumer checks: the Linux loader for ELF, the Windows loader for PE,
//! dyld for Mach-O, ZIP readers (Python's `zipfile`, Java, `unzip`) for ZIP, GNU tar for tar,
//! the ISO 9660 driver for disc images, 7-Zip, unrar and cabextract for their archives, the
//! decompressors for compressed streams and PDF readers for PDF. Most rules read a few bytes
//! around the candidate; some follow a pointer elsewhere in the file (a PE header at
//! `e_lfanew`, a ZIP central directory), always through a budgeted [`Probe`].
//!
//! Candidates come from [`search::anchors`]: one SIMD pass over the bytes for every anchor of
//! [`ANCHORS`] of three bytes or more at once, and one for the two-byte `MZ`, merged in order
//! (the second is left out where no PE signature can follow: see [`search::Pass`]).

mod archive;
mod compressed;
mod crc;
mod document;
pub(crate) mod executable;
pub(crate) mod search;

#[cfg(test)]
use std::ops::ControlFlow;

use crate::error::Error;
use crate::read::probe::Probe;

/// A kind of payload carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Carrier {
    /// Linux ELF executable or shared object.
    Elf,
    /// Windows Portable Executable.
    Pe,
    /// macOS Mach-O, thin.
    MachO,
    /// macOS universal (fat) binary.
    MachOFat,
    /// ZIP archive (JAR, Python zipapp, Office Open XML), ZIP64 included.
    Zip,
    /// POSIX or GNU tar archive.
    Tar,
    /// ISO 9660 disc image.
    Iso9660,
    /// 7-Zip archive.
    SevenZip,
    /// RAR archive (1.5 to 4, or 5).
    Rar,
    /// Microsoft cabinet.
    Cab,
    /// OLE compound file (legacy Office, MSI).
    Cfb,
    /// gzip stream.
    Gzip,
    /// xz stream.
    Xz,
    /// Zstandard frame.
    Zstd,
    /// bzip2 stream.
    Bzip2,
    /// PDF document.
    Pdf,
}

impl Carrier {
    /// What the carrier is, for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Carrier::Elf => "ELF executable",
            Carrier::Pe => "Windows PE executable",
            Carrier::MachO => "Mach-O executable",
            Carrier::MachOFat => "Mach-O universal binary",
            Carrier::Zip => "ZIP archive",
            Carrier::Tar => "tar archive",
            Carrier::Iso9660 => "ISO 9660 disc image",
            Carrier::SevenZip => "7-Zip archive",
            Carrier::Rar => "RAR archive",
            Carrier::Cab => "cabinet archive",
            Carrier::Cfb => "OLE compound file",
            Carrier::Gzip => "gzip stream",
            Carrier::Xz => "xz stream",
            Carrier::Zstd => "Zstandard frame",
            Carrier::Bzip2 => "bzip2 stream",
            Carrier::Pdf => "PDF document",
        }
    }

    /// Whether the carrier is machine code a system loads.
    pub(crate) fn is_executable(self) -> bool {
        matches!(
            self,
            Carrier::Elf | Carrier::Pe | Carrier::MachO | Carrier::MachOFat
        )
    }

    /// Whether the carrier is a compressed stream (which vendors also use for private data).
    pub(crate) fn is_compressed_stream(self) -> bool {
        matches!(
            self,
            Carrier::Gzip | Carrier::Xz | Carrier::Zstd | Carrier::Bzip2
        )
    }
}

/// A carrier whose structure was confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Confirmation {
    /// What it is.
    pub(crate) carrier: Carrier,
    /// The input offset where it starts (for ZIP: the end-of-central-directory record, which
    /// is where readers find an archive; for ISO 9660: the primary volume descriptor).
    pub(crate) offset: u64,
    /// What was confirmed, for the finding's message.
    pub(crate) detail: String,
    /// Whether the consumer acts on the file itself, not only on bytes carved out of it: an
    /// executable whose image starts the file, a ZIP whose end record readers find from the
    /// end of the file, a tar at a 512-byte boundary, an ISO image starting the file, a PDF
    /// in its first KiB.
    pub(crate) opens_the_file: bool,
}

/// An anchor of the search: bytes that start (or sit at a fixed place in) a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// The bytes searched for.
    pub(crate) bytes: &'static [u8],
    /// The carrier they announce.
    pub(crate) carrier: Carrier,
}

/// Every anchor searched for. No anchor is a prefix of another, so each position holds at
/// most one; overlapping occurrences are all found (see [`search::anchors`]).
///
/// The order is the automatons' (see [`search`]): it decides which anchors share a bucket of
/// their SIMD prefilter, and this one, alone or after the PE signature, keeps the buckets'
/// false candidates in random bytes about three times fewer than the order of the carriers
/// would (about 2,100 per 100 MB against 6,700: a Teddy pass 3% faster).
pub(crate) const ANCHORS: &[Anchor] = &[
    Anchor {
        bytes: b"\xCA\xFE\xBA\xBF",
        carrier: Carrier::MachOFat,
    },
    Anchor {
        bytes: b"\xFE\xED\xFA\xCF",
        carrier: Carrier::MachO,
    },
    Anchor {
        bytes: b"\xCF\xFA\xED\xFE",
        carrier: Carrier::MachO,
    },
    Anchor {
        bytes: b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        carrier: Carrier::Cfb,
    },
    Anchor {
        bytes: b"ustar",
        carrier: Carrier::Tar,
    },
    Anchor {
        bytes: b"7z\xBC\xAF\x27\x1C",
        carrier: Carrier::SevenZip,
    },
    Anchor {
        bytes: b"\x7FELF",
        carrier: Carrier::Elf,
    },
    Anchor {
        bytes: b"PK\x05\x06",
        carrier: Carrier::Zip,
    },
    Anchor {
        bytes: b"\x28\xB5\x2F\xFD",
        carrier: Carrier::Zstd,
    },
    Anchor {
        bytes: b"\xCA\xFE\xBA\xBE",
        carrier: Carrier::MachOFat,
    },
    Anchor {
        bytes: b"BZh",
        carrier: Carrier::Bzip2,
    },
    Anchor {
        bytes: b"%PDF-",
        carrier: Carrier::Pdf,
    },
    Anchor {
        bytes: b"MSCF",
        carrier: Carrier::Cab,
    },
    Anchor {
        bytes: b"Rar!\x1A\x07",
        carrier: Carrier::Rar,
    },
    Anchor {
        bytes: b"\x1F\x8B\x08",
        carrier: Carrier::Gzip,
    },
    Anchor {
        bytes: b"CD001",
        carrier: Carrier::Iso9660,
    },
    Anchor {
        bytes: b"\xFE\xED\xFA\xCE",
        carrier: Carrier::MachO,
    },
    Anchor {
        bytes: b"\xFD7zXZ\x00",
        carrier: Carrier::Xz,
    },
    Anchor {
        bytes: b"\xCE\xFA\xED\xFE",
        carrier: Carrier::MachO,
    },
    Anchor {
        bytes: b"MZ",
        carrier: Carrier::Pe,
    },
];

/// The longest anchor: a search over chunks keeps this many bytes minus one of overlap.
pub(crate) const MAX_ANCHOR_LEN: usize = 8;

/// [`confirm_with`] with nothing learnt before.
#[cfg(test)]
pub(crate) fn confirm(
    carrier: Carrier,
    at: u64,
    probe: &mut Probe<'_>,
    max_headers: u32,
) -> Result<Option<Confirmation>, Error> {
    confirm_with(carrier, at, probe, max_headers, &mut Memo::default())
}

/// What earlier confirmations of one search learnt, so that later candidates need not read
/// the same bytes again: CPU stays linear in the input however densely its anchors stand.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Memo {
    /// What PDF candidates' windows read.
    pub(crate) pdf: document::PdfMemo,
}

/// Confirms (or not) the carrier an anchor announces at input offset `at`.
///
/// # Errors
/// Only when a read of the input fails; a structure outside the input or beyond the probe
/// budget is unconfirmed.
///
/// `memo` holds what earlier confirmations over the same input learnt (candidates are
/// confirmed in increasing offset order).
pub(crate) fn confirm_with(
    carrier: Carrier,
    at: u64,
    probe: &mut Probe<'_>,
    max_headers: u32,
    memo: &mut Memo,
) -> Result<Option<Confirmation>, Error> {
    match carrier {
        Carrier::Elf => executable::elf(probe, at, max_headers),
        Carrier::Pe => executable::pe(probe, at),
        Carrier::MachO => executable::macho(probe, at, max_headers),
        Carrier::MachOFat => executable::fat(probe, at, max_headers),
        Carrier::Zip => archive::zip(probe, at),
        Carrier::Tar => archive::tar(probe, at),
        Carrier::Iso9660 => archive::iso9660(probe, at),
        Carrier::SevenZip => archive::seven_zip(probe, at),
        Carrier::Rar => archive::rar(probe, at),
        Carrier::Cab => archive::cab(probe, at),
        Carrier::Cfb => archive::cfb(probe, at),
        Carrier::Gzip => compressed::gzip(probe, at),
        Carrier::Xz => compressed::xz(probe, at),
        Carrier::Zstd => compressed::zstd(probe, at),
        Carrier::Bzip2 => compressed::bzip2(probe, at),
        Carrier::Pdf => document::pdf(probe, at, &mut memo.pdf),
    }
}

/// Searches `bytes`, which start at input offset `start`, for carriers: every anchor that
/// starts in `bytes[..report_end]` is confirmed through `probe` (which reaches the whole
/// input), and `found` is called with each confirmation, in offset order, until it breaks.
///
/// # Errors
/// Only when a read of the input fails.
#[cfg(test)]
pub(crate) fn search(
    bytes: &[u8],
    start: u64,
    report_end: usize,
    probe: &mut Probe<'_>,
    max_headers: u32,
    mut found: impl FnMut(Confirmation) -> ControlFlow<()>,
) -> Result<(), Error> {
    let mut failed = None;
    search::anchors(bytes, report_end, search::Pass::All, |carrier, at| {
        let at = start.saturating_add(at as u64);
        match confirm(carrier, at, probe, max_headers) {
            Ok(Some(confirmation)) => found(confirmation),
            Ok(None) => ControlFlow::Continue(()),
            Err(err) => {
                failed = Some(err);
                ControlFlow::Break(())
            }
        }
    });
    failed.map_or(Ok(()), Err)
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn no_anchor_is_a_prefix_of_another_and_all_fit_the_overlap() {
        for a in ANCHORS {
            assert!(a.bytes.len() <= MAX_ANCHOR_LEN, "{:?}", a.bytes);
            assert!(a.bytes.len() >= 2);
            for b in ANCHORS {
                if a != b {
                    assert!(!b.bytes.starts_with(a.bytes), "{:?} {:?}", a.bytes, b.bytes);
                }
            }
        }
        assert!(ANCHORS.iter().any(|a| a.bytes.len() == MAX_ANCHOR_LEN));
    }
}
