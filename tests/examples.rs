//! The examples run on the samples the repository ships (examples/data) and do what their
//! documentation says: verdicts, exit codes, and the bytes they write.
//!
//! The example binaries are built once, by `cargo build --examples` with this test's features
//! (after `cargo test` they are up to date, so this takes a fraction of a second), and then run
//! directly.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sample(name: &str) -> PathBuf {
    repo().join("examples/data").join(name)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const SAMPLES: [&str; 4] = [
    "pe_polyglot.dcm",
    "script_polyglot.dcm",
    "dual_personality.dcm",
    "clean.dcm",
];

/// The example binaries by name, built once for all tests.
fn examples() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--examples",
                "--message-format=json",
                "--manifest-path",
            ])
            .arg(repo().join("Cargo.toml"));
        // The same features as this test, so that nothing is rebuilt.
        let known = [
            ("deflate", cfg!(feature = "deflate")),
            ("serde", cfg!(feature = "serde")),
            ("cli", cfg!(feature = "cli")),
            ("dicom-object", cfg!(feature = "dicom-object")),
        ];
        if known.iter().all(|(_, on)| *on) {
            cargo.arg("--all-features");
        } else {
            let on: Vec<&str> = known.iter().filter(|f| f.1).map(|f| f.0).collect();
            cargo.args(["--no-default-features", "--features", &on.join(",")]);
        }
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        let output = cargo.stderr(Stdio::piped()).output().expect("run cargo");
        assert!(
            output.status.success(),
            "cargo build --examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut built = HashMap::new();
        for line in output
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            let message: serde_json::Value = serde_json::from_slice(line).unwrap();
            let target = &message["target"];
            let is_example = target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "example"));
            if let (true, Some(name), Some(exe)) = (
                is_example,
                target["name"].as_str(),
                message["executable"].as_str(),
            ) {
                built.insert(name.to_owned(), PathBuf::from(exe));
            }
        }
        built
    })
}

/// Runs an example with `args` (and `stdin`), from a directory that is not the repository's, to
/// show the defaults do not depend on the working directory.
fn run(name: &str, args: &[&Path], stdin: &[u8]) -> Output {
    let exe = examples()
        .get(name)
        .unwrap_or_else(|| panic!("example {name} not built"));
    let mut child = Command::new(exe)
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `output`'s exit code, with its output shown when it is not `expected`.
fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// `sanitized` is `original` with its preamble zeroed and every other byte kept.
fn assert_zeroed(original: &[u8], sanitized: &[u8]) {
    assert_ne!(&original[..128], &[0; 128]);
    assert_eq!(sanitized.len(), original.len());
    assert_eq!(&sanitized[..128], &[0; 128]);
    assert!(sanitized[128..] == original[128..]);
}

#[test]
fn the_samples_are_what_examples_data_readme_says() {
    let expected = [
        ("pe_polyglot.dcm", "pe", "critical"),
        ("script_polyglot.dcm", "script", "high"),
        ("dual_personality.dcm", "tiff", "info"),
        ("clean.dcm", "zero", "none"),
    ];
    let mut total = 0;
    for (name, kind, severity) in expected {
        let data = read(&sample(name));
        total += data.len();
        let report = dicom_sanitize::validate(&data);
        assert_eq!(report.preamble.unwrap().name(), kind, "{name}");
        let worst = report.max_severity().map_or("none", |s| s.as_str());
        assert_eq!(worst, severity, "{name}");
    }
    let pe = dicom_sanitize::validate(&read(&sample("pe_polyglot.dcm")));
    assert!(pe.preamble.unwrap().executable().unwrap().confirmed);
    assert!(total < 200_000, "samples total {total} bytes");
}

#[test]
fn inspect_shows_the_pe_polyglot_and_flags_it() {
    let output = run("inspect", &[], b"");
    assert_code(&output, 1);
    let stdout = text(&output.stdout);
    for line in [
        "preamble:  pe (Windows PE executable header (confirmed))",
        r#""MZ\x90<57 zero bytes>"#,
        "syntax:    1.2.840.10008.1.2.1 (Explicit VR Little Endian)",
        "verdict:   flagged (threat), default policy action: zero",
        "finding:   preamble.pe [critical] at offset 0",
        "finding:   preamble.payload-in-element [critical] at offset 6316 (0099,1000)",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }
}

#[test]
fn inspect_exit_codes() {
    let clean = run("inspect", &[&sample("clean.dcm")], b"");
    assert_code(&clean, 0);
    assert!(text(&clean.stdout).contains("preamble:  zero (all-zero preamble)"));

    let tiff = run("inspect", &[&sample("dual_personality.dcm")], b"");
    assert_code(&tiff, 0);
    assert!(text(&tiff.stdout).contains("verdict:   clean, default policy action: keep-tiff"));

    let missing = repo().join("examples/data/missing.dcm");
    let output = run("inspect", &[&sample("clean.dcm"), &missing], b"");
    assert_code(&output, 2);
    assert!(text(&output.stderr).contains(&*missing.to_string_lossy()));
}

#[test]
fn sanitize_stream_zeroes_a_polyglot_file_to_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stored.dcm");
    let input = sample("pe_polyglot.dcm");
    let output = run("sanitize_stream", &[&input, &out], b"");
    assert_code(&output, 1);
    assert!(text(&output.stderr).contains("preamble pe (Windows PE executable header"));
    assert!(text(&output.stderr).contains(": zero, 39270 bytes stored in"));
    assert_zeroed(&read(&input), &read(&out));
    let clean = dicom_sanitize::validate(&read(&out));
    assert_eq!(clean.preamble.unwrap().name(), "zero");
}

#[test]
fn sanitize_stream_from_stdin_to_stdout() {
    let input = read(&sample("script_polyglot.dcm"));
    let dash = Path::new("-");
    let output = run("sanitize_stream", &[dash, dash], &input);
    assert_code(&output, 1);
    assert!(text(&output.stderr).contains("preamble script"));
    assert_zeroed(&input, &output.stdout);
}

#[test]
fn sanitize_stream_keeps_a_working_tiff_header() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stored.dcm");
    let input = sample("dual_personality.dcm");
    let output = run("sanitize_stream", &[&input, &out], b"");
    assert_code(&output, 0);
    assert!(text(&output.stderr).contains(": keep-tiff,"));
    assert_eq!(read(&out), read(&input));
}

#[test]
fn sanitize_stream_refusals_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stored.dcm");
    let reject = Path::new("--reject");
    let output = run(
        "sanitize_stream",
        &[reject, &sample("pe_polyglot.dcm"), &out],
        b"",
    );
    assert_code(&output, 1);
    assert!(
        text(&output.stderr).contains("refused: rejected by policy at offset 0"),
        "{}",
        text(&output.stderr)
    );
    let not_dicom = run("sanitize_stream", &[&sample("make.py"), &out], b"");
    assert_code(&not_dicom, 1);
    assert!(text(&not_dicom.stderr).contains("refused: not a DICOM file"));
    // Neither the destination nor a temporary file was left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // The strict policy still takes clean uploads.
    let clean = run(
        "sanitize_stream",
        &[reject, &sample("clean.dcm"), &out],
        b"",
    );
    assert_code(&clean, 0);
    assert_eq!(read(&out), read(&sample("clean.dcm")));
}

#[test]
fn sanitize_stream_without_arguments_writes_into_the_temp_dir() {
    let output = run("sanitize_stream", &[], b"");
    assert_code(&output, 1);
    let stderr = text(&output.stderr);
    let stored = stderr
        .trim_end()
        .rsplit_once(" stored in ")
        .map(|(_, path)| PathBuf::from(path))
        .unwrap_or_else(|| panic!("no destination in {stderr}"));
    assert!(stored.starts_with(std::env::temp_dir()), "{stderr}");
    let sanitized = read(&stored);
    std::fs::remove_file(&stored).unwrap();
    assert_zeroed(&read(&sample("pe_polyglot.dcm")), &sanitized);
}

/// Every file under `dir` with its content.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.push((path.clone(), read(&path)));
        }
    }
    files.sort();
    files
}

#[test]
fn sanitize_folder_without_arguments_sanitizes_a_copy() {
    let before = snapshot(&repo().join("examples/data"));
    let output = run("sanitize_folder", &[], b"");
    assert_eq!(snapshot(&repo().join("examples/data")), before);
    assert_code(&output, 1);
    let stdout = text(&output.stdout);
    let copy = stdout
        .lines()
        .find_map(|line| line.strip_prefix("copied examples/data to "))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no copy in {stdout}"));
    assert!(copy.starts_with(std::env::temp_dir()), "{stdout}");
    let pe = read(&copy.join("pe_polyglot.dcm"));
    let script = read(&copy.join("script_polyglot.dcm"));
    let tiff = read(&copy.join("dual_personality.dcm"));
    std::fs::remove_dir_all(&copy).unwrap();
    assert_zeroed(&read(&sample("pe_polyglot.dcm")), &pe);
    assert_zeroed(&read(&sample("script_polyglot.dcm")), &script);
    assert_eq!(tiff, read(&sample("dual_personality.dcm")));
    for line in [
        "  pe_polyglot.dcm: rewritten (zero, preamble pe): 44 bytes changed, 0 removed",
        "  script_polyglot.dcm: rewritten (zero, preamble script)",
        "  dual_personality.dcm: unchanged (preamble tiff)",
        "  clean.dcm: unchanged (preamble zero)",
        "  make.py: skipped, not DICOM",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }
}

#[test]
fn sanitize_folder_with_a_folder_recurses_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("study/series");
    std::fs::create_dir_all(&nested).unwrap();
    for name in SAMPLES {
        std::fs::copy(sample(name), nested.join(name)).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not DICOM\n").unwrap();

    let first = run("sanitize_folder", &[dir.path()], b"");
    assert_code(&first, 1);
    assert_zeroed(
        &read(&sample("pe_polyglot.dcm")),
        &read(&nested.join("pe_polyglot.dcm")),
    );
    assert_zeroed(
        &read(&sample("script_polyglot.dcm")),
        &read(&nested.join("script_polyglot.dcm")),
    );
    assert_eq!(read(&nested.join("clean.dcm")), read(&sample("clean.dcm")));
    // No temporary file left in the folders.
    assert_eq!(snapshot(dir.path()).len(), SAMPLES.len() + 1);

    let second = run("sanitize_folder", &[dir.path()], b"");
    assert_code(&second, 0);
    let stdout = text(&second.stdout);
    assert_eq!(
        stdout.matches(": unchanged (preamble ").count(),
        4,
        "{stdout}"
    );
    assert!(stdout.contains("notes.txt: skipped, not DICOM"), "{stdout}");
}

#[test]
fn sanitize_folder_on_a_missing_folder_fails() {
    let missing = repo().join("examples/data/missing");
    let output = run("sanitize_folder", &[&missing], b"");
    assert_code(&output, 2);
    assert!(text(&output.stderr).contains(&*missing.to_string_lossy()));
}

#[cfg(feature = "serde")]
mod validate_json {
    use super::*;

    fn lines(output: &Output) -> Vec<serde_json::Value> {
        text(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn one_report_per_sample() {
        let output = run("validate_json", &[], b"");
        assert_code(&output, 1);
        let reports = lines(&output);
        let summary: Vec<(&str, &str, &str, bool)> = reports
            .iter()
            .map(|r| {
                assert_eq!(r["schema"], "dicom-sanitize/report/v1");
                (
                    r["status"].as_str().unwrap(),
                    r["preamble"]["kind"].as_str().unwrap(),
                    r["action"].as_str().unwrap(),
                    r["threat"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("flagged", "pe", "zero", true),
                ("flagged", "script", "zero", true),
                ("clean", "tiff", "keep-tiff", false),
                ("clean", "zero", "none", false),
            ]
        );
        assert_eq!(reports[0]["preamble"]["executable"]["confirmed"], true);
        assert_eq!(
            reports[0]["findings"][1]["code"],
            "preamble.payload-in-element"
        );
        assert_eq!(reports[0]["findings"][1]["tag"], "(0099,1000)");
    }

    #[test]
    fn unreadable_files_get_an_error_line() {
        let missing = repo().join("examples/data/missing.dcm");
        let output = run("validate_json", &[&sample("clean.dcm"), &missing], b"");
        assert_code(&output, 2);
        let reports = lines(&output);
        assert_eq!(reports[0]["status"], "clean");
        assert_eq!(reports[1]["status"], "error");
        assert_eq!(reports[1]["path"], missing.to_str().unwrap());
        assert!(reports[1]["error"]
            .as_str()
            .unwrap()
            .contains("No such file"));
    }

    /// The example prints exactly what `dicom-sanitize scan --json` prints.
    #[cfg(feature = "cli")]
    #[test]
    fn the_same_lines_as_the_command_line_tool() {
        let mut paths: Vec<PathBuf> = SAMPLES.iter().map(|name| sample(name)).collect();
        paths.push(repo().join("examples/data/missing.dcm"));
        let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let example = run("validate_json", &args, b"");
        let cli = Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
            .args(["scan", "--json"])
            .args(&paths)
            .output()
            .unwrap();
        assert_code(&example, 2);
        assert_eq!(example.status.code(), cli.status.code());
        assert_eq!(text(&example.stdout), text(&cli.stdout));
    }
}

#[cfg(feature = "dicom-object")]
mod open_untrusted {
    use super::*;

    #[test]
    fn opens_every_sample_with_a_hostile_preamble_zeroed() {
        let output = run("open_untrusted", &[], b"");
        assert_code(&output, 0);
        let stdout = text(&output.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), SAMPLES.len(), "{stdout}");
        for (line, (name, modality, preamble)) in lines.iter().zip([
            ("pe_polyglot.dcm", "CT", "preamble pe (zero)"),
            ("script_polyglot.dcm", "MR", "preamble script (zero)"),
            ("dual_personality.dcm", "CT", "preamble tiff (keep-tiff)"),
            ("clean.dcm", "RTPLAN", "preamble zero (none)"),
        ]) {
            assert!(line.contains(name) && line.contains(": opened: "), "{line}");
            assert!(line.contains(&format!("modality {modality:?}")), "{line}");
            assert!(line.contains(preamble), "{line}");
        }
    }

    #[test]
    fn refuses_a_huge_length_with_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let hostile = dir.path().join("hostile.dcm");
        let mut data = read(&sample("clean.dcm"));
        data.truncate(1000); // cut inside an element: its length runs past the end
        std::fs::write(&hostile, &data).unwrap();
        let output = run("open_untrusted", &[&sample("clean.dcm"), &hostile], b"");
        assert_code(&output, 1);
        let stdout = text(&output.stdout);
        assert!(stdout.contains("clean.dcm: opened"), "{stdout}");
        assert!(
            stdout.contains("hostile.dcm: refused (structure.length-past-end) at offset Some("),
            "{stdout}"
        );
    }
}
