//! One validation in progress: the report being filled, the rule families' states, and the
//! walk of the data set that feeds them (with its fast path for plain values).

use dicom_core::Tag;

use crate::error::{Error, LimitKind, Structure};
use crate::limits::Limits;
use crate::read::carrier;
use crate::read::inspection::{Classification, Inspection};
use crate::read::inspector::Inspector;
use crate::read::layout::{meta_start, DataSetPlan};
use crate::read::meta::{self, Parsed};
use crate::read::probe::RandomAccess;
use crate::read::walk::{Element, ElementKind, Walk};
use crate::validate::carrier_scan::Unread;
use crate::validate::element_rules::ElementRules;
use crate::validate::file_scan::FileScan;
use crate::validate::findings::{Finding, FindingCode, Findings};
use crate::validate::meta_rules;
use crate::validate::report::Report;
use crate::validate::value_scan::{ValueScan, SNIFF_LEN};
use crate::validate::Validator;

/// One validation in progress.
pub(super) struct Run {
    /// Walk every element through the general path (see [`Validator::general_path_only`]).
    general_path_only: bool,
    limits: Limits,
    file_len: u64,
    findings: Findings,
    report: Report,
    /// The rules on data element headers.
    elements: ElementRules,
    /// What looks into values.
    values: ValueScan,
    /// The checks over the whole file.
    file: FileScan,
    /// The File Meta group's values, searched for payloads when the walk starts: tag, value
    /// offset, value (bounded by `Limits::max_meta_length`).
    meta_values: Vec<(Tag, u64, Vec<u8>)>,
    /// Where the walk stopped, or the data set ended before the input did: the bytes from
    /// there on are searched (see [`Run::search_unread`]).
    unread: Option<Unread>,
    /// Bytes of the input no walk reaches (after a meta group that cannot be read, after a
    /// deflate stream), searched as they lie in the input (see [`Run::search_unwalked`]).
    unread_raw: Option<Unread>,
    /// Whether the bytes from `unread` are trailing data (the data set ended), not bytes
    /// after a defect.
    trailing: bool,
}

impl Run {
    /// The validation by `validator` of an input of `file_len` bytes, classified as
    /// `classification`.
    pub(super) fn new(
        validator: &Validator,
        file_len: u64,
        classification: &Classification<'_>,
    ) -> Self {
        let preamble = classification.preamble().map(|p| p.kind());
        let limits = *validator.limits();
        let mut findings = Findings::default();
        if let Some(finding) = preamble.and_then(Finding::preamble) {
            findings.push(finding);
        }
        Run {
            general_path_only: validator.general_path_only,
            limits,
            file_len,
            findings,
            report: Report {
                layout: classification.layout(),
                preamble,
                file_len,
                transfer_syntax: None,
                data_set_offset: None,
                encoding: None,
                deflated: false,
                elements: 0,
                max_depth: 0,
                data_end: None,
                findings: Vec::new(),
                suppressed: 0,
                deep: validator.deep,
            },
            elements: ElementRules::default(),
            values: ValueScan::new(validator.deep, validator.search_threads, &limits, preamble),
            file: FileScan::new(file_len),
            meta_values: Vec::new(),
            unread: None,
            unread_raw: None,
            trailing: false,
        }
    }

    /// Reads and checks the File Meta group in `data`, the input's first bytes; returns the
    /// inspection when the data set can be walked.
    pub(super) fn meta<'a>(
        &mut self,
        inspector: &Inspector,
        data: &'a [u8],
        classification: Classification<'a>,
    ) -> Option<Inspection<'a>> {
        let layout = classification.layout();
        let meta = match meta_start(layout) {
            Some(start) => match meta::parse(data, start, self.file_len, inspector.limits()) {
                Ok(Parsed::Done(meta)) => {
                    self.report.transfer_syntax = meta.transfer_syntax_uid().map(str::to_owned);
                    meta_rules::check(
                        &meta,
                        self.limits.max_scan_len,
                        self.file_len,
                        &mut self.findings,
                    );
                    // Kept for the payload search only when an anchor stands in the group
                    // (rarely: most groups are a few UIDs).
                    if carrier::search::any_anchor(meta.bytes()) {
                        self.meta_values = meta
                            .elements()
                            .map(|e| (e.tag(), e.value_offset(), e.value().to_vec()))
                            .collect();
                    }
                    Some(meta)
                }
                Ok(Parsed::NeedMore(_)) => return None,
                Err(err) => {
                    self.findings.push(meta_rules::unreadable(&err));
                    // Nothing from the group on is walked: all of it is searched.
                    self.unread_raw = Some(Unread {
                        from: start,
                        what: "the File Meta group cannot be read",
                        tag: err.tag(),
                    });
                    return None;
                }
            },
            None => None,
        };
        layout
            .is_dicom()
            .then(|| Inspection::new(classification, meta, self.file_len))
    }

    /// The checks over the file: see [`FileScan::check`].
    pub(super) fn file_checks(&mut self, head: &[u8], tail: (u64, &[u8])) {
        self.file.check(head, tail, &mut self.findings);
    }

    /// Whether a `%PDF-` stands in the first KiB: see [`FileScan::confirm_pdf`].
    pub(super) fn places_pdf(&self) -> bool {
        self.file.places_pdf()
    }

    /// Confirms the `%PDF-` in the first KiB: see [`FileScan::confirm_pdf`].
    pub(super) fn confirm_pdf(&mut self, source: &mut dyn RandomAccess) -> Result<(), Error> {
        self.file.confirm_pdf(source)
    }

    /// Records the plan the data set is walked by.
    pub(super) fn set_plan(&mut self, plan: DataSetPlan) {
        self.report.data_set_offset = Some(plan.start);
        self.report.encoding = Some(plan.encoding);
        self.report.deflated = plan.deflated;
        meta_rules::check_plan(&plan, &mut self.findings);
    }

    /// Walks the data set, checking each header; searches what the walk did not parse (and
    /// notes what follows a deflate stream, for [`Run::search_unwalked`]). Errors only on
    /// I/O failure.
    pub(super) fn walk(&mut self, mut walk: Walk<'_>, plan: DataSetPlan) -> Result<(), Error> {
        let first = self.findings.list.len();
        let meta_values = std::mem::take(&mut self.meta_values);
        let searched = self
            .values
            .search_meta(&mut walk, &meta_values, &mut self.findings);
        let ended = if self.go_on_after(searched, &walk)? {
            let ended = self.walk_elements(&mut walk)?;
            // The values still waiting to be searched, wherever the walk stopped.
            let flushed = self.values.flush(&mut walk, &mut self.findings);
            self.go_on_after(flushed, &walk)?;
            ended
        } else {
            false
        };
        // Every byte after the point where the walk stopped, or the data set ended.
        self.search_unread(&mut walk)?;
        if plan.deflated {
            // An element of a deflated data set can claim more bytes than the stream holds (a
            // stream learns its end only when it gets there): its findings cover what exists.
            let end = walk
                .end()
                .unwrap_or_else(|| plan.start.saturating_add(self.limits.max_inflated_len));
            for finding in self.findings.list.iter_mut().skip(first) {
                if let Some(length) = finding.length.as_mut() {
                    *length = (*length).min(end.saturating_sub(finding.offset));
                }
            }
        }
        if plan.deflated && !ended {
            // The input's bytes from where the inflater got to: after a stream cut short (a
            // payload placed behind a corrupt block), or after the stream's end.
            let from = plan
                .start
                .saturating_add(walk.compressed_len().unwrap_or(0));
            self.unread_raw = Some(Unread {
                from,
                what: "the deflate stream was read",
                tag: None,
            });
        }
        if !ended {
            return Ok(());
        }
        if let (true, Some(consumed)) = (plan.deflated, walk.compressed_len()) {
            let inflated = walk.end().unwrap_or(plan.start).saturating_sub(plan.start);
            let end = plan.start.saturating_add(consumed);
            self.report.data_end = Some(end);
            self.file.after_deflate(end, inflated, &mut self.findings);
            self.unread_raw = Some(Unread {
                from: end,
                what: "the deflated data set ends",
                tag: None,
            });
        } else {
            self.report.data_end = Some(walk.offset());
        }
        Ok(())
    }

    /// Searches the bytes from where the walk stopped (or the data set ended) to the input's
    /// end, read through the walk (for a stream: as far as it goes); reports trailing data.
    /// Errors only on I/O failure.
    fn search_unread(&mut self, walk: &mut Walk<'_>) -> Result<(), Error> {
        let Some(mut unread) = self.unread else {
            return Ok(());
        };
        if walk.random_access().is_none() {
            // A stream reads forward only: from where it stands (the bytes before were read).
            unread.from = unread.from.max(walk.offset());
        }
        let from = unread.from;
        let mut zero = true;
        let mut head = Vec::new();
        let mut reached = from;
        let trailing = self.trailing;
        let chunks = |at: u64, chunk: &[u8], own: usize| {
            if trailing {
                if at == from {
                    head = chunk.get(..SNIFF_LEN).unwrap_or(chunk).to_vec();
                }
                let own = chunk.get(..own).unwrap_or(chunk);
                zero = zero && own.iter().all(|&b| b == 0);
                reached = at.saturating_add(own.len() as u64);
            }
        };
        let searched = self
            .values
            .search_unread(walk, &unread, None, chunks, &mut self.findings);
        match searched {
            Err(err @ Error::Io { .. }) => return Err(err),
            // Trailing bytes a stream cannot give (a corrupt deflate stream, the inflation
            // limit): the walk's last step stops there, as a structural finding.
            Err(err) if trailing => {
                self.stop(&err, walk);
                return Ok(());
            }
            // A stream that cannot go on (it stopped the walk): what it gave was searched.
            Err(_) | Ok(()) => {}
        }
        if trailing {
            let end = walk.end().unwrap_or(reached).max(reached);
            self.file
                .trailing(from, end, zero, &head, &mut self.findings);
        }
        Ok(())
    }

    /// Searches the input's bytes no walk reached to its end, through `raw`: after a File
    /// Meta group that could not be read, after a deflate stream. Errors only on I/O failure.
    pub(super) fn search_unwalked(&mut self, raw: &mut dyn RandomAccess) -> Result<(), Error> {
        let Some(unread) = self.unread_raw.take() else {
            return Ok(());
        };
        self.values
            .search_unread_raw(raw, &unread, self.file_len, &mut self.findings)
    }

    /// Walks the elements, checking each; whether the walk reached the data set's end (and
    /// not an error that stopped it, reported as a finding). Errors only on I/O failure.
    fn walk_elements(&mut self, walk: &mut Walk<'_>) -> Result<bool, Error> {
        // The last top-level element yielded: its offset and tag.
        let mut last_top: Option<(u64, Tag)> = None;
        loop {
            // Most values need only a look at their tag: taken in a tight loop while no
            // payload or PDF header is to be placed, in the scope of the data set or item the
            // walk is in (`element` made it the innermost one when the item began).
            let depth = walk.depth();
            let fast =
                !self.general_path_only && !self.values.places_payload() && !self.file.places_pdf();
            if fast {
                let from = walk.offset();
                if let Some(run) = self.elements.take_plain_values(walk, depth) {
                    self.report.elements = self.report.elements.saturating_add(run.count);
                    if depth == 0 {
                        last_top = Some(run.last);
                    }
                    // Their bytes are searched as the general path searches each value.
                    let to = walk.offset();
                    let searched =
                        self.values
                            .search_run(walk, from, to, depth, &mut self.findings);
                    if !self.go_on_after(searched, walk)? {
                        return Ok(false);
                    }
                }
            }
            // Matched by reference: the element is read field by field where the walk wrote
            // it (copying it whole right after it was written stalls store forwarding).
            let next = walk.next();
            match &next {
                None => break,
                Some(Ok(element)) => {
                    if element.depth == 0 && element.kind != ElementKind::SequenceDelimiter {
                        last_top = Some((element.offset, element.tag()));
                    }
                    // Looking into a value reads as the walk does, and can fail as it can
                    // (a deflate stream cut short, the inflation limit): the walk stops.
                    let looked = self.element(walk, element);
                    if !self.go_on_after(looked, walk)? {
                        return Ok(false);
                    }
                }
                Some(Err(_)) => {
                    if let Some(Err(err)) = next {
                        return match err {
                            Error::Io { .. } => Err(err),
                            err => self.walk_error(walk, err, last_top).map(|()| false),
                        };
                    }
                }
            }
        }
        Ok(true)
    }

    /// Checks one element the walk yielded: its header, then its value.
    fn element(&mut self, walk: &mut Walk<'_>, e: &Element) -> Result<(), Error> {
        self.report.elements = self.report.elements.saturating_add(1);
        self.report.max_depth = self.report.max_depth.max(e.depth);
        self.elements.check(e, &mut self.findings);
        if matches!(
            e.kind,
            ElementKind::Sequence
                | ElementKind::Encapsulated
                | ElementKind::Item
                | ElementKind::ItemDelimiter
                | ElementKind::SequenceDelimiter
        ) {
            self.values.note(walk, e, &mut self.findings)?;
        }
        if matches!(e.kind, ElementKind::Value | ElementKind::Fragment) {
            self.file.locate_pdf(e);
            self.values.look(walk, e, &mut self.findings)?;
        }
        Ok(())
    }

    /// Turns the error that stopped the walk into findings.
    fn walk_error(
        &mut self,
        walk: &mut Walk<'_>,
        err: Error,
        last_top: Option<(u64, Tag)>,
    ) -> Result<(), Error> {
        let at_top = walk.depth() == 0;
        let offset = err.offset().unwrap_or_else(|| walk.offset());
        // At top level, bytes that do not read as the next element are trailing data.
        let not_an_element = match &err {
            Error::InvalidVr { .. } | Error::UnexpectedTag { .. } => true,
            Error::Truncated {
                structure: Structure::ElementHeader,
                ..
            } => true,
            // A stream learns that the input ends inside a value only after it yielded the
            // element and read past its header: that element is sound, its value is cut short
            // (and the bytes behind the stream are gone, so they cannot be looked at again).
            Error::LengthPastEnd { offset, .. }
                if last_top.is_some_and(|(at, _)| at == *offset) =>
            {
                false
            }
            Error::LengthPastEnd { tag, .. } => {
                last_top.is_some_and(|(_, last)| *tag <= last) || tag.group() == 0
            }
            _ => false,
        };
        if at_top && not_an_element {
            if !self.report.deflated {
                self.report.data_end = Some(offset);
            }
            // Searched and reported once the pending values are (see `Run::search_unread`).
            self.unread = Some(Unread {
                from: offset,
                what: "the data set ends",
                tag: None,
            });
            self.trailing = true;
            return Ok(());
        }
        self.stop(&err, walk);
        Ok(())
    }

    /// Whether the walk goes on after looking into bytes it reached: an I/O error fails the
    /// validation; any other error stops the walk as a structural finding (false).
    fn go_on_after(&mut self, looked: Result<(), Error>, walk: &Walk<'_>) -> Result<bool, Error> {
        match looked {
            Ok(()) => Ok(true),
            Err(err @ Error::Io { .. }) => Err(err),
            Err(err) => {
                self.stop(&err, walk);
                Ok(false)
            }
        }
    }

    /// Reports the error that stops the walk as a structural finding; the bytes from its
    /// offset on are searched.
    fn stop(&mut self, err: &Error, walk: &Walk<'_>) {
        if self.unread.is_none() {
            self.unread = Some(Unread {
                from: err.offset().unwrap_or_else(|| walk.offset()),
                what: "the walk stopped",
                tag: err.tag(),
            });
        }
        let code = match err {
            Error::InvalidVr { .. } => FindingCode::StructureInvalidVr,
            Error::UnexpectedTag { .. } => FindingCode::StructureUnexpectedTag,
            Error::LengthPastEnd { .. } => FindingCode::StructureLengthPastEnd,
            Error::LimitExceeded {
                limit: LimitKind::Depth,
                ..
            } => FindingCode::StructureNestingLimit,
            Error::Inflate { .. }
            | Error::LimitExceeded {
                limit: LimitKind::InflatedLength,
                ..
            } => FindingCode::StructureInflate,
            _ => FindingCode::StructureTruncated,
        };
        let mut finding = Finding::from_error(code, err);
        finding.message.push_str("; the walk stops here");
        self.findings.push(finding);
    }

    /// The report, with the findings left for the end.
    pub(super) fn finish(mut self) -> Report {
        self.file.finish(&mut self.findings);
        self.values.finish(&mut self.findings);
        self.report.findings = self.findings.list;
        self.report.suppressed = self.findings.suppressed;
        self.report
    }
}
