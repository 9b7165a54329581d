//! The `dicom-sanitize` binary, driven as a user would.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::fixtures::{self, data_dir};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dicom-sanitize"))
        .args(args)
        .output()
        .expect("run dicom-sanitize")
}

fn json_lines(output: &Output) -> Vec<Value> {
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
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
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

    // An existing output is not overwritten without --force.
    let again = run(&[
        "fix",
        "--output",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stdout).contains("exists (use --force to overwrite)"));
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
