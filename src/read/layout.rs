//! How an input is laid out (Part 10, meta group without preamble, raw data set, not DICOM),
//! and where its data set starts and in which encoding it is read.

use crate::error::Error;
use crate::read::cursor;
use crate::read::encoding::Encoding;
use crate::read::header::{self, HeaderError, UNDEFINED};
use crate::read::inspection::Inspection;
use crate::read::meta;
use crate::read::preamble::{HEADER_LEN, MAGIC, PREAMBLE_LEN};

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// A DICOM Part 10 file: 128-byte preamble, `DICM`, File Meta group, data set.
    Part10,
    /// No preamble: the input starts with the File Meta group.
    MetaWithoutPreamble,
    /// No preamble and no File Meta group: a bare data set in one of the three uncompressed
    /// encodings (as written by some old writers, and ACR-NEMA).
    RawDataSet(Encoding),
    /// Not recognised as DICOM.
    NotDicom,
}

impl Layout {
    /// Every name [`Layout::name`] gives, in declaration order.
    pub const NAMES: [&'static str; 4] = ["part10", "no-preamble", "raw-data-set", "not-dicom"];

    /// The stable name used in reports: `part10`, `no-preamble`, `raw-data-set`, `not-dicom`
    /// (the [`NAMES`](Layout::NAMES)).
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Part10 => "part10",
            Layout::MetaWithoutPreamble => "no-preamble",
            Layout::RawDataSet(_) => "raw-data-set",
            Layout::NotDicom => "not-dicom",
        }
    }

    /// Whether the input is DICOM in any layout.
    pub fn is_dicom(&self) -> bool {
        !matches!(self, Layout::NotDicom)
    }
}

/// Bytes [`inspect_reader`] reads first: the header and, usually, the whole meta group.
pub(crate) const INITIAL_READ: u64 = 256;

/// Where the File Meta group of an input with this layout starts.
pub(crate) fn meta_start(layout: Layout) -> Option<u64> {
    match layout {
        Layout::Part10 => Some(HEADER_LEN),
        Layout::MetaWithoutPreamble => Some(0),
        _ => None,
    }
}

/// Decides the layout from the first bytes of an input of `file_len` bytes.
///
/// `DICM` at 128 followed by a meta element is Part 10. Otherwise a meta element at 0 means a
/// meta group without preamble, and plausible element headers at 0 a raw data set (a data set
/// may hold `DICM` at 128 by chance). `DICM` at 128 with neither is still Part 10, with a
/// broken meta group.
pub(crate) fn detect_layout(data: &[u8], file_len: u64) -> Layout {
    let magic = cursor::slice_at(data, PREAMBLE_LEN as u64, 4) == Some(MAGIC.as_slice());
    // Every path sees the same bytes, whatever it has read: a slice holds the whole input,
    // a reader or a stream only its first bytes.
    let window = data.get(..DETECT_LEN).unwrap_or(data);
    if magic && meta::plausible_at(data, HEADER_LEN) {
        Layout::Part10
    } else if meta::plausible_at(data, 0) {
        Layout::MetaWithoutPreamble
    } else if let Some(encoding) = raw_data_set_encoding(window, file_len) {
        Layout::RawDataSet(encoding)
    } else if magic {
        Layout::Part10
    } else {
        Layout::NotDicom
    }
}

/// Bytes layout detection looks at: the first that every path reads ([`INITIAL_READ`], the
/// streaming adapter's first read), so that slices, readers and streams agree on the layout.
const DETECT_LEN: usize = INITIAL_READ as usize;

/// How many leading element headers must parse for a raw data set to be recognised.
const RAW_HEADERS: u32 = 4;

/// The encoding in which the input starts with a plausible raw data set, if any.
///
/// Every data set holds (0008,0016) SOP Class UID, so a data set's first element is in group
/// 0004 (directory records) to 0008; the next headers must follow in ascending order with
/// lengths that fit in the input.
fn raw_data_set_encoding(data: &[u8], file_len: u64) -> Option<Encoding> {
    data_set_encoding(data, file_len, true)
}

/// The encoding in which `data` (the start of a data set of `len` bytes) reads as plausible
/// element headers. With `strict`, the first element must be in groups 0004 to 0008.
pub(crate) fn data_set_encoding(data: &[u8], len: u64, strict: bool) -> Option<Encoding> {
    [
        Encoding::ExplicitVrLittleEndian,
        Encoding::ExplicitVrBigEndian,
        Encoding::ImplicitVrLittleEndian,
    ]
    .into_iter()
    .find(|&encoding| plausible_data_set(data, len, encoding, strict))
}

pub(crate) fn plausible_data_set(
    data: &[u8],
    file_len: u64,
    encoding: Encoding,
    strict: bool,
) -> bool {
    let mut at = 0u64;
    let mut previous = None;
    for count in 0..RAW_HEADERS {
        if at >= file_len.min(data.len() as u64) {
            // The data (or what we have of it) ends cleanly after at least two elements.
            return count >= 2 || (count >= 1 && at == file_len);
        }
        let raw = match header::decode(data, at, encoding) {
            Ok(raw) => raw,
            // What we have of the input ends inside this header: it may go on plausibly.
            Err(HeaderError::Short { .. }) => return count >= 2 && (data.len() as u64) < file_len,
            Err(HeaderError::InvalidVr { .. }) => return false,
        };
        let tag = raw.tag;
        let first_ok = count > 0 || !strict || (0x0004..=0x0008).contains(&tag.group());
        // Groups 0001, 0003, 0005, 0007 and FFFF are reserved; FFFE holds only items.
        let reserved = matches!(
            tag.group(),
            0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFE | 0xFFFF
        );
        if !first_ok || reserved || previous.is_some_and(|p| p >= tag) {
            return false;
        }
        previous = Some(tag);
        if raw.len == UNDEFINED {
            let may_be_undefined = raw.vr.is_none_or(|vr| {
                matches!(
                    vr,
                    dicom_core::VR::SQ
                        | dicom_core::VR::UN
                        | dicom_core::VR::OB
                        | dicom_core::VR::OW
                )
            });
            return may_be_undefined && (count >= 1 || !strict);
        }
        match raw.value_end(at).filter(|end| *end <= file_len) {
            Some(end) => at = end,
            None => return false,
        }
    }
    true
}

/// Where a data set starts and how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DataSetPlan {
    pub(crate) start: u64,
    pub(crate) encoding: Encoding,
    pub(crate) deflated: bool,
    /// The encoding the transfer syntax names, when the data set is found to be written in
    /// another one (as some writers do).
    pub(crate) declared: Option<Encoding>,
}

impl DataSetPlan {
    /// The plan for an inspected input; `peek` gives up to 256 bytes at the data set start.
    pub(crate) fn of(
        inspection: &Inspection<'_>,
        peek: impl FnOnce(u64) -> Result<Vec<u8>, Error>,
    ) -> Result<Self, Error> {
        let Some(start) = inspection.data_set_offset() else {
            return Err(Error::NotDicom);
        };
        if let Layout::RawDataSet(encoding) = inspection.layout() {
            return Ok(DataSetPlan {
                start,
                encoding,
                deflated: false,
                declared: None,
            });
        }
        let ts = inspection.meta().and_then(|m| m.transfer_syntax());
        if let Some(ts) = ts.filter(|ts| ts.deflated) {
            return Ok(DataSetPlan {
                start,
                encoding: ts.encoding,
                deflated: true,
                declared: None,
            });
        }
        let head = peek(start)?;
        let plausible = |encoding| plausible_data_set(&head, u64::MAX, encoding, false);
        let (encoding, declared) = match ts.map(|ts| ts.encoding) {
            Some(declared) if plausible(declared) => (declared, None),
            // The data set is not in the encoding its transfer syntax names: walk it in the one
            // it reads in, if any.
            Some(declared) => match data_set_encoding(&head, u64::MAX, false) {
                Some(actual) => (actual, Some(declared)),
                None => (declared, None),
            },
            // No usable transfer syntax: guess from the first headers, else assume the DICOM
            // default, implicit VR little endian.
            None => (
                data_set_encoding(&head, u64::MAX, false)
                    .unwrap_or(Encoding::ImplicitVrLittleEndian),
                None,
            ),
        };
        Ok(DataSetPlan {
            start,
            encoding,
            deflated: false,
            declared,
        })
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_lists_every_name_once() {
        let layouts = [
            Layout::Part10,
            Layout::MetaWithoutPreamble,
            Layout::RawDataSet(Encoding::ImplicitVrLittleEndian),
            Layout::NotDicom,
        ];
        let names: Vec<_> = layouts
            .iter()
            // No wildcard: a new variant fails to compile here until it has an example above.
            .inspect(|layout| match layout {
                Layout::Part10
                | Layout::MetaWithoutPreamble
                | Layout::RawDataSet(_)
                | Layout::NotDicom => {}
            })
            .map(Layout::name)
            .collect();
        assert_eq!(names, Layout::NAMES);
    }
}
