//! Compiles `tests/c/test.c` and the README's example with gcc against the committed header
//! and the shared library, runs them, and runs the test program again under valgrind.
//!
//! valgrind may be missing on a developer's machine: that test is then skipped, unless
//! `DICOM_SANITIZE_REQUIRE_TOOLS` is set (as CI does), which makes a missing tool a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const CFLAGS: &[&str] = &[
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp_dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

fn data_dir() -> PathBuf {
    manifest_dir().join("../tests/data/pydicom")
}

/// The directory holding `libdicom_sanitize_ffi.so`: cargo builds it beside this test's
/// executable (`target/<profile>/deps`), without a hash in its name.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    assert!(
        dir.join("libdicom_sanitize_ffi.so").exists(),
        "no libdicom_sanitize_ffi.so in {}",
        dir.display()
    );
    dir
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Compiles a C program against the header and the shared library.
fn compile(source: &Path, name: &str) -> PathBuf {
    let library = library_dir();
    let program = tmp_dir().join(name);
    let output = Command::new("gcc")
        .args(CFLAGS)
        .arg("-I")
        .arg(manifest_dir().join("include"))
        .arg(source)
        .arg("-o")
        .arg(&program)
        .arg("-L")
        .arg(&library)
        .arg(format!("-Wl,-rpath,{}", library.display()))
        .args(["-ldicom_sanitize_ffi", "-pthread"])
        .output()
        .expect("gcc is required to test the C ABI");
    assert!(output.status.success(), "gcc failed: {}", describe(&output));
    program
}

/// Runs a compiled C program. `LD_LIBRARY_PATH` names only the library built for this test:
/// cargo's own value for test processes also lists `target/<profile>`, where a stale copy from
/// an earlier `cargo build` would take precedence over the program's run path.
fn run(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("LD_LIBRARY_PATH", library_dir());
    command
}

/// The C test program, compiled once per run of this test binary.
fn test_program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile(&manifest_dir().join("tests/c/test.c"), "c_test"))
}

#[test]
fn header_compiles_as_cpp() {
    let output = Command::new("g++")
        .args([
            "-x",
            "c++",
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
        ])
        .arg(manifest_dir().join("include/dicom_sanitize.h"))
        .output()
        .expect("g++ is required to test the C ABI");
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn c_test_program_passes() {
    let output = run(test_program()).arg(data_dir()).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn c_test_program_is_clean_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
            "valgrind is not installed: apt-get install -y valgrind"
        );
        eprintln!("skipped: valgrind is not installed");
        return;
    }
    let output = run("valgrind")
        .args(["--leak-check=full", "--error-exitcode=1"])
        // Only the process-wide dictionary of dicom-dictionary-std, built once.
        .arg(format!(
            "--suppressions={}",
            manifest_dir().join("tests/c/valgrind.supp").display()
        ))
        .arg(test_program())
        .arg(data_dir())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{stderr}");
}

#[test]
fn readme_example_compiles_and_runs() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let example = readme
        .split("```c\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a C example");
    let source = tmp_dir().join("readme_example.c");
    std::fs::write(&source, example).unwrap();
    let program = compile(&source, "readme_example");

    let mut polyglot = std::fs::read(data_dir().join("CT_small.dcm")).unwrap();
    polyglot[..128].fill(0);
    polyglot[..2].copy_from_slice(b"MZ");
    let path = tmp_dir().join("readme_polyglot.dcm");
    std::fs::write(&path, polyglot).unwrap();

    let output = run(program).arg(&path).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout, "preamble pe, action zero, 2 bytes changed\n");
}
