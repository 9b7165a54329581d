//! Requests passed through to the origin untouched (QIDO-RS, WADO-RS, anything that is not a
//! STOW-RS upload), minus the hop-by-hop headers.

use http::header::{self, HeaderMap, HeaderName};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::{text, Body, BoxError, Gateway};

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the hop-by-hop headers, and those the `Connection` header names.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(name);
    }
}

/// The origin's request for a client's request head: same method, path, query and headers
/// (less the hop-by-hop ones, `Host` and `Expect`).
pub(crate) fn origin_request(
    gateway: &Gateway,
    parts: &http::request::Parts,
    body: Body,
) -> Result<Request<Body>, http::Error> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(gateway.config.origin.uri_for(path)?)
        .body(body)?;
    let headers = request.headers_mut();
    *headers = parts.headers.clone();
    strip_hop_by_hop(headers);
    // The client sets `Host`; the gateway has already answered any `Expect: 100-continue`.
    headers.remove(header::HOST);
    headers.remove(header::EXPECT);
    Ok(request)
}

/// Passes `request` to the origin and its answer back: 502 when the origin cannot be reached,
/// 504 when it does not answer in time. With `sanitize_responses`, instances in the answer to
/// a GET are sanitized on the way out.
pub(crate) async fn forward(
    gateway: &Gateway,
    request: Request<Incoming>,
    remote: std::net::SocketAddr,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let sanitize = gateway.config.sanitize_responses && parts.method == http::Method::GET;
    let body = body.map_err(BoxError::from).boxed();
    let Ok(request) = origin_request(gateway, &parts, body) else {
        return text(StatusCode::BAD_REQUEST, "bad request target\n");
    };
    let timeout = gateway.config.limits.origin_timeout;
    match tokio::time::timeout(timeout, gateway.client.request(request)).await {
        Err(_) => text(
            StatusCode::GATEWAY_TIMEOUT,
            "the origin did not answer in time\n",
        ),
        Ok(Err(err)) => text(
            StatusCode::BAD_GATEWAY,
            format!("the origin could not be reached: {err}\n"),
        ),
        Ok(Ok(mut response)) => {
            strip_hop_by_hop(response.headers_mut());
            if sanitize && response.status() == StatusCode::OK {
                return crate::retrieve::sanitize(gateway, remote, response).await;
            }
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.map_err(BoxError::from).boxed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn hop_by_hop_headers_stay() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-private"),
        );
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/dicom+json"),
        );
        strip_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key(header::ACCEPT));
    }
}
