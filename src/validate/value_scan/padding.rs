//! (FFFC,FFFC) Data Set Trailing Padding: payload signatures anywhere in it, and non-zero
//! bytes that no functional TIFF IFD explains (the carrier search covers it whole too).

use dicom_dictionary_std::tags;

use super::{contains, ValueScan};
use crate::error::Error;
use crate::read::carrier::search::Pass;
use crate::read::cursor;
use crate::read::signature::{self, Payload};
use crate::read::walk::{Element, Walk};
use crate::validate::findings::{Finding, FindingCode, Findings, Severity};

impl ValueScan {
    /// Scans (FFFC,FFFC) padding: payload signatures anywhere, and non-zero bytes that no
    /// functional TIFF IFD explains.
    pub(super) fn scan_padding(
        &mut self,
        walk: &mut Walk<'_>,
        e: &Element,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let start = e.value_offset();
        // The carrier search covers the whole value, as every value's; the padding's own
        // looks (a signature anywhere, a non-zero byte), its first `max_scan_len` bytes.
        let value_end = e.value_end().unwrap_or(start);
        let len = e.value_len().unwrap_or(0).min(self.max_scan_len);
        let end = start.saturating_add(len);
        let explained = self.tiff_ifd.is_some_and(|ifd| contains(e, ifd));
        let mut nonzero = None;
        let mut found = None;
        let mut head = [0u8; 2];
        // The carrier search's chunks (from the header on, as for every value) are the
        // padding's chunks: each one's own bytes, and the overlap that completes a signature.
        let chunks = |chunk_start: u64, chunk: &[u8], own: usize| {
            let skip = start.saturating_sub(chunk_start);
            let value = cursor::tail_at(chunk, skip).unwrap_or_default();
            let value_start = chunk_start.max(start);
            let value_own = own.saturating_sub(usize::try_from(skip).unwrap_or(usize::MAX));
            if chunk_start <= start {
                if let Some(first) = value.first_chunk::<2>() {
                    head = *first;
                }
            }
            // The overlap, and chunks past the padding's looks, may run past the scanned
            // bytes: never past `end`.
            let in_scan = usize::try_from(end.saturating_sub(value_start)).unwrap_or(usize::MAX);
            let value = value.get(..in_scan).unwrap_or(value);
            if nonzero.is_none() {
                nonzero = value
                    .get(..value_own)
                    .unwrap_or(value)
                    .iter()
                    .position(|&b| b != 0)
                    .map(|i| value_start.saturating_add(i as u64));
            }
            if found.is_none() {
                found = signature::embedded_payload(value)
                    .map(|(i, p)| (value_start.saturating_add(i as u64), p));
            }
        };
        let mut confirmations = std::mem::take(&mut self.found);
        confirmations.clear();
        let searched = self
            .carriers
            .search(
                walk,
                e.offset,
                value_end,
                Pass::All,
                chunks,
                &mut confirmations,
            )
            .map(|_| ());
        let owner = self.owner(e);
        for confirmation in &confirmations {
            self.carriers.report(confirmation, &owner, findings);
        }
        let reported = |at: u64| confirmations.iter().any(|c| c.offset == at);
        let found = found.filter(|(at, _)| !reported(*at));
        let result =
            searched.map(|()| self.padding_findings(e, found, nonzero, explained, head, findings));
        self.found = confirmations;
        result
    }

    /// The findings of (FFFC,FFFC) padding: the first payload signature `found` in it, or
    /// else its first `nonzero` byte (`head` being its first two bytes).
    fn padding_findings(
        &self,
        e: &Element,
        found: Option<(u64, Payload)>,
        nonzero: Option<u64>,
        explained: bool,
        head: [u8; 2],
        findings: &mut Findings,
    ) {
        let start = e.value_offset();
        if let Some((offset, payload)) = found {
            findings.push(
                Finding::usual(
                    FindingCode::PaddingPayload,
                    offset,
                    format!(
                        "{} inside (FFFC,FFFC) data set trailing padding",
                        payload.describe()
                    ),
                )
                .with_tag(tags::DATA_SET_TRAILING_PADDING),
            );
        } else if let (Some(offset), false) = (nonzero, explained) {
            // Converters that wrote a dual-personality file leave its IFD behind.
            let entries = u64::from(u16::from_le_bytes(head));
            let vestigial_ifd = offset.saturating_sub(start) < 2
                && (1..=4096).contains(&entries)
                && entries.saturating_mul(12).saturating_add(6) <= e.value_len().unwrap_or(0);
            let message =
                |what: &str| format!("(FFFC,FFFC) padding holds {what}, from offset {offset}");
            let finding = if vestigial_ifd {
                // A leftover IFD is explained, if not by the preamble: info, not low.
                Finding::on_element(
                    FindingCode::PaddingNonzero,
                    e,
                    message("a TIFF IFD no preamble header points to (a converter's leftover)"),
                )
                .with_severity(Severity::Info)
            } else {
                Finding::on_element(
                    FindingCode::PaddingNonzero,
                    e,
                    message("non-zero bytes that no functional TIFF IFD explains"),
                )
            };
            findings.push(finding);
        }
    }
}
