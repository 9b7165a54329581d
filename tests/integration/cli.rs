//! The `dicom-sanitize` binary, driven as a user would.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::fixtures::{self, data_dir};

pub(crate) fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
        .args(args)
        .output()
        .expect("run dicom-sanitize")
}

pub(crate) fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn scan_json_reports_every_real_file_and_flags_none_as_threat() {
    let dir = data_dir().join("pydicom");
    let output = run(&["scan", "--json", dir.to_str().unwrap()]);
    // Vestigial TIFF headers are flagged (the default policy clears them): exit 1.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = json_lines(&output);
    assert_eq!(
        records.len(),
        fixtures::real_files().len() + 1,
        "every file, LICENSE included"
    );
    let kinds = [
        "zero",
        "tiff",
        "tiff-dangling",
        "pe",
        "elf",
        "macho",
        "script",
        "pdf",
        "html",
        "zip",
        "archive",
        "text",
        "unknown",
        "absent",
    ];
    let mut paths = Vec::new();
    for record in &records {
        assert_eq!(record["schema"], "dicom-sanitize/report/v1");
        assert_eq!(record["threat"], false, "{record}");
        assert!(
            kinds.contains(&record["preamble"]["kind"].as_str().unwrap()),
            "{record}"
        );
        assert!(["clean", "flagged", "invalid", "not-dicom"]
            .contains(&record["status"].as_str().unwrap()));
        assert!(["none", "zero", "keep-tiff"].contains(&record["action"].as_str().unwrap()));
        for finding in record["findings"].as_array().unwrap() {
            assert!(
                finding["code"].is_string()
                    && finding["offset"].is_u64()
                    && finding["message"].is_string()
            );
            assert!(["info", "low", "medium", "high", "critical"]
                .contains(&finding["severity"].as_str().unwrap()));
            assert!(finding["tag"].is_null() || finding["tag"].is_string());
        }
        paths.push(record["path"].as_str().unwrap().to_owned());
    }
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "output is sorted by path");
    let ct = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("CT_small.dcm"))
        .unwrap();
    assert_eq!(ct["preamble"]["kind"], "tiff-dangling");
    assert_eq!(ct["action"], "zero");
    assert_eq!(ct["status"], "flagged");
    let license = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("LICENSE"))
        .unwrap();
    assert_eq!(license["status"], "not-dicom");
}

#[test]
fn scan_flags_hostile_files_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures::preamble_fixtures() {
        // No extensions: DICOM is recognised by content.
        std::fs::write(dir.path().join(f.name), &f.data).unwrap();
    }
    let output = run(&["scan", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let records = json_lines(&output);
    for f in fixtures::preamble_fixtures() {
        let record = records
            .iter()
            .find(|r| Path::new(r["path"].as_str().unwrap()).file_name().unwrap() == f.name)
            .unwrap();
        assert_eq!(record["preamble"]["kind"], f.kind, "{}", f.name);
        assert_eq!(record["threat"], f.threat, "{}", f.name);
        let expected_action = match f.kind {
            "zero" => "none",
            "tiff" => "keep-tiff",
            _ => "zero",
        };
        assert_eq!(record["action"], expected_action, "{}", f.name);
    }
    let pe = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("/pe"))
        .unwrap();
    assert_eq!(pe["preamble"]["executable"]["confirmed"], true);
    assert_eq!(pe["findings"][0]["severity"], "critical");
}

#[test]
fn scan_exit_codes() {
    let clean = data_dir().join("pydicom/rtplan.dcm");
    assert_eq!(
        run(&["scan", clean.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let missing = run(&["scan", "--json", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2));
    let records = json_lines(&missing);
    assert_eq!(records[0]["status"], "error");
    assert!(records[0]["error"]
        .as_str()
        .unwrap()
        .contains("No such file"));
    // An error wins over a flagged file.
    let flagged = data_dir().join("pydicom/CT_small.dcm");
    assert_eq!(
        run(&["scan", flagged.to_str().unwrap(), "/definitely/not/here"])
            .status
            .code(),
        Some(2)
    );
    // Usage errors are exit 2 as well.
    assert_eq!(run(&["scan"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

/// A copy of the real files plus hostile fixtures in a fresh directory tree.
fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    for (name, data) in fixtures::real_files() {
        std::fs::write(real.join(name), data).unwrap();
    }
    std::fs::write(real.join("README.txt"), "not DICOM\n").unwrap();
    let hostile = dir.path().join("hostile/deeper");
    std::fs::create_dir_all(&hostile).unwrap();
    for f in fixtures::preamble_fixtures() {
        std::fs::write(hostile.join(f.name), &f.data).unwrap();
    }
    dir
}

/// Every file under `dir` with its content, by relative path.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            // Links, FIFOs and sockets are listed, never followed or opened.
            let file_type = std::fs::symlink_metadata(&path).unwrap().file_type();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() {
                files.insert(rel, std::fs::read(&path).unwrap());
            } else {
                files.insert(rel, Vec::new());
            }
        }
    }
    files
}

#[test]
fn fix_without_a_target_is_a_usage_error_and_touches_nothing() {
    let dir = archive();
    let before = snapshot(dir.path());
    let output = run(&["fix", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--in-place"));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn fix_output_mirrors_the_tree_and_never_modifies_inputs() {
    let dir = archive();
    let input = dir.path().join("in");
    std::fs::rename(dir.path().join("real"), dir.path().join("real_")).unwrap();
    std::fs::create_dir(&input).unwrap();
    std::fs::rename(dir.path().join("real_"), input.join("real")).unwrap();
    std::fs::rename(dir.path().join("hostile"), input.join("hostile")).unwrap();
    let before = snapshot(&input);
    let out = dir.path().join("out");
    let output = run(&[
        "fix",
        "--json",
        "--output",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        snapshot(&input),
        before,
        "inputs are never modified without --in-place"
    );
    let written = snapshot(&out);
    let policy = dicom_sanitize::Policy::default();
    for (rel, data) in &before {
        match policy.sanitize(data) {
            Ok(sanitized) => assert_eq!(
                written.get(rel),
                Some(&sanitized.to_vec()),
                "{}",
                rel.display()
            ),
            Err(dicom_sanitize::Error::NotDicom) => {
                assert!(!written.contains_key(rel), "{}", rel.display())
            }
            Err(err) => panic!("{}: {err}", rel.display()),
        }
    }
    let records = json_lines(&output);
    assert_eq!(records.len(), before.len());
    let pe = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("/pe"))
        .unwrap();
    assert_eq!(pe["fix"]["action"], "zero", "{pe}");
    assert_eq!(pe["fix"]["dry_run"], false);
    assert!(pe["fix"]["output"]
        .as_str()
        .unwrap()
        .ends_with("out/hostile/deeper/pe"));
    let readme = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("README.txt"))
        .unwrap();
    assert_eq!(readme["fix"]["action"], "skip");
    assert_eq!(readme["status"], "not-dicom");

    // A rerun finds every output already done (compared byte for byte) and writes nothing.
    let again = run(&[
        "fix",
        "--output",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already done"));
    assert_eq!(snapshot(&out), written);
    // An existing output that differs is not overwritten without --force.
    let changed = out.join(written.keys().next().unwrap());
    std::fs::write(&changed, b"edited by someone").unwrap();
    let again = run(&[
        "fix",
        "--output",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("exists and differs from the sanitized file (use --force to overwrite)"));
    assert_eq!(std::fs::read(&changed).unwrap(), b"edited by someone");
    let forced = run(&[
        "fix",
        "--force",
        "--output",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(forced.status.code(), Some(1));
    assert_eq!(snapshot(&out), written);
}

#[test]
fn fix_in_place_and_dry_run() {
    let dir = archive();
    let before = snapshot(dir.path());
    let dry = run(&[
        "fix",
        "--in-place",
        "--dry-run",
        "--policy",
        "strip",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(dry.status.code(), Some(1));
    assert_eq!(snapshot(dir.path()), before, "--dry-run writes nothing");
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would strip"));

    for policy_name in ["tiff", "zero", "strip"] {
        let dir = archive();
        let before = snapshot(dir.path());
        let output = run(&[
            "fix",
            "--in-place",
            "--policy",
            policy_name,
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{policy_name}");
        let policy = match policy_name {
            "zero" => dicom_sanitize::Policy::zero(),
            "strip" => dicom_sanitize::Policy::strip(),
            _ => dicom_sanitize::Policy::default(),
        };
        let after = snapshot(dir.path());
        for (rel, data) in &before {
            let expected = policy
                .sanitize(data)
                .map(|s| s.to_vec())
                .unwrap_or_else(|_| data.clone());
            assert_eq!(
                after.get(rel),
                Some(&expected),
                "{policy_name}: {}",
                rel.display()
            );
        }
        // A second run finds nothing left to do.
        let again = run(&[
            "fix",
            "--in-place",
            "--json",
            "--policy",
            policy_name,
            dir.path().to_str().unwrap(),
        ]);
        for record in json_lines(&again) {
            assert!(
                ["none", "keep-tiff", "skip"].contains(&record["fix"]["action"].as_str().unwrap()),
                "{policy_name}: {record}"
            );
        }
    }
}

#[test]
fn policy_prints_the_conformance_statement() {
    for (name, needle) in [
        ("tiff", "dual-personality"),
        ("zero", "including TIFF headers"),
        ("strip", "without a File Preamble"),
    ] {
        let output = run(&["policy", "--policy", name]);
        assert_eq!(output.status.code(), Some(0));
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains("PS3.10 Section 7.5") && text.contains(needle),
            "{name}: {text}"
        );
    }
}

/// A tree with everything a scanner meets on shared storage: DICOM files without extension,
/// an empty file, a text file, a FIFO, a symbolic link loop, a link to a DICOM file, a socket.
fn odd_tree() -> tempfile::TempDir {
    let dir = archive();
    let odd = dir.path().join("odd");
    std::fs::create_dir_all(odd.join("loop")).unwrap();
    std::fs::write(odd.join("empty"), b"").unwrap();
    std::fs::write(odd.join("notes.txt"), b"not DICOM at all\n").unwrap();
    let fifo = odd.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink(&odd, odd.join("loop/back")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("hostile/deeper/pe"), odd.join("link-to-pe"))
        .unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(odd.join("socket")).unwrap();
    dir
}

/// Runs the binary; a watchdog kills it (and fails the test) if it has not ended in 60 s.
fn run_with_timeout(args: &[&str]) -> Output {
    use std::sync::mpsc;
    use std::time::Duration;
    let child = Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let hung = finished.recv_timeout(Duration::from_secs(60)).is_err();
        if hung {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        hung
    });
    let output = child.wait_with_output().unwrap();
    let _ = done.send(());
    assert!(!watchdog.join().unwrap(), "dicom-sanitize hung on {args:?}");
    output
}

#[test]
fn scan_survives_odd_trees_and_writes_nothing() {
    let dir = odd_tree();
    let before = snapshot(dir.path());
    let root = dir.path().to_str().unwrap();
    for jobs in ["1", "2"] {
        let output = run_with_timeout(&["scan", "--json", "--jobs", jobs, root]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let records = json_lines(&output);
        let paths: Vec<&str> = records
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert!(paths.iter().any(|p| p.ends_with("odd/empty")));
        assert!(paths.iter().any(|p| p.ends_with("odd/notes.txt")));
        assert!(!paths
            .iter()
            .any(|p| p.ends_with("fifo") || p.ends_with("socket") || p.contains("link-to-pe")));
        let empty = records
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with("odd/empty"))
            .unwrap();
        assert_eq!(empty["status"], "not-dicom");
    }
    // Links are followed on request, loops detected, the FIFO never opened.
    let followed = run_with_timeout(&["scan", "--json", "--follow-symlinks", root]);
    assert_eq!(followed.status.code(), Some(1));
    let records = json_lines(&followed);
    let link = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("link-to-pe"))
        .unwrap();
    assert_eq!(link["preamble"]["kind"], "pe");
    assert_eq!(snapshot(dir.path()), before, "scanning writes nothing");
    let verbose = run_with_timeout(&["scan", "--verbose", "--follow-symlinks", root]);
    let text = String::from_utf8_lossy(&verbose.stdout);
    assert!(text.contains("fifo: skipped: not a regular file"), "{text}");
    assert!(text.contains("skipped: symbolic link loop"), "{text}");
}

#[test]
fn parallel_output_is_identical_and_sorted() {
    let dir = archive();
    let root = dir.path().to_str().unwrap();
    let one = run(&["scan", "--json", "--jobs", "1", root]);
    let two = run(&["scan", "--json", "--jobs", "2", root]);
    let many = run(&["scan", "--json", "--jobs", "7", root]);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, many.stdout);
    let paths: Vec<String> = json_lines(&one)
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(paths, sorted);
}

#[test]
fn exclude_max_size_quiet_and_verbose() {
    let dir = archive();
    let root = dir.path().to_str().unwrap();
    let all = json_lines(&run(&["scan", "--json", root])).len();
    let excluded = json_lines(&run(&[
        "scan",
        "--json",
        "--exclude",
        "*.dcm",
        "--exclude",
        "hostile",
        root,
    ]));
    assert!(excluded.iter().all(|r| {
        let path = r["path"].as_str().unwrap();
        !path.ends_with(".dcm") && !path.contains("hostile")
    }));
    assert!(excluded.len() < all);
    let small = json_lines(&run(&["scan", "--json", "--max-size", "4K", root]));
    assert!(small.iter().all(|r| r["size"].as_u64().unwrap() <= 4096));
    assert!(small.len() < all);
    let quiet = run(&["scan", "--quiet", root]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let normal = run(&["scan", root]);
    let stdout = String::from_utf8_lossy(&normal.stdout);
    assert!(
        stdout.contains("flagged") && !stdout.contains(": clean"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&normal.stderr).contains("files/s"));
    let verbose = run(&["scan", "--verbose", root]);
    assert!(String::from_utf8_lossy(&verbose.stdout).contains(": clean"));
    assert_eq!(
        run(&["scan", "--exclude", "[", root]).status.code(),
        Some(2)
    );
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.dcm");
    std::fs::write(&secret, fixtures::real("CT_small.dcm")).unwrap();
    let missing = dir.path().join("missing.dcm");
    let output = run(&["scan", secret.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{}: error:", missing.display())),
        "{stdout}"
    );
    // Running as root can read anything: only check unreadable files when not root.
    if effective_uid() != 0 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
        let output = run(&["scan", secret.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stdout).contains("secret.dcm: error"));
    }
}

/// The effective user id, from `id -u`.
pub(crate) fn effective_uid() -> u32 {
    let output = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn inspect_shows_one_file() {
    let (pe, _) = fixtures::pe_polyglot();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polyglot");
    std::fs::write(&path, &pe).unwrap();
    let output = run(&["inspect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("preamble: pe"), "{text}");
    assert!(
        text.contains("e_lfanew = ") && text.contains("PE signature found there"),
        "{text}"
    );
    assert!(text.contains("(0002,0010) UI"), "{text}");
    assert!(
        text.contains("preamble.payload-in-element") && text.contains("(0099,1000)"),
        "{text}"
    );
    let json = run(&["inspect", "--json", path.to_str().unwrap()]);
    let record: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(record["schema"], "dicom-sanitize/report/v1");
    assert_eq!(record["threat"], true);
    let clean = data_dir().join("pydicom/rtplan.dcm");
    assert_eq!(
        run(&["inspect", clean.to_str().unwrap()]).status.code(),
        Some(0)
    );
    assert_eq!(run(&["inspect", "/no/such/file"]).status.code(), Some(2));
}

#[test]
fn policy_files_drive_scan_fix_and_policy() {
    let dir = archive();
    let toml_policy = dir.path().join("strict.toml");
    std::fs::write(
        &toml_policy,
        "preamble = \"tiff\"\notherwise = \"reject\"\n",
    )
    .unwrap();
    let printed = run(&["policy", "--policy-file", toml_policy.to_str().unwrap()]);
    assert_eq!(printed.status.code(), Some(0));
    let text = String::from_utf8(printed.stdout).unwrap();
    assert!(
        text.contains("otherwise = \"reject\"") && text.contains("rejected and not stored"),
        "{text}"
    );

    let out = dir.path().join("out");
    let hostile = dir.path().join("hostile");
    let fixed = run(&[
        "fix",
        "--json",
        "--policy-file",
        toml_policy.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        hostile.to_str().unwrap(),
    ]);
    assert_eq!(fixed.status.code(), Some(1));
    for record in json_lines(&fixed) {
        let kind = record["preamble"]["kind"].as_str().unwrap();
        let expected = match kind {
            "zero" => "none",
            "tiff" => "keep-tiff",
            _ => "reject",
        };
        assert_eq!(record["fix"]["action"], expected, "{record}");
        let rel = Path::new(record["path"].as_str().unwrap())
            .strip_prefix(&hostile)
            .unwrap()
            .to_path_buf();
        assert_eq!(
            out.join(&rel).exists(),
            expected != "reject",
            "{}",
            rel.display()
        );
    }

    let json_policy = dir.path().join("bad.json");
    std::fs::write(
        &json_policy,
        r#"{"preamble": "zero", "allow_dangling_tiff": true}"#,
    )
    .unwrap();
    let bad = run(&[
        "scan",
        "--policy-file",
        json_policy.to_str().unwrap(),
        hostile.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("allow_dangling_tiff"));
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "preambel = \"zero\"\n").unwrap();
    let typo_run = run(&["policy", "--policy-file", typo.to_str().unwrap()]);
    assert_eq!(typo_run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo_run.stderr).contains("typo.toml"));
}

#[test]
fn fix_sync_and_in_place_keep_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let path = dir.path().join("a.dcm");
    std::fs::write(&path, &pe).unwrap();
    let link = dir.path().join("b.dcm");
    std::fs::hard_link(&path, &link).unwrap();
    let output = run(&["fix", "--in-place", "--sync", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    // In place modifies the file itself: every hard link sees the cleared preamble.
    assert_eq!(&std::fs::read(&link).unwrap()[..128], &[0; 128]);
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        entries.len(),
        2,
        "no report or backup is written next to the files"
    );
}

/// Runs the binary as an unprivileged user: as itself when it is not root, otherwise as
/// `nobody` through `setpriv` (util-linux), so that permissions are enforced either way.
pub(crate) fn run_unprivileged(args: &[&str]) -> Output {
    if effective_uid() != 0 {
        return run(args);
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_dicom-sanitize"))
        .args(args)
        .output()
        .expect("run dicom-sanitize through setpriv (util-linux)")
}

#[test]
fn fix_in_place_skips_unwritable_files_that_are_not_dicom_and_names_the_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Readable by the unprivileged user; the files themselves are read-only.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, b"not a DICOM file").unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let locked = dir.path().join("locked.dcm");
    std::fs::write(&locked, &pe).unwrap();
    for path in [&notes, &locked] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let output = run_unprivileged(&[
        "fix",
        "--in-place",
        "--verbose",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{}: error:", locked.display())),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&format!("{}: error", notes.display())),
        "{stdout}"
    );
    assert_eq!(std::fs::read(&locked).unwrap(), pe);
}

/// A file the user may not write is not replaced by any policy, though its folder is
/// writable: `strip` refuses it as `zero` does (it used to rename a new file over it).
#[test]
fn fix_in_place_honours_a_read_only_file_with_every_policy() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    for policy in ["zero", "strip"] {
        let path = dir.path().join(format!("{policy}.dcm"));
        std::fs::write(&path, &pe).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let output = run_unprivileged(&[
            "fix",
            "--in-place",
            "--policy",
            policy,
            path.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{policy}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("error"), "{policy}: {stdout}");
        assert_eq!(std::fs::read(&path).unwrap(), pe, "{policy}");
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(
            entries,
            if policy == "zero" { 1 } else { 2 },
            "no temporary file left"
        );
    }
}

/// `fix --in-place` writes just the preamble when the plan keeps the file's length, and
/// replaces the file when it does not, whatever the policy: a TIFF-or-strip policy strips a
/// PE preamble (and used to fail with "cannot strip in place"), while a policy that needs a
/// full validation but only zeroes keeps the file and its hard links.
#[test]
fn fix_in_place_follows_each_files_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let policy = dir.path().join("tiff-else-strip.toml");
    std::fs::write(&policy, "preamble = \"tiff\"\notherwise = \"strip\"\n").unwrap();
    let stripped = dir.path().join("stripped.dcm");
    std::fs::write(&stripped, &pe).unwrap();
    let output = run(&[
        "fix",
        "--in-place",
        "--json",
        "--policy-file",
        policy.to_str().unwrap(),
        stripped.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json_lines(&output)[0]["fix"]["action"], "strip");
    assert_eq!(std::fs::read(&stripped).unwrap(), &pe[132..]);

    let strict = dir.path().join("zero-reject-critical.toml");
    std::fs::write(&strict, "preamble = \"zero\"\nreject_at = \"critical\"\n").unwrap();
    let zeroed = dir.path().join("zeroed.dcm");
    std::fs::write(&zeroed, &pe).unwrap();
    let link = dir.path().join("link.dcm");
    std::fs::hard_link(&zeroed, &link).unwrap();
    let output = run(&[
        "fix",
        "--in-place",
        "--policy-file",
        strict.to_str().unwrap(),
        zeroed.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let linked = std::fs::read(&link).unwrap();
    assert_eq!(&linked[..128], &[0; 128]);
    assert_eq!(&linked[128..], &pe[128..]);
}

/// `action` in a JSON record is the action of the policy given, not the default policy's
/// (which would be "zero" for CT_small.dcm's vestigial TIFF header), as the human line says.
#[test]
fn scan_json_records_the_action_of_the_policy_in_force() {
    let ct = data_dir().join("pydicom/CT_small.dcm");
    let ct = ct.to_str().unwrap();
    let action = |output: &Output| {
        let records = json_lines(output);
        assert_eq!(records.len(), 1, "{records:?}");
        records[0]["action"].as_str().unwrap().to_owned()
    };
    assert_eq!(action(&run(&["scan", "--json", ct])), "zero");
    assert_eq!(
        action(&run(&["scan", "--json", "--policy", "strip", ct])),
        "strip"
    );
    let human = run(&["scan", "--verbose", "--policy", "strip", ct]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("action strip"));

    let dir = tempfile::tempdir().unwrap();
    let reject = dir.path().join("reject.toml");
    std::fs::write(&reject, "preamble = \"reject\"\n").unwrap();
    let reject = reject.to_str().unwrap();
    assert_eq!(
        action(&run(&["scan", "--json", "--policy-file", reject, ct])),
        "reject"
    );

    // `fix` records the action it took in both places.
    let out = dir.path().join("out");
    let fixed = run(&[
        "fix",
        "--json",
        "--dry-run",
        "--policy",
        "strip",
        "--output",
        out.to_str().unwrap(),
        ct,
    ]);
    let records = json_lines(&fixed);
    assert_eq!(records[0]["fix"]["action"], "strip", "{records:?}");
    assert_eq!(records[0]["action"], "strip", "{records:?}");
    let rejected = run(&[
        "fix",
        "--json",
        "--policy-file",
        reject,
        "--output",
        out.to_str().unwrap(),
        ct,
    ]);
    let records = json_lines(&rejected);
    assert_eq!(records[0]["fix"]["action"], "reject", "{records:?}");
    assert_eq!(records[0]["action"], "reject", "{records:?}");
}

/// Names as the operating system gives them: a newline, a tab, an escape sequence, a byte
/// that is not UTF-8, a leading `-`. Each file is one JSON record (with `path_hex` giving the
/// exact bytes of a name that is not UTF-8) and one escaped human line, and `fix` goes on
/// through all of them (a name that is not UTF-8 used to stop the run).
#[test]
fn odd_file_names_are_reported_exactly_and_never_stop_a_run() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let names: [&[u8]; 6] = [
        b"-leading.dcm",
        b"a\xffb.dcm",
        b"esc\x1b[31mred.dcm",
        b"new\nline.dcm",
        b"tab\t.dcm",
        b"z-plain.dcm",
    ];
    for name in names {
        std::fs::write(dir.path().join(OsStr::from_bytes(name)), &pe).unwrap();
    }
    let root = dir.path().to_str().unwrap();

    let scanned = run(&["scan", "--json", root]);
    assert_eq!(scanned.status.code(), Some(1), "{scanned:?}");
    let records = json_lines(&scanned);
    assert_eq!(records.len(), names.len());
    for (record, name) in records.iter().zip(names) {
        let exact = dir.path().join(OsStr::from_bytes(name));
        match record.get("path_hex") {
            Some(hex) => {
                let hex = hex.as_str().unwrap();
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                assert_eq!(bytes, exact.as_os_str().as_bytes());
            }
            None => assert_eq!(record["path"].as_str().unwrap(), exact.to_str().unwrap()),
        }
        assert_eq!(record["threat"], true);
    }

    let human = run(&["scan", root]);
    let stdout = String::from_utf8(human.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), names.len(), "{stdout}");
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\t'),
        "{stdout:?}"
    );
    for escaped in [
        "a\\xFFb.dcm",
        "esc\\u{1b}[31mred.dcm",
        "new\\nline.dcm",
        "tab\\t.dcm",
    ] {
        assert!(stdout.contains(escaped), "{escaped} in {stdout}");
    }

    let fixed = run(&["fix", "--json", "--in-place", root]);
    assert_eq!(fixed.status.code(), Some(1), "{fixed:?}");
    assert_eq!(json_lines(&fixed).len(), names.len());
    for name in names {
        let data = std::fs::read(dir.path().join(OsStr::from_bytes(name))).unwrap();
        assert_eq!(&data[..128], &[0; 128], "{:?}", OsStr::from_bytes(name));
        assert_eq!(&data[128..], &pe[128..]);
    }
}

/// A run killed at any point leaves no debris that stops the next one: a rerun removes the
/// temporary files of dead runs, skips the outputs already complete (compared byte for byte)
/// and finishes the rest, until it reports every file done and nothing left over.
#[test]
fn fix_output_killed_at_any_point_converges_on_a_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let expected = dicom_sanitize::Policy::default()
        .sanitize(&pe)
        .unwrap()
        .to_vec();
    const FILES: usize = 300;
    for i in 0..FILES {
        std::fs::write(input.join(format!("f{i:03}.dcm")), &pe).unwrap();
    }
    let input = input.to_str().unwrap();
    for (round, delay_ms) in [0u64, 2, 5, 10, 20, 40].into_iter().enumerate() {
        let output = dir.path().join(format!("out{round}"));
        let output = output.to_str().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
            .args(["fix", "--quiet", "--output", output, input])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait().unwrap();
        // Reruns without --force finish the job.
        let mut reruns = 0;
        let summary = loop {
            let rerun = run(&["fix", "--json", "--output", output, input]);
            reruns += 1;
            if rerun.status.code() != Some(2) || reruns == 3 {
                assert_eq!(rerun.status.code(), Some(1), "round {round}: {rerun:?}");
                break json_lines(&rerun);
            }
        };
        assert_eq!(summary.len(), FILES, "round {round}");
        let mut left = Vec::new();
        for entry in std::fs::read_dir(output).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".tmp") {
                left.push(path);
            } else {
                assert_eq!(
                    std::fs::read(&path).unwrap(),
                    expected,
                    "{}",
                    path.display()
                );
            }
        }
        assert!(left.is_empty(), "round {round}: {left:?}");
        assert_eq!(std::fs::read_dir(output).unwrap().count(), FILES);
        // Once done, a further run has nothing to do: every output is already there.
        let again = run(&["fix", "--json", "--output", output, input]);
        assert!(json_lines(&again)
            .iter()
            .all(|record| record["fix"]["existing"] == true));
    }
}

/// `--deep` (and a policy file's `deep = true`) makes `scan` and `fix` search Pixel Data: an
/// ELF there is found, records say `"deep": true`, and `policy` prints the setting.
#[test]
fn deep_searches_pixel_data_in_scan_fix_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (mut data, _) = fixtures::part10(fixtures::Encoding::ExplicitLe, &[]);
    let mut pixels = vec![0u8; 4096];
    let elf = fixtures::elf_exit_42();
    pixels[100..100 + elf.len()].copy_from_slice(&elf);
    let at = fixtures::pixel_data_offset(&data);
    data.truncate(at);
    data.extend(fixtures::element(0x7FE0, 0x0010, b"OW", &pixels));
    let file = dir.path().join("pixels.dcm");
    std::fs::write(&file, &data).unwrap();
    let file = file.to_str().unwrap();
    let deep_policy = dir.path().join("deep.toml");
    std::fs::write(&deep_policy, "deep = true\n").unwrap();
    let deep_policy = deep_policy.to_str().unwrap();

    let record = |args: &[&str]| {
        let output = run(args);
        let records = json_lines(&output);
        assert_eq!(records.len(), 1, "{args:?}");
        (output.status.code(), records[0].clone())
    };
    let (code, shallow) = record(&["scan", "--json", file]);
    assert_eq!(
        (code, &shallow["deep"], &shallow["threat"]),
        (Some(0), &false.into(), &false.into())
    );
    for args in [
        &["scan", "--json", "--deep", file][..],
        &["scan", "--json", "--policy-file", deep_policy, file],
        &["scan", "--json", "--policy", "zero", "--deep", file],
        &["fix", "--json", "--deep", "--dry-run", "--in-place", file],
    ] {
        let (code, deep) = record(args);
        assert_eq!(code, Some(1), "{args:?}: {deep}");
        assert_eq!(deep["deep"], true, "{args:?}");
        assert_eq!(deep["threat"], true, "{args:?}");
        assert!(deep["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "value.executable" && f["tag"] == "(7FE0,0010)"));
    }
    assert_eq!(
        std::fs::read(file).unwrap(),
        data,
        "a dry run writes nothing"
    );
    let (code, inspected) = record(&["inspect", "--json", "--deep", file]);
    assert_eq!((code, &inspected["deep"]), (Some(1), &true.into()));

    for args in [
        &["policy", "--deep"][..],
        &["policy", "--policy-file", deep_policy],
    ] {
        let printed = run(args);
        assert_eq!(printed.status.code(), Some(0));
        assert!(String::from_utf8(printed.stdout)
            .unwrap()
            .contains("deep = true"));
    }
    let printed = String::from_utf8(run(&["policy"]).stdout).unwrap();
    assert!(printed.contains("deep = false"), "{printed}");
}

/// Hard links to one file, fixed in parallel, wait for each other's lock rather than fail.
#[test]
fn fix_in_parallel_over_hard_links_of_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let (pe, _) = fixtures::pe_polyglot();
    let first = dir.path().join("link-000.dcm");
    std::fs::write(&first, &pe).unwrap();
    for i in 1..40 {
        std::fs::hard_link(&first, dir.path().join(format!("link-{i:03}.dcm"))).unwrap();
    }
    let output = run(&[
        "fix",
        "--in-place",
        "--jobs",
        "2",
        "--json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json_lines(&output).len(), 40);
    let data = std::fs::read(&first).unwrap();
    assert_eq!(&data[..128], &[0; 128]);
    assert_eq!(&data[128..], &pe[128..]);
}
