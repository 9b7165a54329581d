//! Findings: what validation reports, each with a stable code, a severity and an offset; the
//! table of codes (with each code's category and usual severity), the constructors the rules
//! use, and the capped collection a validation fills.

use std::fmt;

use dicom_core::Tag;

use crate::error::Error;
use crate::read::preamble::PreambleKind;
use crate::read::walk::Element;
pub use crate::severity::Severity;

/// Findings of one code reported before the rest are only counted.
pub(crate) const MAX_PER_CODE: usize = 32;

/// What a finding is about: a polyglot signal or a structural defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Something that makes, or could make, the file another format as well as DICOM.
    Polyglot,
    /// A defect in the DICOM encoding itself.
    Structure,
}

macro_rules! finding_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $category:ident, $severity:ident;)*) => {
        /// The stable identifier of a kind of finding.
        ///
        /// The strings of [`FindingCode::as_str`] never change meaning; new codes may be added.
        /// The README lists every code with its severity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FindingCode {
            $($(#[$doc])* $variant,)*
        }

        impl FindingCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// The stable string, as used in reports.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $code,)*
                }
            }

            /// Whether the code is a polyglot signal or a structural defect.
            pub fn category(self) -> Category {
                match self {
                    $(FindingCode::$variant => Category::$category,)*
                }
            }

            /// The code's usual severity, as the README's table of codes gives it. Some
            /// findings of a code are graded otherwise (its documentation says when): a
            /// confirmed executable is critical, a document where documents belong is info.
            pub fn severity(self) -> Severity {
                match self {
                    $(FindingCode::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

impl FindingCode {
    /// Whether the carrier search makes findings of this code: a confirmed executable,
    /// archive, compressed stream or document in a value or in unread bytes.
    pub(crate) fn is_carrier(self) -> bool {
        matches!(
            self,
            FindingCode::ValueExecutable
                | FindingCode::ValueArchive
                | FindingCode::ValueCompressed
                | FindingCode::ValueDocument
        )
    }
}

finding_codes! {
    /// A functional TIFF header (dual-personality DICOM-TIFF). Info.
    PreambleTiff = "preamble.tiff", Polyglot, Info;
    /// A TIFF header whose IFD chain does not work: vestigial, harmless. Low.
    PreambleTiffDangling = "preamble.tiff-dangling", Polyglot, Low;
    /// A TIFF magic followed by bytes no TIFF header allows. High.
    PreambleTiffMasquerade = "preamble.tiff-masquerade", Polyglot, High;
    /// A Windows PE header. High; critical when `PE\0\0` is found at `e_lfanew`.
    PreamblePe = "preamble.pe", Polyglot, High;
    /// An ELF header. High; critical when a loadable segment is confirmed.
    PreambleElf = "preamble.elf", Polyglot, High;
    /// A Mach-O header. High; critical when its load commands are confirmed.
    PreambleMachO = "preamble.macho", Polyglot, High;
    /// Text that shells run, with or without `#!`. High.
    PreambleScript = "preamble.script", Polyglot, High;
    /// A PDF header. High.
    PreamblePdf = "preamble.pdf", Polyglot, High;
    /// HTML, SVG, HTA or other markup. High.
    PreambleHtml = "preamble.html", Polyglot, High;
    /// A ZIP local file header. High.
    PreambleZip = "preamble.zip", Polyglot, High;
    /// Another archive or bytecode format. High.
    PreambleArchive = "preamble.archive", Polyglot, High;
    /// Printable text that is not a script. Medium.
    PreambleText = "preamble.text", Polyglot, Medium;
    /// Unrecognised non-zero bytes. Medium.
    PreambleUnknown = "preamble.unknown", Polyglot, Medium;
    /// The code a confirmed executable preamble points to lies in this element's value.
    /// Critical.
    PreamblePayloadInElement = "preamble.payload-in-element", Polyglot, Critical;
    /// An executable in a value: at the start of an OB, OW, UN or other binary value (high),
    /// or anywhere in any value with its structure confirmed by the loader's rules (critical;
    /// so is a PE header confirmed inside a binary value).
    ValueExecutable = "value.executable", Polyglot, High;
    /// A `#!` script at the start of a binary value. High.
    ValueScript = "value.script", Polyglot, High;
    /// An archive or container at the start of a binary value (high), or anywhere in any
    /// value with its structure confirmed by the archivers' rules: high when archivers open
    /// the file itself as one, medium when it can only be carved out.
    ValueArchive = "value.archive", Polyglot, High;
    /// A PDF or markup document at the start of a binary value, or a PDF with its structure
    /// anywhere in any value. Medium; high when PDF readers open the file (in its first KiB);
    /// info in (0042,0011) Encapsulated Document, where documents belong, and for markup
    /// (vendors store XML in private values).
    ValueDocument = "value.document", Polyglot, Medium;
    /// A gzip, xz, Zstandard or bzip2 stream whose header decodes, in a value. Low; info at
    /// the start of a private value, where vendors store compressed data.
    ValueCompressed = "value.compressed", Polyglot, Low;
    /// A limit left payload candidates unconfirmed: their confirmations needed more I/O than
    /// `Limits::max_probe_bytes` allows (reads from memory are free, so only a reader of a
    /// file built to spend it gets there), or one of them more bytes than limits set below
    /// 128 KiB let it read. High: a file crafted to exhaust the search is itself an evasion
    /// attempt.
    ValueSearchLimit = "value.search-limit", Polyglot, High;
    /// A payload signature inside (FFFC,FFFC) Data Set Trailing Padding. High.
    PaddingPayload = "padding.payload", Polyglot, High;
    /// Non-zero (FFFC,FFFC) padding that no functional TIFF IFD explains. Low; info when it is
    /// a TIFF IFD that no preamble points to (a converter's leftover).
    PaddingNonzero = "padding.nonzero", Polyglot, Low;
    /// A payload signature in (0002,0102) Private Information. High.
    MetaPrivateInformationPayload = "meta.private-information-payload", Polyglot, High;
    /// Bytes after the last element that are not DICOM. High.
    TrailingData = "trailing.data", Polyglot, High;
    /// A ZIP end-of-central-directory record ends the file: ZIP tools open it as an archive.
    /// High.
    FileZipDirectory = "file.zip-directory", Polyglot, High;
    /// `%PDF-` in the first 1024 bytes after the preamble: PDF readers open the file. High;
    /// info inside (0042,0011) Encapsulated Document.
    FilePdfHeader = "file.pdf-header", Polyglot, High;
    /// `DICM` at offset 128 but no File Meta group after it. Medium.
    MetaMissing = "meta.missing", Structure, Medium;
    /// The File Meta group cannot be read: an invalid VR, an undefined or overlong length, a
    /// truncated element, or a group beyond the size limit. Medium.
    MetaMalformed = "meta.malformed", Structure, Medium;
    /// No (0002,0000) File Meta Information Group Length. Low.
    MetaGroupLengthMissing = "meta.group-length-missing", Structure, Low;
    /// (0002,0000) does not match the group's measured length. Low.
    MetaGroupLengthMismatch = "meta.group-length-mismatch", Structure, Low;
    /// The declared group length covers elements of other groups. Medium.
    MetaForeignElement = "meta.foreign-element", Structure, Medium;
    /// No (0002,0010) Transfer Syntax UID: the data set's encoding is guessed. Medium.
    MetaTransferSyntaxMissing = "meta.transfer-syntax-missing", Structure, Medium;
    /// A transfer syntax this crate does not know (private or invalid): the encoding is
    /// guessed. Medium.
    MetaTransferSyntaxUnknown = "meta.transfer-syntax-unknown", Structure, Medium;
    /// The data set is not written in the encoding its transfer syntax names, but reads in
    /// another, which the walk uses. Medium.
    MetaTransferSyntaxMismatch = "meta.transfer-syntax-mismatch", Structure, Medium;
    /// A File Meta element with a VR other than the standard's. Low.
    MetaWrongVr = "meta.wrong-vr", Structure, Low;
    /// A File Meta UID that breaks the UID rules: characters, components, length (64 at most)
    /// or padding. Low.
    MetaUidSyntax = "meta.uid-syntax", Structure, Low;
    /// The File Meta group is written in implicit VR. Low.
    MetaImplicitVr = "meta.implicit-vr", Structure, Low;
    /// A required File Meta element is missing. Low.
    MetaElementMissing = "meta.element-missing", Structure, Low;
    /// Tags not in ascending order within a data set or item. Medium.
    StructureTagOrder = "structure.tag-order", Structure, Medium;
    /// A group length (gggg,0000) outside groups 0000 and 0002: low (retired); medium when it
    /// is not UL with length 4.
    StructureGroupLength = "structure.group-length", Structure, Low;
    /// An odd value length. Low.
    StructureOddLength = "structure.odd-length", Structure, Low;
    /// A value or sequence that runs past the end of the input or of its enclosing item.
    /// Medium.
    StructureLengthPastEnd = "structure.length-past-end", Structure, Medium;
    /// Undefined length on an element whose VR cannot have it. Medium.
    StructureUndefinedLength = "structure.undefined-length", Structure, Medium;
    /// A private element without its private creator. Low.
    StructurePrivateWithoutCreator = "structure.private-without-creator", Structure, Low;
    /// Sequences nested deeper than the limit: the walk stops there. Medium.
    StructureNestingLimit = "structure.nesting-limit", Structure, Medium;
    /// The input ends inside a header, a value, or an undelimited sequence or item. Medium.
    StructureTruncated = "structure.truncated", Structure, Medium;
    /// A header whose VR bytes are not a VR. Medium.
    StructureInvalidVr = "structure.invalid-vr", Structure, Medium;
    /// An item or delimiter where the structure does not allow one. Medium.
    StructureUnexpectedTag = "structure.unexpected-tag", Structure, Medium;
    /// An item or sequence delimiter whose length field is not 0. Low.
    StructureDelimiterLength = "structure.delimiter-length", Structure, Low;
    /// A deflated data set that cannot be inflated, or inflates past the limit. Medium.
    StructureInflate = "structure.inflate", Structure, Medium;
    /// Zero bytes after the last element. Low.
    TrailingZeros = "trailing.zeros", Structure, Low;
    /// A gzip trailer (CRC-32 and length) after a deflated data set, left by gzip-based
    /// writers. Low.
    TrailingGzipTrailer = "trailing.gzip-trailer", Structure, Low;
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing validation found in an input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// What kind of finding this is.
    pub code: FindingCode,
    /// How serious it is.
    pub severity: Severity,
    /// Byte offset in the input where it starts.
    pub offset: u64,
    /// How many bytes it covers, where that is known.
    pub length: Option<u64>,
    /// The element concerned, where there is one.
    pub tag: Option<Tag>,
    /// A lowercase, human-readable description.
    pub message: String,
}

impl Finding {
    /// A finding without length or tag.
    pub fn new(
        code: FindingCode,
        severity: Severity,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            severity,
            offset,
            length: None,
            tag: None,
            message: message.into(),
        }
    }

    /// Sets the number of bytes covered.
    pub fn with_length(mut self, length: u64) -> Self {
        self.length = Some(length);
        self
    }

    /// Sets the element concerned.
    pub fn with_tag(mut self, tag: Tag) -> Self {
        self.tag = Some(tag);
        self
    }

    /// A finding of `code` at the code's usual severity ([`FindingCode::severity`]), without
    /// length or tag.
    pub(crate) fn usual(code: FindingCode, offset: u64, message: impl Into<String>) -> Self {
        Finding::new(code, code.severity(), offset, message)
    }

    /// Sets the severity, for a finding graded otherwise than its code usually is (each
    /// caller says why).
    pub(crate) fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// A finding made from an error, at the error's offset and tag.
    pub(crate) fn from_error(code: FindingCode, err: &Error) -> Self {
        let mut finding = Finding::usual(code, err.offset().unwrap_or(0), err.to_string());
        finding.tag = err.tag();
        finding
    }

    /// A finding about a walked element: its offset, its header and value length, its tag.
    pub(crate) fn on_element(code: FindingCode, e: &Element, message: String) -> Self {
        let mut finding = Finding::usual(code, e.offset, message).with_tag(e.tag());
        finding.length = e
            .value_len()
            .map(|len| len.saturating_add(u64::from(e.header_len)));
        finding
    }

    /// The finding a non-zero preamble gives, covering its 128 bytes.
    pub(crate) fn preamble(kind: PreambleKind) -> Option<Self> {
        let code = match kind {
            PreambleKind::Zero => return None,
            PreambleKind::Tiff { .. } if kind.is_functional_tiff() => FindingCode::PreambleTiff,
            PreambleKind::Tiff { .. } => FindingCode::PreambleTiffDangling,
            PreambleKind::Pe(_) => FindingCode::PreamblePe,
            PreambleKind::Elf(_) => FindingCode::PreambleElf,
            PreambleKind::MachO { .. } => FindingCode::PreambleMachO,
            PreambleKind::Script { .. } => FindingCode::PreambleScript,
            PreambleKind::Pdf { .. } => FindingCode::PreamblePdf,
            PreambleKind::Html => FindingCode::PreambleHtml,
            PreambleKind::Zip => FindingCode::PreambleZip,
            PreambleKind::OtherFormat(_) => FindingCode::PreambleArchive,
            PreambleKind::Text => FindingCode::PreambleText,
            PreambleKind::Unknown { tiff_magic: true } => FindingCode::PreambleTiffMasquerade,
            PreambleKind::Unknown { tiff_magic: false } => FindingCode::PreambleUnknown,
        };
        // The preamble's own grading: a confirmed executable is critical where its code is
        // usually high.
        let severity = kind.severity()?;
        let mut message = kind.to_string();
        if let Some(offset) = kind.executable().and_then(|info| info.payload_offset) {
            message.push_str(&format!("; payload pointer to offset {offset}"));
        }
        Some(
            Finding::usual(code, 0, message)
                .with_severity(severity)
                .with_length(128),
        )
    }
}

/// The findings of one validation, at most [`MAX_PER_CODE`] per code; the rest are counted.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// The findings kept, in the order they were made.
    pub(crate) list: Vec<Finding>,
    /// How many findings of each code were made.
    counts: Vec<(FindingCode, usize)>,
    /// How many were left out.
    pub(crate) suppressed: u64,
}

impl Findings {
    /// Adds `finding`, or counts it when its code already has [`MAX_PER_CODE`].
    pub(crate) fn push(&mut self, finding: Finding) {
        let count = match self
            .counts
            .iter_mut()
            .find(|(code, _)| *code == finding.code)
        {
            Some((_, count)) => count,
            None => {
                self.counts.push((finding.code, 0));
                match self.counts.last_mut() {
                    Some((_, count)) => count,
                    None => return,
                }
            }
        };
        *count = count.saturating_add(1);
        if *count > MAX_PER_CODE {
            self.suppressed = self.suppressed.saturating_add(1);
        } else {
            self.list.push(finding);
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] at offset {}",
            self.code, self.severity, self.offset
        )?;
        if let Some(tag) = self.tag {
            write!(f, " {tag}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Finding", 6)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("severity", &self.severity)?;
        s.serialize_field("offset", &self.offset)?;
        s.serialize_field("length", &self.length)?;
        s.serialize_field("tag", &self.tag.map(|t| t.to_string()))?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_capped_per_code() {
        let mut findings = Findings::default();
        for i in 0..100 {
            findings.push(Finding::new(
                FindingCode::StructureOddLength,
                Severity::Low,
                i,
                "x",
            ));
        }
        findings.push(Finding::new(
            FindingCode::StructureTagOrder,
            Severity::Medium,
            0,
            "y",
        ));
        assert_eq!(findings.list.len(), MAX_PER_CODE + 1);
        assert_eq!(findings.suppressed, 100 - MAX_PER_CODE as u64);
    }

    /// Every code's usual severity, pinned: a change here is a change of what users see.
    const USUAL_SEVERITIES: &[(&str, Severity)] = &[
        ("preamble.tiff", Severity::Info),
        ("preamble.tiff-dangling", Severity::Low),
        ("preamble.tiff-masquerade", Severity::High),
        ("preamble.pe", Severity::High),
        ("preamble.elf", Severity::High),
        ("preamble.macho", Severity::High),
        ("preamble.script", Severity::High),
        ("preamble.pdf", Severity::High),
        ("preamble.html", Severity::High),
        ("preamble.zip", Severity::High),
        ("preamble.archive", Severity::High),
        ("preamble.text", Severity::Medium),
        ("preamble.unknown", Severity::Medium),
        ("preamble.payload-in-element", Severity::Critical),
        ("value.executable", Severity::High),
        ("value.script", Severity::High),
        ("value.archive", Severity::High),
        ("value.document", Severity::Medium),
        ("value.compressed", Severity::Low),
        ("value.search-limit", Severity::High),
        ("padding.payload", Severity::High),
        ("padding.nonzero", Severity::Low),
        ("meta.private-information-payload", Severity::High),
        ("trailing.data", Severity::High),
        ("file.zip-directory", Severity::High),
        ("file.pdf-header", Severity::High),
        ("meta.missing", Severity::Medium),
        ("meta.malformed", Severity::Medium),
        ("meta.group-length-missing", Severity::Low),
        ("meta.group-length-mismatch", Severity::Low),
        ("meta.foreign-element", Severity::Medium),
        ("meta.transfer-syntax-missing", Severity::Medium),
        ("meta.transfer-syntax-unknown", Severity::Medium),
        ("meta.transfer-syntax-mismatch", Severity::Medium),
        ("meta.wrong-vr", Severity::Low),
        ("meta.uid-syntax", Severity::Low),
        ("meta.implicit-vr", Severity::Low),
        ("meta.element-missing", Severity::Low),
        ("structure.tag-order", Severity::Medium),
        ("structure.group-length", Severity::Low),
        ("structure.odd-length", Severity::Low),
        ("structure.length-past-end", Severity::Medium),
        ("structure.undefined-length", Severity::Medium),
        ("structure.private-without-creator", Severity::Low),
        ("structure.nesting-limit", Severity::Medium),
        ("structure.truncated", Severity::Medium),
        ("structure.invalid-vr", Severity::Medium),
        ("structure.unexpected-tag", Severity::Medium),
        ("structure.delimiter-length", Severity::Low),
        ("structure.inflate", Severity::Medium),
        ("trailing.zeros", Severity::Low),
        ("trailing.gzip-trailer", Severity::Low),
    ];

    #[test]
    fn every_code_has_its_usual_severity() {
        let pinned: Vec<(&str, Severity)> = FindingCode::ALL
            .iter()
            .map(|code| (code.as_str(), code.severity()))
            .collect();
        assert_eq!(pinned, USUAL_SEVERITIES);
    }

    #[test]
    fn the_usual_severities_are_the_readmes() {
        // The README's table of finding codes: `| codes | severity; exceptions | meaning |`.
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Finding codes")
            .nth(1)
            .expect("a section of finding codes")
            .split("\n\n")
            .find(|block| block.starts_with("| code | severity |"))
            .expect("a table of finding codes");
        let mut documented = Vec::new();
        for row in table.lines().skip(2) {
            let mut cells = row.split('|').skip(1);
            let (codes, severity) = (cells.next().unwrap(), cells.next().unwrap());
            let usual = severity.split(';').next().unwrap().trim();
            for code in codes.split(',') {
                documented.push((code.trim().trim_matches('`').to_owned(), usual.to_owned()));
            }
        }
        documented.sort();
        let mut expected: Vec<(String, String)> = FindingCode::ALL
            .iter()
            .map(|code| (code.as_str().to_owned(), code.severity().to_string()))
            .collect();
        expected.sort();
        assert_eq!(documented, expected);
    }
}
