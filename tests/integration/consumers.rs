//! The consumers' own verdict: preambles we grade as threats really run under `sh`, `bash`
//! and the Linux loader, and text we grade as plain runs nothing. Each fixture is written to a
//! temporary directory and handed to the real program; the tests skip a program the machine
//! lacks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dicom_sanitize::{classify, validate, PreambleKind, Severity};

use crate::fixtures;

/// Whether `program` runs here.
fn available(program: &str) -> bool {
    Command::new(program)
        .arg("-c")
        .arg("exit 0")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Where `program` is on `PATH`.
fn locate(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// CT_small.dcm with `preamble`, written to `dir/name`.
fn write(dir: &Path, name: &str, preamble: &[u8]) -> PathBuf {
    let data = fixtures::with_preamble(fixtures::real("CT_small.dcm"), preamble);
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

/// Runs `shell FILE` in `dir` and says whether the preamble's marker command ran: it creates
/// `ran` in the working directory.
fn marker_runs(shell: &str, dir: &Path, file: &Path) -> bool {
    let marker = dir.join("ran");
    let _ = std::fs::remove_file(&marker);
    let out = Command::new(shell)
        .arg(file)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let ran = marker.exists();
    eprintln!(
        "{shell} {}: {:?}, ran: {ran}\n{}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    ran
}

#[test]
fn preambles_a_shell_runs_are_script_threats() {
    // The preamble, whether dash (`sh` here when it is dash) runs its marker, whether bash does.
    let cases: &[(&str, &[u8], bool)] = &[
        // NUL-padded text, then a line `sh FILE` runs; bash refuses the NUL in the first line.
        (
            "nul-padded",
            b"ACME Imaging\0\0\0\0\0\0\ntouch ran; exit 0\n",
            false,
        ),
        // A first line of control bytes: bash and dash fail on it and go on.
        (
            "control-first-line",
            b"\x01\x02\x03\x04\ntouch ran; exit 0\n",
            true,
        ),
        // NUL padding, then a command running into `DICM`, the rest of the line a comment.
        (
            "nul-then-command",
            b"\0\0\0\0\0\0\0\0\0\0\0\0touch ran;exit 0 #",
            false,
        ),
        // The kernel's `#!` and the shells agree.
        ("shebang", b"#!/bin/sh\ntouch ran; exit 0\n", true),
        // No `#!`, a first line of text: bash and dash run it.
        ("text-first-line", b"touch ran; exit 0\n", true),
    ];
    let dir = tempfile::tempdir().unwrap();
    let dash = Path::new("/bin/sh")
        .canonicalize()
        .is_ok_and(|sh| sh.ends_with("dash"));
    for &(name, preamble, bash_runs) in cases {
        let file = write(dir.path(), name, preamble);
        let data = std::fs::read(&file).unwrap();
        let kind = classify(&data).preamble().unwrap().kind();
        assert!(
            matches!(kind, PreambleKind::Script { .. }),
            "{name}: {kind:?}"
        );
        assert!(kind.is_threat(), "{name}");
        assert!(validate(&data).is_threat(), "{name}");
        if dash {
            assert!(marker_runs("sh", dir.path(), &file), "sh {name}");
        }
        if available("bash") {
            assert_eq!(
                marker_runs("bash", dir.path(), &file),
                bash_runs,
                "bash {name}"
            );
        }
        if available("dash") {
            assert!(marker_runs("dash", dir.path(), &file), "dash {name}");
        }
    }
}

#[test]
fn text_no_shell_runs_as_a_command_is_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "banner",
        b"ACME Imaging Workstation 4.2\0\0\0\0\nVersion 4.2\n",
    );
    let data = std::fs::read(&file).unwrap();
    let kind = classify(&data).preamble().unwrap().kind();
    assert_eq!(kind, PreambleKind::Text);
    assert!(!kind.is_threat());
    if available("bash") {
        // bash refuses the file: a NUL in its first line.
        let out = Command::new("bash")
            .arg(&file)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(126), "{out:?}");
    }
    if let Some(dash) = locate("dash") {
        // dash tries every line, and no line names a command: each one is "not found" (or a
        // syntax error ends the run), with nothing on `PATH`.
        let out = Command::new(dash)
            .arg(&file)
            .current_dir(dir.path())
            .env("PATH", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(
            stderr
                .lines()
                .all(|line| line.contains("not found") || line.contains("Syntax error")),
            "{stderr}"
        );
    }
}

/// The ELF polyglot with identification bytes the specification calls invalid: `binfmt_elf`
/// never reads them, so the file runs (`exit(42)`), and we confirm it as the loader does.
#[test]
fn elf_with_invalid_identification_bytes_runs_and_is_confirmed() {
    for (name, at, byte) in [("ei-version-0", 6, 0u8), ("ei-class-0", 4, 0)] {
        let (mut data, code) = fixtures::elf_polyglot();
        data[at] = byte;
        let kind = classify(&data).preamble().unwrap().kind();
        let PreambleKind::Elf(info) = kind else {
            panic!("{name}: {kind:?}")
        };
        assert!(info.confirmed, "{name}");
        assert_eq!(info.payload_offset, Some(code as u64), "{name}");
        assert_eq!(kind.severity(), Some(Severity::Critical), "{name}");
        assert!(validate(&data).is_threat(), "{name}");
        run_elf(name, &data);
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn run_elf(name: &str, data: &[u8]) {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Another test thread forking while the file was open for writing makes `execve` fail with
    // ETXTBSY until that child has exec'd: try again.
    let status = (0..50)
        .find_map(
            |_| match Command::new(&path).stdin(Stdio::null()).status() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            },
        )
        .expect("ETXTBSY throughout");
    assert_eq!(status.code(), Some(42), "{name}: {status:?}");
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn run_elf(_: &str, _: &[u8]) {}
