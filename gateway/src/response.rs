//! The STOW-RS answer (PS3.18 §10.5.3): the origin's answer for what was forwarded, merged
//! with a Failed SOP Sequence (0008,1198) item for each instance the gateway refused.

use http::StatusCode;
use serde_json::{json, Map, Value};

/// Failed SOP Sequence.
const FAILED_SOP_SEQUENCE: &str = "00081198";
/// Referenced SOP Class UID.
const REFERENCED_SOP_CLASS: &str = "00081150";
/// Referenced SOP Instance UID.
const REFERENCED_SOP_INSTANCE: &str = "00081155";
/// Failure Reason.
const FAILURE_REASON: &str = "00081197";

/// Failure Reason (PS3.18 Table I.2-2) for an instance the policy refuses: processing failure.
pub const REASON_REFUSED: u16 = 0x0110;
/// Failure Reason for a part that is not a PS3.10 file: error, cannot understand.
pub const REASON_NOT_DICOM: u16 = 0xC000;

/// An instance the gateway did not forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Its SOP Class UID, when its File Meta group tells it.
    pub sop_class: Option<String>,
    /// Its SOP Instance UID, when its File Meta group tells it.
    pub sop_instance: Option<String>,
    /// The Failure Reason code.
    pub reason: u16,
}

impl Failure {
    /// The Failed SOP Sequence item, in the DICOM JSON model (PS3.18 §F.2).
    fn item(&self) -> Value {
        let uid = |value: &Option<String>| match value {
            Some(uid) => json!({"vr": "UI", "Value": [uid]}),
            None => json!({"vr": "UI"}),
        };
        json!({
            REFERENCED_SOP_CLASS: uid(&self.sop_class),
            REFERENCED_SOP_INSTANCE: uid(&self.sop_instance),
            FAILURE_REASON: {"vr": "US", "Value": [self.reason]},
        })
    }
}

/// The answer to the client: the status and the DICOM JSON data set.
///
/// `origin` is what the origin answered for the forwarded instances (`None` when none was
/// forwarded). Its status stands, except that a full success with refused instances becomes
/// 202 Accepted; with nothing forwarded, refused instances make 409 Conflict.
///
/// ```
/// use dicom_sanitize_gateway::response::{merge, Failure, REASON_REFUSED};
/// use http::StatusCode;
///
/// let refused = Failure { sop_class: None, sop_instance: Some("1.2.3".into()), reason: REASON_REFUSED };
/// let origin = serde_json::json!({"00081199": {"vr": "SQ", "Value": [{}]}});
/// let (status, answer) = merge(Some((StatusCode::OK, Some(origin))), &[refused]);
/// assert_eq!(status, StatusCode::ACCEPTED);
/// assert_eq!(answer["00081198"]["Value"][0]["00081155"]["Value"][0], "1.2.3");
/// assert_eq!(answer["00081198"]["Value"][0]["00081197"]["Value"][0], 0x0110);
/// ```
pub fn merge(
    origin: Option<(StatusCode, Option<Value>)>,
    failures: &[Failure],
) -> (StatusCode, Value) {
    let (status, body) = match origin {
        None => (StatusCode::CONFLICT, None),
        Some((status, body)) => {
            let status = if status == StatusCode::OK && !failures.is_empty() {
                StatusCode::ACCEPTED
            } else {
                status
            };
            (status, body)
        }
    };
    let mut body = match body {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if !failures.is_empty() {
        let sequence = body
            .entry(FAILED_SOP_SEQUENCE)
            .or_insert_with(|| json!({"vr": "SQ"}));
        if !sequence.is_object() {
            *sequence = json!({"vr": "SQ"});
        }
        if let Some(sequence) = sequence.as_object_mut() {
            sequence.insert("vr".into(), "SQ".into());
            let items = sequence.entry("Value").or_insert_with(|| json!([]));
            if !items.is_array() {
                *items = json!([]);
            }
            if let Some(items) = items.as_array_mut() {
                items.extend(failures.iter().map(Failure::item));
            }
        }
    }
    (status, Value::Object(body))
}

/// The DICOM JSON data set written in the Native DICOM Model (PS3.19 §A.1), for clients
/// that accept `application/dicom+xml`.
pub fn to_xml(data_set: &Value) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <NativeDicomModel xmlns=\"http://dicom.nema.org/PS3.19/models/NativeDICOM\">",
    );
    write_data_set(&mut out, data_set);
    out.push_str("</NativeDicomModel>\n");
    out
}

fn write_data_set(out: &mut String, data_set: &Value) {
    let Some(map) = data_set.as_object() else {
        return;
    };
    for (tag, attribute) in map {
        let vr = attribute.get("vr").and_then(Value::as_str).unwrap_or("UN");
        out.push_str(&format!(
            "<DicomAttribute tag=\"{}\" vr=\"{}\">",
            escape(tag),
            escape(vr)
        ));
        let values = attribute.get("Value").and_then(Value::as_array);
        for (i, value) in values.into_iter().flatten().enumerate() {
            let number = i + 1;
            if vr == "SQ" {
                out.push_str(&format!("<Item number=\"{number}\">"));
                write_data_set(out, value);
                out.push_str("</Item>");
            } else {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                out.push_str(&format!(
                    "<Value number=\"{number}\">{}</Value>",
                    escape(&text)
                ));
            }
        }
        out.push_str("</DicomAttribute>");
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Failure {
        Failure {
            sop_class: Some("1.2.840.10008.5.1.4.1.1.2".into()),
            sop_instance: Some("1.2.3".into()),
            reason: REASON_REFUSED,
        }
    }

    #[test]
    fn statuses() {
        let ok = Some((StatusCode::OK, Some(json!({}))));
        assert_eq!(merge(ok.clone(), &[]).0, StatusCode::OK);
        assert_eq!(merge(ok, &[refused()]).0, StatusCode::ACCEPTED);
        assert_eq!(merge(None, &[refused()]).0, StatusCode::CONFLICT);
        let conflict = Some((StatusCode::CONFLICT, None));
        assert_eq!(merge(conflict, &[refused()]).0, StatusCode::CONFLICT);
    }

    #[test]
    fn failures_join_the_origins_sequence() {
        let origin = json!({
            "00081190": {"vr": "UR", "Value": ["http://pacs/studies/1"]},
            "00081198": {"vr": "SQ", "Value": [{"00081197": {"vr": "US", "Value": [272]}}]},
        });
        let (_, body) = merge(Some((StatusCode::ACCEPTED, Some(origin))), &[refused()]);
        let items = body["00081198"]["Value"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["00081155"]["Value"][0], "1.2.3");
        assert_eq!(items[1]["00081197"]["Value"][0], 0x0110);
        assert_eq!(body["00081190"]["Value"][0], "http://pacs/studies/1");

        // Orthanc writes an empty sequence without a Value.
        let empty = json!({"00081198": {"vr": "SQ"}});
        let (_, body) = merge(Some((StatusCode::OK, Some(empty))), &[refused()]);
        assert_eq!(body["00081198"]["Value"].as_array().unwrap().len(), 1);

        let unknown = Failure {
            sop_class: None,
            sop_instance: None,
            reason: REASON_NOT_DICOM,
        };
        let (_, body) = merge(None, &[unknown]);
        assert_eq!(
            body["00081198"]["Value"][0]["00081155"],
            json!({"vr": "UI"})
        );
    }

    #[test]
    fn xml() {
        let (_, body) = merge(None, &[refused()]);
        let xml = to_xml(&body);
        assert!(xml.contains(
            "<DicomAttribute tag=\"00081198\" vr=\"SQ\"><Item number=\"1\">\
             <DicomAttribute tag=\"00081150\" vr=\"UI\"><Value number=\"1\">1.2.840.10008.5.1.4.1.1.2</Value>"
        ), "{xml}");
        assert!(xml.contains(
            "<DicomAttribute tag=\"00081197\" vr=\"US\"><Value number=\"1\">272</Value>"
        ));
        assert_eq!(escape("a<&\">"), "a&lt;&amp;&quot;&gt;");
    }
}
