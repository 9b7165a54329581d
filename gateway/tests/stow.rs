//! The gateway's protocol against an in-process fake origin on loopback.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use dicom_sanitize_gateway::{Config, Gateway, Origin};
use http::{header, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BOUNDARY: &str = "gateway-test-boundary";

fn sample(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path: PathBuf = [root.join("examples/data"), root.join("tests/data/pydicom")]
        .iter()
        .map(|dir| dir.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no sample {name}"));
    std::fs::read(path).unwrap()
}

/// CT_small with an MZ header in its preamble.
fn polyglot() -> Vec<u8> {
    let mut data = sample("CT_small.dcm");
    data[..4].copy_from_slice(b"MZ\x90\0");
    data
}

fn multipart(parts: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(part);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// What the fake origin received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path_and_query: String,
    content_type: Option<String>,
    body: Bytes,
}

#[derive(Default)]
struct Origin_ {
    complete: Mutex<Vec<Received>>,
    /// Requests whose body broke off.
    broken: Mutex<u32>,
}

/// A fake origin: records each request whose body arrives whole, answers STOW-RS with 200 and
/// a Retrieve URL, anything else with its path.
async fn fake_origin() -> (SocketAddr, Arc<Origin_>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Origin_::default());
    let state = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let state = Arc::clone(&state);
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = match body.collect().await {
                            Ok(body) => body.to_bytes(),
                            Err(_) => {
                                *state.broken.lock().unwrap() += 1;
                                return Err("broken body");
                            }
                        };
                        state.complete.lock().unwrap().push(Received {
                            method: parts.method.to_string(),
                            path_and_query: parts.uri.path_and_query().unwrap().to_string(),
                            content_type: parts
                                .headers
                                .get(header::CONTENT_TYPE)
                                .map(|v| v.to_str().unwrap().to_owned()),
                            body,
                        });
                        let path = parts.uri.path();
                        let (answer, media) = if parts.method == http::Method::POST {
                            (
                                r#"{"00081190":{"vr":"UR","Value":["http://origin/studies"]}}"#
                                    .into(),
                                "application/dicom+json".to_owned(),
                            )
                        } else if path.ends_with("/single") {
                            // WADO-RS: one instance, a polyglot.
                            (polyglot(), "application/dicom".to_owned())
                        } else if path.ends_with("/multi") {
                            (
                                multipart(&[&sample("clean.dcm"), &polyglot(), b"not dicom"]),
                                format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}"),
                            )
                        } else {
                            (
                                format!("origin saw {}", parts.uri).into_bytes(),
                                "text/plain".to_owned(),
                            )
                        };
                        let mut response = Response::new(Full::new(Bytes::from(answer)));
                        response
                            .headers_mut()
                            .insert(header::CONTENT_TYPE, media.parse().unwrap());
                        Ok::<_, &str>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

/// A gateway in front of `origin` with `config` adjusted by `adjust`.
async fn gateway(
    origin: SocketAddr,
    adjust: impl FnOnce(&mut Config),
) -> (SocketAddr, Arc<Gateway>) {
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Origin::parse(&format!("http://{origin}/dicom-web")).unwrap(),
    );
    adjust(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let gateway = Gateway::new(config).unwrap();
    tokio::spawn(Arc::clone(&gateway).serve(listener));
    (addr, gateway)
}

async fn post(gateway: SocketAddr, body: Vec<u8>, accept: &str) -> (StatusCode, String, Bytes) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = Request::post(format!("http://{gateway}/studies"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}"),
        )
        .header(header::ACCEPT, accept)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let media = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        media,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// The parts of a forwarded body, read with multer as the origin would.
async fn parts_of(received: &Received) -> Vec<Bytes> {
    let content_type = received.content_type.as_deref().unwrap();
    assert!(
        content_type.starts_with("multipart/related"),
        "{content_type}"
    );
    let boundary = dicom_sanitize_gateway::media::parse_related(content_type)
        .unwrap()
        .boundary;
    let body = received.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.unwrap() {
        parts.push(field.bytes().await.unwrap());
    }
    parts
}

fn failed_items(answer: &Value) -> Vec<Value> {
    answer["00081198"]["Value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn clean_and_polyglot_instances_are_forwarded_sanitized() {
    let (origin, seen) = fake_origin().await;
    let (gw, gateway) = gateway(origin, |_| {}).await;
    let clean = sample("clean.dcm");
    let hostile = polyglot();
    let tiff = sample("dual_personality.dcm");
    let (status, media, body) = post(
        gw,
        multipart(&[&clean, &hostile, &tiff]),
        "application/dicom+json",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(media, "application/dicom+json");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["00081190"]["Value"][0], "http://origin/studies");
    assert!(failed_items(&answer).is_empty());

    let received = seen.complete.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].path_and_query, "/dicom-web/studies");
    let parts = parts_of(&received[0]).await;
    assert_eq!(parts.len(), 3);
    assert!(
        parts[0] == clean,
        "a clean instance is forwarded byte for byte"
    );
    assert!(
        parts[1][..128] == [0; 128],
        "the polyglot's preamble is zeroed"
    );
    assert!(
        parts[1][128..] == hostile[128..],
        "and every later byte kept"
    );
    assert!(parts[2] == tiff, "a functional DICOM-TIFF header is kept");

    let metrics = gateway.metrics().render();
    assert!(
        metrics.contains("dicom_gateway_instances_forwarded_total{action=\"zero\"} 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("dicom_gateway_instances_forwarded_total{action=\"keep-tiff\"} 1\n"));
    assert!(metrics.contains("dicom_gateway_stow_requests_total{status=\"200\"} 1\n"));
}

fn rejecting(config: &mut Config) {
    config.policy = dicom_sanitize::Policy::builder()
        .preamble(dicom_sanitize::PreambleAction::Reject)
        .build()
        .unwrap();
}

#[tokio::test]
async fn refused_instances_are_reported_and_not_forwarded() {
    let (origin, seen) = fake_origin().await;
    let (gw, _) = gateway(origin, rejecting).await;
    let clean = sample("clean.dcm");
    let hostile = polyglot();
    let (status, _, body) = post(gw, multipart(&[&hostile, &clean, b"not dicom at all"]), "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "some stored, some failed");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let failed = failed_items(&answer);
    assert_eq!(failed.len(), 2, "{answer}");
    let meta = dicom_sanitize::inspect(&hostile).unwrap();
    let meta = meta.meta().unwrap();
    assert_eq!(
        failed[0]["00081155"]["Value"][0],
        meta.media_storage_sop_instance_uid().unwrap()
    );
    assert_eq!(
        failed[0]["00081150"]["Value"][0],
        meta.media_storage_sop_class_uid().unwrap()
    );
    assert_eq!(failed[0]["00081197"]["Value"][0], 0x0110);
    assert_eq!(
        failed[1]["00081197"]["Value"][0], 0xC000,
        "not DICOM: cannot understand"
    );
    assert_eq!(
        answer["00081190"]["Value"][0], "http://origin/studies",
        "the origin's answer is kept"
    );

    let received = seen.complete.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert!(parts_of(&received[0]).await == vec![Bytes::from(clean)]);

    // Nothing acceptable: 409, and the origin is not asked.
    let (status, _, body) = post(gw, multipart(&[&hostile]), "application/dicom+xml").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let xml = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        xml.contains("<DicomAttribute tag=\"00081197\" vr=\"US\"><Value number=\"1\">272</Value>"),
        "{xml}"
    );
    assert_eq!(seen.complete.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn broken_uploads_store_nothing() {
    let (origin, seen) = fake_origin().await;
    let (gw, _) = gateway(origin, |c| {
        c.limits.body_bytes = 6_000;
        c.limits.parts = 3;
    })
    .await;
    let clean = sample("clean.dcm");
    assert!(clean.len() * 2 < 6_000 && clean.len() * 3 > 7_000);

    // A part that ends early: the body stops in its middle, with no close delimiter.
    let whole = multipart(&[&clean, &clean]);
    let truncated = whole[..whole.len() - 1000].to_vec();
    let (status, _, body) = post(gw, truncated, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
    assert!(String::from_utf8_lossy(&body).contains("nothing was stored"));

    // Not multipart at all.
    let (status, _, _) = post(gw, b"garbage with no boundary".to_vec(), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Over the body limit, the length declared (refused before reading) and not.
    let big = multipart(&[&clean, &clean, &clean]);
    assert!(big.len() > 6_000);
    let (status, _, _) = post(gw, big.clone(), "").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = raw_post(gw, &big, false, None).await;
    assert_eq!(status, 413, "a chunked body over the limit");

    // Too many parts.
    let many = multipart(&[b"x", b"y", b"z", b"w"]);
    let (status, _, _) = post(gw, many, "").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    assert!(
        seen.complete.lock().unwrap().is_empty(),
        "no request reached the origin whole"
    );
    // The gateway still serves.
    let (status, _, _) = post(gw, multipart(&[&clean]), "").await;
    assert_eq!(status, StatusCode::OK);
}

/// Posts `body` over a raw connection, chunked; stops after `stall_after` bytes without
/// closing when asked. Returns the status and the answer's text.
async fn raw_post(
    gw: SocketAddr,
    body: &[u8],
    _stall: bool,
    stall_after: Option<usize>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(gw).await.unwrap();
    let head = format!(
        "POST /studies HTTP/1.1\r\nHost: gw\r\nContent-Type: multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let sent = stall_after.unwrap_or(body.len()).min(body.len());
    for chunk in body[..sent].chunks(8192) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break; // the gateway answered and closed
        }
    }
    if stall_after.is_none() {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"stored\n")
                    {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn a_client_that_stalls_mid_part_gets_408_and_nothing_is_stored() {
    let (origin, seen) = fake_origin().await;
    let (gw, _) = gateway(origin, |c| {
        c.limits.client_idle = Duration::from_millis(300)
    })
    .await;
    let clean = sample("clean.dcm");
    let body = multipart(&[&clean, &clean]);
    let stalled = {
        let body = body.clone();
        tokio::spawn(async move { raw_post(gw, &body, true, Some(body.len() - 1000)).await })
    };
    // Another client is served meanwhile.
    let (status, _, _) = post(gw, multipart(&[&clean]), "").await;
    assert_eq!(status, StatusCode::OK);
    let (status, text) = stalled.await.unwrap();
    assert_eq!(status, 408, "{text}");
    // The stalled upload's first part was already streaming to the origin: that request was
    // broken off. After one more upload, the origin has the two clean ones whole, nothing else.
    let (status, _, _) = post(gw, multipart(&[&clean]), "").await;
    assert_eq!(status, StatusCode::OK);
    let received = seen.complete.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert!(parts_of(request).await == vec![Bytes::from(clean.clone())]);
    }
}

/// Waits (up to 20 s) until `condition` holds.
async fn eventually(condition: impl Fn() -> bool) {
    for _ in 0..400 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the condition never held");
}

#[tokio::test]
async fn a_client_that_disconnects_mid_part_stores_nothing() {
    let (origin, seen) = fake_origin().await;
    let (gw, gateway) = gateway(origin, |_| {}).await;
    let clean = sample("clean.dcm");
    let body = multipart(&[&clean, &clean]);
    let mut stream = TcpStream::connect(gw).await.unwrap();
    let head = format!(
        "POST /studies HTTP/1.1\r\nHost: gw\r\nContent-Type: multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() - 1000]).await.unwrap();
    drop(stream);
    eventually(|| {
        gateway
            .metrics()
            .render()
            .contains("dicom_gateway_stow_requests_total{status=\"400\"} 1\n")
    })
    .await;
    let (status, _, _) = post(gw, multipart(&[&clean]), "").await;
    assert_eq!(status, StatusCode::OK, "the gateway still serves");
    let received = seen.complete.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        1,
        "only the whole upload reached the origin whole"
    );
    assert!(parts_of(&received[0]).await == vec![Bytes::from(clean)]);
}

#[tokio::test]
async fn an_origin_that_is_down_gives_502() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let (gw, gateway) = gateway(addr, |_| {}).await;
    let (status, _, body) = post(gw, multipart(&[&sample("clean.dcm")]), "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body:?}");
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .get(format!("http://{gw}/studies?PatientID=1").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(gateway
        .metrics()
        .render()
        .contains("dicom_gateway_origin_errors_total 2\n"));
}

#[tokio::test]
async fn other_requests_pass_through() {
    let (origin, seen) = fake_origin().await;
    let (gw, _) = gateway(origin, |_| {}).await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .get(
            format!("http://{gw}/studies/1.2.3/series?Modality=CT")
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        body,
        "origin saw /dicom-web/studies/1.2.3/series?Modality=CT"
    );
    // A PUT is not a STOW-RS upload: its body passes untouched, preamble and all.
    let hostile = polyglot();
    let request = Request::put(format!("http://{gw}/studies/1.2.3"))
        .header(header::CONTENT_TYPE, "application/dicom")
        .body(Full::new(Bytes::from(hostile.clone())))
        .unwrap();
    assert_eq!(
        client.request(request).await.unwrap().status(),
        StatusCode::OK
    );
    let received = seen.complete.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(received[1].body == hostile);

    // A STOW-RS target with another media type is refused, not passed.
    let request = Request::post(format!("http://{gw}/studies"))
        .header(header::CONTENT_TYPE, "application/dicom")
        .body(Full::new(Bytes::from(hostile)))
        .unwrap();
    let status = client.request(request).await.unwrap().status();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(seen.complete.lock().unwrap().len(), 2);

    let metrics = client
        .get(format!("http://{gw}/metrics").parse().unwrap())
        .await
        .unwrap();
    let text = metrics.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&text).contains("dicom_gateway_passed_through_total 2\n"));
}

#[tokio::test]
async fn endless_part_headers_are_refused_without_buffering_them() {
    let (origin, seen) = fake_origin().await;
    let (gw, _) = gateway(origin, |_| {}).await;
    let pad = "a".repeat(3 << 20);
    let endless_headers =
        format!("--{BOUNDARY}\r\nContent-Type: application/dicom\r\nX-Pad: {pad}");
    let (status, text) = raw_post(gw, endless_headers.as_bytes(), false, None).await;
    assert_eq!(status, 400, "{}", &text[..text.len().min(300)]);
    assert!(
        text.contains("part headers or text outside the parts"),
        "{text}"
    );
    let endless_preamble = format!("{pad}\r\n--{BOUNDARY}\r\n\r\n");
    let (status, _) = raw_post(gw, endless_preamble.as_bytes(), false, None).await;
    assert_eq!(status, 400);
    assert!(seen.complete.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_origin_that_does_not_answer_gives_504() {
    // Takes connections and reads everything, answers nothing.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = silent.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    let (gw, _) = gateway(addr, |c| {
        c.limits.origin_timeout = Duration::from_millis(300)
    })
    .await;
    let (status, _, body) = post(gw, multipart(&[&sample("clean.dcm")]), "").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body:?}");
    assert!(String::from_utf8_lossy(&body).contains("nothing was stored"));
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .get(format!("http://{gw}/studies").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
}

async fn get(gw: SocketAddr, path: &str) -> (StatusCode, Option<String>, Bytes) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .get(format!("http://{gw}{path}").parse().unwrap())
        .await
        .unwrap();
    let status = response.status();
    let media = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        media,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

#[tokio::test]
async fn retrieved_instances_are_sanitized_when_asked() {
    let (origin, _) = fake_origin().await;
    let hostile = polyglot();
    let clean = sample("clean.dcm");

    // By default, retrievals pass untouched.
    let (plain, _) = gateway(origin, |_| {}).await;
    let (status, _, body) = get(plain, "/instances/single").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == hostile);

    let (gw, sanitizing) = gateway(origin, |c| c.sanitize_responses = true).await;
    let (status, media, body) = get(gw, "/instances/single").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media.as_deref(), Some("application/dicom"));
    assert!(body[..128] == [0; 128] && body[128..] == hostile[128..]);

    let (status, media, body) = get(gw, "/instances/multi").await;
    assert_eq!(status, StatusCode::OK);
    let received = Received {
        method: "GET".into(),
        path_and_query: String::new(),
        content_type: media,
        body,
    };
    let parts = parts_of(&received).await;
    assert_eq!(parts.len(), 2, "the part that is not DICOM is withheld");
    assert!(parts[0] == clean);
    assert!(parts[1][..128] == [0; 128] && parts[1][128..] == hostile[128..]);
    let metrics = sanitizing.metrics().render();
    assert!(
        metrics.contains("dicom_gateway_retrieved_instances_total{action=\"zero\"} 2\n"),
        "{metrics}"
    );
    assert!(metrics.contains("dicom_gateway_retrieved_refused_total 1\n"));

    // Other answers pass as they are.
    let (_, _, body) = get(gw, "/studies").await;
    assert_eq!(body, "origin saw /dicom-web/studies");

    // A policy that refuses the instance: the client gets 502, not the polyglot.
    let (strict, _) = gateway(origin, |c| {
        rejecting(c);
        c.sanitize_responses = true;
    })
    .await;
    let (status, _, body) = get(strict, "/instances/single").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&body).contains("refused"));
}
