//! Media types: the STOW-RS request's `multipart/related` parameters, the part headers written
//! again, and which answer the client accepts.

use bytes::{BufMut, Bytes, BytesMut};
use http::header::{HeaderMap, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};

/// `application/dicom`: a PS3.10 file, the parts the gateway sanitizes.
pub const DICOM: &str = "application/dicom";
/// The STOW-RS answer in JSON.
pub const DICOM_JSON: &str = "application/dicom+json";
/// The STOW-RS answer in XML.
pub const DICOM_XML: &str = "application/dicom+xml";

/// A `multipart/related` request's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The boundary, unquoted.
    pub boundary: String,
    /// The root's media type (`type=`), lowercased: `application/dicom` for PS3.10 files.
    pub root_type: Option<String>,
}

/// Why a request's `Content-Type` cannot be read as `multipart/related`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Not `multipart/related` (or absent).
    #[error("not multipart/related")]
    NotRelated,
    /// No usable `boundary` parameter.
    #[error("multipart/related without a valid boundary")]
    NoBoundary,
}

/// Parses a `Content-Type` value as `multipart/related` with its `boundary` and `type`.
///
/// ```
/// use dicom_sanitize_gateway::media::{parse_related, MediaError};
///
/// let related = parse_related(r#"multipart/related; type="application/dicom"; boundary=XYZ"#)?;
/// assert_eq!(related.boundary, "XYZ");
/// assert_eq!(related.root_type.as_deref(), Some("application/dicom"));
/// assert_eq!(parse_related("multipart/form-data; boundary=XYZ"), Err(MediaError::NotRelated));
/// # Ok::<(), MediaError>(())
/// ```
pub fn parse_related(content_type: &str) -> Result<Related, MediaError> {
    let mut params = split_params(content_type);
    let essence = params.next().map(|(name, _)| name.to_ascii_lowercase());
    if essence.as_deref() != Some("multipart/related") {
        return Err(MediaError::NotRelated);
    }
    let mut boundary = None;
    let mut root_type = None;
    for (name, value) in params {
        match name.to_ascii_lowercase().as_str() {
            "boundary" => boundary = Some(value),
            "type" => root_type = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    // RFC 2046: 1 to 70 characters, none of them a control character.
    let boundary = boundary
        .filter(|b| (1..=70).contains(&b.len()) && b.bytes().all(|c| (0x20..0x7f).contains(&c)))
        .ok_or(MediaError::NoBoundary)?;
    Ok(Related {
        boundary,
        root_type,
    })
}

/// `essence; name=value; name="quoted value"`: the essence as a name with an empty value,
/// then each parameter, unquoted.
fn split_params(value: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let mut rest = value;
    let mut first = true;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            return None;
        }
        if std::mem::take(&mut first) {
            let end = rest.find(';').unwrap_or(rest.len());
            let (essence, tail) = rest.split_at(end);
            rest = tail;
            return Some((essence.trim().to_owned(), String::new()));
        }
        let eq = rest.find(['=', ';']).unwrap_or(rest.len());
        let (name, tail) = rest.split_at(eq);
        let name = name.trim().to_owned();
        let Some(tail) = tail.strip_prefix('=') else {
            rest = tail;
            return Some((name, String::new()));
        };
        let tail = tail.trim_start();
        let (value, tail) = if let Some(quoted) = tail.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = tail.find(';').unwrap_or(tail.len());
            (tail[..end].trim().to_owned(), &tail[end..])
        };
        rest = tail;
        Some((name, value))
    })
}

/// Whether a part is a PS3.10 file: its own `Content-Type` says `application/dicom`, or it
/// has none and the request's root type does.
pub fn is_dicom_part(part: &HeaderMap, root_type: Option<&str>) -> bool {
    match part.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(value) => split_params(value)
            .next()
            .is_some_and(|(essence, _)| essence.eq_ignore_ascii_case(DICOM)),
        None => root_type == Some(DICOM),
    }
}

/// A part's delimiter and headers as they are forwarded: `Content-Length` is dropped (the
/// sanitized part may be shorter); every other header is kept.
pub fn part_head(boundary: &str, first: bool, headers: &HeaderMap) -> Bytes {
    let mut out = BytesMut::new();
    if !first {
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"--");
    out.put_slice(boundary.as_bytes());
    out.put_slice(b"\r\n");
    for (name, value) in headers {
        if name == CONTENT_LENGTH {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
    out.freeze()
}

/// The close delimiter.
pub fn close(boundary: &str) -> Bytes {
    Bytes::from(format!("\r\n--{boundary}--\r\n"))
}

/// Whether the client asked for XML: it accepts `application/dicom+xml` and not
/// `application/dicom+json` (JSON otherwise, as most clients expect).
pub fn wants_xml(request: &HeaderMap) -> bool {
    let accepted: Vec<String> = request
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| split_params(item).next())
        .map(|(essence, _)| essence.to_ascii_lowercase())
        .collect();
    accepted.iter().any(|a| a == DICOM_XML) && !accepted.iter().any(|a| a == DICOM_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn related_types() {
        let r =
            parse_related("Multipart/Related; type=\"application/dicom\"; boundary=\"a b;c\\\"d\"")
                .unwrap();
        assert_eq!(r.boundary, "a b;c\"d");
        assert_eq!(r.root_type.as_deref(), Some(DICOM));
        let r = parse_related("multipart/related;boundary=XYZ;type=application/dicom").unwrap();
        assert_eq!(r.boundary, "XYZ");
        assert_eq!(r.root_type.as_deref(), Some(DICOM));
        assert_eq!(
            parse_related("multipart/form-data; boundary=x"),
            Err(MediaError::NotRelated)
        );
        assert_eq!(
            parse_related("application/dicom"),
            Err(MediaError::NotRelated)
        );
        assert_eq!(parse_related(""), Err(MediaError::NotRelated));
        for bad in [
            "multipart/related; type=\"application/dicom\"",
            "multipart/related; boundary=",
            "multipart/related; boundary=\"\"",
        ] {
            assert_eq!(parse_related(bad), Err(MediaError::NoBoundary), "{bad}");
        }
        let long = format!("multipart/related; boundary={}", "x".repeat(71));
        assert_eq!(parse_related(&long), Err(MediaError::NoBoundary));
    }

    #[test]
    fn every_prefix_and_mangling_parses_without_panicking() {
        let inputs = [
            "multipart/related; type=\"application/dicom\"; boundary=\"a\\\"b\"",
            "multipart/related;boundary=x;type=application/dicom;start=\"<1@x>\"",
            "Multipart/Related ; boundary = \"é;ü\" ; ;; type",
            "application/dicom+xml, application/dicom+json;q=0.5",
        ];
        for input in inputs {
            for (end, _) in input.char_indices().chain([(input.len(), ' ')]) {
                let prefix = &input[..end];
                let _ = parse_related(prefix);
                let _ = split_params(prefix).count();
                let mut headers = HeaderMap::new();
                if let Ok(value) = HeaderValue::from_str(prefix) {
                    headers.insert(CONTENT_TYPE, value.clone());
                    headers.insert(ACCEPT, value);
                    let _ = is_dicom_part(&headers, None);
                    let _ = wants_xml(&headers);
                }
            }
        }
        // A quoted boundary keeps its escaped quote; one left open runs to the end.
        assert_eq!(parse_related(inputs[0]).unwrap().boundary, "a\"b");
        assert_eq!(
            parse_related("multipart/related; boundary=\"open")
                .unwrap()
                .boundary,
            "open"
        );
    }

    #[test]
    fn parts() {
        let mut headers = HeaderMap::new();
        assert!(is_dicom_part(&headers, Some(DICOM)));
        assert!(!is_dicom_part(&headers, Some("application/dicom+xml")));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("Application/DICOM"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert!(is_dicom_part(&headers, None));
        assert_eq!(
            part_head("B", true, &headers),
            Bytes::from_static(b"--B\r\ncontent-type: Application/DICOM\r\n\r\n")
        );
        assert!(part_head("B", false, &headers).starts_with(b"\r\n--B\r\n"));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        assert!(!is_dicom_part(&headers, Some(DICOM)));
    }

    #[test]
    fn accepted_answers() {
        let mut headers = HeaderMap::new();
        assert!(!wants_xml(&headers));
        headers.insert(ACCEPT, HeaderValue::from_static("application/dicom+xml"));
        assert!(wants_xml(&headers));
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/dicom+xml, application/dicom+json;q=0.5"),
        );
        assert!(!wants_xml(&headers));
    }
}
