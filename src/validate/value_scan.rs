//! Looking into element values: payload signatures at the start of binary values (with a PE
//! header confirmed), payloads and non-zero bytes in (FFFC,FFFC) padding, and the element
//! holding the code a confirmed executable preamble points to.

use dicom_core::VR;
use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::limits::Limits;
use crate::read::cursor::{self, Endian};
use crate::read::preamble::PreambleKind;
use crate::read::signature::{self, Format, Payload};
use crate::read::tiff::TiffGrade;
use crate::read::walk::{Element, ElementKind, Walk};
use crate::validate::findings::{Finding, FindingCode, Findings, Severity};

/// Bytes of a value's start examined for a payload signature.
pub(super) const SNIFF_LEN: usize = 64;
/// Bytes examined per step when scanning a value.
pub(super) const SCAN_CHUNK: usize = 64 * 1024;

/// The value scan's state: what it looks for, and what the preamble left it to place.
pub(super) struct ValueScan {
    /// Whether Pixel Data values and fragments are sniffed too.
    deep: bool,
    /// How many bytes of padding are scanned.
    max_scan_len: u64,
    /// Where a confirmed executable preamble's payload starts, until an element claims it.
    payload: Option<u64>,
    /// The first IFD of a functional TIFF header.
    tiff_ifd: Option<u64>,
}

impl ValueScan {
    /// The value scan of an input whose preamble is `preamble`.
    pub(super) fn new(deep: bool, limits: &Limits, preamble: Option<PreambleKind>) -> Self {
        let mut scan = ValueScan {
            deep,
            max_scan_len: limits.max_scan_len,
            payload: None,
            tiff_ifd: None,
        };
        if let Some(kind) = preamble {
            scan.payload = kind
                .executable()
                .filter(|info| info.confirmed)
                .and_then(|info| info.payload_offset);
            if let PreambleKind::Tiff {
                header,
                grade: TiffGrade::Functional,
            } = kind
            {
                scan.tiff_ifd = Some(header.ifd_offset);
            }
        }
        scan
    }

    /// Whether a payload waits for the element that holds it: every value must then come
    /// through [`ValueScan::look`] (the fast path stands aside).
    #[inline(always)]
    pub(super) fn places_payload(&self) -> bool {
        self.payload.is_some()
    }

    /// Looks into the value of `e`, a value or a fragment: whether it holds the preamble's
    /// payload, and what its bytes start with (or, for padding, hold). Errors as the walk's
    /// reads do.
    pub(super) fn look(
        &mut self,
        walk: &mut Walk<'_>,
        e: &Element,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        self.locate_payload(e, findings);
        if e.tag() == tags::DATA_SET_TRAILING_PADDING {
            self.scan_padding(walk, e, findings)
        } else if self.should_sniff(e) {
            sniff(walk, e, findings)
        } else {
            Ok(())
        }
    }

    /// Names the element holding a confirmed executable preamble's payload.
    fn locate_payload(&mut self, e: &Element, findings: &mut Findings) {
        let Some(payload) = self.payload else { return };
        if contains(e, payload) {
            self.payload = None;
            findings.push(Finding::on_element(
                FindingCode::PreamblePayloadInElement,
                e,
                format!(
                    "the executable preamble's code at offset {payload} lies in the value of {}",
                    e.tag()
                ),
            ));
        }
    }

    /// Whether the start of the value of `e` is looked at for a payload signature.
    fn should_sniff(&self, e: &Element) -> bool {
        let binary = is_binary(e.header.vr);
        let pixels = e.kind == ElementKind::Fragment
            || (e.tag().group() == 0x7FE0 && (0x0008..=0x0010).contains(&e.tag().element()));
        binary && e.value_len().is_some_and(|len| len >= 4) && (self.deep || !pixels)
    }

    /// Scans (FFFC,FFFC) padding: payload signatures anywhere, and non-zero bytes that no
    /// functional TIFF IFD explains.
    fn scan_padding(
        &self,
        walk: &mut Walk<'_>,
        e: &Element,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let start = e.value_offset();
        let len = e.value_len().unwrap_or(0).min(self.max_scan_len);
        let end = start.saturating_add(len);
        let explained = self.tiff_ifd.is_some_and(|ifd| contains(e, ifd));
        let mut nonzero = None;
        let mut found = None;
        let mut at = start;
        while at < end && found.is_none() {
            let want = usize::try_from(end.saturating_sub(at))
                .unwrap_or(SCAN_CHUNK)
                .min(SCAN_CHUNK);
            let chunk = walk.peek(at, want)?;
            if chunk.is_empty() {
                break;
            }
            if nonzero.is_none() {
                nonzero = chunk
                    .iter()
                    .position(|&b| b != 0)
                    .map(|i| at.saturating_add(i as u64));
            }
            found =
                signature::embedded_payload(chunk).map(|(i, p)| (at.saturating_add(i as u64), p));
            let step = chunk
                .len()
                .saturating_sub(signature::EMBEDDED_MAX_LEN)
                .max(1) as u64;
            at = if chunk.len() < want {
                end
            } else {
                at.saturating_add(step)
            };
        }
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
            let head = walk.peek(start, 2)?;
            let entries = cursor::u16_at(head, 0, Endian::Little).map_or(0, u64::from);
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
        Ok(())
    }
}

/// Looks for a payload at the start of the value of `e`.
fn sniff(walk: &mut Walk<'_>, e: &Element, findings: &mut Findings) -> Result<(), Error> {
    let len = e.value_len().unwrap_or(0);
    let start = e.value_offset();
    let head = walk.peek(start, SNIFF_LEN)?;
    let Some(payload) = signature::value_payload(head, len) else {
        return Ok(());
    };
    let mut confirmed = false;
    if payload == Payload::Executable(Format::Pe) {
        // `MZ` is common in binary data: report it only when `e_lfanew` leads to `PE\0\0`.
        let pe = cursor::u32_at(head, 0x3C, Endian::Little)
            .map(u64::from)
            .filter(|at| at.saturating_add(4) <= len && *at >= 0x40);
        let Some(at) = pe else { return Ok(()) };
        if walk.peek(start.saturating_add(at), 4)? != b"PE\0\0" {
            return Ok(());
        }
        confirmed = true;
    }
    let code = match payload {
        Payload::Executable(_) => FindingCode::ValueExecutable,
        Payload::Archive(_) => FindingCode::ValueArchive,
        Payload::Script => FindingCode::ValueScript,
        Payload::Pdf | Payload::Markup => FindingCode::ValueDocument,
    };
    let mut finding = Finding::on_element(
        code,
        e,
        format!(
            "the value of {} starts with a {}",
            e.tag(),
            payload.describe()
        ),
    );
    if confirmed {
        // A PE header found at `e_lfanew`: critical, where an unconfirmed executable is high.
        finding = finding.with_severity(Severity::Critical);
    } else if code == FindingCode::ValueDocument && e.tag() == tags::ENCAPSULATED_DOCUMENT {
        // Documents belong in (0042,0011): info, where elsewhere they are medium.
        finding = finding.with_severity(Severity::Info);
    }
    findings.push(finding);
    Ok(())
}

/// Whether values of `vr` are raw bytes, where validation looks for payloads.
pub(super) fn is_binary(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB | VR::OW | VR::UN | VR::OD | VR::OF | VR::OL | VR::OV
    )
}

/// Whether `offset` lies in the value of `e`.
pub(super) fn contains(e: &Element, offset: u64) -> bool {
    e.value_end()
        .is_some_and(|end| (e.value_offset()..end).contains(&offset))
}
