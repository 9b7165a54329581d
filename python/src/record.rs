//! The JSON record of `dicom-sanitize scan --json` for a report.
//!
//! TEMPORARY: a copy of the CLI's `Record`/`ErrorRecord`/`JsonPath` (src/bin/cli/record.rs,
//! names.rs) until they move into the library; `tests/test_cli_parity.py` compares the two
//! byte for byte.

use std::path::Path;

use dicom_sanitize::{Verdict, REPORT_SCHEMA};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::report::{Body, Report};

#[derive(Serialize)]
struct Record<'a> {
    schema: &'static str,
    #[serde(flatten)]
    path: JsonPath<'a>,
    #[serde(flatten)]
    verdict: Verdict<'a>,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    schema: &'static str,
    #[serde(flatten)]
    path: JsonPath<'a>,
    status: &'static str,
    threat: bool,
    preamble: Option<()>,
    findings: [(); 0],
    action: &'static str,
    error: &'a str,
}

/// `path` and, for a name that is not UTF-8, `path_hex`; nothing for bytes.
struct JsonPath<'a>(Option<&'a Path>);

impl Serialize for JsonPath<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(path) = self.0 {
            let bytes = path.as_os_str().as_encoded_bytes();
            map.serialize_entry("path", &path.to_string_lossy())?;
            if std::str::from_utf8(bytes).is_err() {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                map.serialize_entry("path_hex", &hex)?;
            }
        }
        map.end()
    }
}

/// The record's JSON text.
pub fn to_json(report: &Report) -> serde_json::Result<String> {
    let path = JsonPath(report.path.as_deref());
    match &report.body {
        Body::Read { report, action } => serde_json::to_string(&Record {
            schema: REPORT_SCHEMA,
            path,
            verdict: Verdict::with_action(report, *action),
        }),
        Body::Error { message } => serde_json::to_string(&ErrorRecord {
            schema: REPORT_SCHEMA,
            path,
            status: "error",
            threat: false,
            preamble: None,
            findings: [],
            action: "none",
            error: message,
        }),
    }
}
