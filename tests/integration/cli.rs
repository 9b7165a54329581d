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
