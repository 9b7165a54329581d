//! Validation: every structural defect and every polyglot signal in one input, as findings.
//!
//! Validation never fails on malformed input: whatever cannot be read is itself a finding, and
//! the report says how far the walk got. Only I/O errors of a `Read + Seek` input are errors.

pub(crate) mod findings;
pub(crate) mod report;

use std::io::{Read, Seek};

use dicom_core::{Tag, VR};

use crate::error::{Error, LimitKind, Structure};
use crate::limits::Limits;
use crate::read::cursor::{self, Endian};
use crate::read::inspection::{Classification, Inspection};
use crate::read::inspector::Inspector;
use crate::read::layout::{meta_start, DataSetPlan};
use crate::read::meta::{self, FileMeta, MetaElement, Parsed};
use crate::read::preamble::{PreambleKind, HEADER_LEN};
use crate::read::probe::{read_at, read_up_to_at, SeekSource};
use crate::read::signature::{self, Payload};
use crate::read::tiff::TiffGrade;
use crate::read::walk::{Element, ElementKind, PlainRun, Walk, PIXEL_DATA};
use crate::read::walk_source::{reusable_buffer, Window};
use crate::validate::findings::{Finding, FindingCode, Severity};
use crate::validate::report::Report;

/// (FFFC,FFFC) Data Set Trailing Padding.
const PADDING: Tag = Tag(0xFFFC, 0xFFFC);
/// (0042,0011) Encapsulated Document.
const ENCAPSULATED_DOCUMENT: Tag = Tag(0x0042, 0x0011);
/// How far into the file PDF readers look for `%PDF-`.
const PDF_WINDOW: u64 = 1024;
/// Bytes a `Read + Seek` validation reads first: the header, the meta group, the PDF window
/// and, for most files, every element header before the pixel data, in one read.
const FIRST_READ: u64 = 8 * 1024;
/// How far from the end ZIP readers look for the end-of-central-directory record: its 22
/// bytes plus a comment of up to 65,535.
const ZIP_WINDOW: u64 = 22 + 65_535;
/// Bytes of a value's start examined for a payload signature.
const SNIFF_LEN: usize = 64;
/// Bytes examined per step when scanning padding.
const SCAN_CHUNK: usize = 64 * 1024;
/// Findings of one code reported before the rest are only counted.
const MAX_PER_CODE: usize = 32;

/// Validates a complete input held in memory. Never fails: malformed input is a finding.
///
/// ```
/// use dicom_sanitize::{validate, Status};
///
/// let data = std::fs::read("tests/data/pydicom/rtplan.dcm")?;
/// let report = validate(&data);
/// assert_eq!(report.status(), Status::Clean);
/// assert!(!report.is_threat());
/// assert_eq!(report.data_set_offset, Some(300));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn validate(data: &[u8]) -> Report {
    Validator::default().validate(data)
}

/// Validation with chosen limits and depth.
///
/// ```
/// use dicom_sanitize::{Limits, Validator};
///
/// let mut limits = Limits::default();
/// limits.max_depth = 16;
/// let validator = Validator::new(limits).deep_scan(true);
/// let data = std::fs::read("tests/data/pydicom/test-SR.dcm")?;
/// let report = validator.validate(&data);
/// assert!(report.max_depth <= 16);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validator {
    inspector: Inspector,
    deep: bool,
    /// Walk every element through the general path (see [`Walk::plain_values`]): for tests
    /// and fuzzing, which check that both paths give the same report.
    general_path_only: bool,
}

impl Validator {
    /// A validator applying `limits`.
    pub fn new(limits: Limits) -> Self {
        Validator {
            inspector: Inspector::new(limits),
            deep: false,
            general_path_only: false,
        }
    }

    /// This validator with its fast path for plain values turned off: every
    /// element goes through the general path. The report must be the same.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn general_path_only(mut self) -> Self {
        self.general_path_only = true;
        self
    }

    /// Also look for payloads at the start of Pixel Data values and fragments, which are
    /// skipped by default (they are large, and compressed frames are noise to signatures).
    pub fn deep_scan(mut self, deep: bool) -> Self {
        self.deep = deep;
        self
    }

    /// The limits applied.
    pub fn limits(&self) -> &Limits {
        self.inspector.limits()
    }

    /// The inspector reading inputs with these limits.
    pub(crate) fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// See [`validate`].
    pub fn validate(&self, data: &[u8]) -> Report {
        let classification = self.inspector.classify(data);
        let mut run = Run::new(self, data.len() as u64, &classification);
        let inspection = run.meta(&self.inspector, data, classification);
        run.file_checks(data.get(..PDF_WINDOW as usize).unwrap_or(data), tail(data));
        if let Some(inspection) = inspection {
            let plan = DataSetPlan::of(&inspection, |start| {
                let head = cursor::tail_at(data, start).unwrap_or_default();
                Ok(head.get(..256).unwrap_or(head).to_vec())
            });
            if let Ok(plan) = plan {
                run.set_plan(plan);
                // A slice walk has no I/O to fail.
                let _ = run.walk(self.inspector.walk_plan(data, plan), plan);
            }
        }
        run.finish()
    }

    /// Validates an input through `Read + Seek`: the header and meta group, the first KiB and
    /// the last 64 KiB (where PDF and ZIP readers look), and then element headers in small
    /// chunks, skipping values by seeking. Pixel Data is never read.
    ///
    /// # Errors
    /// Only when reading or seeking fails; malformed input is a finding.
    ///
    /// ```
    /// use dicom_sanitize::Validator;
    ///
    /// let mut file = std::fs::File::open("tests/data/pydicom/CT_small.dcm")?;
    /// let report = Validator::default().validate_reader(&mut file)?;
    /// assert_eq!(report.preamble.unwrap().name(), "tiff-dangling");
    /// assert!(!report.is_threat());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_reader<R: Read + Seek>(&self, reader: &mut R) -> Result<Report, Error> {
        // One read covers the header, the meta group, the first KiB PDF readers look at and
        // usually the headers before the pixel data.
        let mut buf = reusable_buffer(FIRST_READ as usize);
        let file_len = self.inspector.read_header(reader, &mut buf, FIRST_READ)?;
        let classification = {
            let mut source = SeekSource {
                reader,
                len: file_len,
            };
            self.inspector.classify_input(&buf, file_len, &mut source)?
        };
        let mut run = Run::new(self, file_len, &classification);
        let inspection = run.meta(&self.inspector, &buf, classification);
        let tail_start = file_len.saturating_sub(ZIP_WINDOW);
        let tail = match cursor::tail_at(&buf, tail_start) {
            Some(tail) if buf.len() as u64 == file_len => Window {
                start: tail_start,
                bytes: tail.to_vec(),
            },
            _ => {
                let len = usize::try_from(file_len.saturating_sub(tail_start)).unwrap_or(0);
                let mut bytes = reusable_buffer(len);
                reader
                    .seek(std::io::SeekFrom::Start(tail_start))
                    .and_then(|_| read_up_to_at(reader, &mut bytes, 0, len))
                    .map_err(|e| Error::io(tail_start, &e))?;
                Window {
                    start: tail_start,
                    bytes,
                }
            }
        };
        run.file_checks(
            buf.get(..PDF_WINDOW as usize).unwrap_or(&buf),
            (tail.start, &tail.bytes),
        );
        let plan = inspection.map(|inspection| {
            DataSetPlan::of(&inspection, |start| {
                match cursor::slice_at(&buf, start, 256) {
                    Some(head) => Ok(head.to_vec()),
                    None => read_at(reader, start, 256),
                }
            })
        });
        if let Some(Ok(plan)) = plan {
            run.set_plan(plan);
            let walk = self
                .inspector
                .walk_reader_plan(reader, file_len, plan, buf, tail)?;
            run.walk(walk, plan)?;
        }
        Ok(run.finish())
    }
}

impl Validator {
    /// Validates an open regular file, as [`Validator::validate_reader`] but with positional
    /// reads (`pread`): no seek costs a system call, and the file's cursor is left alone.
    ///
    /// # Errors
    /// When reading fails, or the file is not a regular file (a FIFO, a device): error kind
    /// `InvalidInput`, so that nothing blocks or reads without end.
    ///
    /// ```
    /// let file = std::fs::File::open("tests/data/pydicom/MR_small.dcm")?;
    /// let report = dicom_sanitize::Validator::default().validate_file(&file)?;
    /// assert_eq!(report.transfer_syntax.as_deref(), Some("1.2.840.10008.1.2.1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_file(&self, file: &std::fs::File) -> Result<Report, Error> {
        #[cfg(unix)]
        {
            let mut positional =
                crate::read::probe::PositionalFile::new(file).map_err(|e| Error::io(0, &e))?;
            self.validate_reader(&mut positional)
        }
        #[cfg(not(unix))]
        {
            self.validate_reader(&mut &*file)
        }
    }
}

/// The last bytes of `data` where a ZIP end-of-central-directory record may lie, with their
/// offset.
fn tail(data: &[u8]) -> (u64, &[u8]) {
    let start = (data.len() as u64).saturating_sub(ZIP_WINDOW);
    (start, cursor::tail_at(data, start).unwrap_or_default())
}

/// Findings, at most [`MAX_PER_CODE`] per code.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    counts: Vec<(FindingCode, usize)>,
    suppressed: u64,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        let count = match self
            .counts
            .iter_mut()
            .find(|(code, _)| *code == finding.code)
        {
            Some((_, count)) => count,
            None => {
                self.counts.push((finding.code, 0));
                match self.counts.last_mut() {
                    Some((_, count)) => count,
                    None => return,
                }
            }
        };
        *count = count.saturating_add(1);
        if *count > MAX_PER_CODE {
            self.suppressed = self.suppressed.saturating_add(1);
        } else {
            self.list.push(finding);
        }
    }
}

/// What the validator tracks for one data set or item.
#[derive(Default)]
struct Scope {
    last: Option<Tag>,
    /// Private creators seen: (group, block).
    creators: Vec<(u16, u8)>,
}

/// What a tag is in its scope's private blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Private {
    /// Not a private data element, nor a creator.
    No,
    /// A private creator (gggg,0010-00FF), reserving a block: (group, block).
    Creator((u16, u8)),
    /// A private data element (gggg,xx00-xxFF, xx at least 0x10), and whether its block's
    /// creator came before it.
    Element { has_creator: bool },
}

impl Scope {
    /// Takes the values the walk offers (see [`Walk::plain_values`]) as long as
    /// checking them as [`Run::element`] would finds nothing and needs none of their bytes,
    /// doing the bookkeeping `element` would (the caller counts). Anything else (a finding to
    /// make, a value to look into) is left to `element`. The caller makes sure that no payload
    /// or PDF header waits to be placed. The last tag is kept in a local during the run, where
    /// the compiler can hold it in a register.
    #[inline(always)]
    fn take_plain_values(&mut self, walk: &mut Walk<'_>) -> Option<PlainRun> {
        // Tags compared as numbers; no last tag reads as 0, the key of (0000,0000), which as
        // a group length is never taken here.
        let mut last = self.last.map_or(0, order_key);
        let creators = &mut self.creators;
        let run = walk.plain_values(|value| {
            let key = order_key(value.tag);
            // Each of these makes a finding or needs the value's bytes; non-short-circuit `|`
            // makes one well-predicted branch of them.
            let special = (value.len % 2 == 1)
                | (is_binary(value.vr) & (value.len >= 4))
                | (key & 0xFFFF == 0) // a group length
                | (key == order_key(PADDING))
                | (key <= last);
            if special {
                return false;
            }
            if key & 0x1_0000 != 0 {
                // An odd group: private.
                match private(creators, value.tag) {
                    Private::Element { has_creator: false } => return false,
                    Private::Creator(block) => creators.push(block),
                    Private::Element { has_creator: true } | Private::No => {}
                }
            }
            last = key;
            true
        });
        if let Some(run) = run {
            self.last = Some(run.last.1);
        }
        run
    }
}

/// What `tag` is among the private blocks of a scope whose creators are `creators` (nothing
/// is recorded).
#[inline(always)]
fn private(creators: &[(u16, u8)], tag: Tag) -> Private {
    if tag.group() % 2 == 0 {
        return Private::No;
    }
    let element = tag.element();
    if (0x0010..=0x00FF).contains(&element) {
        Private::Creator((tag.group(), u8::try_from(element).unwrap_or(0)))
    } else if element >= 0x1000 {
        let block = (tag.group(), u8::try_from(element >> 8).unwrap_or(0));
        // Tags ascend, so the creator, if any, is among the last ones seen.
        Private::Element {
            has_creator: creators.iter().rev().any(|c| *c == block),
        }
    } else {
        Private::No
    }
}

/// One validation in progress.
struct Run {
    deep: bool,
    general_path_only: bool,
    limits: Limits,
    file_len: u64,
    findings: Findings,
    report: Report,
    /// Where a confirmed executable preamble's payload starts, until an element claims it.
    payload: Option<u64>,
    /// The first IFD of a functional TIFF header.
    tiff_ifd: Option<u64>,
    /// `%PDF-` after the preamble in the first KiB, and whether an Encapsulated Document holds it.
    pdf_header: Option<(u64, bool)>,
    /// The file's last 8 bytes (fewer for a shorter file).
    last_bytes: Vec<u8>,
    scopes: Vec<Scope>,
}

impl Run {
    fn new(validator: &Validator, file_len: u64, classification: &Classification<'_>) -> Self {
        let preamble = classification.preamble().map(|p| p.kind());
        let mut run = Run {
            deep: validator.deep,
            general_path_only: validator.general_path_only,
            limits: *validator.limits(),
            file_len,
            findings: Findings::default(),
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
            },
            payload: None,
            tiff_ifd: None,
            pdf_header: None,
            last_bytes: Vec::new(),
            scopes: Vec::new(),
        };
        if let Some(kind) = preamble {
            if let Some(finding) = preamble_finding(kind) {
                run.findings.push(finding);
            }
            run.payload = kind
                .executable()
                .filter(|info| info.confirmed)
                .and_then(|info| info.payload_offset);
            if let PreambleKind::Tiff {
                header,
                grade: TiffGrade::Functional,
            } = kind
            {
                run.tiff_ifd = Some(header.ifd_offset);
            }
        }
        run
    }

    fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Reads and checks the File Meta group; returns the inspection when the data set can be
    /// walked.
    fn meta<'a>(
        &mut self,
        inspector: &Inspector,
        data: &'a [u8],
        classification: Classification<'a>,
    ) -> Option<Inspection<'a>> {
        let layout = classification.layout();
        let meta = match meta_start(layout) {
            Some(start) => match meta::parse(data, start, self.file_len, inspector.limits()) {
                Ok(Parsed::Done(meta)) => {
                    self.check_meta(&meta);
                    Some(meta)
                }
                Ok(Parsed::NeedMore(_)) => return None,
                Err(err) => {
                    let code = match err {
                        Error::MissingMeta { .. } => FindingCode::MetaMissing,
                        _ => FindingCode::MetaMalformed,
                    };
                    self.push(from_error(code, &err));
                    return None;
                }
            },
            None => None,
        };
        layout
            .is_dicom()
            .then(|| Inspection::new(classification, meta, self.file_len))
    }

    fn check_meta(&mut self, meta: &FileMeta<'_>) {
        self.report.transfer_syntax = meta.transfer_syntax_uid().map(str::to_owned);
        let start = meta.offset();
        if !meta.is_explicit_vr() {
            self.push(Finding::new(
                FindingCode::MetaImplicitVr,
                Severity::Low,
                start,
                "the file meta group is written in implicit VR; the standard requires explicit VR little endian",
            ));
        }
        match (meta.group_length_element(), meta.group_length()) {
            (None, _) => self.push(Finding::new(
                FindingCode::MetaGroupLengthMissing,
                Severity::Low,
                start,
                "no (0002,0000) file meta information group length",
            )),
            (Some(element), declared) => {
                let measured = meta.measured_group_length();
                if declared.map(u64::from) != Some(measured) {
                    self.push(
                        Finding::new(
                            FindingCode::MetaGroupLengthMismatch,
                            Severity::Low,
                            element.offset(),
                            format!("group length declares {declared:?} bytes, the group has {measured}"),
                        )
                        .with_tag(meta::GROUP_LENGTH),
                    );
                }
                if let Some(over) = declared
                    .map(u64::from)
                    .and_then(|d| d.checked_sub(measured))
                    .filter(|o| *o > 0)
                {
                    self.push(
                        Finding::new(
                            FindingCode::MetaForeignElement,
                            Severity::Medium,
                            meta.data_set_offset(),
                            format!("the group length covers {over} bytes of elements outside group 0002"),
                        )
                        .with_length(over.min(self.file_len.saturating_sub(meta.data_set_offset()))),
                    );
                }
            }
        }
        // One pass for the elements every group needs (a lookup each would read it five times).
        let mut present = [false; 4];
        let mut transfer_syntax = None;
        for element in meta.elements() {
            match element.tag() {
                meta::INFORMATION_VERSION => present[0] = true,
                meta::MEDIA_STORAGE_SOP_CLASS_UID => present[1] = true,
                meta::MEDIA_STORAGE_SOP_INSTANCE_UID => present[2] = true,
                meta::IMPLEMENTATION_CLASS_UID => present[3] = true,
                meta::TRANSFER_SYNTAX_UID if transfer_syntax.is_none() => {
                    transfer_syntax = Some(element);
                }
                _ => {}
            }
        }
        for (present, (tag, name)) in present.into_iter().zip([
            (meta::INFORMATION_VERSION, "file meta information version"),
            (
                meta::MEDIA_STORAGE_SOP_CLASS_UID,
                "media storage SOP class UID",
            ),
            (
                meta::MEDIA_STORAGE_SOP_INSTANCE_UID,
                "media storage SOP instance UID",
            ),
            (meta::IMPLEMENTATION_CLASS_UID, "implementation class UID"),
        ]) {
            if !present {
                self.push(
                    Finding::new(
                        FindingCode::MetaElementMissing,
                        Severity::Low,
                        start,
                        format!("no {tag} {name}"),
                    )
                    .with_tag(tag),
                );
            }
        }
        match (transfer_syntax, meta.transfer_syntax()) {
            (None, _) => self.push(
                Finding::new(
                    FindingCode::MetaTransferSyntaxMissing,
                    Severity::Medium,
                    start,
                    "no (0002,0010) transfer syntax UID: the data set's encoding is guessed",
                )
                .with_tag(meta::TRANSFER_SYNTAX_UID),
            ),
            (Some(element), None) => self.push(element_finding(
                FindingCode::MetaTransferSyntaxUnknown,
                Severity::Medium,
                &element,
                format!(
                    "unknown transfer syntax {:?}: the data set's encoding is guessed",
                    String::from_utf8_lossy(element.value())
                ),
            )),
            (Some(_), Some(_)) => {}
        }
        for element in meta.elements() {
            let standard = meta::standard_vr(element.tag());
            if meta.is_explicit_vr() && standard != VR::UN && element.vr() != standard {
                self.push(element_finding(
                    FindingCode::MetaWrongVr,
                    Severity::Low,
                    &element,
                    format!(
                        "{} has VR {}, the standard's is {standard}",
                        element.tag(),
                        element.vr()
                    ),
                ));
            }
            if standard == VR::UI {
                if let Some(defect) = uid_defect(element.value()) {
                    self.push(element_finding(
                        FindingCode::MetaUidSyntax,
                        Severity::Low,
                        &element,
                        format!("{} is not a valid UID: {defect}", element.tag()),
                    ));
                }
            }
            if element.tag() == meta::PRIVATE_INFORMATION {
                let value = element.value();
                let value = value
                    .get(..self.limits.max_scan_len.try_into().unwrap_or(usize::MAX))
                    .unwrap_or(value);
                let found = signature::value_payload(value, value.len() as u64)
                    .filter(|p| *p != Payload::Executable(crate::read::signature::Format::Pe))
                    .map(|p| (0, p))
                    .or_else(|| signature::embedded_payload(value));
                if let Some((at, payload)) = found {
                    self.push(element_finding(
                        FindingCode::MetaPrivateInformationPayload,
                        Severity::High,
                        &element,
                        format!(
                            "{} at value offset {at} of (0002,0102) private information",
                            payload.describe()
                        ),
                    ));
                }
            }
        }
    }

    /// Checks where other readers look regardless of DICOM structure: `%PDF-` in the first KiB
    /// and a ZIP end-of-central-directory record at the end.
    fn file_checks(&mut self, head: &[u8], (tail_start, tail): (u64, &[u8])) {
        self.last_bytes = tail
            .get(tail.len().saturating_sub(8)..)
            .unwrap_or_default()
            .to_vec();
        if let Some(at) = cursor::tail_at(head, HEADER_LEN).and_then(signature::find_pdf) {
            self.pdf_header = Some((HEADER_LEN.saturating_add(at as u64), false));
        }
        if let Some(at) = zip_directory(tail, tail_start, self.file_len) {
            self.push(
                Finding::new(
                    FindingCode::FileZipDirectory,
                    Severity::High,
                    at,
                    "a ZIP end-of-central-directory record ends the file: ZIP tools open it as an archive",
                )
                .with_length(self.file_len.saturating_sub(at)),
            );
        }
    }

    fn set_plan(&mut self, plan: DataSetPlan) {
        self.report.data_set_offset = Some(plan.start);
        self.report.encoding = Some(plan.encoding);
        self.report.deflated = plan.deflated;
        if let Some(declared) = plan.declared {
            self.push(Finding::new(
                FindingCode::MetaTransferSyntaxMismatch,
                Severity::Medium,
                plan.start,
                format!(
                    "the transfer syntax says {declared}, but the data set is written in {}",
                    plan.encoding
                ),
            ));
        }
    }

    /// Walks the data set, checking each header. Errors only on I/O failure.
    fn walk(&mut self, mut walk: Walk<'_>, plan: DataSetPlan) -> Result<(), Error> {
        let first = self.findings.list.len();
        let ended = self.walk_elements(&mut walk)?;
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
        if !ended {
            return Ok(());
        }
        if let (true, Some(consumed)) = (plan.deflated, walk.compressed_len()) {
            let inflated = walk.end().unwrap_or(plan.start).saturating_sub(plan.start);
            let end = plan.start.saturating_add(consumed);
            self.report.data_end = Some(end);
            self.after_deflate(end, inflated);
        } else {
            self.report.data_end = Some(walk.offset());
        }
        Ok(())
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
            let fast = !self.general_path_only
                && self.payload.is_none()
                && self.pdf_header.is_none()
                && u32::try_from(self.scopes.len()).ok() == depth.checked_add(1);
            if let (true, Some(scope)) = (fast, self.scopes.last_mut()) {
                if let Some(run) = scope.take_plain_values(walk) {
                    self.report.elements = self.report.elements.saturating_add(run.count);
                    if depth == 0 {
                        last_top = Some(run.last);
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
                    if !self.go_on_after(looked)? {
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

    /// Reports the bytes between the end of a deflate stream at `end` and the end of the file.
    fn after_deflate(&mut self, end: u64, inflated: u64) {
        let length = self.file_len.saturating_sub(end);
        if length == 0 {
            return;
        }
        // gzip-based writers leave gzip's trailer: CRC-32 and the inflated length mod 2^32.
        let isize = cursor::u32_at(&self.last_bytes, 4, Endian::Little).map(u64::from);
        let finding = if length == 8 && isize == Some(inflated & 0xFFFF_FFFF) {
            Finding::new(
                FindingCode::TrailingGzipTrailer,
                Severity::Low,
                end,
                "a gzip trailer (CRC-32 and length) follows the deflated data set",
            )
        } else {
            Finding::new(
                FindingCode::TrailingData,
                Severity::High,
                end,
                format!("{length} bytes follow the end of the deflated data set"),
            )
        };
        self.push(finding.with_length(length));
    }

    fn element(&mut self, walk: &mut Walk<'_>, e: &Element) -> Result<(), Error> {
        self.report.elements = self.report.elements.saturating_add(1);
        self.report.max_depth = self.report.max_depth.max(e.depth);
        let depth = usize::try_from(e.depth).unwrap_or(usize::MAX);
        match e.kind {
            ElementKind::Item => {
                // A new item: a fresh scope at `depth` (one per enclosing sequence).
                self.scopes.truncate(depth);
                self.scopes.resize_with(depth, Scope::default);
                self.scopes.push(Scope::default());
            }
            ElementKind::Value | ElementKind::Sequence | ElementKind::Encapsulated => {
                // The element's data set or item is the scope at `depth`: usually already
                // the innermost one.
                let scopes = depth.saturating_add(1);
                if self.scopes.len() != scopes {
                    self.scopes.truncate(scopes);
                    self.scopes.resize_with(scopes, Scope::default);
                }
                self.data_element(e);
            }
            _ => {}
        }
        if matches!(
            e.kind,
            ElementKind::ItemDelimiter | ElementKind::SequenceDelimiter
        ) && e.header.len.0 != 0
        {
            self.push(element_of(
                FindingCode::StructureDelimiterLength,
                Severity::Low,
                e,
                format!(
                    "{} has length {}; a delimiter's is 0",
                    e.tag(),
                    e.header.len.0
                ),
            ));
        }
        if e.value_len().is_some_and(|len| len % 2 == 1) {
            self.push(element_of(
                FindingCode::StructureOddLength,
                Severity::Low,
                e,
                format!("odd value length {}", e.header.len.0),
            ));
        }
        if matches!(e.kind, ElementKind::Value | ElementKind::Fragment) {
            self.locate_payload(e);
            self.locate_pdf(e);
            if e.tag() == PADDING {
                self.scan_padding(walk, e)?;
            } else if self.should_sniff(e) {
                self.sniff(walk, e)?;
            }
        }
        Ok(())
    }

    /// Checks that concern a data element's place in its data set or item.
    fn data_element(&mut self, e: &Element) {
        let tag = e.tag();
        let mut out_of_order = false;
        let mut no_creator = false;
        if let Some(scope) = self.scopes.last_mut() {
            out_of_order = scope.last.is_some_and(|last| last >= tag);
            scope.last = Some(tag);
            match private(&scope.creators, tag) {
                Private::Creator(block) => scope.creators.push(block),
                Private::Element { has_creator } => no_creator = !has_creator,
                Private::No => {}
            }
        }
        if out_of_order {
            self.push(element_of(
                FindingCode::StructureTagOrder,
                Severity::Medium,
                e,
                format!("{tag} is out of ascending tag order"),
            ));
        }
        if no_creator {
            self.push(element_of(
                FindingCode::StructurePrivateWithoutCreator,
                Severity::Low,
                e,
                format!(
                    "private {tag} has no private creator ({:04X},00{:02X})",
                    tag.group(),
                    tag.element() >> 8
                ),
            ));
        }
        if tag.element() == 0 && tag.group() > 0x0002 {
            let well_formed = (!e.explicit_vr || e.header.vr == VR::UL) && e.value_len() == Some(4);
            let (severity, message) = if well_formed {
                (Severity::Low, format!("{tag} is a retired group length"))
            } else {
                (
                    Severity::Medium,
                    format!(
                        "group length {tag} is {} with length {}, not UL with length 4",
                        e.header.vr, e.header.len.0
                    ),
                )
            };
            self.push(element_of(
                FindingCode::StructureGroupLength,
                severity,
                e,
                message,
            ));
        }
        if e.kind == ElementKind::Encapsulated {
            let allowed =
                tag == PIXEL_DATA && e.explicit_vr && matches!(e.header.vr, VR::OB | VR::OW);
            if !allowed {
                self.push(element_of(
                    FindingCode::StructureUndefinedLength,
                    Severity::Medium,
                    e,
                    format!("{tag} with VR {} cannot have undefined length", e.header.vr),
                ));
            }
        }
    }

    /// Names the element holding a confirmed executable preamble's payload.
    fn locate_payload(&mut self, e: &Element) {
        let Some(payload) = self.payload else { return };
        if contains(e, payload) {
            self.payload = None;
            self.push(element_of(
                FindingCode::PreamblePayloadInElement,
                Severity::Critical,
                e,
                format!(
                    "the executable preamble's code at offset {payload} lies in the value of {}",
                    e.tag()
                ),
            ));
        }
    }

    fn locate_pdf(&mut self, e: &Element) {
        if let Some((at, explained)) = self.pdf_header.as_mut() {
            if e.tag() == ENCAPSULATED_DOCUMENT && contains(e, *at) {
                *explained = true;
            }
        }
    }

    fn should_sniff(&self, e: &Element) -> bool {
        let binary = is_binary(e.header.vr);
        let pixels = e.kind == ElementKind::Fragment
            || (e.tag().group() == 0x7FE0 && (0x0008..=0x0010).contains(&e.tag().element()));
        binary && e.value_len().is_some_and(|len| len >= 4) && (self.deep || !pixels)
    }

    /// Looks for a payload at the start of a value.
    fn sniff(&mut self, walk: &mut Walk<'_>, e: &Element) -> Result<(), Error> {
        let len = e.value_len().unwrap_or(0);
        let start = e.value_offset();
        let head = walk.peek(start, SNIFF_LEN)?;
        let Some(payload) = signature::value_payload(head, len) else {
            return Ok(());
        };
        let mut confirmed = false;
        if payload == Payload::Executable(crate::read::signature::Format::Pe) {
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
        let (code, severity) = match payload {
            Payload::Executable(_) if confirmed => {
                (FindingCode::ValueExecutable, Severity::Critical)
            }
            Payload::Executable(_) => (FindingCode::ValueExecutable, Severity::High),
            Payload::Archive(_) => (FindingCode::ValueArchive, Severity::High),
            Payload::Script => (FindingCode::ValueScript, Severity::High),
            Payload::Pdf | Payload::Markup if e.tag() == ENCAPSULATED_DOCUMENT => {
                (FindingCode::ValueDocument, Severity::Info)
            }
            Payload::Pdf | Payload::Markup => (FindingCode::ValueDocument, Severity::Medium),
        };
        self.push(element_of(
            code,
            severity,
            e,
            format!(
                "the value of {} starts with a {}",
                e.tag(),
                payload.describe()
            ),
        ));
        Ok(())
    }

    /// Scans (FFFC,FFFC) padding: payload signatures anywhere, and non-zero bytes that no
    /// functional TIFF IFD explains.
    fn scan_padding(&mut self, walk: &mut Walk<'_>, e: &Element) -> Result<(), Error> {
        let start = e.value_offset();
        let len = e.value_len().unwrap_or(0).min(self.limits.max_scan_len);
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
            self.push(
                Finding::new(
                    FindingCode::PaddingPayload,
                    Severity::High,
                    offset,
                    format!(
                        "{} inside (FFFC,FFFC) data set trailing padding",
                        payload.describe()
                    ),
                )
                .with_tag(PADDING),
            );
        } else if let (Some(offset), false) = (nonzero, explained) {
            // Converters that wrote a dual-personality file leave its IFD behind.
            let head = walk.peek(start, 2)?;
            let entries = cursor::u16_at(head, 0, Endian::Little).map_or(0, u64::from);
            let vestigial_ifd = offset.saturating_sub(start) < 2
                && (1..=4096).contains(&entries)
                && entries.saturating_mul(12).saturating_add(6) <= e.value_len().unwrap_or(0);
            let (severity, what) = if vestigial_ifd {
                (
                    Severity::Info,
                    "a TIFF IFD no preamble header points to (a converter's leftover)",
                )
            } else {
                (
                    Severity::Low,
                    "non-zero bytes that no functional TIFF IFD explains",
                )
            };
            self.push(element_of(
                FindingCode::PaddingNonzero,
                severity,
                e,
                format!("(FFFC,FFFC) padding holds {what}, from offset {offset}"),
            ));
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
            let looked = self.trailing(walk, offset);
            return self.go_on_after(looked).map(|_| ());
        }
        self.stop(&err);
        Ok(())
    }

    /// Whether the walk goes on after looking into bytes it reached: an I/O error fails the
    /// validation; any other error stops the walk as a structural finding (false).
    fn go_on_after(&mut self, looked: Result<(), Error>) -> Result<bool, Error> {
        match looked {
            Ok(()) => Ok(true),
            Err(err @ Error::Io { .. }) => Err(err),
            Err(err) => {
                self.stop(&err);
                Ok(false)
            }
        }
    }

    /// Reports the error that stops the walk as a structural finding.
    fn stop(&mut self, err: &Error) {
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
        let mut finding = from_error(code, err);
        finding.message.push_str("; the walk stops here");
        self.push(finding);
    }

    /// Reports the bytes from `offset` to the end of the data set, which are not elements.
    fn trailing(&mut self, walk: &mut Walk<'_>, offset: u64) -> Result<(), Error> {
        let head = walk.peek(offset, SNIFF_LEN)?.to_vec();
        let mut zero = true;
        let mut at = offset;
        let scan_end = offset.saturating_add(self.limits.max_scan_len);
        while zero && at < scan_end {
            let chunk = walk.peek(at, SCAN_CHUNK)?;
            if chunk.is_empty() {
                break;
            }
            zero = chunk.iter().all(|&b| b == 0);
            at = at.saturating_add(chunk.len() as u64);
        }
        let end = walk.end().unwrap_or(at).max(at);
        let length = end.saturating_sub(offset);
        let finding = if zero {
            Finding::new(
                FindingCode::TrailingZeros,
                Severity::Low,
                offset,
                format!("{length} zero bytes after the last element"),
            )
        } else {
            let what = signature::value_payload(&head, length).map_or_else(String::new, |p| {
                format!(", starting with a {}", p.describe())
            });
            Finding::new(
                FindingCode::TrailingData,
                Severity::High,
                offset,
                format!("{length} bytes after the last element are not DICOM{what}"),
            )
        };
        self.push(finding.with_length(length));
        Ok(())
    }

    fn finish(mut self) -> Report {
        if let Some((at, explained)) = self.pdf_header {
            let (severity, message) = if explained {
                (
                    Severity::Info,
                    format!("%PDF- at offset {at}, inside an encapsulated document"),
                )
            } else {
                (Severity::High, format!("%PDF- at offset {at}, within the first 1024 bytes: PDF readers open this file"))
            };
            self.push(
                Finding::new(FindingCode::FilePdfHeader, severity, at, message).with_length(5),
            );
        }
        self.report.findings = self.findings.list;
        self.report.suppressed = self.findings.suppressed;
        self.report
    }
}

/// Whether values of `vr` are raw bytes, where validation looks for payloads.
fn is_binary(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB | VR::OW | VR::UN | VR::OD | VR::OF | VR::OL | VR::OV
    )
}

/// A tag as one number that orders as tags do (group, then element).
#[inline(always)]
fn order_key(tag: Tag) -> u32 {
    (u32::from(tag.group()) << 16) | u32::from(tag.element())
}

/// Whether `offset` lies in the value of `e`.
fn contains(e: &Element, offset: u64) -> bool {
    e.value_end()
        .is_some_and(|end| (e.value_offset()..end).contains(&offset))
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

/// What is wrong with a UID value, if anything.
fn uid_defect(value: &[u8]) -> Option<&'static str> {
    if value.len() % 2 == 1 {
        return Some("odd length");
    }
    let uid = match value {
        [rest @ .., 0] => rest,
        _ => value,
    };
    if uid.is_empty() {
        return Some("empty");
    }
    if uid.len() > 64 {
        return Some("longer than 64 characters");
    }
    if !uid.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return Some("characters other than digits and dots");
    }
    for component in uid.split(|b| *b == b'.') {
        match component {
            [] => return Some("an empty component"),
            [b'0', _, ..] => return Some("a component with a leading zero"),
            _ => {}
        }
    }
    None
}

/// The finding a non-zero preamble gives.
fn preamble_finding(kind: PreambleKind) -> Option<Finding> {
    let severity = kind.severity()?;
    let code = match kind {
        PreambleKind::Zero => return None,
        PreambleKind::Tiff { .. } if kind.is_functional_tiff() => FindingCode::PreambleTiff,
        PreambleKind::Tiff { .. } => FindingCode::PreambleTiffDangling,
        PreambleKind::Pe(_) => FindingCode::PreamblePe,
        PreambleKind::Elf(_) => FindingCode::PreambleElf,
        PreambleKind::MachO { .. } => FindingCode::PreambleMachO,
        PreambleKind::Script { .. } => FindingCode::PreambleScript,
        PreambleKind::Pdf { .. } => FindingCode::PreamblePdf,
        PreambleKind::Html => FindingCode::PreambleHtml,
        PreambleKind::Zip => FindingCode::PreambleZip,
        PreambleKind::OtherFormat(_) => FindingCode::PreambleArchive,
        PreambleKind::Text => FindingCode::PreambleText,
        PreambleKind::Unknown { tiff_magic: true } => FindingCode::PreambleTiffMasquerade,
        PreambleKind::Unknown { tiff_magic: false } => FindingCode::PreambleUnknown,
    };
    let mut message = kind.to_string();
    if let Some(offset) = kind.executable().and_then(|info| info.payload_offset) {
        message.push_str(&format!("; payload pointer to offset {offset}"));
    }
    Some(Finding::new(code, severity, 0, message).with_length(128))
}

/// A finding made from an error, at the error's offset and tag.
fn from_error(code: FindingCode, err: &Error) -> Finding {
    let mut finding = Finding::new(
        code,
        Severity::Medium,
        err.offset().unwrap_or(0),
        err.to_string(),
    );
    finding.tag = err.tag();
    finding
}

/// A finding about a walked element: its offset, its header and value length, its tag.
fn element_of(code: FindingCode, severity: Severity, e: &Element, message: String) -> Finding {
    let mut finding = Finding::new(code, severity, e.offset, message).with_tag(e.tag());
    finding.length = e
        .value_len()
        .map(|len| len.saturating_add(u64::from(e.header_len)));
    finding
}

/// A finding about a File Meta element.
fn element_finding(
    code: FindingCode,
    severity: Severity,
    e: &MetaElement<'_>,
    message: String,
) -> Finding {
    Finding::new(code, severity, e.offset(), message)
        .with_tag(e.tag())
        .with_length(
            e.value_offset()
                .saturating_sub(e.offset())
                .saturating_add(e.value().len() as u64),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header walk of a Part 10 input's data set.
    fn walk_of(data: &[u8]) -> Walk<'_> {
        let inspection = crate::inspect(data).unwrap();
        let plan = DataSetPlan::of(&inspection, |start| {
            Ok(cursor::tail_at(data, start).unwrap_or_default().to_vec())
        })
        .unwrap();
        Inspector::default().walk_plan(data, plan)
    }

    #[test]
    fn the_fast_path_takes_most_values_and_agrees_with_the_general_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pydicom");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            let fast = Validator::default().validate(&data);
            let general = Validator::default().general_path_only().validate(&data);
            assert_eq!(fast, general);
            let mut file = std::io::Cursor::new(&data);
            assert_eq!(
                Validator::default().validate_reader(&mut file).unwrap(),
                fast
            );
            checked += 1;
        }
        assert!(checked > 20);

        // On a typical CT header, the fast path takes most top-level values.
        let ct = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/pydicom/CT_small.dcm"
        ))
        .unwrap();
        let mut walk = walk_of(&ct);
        let first = walk.next().unwrap().unwrap();
        let mut last = first.tag();
        let mut taken = 0;
        walk.plain_values(|value| {
            assert!(value.tag > last, "{value:?} after {last}");
            last = value.tag;
            taken += 1;
            true
        });
        assert!(taken > 20, "{taken} values taken");
        // The iterator goes on where the fast path stopped.
        let next = walk.next().unwrap().unwrap();
        assert!(next.tag() > last);
    }

    #[test]
    fn the_fast_path_takes_values_in_a_defined_length_item_and_stops_at_its_end() {
        fn short(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
            let mut out = [tag.0.to_le_bytes(), tag.1.to_le_bytes()].concat();
            out.extend_from_slice(vr);
            out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_le_bytes());
            out.extend_from_slice(value);
            out
        }
        let item_values = [
            short((0x0008, 0x1150), b"UI", b"1.2.3\0"),
            short((0x0008, 0x1155), b"UI", b"1.2.3.4\0"),
        ]
        .concat();
        let item_len = u32::try_from(item_values.len()).unwrap();
        let mut sequence = vec![0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0];
        sequence.extend_from_slice(&(item_len + 8).to_le_bytes());
        sequence.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        sequence.extend_from_slice(&item_len.to_le_bytes());
        sequence.extend_from_slice(&item_values);
        let data_set = [
            short((0x0008, 0x0005), b"CS", b"ISO_IR 100"),
            sequence,
            // A top-level value right after the item: not the item's.
            short((0x0010, 0x0010), b"PN", b"A^B "),
        ]
        .concat();
        let ts = short((0x0002, 0x0010), b"UI", b"1.2.840.10008.1.2.1\0");
        let group_length = u32::try_from(ts.len()).unwrap().to_le_bytes();
        let data = [
            vec![0; 128],
            b"DICM".to_vec(),
            short((0x0002, 0x0000), b"UL", &group_length),
            ts,
            data_set,
        ]
        .concat();

        let mut walk = walk_of(&data);
        let kinds: Vec<ElementKind> = (0..3).map(|_| walk.next().unwrap().unwrap().kind).collect();
        assert_eq!(
            kinds,
            [ElementKind::Value, ElementKind::Sequence, ElementKind::Item]
        );
        let mut taken = Vec::new();
        let run = walk.plain_values(|value| {
            taken.push(value.tag);
            true
        });
        assert_eq!(taken, [Tag(0x0008, 0x1150), Tag(0x0008, 0x1155)]);
        assert_eq!(run.map(|run| run.count), Some(2));
        // The iterator closes the item and the sequence and goes on at top level.
        let next = walk.next().unwrap().unwrap();
        assert_eq!((next.tag(), next.depth), (Tag(0x0010, 0x0010), 0));

        let fast = Validator::default().validate(&data);
        assert_eq!(
            fast,
            Validator::default().general_path_only().validate(&data)
        );
        assert_eq!(fast.elements, 6);
        // Only the meta elements this minimal group leaves out.
        assert!(
            fast.findings
                .iter()
                .all(|f| f.code == FindingCode::MetaElementMissing),
            "{:?}",
            fast.findings
        );
    }

    #[test]
    fn uid_rules() {
        assert_eq!(uid_defect(b"1.2.840.10008.1.2\0"), None);
        assert_eq!(uid_defect(b"1.2.840.10008.1.2.1\0"), None);
        assert_eq!(uid_defect(b"1.2.3.4"), Some("odd length"));
        assert_eq!(
            uid_defect(b"1.2.03"),
            Some("a component with a leading zero")
        );
        assert_eq!(uid_defect(b"1..2"), Some("an empty component"));
        assert_eq!(
            uid_defect(b"1.2 "),
            Some("characters other than digits and dots")
        );
        assert_eq!(uid_defect(b"1.0\0"), None);
        assert_eq!(uid_defect(b""), Some("empty"));
        assert_eq!(uid_defect(&[b'1'; 66]), Some("longer than 64 characters"));
    }

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

    #[test]
    fn findings_are_capped_per_code() {
        let mut findings = Findings::default();
        for i in 0..100 {
            findings.push(Finding::new(
                FindingCode::StructureOddLength,
                Severity::Low,
                i,
                "x",
            ));
        }
        findings.push(Finding::new(
            FindingCode::StructureTagOrder,
            Severity::Medium,
            0,
            "y",
        ));
        assert_eq!(findings.list.len(), MAX_PER_CODE + 1);
        assert_eq!(findings.suppressed, 100 - MAX_PER_CODE as u64);
    }
}
