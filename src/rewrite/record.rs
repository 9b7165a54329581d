//! The JSON record of one input (feature `serde`): a line of `dicom-sanitize scan --json`.
//!
//! A [`Verdict`] is what a report and a policy say about some bytes; a record adds which file
//! they came from (losslessly, whatever the bytes of its name), and has the same fields for
//! a file that could not be read, so that a consumer of the JSON Lines reads one shape.

use std::path::Path;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::rewrite::verdict::Verdict;
use crate::validate::report::REPORT_SCHEMA;

/// The `status` of the record of a file that could not be read. Not a
/// [`Status`](crate::Status): validation never fails, only reading a file does.
const UNREADABLE: &str = "error";

/// One input's JSON object of schema [`REPORT_SCHEMA`]: `schema`, the file's `path` (and
/// `path_hex` for a name that is not UTF-8; neither for bytes that came from no file), then
/// the [`Verdict`]'s fields (the report's, then `action`) or, for a file that could not be
/// read, the same fields with `status` "error", no preamble and no findings, then `error`.
/// [`Record::with`] appends fields of the caller's (the command line's `fix` appends what
/// it did).
///
/// ```
/// use std::path::Path;
///
/// use dicom_sanitize::{validate, Policy, Record, Verdict};
///
/// let path = Path::new("examples/data/pe_polyglot.dcm");
/// let report = validate(&std::fs::read(path)?);
/// let record = Record::new(Some(path), Verdict::new(&Policy::default(), &report));
/// let json = serde_json::to_string(&record)?;
/// assert!(json.starts_with(
///     r#"{"schema":"dicom-sanitize/report/v1","path":"examples/data/pe_polyglot.dcm","#
/// ));
/// assert!(json.ends_with(r#","action":"zero"}"#));
///
/// let missing = Path::new("uploads/gone.dcm");
/// let json = serde_json::to_string(&Record::unreadable(Some(missing), "no such file"))?;
/// assert_eq!(
///     json,
///     r#"{"schema":"dicom-sanitize/report/v1","path":"uploads/gone.dcm","status":"error","threat":false,"preamble":null,"findings":[],"action":"none","error":"no such file"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Record<'a, X = ()> {
    path: Option<&'a Path>,
    body: Body<'a>,
    extra: X,
}

#[derive(Debug, Clone, Copy)]
enum Body<'a> {
    Read(Verdict<'a>),
    Unreadable(&'a str),
}

impl<'a> Record<'a> {
    /// The record of an input that was read: of the file at `path`, or of bytes (`None`).
    pub fn new(path: Option<&'a Path>, verdict: Verdict<'a>) -> Self {
        Record {
            path,
            body: Body::Read(verdict),
            extra: (),
        }
    }

    /// The record of a file that could not be read, and why.
    pub fn unreadable(path: Option<&'a Path>, error: &'a str) -> Self {
        Record {
            path,
            body: Body::Unreadable(error),
            extra: (),
        }
    }

    /// The same record with the fields of `extra` (a struct or a map) after its own.
    ///
    /// ```
    /// use dicom_sanitize::{validate, Action, Record, Verdict};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Seen {
    ///     seen_by: &'static str,
    /// }
    ///
    /// let report = validate(&std::fs::read("examples/data/clean.dcm")?);
    /// let record = Record::new(None, Verdict::with_action(&report, Action::None));
    /// let json = serde_json::to_string(&record.with(Seen { seen_by: "gateway" }))?;
    /// assert!(json.starts_with(r#"{"schema":"dicom-sanitize/report/v1","status":"clean","#));
    /// assert!(json.ends_with(r#","action":"none","seen_by":"gateway"}"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with<X: Serialize>(self, extra: X) -> Record<'a, X> {
        Record {
            path: self.path,
            body: self.body,
            extra,
        }
    }
}

#[derive(Serialize)]
struct ReadRecord<'a, X> {
    schema: &'static str,
    #[serde(flatten)]
    path: JsonPath<'a>,
    #[serde(flatten)]
    verdict: Verdict<'a>,
    #[serde(flatten)]
    extra: &'a X,
}

#[derive(Serialize)]
struct UnreadableRecord<'a, X> {
    schema: &'static str,
    #[serde(flatten)]
    path: JsonPath<'a>,
    status: &'static str,
    threat: bool,
    preamble: Option<()>,
    findings: [(); 0],
    action: &'static str,
    error: &'a str,
    #[serde(flatten)]
    extra: &'a X,
}

impl<X: Serialize> Serialize for Record<'_, X> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let path = JsonPath(self.path);
        match self.body {
            Body::Read(verdict) => ReadRecord {
                schema: REPORT_SCHEMA,
                path,
                verdict,
                extra: &self.extra,
            }
            .serialize(serializer),
            Body::Unreadable(error) => UnreadableRecord {
                schema: REPORT_SCHEMA,
                path,
                status: UNREADABLE,
                threat: false,
                preamble: None,
                findings: [],
                action: "none",
                error,
                extra: &self.extra,
            }
            .serialize(serializer),
        }
    }
}

/// The fields naming a file: `path`, the name as UTF-8 (invalid bytes replaced by U+FFFD),
/// and, only when the name is not UTF-8, `path_hex`, its bytes in hexadecimal, from which the
/// exact name is recovered (`bytes.fromhex` in Python). Nothing for bytes.
struct JsonPath<'a>(Option<&'a Path>);

impl Serialize for JsonPath<'_> {
    /// As a map, for `#[serde(flatten)]` into a record.
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

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    #[test]
    fn a_name_that_is_not_utf8_is_kept_in_hex() {
        let path = Path::new(OsStr::from_bytes(b"dir/a\xffb.dcm"));
        let json = serde_json::to_string(&Record::unreadable(Some(path), "gone")).unwrap();
        let expected = "{\"schema\":\"dicom-sanitize/report/v1\",\"path\":\"dir/a\u{fffd}b.dcm\",\
                        \"path_hex\":\"6469722f61ff622e64636d\",\"status\":\"error\",";
        assert!(json.starts_with(expected), "{json}");
        let utf8 = Record::unreadable(Some(Path::new("caf\u{e9}.dcm")), "gone");
        let utf8 = serde_json::to_string(&utf8).unwrap();
        assert!(
            utf8.contains("\"path\":\"caf\u{e9}.dcm\",\"status\""),
            "{utf8}"
        );
    }
}
