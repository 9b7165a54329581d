//! The carrier search: element values searched whole, in bounded chunks, for payloads whose
//! structure their consumers' rules confirm (see [`crate::read::carrier`]), and the findings
//! they make.
//!
//! A chunk of at most [`SEARCH_CHUNK`] bytes is searched for anchors starting in it; it is
//! read [`OVERLAP`] bytes longer, so that an anchor split across two chunks is found whole,
//! and the next chunk starts where the anchors of this one ended, so that none is found
//! twice. Candidates are collected from the chunk first and confirmed after, through the
//! walk's random access to the whole input (a PE's `e_lfanew` may lead into the next
//! element, a ZIP's central directory lie anywhere). A deflated data set is a stream that
//! cannot be read at random: there a confirmation sees only the chunk at hand (its offsets
//! are inflated offsets, as every finding of a deflated data set gives them).
//!
//! Confirmations read a few bytes each, a gzip stream 4 KiB, a PDF 64 KiB. Reads served from
//! memory (a slice, the chunk at hand) are free; reads that need I/O share the budget of
//! [`Limits::max_probe_bytes`](crate::Limits) for the whole validation. When it is spent the
//! search goes on with what memory holds, and a finding says from where candidates may have
//! gone unconfirmed: `value.search-limit`, high, since no real file spends 16 MiB of reads
//! outside its chunks confirming decoys, and a file built to do so is an evasion attempt.

mod parallel;
mod without_mz;

use std::ops::ControlFlow;

use dicom_core::Tag;
use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::read::carrier::search::Pass;
use crate::read::carrier::{self, Carrier, Confirmation, MAX_ANCHOR_LEN};
use crate::read::probe::{Probe, RandomAccess, WindowAt};
use crate::read::walk::{Element, ElementKind, Walk};
use crate::validate::findings::{Finding, FindingCode, Findings, Severity};

use self::parallel::PARALLEL_MIN;
use self::without_mz::WITHOUT_MZ_MIN;

/// Bytes searched per chunk.
pub(super) const SEARCH_CHUNK: usize = 64 * 1024;
/// Bytes read past a chunk so that an anchor starting in it is whole.
pub(super) const OVERLAP: usize = MAX_ANCHOR_LEN - 1;
/// Candidates collected from a chunk before they are confirmed (the search resumes after
/// the last one): bounds the memory of a chunk full of anchors.
const MAX_CANDIDATES: usize = 1024;
/// The most one confirmation may read (a PDF reads 64 KiB and 8 bytes).
const PER_CANDIDATE: u64 = 128 * 1024;

/// One level of the path of sequences enclosing an element: the sequence's (or encapsulated
/// element's) tag, and the number of the item the walk is in.
pub(super) type Level = (Tag, Option<u32>);

/// Where a payload was found: the element whose value (or header) holds it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner {
    /// The element's tag.
    pub(super) tag: Tag,
    /// Its depth: how many sequences enclose it.
    pub(super) depth: u32,
    /// Offset of its first value byte.
    pub(super) value_offset: u64,
}

impl Owner {
    /// The owner `e` is.
    pub(super) fn of(e: &Element) -> Self {
        Owner {
            tag: e.tag(),
            depth: e.depth,
            value_offset: e.value_offset(),
        }
    }
}

/// Confirms candidates, reading through a budget of I/O (see [`CarrierScan::confirm`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Confirmer {
    /// The limit on headers an executable confirmation reads.
    max_headers: u32,
    /// Confirmation bytes that need I/O left.
    budget: u64,
    /// The most one confirmation reads: [`PER_CANDIDATE`], or less when the limits say so.
    work: u64,
    /// The first candidate a limit left unconfirmed.
    spent_at: Option<u64>,
    /// What confirmations learnt of the input's bytes, for later candidates.
    memo: carrier::Memo,
}

/// The carrier search's state.
pub(super) struct CarrierScan {
    /// Confirms the candidates, through the validation's budget.
    confirmer: Confirmer,
    /// How many threads may search one large value (see [`CarrierScan::search_value`]).
    threads: usize,
    /// The sequences (and encapsulated elements) enclosing the element at hand, one per
    /// depth: the tag and the number of the item the walk is in.
    path: Vec<Level>,
    /// Candidates of the chunk at hand: the carrier and its input offset.
    candidates: Vec<(Carrier, u64)>,
    /// The chunk at hand, for a source without random access.
    window: Vec<u8>,
    /// Start offset of `window`.
    window_start: u64,
    /// The buffer of [`CarrierScan::search_random`].
    raw_chunk: Vec<u8>,
}

/// Bytes where the walk read none, and why: for the findings of payloads there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unread {
    /// Where the bytes start: where the walk stopped, the data set ended, the stream ended.
    pub(super) from: u64,
    /// What happened there, for messages: "the walk stopped", "the data set ends".
    pub(super) what: &'static str,
    /// The element the walk stopped at, when known.
    pub(super) tag: Option<Tag>,
}

/// Updates `path`, the sequences (and encapsulated elements) enclosing an element, one per
/// depth with the number of the item the walk is in, for `e`: a sequence or an encapsulated
/// element opens a level, an item counts in its sequence's; anything else leaves it.
pub(super) fn step_path(path: &mut Vec<Level>, e: &Element) {
    let depth = usize::try_from(e.depth).unwrap_or(usize::MAX);
    match e.kind {
        ElementKind::Sequence | ElementKind::Encapsulated => {
            path.truncate(depth);
            path.push((e.tag(), None));
        }
        ElementKind::Item => {
            // An item shares its sequence's inside depth: the sequence is at depth - 1.
            path.truncate(depth);
            if let Some((_, item)) = path.last_mut() {
                *item = Some(item.map_or(0, |i| i.saturating_add(1)));
            }
        }
        _ => {}
    }
}

/// The path of sequences (`path`) enclosing `owner`, with its tag: for messages.
fn path_of(path: &[Level], owner: &Owner) -> String {
    let depth = usize::try_from(owner.depth).unwrap_or(usize::MAX);
    let mut out = String::new();
    for (tag, item) in path.iter().take(depth) {
        out.push_str(&tag.to_string());
        if let Some(item) = item {
            out.push_str(&format!("[{item}]"));
        }
        out.push_str(" > ");
    }
    out.push_str(&owner.tag.to_string());
    out
}

/// Reads from a window of bytes held in memory, else from the input behind it.
pub(super) struct Layered<'a> {
    /// The bytes at hand, read for free.
    pub(super) window: WindowAt<'a>,
    /// The input.
    pub(super) inner: &'a mut dyn RandomAccess,
}

impl RandomAccess for Layered<'_> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn start(&self) -> u64 {
        self.inner.start()
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        self.window.holds(offset, len) || self.inner.holds(offset, len)
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if self.window.holds(offset, buf.len() as u64) {
            return self.window.read_exact_at(offset, buf);
        }
        self.inner.read_exact_at(offset, buf)
    }
}

impl CarrierScan {
    /// A search reading at most `max_probe_bytes` with I/O to confirm candidates, with up
    /// to `threads` threads for one large value.
    pub(super) fn new(max_probe_bytes: u64, max_headers: u32, threads: usize) -> Self {
        CarrierScan {
            confirmer: Confirmer {
                max_headers,
                budget: max_probe_bytes,
                work: max_probe_bytes.min(PER_CANDIDATE),
                spent_at: None,
                memo: carrier::Memo::default(),
            },
            threads,
            path: Vec::new(),
            candidates: Vec::new(),
            window: Vec::new(),
            window_start: 0,
            raw_chunk: Vec::new(),
        }
    }

    /// Keeps the path of enclosing sequences up to date with `e`, a sequence, an item or an
    /// encapsulated element (see [`step_path`]).
    pub(super) fn note(&mut self, e: &Element) {
        step_path(&mut self.path, e);
    }

    /// The sequences (and encapsulated elements) enclosing the element at hand, one per
    /// depth: the tag and the number of the item the walk is in.
    pub(super) fn path(&self) -> &[Level] {
        &self.path
    }

    /// The tag of the sequence or encapsulated element enclosing an element at `depth`.
    pub(super) fn parent(&self, depth: u32) -> Option<Tag> {
        let depth = usize::try_from(depth).ok()?;
        self.path
            .get(..depth)
            .and_then(<[_]>::last)
            .map(|(tag, _)| *tag)
    }

    /// Searches the input's bytes `[start, end)` as [`CarrierScan::search`] does, for a
    /// caller whose `each` looks at the first chunk alone: a value of [`PARALLEL_MIN`] bytes
    /// or more, when the walk has a handle threads share, is searched after its first chunk
    /// in ranges, by as many threads as are allowed (and not handed to `each`); a value of
    /// [`WITHOUT_MZ_MIN`] bytes or more without its `MZ`s first when that may be (see
    /// [`CarrierScan::without_mz_first`]).
    pub(in crate::validate) fn search_value(
        &mut self,
        walk: &mut Walk<'_>,
        start: u64,
        end: u64,
        each: impl FnMut(u64, &[u8], usize),
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let len = end.saturating_sub(start);
        let Some(shared) = walk.shared().filter(|_| len >= WITHOUT_MZ_MIN) else {
            return self
                .search(walk, start, end, Pass::All, each, found)
                .map(|_| ());
        };
        if len < PARALLEL_MIN {
            // `each` sees the chunks of the first search only.
            let mut each = Some(each);
            return self.without_mz_first(shared, len, end, found, |scan, pass, found| {
                let first = each.take();
                match first {
                    Some(each) => scan.search(walk, start, end, pass, each, found),
                    None => scan.search(walk, start, end, pass, |_, _, _| {}, found),
                }
            });
        }
        // The first chunk on this thread, for `each`, as an undivided search gives it.
        let head_end = start.saturating_add(SEARCH_CHUNK as u64);
        self.search(walk, start, head_end, Pass::All, each, found)?;
        self.search_large(shared, head_end, end, found)
    }

    /// Searches the input's bytes `[start, end)` as the walk reads them, chunk by chunk, for
    /// the anchors of `pass`; `each` is handed every chunk's start offset and bytes (up to
    /// [`SEARCH_CHUNK`] of them, and [`OVERLAP`] more, fewer at the input's end), with how
    /// many of them are this chunk's own (the rest begin the next one), for the looks other
    /// rules take at the same bytes; it is called at least once. Confirmations are appended
    /// to `found`. Returns whether a PE signature starts in the bytes searched (looked for
    /// by [`Pass::WithoutMz`] alone).
    pub(super) fn search(
        &mut self,
        walk: &mut Walk<'_>,
        start: u64,
        end: u64,
        pass: Pass,
        mut each: impl FnMut(u64, &[u8], usize),
        found: &mut Vec<Confirmation>,
    ) -> Result<bool, Error> {
        let keep = walk.random_access().is_none();
        let mut at = start;
        let mut looked = false;
        let mut signature = false;
        while at < end {
            let span = usize::try_from(end.saturating_sub(at))
                .unwrap_or(SEARCH_CHUNK)
                .min(SEARCH_CHUNK);
            let chunk = walk.peek(at, span.saturating_add(OVERLAP))?;
            if chunk.is_empty() {
                break;
            }
            let report_end = span.min(chunk.len());
            let (resume, signed) = self.collect(chunk, at, report_end, keep, pass);
            signature |= signed;
            each(at, chunk, resume);
            looked = true;
            let short = chunk.len() < span;
            if !self.candidates.is_empty() {
                self.confirm(walk.random_access(), found)?;
            }
            at = at.saturating_add(resume.max(1) as u64);
            if short && resume == report_end {
                break;
            }
        }
        if !looked {
            each(start, &[], 0);
        }
        Ok(signature)
    }

    /// Searches `bytes`, held in memory from input offset `start` (a meta group value),
    /// confirming through `random` (or else `bytes` alone).
    pub(super) fn search_bytes(
        &mut self,
        bytes: &[u8],
        start: u64,
        mut random: Option<&mut dyn RandomAccess>,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let keep = random.is_none();
        let mut at = 0usize;
        while at < bytes.len() {
            let rest = bytes.get(at..).unwrap_or_default();
            let report_end = rest.len().min(SEARCH_CHUNK);
            let chunk = rest
                .get(..report_end.saturating_add(OVERLAP))
                .unwrap_or(rest);
            let chunk_start = start.saturating_add(at as u64);
            let (resume, _) = self.collect(chunk, chunk_start, report_end, keep, Pass::All);
            if !self.candidates.is_empty() {
                let again = random.as_mut().map(|r| &mut **r as &mut dyn RandomAccess);
                self.confirm(again, found)?;
            }
            at = at.saturating_add(resume.max(1));
        }
        Ok(())
    }

    /// Searches the input's bytes `[start, end)` read through `random` itself, for bytes no
    /// walk reaches (a meta group that cannot be read, what follows a deflate stream): chunk
    /// by chunk as [`CarrierScan::search`], each chunk's reads free.
    pub(super) fn search_random(
        &mut self,
        random: &mut dyn RandomAccess,
        start: u64,
        end: u64,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let end = end.min(random.len());
        // These bytes are not the walk's (a deflated data set's offsets count inflated
        // bytes): nothing learnt of those holds here, nor the other way round.
        let walked = std::mem::take(&mut self.confirmer.memo);
        let mut chunk = std::mem::take(&mut self.raw_chunk);
        let mut at = start.max(random.start());
        let mut result = Ok(());
        while at < end {
            let report_end = usize::try_from(end.saturating_sub(at))
                .unwrap_or(SEARCH_CHUNK)
                .min(SEARCH_CHUNK);
            let len = usize::try_from(random.len().saturating_sub(at))
                .unwrap_or(usize::MAX)
                .min(report_end.saturating_add(OVERLAP));
            chunk.resize(len, 0);
            if let Err(e) = random.read_exact_at(at, &mut chunk) {
                result = Err(Error::io(at, &e));
                break;
            }
            let (resume, _) = self.collect(&chunk, at, report_end, false, Pass::All);
            if !self.candidates.is_empty() {
                // The chunk at hand first (free), the input for what lies outside it.
                let mut layered = Layered {
                    window: WindowAt {
                        start: at,
                        bytes: &chunk,
                    },
                    inner: &mut *random,
                };
                let candidates = std::mem::take(&mut self.candidates);
                let confirmed = self
                    .confirmer
                    .confirm_each(&candidates, &mut layered, found);
                self.candidates = candidates;
                self.candidates.clear();
                if let Err(err) = confirmed {
                    result = Err(err);
                    break;
                }
            }
            at = at.saturating_add(resume.max(1) as u64);
        }
        self.raw_chunk = chunk;
        self.confirmer.memo = walked;
        result
    }

    /// Collects the candidates of `pass` starting in `chunk[..report_end]` (`chunk` starts at
    /// input offset `chunk_start`), up to [`MAX_CANDIDATES`], into the empty list that
    /// confirming leaves; keeps a copy of the chunk when `keep` (a source without random
    /// access confirms from it). Returns where the search resumes (`report_end`, or after the
    /// last candidate taken) and whether a PE signature starts before it.
    fn collect(
        &mut self,
        chunk: &[u8],
        chunk_start: u64,
        report_end: usize,
        keep: bool,
        pass: Pass,
    ) -> (usize, bool) {
        let found = collect_candidates(chunk, chunk_start, report_end, pass, &mut self.candidates);
        if keep && !self.candidates.is_empty() {
            self.window.clear();
            self.window.extend_from_slice(chunk);
            self.window_start = chunk_start;
        }
        found
    }

    /// Confirms the candidates collected, through `random` or else the kept chunk.
    ///
    /// Reads the source holds in memory (a slice; the chunk at hand and the input's end a
    /// reader keeps) are free; only reads that need I/O are charged to the validation's
    /// budget, so no value full of decoy anchors can spend it on a slice, and on a reader
    /// only candidates whose structure lies outside the bytes at hand do. Each confirmation
    /// reads at most [`PER_CANDIDATE`] bytes in all: CPU stays linear in the input.
    fn confirm(
        &mut self,
        mut random: Option<&mut dyn RandomAccess>,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let candidates = std::mem::take(&mut self.candidates);
        let window = std::mem::take(&mut self.window);
        let mut held = WindowAt {
            start: self.window_start,
            bytes: &window,
        };
        let source: &mut dyn RandomAccess = match random.as_mut() {
            Some(random) => &mut **random,
            None => &mut held,
        };
        let result = self.confirmer.confirm_each(&candidates, source, found);
        self.window = window;
        self.candidates = candidates;
        self.candidates.clear();
        result
    }

    /// Reports `confirmation`, found in the value (or header) of `owner`, in the element
    /// at hand's path.
    pub(super) fn report(
        &self,
        confirmation: &Confirmation,
        owner: &Owner,
        findings: &mut Findings,
    ) {
        self.report_in(confirmation, owner, &self.path, findings);
    }

    /// Reports `confirmation`, found in the value (or header) of `owner`, whose enclosing
    /// sequences are `path`.
    pub(super) fn report_in(
        &self,
        confirmation: &Confirmation,
        owner: &Owner,
        path: &[Level],
        findings: &mut Findings,
    ) {
        let carrier = confirmation.carrier;
        let at_start = confirmation.offset == owner.value_offset;
        let private = owner.tag.group() % 2 == 1;
        let (code, severity, why) = if carrier.is_executable() {
            (FindingCode::ValueExecutable, Severity::Critical, "")
        } else if carrier.is_compressed_stream() {
            if at_start && private {
                // Vendors compress private data: info, where elsewhere it is low.
                (
                    FindingCode::ValueCompressed,
                    Severity::Info,
                    " (vendors compress private data)",
                )
            } else {
                (FindingCode::ValueCompressed, Severity::Low, "")
            }
        } else if carrier == Carrier::Pdf {
            if owner.tag == tags::ENCAPSULATED_DOCUMENT {
                (
                    FindingCode::ValueDocument,
                    Severity::Info,
                    " (an encapsulated document, where documents belong)",
                )
            } else if confirmation.opens_the_file {
                (
                    FindingCode::ValueDocument,
                    Severity::High,
                    ": PDF readers open this file",
                )
            } else {
                (FindingCode::ValueDocument, Severity::Medium, "")
            }
        } else if confirmation.opens_the_file {
            (
                FindingCode::ValueArchive,
                Severity::High,
                ": archivers open this file as one",
            )
        } else {
            (FindingCode::ValueArchive, Severity::Medium, "")
        };
        let message = format!(
            "{} at offset {} in {}: {}{why}",
            carrier.describe(),
            confirmation.offset,
            path_of(path, owner),
            confirmation.detail
        );
        if merged_into_zip_directory(confirmation, &message, Some(owner.tag), findings) {
            return;
        }
        findings.push(
            Finding::usual(code, confirmation.offset, message)
                .with_severity(severity)
                .with_tag(owner.tag),
        );
    }

    /// Reports `confirmation`, found in bytes no element holds (see [`Unread`]): a threat
    /// whatever it is, since nothing in the file's structure explains it. Not reported when
    /// a payload finding stands at the same offset already (the value search may have
    /// reached the same bytes before the walk stopped).
    pub(super) fn report_unread(
        &self,
        confirmation: &Confirmation,
        unread: &Unread,
        findings: &mut Findings,
    ) {
        let carrier = confirmation.carrier;
        let (code, severity) = if carrier.is_executable() {
            (FindingCode::ValueExecutable, Severity::Critical)
        } else if carrier.is_compressed_stream() {
            (FindingCode::ValueCompressed, Severity::High)
        } else if carrier == Carrier::Pdf {
            (FindingCode::ValueDocument, Severity::High)
        } else {
            (FindingCode::ValueArchive, Severity::High)
        };
        let at = confirmation.offset;
        let payload =
            |code: FindingCode| code.is_carrier() || code == FindingCode::FileZipDirectory;
        if findings
            .list
            .iter()
            .any(|f| f.offset == at && payload(f.code))
        {
            return;
        }
        let message = format!(
            "{} at offset {at}, after the point where {} (offset {}), in bytes no element \
             holds: {}",
            carrier.describe(),
            unread.what,
            unread.from,
            confirmation.detail
        );
        if merged_into_zip_directory(confirmation, &message, unread.tag, findings) {
            return;
        }
        let mut finding = Finding::usual(code, at, message).with_severity(severity);
        finding.tag = unread.tag;
        findings.push(finding);
    }

    /// Reports a search stopped by the budget.
    pub(super) fn finish(&self, max_probe_bytes: u64, findings: &mut Findings) {
        if let Some(at) = self.confirmer.spent_at {
            findings.push(Finding::usual(
                FindingCode::ValueSearchLimit,
                at,
                format!(
                    "from offset {at} on, payload candidates may be unconfirmed: their \
                     confirmations reached the limit of {max_probe_bytes} bytes read"
                ),
            ));
        }
    }
}

/// Collects the candidates of `pass` starting in `chunk[..report_end]` (`chunk` starts at
/// input offset `chunk_start`) into `candidates`, up to [`MAX_CANDIDATES`] in all. Returns
/// where the search resumes (`report_end`, or after the last candidate taken), and whether a
/// PE signature starts before it.
pub(super) fn collect_candidates(
    chunk: &[u8],
    chunk_start: u64,
    report_end: usize,
    pass: Pass,
    candidates: &mut Vec<(Carrier, u64)>,
) -> (usize, bool) {
    let mut resume = report_end;
    let signature = carrier::search::anchors(chunk, report_end, pass, |found, i| {
        if candidates.len() >= MAX_CANDIDATES {
            resume = i;
            return ControlFlow::Break(());
        }
        candidates.push((found, chunk_start.saturating_add(i as u64)));
        ControlFlow::Continue(())
    });
    (resume, signature)
}

impl Confirmer {
    /// Confirms `candidates` through `source`, appending confirmations to `found`.
    pub(super) fn confirm_each(
        &mut self,
        candidates: &[(Carrier, u64)],
        source: &mut dyn RandomAccess,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        for &(carrier, at) in candidates {
            let mut probe = Probe::io_budgeted(&mut *source, self.budget, self.work);
            let confirmed =
                carrier::confirm_with(carrier, at, &mut probe, self.max_headers, &mut self.memo)?;
            self.budget = probe.remaining();
            // A limit, not the structure, left the candidate unconfirmed: the I/O budget, or
            // a work cap that the limits set below what a confirmation may read.
            let limited =
                probe.budget_refused() || (probe.exhausted() && self.work < PER_CANDIDATE);
            if limited && confirmed.is_none() && self.spent_at.is_none() {
                self.spent_at = Some(at);
            }
            if let Some(confirmation) = confirmed {
                found.push(confirmation);
            }
        }
        Ok(())
    }

    /// `parts` confirmers for ranges searched at once, in order: the budget left is split
    /// evenly between them (the first takes the remainder), and each starts with nothing
    /// learnt. [`Confirmer::join`] takes back what they leave.
    pub(super) fn split(&mut self, parts: u64) -> impl Iterator<Item = Confirmer> {
        let share = self.budget.checked_div(parts).unwrap_or(0);
        let first = self
            .budget
            .saturating_sub(share.saturating_mul(parts.saturating_sub(1)));
        self.budget = 0;
        let template = Confirmer {
            memo: carrier::Memo::default(),
            spent_at: None,
            ..*self
        };
        (0..parts).map(move |part| Confirmer {
            budget: if part == 0 { first } else { share },
            ..template
        })
    }

    /// Takes back what `part`, a confirmer [`Confirmer::split`] gave a range, left: its
    /// budget, and its first unconfirmed candidate when no earlier range had one (ranges are
    /// joined in order).
    pub(super) fn join(&mut self, part: Confirmer) {
        self.budget = self.budget.saturating_add(part.budget);
        self.spent_at = self.spent_at.or(part.spent_at);
    }
}

/// Reports a ZIP `confirmation` once: when the file check found its end record already (a
/// `file.zip-directory` finding at the same offset: ZIP tools open the file), that finding,
/// the older and better name for it, takes the element (`tag`) and what was confirmed
/// (`message`). Whether it did.
fn merged_into_zip_directory(
    confirmation: &Confirmation,
    message: &str,
    tag: Option<Tag>,
    findings: &mut Findings,
) -> bool {
    if confirmation.carrier != Carrier::Zip {
        return false;
    }
    let Some(directory) = findings
        .list
        .iter_mut()
        .find(|f| f.code == FindingCode::FileZipDirectory && f.offset == confirmation.offset)
    else {
        return false;
    };
    directory.message = format!("{}; {message}", directory.message);
    directory.tag = tag.or(directory.tag);
    true
}
