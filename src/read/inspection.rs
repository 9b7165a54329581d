//! Borrowed views of what reading an input found: its classification, and its inspection
//! (classification and File Meta group).

use crate::read::encoding::Encoding;
use crate::read::layout::Layout;
use crate::read::meta::FileMeta;
use crate::read::preamble::Preamble;

/// The verdict on an input: its layout and, for Part 10 files, its preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification<'a> {
    pub(crate) layout: Layout,
    pub(crate) preamble: Option<Preamble<'a>>,
}

impl<'a> Classification<'a> {
    /// How the input is laid out.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The preamble, for Part 10 files.
    pub fn preamble(&self) -> Option<Preamble<'a>> {
        self.preamble
    }

    /// The preamble's kind name for reports, `absent` when there is none.
    pub fn preamble_name(&self) -> &'static str {
        self.preamble.map_or("absent", |p| p.kind().name())
    }
}

/// Whether enough bytes were given for a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix<T> {
    /// The verdict.
    Complete(T),
    /// Not enough bytes yet: give more. (For [`classify_prefix`](crate::classify_prefix):
    /// fewer than 132 bytes were given; at the end of the stream, call
    /// [`classify`](crate::classify) on everything there is.)
    Partial,
}

/// A Part 10 file, or a bare meta group, read as far as its data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inspection<'a> {
    classification: Classification<'a>,
    meta: Option<FileMeta<'a>>,
    file_len: u64,
}

impl<'a> Inspection<'a> {
    pub(crate) fn new(
        classification: Classification<'a>,
        meta: Option<FileMeta<'a>>,
        file_len: u64,
    ) -> Self {
        Inspection {
            classification,
            meta,
            file_len,
        }
    }

    /// The layout and preamble verdict.
    pub fn classification(&self) -> Classification<'a> {
        self.classification
    }

    /// How the input is laid out.
    pub fn layout(&self) -> Layout {
        self.classification.layout
    }

    /// The preamble, for Part 10 files.
    pub fn preamble(&self) -> Option<Preamble<'a>> {
        self.classification.preamble
    }

    /// The File Meta group, when the input has one.
    pub fn meta(&self) -> Option<&FileMeta<'a>> {
        self.meta.as_ref()
    }

    /// Length of the whole input.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Where the data set starts, for DICOM inputs.
    pub fn data_set_offset(&self) -> Option<u64> {
        match (self.layout(), &self.meta) {
            (_, Some(meta)) => Some(meta.data_set_offset()),
            (Layout::RawDataSet(_), None) => Some(0),
            _ => None,
        }
    }

    /// How the data set's headers are encoded, when known: from a recognised transfer syntax,
    /// or detected for a raw data set.
    pub fn encoding(&self) -> Option<Encoding> {
        match (self.layout(), &self.meta) {
            (Layout::RawDataSet(encoding), _) => Some(encoding),
            (_, Some(meta)) => meta.transfer_syntax().map(|ts| ts.encoding),
            _ => None,
        }
    }
}
