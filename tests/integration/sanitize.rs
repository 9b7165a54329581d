//! Rewriting: one plan, many sinks, and the invariants every sanitized file keeps.

use std::io::{self, Read};
use std::path::Path;
use std::process::Command;

use bytes::{Buf, Bytes};
use dicom_sanitize::{
    classify, validate, Action, Error, Fallback, Layout, Policy, PreambleAction, PreambleKind,
    Prefix, Rejection, Severity, StreamStart, TrailingAction,
};

use crate::fixtures::{self, real, real_files};

/// Every input the sink and invariant tests run on: the real files and the preamble fixtures.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = real_files();
    inputs.extend(
        fixtures::preamble_fixtures()
            .into_iter()
            .map(|f| (format!("fixture {}", f.name), f.data)),
    );
    inputs.push(("appended zip".to_owned(), {
        let mut data = real("CT_small.dcm");
        data.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
        data
    }));
    inputs
}

fn policies() -> Vec<(&'static str, Policy)> {
    vec![
        ("default", Policy::default()),
        ("zero", Policy::zero()),
        ("strip", Policy::strip()),
        (
            "tiff-or-strip",
            Policy::builder()
                .preamble(PreambleAction::AllowTiff {
                    otherwise: Fallback::Strip,
                })
                .build()
                .unwrap(),
        ),
        (
            "lenient-tiff",
            Policy::builder().allow_dangling_tiff(true).build().unwrap(),
        ),
        (
            "truncate",
            Policy::builder()
                .trailing_data(TrailingAction::Truncate)
                .build()
                .unwrap(),
        ),
    ]
}

/// A reader that hands out at most `chunk` bytes per call.
struct Trickle<R> {
    inner: R,
    chunk: usize,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk);
        self.inner.read(&mut buf[..n])
    }
}

/// `Policy::decide_stream` fed `chunk` bytes more at a time until it decides.
fn pushed(policy: &Policy, data: &[u8], chunk: usize) -> Result<StreamStart, Error> {
    let mut len = 0;
    loop {
        len = (len + chunk).min(data.len());
        match policy.decide_stream(&data[..len], len == data.len())? {
            Prefix::Complete(start) => return Ok(start),
            Prefix::Partial => assert!(len < data.len(), "the whole stream decides"),
        }
    }
}

#[test]
fn every_sink_yields_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (policy_name, policy) in policies() {
        for (name, data) in inputs() {
            let what = format!("{policy_name} / {name}");
            let sanitized = match policy.sanitize(&data) {
                Ok(sanitized) => sanitized,
                Err(err) => {
                    // Every sink refuses what the slice sink refuses.
                    assert_eq!(
                        policy
                            .sanitize_bytes(&Bytes::from(data.clone()))
                            .unwrap_err(),
                        err,
                        "{what}"
                    );
                    if policy.trailing_action() == TrailingAction::Keep {
                        assert_eq!(pushed(&policy, &data, 7).unwrap_err(), err, "{what}");
                    }
                    let path = dir.path().join("refused");
                    std::fs::write(&path, &data).unwrap();
                    assert_eq!(
                        policy.sanitize_file(&path).unwrap_err().error,
                        err,
                        "{what}"
                    );
                    assert_eq!(
                        std::fs::read(&path).unwrap(),
                        data,
                        "{what}: refused files are untouched"
                    );
                    continue;
                }
            };
            let expected = sanitized.to_vec();
            assert_eq!(expected.len() as u64, sanitized.len(), "{what}");
            assert_eq!(sanitized.outcome().output_len(), sanitized.len(), "{what}");

            let mut written = Vec::new();
            assert_eq!(
                sanitized.write_to(&mut written).unwrap(),
                expected.len() as u64
            );
            assert_eq!(written, expected, "{what}: write_to");

            assert_eq!(sanitized.slices().concat(), expected, "{what}: slices");
            let mut vectored = Vec::new();
            let n = io::Write::write_vectored(&mut vectored, &sanitized.io_slices()).unwrap();
            assert_eq!(n, expected.len(), "{what}: a Vec takes all slices at once");
            assert_eq!(vectored, expected, "{what}: io_slices");

            let input = Bytes::from(data.clone());
            let bytes = policy.sanitize_bytes(&input).unwrap();
            assert_eq!(bytes.outcome(), sanitized.outcome(), "{what}");
            let (_, body) = bytes.clone().into_parts();
            if !body.is_empty() {
                // The body is a view of the input's own buffer.
                let offset = body.as_ptr() as usize - input.as_ptr() as usize;
                assert!(
                    offset + body.len() <= input.len(),
                    "{what}: body is not a slice of the input"
                );
            }
            let mut buf = bytes.into_buf();
            assert_eq!(
                buf.copy_to_bytes(buf.remaining()),
                expected,
                "{what}: bytes"
            );

            if policy.trailing_action() == TrailingAction::Keep {
                for chunk in [1, 7, 4096] {
                    let mut reader = policy
                        .sanitize_reader(Trickle {
                            inner: data.as_slice(),
                            chunk,
                        })
                        .unwrap();
                    let mut streamed = Vec::new();
                    reader.read_to_end(&mut streamed).unwrap();
                    assert_eq!(streamed, expected, "{what}: stream by {chunk}");
                    assert_eq!(reader.action(), Some(sanitized.outcome().action), "{what}");
                    let start = pushed(&policy, &data, chunk).unwrap();
                    let mut pushed = start.head().to_vec();
                    pushed.extend_from_slice(&data[start.resume_at() as usize..]);
                    assert_eq!(pushed, expected, "{what}: decide_stream by {chunk}");
                    assert_eq!(start.action(), sanitized.outcome().action, "{what}");
                    assert_eq!(start.preamble(), reader.preamble(), "{what}");
                }
            }

            let path = dir.path().join("replaced");
            std::fs::write(&path, &data).unwrap();
            let outcome = policy.sanitize_file(&path).unwrap();
            assert_eq!(&outcome, sanitized.outcome(), "{what}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                expected,
                "{what}: atomic replacement"
            );

            let copy = dir.path().join("copy");
            policy
                .sanitize_file_to(dir.path().join("replaced"), &copy)
                .unwrap();
            assert_eq!(
                std::fs::read(&copy).unwrap(),
                expected,
                "{what}: idempotent copy-out"
            );

            let in_place = dir.path().join("in-place");
            std::fs::write(&in_place, &data).unwrap();
            match policy.sanitize_file_in_place(&in_place) {
                Ok(outcome) => {
                    assert_eq!(&outcome, sanitized.outcome(), "{what}");
                    assert_eq!(
                        std::fs::read(&in_place).unwrap(),
                        expected,
                        "{what}: file in place"
                    );
                }
                Err(err) => {
                    assert!(
                        matches!(err.error, Error::NotInPlace { .. }),
                        "{what}: {err}"
                    );
                    assert_eq!(
                        std::fs::read(&in_place).unwrap(),
                        data,
                        "{what}: refused in place must not write"
                    );
                }
            }

            let mut file = io::Cursor::new(data.clone());
            match policy.sanitize_in_place(&mut file) {
                Ok(outcome) => {
                    assert_eq!(&outcome, sanitized.outcome(), "{what}");
                    assert_eq!(file.into_inner(), expected, "{what}: in place");
                }
                Err(Error::NotInPlace { .. }) => {
                    assert!(
                        expected.len() < data.len(),
                        "{what}: in place refused a same-length rewrite"
                    );
                    assert_eq!(
                        file.into_inner(),
                        data,
                        "{what}: refused in place must not write"
                    );
                }
                Err(err) => panic!("{what}: {err}"),
            }
        }
    }
}

#[test]
fn sanitizing_keeps_every_byte_after_the_preamble_and_is_idempotent() {
    for (policy_name, policy) in policies() {
        for (name, data) in inputs() {
            let what = format!("{policy_name} / {name}");
            let Ok(sanitized) = policy.sanitize(&data) else {
                continue;
            };
            let output = sanitized.to_vec();
            let outcome = sanitized.outcome();
            let end = match (policy.trailing_action(), sanitized.report()) {
                (TrailingAction::Truncate, Some(report)) => {
                    report.trailing_offset().unwrap_or(report.file_len) as usize
                }
                (TrailingAction::Truncate, None) => panic!("{what}: truncating needs a report"),
                _ => data.len(),
            };
            match outcome.action {
                Action::Strip => assert_eq!(output, data[132..end], "{what}"),
                Action::Zero => {
                    assert_eq!(&output[..128], &[0; 128], "{what}");
                    assert_eq!(output[128..], data[128..end], "{what}");
                }
                Action::None | Action::KeepTiff => assert_eq!(output, data[..end], "{what}"),
                other => panic!("{what}: {other:?}"),
            }
            // sanitize(sanitize(x)) == sanitize(x)
            let again = policy.sanitize(&output).unwrap();
            assert!(again.is_unchanged(), "{what}: {:?}", again.outcome());
            assert_eq!(again.to_vec(), output, "{what}");
            // The output re-inspects as the policy allows.
            let verdict = classify(&output);
            match verdict.preamble().map(|p| p.kind()) {
                None => assert_ne!(verdict.layout(), Layout::Part10, "{what}"),
                Some(PreambleKind::Zero) => {}
                Some(kind @ PreambleKind::Tiff { .. }) => {
                    assert!(
                        kind.is_functional_tiff() || policy.allows_dangling_tiff(),
                        "{what}"
                    )
                }
                Some(kind) => panic!("{what}: output preamble {kind:?}"),
            }
            assert!(
                !validate(&output).findings.iter().any(|f| f
                    .code
                    .as_str()
                    .starts_with("preamble.")
                    && f.severity >= Severity::Medium),
                "{what}"
            );
        }
    }
}

/// What dicom-object reads from `data`: a Part 10 file, or a meta group without preamble (as
/// `Policy::strip` writes). dicom-object 0.10.1 requires the `DICM` magic before the meta group
/// even with `ReadPreamble::Never`, so a stripped file is read with the magic chained in front.
fn dicom_object(data: &[u8]) -> Option<dicom_object::DefaultDicomObject> {
    use dicom_object::file::ReadPreamble;
    let options = dicom_object::OpenFileOptions::new();
    match classify(data).layout() {
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

#[test]
fn dicom_object_reads_the_same_data_set_from_input_and_output() {
    let mut compared = 0;
    for (policy_name, policy) in policies() {
        for (name, data) in inputs() {
            if name == "UN_sequence.dcm" {
                continue; // dicom-rs 0.10.1 takes minutes over this file in debug builds
            }
            let Some(before) = dicom_object(&data) else {
                continue;
            };
            let output = policy.sanitize(&data).unwrap().to_vec();
            let after = dicom_object(&output)
                .unwrap_or_else(|| panic!("{policy_name} / {name}: output unreadable"));
            // dicom-core's undefined `Length` is unequal to itself, so objects with sequences
            // never compare equal: compare what dicom-object writes back instead.
            let (mut a, mut b) = (Vec::new(), Vec::new());
            before.write_all(&mut a).unwrap();
            after.write_all(&mut b).unwrap();
            assert!(a == b, "{policy_name} / {name}: data sets differ");
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
}

#[test]
fn dcmtk_reads_every_sanitized_real_file() {
    if Command::new("dcmdump").arg("--version").output().is_err() {
        // .ci/run installs DCMTK and requires this test to run.
        assert!(
            std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
            "dcmdump (DCMTK) is not installed: apt-get install -y dcmtk"
        );
        eprintln!("skipped: dcmdump (DCMTK) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (name, data) in real_files() {
        let original = dir.path().join("original.dcm");
        std::fs::write(&original, &data).unwrap();
        // dcmdump reads Part 10 files and, by default, meta groups without preamble too.
        let readable = |path: &Path| {
            Command::new("dcmdump")
                .arg(path)
                .output()
                .unwrap()
                .status
                .success()
        };
        if !readable(&original) {
            continue; // DCMTK does not read the original either (truncated, not DICOM)
        }
        for (policy_name, policy) in policies() {
            let output = dir.path().join("sanitized.dcm");
            policy.sanitize_file_to(&original, &output).unwrap();
            assert!(
                readable(&output),
                "dcmdump cannot read {name} sanitized by {policy_name}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} files checked");
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn a_sanitized_elf_polyglot_no_longer_runs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polyglot.dcm");
    std::fs::write(&path, fixtures::elf_polyglot().0).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let status = Command::new(&path).status().expect("the polyglot runs");
    assert_eq!(
        status.code(),
        Some(42),
        "the fixture is a working executable"
    );
    // ... and a valid DICOM file.
    assert!(dicom_object(&std::fs::read(&path).unwrap()).is_some());

    let outcome = Policy::default().sanitize_file(&path).unwrap();
    assert_eq!(outcome.action, Action::Zero);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = Command::new(&path)
        .status()
        .expect_err("the sanitized file must not run");
    assert_eq!(err.raw_os_error(), Some(8), "ENOEXEC: {err}");
    assert!(dicom_object(&std::fs::read(&path).unwrap()).is_some());
}

#[test]
fn policy_knobs() {
    let mut appended = real("CT_small.dcm");
    let data_end = appended.len() as u64;
    appended.extend_from_slice(b"PK\x03\x04 payload");

    let truncate = Policy::builder()
        .trailing_data(TrailingAction::Truncate)
        .build()
        .unwrap();
    let sanitized = truncate.sanitize(&appended).unwrap();
    assert_eq!(sanitized.len(), data_end);
    assert_eq!(sanitized.outcome().bytes_removed, 12);
    assert_eq!(
        Policy::default().sanitize(&appended).unwrap().len(),
        appended.len() as u64
    );

    let reject_trailing = Policy::builder()
        .trailing_data(TrailingAction::Reject)
        .build()
        .unwrap();
    assert_eq!(
        reject_trailing.sanitize(&appended).unwrap_err(),
        Error::Rejected {
            offset: data_end,
            reason: Rejection::TrailingData { offset: data_end }
        }
    );
    assert!(reject_trailing.sanitize(&real("CT_small.dcm")).is_ok());

    // A rejection threshold counts only what sanitizing leaves: a PE preamble is zeroed (and its
    // payload made inert), an executable in an element value stays.
    let strict = Policy::builder()
        .reject_findings_at(Severity::High)
        .build()
        .unwrap();
    let pe = fixtures::pe_polyglot().0;
    assert_eq!(strict.sanitize(&pe).unwrap().outcome().action, Action::Zero);
    let in_value = fixtures::ct_with_private_value(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    assert!(matches!(
        strict.sanitize(&in_value),
        Err(Error::Rejected {
            reason: Rejection::Finding {
                severity: Severity::High,
                ..
            },
            ..
        })
    ));
    assert!(
        strict.sanitize(&appended).is_err(),
        "trailing data is high and kept"
    );
    let strict_truncating = Policy::builder()
        .reject_findings_at(Severity::High)
        .trailing_data(TrailingAction::Truncate)
        .build()
        .unwrap();
    assert!(
        strict_truncating.sanitize(&appended).is_ok(),
        "truncated trailing data is resolved"
    );

    // Rejecting preambles.
    let reject = Policy::builder()
        .preamble(PreambleAction::Reject)
        .build()
        .unwrap();
    assert!(matches!(
        reject.sanitize(&pe),
        Err(Error::Rejected {
            reason: Rejection::Preamble(PreambleKind::Pe(_)),
            ..
        })
    ));
    assert!(reject.sanitize(&real("rtplan.dcm")).unwrap().is_unchanged());

    // Not DICOM is refused by every sink.
    assert_eq!(
        Policy::default().sanitize(b"hello world").unwrap_err(),
        Error::NotDicom
    );
    let mut reader = Policy::default()
        .sanitize_reader(&b"hello world"[..])
        .unwrap();
    let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        err.into_inner()
            .unwrap()
            .downcast::<Error>()
            .unwrap()
            .as_ref(),
        &Error::NotDicom
    );

    // Streaming cannot honour settings that need the whole input.
    assert!(matches!(
        truncate.sanitize_reader(io::empty()),
        Err(Error::NotStreamable { .. })
    ));
    assert!(matches!(
        strict.sanitize_reader(io::empty()),
        Err(Error::NotStreamable { .. })
    ));
}

#[test]
fn the_stream_decides_on_its_lookahead_only() {
    // A functional TIFF whose IFD lies beyond a short look-ahead is not verified: zeroed.
    let tiff = fixtures::functional_tiff();
    let mut reader = Policy::default()
        .sanitize_reader(tiff.as_slice())
        .unwrap()
        .with_lookahead(4096);
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(reader.action(), Some(Action::Zero));
    assert_eq!(&out[128..], &tiff[128..]);
    // With the default look-ahead the whole file is seen: kept, as by the slice sink.
    let mut reader = Policy::default().sanitize_reader(tiff.as_slice()).unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(reader.action(), Some(Action::KeepTiff));
    assert_eq!(out, tiff);
}

/// Checking or sanitizing a file the caller owns leaves its access time alone (`O_NOATIME`):
/// with `relatime`, the default mount option, a read would set it when it is older than the
/// modification time, as it is made to be here.
#[cfg(target_os = "linux")]
#[test]
fn reading_a_file_leaves_its_access_time_alone() {
    use std::fs::{File, FileTimes};
    use std::time::{Duration, SystemTime};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clean.dcm");
    std::fs::write(&path, real("CT_small.dcm")).unwrap();
    let modified = SystemTime::now() - Duration::from_secs(3600);
    let accessed = modified - Duration::from_secs(86_400);
    let set = || {
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(
                FileTimes::new()
                    .set_accessed(accessed)
                    .set_modified(modified),
            )
            .unwrap();
    };
    let accessed_now = || std::fs::metadata(&path).unwrap().accessed().unwrap();
    // The preamble (a vestigial TIFF header) is left alone by a policy that allows it.
    let keep = Policy::builder().allow_dangling_tiff(true).build().unwrap();
    for (name, run) in [
        (
            "check_file",
            Box::new(|| keep.check_file(&path).map(drop)) as Box<dyn Fn() -> _>,
        ),
        (
            "sanitize_file_in_place",
            Box::new(|| keep.sanitize_file_in_place(&path).map(drop)),
        ),
    ] {
        set();
        run().unwrap();
        assert_eq!(accessed_now(), accessed, "{name} changed the access time");
    }
}
