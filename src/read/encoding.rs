//! Data set encodings and the transfer syntaxes that select them.

use std::fmt;

/// How a data set's element headers are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Encoding {
    /// Explicit VR Little Endian: the File Meta group's encoding, and most data sets'.
    ExplicitVrLittleEndian,
    /// Implicit VR Little Endian: the DICOM default transfer syntax.
    ImplicitVrLittleEndian,
    /// Explicit VR Big Endian (retired, still found in archives).
    ExplicitVrBigEndian,
}

impl Encoding {
    /// Whether headers carry the value representation.
    pub fn is_explicit_vr(self) -> bool {
        !matches!(self, Encoding::ImplicitVrLittleEndian)
    }

    /// Whether numbers are big-endian.
    pub fn is_big_endian(self) -> bool {
        matches!(self, Encoding::ExplicitVrBigEndian)
    }

    /// The encoding's stable name, as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::ExplicitVrLittleEndian => "explicit-vr-little-endian",
            Encoding::ImplicitVrLittleEndian => "implicit-vr-little-endian",
            Encoding::ExplicitVrBigEndian => "explicit-vr-big-endian",
        }
    }

    pub(crate) fn endian(self) -> crate::read::cursor::Endian {
        if self.is_big_endian() {
            crate::read::cursor::Endian::Big
        } else {
            crate::read::cursor::Endian::Little
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A transfer syntax defined by PS3.5 and PS3.6 (current or retired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransferSyntax {
    /// The UID.
    pub uid: &'static str,
    /// The standard's name for it.
    pub name: &'static str,
    /// How the data set's headers are encoded (after inflation, for deflated syntaxes).
    pub encoding: Encoding,
    /// Whether the data set after the meta group is a raw deflate stream.
    pub deflated: bool,
    /// Whether Pixel Data is encapsulated (fragments in items).
    pub encapsulated: bool,
    /// Whether the standard has retired it.
    pub retired: bool,
}

impl TransferSyntax {
    /// Looks up a transfer syntax UID (trailing NUL or space padding ignored).
    ///
    /// ```
    /// use dicom_sanitize::{Encoding, TransferSyntax};
    ///
    /// let ts = TransferSyntax::lookup("1.2.840.10008.1.2.4.50\0").unwrap();
    /// assert!(ts.encapsulated);
    /// assert_eq!(ts.encoding, Encoding::ExplicitVrLittleEndian);
    /// assert!(TransferSyntax::lookup("1.2.3.4").is_none());
    /// ```
    pub fn lookup(uid: &str) -> Option<&'static TransferSyntax> {
        let uid = uid.trim_end_matches(['\0', ' ']);
        TRANSFER_SYNTAXES.iter().find(|ts| ts.uid == uid)
    }

    /// Every transfer syntax this crate knows.
    pub fn all() -> &'static [TransferSyntax] {
        TRANSFER_SYNTAXES
    }
}

const fn ts(
    uid: &'static str,
    name: &'static str,
    encoding: Encoding,
    deflated: bool,
    encapsulated: bool,
    retired: bool,
) -> TransferSyntax {
    TransferSyntax {
        uid,
        name,
        encoding,
        deflated,
        encapsulated,
        retired,
    }
}

const EXPLICIT_LE: Encoding = Encoding::ExplicitVrLittleEndian;

/// Native (uncompressed) pixel data, explicit VR little endian.
const fn native(uid: &'static str, name: &'static str) -> TransferSyntax {
    ts(uid, name, EXPLICIT_LE, false, false, false)
}

/// Encapsulated pixel data, explicit VR little endian.
const fn encapsulated(uid: &'static str, name: &'static str, retired: bool) -> TransferSyntax {
    ts(uid, name, EXPLICIT_LE, false, true, retired)
}

/// Deflated data set, explicit VR little endian once inflated.
const fn deflated(uid: &'static str, name: &'static str) -> TransferSyntax {
    ts(uid, name, EXPLICIT_LE, true, false, false)
}

static TRANSFER_SYNTAXES: &[TransferSyntax] = &[
    ts(
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        Encoding::ImplicitVrLittleEndian,
        false,
        false,
        false,
    ),
    native("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
    encapsulated(
        "1.2.840.10008.1.2.1.98",
        "Encapsulated Uncompressed Explicit VR Little Endian",
        false,
    ),
    deflated(
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
    ),
    ts(
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        Encoding::ExplicitVrBigEndian,
        false,
        false,
        true,
    ),
    encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", false),
    encapsulated(
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 & 4)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.52",
        "JPEG Extended (Process 3 & 5)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.53",
        "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.54",
        "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.55",
        "JPEG Full Progression, Non-Hierarchical (Process 10 & 12)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.56",
        "JPEG Full Progression, Non-Hierarchical (Process 11 & 13)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.58",
        "JPEG Lossless, Non-Hierarchical (Process 15)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.59",
        "JPEG Extended, Hierarchical (Process 16 & 18)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.60",
        "JPEG Extended, Hierarchical (Process 17 & 19)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.61",
        "JPEG Spectral Selection, Hierarchical (Process 20 & 22)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.62",
        "JPEG Spectral Selection, Hierarchical (Process 21 & 23)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.63",
        "JPEG Full Progression, Hierarchical (Process 24 & 26)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.64",
        "JPEG Full Progression, Hierarchical (Process 25 & 27)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.65",
        "JPEG Lossless, Hierarchical (Process 28)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.66",
        "JPEG Lossless, Hierarchical (Process 29)",
        true,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless Image Compression",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Lossy (Near-Lossless) Image Compression",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Image Compression (Lossless Only)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.91",
        "JPEG 2000 Image Compression",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.92",
        "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.93",
        "JPEG 2000 Part 2 Multi-component Image Compression",
        false,
    ),
    native("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
    deflated("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
    encapsulated(
        "1.2.840.10008.1.2.4.100",
        "MPEG2 Main Profile / Main Level",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.100.1",
        "Fragmentable MPEG2 Main Profile / Main Level",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.101",
        "MPEG2 Main Profile / High Level",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.101.1",
        "Fragmentable MPEG2 Main Profile / High Level",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.102",
        "MPEG-4 AVC/H.264 High Profile / Level 4.1",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.102.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.103",
        "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.103.1",
        "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.104",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.104.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.105",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.105.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.106",
        "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.106.1",
        "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.107",
        "HEVC/H.265 Main Profile / Level 5.1",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.108",
        "HEVC/H.265 Main 10 Profile / Level 5.1",
        false,
    ),
    encapsulated("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", false),
    encapsulated(
        "1.2.840.10008.1.2.4.111",
        "JPEG XL JPEG Recompression",
        false,
    ),
    encapsulated("1.2.840.10008.1.2.4.112", "JPEG XL", false),
    encapsulated(
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        false,
    ),
    encapsulated(
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000 Image Compression",
        false,
    ),
    native("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced"),
    deflated("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate"),
    encapsulated("1.2.840.10008.1.2.5", "RLE Lossless", false),
    encapsulated(
        "1.2.840.10008.1.2.8.1",
        "Deflated Image Frame Compression",
        false,
    ),
    native("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation"),
    native("1.2.840.10008.1.2.6.2", "XML Encoding"),
    native(
        "1.2.840.10008.1.2.7.1",
        "SMPTE ST 2110-20 Uncompressed Progressive Active Video",
    ),
    native(
        "1.2.840.10008.1.2.7.2",
        "SMPTE ST 2110-20 Uncompressed Interlaced Active Video",
    ),
    native(
        "1.2.840.10008.1.2.7.3",
        "SMPTE ST 2110-30 PCM Digital Audio",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_unique_and_well_formed() {
        let mut uids: Vec<&str> = TRANSFER_SYNTAXES.iter().map(|ts| ts.uid).collect();
        uids.sort_unstable();
        let count = uids.len();
        uids.dedup();
        assert_eq!(uids.len(), count, "duplicate transfer syntax UID");
        for uid in uids {
            assert!(
                uid.len() <= 64 && uid.starts_with("1.2.840.10008.1.2"),
                "{uid}"
            );
            let canonical =
                |part: &str| !part.is_empty() && (part == "0" || !part.starts_with('0'));
            assert!(uid.split('.').all(canonical), "{uid}");
        }
    }

    #[test]
    fn padding_is_ignored() {
        let ts = TransferSyntax::lookup("1.2.840.10008.1.2.1.99 ").unwrap();
        assert!(ts.deflated);
        assert_eq!(
            TransferSyntax::lookup("1.2.840.10008.1.2\0")
                .unwrap()
                .encoding,
            Encoding::ImplicitVrLittleEndian
        );
        assert!(
            TransferSyntax::lookup("1.2.840.10008.1.2.2")
                .unwrap()
                .retired
        );
        assert!(TransferSyntax::lookup("").is_none());
    }
}
