//! Checks over the file whatever its structure, where other readers look: `%PDF-` in the
//! first KiB (whether PDF readers find a document behind it, and whether an Encapsulated
//! Document explains it), a ZIP end-of-central-directory record at the end, and the bytes
//! after the data set.

use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::read::carrier::{self, Carrier, Memo};
use crate::read::cursor::{self, Endian};
use crate::read::preamble::HEADER_LEN;
use crate::read::probe::{Probe, RandomAccess};
use crate::read::signature;
use crate::read::walk::Element;
use crate::validate::findings::{Finding, FindingCode, Findings, Severity};
use crate::validate::value_scan::contains;

/// How far into the file PDF readers look for `%PDF-`.
pub(super) const PDF_WINDOW: u64 = 1024;
/// How far from the end ZIP readers look for the end-of-central-directory record: its 22
/// bytes plus a comment of up to 65,535.
pub(super) const ZIP_WINDOW: u64 = 22 + 65_535;

/// Bytes a PDF header's confirmation may read: the header and the window in which a PDF's
/// structure must begin, with room to spare.
const PDF_PROBE: u64 = 128 * 1024;

/// `%PDF-` after the preamble in the first KiB.
struct PdfHeader {
    /// Its file offset.
    at: u64,
    /// Whether an Encapsulated Document holds it.
    explained: bool,
    /// What PDF readers find behind it (`xref`, `trailer`, `%%EOF`, an object), when they
    /// find a document; `None` for a bare marker, as text values quote it.
    structure: Option<String>,
}

/// The file scan's state: what it found at the file's start and end, for the checks made
/// later.
pub(super) struct FileScan {
    /// The input's length.
    file_len: u64,
    /// `%PDF-` after the preamble in the first KiB.
    pdf_header: Option<PdfHeader>,
    /// The file's last 8 bytes (fewer for a shorter file).
    last_bytes: Vec<u8>,
}

impl FileScan {
    /// The file scan of an input of `file_len` bytes.
    pub(super) fn new(file_len: u64) -> Self {
        FileScan {
            file_len,
            pdf_header: None,
            last_bytes: Vec::new(),
        }
    }

    /// Checks where other readers look regardless of DICOM structure: `%PDF-` in `head`, the
    /// first [`PDF_WINDOW`] bytes, and a ZIP end-of-central-directory record in `tail`, the
    /// last [`ZIP_WINDOW`] bytes (starting at file offset `tail_start`).
    pub(super) fn check(
        &mut self,
        head: &[u8],
        (tail_start, tail): (u64, &[u8]),
        findings: &mut Findings,
    ) {
        self.last_bytes = tail
            .get(tail.len().saturating_sub(8)..)
            .unwrap_or_default()
            .to_vec();
        if let Some(at) = cursor::tail_at(head, HEADER_LEN).and_then(signature::find_pdf) {
            self.pdf_header = Some(PdfHeader {
                at: HEADER_LEN.saturating_add(at as u64),
                explained: false,
                structure: None,
            });
        }
        if let Some(at) = zip_directory(tail, tail_start, self.file_len) {
            findings.push(
                Finding::usual(
                    FindingCode::FileZipDirectory,
                    at,
                    "a ZIP end-of-central-directory record ends the file: ZIP tools open it as an archive",
                )
                .with_length(self.file_len.saturating_sub(at)),
            );
        }
    }

    /// Confirms the PDF header found in the first KiB, if any, by a PDF reader's rules (a
    /// version, then `xref`, `trailer`, `%%EOF` or an indirect object within 64 KiB), reading
    /// `source`, the whole input as it lies in the file.
    ///
    /// # Errors
    /// Only when a read of the input fails.
    pub(super) fn confirm_pdf(&mut self, source: &mut dyn RandomAccess) -> Result<(), Error> {
        let Some(header) = self.pdf_header.as_mut() else {
            return Ok(());
        };
        let mut probe = Probe::new(source, PDF_PROBE);
        let confirmation =
            carrier::confirm_with(Carrier::Pdf, header.at, &mut probe, 0, &mut Memo::default())?;
        header.structure = confirmation.map(|c| c.detail);
        Ok(())
    }

    /// Whether a PDF header waits for the element that may explain it: every value must then
    /// come through [`FileScan::locate_pdf`] (the fast path stands aside).
    #[inline(always)]
    pub(super) fn places_pdf(&self) -> bool {
        self.pdf_header.is_some()
    }

    /// Notes whether `e`, a value or a fragment, is the Encapsulated Document holding the
    /// PDF header.
    pub(super) fn locate_pdf(&mut self, e: &Element) {
        if let Some(header) = self.pdf_header.as_mut() {
            if e.tag() == tags::ENCAPSULATED_DOCUMENT && contains(e, header.at) {
                header.explained = true;
            }
        }
    }

    /// Reports the bytes from `offset` to `end`, the input's end, which are not elements:
    /// `zero` when all of them are, else data starting with `head`.
    pub(super) fn trailing(
        &self,
        offset: u64,
        end: u64,
        zero: bool,
        head: &[u8],
        findings: &mut Findings,
    ) {
        let length = end.saturating_sub(offset);
        let finding = if zero {
            Finding::usual(
                FindingCode::TrailingZeros,
                offset,
                format!("{length} zero bytes after the last element"),
            )
        } else {
            let what = signature::value_payload(head, length).map_or_else(String::new, |p| {
                format!(", starting with a {}", p.describe())
            });
            Finding::usual(
                FindingCode::TrailingData,
                offset,
                format!("{length} bytes after the last element are not DICOM{what}"),
            )
        };
        findings.push(finding.with_length(length));
    }

    /// Reports the bytes between the end of a deflate stream at `end` and the end of the
    /// file; the stream inflated to `inflated` bytes.
    pub(super) fn after_deflate(&self, end: u64, inflated: u64, findings: &mut Findings) {
        let length = self.file_len.saturating_sub(end);
        if length == 0 {
            return;
        }
        // gzip-based writers leave gzip's trailer: CRC-32 and the inflated length mod 2^32.
        let isize = cursor::u32_at(&self.last_bytes, 4, Endian::Little).map(u64::from);
        let finding = if length == 8 && isize == Some(inflated & 0xFFFF_FFFF) {
            Finding::usual(
                FindingCode::TrailingGzipTrailer,
                end,
                "a gzip trailer (CRC-32 and length) follows the deflated data set",
            )
        } else {
            Finding::usual(
                FindingCode::TrailingData,
                end,
                format!("{length} bytes follow the end of the deflated data set"),
            )
        };
        findings.push(finding.with_length(length));
    }

    /// Makes the findings left for the end of the validation: the PDF header, now that the
    /// walk has said whether an Encapsulated Document holds it. Only a header PDF readers find
    /// a document behind is a threat: a bare `%PDF-1.4`, as a text value quotes it, is info.
    pub(super) fn finish(self, findings: &mut Findings) {
        let Some(PdfHeader {
            at,
            explained,
            structure,
        }) = self.pdf_header
        else {
            return;
        };
        let finding = match (explained, structure) {
            // Inside (0042,0011), where documents belong: info, not high.
            (true, _) => Finding::usual(
                FindingCode::FilePdfHeader,
                at,
                format!("%PDF- at offset {at}, inside an encapsulated document"),
            )
            .with_severity(Severity::Info),
            (false, Some(structure)) => Finding::usual(
                FindingCode::FilePdfHeader,
                at,
                format!(
                    "%PDF- at offset {at}, within the first 1024 bytes ({structure}): PDF readers open this file"
                ),
            ),
            (false, None) => Finding::usual(
                FindingCode::FilePdfHeader,
                at,
                format!(
                    "%PDF- at offset {at}, within the first 1024 bytes, but no PDF structure \
                     (xref, trailer, %%EOF or an object) follows it: PDF readers find no document"
                ),
            )
            .with_severity(Severity::Info),
        };
        // A PDF the payload search confirmed there is reported once, under this code: its
        // element and structure join this finding.
        let document = findings
            .list
            .iter()
            .position(|f| f.code == FindingCode::ValueDocument && f.offset == at)
            .map(|i| findings.list.remove(i));
        let mut finding = finding.with_length(5);
        if let Some(document) = document {
            finding.message = format!("{}; {}", finding.message, document.message);
            finding.tag = document.tag;
        }
        findings.push(finding);
    }
}

/// Where a ZIP end-of-central-directory record that ZIP tools would use lies in the file's
/// last bytes (`tail`, starting at file offset `tail_start`).
///
/// ZIP readers search the last 65,557 bytes backwards for `PK\x05\x06`, and most of them
/// forgive bytes after the record. A record counts when its comment reaches exactly the end of
/// the file, or when the central directory it names starts with `PK\x01\x02` (found either
/// right before the record, as in an archive appended to a file, or at its recorded offset):
/// 4 signature bytes alone turn up in pixel data, 8 at the right places do not.
fn zip_directory(tail: &[u8], tail_start: u64, file_len: u64) -> Option<u64> {
    // memchr's forward search is SIMD; its reverse one is not, hence forward and `last`.
    static EOCD: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    EOCD.get_or_init(|| memchr::memmem::Finder::new(b"PK\x05\x06"))
        .find_iter(tail)
        .filter_map(|i| {
            let at = tail_start.checked_add(i as u64)?;
            let field = |offset: u64| (i as u64).checked_add(offset);
            let comment = cursor::u16_at(tail, field(20)?, Endian::Little)?;
            let ends_file = at.checked_add(22)?.checked_add(u64::from(comment))? == file_len;
            let directory_at = |start: u64| {
                cursor::slice_at(tail, start, 4).is_some_and(|sig| sig == b"PK\x01\x02")
            };
            let size = cursor::u32_at(tail, field(12)?, Endian::Little).map(u64::from)?;
            let offset = cursor::u32_at(tail, field(16)?, Endian::Little).map(u64::from)?;
            let before = size > 0 && (i as u64).checked_sub(size).is_some_and(directory_at);
            let recorded = size > 0 && offset.checked_sub(tail_start).is_some_and(directory_at);
            (ends_file || before || recorded).then_some(at)
        })
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_directory_must_end_the_file_or_name_a_directory() {
        let mut tail = vec![0u8; 100];
        tail[70..74].copy_from_slice(b"PK\x05\x06");
        tail[90..92].copy_from_slice(&8u16.to_le_bytes());
        assert_eq!(zip_directory(&tail, 1000, 1100), Some(1070));
        assert_eq!(zip_directory(&tail, 1000, 1101), None);
        tail[90..92].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(zip_directory(&tail, 1000, 1100), None);
        // Bytes follow the record, but a central directory of 30 bytes ends right before it.
        tail[82..86].copy_from_slice(&30u32.to_le_bytes());
        assert_eq!(zip_directory(&tail, 1000, 1100), None);
        tail[40..44].copy_from_slice(b"PK\x01\x02");
        assert_eq!(zip_directory(&tail, 1000, 1100), Some(1070));
        // Or at the offset the record names.
        tail[40..44].fill(0);
        tail[10..14].copy_from_slice(b"PK\x01\x02");
        tail[86..90].copy_from_slice(&1010u32.to_le_bytes());
        assert_eq!(zip_directory(&tail, 1000, 1100), Some(1070));
        // A directory size larger than the bytes before the record is not one.
        tail[82..86].copy_from_slice(&u32::MAX.to_le_bytes());
        tail[86..90].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(zip_directory(&tail, 1000, 1100), None);
    }
}
