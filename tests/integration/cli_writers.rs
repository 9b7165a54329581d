//! `dicom-sanitize fix` while another process writes to the file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::json_lines;
use crate::fixtures;

/// An appender as a well-behaved writer is: for each record it opens the file for appending,
/// takes the advisory lock (`flock`), checks that the path still names the file it opened
/// (else it was replaced meanwhile: it opens the new one), and appends one record in one
/// write. It prints `started` after its first record and its count when it ends, which is
/// when the file `stop` appears (or after 20,000 records).
const APPENDER: &str = r#"
import fcntl, os, sys, time
path, stop = sys.argv[1], sys.argv[2]
count = 0
while count < 20000 and not os.path.exists(stop):
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                os.write(fd, b"<record %05d>" % count)
                break
        finally:
            os.close(fd)
    count += 1
    if count == 1:
        print("started", flush=True)
    time.sleep(0.0002)
print(count, flush=True)
"#;

/// The records the appender wrote, in order.
fn records(count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|i| format!("<record {i:05}>").into_bytes())
        .collect()
}

/// `fix --in-place` runs again and again, with either policy, while a separate process
/// appends to the file: every run either sanitizes the file or refuses it (`changed`, or the
/// lock held), and at the end the file holds the sanitized head and every record appended,
/// in order. No byte is lost.
#[test]
fn fix_loses_no_byte_of_a_locking_appender() {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
            "python3 is needed"
        );
        eprintln!("skipped: no python3");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    for policy in ["strip", "zero"] {
        let path = dir.path().join(format!("{policy}.dcm"));
        std::fs::write(&path, &pe).unwrap();
        let stop = dir.path().join(format!("{policy}.stop"));
        let mut appender = Command::new("python3")
            .args(["-c", APPENDER])
            .arg(&path)
            .arg(&stop)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(appender.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "started");

        // Runs until one has sanitized the file, then a few more, all while the appender
        // writes; bounded in tries and in time.
        let started = Instant::now();
        let (mut tries, mut sanitized, mut refused) = (0, 0, 0);
        while sanitized == 0 || tries < sanitized + refused + 5 {
            tries += 1;
            assert!(
                tries < 300 && started.elapsed() < Duration::from_secs(20),
                "{policy}: {sanitized} sanitized in {tries} tries"
            );
            let output = fix(policy, &path);
            let record = &json_lines(&output)[0];
            match output.status.code() {
                Some(1)
                    if record["fix"]["bytes_changed"] != 0
                        || record["fix"]["bytes_removed"] != 0 =>
                {
                    sanitized += 1
                }
                Some(1) => {} // already sanitized
                Some(2) => {
                    let error = record["error"].as_str().unwrap();
                    assert!(
                        error.contains("changed while it was being sanitized")
                            || error.contains("holds a lock"),
                        "{policy}: {error}"
                    );
                    refused += 1;
                }
                _ => panic!("{policy}: {output:?}"),
            }
        }
        assert_eq!(sanitized, 1, "{policy}: sanitized once, then already clean");
        std::fs::write(&stop, b"").unwrap();
        let count: usize = lines.next().unwrap().unwrap().parse().unwrap();
        assert!(appender.wait().unwrap().success());

        let mut expected = match policy {
            "strip" => pe[132..].to_vec(),
            _ => [&[0; 128][..], &pe[128..]].concat(),
        };
        expected.extend_from_slice(&records(count));
        let data = std::fs::read(&path).unwrap();
        assert_eq!(data.len(), expected.len(), "{policy}: {count} records");
        assert!(data == expected, "{policy}: the content differs");
        assert_eq!(fix(policy, &path).status.code(), Some(1), "{policy}: done");
        eprintln!("{policy}: {count} records appended, {tries} runs, {refused} refused");
    }
}

/// `fix --in-place --json --policy POLICY FILE`.
fn fix(policy: &str, path: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
        .args(["fix", "--in-place", "--json", "--policy", policy])
        .arg(path)
        .output()
        .unwrap()
}
