//! The `dicom-sanitize` binary when things go wrong: files it may not read or write, files
//! another process holds, files the kernel will not let anyone change. Every error names its
//! file, the run goes on with the others, the counts add up and exit code 2 wins.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::cli::{effective_uid, json_lines, run, run_unprivileged};
use crate::fixtures;

/// The unprivileged user [`run_unprivileged`] runs as when the tests run as root.
const NOBODY: u32 = 65534;

/// A folder everyone may enter and write, as a shared upload folder is.
fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

/// Writes `data` at `path` with `mode`, owned by the user [`run_unprivileged`] runs as.
fn write_owned(path: &Path, data: &[u8], mode: u32) {
    std::fs::write(path, data).unwrap();
    if effective_uid() == 0 {
        std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The summary line's counts by name (`files`, `clean`, `flagged`, ..., `errors`,
/// `not written`), from stderr.
fn summary(output: &Output) -> BTreeMap<String, u64> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.contains(" files, "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let (files, counts) = line.split_once("): ").unwrap();
    let mut summary = BTreeMap::new();
    summary.insert(
        "files".to_owned(),
        files.split(' ').next().unwrap().parse().unwrap(),
    );
    for count in counts.split([',', ';']) {
        let (n, what) = count.trim().split_once(' ').unwrap();
        summary.insert(what.to_owned(), n.parse().unwrap());
    }
    summary
}

/// Checks that the summary's statuses add up to its files and its errors to the unreadable
/// files and those not written.
fn assert_adds_up(summary: &BTreeMap<String, u64>) {
    let count = |what: &str| summary.get(what).copied().unwrap_or(0);
    let statuses: u64 = ["clean", "flagged", "invalid", "not DICOM", "unreadable"]
        .into_iter()
        .map(count)
        .sum();
    assert_eq!(statuses, count("files"), "{summary:?}");
    assert_eq!(
        count("unreadable") + count("not written"),
        count("errors"),
        "{summary:?}"
    );
}

/// The record of the file named `name` (a name that is UTF-8).
fn record<'a>(records: &'a [Value], name: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no record for {name} in {records:?}"))
}

/// A file that was read and reported but could not be written keeps its report: it counts
/// as flagged and as an error, its JSON record has its findings, `fix.action` "error" and a
/// top-level `error`, and its human line is followed by `NAME: error: ...` (even with
/// `--quiet`). The run goes on with the other files and exits 2. (It used to print a bare
/// error record, with no report and no count under `flagged`.)
#[test]
fn a_file_read_but_not_written_keeps_its_report_and_counts_as_an_error() {
    let dir = shared_dir();
    let (pe, _) = fixtures::pe_polyglot();
    let read_only = dir.path().join("a-read-only.dcm");
    write_owned(&read_only, &pe, 0o444);
    let writable = dir.path().join("b-writable.dcm");
    let notes = dir.path().join("c-notes.txt");
    write_owned(&notes, b"not DICOM", 0o444);
    let missing = dir.path().join("d-missing.dcm");
    let root = dir.path().to_str().unwrap();
    for policy in ["zero", "strip"] {
        write_owned(&writable, &pe, 0o644);
        let output = run_unprivileged(&[
            "fix",
            "--in-place",
            "--json",
            "--policy",
            policy,
            root,
            missing.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{policy}: {output:?}");
        let records = json_lines(&output);
        assert_eq!(records.len(), 4, "{records:?}");
        let failed = record(&records, "a-read-only.dcm");
        assert_eq!(failed["status"], "flagged", "{failed}");
        assert_eq!(failed["threat"], true);
        assert_eq!(failed["preamble"]["kind"], "pe");
        assert_eq!(failed["findings"][0]["code"], "preamble.pe");
        assert_eq!(failed["action"], "none", "nothing was done");
        assert_eq!(failed["fix"]["action"], "error");
        assert_eq!(failed["fix"]["bytes_changed"], 0);
        let error = failed["error"].as_str().unwrap();
        assert!(error.contains("Permission denied"), "{policy}: {error}");
        assert_eq!(std::fs::read(&read_only).unwrap(), pe, "{policy}");
        // The run went on.
        assert_eq!(record(&records, "b-writable.dcm")["fix"]["action"], policy);
        assert_ne!(std::fs::read(&writable).unwrap(), pe, "{policy}");
        assert_eq!(record(&records, "c-notes.txt")["fix"]["action"], "skip");
        assert_eq!(record(&records, "d-missing.dcm")["status"], "error");
        let counts = summary(&output);
        assert_adds_up(&counts);
        assert_eq!(counts["files"], 4);
        assert_eq!(counts["flagged"], 2);
        assert_eq!(counts["unreadable"], 1);
        assert_eq!(counts["not written"], 1);
        assert_eq!(counts["errors"], 2);
    }

    write_owned(&writable, &pe, 0o644);
    let human = run_unprivileged(&["fix", "--in-place", root]);
    assert_eq!(human.status.code(), Some(2), "{human:?}");
    let stdout = String::from_utf8_lossy(&human.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with(&format!("{}: flagged", read_only.display())))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        lines[at + 1].starts_with(&format!("{}: error: ", read_only.display())),
        "{stdout}"
    );
    let quiet = run_unprivileged(&["fix", "--in-place", "--quiet", root]);
    assert_eq!(quiet.status.code(), Some(2), "{quiet:?}");
    let stdout = String::from_utf8_lossy(&quiet.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!("{}: error: ", read_only.display())),
        "{stdout}"
    );
}

/// Every way a file can fail, in one tree: a file the user may not read, a folder the user
/// may not list, a file the user may not write (with a newline in its name), a file another
/// process holds locked. `scan` and `fix` (both policies, one job and two) report each with
/// its escaped name, count it once, go on with the rest and exit 2; no file is changed but
/// the one that could be.
#[test]
fn every_error_names_its_file_and_the_run_goes_on() {
    let dir = shared_dir();
    let (pe, _) = fixtures::pe_polyglot();
    let ok = dir.path().join("ok.dcm");
    let secret = dir.path().join("secret.dcm");
    write_owned(&secret, &pe, 0o000);
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    write_owned(&closed.join("inside.dcm"), &pe, 0o644);
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).unwrap();
    let newline = dir.path().join(OsStr::from_bytes(b"read\nonly.dcm"));
    write_owned(&newline, &pe, 0o444);
    let locked = dir.path().join("locked.dcm");
    write_owned(&locked, &pe, 0o644);
    // Another process (this one) holds the lock for the whole test.
    let holder = std::fs::File::open(&locked).unwrap();
    holder.lock().unwrap();
    let root = dir.path().to_str().unwrap();

    let scanned = run_unprivileged(&["scan", "--json", root]);
    assert_eq!(scanned.status.code(), Some(2), "{scanned:?}");
    let records = json_lines(&scanned);
    assert_eq!(records.len(), 4, "{records:?}");
    assert_eq!(record(&records, "secret.dcm")["status"], "error");
    assert_eq!(record(&records, "closed")["status"], "error");
    assert_eq!(record(&records, "locked.dcm")["status"], "flagged");
    let counts = summary(&scanned);
    assert_adds_up(&counts);
    assert_eq!(counts["unreadable"], 2);

    for (policy, jobs) in [("zero", "1"), ("strip", "2")] {
        write_owned(&ok, &pe, 0o644);
        let args = [
            "fix",
            "--in-place",
            "--policy",
            policy,
            "--jobs",
            jobs,
            root,
        ];
        let fixed = run_unprivileged(&[&args[..], &["--json"]].concat());
        assert_eq!(fixed.status.code(), Some(2), "{policy}: {fixed:?}");
        let records = json_lines(&fixed);
        assert_eq!(records.len(), 5, "{policy}: {records:?}");
        assert_eq!(record(&records, "ok.dcm")["fix"]["action"], policy);
        for (name, expected) in [
            ("secret.dcm", "Permission denied"),
            ("closed", "Permission denied"),
        ] {
            let failed = record(&records, name);
            assert_eq!(failed["status"], "error", "{failed}");
            let error = failed["error"].as_str().unwrap();
            assert!(error.contains(expected), "{policy} {name}: {error}");
        }
        for (name, expected) in [
            ("only.dcm", "Permission denied"),
            ("locked.dcm", "holds a lock"),
        ] {
            let failed = record(&records, name);
            assert_eq!(failed["status"], "flagged", "{failed}");
            assert_eq!(failed["fix"]["action"], "error", "{failed}");
            let error = failed["error"].as_str().unwrap();
            assert!(error.contains(expected), "{policy} {name}: {error}");
        }
        let counts = summary(&fixed);
        assert_adds_up(&counts);
        assert_eq!(
            (counts["unreadable"], counts["not written"]),
            (2, 2),
            "{counts:?}"
        );
        for path in [&newline, &locked] {
            assert_eq!(std::fs::read(path).unwrap(), pe, "{policy}");
        }

        write_owned(&ok, &pe, 0o644);
        let human = run_unprivileged(&args);
        assert_eq!(human.status.code(), Some(2), "{policy}: {human:?}");
        let stdout = String::from_utf8(human.stdout).unwrap();
        let errors: Vec<&str> = stdout.lines().filter(|l| l.contains(": error: ")).collect();
        assert_eq!(errors.len(), 4, "{stdout}");
        let escaped = format!("{}/read\\nonly.dcm: error: ", dir.path().display());
        for name in [&escaped, &format!("{}: error: ", locked.display())] {
            assert!(
                errors.iter().any(|l| l.starts_with(name.as_str())),
                "{stdout}"
            );
        }
    }
    holder.unlock().unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `fix --in-place --allow-read-only` replaces a read-only file (its folder is writable) with
/// either policy, and the new file keeps the mode and the owner: it is still read-only.
/// Without the flag the file is refused and left as it is.
#[test]
fn allow_read_only_replaces_a_read_only_file_and_keeps_it_read_only() {
    use std::os::unix::fs::MetadataExt;
    let dir = shared_dir();
    let (pe, _) = fixtures::pe_polyglot();
    for policy in ["zero", "strip"] {
        let path = dir.path().join(format!("{policy}.dcm"));
        write_owned(&path, &pe, 0o444);
        let before = std::fs::metadata(&path).unwrap();
        let args = ["fix", "--in-place", "--json", "--policy", policy];
        let refused = run_unprivileged(&[&args[..], &[path.to_str().unwrap()]].concat());
        assert_eq!(refused.status.code(), Some(2), "{policy}: {refused:?}");
        assert_eq!(std::fs::read(&path).unwrap(), pe);

        let allowed = [&args[..], &["--allow-read-only", path.to_str().unwrap()]].concat();
        let output = run_unprivileged(&allowed);
        assert_eq!(output.status.code(), Some(1), "{policy}: {output:?}");
        assert_eq!(json_lines(&output)[0]["fix"]["action"], policy);
        let expected = match policy {
            "zero" => dicom_sanitize::Policy::builder()
                .preamble(dicom_sanitize::PreambleAction::Zero)
                .build()
                .unwrap(),
            _ => dicom_sanitize::Policy::strip(),
        }
        .sanitize(&pe)
        .unwrap()
        .to_vec();
        assert_eq!(std::fs::read(&path).unwrap(), expected, "{policy}");
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!(after.permissions().mode() & 0o7777, 0o444, "{policy}");
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no debris"
        );
        std::fs::remove_file(&path).unwrap();
    }
    // The flag only goes with --in-place.
    let out = dir.path().join("out");
    let misuse = run(&[
        "fix",
        "--output",
        out.to_str().unwrap(),
        "--allow-read-only",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(misuse.status.code(), Some(2), "{misuse:?}");
}

/// Clears a file attribute set with `chattr` when dropped, so that a failing test leaves
/// nothing the temporary folder cannot remove.
struct Attribute<'a>(&'a Path, &'static str);

impl Attribute<'_> {
    /// Sets `flag` (`+i`, `+a`) on `path`; `None` when `chattr` or the file system cannot.
    fn set<'a>(path: &'a Path, flag: &'static str) -> Option<Attribute<'a>> {
        let set = std::process::Command::new("chattr")
            .arg(flag)
            .arg(path)
            .status();
        set.is_ok_and(|status| status.success())
            .then_some(Attribute(path, flag))
    }
}

impl Drop for Attribute<'_> {
    fn drop(&mut self) {
        let clear = self.1.replace('+', "-");
        let _ = std::process::Command::new("chattr")
            .arg(clear)
            .arg(self.0)
            .status();
    }
}

/// Files the kernel lets no one change, root included (`chattr +i` immutable, `chattr +a`
/// append-only), are refused by both policies, also with `--allow-read-only`: a clear error
/// naming the file, the original intact, no temporary file left, exit 2.
#[test]
fn immutable_and_append_only_files_are_refused_by_every_policy() {
    if effective_uid() != 0 {
        eprintln!("skipped: only root may set immutable and append-only attributes");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    for flag in ["+i", "+a"] {
        let path = dir.path().join(format!("attribute{flag}.dcm"));
        std::fs::write(&path, &pe).unwrap();
        let Some(_attribute) = Attribute::set(&path, flag) else {
            eprintln!("skipped: chattr {flag} failed (no chattr, or not on this file system)");
            continue;
        };
        for policy in ["zero", "strip"] {
            for allow in [&[][..], &["--allow-read-only"][..]] {
                let args = ["fix", "--in-place", "--json", "--policy", policy];
                let output = run(&[&args[..], allow, &[path.to_str().unwrap()]].concat());
                let case = format!("chattr {flag}, {policy} {allow:?}");
                assert_eq!(output.status.code(), Some(2), "{case}: {output:?}");
                let records = json_lines(&output);
                assert_eq!(records[0]["status"], "flagged", "{case}");
                assert_eq!(records[0]["fix"]["action"], "error", "{case}");
                let error = records[0]["error"].as_str().unwrap();
                assert!(
                    error.contains("immutable or append-only"),
                    "{case}: {error}"
                );
                assert_eq!(std::fs::read(&path).unwrap(), pe, "{case}");
                assert_eq!(
                    std::fs::read_dir(dir.path()).unwrap().count(),
                    if flag == "+i" { 1 } else { 2 },
                    "{case}: no temporary file left"
                );
            }
        }
    }
}
