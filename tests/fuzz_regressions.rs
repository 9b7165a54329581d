//! Replays, under `cargo test`, what the fuzz targets run: every input kept under
//! tests/fuzz_regressions/<target>/ through that target's function of
//! `dicom_sanitize::fuzzing`, and every real test file and a set of generated hostile inputs
//! through all of them. CI has no nightly toolchain for cargo-fuzz: this replay is what it
//! runs. See fuzz/README.md.

mod common;
use common::tiny_with_length;

use std::path::{Path, PathBuf};

use dicom_sanitize::fuzzing::{
    self, FallbackSpec, LimitsSpec, PolicyCase, PolicySpec, PreambleSpec, SeveritySpec,
    TrailingSpec,
};
use dicom_sanitize::{validate, Action, Policy};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files of a directory, sorted, without its README.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap() != "README.md")
        .collect();
    files.sort();
    files
}

fn real_files() -> Vec<(String, Vec<u8>)> {
    files(&root().join("tests/data/pydicom"))
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "LICENSE")
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect()
}

fn real(name: &str) -> Vec<u8> {
    read(&root().join("tests/data/pydicom").join(name))
}

/// The function each fuzz target calls.
fn target(name: &str) -> fn(&[u8]) {
    match name {
        "inspect" => fuzzing::inspect,
        "walk" => fuzzing::walk,
        "validate" => fuzzing::validate,
        "deep" => fuzzing::deep,
        "sanitize" => fuzzing::sanitize,
        "sinks" => fuzzing::sinks,
        "oracle" => fuzzing::oracle,
        "policy" => fuzzing::policy_bytes,
        other => panic!("tests/fuzz_regressions/{other}: no such fuzz target"),
    }
}

/// Kept inputs whose bug is still open (its fix belongs to a file another change owns; see
/// tests/fuzz_regressions/README.md). Each must still fail its target: once it passes, this
/// test fails until the input is moved out of this list, so a fix is never left unrecorded.
const OPEN: &[(&str, &str)] = &[];

#[test]
fn every_kept_crash_replays_through_its_target() {
    let dir = root().join("tests/fuzz_regressions");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut replayed = 0;
    for target_dir in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
        if !target_dir.is_dir() {
            continue;
        }
        let name = target_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let run = target(&name);
        for file in files(&target_dir) {
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                readme.contains(&file_name),
                "{name}/{file_name} is not described in tests/fuzz_regressions/README.md"
            );
            let data = read(&file);
            if OPEN.contains(&(name.as_str(), file_name.as_str())) {
                let still_open = std::panic::catch_unwind(|| run(&data)).is_err();
                assert!(
                    still_open,
                    "{name}/{file_name} passes now: remove it from OPEN and record the fix"
                );
                continue;
            }
            run(&data);
            // Every kept input also holds every other invariant.
            if name != "policy" {
                fuzzing::all(&data);
            }
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} kept inputs");
}

#[test]
fn every_real_file_holds_every_invariant() {
    for (name, data) in real_files() {
        eprintln!("{name}");
        fuzzing::all(&data);
    }
}

/// `data` with its preamble replaced by `preamble` (zero-padded to 128 bytes).
fn with_preamble(data: &[u8], preamble: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out[..128].fill(0);
    out[..preamble.len()].copy_from_slice(preamble);
    out
}

fn pixel_data_offset(data: &[u8]) -> usize {
    data.windows(6)
        .rposition(|w| w == b"\xe0\x7f\x10\x00OW" || w == b"\xe0\x7f\x10\x00OB")
        .unwrap()
}

/// Hostile inputs of every kind the fuzzers start from (fuzz/seed.py builds the same).
fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let ct = real("CT_small.dcm");
    let mr = real("MR_small.dcm");
    let mut pe = [0u8; 128];
    pe[..2].copy_from_slice(b"MZ");
    pe[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0";
    let at = pixel_data_offset(&ct);
    let open: &[u8] = b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff";
    let close: &[u8] = b"\xfe\xff\x0d\xe0\0\0\0\0\xfe\xff\xdd\xe0\0\0\0\0";
    let splice = |data: &[u8], at: usize, insert: &[u8]| {
        let mut out = data[..at].to_vec();
        out.extend_from_slice(insert);
        out.extend_from_slice(&data[at..]);
        out
    };
    let mut meta_max = mr.clone();
    meta_max[140..144].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut tiff = with_preamble(&mr, b"II*\0");
    let ifd = (mr.len() - 64) as u32;
    tiff[4..8].copy_from_slice(&ifd.to_le_bytes());
    // A loadable ELF header 1,000 bytes into Pixel Data: a finding of deep mode only.
    let mut loadable = [0u8; 136];
    for (offset, bytes) in [
        (0, &b"\x7fELF\x02\x01\x01"[..]),
        (16, &[2, 0, 0x3E, 0]),
        (32, &[64]),
        (54, &[56, 0, 1, 0]),
        (64, &[1]),
        (96, &[16]),
    ] {
        loadable[offset..offset + bytes.len()].copy_from_slice(bytes);
    }
    let mut elf_in_pixels = ct.clone();
    elf_in_pixels[at + 12 + 1000..][..loadable.len()].copy_from_slice(&loadable);
    vec![
        ("pe", with_preamble(&mr, &pe)),
        ("elf in pixel data", elf_in_pixels),
        ("elf", with_preamble(&mr, elf)),
        ("script", with_preamble(&mr, b"#!/bin/sh\necho hi\n")),
        ("script without shebang", with_preamble(&mr, b"echo hi\n")),
        ("pdf", with_preamble(&mr, b"%PDF-1.7\n")),
        (
            "html",
            with_preamble(&mr, b"<html><script>alert(1)</script>"),
        ),
        ("zip", with_preamble(&mr, b"PK\x03\x04\x14\0\0\0")),
        ("text", with_preamble(&mr, b"hello, world")),
        ("tiff", tiff),
        ("tiff masquerade", with_preamble(&mr, b"II*\0\x08\0\0\0MZ")),
        (
            "bigtiff",
            with_preamble(&ct, b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0"),
        ),
        ("meta group length 2^32-1", meta_max),
        ("OB 0xFFFFFFF0", tiny_with_length(b"OB", 0xFFFF_FFF0)),
        ("SQ 0xFFFFFFF0", tiny_with_length(b"SQ", 0xFFFF_FFF0)),
        ("UT undefined", tiny_with_length(b"UT", 0xFFFF_FFFF)),
        ("UN undefined", tiny_with_length(b"UN", 0xFFFF_FFFF)),
        ("40 nested sequences", {
            let mut nested = open.repeat(40);
            nested.extend(close.repeat(40));
            splice(&ct, at, &nested)
        }),
        ("200 unclosed sequences", splice(&ct, at, &open.repeat(200))),
        ("appended zip", {
            let mut data = ct.clone();
            data.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
            data
        }),
        ("trailing bytes", {
            let mut data = mr.clone();
            data.extend_from_slice(b"trailing bytes after the data set");
            data
        }),
        ("stripped", mr[132..].to_vec()),
        ("header only", mr[..132].to_vec()),
        ("truncated", ct[..300].to_vec()),
        ("empty", Vec::new()),
        ("not dicom", b"hello".repeat(100)),
    ]
}

#[test]
fn a_payload_in_pixel_data_is_found_in_deep_mode_only() {
    let (_, data) = hostile_inputs()
        .into_iter()
        .find(|(name, _)| *name == "elf in pixel data")
        .unwrap();
    assert!(!validate(&data).is_threat());
    let deep = dicom_sanitize::Validator::default()
        .deep_scan(true)
        .validate(&data);
    assert!(deep.is_threat(), "{deep:#?}");
}

#[test]
fn hostile_inputs_hold_every_invariant() {
    for (name, data) in hostile_inputs() {
        eprintln!("{name}");
        fuzzing::all(&data);
    }
}

/// Every preamble action and fallback, trailing action, rejection threshold and a few small
/// limits, over a few inputs, through the policy target's function.
#[test]
fn arbitrary_policies_hold_every_invariant() {
    let inputs = [
        real("CT_small.dcm"),
        with_preamble(&real("MR_small.dcm"), b"MZ"),
        {
            let mut data = real("rtplan.dcm");
            data.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
            data
        },
    ];
    let preambles = [
        None,
        Some(PreambleSpec::Zero),
        Some(PreambleSpec::Strip),
        Some(PreambleSpec::Reject),
        Some(PreambleSpec::AllowTiff(FallbackSpec::Zero)),
        Some(PreambleSpec::AllowTiff(FallbackSpec::Strip)),
        Some(PreambleSpec::AllowTiff(FallbackSpec::Reject)),
    ];
    let small = LimitsSpec {
        max_meta_length: 64,
        max_probe_bytes: 16,
        max_tiff_ifds: 1,
        max_tiff_entries: 2,
        max_tiff_values: 2,
        max_executable_headers: 1,
        max_depth: 1,
        max_inflated_len: 100,
        max_scan_len: 8,
    };
    let (mut built, mut refused) = (0, 0);
    for preamble in preambles {
        for trailing in [
            TrailingSpec::Keep,
            TrailingSpec::Truncate,
            TrailingSpec::Reject,
        ] {
            for reject_at in [None, Some(SeveritySpec::High), Some(SeveritySpec::Info)] {
                for (allow_dangling_tiff, keep_unchecked_preamble) in
                    [(false, false), (true, false), (false, true)]
                {
                    for limits in [None, Some(small)] {
                        let spec = PolicySpec {
                            preamble,
                            allow_dangling_tiff,
                            trailing,
                            reject_at,
                            keep_unchecked_preamble,
                            limits,
                        };
                        if spec.is_contradictory() {
                            refused += 1;
                        } else {
                            built += 1;
                        }
                        for data in &inputs {
                            fuzzing::policy(&PolicyCase {
                                spec,
                                chunks: [1, 3, 200],
                                data: data.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    assert!(
        built > 100 && refused > 20,
        "{built} built, {refused} refused"
    );
}

// The invariant functions really fail when an invariant breaks.

#[test]
#[should_panic(expected = "zero keeps the rest")]
fn a_zeroed_output_that_changes_a_later_byte_fails() {
    let data = with_preamble(&real("MR_small.dcm"), b"MZ");
    let policy = Policy::default();
    let sanitized = policy.sanitize(&data).unwrap();
    assert_eq!(sanitized.outcome().action, Action::Zero);
    let mut output = sanitized.to_vec();
    output[1000] ^= 1;
    fuzzing::check_output(
        &policy,
        &data,
        &validate(&data),
        sanitized.outcome(),
        &output,
    );
}

#[test]
#[should_panic(expected = "output preamble")]
fn an_output_that_keeps_an_executable_preamble_fails() {
    let data = with_preamble(&real("MR_small.dcm"), b"MZ");
    let policy = Policy::default();
    // The input itself, passed off as the output of a plan that keeps everything: the
    // outcome of the same input with an all-zero preamble.
    let zeroed = with_preamble(&data, b"");
    let outcome = *policy.sanitize(&zeroed).unwrap().outcome();
    assert_eq!(outcome.action, Action::None);
    fuzzing::check_output(&policy, &data, &validate(&data), &outcome, &data);
}

#[test]
#[should_panic(expected = "stream by 1")]
fn differing_sink_outputs_fail() {
    let expected = Ok(vec![1, 2, 3]);
    fuzzing::assert_same_result("default / stream by 1", &expected, &Ok(vec![1, 2, 4]));
}

#[test]
fn dicom_object_is_only_handed_sound_inputs() {
    // dicom-object 0.10.1 allocates by these lengths or panics on them: the oracle must skip
    // them, and it does so on our own validation's word.
    for (name, data) in [
        ("OB 0xFFFFFFF0", tiny_with_length(b"OB", 0xFFFF_FFF0)),
        ("UT undefined", tiny_with_length(b"UT", 0xFFFF_FFFF)),
    ] {
        assert!(!fuzzing::structurally_sound(&validate(&data)), "{name}");
    }
    let mut deep = real("CT_small.dcm");
    let at = pixel_data_offset(&deep);
    let open: &[u8] = b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff";
    let close: &[u8] = b"\xfe\xff\x0d\xe0\0\0\0\0\xfe\xff\xdd\xe0\0\0\0\0";
    let mut nested = open.repeat(20);
    nested.extend(close.repeat(20));
    deep.splice(at..at, nested);
    let report = validate(&deep);
    assert_eq!(report.max_depth, 20);
    assert!(!fuzzing::structurally_sound(&report), "20 nested sequences");
    // Bytes after the last element, which dicom-object reads as a 1.9 GB element.
    let trailing =
        read(&root().join("tests/fuzz_regressions/oracle/trailing-bytes-read-as-huge-element"));
    assert!(!fuzzing::structurally_sound(&validate(&trailing)));
    assert!(fuzzing::structurally_sound(&validate(&real("rtplan.dcm"))));
    assert!(fuzzing::dicom_object(&real("rtplan.dcm")).is_some());
}
