//! Looking into element values: every value searched whole for confirmed payload carriers
//! (see [`CarrierScan`]), payload signatures at the start of binary values (with a PE header
//! confirmed), payloads and non-zero bytes in (FFFC,FFFC) padding, and the element holding the
//! code a confirmed executable preamble points to.

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::limits::Limits;
use crate::read::carrier::search::Pass;
use crate::read::carrier::Confirmation;
use crate::read::cursor;
use crate::read::encoding::Encoding;
use crate::read::header;
use crate::read::preamble::PreambleKind;
use crate::read::probe::RandomAccess;
use crate::read::signature;
use crate::read::tiff::TiffGrade;
use crate::read::walk::{is_pixel_data, Element, ElementKind, Walk};
use crate::validate::carrier_scan::{step_path, CarrierScan, Level, Owner, Unread, OVERLAP};
use crate::validate::findings::{Finding, FindingCode, Findings};

mod padding;
mod sniff;

use self::sniff::{e_lfanew, explains, pe_signature_at, sniff};

// The padding's signatures are found whole in a chunk of the carrier search and its overlap.
const _: () = assert!(signature::EMBEDDED_MAX_LEN <= OVERLAP + 1);

/// Bytes of a value's start examined for a payload signature.
pub(super) const SNIFF_LEN: usize = 64;

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
    /// The limit on confirmation reads, for the finding that says it was reached.
    max_probe_bytes: u64,
    /// The search of every value for payload carriers.
    carriers: CarrierScan,
    /// Confirmations of the value at hand.
    found: Vec<Confirmation>,
    /// Plain values waiting to be searched as one range (see [`ValueScan::defer`]).
    pending: Option<Pending>,
    /// What the pending range crossed besides values, in order (see [`Mark`]).
    marks: Vec<Mark>,
    /// The carrier search's path of sequences where the pending range starts.
    start_path: Vec<Level>,
}

/// Contiguous plain values in one encoding, and the sequence, item and delimiter headers
/// between them, waiting to be searched as one range: one search for many small values,
/// whether the fast path took them as a run or the general path one by one (the same range
/// either way, so the same findings in the same order). Their owners and paths are found
/// again from the marks and the values' headers, for the rare confirmation.
#[derive(Debug, Clone, Copy)]
struct Pending {
    from: u64,
    to: u64,
    /// The depth of the values at the range's start.
    start_depth: u32,
    /// The depth of the values last added.
    depth: u32,
    encoding: Encoding,
}

/// Where a pending range stops being a run of values at one depth.
#[derive(Debug, Clone, Copy)]
enum Mark {
    /// A sequence, item or delimiter header the range crossed (its bytes are searched too).
    Header(Element),
    /// Values at another depth from this offset on (a defined-length item or sequence ended).
    Depth(u64, u32),
}

/// Marks a pending range holds before it is searched: bounds its memory.
const MAX_MARKS: usize = 256;

impl ValueScan {
    /// The value scan of an input whose preamble is `preamble`.
    pub(super) fn new(
        deep: bool,
        search_threads: usize,
        limits: &Limits,
        preamble: Option<PreambleKind>,
    ) -> Self {
        let mut scan = ValueScan {
            deep,
            max_scan_len: limits.max_scan_len,
            payload: None,
            tiff_ifd: None,
            max_probe_bytes: limits.max_probe_bytes,
            carriers: CarrierScan::new(
                limits.max_probe_bytes,
                limits.max_executable_headers,
                search_threads,
            ),
            found: Vec::new(),
            pending: None,
            marks: Vec::new(),
            start_path: Vec::new(),
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
    /// payload, which carriers it holds (its header's bytes searched too, as in a run of
    /// plain values: see [`ValueScan::search_run`]), and what its bytes start with (or, for
    /// padding, hold). Errors as the walk's reads do.
    pub(super) fn look(
        &mut self,
        walk: &mut Walk<'_>,
        e: &Element,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        self.locate_payload(e, findings);
        if e.tag() == tags::DATA_SET_TRAILING_PADDING {
            self.flush(walk, findings)?;
            return self.scan_padding(walk, e, findings);
        }
        let searched = self.should_search(e);
        let sniffed = self.should_sniff(e);
        if searched && !sniffed && e.kind == ElementKind::Value && walk.random_access().is_some() {
            let encoding = if e.explicit_vr {
                walk.encoding()
            } else {
                Encoding::ImplicitVrLittleEndian
            };
            let end = e.value_end().unwrap_or(e.offset);
            return self.defer(walk, e.offset, end, e.depth, encoding, findings);
        }
        if !searched && !sniffed {
            return Ok(());
        }
        self.flush(walk, findings)?;
        let start = e.value_offset();
        let len = e.value_len().unwrap_or(0);
        let mut head = [0u8; SNIFF_LEN];
        let mut head_len = 0;
        let mut pe_header = None;
        // The search covers the header and the value; a value only sniffed (the search
        // stopped), its first bytes.
        let from = if searched { e.offset } else { start };
        let end = if searched {
            e.value_end().unwrap_or(start)
        } else {
            start.saturating_add(len.min(SNIFF_LEN as u64))
        };
        let chunks = |chunk_start: u64, chunk: &[u8], _own: usize| {
            if sniffed && chunk_start == from {
                let value = cursor::tail_at(chunk, start.saturating_sub(from)).unwrap_or_default();
                let take = value.get(..SNIFF_LEN).unwrap_or(value);
                if let Some(dst) = head.get_mut(..take.len()) {
                    dst.copy_from_slice(take);
                    head_len = take.len();
                }
                pe_header = e_lfanew(value, len)
                    .and_then(|at| cursor::slice_at(value, at, 4))
                    .map(|sig| sig == b"PE\0\0");
            }
        };
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let searching = self
            .carriers
            .search_value(walk, from, end, chunks, &mut found);
        let result = searching.and_then(|()| {
            let head = head.get(..head_len).unwrap_or_default();
            let sniff = if sniffed {
                let pe = match (pe_header, e_lfanew(head, len)) {
                    (Some(pe), _) => pe,
                    (None, Some(at)) => pe_signature_at(walk, start.saturating_add(at))?,
                    (None, None) => false,
                };
                sniff(e, head, len, pe)
            } else {
                None
            };
            let owner = self.owner(e);
            for confirmation in &found {
                self.carriers.report(confirmation, &owner, findings);
            }
            if let Some((payload, finding)) = sniff {
                if !found.iter().any(|c| explains(c, payload, start)) {
                    findings.push(finding);
                }
            }
            Ok(())
        });
        self.found = found;
        result
    }

    /// Takes the bytes `[from, to)` of a run of plain values at `depth` that the fast path
    /// took (headers and values, explicit VR little endian) for the search: the same bytes
    /// as [`ValueScan::look`] takes for each of them, with the same findings. Errors as the
    /// walk's reads do.
    pub(super) fn search_run(
        &mut self,
        walk: &mut Walk<'_>,
        from: u64,
        to: u64,
        depth: u32,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        self.defer(
            walk,
            from,
            to,
            depth,
            Encoding::ExplicitVrLittleEndian,
            findings,
        )
    }

    /// Adds the values `[from, to)` at `depth` in `encoding` to the pending range, searching
    /// the range first when they do not continue it. Only for a source with random access
    /// (the search reads the range again). Errors as the walk's reads do.
    fn defer(
        &mut self,
        walk: &mut Walk<'_>,
        from: u64,
        to: u64,
        depth: u32,
        encoding: Encoding,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        if let Some(pending) = self.pending.as_mut() {
            if pending.to == from && pending.encoding == encoding && self.marks.len() < MAX_MARKS {
                if pending.depth != depth {
                    self.marks.push(Mark::Depth(from, depth));
                    pending.depth = depth;
                }
                pending.to = to;
                return Ok(());
            }
            self.flush(walk, findings)?;
        }
        self.pending = Some(Pending {
            from,
            to,
            start_depth: depth,
            depth,
            encoding,
        });
        self.marks.clear();
        self.start_path.clear();
        self.start_path.extend_from_slice(self.carriers.path());
        Ok(())
    }

    /// Searches the pending range, if any. Errors as the walk's reads do.
    pub(super) fn flush(
        &mut self,
        walk: &mut Walk<'_>,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let searched =
            self.carriers
                .search_value(walk, pending.from, pending.to, |_, _, _| {}, &mut found);
        let result = searched.and_then(|()| {
            for confirmation in &found {
                let (owner, path) = self.owner_in_pending(walk, &pending, confirmation.offset)?;
                self.carriers
                    .report_in(confirmation, &owner, &path, findings);
            }
            Ok(())
        });
        self.found = found;
        result
    }

    /// Searches the values of the File Meta group, `(tag, value offset, value)`, confirming
    /// through the walk's random access to the input (or, for a deflated data set, the
    /// value alone). Errors as the walk's reads do.
    pub(super) fn search_meta(
        &mut self,
        walk: &mut Walk<'_>,
        values: &[(Tag, u64, Vec<u8>)],
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let mut found = std::mem::take(&mut self.found);
        for (tag, value_offset, value) in values {
            found.clear();
            self.carriers
                .search_bytes(value, *value_offset, walk.random_access(), &mut found)?;
            let owner = Owner {
                tag: *tag,
                depth: 0,
                value_offset: *value_offset,
            };
            for confirmation in &found {
                self.carriers.report(confirmation, &owner, findings);
            }
        }
        self.found = found;
        Ok(())
    }

    /// Searches the bytes from `unread.from` to `end` (the input's end when `None`) that the
    /// walk did not parse, read through it; `each` is handed each chunk as in
    /// [`CarrierScan::search`]. Payloads there are reported as such (see
    /// [`CarrierScan::report_unread`]). Errors as the walk's reads do.
    pub(super) fn search_unread(
        &mut self,
        walk: &mut Walk<'_>,
        unread: &Unread,
        end: Option<u64>,
        each: impl FnMut(u64, &[u8], usize),
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let end = end.or_else(|| walk.end()).unwrap_or(u64::MAX);
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let searched = self
            .carriers
            .search(walk, unread.from, end, Pass::All, each, &mut found)
            .map(|_| ());
        for confirmation in &found {
            self.carriers.report_unread(confirmation, unread, findings);
        }
        self.found = found;
        searched
    }

    /// Searches the input's bytes from `unread.from` to `end` through `raw`, which reaches
    /// them without a walk (after a meta group that cannot be read, after a deflate stream).
    /// Errors only on I/O.
    pub(super) fn search_unread_raw(
        &mut self,
        raw: &mut dyn RandomAccess,
        unread: &Unread,
        end: u64,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let searched = self
            .carriers
            .search_random(raw, unread.from, end, &mut found);
        for confirmation in &found {
            self.carriers.report_unread(confirmation, unread, findings);
        }
        self.found = found;
        searched
    }

    /// Keeps the carrier search's path of sequences up to date with `e`, a sequence, an item,
    /// a delimiter or an encapsulated element. A pending range goes on across the header when
    /// it ends right before it (but not into encapsulated pixel data).
    pub(super) fn note(
        &mut self,
        walk: &mut Walk<'_>,
        e: &Element,
        findings: &mut Findings,
    ) -> Result<(), Error> {
        let joined = match self.pending.as_mut() {
            Some(pending)
                if pending.to == e.offset
                    && e.kind != ElementKind::Encapsulated
                    && self.marks.len() < MAX_MARKS =>
            {
                pending.to = e.value_offset();
                self.marks.push(Mark::Header(*e));
                true
            }
            _ => false,
        };
        if !joined {
            self.flush(walk, findings)?;
        }
        self.carriers.note(e);
        Ok(())
    }

    /// The element of the `pending` range whose header or value holds input offset `at`,
    /// and the path of sequences there: the marks replayed, the values' headers read again.
    fn owner_in_pending(
        &self,
        walk: &mut Walk<'_>,
        pending: &Pending,
        at: u64,
    ) -> Result<(Owner, Vec<Level>), Error> {
        let mut path = self.start_path.clone();
        let mut depth = pending.start_depth;
        let mut from = pending.from;
        let mut to = pending.to;
        for mark in &self.marks {
            let offset = match mark {
                Mark::Header(e) => e.offset,
                Mark::Depth(offset, _) => *offset,
            };
            if offset > at {
                to = offset;
                break;
            }
            match mark {
                Mark::Header(e) if at < e.value_offset() => {
                    // In the header itself: a sequence's, or an item's (its sequence's).
                    let owner = if e.kind == ElementKind::Sequence {
                        Owner::of(e)
                    } else {
                        let depth = e.depth.saturating_sub(1);
                        let sequence = usize::try_from(depth)
                            .ok()
                            .and_then(|d| path.get(..d.saturating_add(1)))
                            .and_then(<[_]>::last)
                            .map_or(e.tag(), |(tag, _)| *tag);
                        Owner {
                            tag: sequence,
                            depth,
                            value_offset: e.value_offset(),
                        }
                    };
                    return Ok((owner, path));
                }
                Mark::Header(e) => {
                    step_path(&mut path, e);
                    from = e.value_offset();
                }
                Mark::Depth(offset, d) => {
                    depth = *d;
                    from = *offset;
                }
            }
        }
        let owner = owner_in_range(walk, from, to, pending.encoding, depth, at)?;
        // The walk read these headers as they are read again: never unattributed.
        let owner = owner.unwrap_or(Owner {
            tag: Tag(0xFFFF, 0xFFFF),
            depth,
            value_offset: from,
        });
        Ok((owner, path))
    }

    /// Makes the findings left for the end: a search the budget stopped.
    pub(super) fn finish(&self, findings: &mut Findings) {
        self.carriers.finish(self.max_probe_bytes, findings);
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

    /// The element a payload in `e` is reported on: `e`, or for a fragment the encapsulated
    /// element it belongs to.
    fn owner(&self, e: &Element) -> Owner {
        let mut owner = Owner::of(e);
        if e.kind == ElementKind::Fragment {
            if let Some(parent) = self.carriers.parent(e.depth) {
                owner.tag = parent;
                owner.depth = e.depth.saturating_sub(1);
            }
        }
        owner
    }

    /// Whether `e` is Pixel Data or one of its fragments, which only a deep scan looks into.
    fn is_pixels(&self, e: &Element) -> bool {
        match e.kind {
            ElementKind::Fragment => self.carriers.parent(e.depth).is_none_or(is_pixel_data),
            _ => is_pixel_data(e.tag()),
        }
    }

    /// Whether the value of `e` is searched for carriers: every value, whatever its VR, but
    /// Pixel Data's unless the scan is deep.
    fn should_search(&self, e: &Element) -> bool {
        self.deep || !self.is_pixels(e)
    }

    /// Whether the start of the value of `e` is looked at for a payload signature.
    fn should_sniff(&self, e: &Element) -> bool {
        let binary = is_binary(e.header.vr);
        let pixels = e.kind == ElementKind::Fragment || is_pixel_data(e.tag());
        binary && e.value_len().is_some_and(|len| len >= 4) && (self.deep || !pixels)
    }
}

/// The plain value at `depth` in `[from, to)`, a run of values in `encoding`, whose header
/// or value holds input offset `at`: the run's headers read again.
fn owner_in_range(
    walk: &mut Walk<'_>,
    from: u64,
    to: u64,
    encoding: Encoding,
    depth: u32,
    at: u64,
) -> Result<Option<Owner>, Error> {
    let Some(random) = walk.random_access() else {
        return Ok(None);
    };
    // Each header is read once, 12 bytes at most: 12 bytes per 8 of the range, at most.
    let budget = to.saturating_sub(from).saturating_mul(2);
    let mut probe = crate::read::probe::Probe::new(random, budget);
    let mut pos = from;
    while pos < to {
        let Some(h) = probe.fetch_padded::<12>(pos, 12.min(to.saturating_sub(pos)))? else {
            return Ok(None);
        };
        let Ok(raw) = header::decode(&h, 0, encoding) else {
            return Ok(None);
        };
        let value_offset = pos.saturating_add(u64::from(raw.header_len));
        let end = value_offset.saturating_add(u64::from(raw.len));
        if at < end {
            return Ok(Some(Owner {
                tag: raw.tag,
                depth,
                value_offset,
            }));
        }
        pos = end;
    }
    Ok(None)
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
