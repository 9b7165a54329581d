//! Findings: what validation reports, each with a stable code, a severity and an offset.

use std::fmt;

use dicom_core::Tag;

/// How serious a finding is. Ordered from `Info` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// A harmless oddity (a vestigial TIFF header, a cosmetic defect).
    Low,
    /// A defect or unexplained bytes that policy should clear, but no sign of a payload.
    Medium,
    /// A payload carrier: an executable, script, document, markup or archive where DICOM has
    /// none.
    High,
    /// A carrier whose structure is confirmed: the file runs as a program.
    Critical,
}

impl Severity {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// `DICM` at offset 128 but no File Meta group after it. Medium.
    MetaMissing = "meta.missing", Structure;
    /// The File Meta group cannot be read: an invalid VR, an undefined or overlong length, a
    /// truncated element, or a group beyond the size limit. Medium.
    MetaMalformed = "meta.malformed", Structure;
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
