//! The invariants every fuzz harness checks: ours in `fuzz/`, OSS-Fuzz's, a vendor's.
//!
//! Each entry point takes raw bytes (and, for [`policy`], a [`PolicyCase`] built by
//! `arbitrary`), runs the crate's public API on them and **panics** when an invariant breaks,
//! so that any harness needs one line:
//!
//! ```ignore
//! libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitize::fuzzing::validate(data));
//! ```
//!
//! | function | what it checks |
//! |---|---|
//! | [`inspect`] | `classify`, `classify_prefix`, `inspect` and `inspect_reader` never panic, agree, and every offset they return lies within the input |
//! | [`walk`] | `walk` and `walk_reader` yield the same elements, each within the input, their number bounded by its size |
//! | [`validate`] | `validate` and `validate_reader` give the same report; every finding lies within the input |
//! | [`sanitize`] | for each standard policy: the bytes after the preamble are kept (strip: exactly `input[132..]`), sanitizing is idempotent, the output re-inspects as the policy allows |
//! | [`sinks`] | for each standard policy: slices, `Write`, `to_vec`, `Bytes`, the streaming reader at several chunk sizes, in place on a buffer and on a file, and copy-out to a file give the same bytes, or the same rejection |
//! | [`policy`] | an arbitrary policy from [`PolicySpec`] builds or is refused exactly when contradictory, then [`sanitize`]'s and [`sinks`]' invariants hold for it |
//! | [`oracle`] | when dicom-object opens a structurally sound input, it opens every output with an equal data set |
//!
//! The module is compiled with the `fuzzing` feature only and is hidden from the docs: it is
//! a test harness, not an API. Panicking on a broken invariant is its whole job, so the crate's
//! lints against panics, indexing and unchecked arithmetic are lifted here.
//!
//! **dicom-object as an oracle.** dicom-object 0.10.1 panics on `Length::defined(0xFFFFFFFF)`,
//! allocates up to 4 GiB for a 200-byte file with a huge length, and overflows its stack at
//! about 10,000 nested sequences. [`oracle`] therefore hands it only inputs our own validation
//! found structurally sound (see [`structurally_sound`]): no `structure.*`, `trailing.*`,
//! `meta.missing` or `meta.malformed` finding, every length within the file, nesting at most
//! [`ORACLE_MAX_DEPTH`] deep, at most [`ORACLE_MAX_LEN`] bytes.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::io::{self, Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Buf, Bytes};

use crate::{
    Action, Error, Fallback, FindingCode, Layout, Limits, Outcome, Policy, PreambleAction,
    PreambleKind, Prefix, Report, Severity, TrailingAction, Validator, HEADER_LEN, PREAMBLE_LEN,
};

/// Largest input [`oracle`] hands to dicom-object.
pub const ORACLE_MAX_LEN: usize = 1 << 20;
/// Deepest sequence nesting [`oracle`] hands to dicom-object (which recurses per level).
pub const ORACLE_MAX_DEPTH: u32 = 16;

// ---------------------------------------------------------------------------------------------
// Read side
// ---------------------------------------------------------------------------------------------

/// `classify`, `classify_prefix`, `inspect` and `inspect_reader`: no panic, the slice and
/// reader paths agree, every offset lies within the input.
pub fn inspect(data: &[u8]) {
    inspect_with(&crate::Inspector::default(), data);
}

fn inspect_with(inspector: &crate::Inspector, data: &[u8]) {
    let len = data.len() as u64;
    let verdict = inspector.classify(data);
    if let Some(preamble) = verdict.preamble() {
        assert_eq!(
            verdict.layout(),
            Layout::Part10,
            "only Part 10 inputs have a preamble"
        );
        assert_eq!(preamble.bytes()[..], data[..PREAMBLE_LEN]);
        check_preamble_kind(preamble.kind(), len);
    }
    for cut in [0, 1, 127, 131, 132, 133, 256, 1024, data.len()] {
        let prefix = &data[..cut.min(data.len())];
        match inspector.classify_prefix(prefix) {
            Prefix::Partial => assert!((prefix.len() as u64) < HEADER_LEN, "partial at {cut}"),
            Prefix::Complete(c) => {
                assert!(prefix.len() as u64 >= HEADER_LEN, "complete at {cut}");
                assert_eq!(c, inspector.classify(prefix), "classify_prefix at {cut}");
            }
        }
    }

    let from_slice = inspector.inspect(data);
    let mut buf = Vec::new();
    let from_reader = inspector.inspect_reader(&mut Cursor::new(data), &mut buf);
    match (&from_slice, &from_reader) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.classification(), verdict, "inspect and classify disagree");
            assert_eq!(a.classification(), b.classification(), "inspect_reader");
            assert_eq!(a.data_set_offset(), b.data_set_offset(), "inspect_reader");
            assert_eq!(a.encoding(), b.encoding(), "inspect_reader");
            assert_eq!(a.meta().map(|m| m.bytes()), b.meta().map(|m| m.bytes()));
            assert_eq!(a.file_len(), len);
            if let Some(offset) = a.data_set_offset() {
                assert!(offset <= len, "data set offset {offset} past the end {len}");
            }
            if let Some(meta) = a.meta() {
                let start = meta.offset();
                assert!(start == 0 || start == HEADER_LEN, "meta group at {start}");
                assert!(meta.data_set_offset() <= len);
                let end = start + meta.bytes().len() as u64;
                assert!(end <= len, "meta group ends at {end}, past {len}");
                for element in meta.elements() {
                    let value_end = element.value_offset() + element.value().len() as u64;
                    assert!(element.offset() >= start && value_end <= end, "{element:?}");
                }
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "inspect and inspect_reader fail differently");
            check_error_offset(a, len);
        }
        _ => panic!("inspect: {from_slice:?}, inspect_reader: {from_reader:?}"),
    }
}

/// The pointers a preamble kind carries lie within the input.
fn check_preamble_kind(kind: PreambleKind, len: u64) {
    if let PreambleKind::Tiff { header, .. } = kind {
        if kind.is_functional_tiff() {
            assert!(
                header.ifd_offset >= HEADER_LEN && header.ifd_offset < len,
                "functional TIFF with its IFD at {}",
                header.ifd_offset
            );
        }
    }
    if let Some(info) = kind.executable() {
        if let Some(payload) = info.payload_offset {
            assert!(payload <= len, "payload at {payload}, past {len}");
        }
    }
}

/// Errors about the input name an offset within it (or just past its end).
fn check_error_offset(err: &Error, len: u64) {
    if let Some(offset) = err.offset() {
        assert!(offset <= len, "{err}: offset past the end {len}");
    }
}

/// `walk` and `walk_reader`: the same elements, each within the input, their number bounded
/// by its size (so no walk can loop), nesting within the limit.
pub fn walk(data: &[u8]) {
    walk_with(&crate::Inspector::default(), data);
}

fn walk_with(inspector: &crate::Inspector, data: &[u8]) {
    let len = data.len() as u64;
    let limits = *inspector.limits();
    let from_slice = inspector.walk(data);
    let mut cursor = Cursor::new(data);
    let from_reader = inspector.walk_reader(&mut cursor);
    let (slice_walk, reader_walk) = match (from_slice, from_reader) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "walk and walk_reader fail differently");
            check_error_offset(&a, len);
            return;
        }
        (a, b) => panic!("walk: {:?}, walk_reader: {:?}", a.err(), b.err()),
    };
    let start = slice_walk.offset();
    let deflated = slice_walk.end().is_none();
    // A header is at least 8 bytes; a deflated data set is bounded by the inflation limit.
    let space = if deflated {
        limits.max_inflated_len.saturating_add(8)
    } else {
        len.saturating_sub(start)
    };
    let bound = space / 8 + 1;
    let mut elements = 0u64;
    let mut readers = reader_walk;
    for from_slice in slice_walk {
        elements += 1;
        assert!(
            elements <= bound,
            "more than {bound} elements in {space} bytes"
        );
        let from_reader = readers.next();
        match (&from_slice, &from_reader) {
            (Ok(a), Some(Ok(b))) => assert_eq!(a, b, "walk and walk_reader disagree"),
            (Err(a), Some(Err(b))) => assert_eq!(a, b, "walk and walk_reader fail differently"),
            _ => panic!("walk: {from_slice:?}, walk_reader: {from_reader:?}"),
        }
        match from_slice {
            Ok(element) => {
                assert!(element.depth <= limits.max_depth, "{element:?}");
                assert!(element.offset >= start, "{element:?} before the data set");
                if !deflated {
                    let header_end = element.offset + u64::from(element.header_len);
                    assert!(header_end <= len, "{element:?} past the end {len}");
                    // Values and defined-length sequences and items fit in the input.
                    if let Some(end) = element.value_end() {
                        assert!(end <= len, "{element:?} ends past {len}");
                    }
                }
            }
            Err(err) => {
                if !deflated {
                    check_error_offset(&err, len);
                }
            }
        }
    }
    assert!(readers.next().is_none(), "walk_reader yields more elements");
}

/// `validate` and `validate_reader`: the same report, every finding within the input, the
/// counts bounded by its size.
pub fn validate(data: &[u8]) {
    validate_with(&Validator::default(), data);
}

fn validate_with(validator: &Validator, data: &[u8]) -> Report {
    let report = validator.validate(data);
    let from_reader = validator
        .validate_reader(&mut Cursor::new(data))
        .expect("reading a Cursor cannot fail");
    assert!(
        report == from_reader,
        "validate and validate_reader disagree:\n{report:#?}\n{from_reader:#?}"
    );
    let general = validator.general_path_only().validate(data);
    assert!(
        report == general,
        "the fast path and the general path disagree:\n{report:#?}\n{general:#?}"
    );
    check_report(validator, &report, data);
    report
}

/// A report's facts agree with the input and lie within it.
fn check_report(validator: &Validator, report: &Report, data: &[u8]) {
    let len = data.len() as u64;
    let limits = validator.limits();
    let verdict = validator.inspector().classify(data);
    assert_eq!(report.file_len, len);
    assert_eq!(report.layout, verdict.layout(), "report layout");
    assert_eq!(
        report.preamble,
        verdict.preamble().map(|p| p.kind()),
        "report preamble"
    );
    assert!(report.max_depth <= limits.max_depth);
    if let Some(start) = report.data_set_offset {
        assert!(start <= len, "data set at {start}, past {len}");
    }
    if let Some(end) = report.data_end {
        assert!(end <= len, "data set ends at {end}, past {len}");
    }
    let inflated_end = report
        .data_set_offset
        .unwrap_or(0)
        .saturating_add(limits.max_inflated_len)
        .saturating_add(8);
    let space = if report.deflated { inflated_end } else { len };
    assert!(
        report.elements <= space / 8 + 1,
        "{} elements in {space} bytes",
        report.elements
    );
    for finding in &report.findings {
        // Offsets inside a deflated data set count inflated bytes.
        let end = if report.deflated { inflated_end } else { len };
        assert!(finding.offset <= end, "{finding:?} past {end}");
        if let Some(length) = finding.length {
            assert!(
                finding.offset.saturating_add(length) <= end,
                "{finding:?} runs past {end}"
            );
        }
    }
    // The report's own summaries are consistent with its findings.
    assert_eq!(
        report.is_threat(),
        report.findings.iter().any(|f| f.severity >= Severity::High)
    );
}

// ---------------------------------------------------------------------------------------------
// Sanitizing
// ---------------------------------------------------------------------------------------------

/// The policies [`sanitize`], [`sinks`] and the replay test run: every preamble action and
/// fallback, lenient TIFF, truncation and rejection of trailing data, rejection of findings,
/// and the dangerous report-only policy.
pub fn standard_policies() -> Vec<(&'static str, Policy)> {
    let build = |builder: crate::PolicyBuilder| builder.build().expect("a valid policy");
    let mut audit = Policy::builder();
    audit.dangerous().keep_unchecked_preamble();
    vec![
        ("default", Policy::default()),
        ("zero", Policy::zero()),
        ("strip", Policy::strip()),
        (
            "tiff-else-strip",
            build(Policy::builder().preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Strip,
            })),
        ),
        (
            "tiff-else-reject",
            build(Policy::builder().preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })),
        ),
        (
            "reject",
            build(Policy::builder().preamble(PreambleAction::Reject)),
        ),
        (
            "lenient-tiff",
            build(Policy::builder().allow_dangling_tiff(true)),
        ),
        (
            "truncate",
            build(Policy::builder().trailing_data(TrailingAction::Truncate)),
        ),
        (
            "strip-truncate",
            build(
                Policy::builder()
                    .preamble(PreambleAction::Strip)
                    .trailing_data(TrailingAction::Truncate),
            ),
        ),
        (
            "reject-trailing",
            build(Policy::builder().trailing_data(TrailingAction::Reject)),
        ),
        (
            "reject-high",
            build(Policy::builder().reject_findings_at(Severity::High)),
        ),
        ("audit", build(audit)),
    ]
}

/// Sanitizing with every standard policy keeps the bytes after the preamble, is idempotent,
/// and leaves an output that re-inspects as the policy allows.
pub fn sanitize(data: &[u8]) {
    for (name, policy) in standard_policies() {
        check_sanitize(name, &policy, data);
    }
}

/// [`sanitize`]'s invariants for one policy; returns the output when the policy accepts the
/// input.
pub fn check_sanitize(name: &str, policy: &Policy, data: &[u8]) -> Option<Vec<u8>> {
    let report = policy.validator().validate(data);
    let action = policy.action(&report);
    let sanitized = match policy.sanitize(data) {
        Ok(sanitized) => sanitized,
        Err(Error::NotDicom) => {
            assert!(!report.layout.is_dicom(), "{name}: NotDicom for DICOM");
            assert_eq!(action, Action::None, "{name}: action for NotDicom");
            return None;
        }
        Err(Error::Rejected { offset, reason }) => {
            // A report cannot show everything that makes an input unstrippable.
            let unstrippable = reason == crate::Rejection::Unstrippable && action == Action::Strip;
            assert!(
                action == Action::Reject || unstrippable,
                "{name}: rejected ({reason}), but Policy::action says {action:?}"
            );
            assert!(offset <= data.len() as u64, "{name}: rejected at {offset}");
            return None;
        }
        Err(err) => panic!("{name}: sanitize failed with {err}"),
    };
    if let Some(own) = sanitized.report() {
        assert!(
            *own == report,
            "{name}: the plan's report is not validate's"
        );
    }
    let output = sanitized.to_vec();
    let outcome = *sanitized.outcome();
    assert_eq!(outcome.action, action, "{name}: outcome and Policy::action");
    check_output(policy, data, &report, &outcome, &output);

    // sanitize(sanitize(x)) == sanitize(x)
    let again = policy
        .sanitize(&output)
        .unwrap_or_else(|e| panic!("{name}: the output is refused: {e}"));
    assert!(
        again.is_unchanged(),
        "{name}: sanitizing the output changes it again: {:?}",
        again.outcome()
    );
    assert_eq!(again.to_vec(), output, "{name}: not idempotent");
    Some(output)
}

/// The output of a policy that accepted `data` with `outcome`: the right bytes, and a
/// preamble the policy allows.
pub fn check_output(
    policy: &Policy,
    data: &[u8],
    report: &Report,
    outcome: &Outcome,
    output: &[u8],
) {
    let end = match policy.trailing_action() {
        TrailingAction::Truncate => report.trailing_offset().unwrap_or(report.file_len) as usize,
        _ => data.len(),
    };
    assert_eq!(outcome.input_len, data.len() as u64);
    assert_eq!(outcome.output_len(), output.len() as u64, "output length");
    assert_eq!(
        outcome.bytes_removed,
        (data.len() - output.len()) as u64,
        "bytes removed"
    );
    match outcome.action {
        Action::Strip => {
            assert_eq!(
                output,
                &data[HEADER_LEN as usize..end],
                "strip keeps input[132..]"
            )
        }
        Action::Zero => {
            let nonzero = data[..PREAMBLE_LEN].iter().filter(|&&b| b != 0).count();
            assert!(nonzero > 0, "zeroed an all-zero preamble");
            assert_eq!(outcome.bytes_changed, nonzero as u64, "bytes changed");
            assert_eq!(&output[..PREAMBLE_LEN], &[0; PREAMBLE_LEN][..]);
            assert_eq!(
                &output[PREAMBLE_LEN..],
                &data[PREAMBLE_LEN..end],
                "zero keeps the rest"
            );
        }
        Action::None | Action::KeepTiff => {
            assert_eq!(outcome.bytes_changed, 0);
            assert_eq!(output, &data[..end], "a kept preamble changes nothing else");
        }
        Action::Reject => panic!("an accepted input with action reject"),
    }
    if outcome.action == Action::KeepTiff {
        let kind = outcome.before.expect("a kept TIFF preamble");
        assert!(
            policy.keeps_unchecked_preamble()
                || kind.is_functional_tiff()
                || (policy.allows_dangling_tiff() && matches!(kind, PreambleKind::Tiff { .. })),
            "kept {kind:?}"
        );
    }

    // The output re-inspects as the policy allows.
    let verdict = policy.validator().inspector().classify(output);
    let after = verdict.preamble().map(|p| p.kind());
    if outcome.action == Action::Zero {
        assert_eq!(after, Some(PreambleKind::Zero), "zeroed output");
    }
    if !policy.keeps_unchecked_preamble() {
        match after {
            None | Some(PreambleKind::Zero) => {}
            Some(kind @ PreambleKind::Tiff { .. }) => assert!(
                kind.is_functional_tiff() || policy.allows_dangling_tiff(),
                "output keeps {kind:?}"
            ),
            Some(kind) => panic!("output preamble {kind:?}"),
        }
        if policy.preamble_action() == PreambleAction::Reject {
            assert!(matches!(after, None | Some(PreambleKind::Zero)));
        }
        let bad = policy
            .validator()
            .validate(output)
            .findings
            .into_iter()
            .find(|f| f.code.as_str().starts_with("preamble.") && f.severity >= Severity::Medium);
        assert!(bad.is_none(), "the output is flagged: {bad:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------------------------

/// Every sink of every standard policy gives the same bytes, or the same rejection.
pub fn sinks(data: &[u8]) {
    // Chunk sizes for the streaming reader: the smallest, odd ones, and one that depends on
    // the input so that the fuzzer moves chunk boundaries around.
    let chunks = [1, 7, 4096, data.len() % 251 + 2];
    for (name, policy) in standard_policies() {
        check_sinks(name, &policy, data, &chunks);
    }
}

/// What a sink produced: bytes, or the error that refused the input.
type SinkResult = Result<Vec<u8>, Error>;

/// Panics unless a sink gave `expected`; names the sink and the first differing byte.
pub fn assert_same_output(sink: &str, expected: &[u8], got: &[u8]) {
    if expected != got {
        let at = expected
            .iter()
            .zip(got)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(got.len()));
        panic!(
            "{sink}: {} bytes where {} expected, first difference at offset {at}",
            got.len(),
            expected.len()
        );
    }
}

/// Whether two errors are the same refusal. A preamble rejected by the streaming reader may
/// name an executable *unconfirmed* where the slice path confirmed it (its look-ahead is all
/// it reads): the kind's name must match.
pub fn same_rejection(a: &Error, b: &Error) -> bool {
    use crate::Rejection;
    match (a, b) {
        (
            Error::Rejected {
                offset: oa,
                reason: Rejection::Preamble(ka),
            },
            Error::Rejected {
                offset: ob,
                reason: Rejection::Preamble(kb),
            },
        ) => oa == ob && ka.name() == kb.name(),
        _ => a == b,
    }
}

/// Panics unless a sink refused the input as the slice sink did (or, for `expected` bytes,
/// produced them).
pub fn assert_same_result(sink: &str, expected: &SinkResult, got: &SinkResult) {
    match (expected, got) {
        (Ok(e), Ok(g)) => assert_same_output(sink, e, g),
        (Err(e), Err(g)) => assert!(same_rejection(e, g), "{sink}: refused with {g}, not {e}"),
        (Ok(_), Err(g)) => panic!("{sink}: refused with {g} what the slice sink accepts"),
        (Err(e), Ok(_)) => panic!("{sink}: accepted what the slice sink refuses ({e})"),
    }
}

/// A reader that hands out `chunks[i % len]` bytes at its i-th call.
struct Chunked<'a> {
    data: &'a [u8],
    chunks: &'a [usize],
    call: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = self.chunks[self.call % self.chunks.len()].max(1);
        self.call += 1;
        let n = buf.len().min(chunk).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// [`sinks`]' invariants for one policy; `chunks` are the read sizes handed to the streaming
/// reader (each element is one run; a run with several sizes cycles through them).
pub fn check_sinks(name: &str, policy: &Policy, data: &[u8], chunks: &[usize]) {
    let sanitized = policy.sanitize(data);
    let expected: SinkResult = sanitized.as_ref().map(|s| s.to_vec()).map_err(Clone::clone);
    let outcome = sanitized.as_ref().ok().map(|s| *s.outcome());
    let what = |sink: &str| format!("{name} / {sink}");

    if let Ok(sanitized) = &sanitized {
        let expected = expected.as_ref().unwrap();
        assert_eq!(sanitized.len(), expected.len() as u64, "{name}: len");
        let mut written = Vec::new();
        let n = sanitized.write_to(&mut written).unwrap();
        assert_eq!(n, written.len() as u64, "{name}: write_to count");
        assert_same_output(&what("write_to"), expected, &written);
        assert_same_output(&what("slices"), expected, &sanitized.slices().concat());
        let mut vectored = Vec::new();
        for slice in sanitized.io_slices() {
            vectored.write_all(&slice).unwrap();
        }
        assert_same_output(&what("io_slices"), expected, &vectored);
    }

    // Bytes: a zero-copy chain over the input's buffer.
    let input = Bytes::copy_from_slice(data);
    let from_bytes = policy.sanitize_bytes(&input).map(|s| {
        assert_eq!(Some(*s.outcome()), outcome, "{name}: Bytes outcome");
        let (_, body) = s.clone().into_parts();
        if !body.is_empty() {
            let offset = body.as_ptr() as usize - input.as_ptr() as usize;
            assert!(
                offset + body.len() <= input.len(),
                "{name}: body not a view"
            );
        }
        let mut buf = s.into_buf();
        buf.copy_to_bytes(buf.remaining()).to_vec()
    });
    assert_same_result(&what("Bytes"), &expected, &from_bytes);

    // The streaming reader, for the policies that can stream.
    match policy.sanitize_reader(data) {
        Ok(_) => {
            assert_eq!(policy.trailing_action(), TrailingAction::Keep);
            for chunk in chunks {
                let sizes = [*chunk, chunk.wrapping_mul(7) % 13 + 1];
                let reader = Chunked {
                    data,
                    chunks: &sizes,
                    call: 0,
                };
                let mut stream = policy.sanitize_reader(reader).unwrap();
                let mut streamed = Vec::new();
                let result = match stream.read_to_end(&mut streamed) {
                    Ok(_) => Ok(streamed),
                    Err(err) => {
                        let inner = err
                            .get_ref()
                            .and_then(|e| e.downcast_ref::<Error>())
                            .unwrap_or_else(|| panic!("{name}: stream failed with {err}"));
                        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
                        assert!(streamed.is_empty(), "{name}: bytes before a refusal");
                        Err(inner.clone())
                    }
                };
                assert_same_result(&what(&format!("stream by {chunk}")), &expected, &result);
                let action = stream.action().expect("decided after reading");
                let want = outcome.map_or(Action::Reject, |o| o.action);
                if expected.is_ok() || matches!(expected, Err(Error::Rejected { .. })) {
                    assert_eq!(action, want, "{name}: stream action");
                }
            }
        }
        Err(err) => {
            assert!(matches!(err, Error::NotStreamable { .. }), "{name}: {err}");
            assert!(
                policy.trailing_action() != TrailingAction::Keep
                    || policy.rejects_findings_at().is_some()
            );
        }
    }

    // In place on a buffer: the same bytes, or refused without writing.
    let mut file = Cursor::new(data.to_vec());
    let in_place = policy.sanitize_in_place(&mut file);
    let buffer = file.into_inner();
    check_in_place(
        &what("in place"),
        &expected,
        outcome,
        in_place,
        &buffer,
        data,
    );

    // On a real file: in place, copy-out and the dry run.
    let dir = scratch_dir();
    let id = NEXT_FILE.fetch_add(1, Ordering::Relaxed);
    let from = dir.join(format!("{id}.in"));
    let to = dir.join(format!("{id}.out"));
    std::fs::write(&from, data).unwrap();
    let checked = policy.check_file(&from).map_err(|e| e.error);
    match (&checked, &expected) {
        (Ok(o), Ok(_)) => assert_eq!(Some(*o), outcome, "{name}: check_file outcome"),
        (Err(a), Err(b)) => assert!(same_rejection(a, b), "{name}: check_file {a}, not {b}"),
        _ => panic!("{name}: check_file {checked:?}, sanitize {expected:?}"),
    }
    let copied = policy.sanitize_file_to(&from, &to);
    match copied {
        Ok(o) => {
            assert_eq!(Some(o), outcome, "{name}: sanitize_file_to outcome");
            let bytes = std::fs::read(&to).unwrap();
            assert_same_result(&what("sanitize_file_to"), &expected, &Ok(bytes));
        }
        Err(err) => {
            assert!(!to.exists(), "{name}: a refused copy-out left a file");
            assert_same_result(&what("sanitize_file_to"), &expected, &Err(err.error));
        }
    }
    assert_eq!(
        std::fs::read(&from).unwrap(),
        data,
        "{name}: copy-out modified its input"
    );
    let in_file = policy.sanitize_file_in_place(&from).map_err(|e| e.error);
    let file_bytes = std::fs::read(&from).unwrap();
    check_in_place(
        &what("file in place"),
        &expected,
        outcome,
        in_file,
        &file_bytes,
        data,
    );
    let _ = std::fs::remove_file(&from);
    let _ = std::fs::remove_file(&to);
}

/// An in-place sink's result: the expected bytes, or a refusal (the slice sink's, or
/// `NotInPlace` for a length-changing plan) with nothing written.
fn check_in_place(
    sink: &str,
    expected: &SinkResult,
    outcome: Option<Outcome>,
    result: Result<Outcome, Error>,
    after: &[u8],
    data: &[u8],
) {
    match result {
        Ok(o) => {
            assert_eq!(Some(o), outcome, "{sink}: outcome");
            assert_same_result(sink, expected, &Ok(after.to_vec()));
        }
        Err(Error::NotInPlace { .. }) => {
            let expected = expected
                .as_ref()
                .unwrap_or_else(|e| panic!("{sink}: NotInPlace for a refused input ({e})"));
            assert_ne!(
                expected.len(),
                data.len(),
                "{sink}: refused a same-length rewrite"
            );
            assert_same_output(sink, data, after);
        }
        Err(err) => {
            assert_same_result(sink, expected, &Err(err));
            assert_same_output(sink, data, after);
        }
    }
}

static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// A directory for this process's scratch files (each removed after use).
fn scratch_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("dicom-sanitize-fuzzing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
    .clone()
}

// ---------------------------------------------------------------------------------------------
// Arbitrary policies
// ---------------------------------------------------------------------------------------------

/// A policy as the fuzzer describes it, turned into a real [`Policy`] through the public
/// builder by [`PolicySpec::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub struct PolicySpec {
    /// The preamble action; `None` leaves the builder's default.
    pub preamble: Option<PreambleSpec>,
    /// `allow_dangling_tiff`.
    pub allow_dangling_tiff: bool,
    /// `trailing_data`.
    pub trailing: TrailingSpec,
    /// `reject_findings_at`.
    pub reject_at: Option<SeveritySpec>,
    /// `dangerous().keep_unchecked_preamble()`.
    pub keep_unchecked_preamble: bool,
    /// Small limits, to reach every limit's code path; `None` keeps the defaults.
    pub limits: Option<LimitsSpec>,
}

/// [`PreambleAction`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum PreambleSpec {
    Zero,
    Strip,
    AllowTiff(FallbackSpec),
    Reject,
}

/// [`Fallback`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum FallbackSpec {
    Zero,
    Strip,
    Reject,
}

/// [`TrailingAction`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum TrailingSpec {
    Keep,
    Truncate,
    Reject,
}

/// [`Severity`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum SeveritySpec {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// [`Limits`] for [`PolicySpec`], in small ranges so the fuzzer reaches each bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub struct LimitsSpec {
    pub max_meta_length: u16,
    pub max_probe_bytes: u16,
    pub max_tiff_ifds: u8,
    pub max_tiff_entries: u16,
    pub max_tiff_values: u16,
    pub max_executable_headers: u8,
    pub max_depth: u8,
    pub max_inflated_len: u32,
    pub max_scan_len: u16,
}

impl From<LimitsSpec> for Limits {
    fn from(spec: LimitsSpec) -> Self {
        Limits {
            max_meta_length: u64::from(spec.max_meta_length),
            max_probe_bytes: u64::from(spec.max_probe_bytes),
            max_tiff_ifds: u32::from(spec.max_tiff_ifds),
            max_tiff_entries: u32::from(spec.max_tiff_entries),
            max_tiff_values: u64::from(spec.max_tiff_values),
            max_executable_headers: u32::from(spec.max_executable_headers),
            max_depth: u32::from(spec.max_depth),
            max_inflated_len: u64::from(spec.max_inflated_len),
            max_scan_len: u64::from(spec.max_scan_len),
            ..Limits::default()
        }
    }
}

impl PolicySpec {
    /// Whether the builder must refuse this combination (see `PolicyBuilder::build`).
    pub fn is_contradictory(&self) -> bool {
        let allow_tiff = matches!(self.preamble, None | Some(PreambleSpec::AllowTiff(_)));
        (self.allow_dangling_tiff && !allow_tiff)
            || (self.keep_unchecked_preamble
                && (self.preamble.is_some() || self.allow_dangling_tiff))
    }

    /// The policy, through the public builder.
    ///
    /// # Errors
    /// As `PolicyBuilder::build`: contradictory settings.
    pub fn build(&self) -> Result<Policy, Error> {
        let mut builder = Policy::builder();
        if let Some(preamble) = self.preamble {
            let fallback = |f| match f {
                FallbackSpec::Zero => Fallback::Zero,
                FallbackSpec::Strip => Fallback::Strip,
                FallbackSpec::Reject => Fallback::Reject,
            };
            builder = builder.preamble(match preamble {
                PreambleSpec::Zero => PreambleAction::Zero,
                PreambleSpec::Strip => PreambleAction::Strip,
                PreambleSpec::AllowTiff(f) => PreambleAction::AllowTiff {
                    otherwise: fallback(f),
                },
                PreambleSpec::Reject => PreambleAction::Reject,
            });
        }
        builder = builder
            .allow_dangling_tiff(self.allow_dangling_tiff)
            .trailing_data(match self.trailing {
                TrailingSpec::Keep => TrailingAction::Keep,
                TrailingSpec::Truncate => TrailingAction::Truncate,
                TrailingSpec::Reject => TrailingAction::Reject,
            });
        if let Some(severity) = self.reject_at {
            builder = builder.reject_findings_at(match severity {
                SeveritySpec::Info => Severity::Info,
                SeveritySpec::Low => Severity::Low,
                SeveritySpec::Medium => Severity::Medium,
                SeveritySpec::High => Severity::High,
                SeveritySpec::Critical => Severity::Critical,
            });
        }
        if let Some(limits) = self.limits {
            builder = builder.limits(limits.into());
        }
        if self.keep_unchecked_preamble {
            builder.dangerous().keep_unchecked_preamble();
        }
        builder.build()
    }
}

/// One input for [`policy`]: a policy, streaming chunk sizes, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq, arbitrary::Arbitrary)]
pub struct PolicyCase {
    /// The policy.
    pub spec: PolicySpec,
    /// Read sizes for the streaming reader (cycled; zero counts as one).
    pub chunks: [u8; 3],
    /// The input: the rest of the fuzzer's bytes.
    pub data: Vec<u8>,
}

/// [`policy`] on raw fuzzer bytes, decoded as libfuzzer-sys decodes a typed input
/// (`PolicyCase::arbitrary_take_rest`); bytes that do not decode are skipped. Harnesses and
/// the replay test call this, so a saved crash replays exactly.
pub fn policy_bytes(bytes: &[u8]) {
    use arbitrary::Arbitrary;
    if let Ok(case) = PolicyCase::arbitrary_take_rest(arbitrary::Unstructured::new(bytes)) {
        policy(&case);
    }
}

/// An arbitrary policy: it builds exactly when its settings are consistent, and then the
/// read-side, [`sanitize`] and [`sinks`] invariants hold for it and `data`.
pub fn policy(case: &PolicyCase) {
    let built = case.spec.build();
    let policy = match built {
        Ok(policy) => {
            assert!(!case.spec.is_contradictory(), "built {:?}", case.spec);
            policy
        }
        Err(Error::InvalidPolicy { .. }) => {
            assert!(case.spec.is_contradictory(), "refused {:?}", case.spec);
            return;
        }
        Err(err) => panic!("build failed with {err}"),
    };
    assert!(!policy.conformance_statement().is_empty());
    let data = &case.data;
    inspect_with(policy.validator().inspector(), data);
    validate_with(policy.validator(), data);
    check_sanitize("arbitrary", &policy, data);
    let chunks: Vec<usize> = case.chunks.iter().map(|&c| usize::from(c).max(1)).collect();
    check_sinks(
        "arbitrary",
        &policy,
        data,
        &[chunks[0], chunks[1], chunks[2]],
    );
}

// ---------------------------------------------------------------------------------------------
// dicom-object as an oracle
// ---------------------------------------------------------------------------------------------

/// Whether our validation found `data` sound enough to hand to dicom-object 0.10.1 (which
/// panics, allocates by length fields or overflows its stack on hostile input): a Part 10 file
/// or a meta group without preamble, at most [`ORACLE_MAX_LEN`] bytes, no `structure.*`,
/// `trailing.*`, `meta.missing` or `meta.malformed` finding (so every length lies within the
/// file, and no bytes after the data set are read as elements), nesting
/// at most [`ORACLE_MAX_DEPTH`] deep, and the data set walked to its end.
pub fn structurally_sound(report: &Report) -> bool {
    matches!(report.layout, Layout::Part10 | Layout::MetaWithoutPreamble)
        && report.file_len <= ORACLE_MAX_LEN as u64
        && report.max_depth <= ORACLE_MAX_DEPTH
        && report.data_end.is_some()
        && !report.findings.iter().any(|f| {
            // dicom-object parses bytes after the last element as elements, and allocates
            // what their length fields claim.
            f.code.as_str().starts_with("structure.")
                || f.code.as_str().starts_with("trailing.")
                || matches!(
                    f.code,
                    FindingCode::MetaMissing | FindingCode::MetaMalformed
                )
        })
}

/// What dicom-object reads from `data`: a Part 10 file, or a meta group without preamble
/// (dicom-object 0.10.1 wants `DICM` before the meta group even without a preamble, so it is
/// chained in front). `None` when it cannot read it.
pub fn dicom_object(data: &[u8]) -> Option<dicom_object::DefaultDicomObject> {
    use dicom_object::file::ReadPreamble;
    let options = dicom_object::OpenFileOptions::new();
    match crate::classify(data).layout() {
        Layout::Part10 => options
            .read_preamble(ReadPreamble::Always)
            .from_reader(data)
            .ok(),
        Layout::MetaWithoutPreamble => options
            .read_preamble(ReadPreamble::Never)
            .from_reader(io::Read::chain(&b"DICM"[..], data))
            .ok(),
        _ => None,
    }
}

/// What dicom-object writes back for an object: its data set compared byte for byte
/// (`dicom_core`'s undefined `Length` is unequal to itself, so objects with sequences never
/// compare equal directly).
fn written(object: &dicom_object::DefaultDicomObject) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    object.write_all(&mut out).ok().map(|()| out)
}

/// When dicom-object opens a structurally sound input (see [`structurally_sound`]), it opens
/// the output of every policy that keeps all bytes after the preamble, with an equal data set.
pub fn oracle(data: &[u8]) {
    let report = crate::validate(data);
    if !structurally_sound(&report) {
        return;
    }
    let Some(before) = dicom_object(data) else {
        return;
    };
    let Some(expected) = written(&before) else {
        return;
    };
    for (name, policy) in standard_policies() {
        if policy.trailing_action() != TrailingAction::Keep {
            continue;
        }
        let Ok(sanitized) = policy.sanitize(data) else {
            continue;
        };
        let output = sanitized.to_vec();
        let after = dicom_object(&output)
            .unwrap_or_else(|| panic!("{name}: dicom-object cannot read the output"));
        let got = written(&after).unwrap_or_else(|| panic!("{name}: cannot write the output"));
        assert_same_output(&format!("{name}: dicom-object's data set"), &expected, &got);
    }
}

/// Every read-side and sanitizing invariant at once, for replaying a corpus: [`inspect`],
/// [`walk`], [`validate`], [`sanitize`], [`sinks`] and [`oracle`].
pub fn all(data: &[u8]) {
    inspect(data);
    walk(data);
    validate(data);
    sanitize(data);
    sinks(data);
    oracle(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "first difference at offset 1")]
    fn differing_sinks_fail() {
        assert_same_output("test", b"abc", b"axc");
    }

    #[test]
    #[should_panic(expected = "3 bytes where 2 expected")]
    fn longer_sink_output_fails() {
        assert_same_output("test", b"ab", b"abc");
    }

    #[test]
    #[should_panic(expected = "accepted what the slice sink refuses")]
    fn a_sink_accepting_a_refused_input_fails() {
        assert_same_result("test", &Err(Error::NotDicom), &Ok(vec![1]));
    }

    #[test]
    fn the_same_rejection_passes() {
        assert_same_result("test", &Err(Error::NotDicom), &Err(Error::NotDicom));
        assert_same_output("test", b"abc", b"abc");
    }

    #[test]
    fn contradictory_specs_are_known() {
        let spec = PolicySpec {
            preamble: Some(PreambleSpec::Zero),
            allow_dangling_tiff: true,
            trailing: TrailingSpec::Keep,
            reject_at: None,
            keep_unchecked_preamble: false,
            limits: None,
        };
        assert!(spec.is_contradictory());
        assert!(matches!(spec.build(), Err(Error::InvalidPolicy { .. })));
        let fine = PolicySpec {
            preamble: None,
            ..spec
        };
        assert!(!fine.is_contradictory());
        assert!(fine.build().is_ok());
    }
}
