//! Findings: what validation reports, each with a stable code, a severity and an offset.

use std::fmt;

use dicom_core::Tag;

pub use crate::severity::Severity;

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
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $category:ident;)*) => {
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
        }
    };
}

finding_codes! {
    /// A functional TIFF header (dual-personality DICOM-TIFF). Info.
    PreambleTiff = "preamble.tiff", Polyglot;
    /// A TIFF header whose IFD chain does not work: vestigial, harmless. Low.
    PreambleTiffDangling = "preamble.tiff-dangling", Polyglot;
    /// A TIFF magic followed by bytes no TIFF header allows. High.
    PreambleTiffMasquerade = "preamble.tiff-masquerade", Polyglot;
    /// A Windows PE header. High; critical when `PE\0\0` is found at `e_lfanew`.
    PreamblePe = "preamble.pe", Polyglot;
    /// An ELF header. High; critical when a loadable segment is confirmed.
    PreambleElf = "preamble.elf", Polyglot;
    /// A Mach-O header. High; critical when its load commands are confirmed.
    PreambleMachO = "preamble.macho", Polyglot;
    /// Text that shells run, with or without `#!`. High.
    PreambleScript = "preamble.script", Polyglot;
    /// A PDF header. High.
    PreamblePdf = "preamble.pdf", Polyglot;
    /// HTML, SVG, HTA or other markup. High.
    PreambleHtml = "preamble.html", Polyglot;
    /// A ZIP local file header. High.
    PreambleZip = "preamble.zip", Polyglot;
    /// Another archive or bytecode format. High.
    PreambleArchive = "preamble.archive", Polyglot;
    /// Printable text that is not a script. Medium.
    PreambleText = "preamble.text", Polyglot;
    /// Unrecognised non-zero bytes. Medium.
    PreambleUnknown = "preamble.unknown", Polyglot;
    /// The code a confirmed executable preamble points to lies in this element's value.
    /// Critical.
    PreamblePayloadInElement = "preamble.payload-in-element", Polyglot;
    /// An executable at the start of an OB, OW, UN or other binary value. High; critical when
    /// a PE header is confirmed inside the value.
    ValueExecutable = "value.executable", Polyglot;
    /// A `#!` script at the start of a binary value. High.
    ValueScript = "value.script", Polyglot;
    /// An archive or compressed container at the start of a binary value. High.
    ValueArchive = "value.archive", Polyglot;
    /// A PDF or markup document at the start of a binary value. Medium; info in (0042,0011)
    /// Encapsulated Document, where documents belong.
    ValueDocument = "value.document", Polyglot;
    /// A payload signature inside (FFFC,FFFC) Data Set Trailing Padding. High.
    PaddingPayload = "padding.payload", Polyglot;
    /// Non-zero (FFFC,FFFC) padding that no functional TIFF IFD explains. Low; info when it is
    /// a TIFF IFD that no preamble points to (a converter's leftover).
    PaddingNonzero = "padding.nonzero", Polyglot;
    /// A payload signature in (0002,0102) Private Information. High.
    MetaPrivateInformationPayload = "meta.private-information-payload", Polyglot;
    /// Bytes after the last element that are not DICOM. High.
    TrailingData = "trailing.data", Polyglot;
    /// A ZIP end-of-central-directory record ends the file: ZIP tools open it as an archive.
    /// High.
    FileZipDirectory = "file.zip-directory", Polyglot;
    /// `%PDF-` in the first 1024 bytes after the preamble: PDF readers open the file. High;
    /// info inside (0042,0011) Encapsulated Document.
    FilePdfHeader = "file.pdf-header", Polyglot;
    /// `DICM` at offset 128 but no File Meta group after it. Medium.
    MetaMissing = "meta.missing", Structure;
    /// The File Meta group cannot be read: an invalid VR, an undefined or overlong length, a
    /// truncated element, or a group beyond the size limit. Medium.
    MetaMalformed = "meta.malformed", Structure;
    /// No (0002,0000) File Meta Information Group Length. Low.
    MetaGroupLengthMissing = "meta.group-length-missing", Structure;
    /// (0002,0000) does not match the group's measured length. Low.
    MetaGroupLengthMismatch = "meta.group-length-mismatch", Structure;
    /// The declared group length covers elements of other groups. Medium.
    MetaForeignElement = "meta.foreign-element", Structure;
    /// No (0002,0010) Transfer Syntax UID: the data set's encoding is guessed. Medium.
    MetaTransferSyntaxMissing = "meta.transfer-syntax-missing", Structure;
    /// A transfer syntax this crate does not know (private or invalid): the encoding is
    /// guessed. Medium.
    MetaTransferSyntaxUnknown = "meta.transfer-syntax-unknown", Structure;
    /// The data set is not written in the encoding its transfer syntax names, but reads in
    /// another, which the walk uses. Medium.
    MetaTransferSyntaxMismatch = "meta.transfer-syntax-mismatch", Structure;
    /// A File Meta element with a VR other than the standard's. Low.
    MetaWrongVr = "meta.wrong-vr", Structure;
    /// A File Meta UID that breaks the UID rules: characters, components, length (64 at most)
    /// or padding. Low.
    MetaUidSyntax = "meta.uid-syntax", Structure;
    /// The File Meta group is written in implicit VR. Low.
    MetaImplicitVr = "meta.implicit-vr", Structure;
    /// A required File Meta element is missing. Low.
    MetaElementMissing = "meta.element-missing", Structure;
    /// Tags not in ascending order within a data set or item. Medium.
    StructureTagOrder = "structure.tag-order", Structure;
    /// A group length (gggg,0000) outside groups 0000 and 0002: low (retired); medium when it
    /// is not UL with length 4.
    StructureGroupLength = "structure.group-length", Structure;
    /// An odd value length. Low.
    StructureOddLength = "structure.odd-length", Structure;
    /// A value or sequence that runs past the end of the input or of its enclosing item.
    /// Medium.
    StructureLengthPastEnd = "structure.length-past-end", Structure;
    /// Undefined length on an element whose VR cannot have it. Medium.
    StructureUndefinedLength = "structure.undefined-length", Structure;
    /// A private element without its private creator. Low.
    StructurePrivateWithoutCreator = "structure.private-without-creator", Structure;
    /// Sequences nested deeper than the limit: the walk stops there. Medium.
    StructureNestingLimit = "structure.nesting-limit", Structure;
    /// The input ends inside a header, a value, or an undelimited sequence or item. Medium.
    StructureTruncated = "structure.truncated", Structure;
    /// A header whose VR bytes are not a VR. Medium.
    StructureInvalidVr = "structure.invalid-vr", Structure;
    /// An item or delimiter where the structure does not allow one. Medium.
    StructureUnexpectedTag = "structure.unexpected-tag", Structure;
    /// An item or sequence delimiter whose length field is not 0. Low.
    StructureDelimiterLength = "structure.delimiter-length", Structure;
    /// A deflated data set that cannot be inflated, or inflates past the limit. Medium.
    StructureInflate = "structure.inflate", Structure;
    /// Zero bytes after the last element. Low.
    TrailingZeros = "trailing.zeros", Structure;
    /// A gzip trailer (CRC-32 and length) after a deflated data set, left by gzip-based
    /// writers. Low.
    TrailingGzipTrailer = "trailing.gzip-trailer", Structure;
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
