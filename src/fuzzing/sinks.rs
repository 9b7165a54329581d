//! The sanitizing invariants: [`sanitize`] (kept bytes, idempotence, an output the policy
//! allows) and [`sinks`] (every sink gives the same bytes or the same rejection), with the
//! comparison helpers the replay test uses too.

use std::io::{self, Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Buf, Bytes};

use super::standard_policies;
use crate::{
    Action, Error, Outcome, Policy, PreambleAction, PreambleKind, Report, Severity, TrailingAction,
    HEADER_LEN, PREAMBLE_LEN,
};

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
    check_review(name, policy, data, &from, &to, &expected, outcome);
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

/// The review of the file at `from` (holding `data`): validate's report, and the slice
/// sink's outcome or refusal; copied out to `to`, and written in place to a copy of `from`,
/// it gives the same bytes.
fn check_review(
    name: &str,
    policy: &Policy,
    data: &[u8],
    from: &std::path::Path,
    to: &std::path::Path,
    expected: &SinkResult,
    outcome: Option<Outcome>,
) {
    let review = policy
        .review_file(from)
        .unwrap_or_else(|e| panic!("{name}: review_file failed with {e}"));
    assert!(
        *review.report() == policy.validator().validate(data),
        "{name}: the review's report is not validate's"
    );
    match (review.outcome(), expected) {
        (Ok(o), Ok(_)) => assert_eq!(Some(o), outcome, "{name}: review outcome"),
        (Err(a), Err(b)) => assert!(same_rejection(&a, b), "{name}: review {a}, not {b}"),
        (got, _) => panic!("{name}: review {got:?}, sanitize {expected:?}"),
    }
    let _ = std::fs::remove_file(to);
    let copied = review
        .copy_to(to)
        .map(|o| {
            assert_eq!(Some(o), outcome, "{name}: review copy_to outcome");
            std::fs::read(to).unwrap()
        })
        .map_err(|e| {
            assert!(!to.exists(), "{name}: a refused review copy left a file");
            e.error
        });
    assert_same_result(&format!("{name} / review copy_to"), expected, &copied);

    let copy = from.with_extension("review");
    std::fs::write(&copy, data).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&copy)
        .unwrap();
    let review = policy
        .review_opened(file, &copy)
        .unwrap_or_else(|e| panic!("{name}: review_opened failed with {e}"));
    let in_place = review.write_in_place().map_err(|e| e.error);
    drop(review);
    let after = std::fs::read(&copy).unwrap();
    check_in_place(
        &format!("{name} / review in place"),
        expected,
        outcome,
        in_place,
        &after,
        data,
    );
    let _ = std::fs::remove_file(&copy);
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

/// A fresh path for a scratch file of this process (the caller removes it after use).
pub(super) fn scratch_file(suffix: &str) -> PathBuf {
    let id = NEXT_FILE.fetch_add(1, Ordering::Relaxed);
    scratch_dir().join(format!("{id}.{suffix}"))
}

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
}
