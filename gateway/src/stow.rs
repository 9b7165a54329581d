//! STOW-RS uploads: each PS3.10 part decided by the policy from its first bytes and streamed
//! to the origin sanitized, or refused and reported in the answer.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::channel::{Channel, Sender};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use multer::{Constraints, Multipart, SizeLimit};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::media::{self, Related};
use crate::metrics::log;
use crate::part::{body_stream, decide, BodyCount, BodyError};
use crate::proxy::origin_request;
use crate::response::{self, Failure};
use crate::{full, text, Body, BoxError, Gateway};

/// Chunks of the forwarded body buffered between the client and the origin.
const CHANNEL_CHUNKS: usize = 8;
/// The largest origin answer read.
const ORIGIN_ANSWER_LIMIT: usize = 16 << 20;

/// Whether `path` ends in `/studies` or `/studies/{uid}`: a STOW-RS target.
pub(crate) fn is_store_path(path: &str) -> bool {
    let mut segments = path.trim_end_matches('/').rsplit('/');
    match (segments.next(), segments.next()) {
        (Some("studies"), _) => true,
        (Some(uid), Some("studies")) => !uid.is_empty(),
        _ => false,
    }
}

/// Why an upload failed as a whole: nothing it sent is reported stored.
#[derive(Debug, thiserror::Error)]
enum UploadError {
    #[error("{}", describe(.0))]
    Multipart(multer::Error),
    #[error("more than {0} parts")]
    TooManyParts(u64),
    #[error("no parts")]
    NoParts,
    #[error("the origin could not be reached: {0}")]
    Origin(String),
    #[error("the origin did not answer in time")]
    OriginTimeout,
}

impl UploadError {
    fn status(&self) -> StatusCode {
        match self {
            UploadError::Multipart(err) => multipart_status(err),
            UploadError::TooManyParts(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::NoParts => StatusCode::BAD_REQUEST,
            UploadError::Origin(_) => StatusCode::BAD_GATEWAY,
            UploadError::OriginTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

/// A multipart error for the client: the body's own fault when reading it failed.
fn describe(err: &multer::Error) -> String {
    match err {
        multer::Error::StreamReadFailed(inner) => inner.to_string(),
        err => format!("malformed multipart body: {err}"),
    }
}

fn multipart_status(err: &multer::Error) -> StatusCode {
    match err {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        multer::Error::StreamReadFailed(inner)
            if matches!(inner.downcast_ref::<BodyError>(), Some(BodyError::Idle(_))) =>
        {
            StatusCode::REQUEST_TIMEOUT
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<multer::Error> for UploadError {
    fn from(err: multer::Error) -> Self {
        UploadError::Multipart(err)
    }
}

/// The body being streamed to the origin, and its answer to come.
struct Forward {
    sender: Sender<Bytes, BoxError>,
    answer: JoinHandle<Result<Response<Incoming>, hyper_util::client::legacy::Error>>,
}

/// One upload in progress.
struct Upload<'g> {
    gateway: &'g Gateway,
    head: &'g http::request::Parts,
    related: Related,
    remote: SocketAddr,
    forward: Option<Forward>,
    parts: u64,
    forwarded: u64,
    failures: Vec<Failure>,
    count: Arc<BodyCount>,
}

/// Why reading the parts stopped before their end.
enum Stop {
    /// The origin refused the request before taking the whole body: its answer goes back.
    Answered(Response<Incoming>),
    /// The upload failed: nothing is reported stored.
    Failed(UploadError),
}

impl From<UploadError> for Stop {
    fn from(err: UploadError) -> Self {
        Stop::Failed(err)
    }
}

impl From<multer::Error> for Stop {
    fn from(err: multer::Error) -> Self {
        Stop::Failed(err.into())
    }
}

impl Upload<'_> {
    /// Sends `bytes` to the origin, starting the origin's request first if needed.
    async fn send(&mut self, bytes: Bytes) -> Result<(), Stop> {
        if self.forward.is_none() {
            let (sender, body) = Channel::<Bytes, BoxError>::new(CHANNEL_CHUNKS);
            let mut request = origin_request(self.gateway, self.head, body.boxed())
                .map_err(|err| UploadError::Origin(err.to_string()))?;
            let headers = request.headers_mut();
            headers.remove(header::CONTENT_LENGTH);
            headers.insert(header::ACCEPT, HeaderValue::from_static(media::DICOM_JSON));
            let client = self.gateway.client.clone();
            self.forward = Some(Forward {
                sender,
                answer: tokio::spawn(async move { client.request(request).await }),
            });
        }
        let Some(forward) = self.forward.as_mut() else {
            return Ok(());
        };
        if bytes.is_empty() || forward.sender.send_data(bytes).await.is_ok() {
            return Ok(());
        }
        // The origin stopped reading: it failed, or answered early.
        let forward = self.forward.take().map(|f| f.answer);
        Err(match forward {
            Some(answer) => {
                match tokio::time::timeout(self.gateway.config.limits.origin_timeout, answer).await
                {
                    // An error answer goes back as it is; a success before the upload's end
                    // cannot speak for the parts not sent.
                    Ok(Ok(Ok(response))) if !response.status().is_success() => {
                        Stop::Answered(response)
                    }
                    Ok(Ok(Ok(_))) => {
                        UploadError::Origin("the origin answered before the upload ended".into())
                            .into()
                    }
                    Ok(Ok(Err(err))) => UploadError::Origin(err.to_string()).into(),
                    Ok(Err(err)) => UploadError::Origin(err.to_string()).into(),
                    Err(_) => UploadError::OriginTimeout.into(),
                }
            }
            None => UploadError::Origin("closed".into()).into(),
        })
    }

    /// The next chunk of a part's value.
    async fn chunk(&self, field: &mut multer::Field<'_>) -> Result<Option<Bytes>, Stop> {
        let chunk = field.chunk().await?;
        if let Some(chunk) = &chunk {
            self.count
                .in_parts
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        Ok(chunk)
    }

    /// Reads every part.
    async fn run(&mut self, multipart: &mut Multipart<'_>) -> Result<(), Stop> {
        let limits = &self.gateway.config.limits;
        while let Some(mut field) = multipart.next_field().await? {
            self.parts += 1;
            if self.parts > limits.parts {
                return Err(UploadError::TooManyParts(limits.parts).into());
            }
            let headers = field.headers().clone();
            let first = self.forward.is_none();
            if !media::is_dicom_part(&headers, self.related.root_type.as_deref()) {
                // Not a PS3.10 file (bulk data, metadata): forwarded as it is.
                self.send(media::part_head(&self.related.boundary, first, &headers))
                    .await?;
                while let Some(chunk) = self.chunk(&mut field).await? {
                    self.send(chunk).await?;
                }
                continue;
            }
            let count = Arc::clone(&self.count);
            let mut decided = decide(&self.gateway.config.policy, &mut field, |n| {
                count.in_parts.fetch_add(n as u64, Ordering::Relaxed);
            })
            .await
            .map_err(Stop::from)?;
            match &decided.outcome {
                Err(err) => {
                    // Refused: read to its end, forward nothing.
                    while self.chunk(&mut field).await?.is_some() {}
                    let reason = if matches!(err, dicom_sanitize::Error::NotDicom) {
                        response::REASON_NOT_DICOM
                    } else {
                        response::REASON_REFUSED
                    };
                    let mut fields = decided.log_fields();
                    if let Some(map) = fields.as_object_mut() {
                        map.insert("remote".into(), self.remote.to_string().into());
                        map.insert("failure_reason".into(), reason.into());
                    }
                    log("instance", fields);
                    self.gateway.metrics.refused();
                    self.failures.push(Failure {
                        sop_class: decided.sop_class,
                        sop_instance: decided.sop_instance,
                        reason,
                    });
                }
                Ok(start) => {
                    let (head, action) = (start.head(), start.action());
                    self.send(media::part_head(&self.related.boundary, first, &headers))
                        .await?;
                    self.send(Bytes::from_static(head)).await?;
                    self.send(decided.rest_of_start()).await?;
                    while let Some(chunk) = self.chunk(&mut field).await? {
                        self.send(chunk).await?;
                    }
                    let mut fields = decided.log_fields();
                    if let Some(map) = fields.as_object_mut() {
                        map.insert("remote".into(), self.remote.to_string().into());
                    }
                    log("instance", fields);
                    self.gateway.metrics.forwarded(action);
                    self.forwarded += 1;
                }
            }
        }
        Ok(())
    }
}

/// Handles one STOW-RS request.
pub(crate) async fn store(
    gateway: &Gateway,
    request: hyper::Request<Incoming>,
    remote: SocketAddr,
) -> Response<Body> {
    let started = Instant::now();
    let (head, body) = request.into_parts();
    let limits = &gateway.config.limits;
    let content_type = head
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let related = match content_type.map(media::parse_related) {
        Some(Ok(related)) => related,
        refused => {
            let (status, why) = match refused {
                Some(Err(media::MediaError::NoBoundary)) => (
                    StatusCode::BAD_REQUEST,
                    "multipart/related without a valid boundary\n",
                ),
                _ => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "STOW-RS takes multipart/related\n",
                ),
            };
            return finish(gateway, &head, remote, started, 0, text(status, why), None);
        }
    };
    let declared = head
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.body_bytes) {
        let message = format!(
            "the body is over the limit of {} bytes\n",
            limits.body_bytes
        );
        return finish(
            gateway,
            &head,
            remote,
            started,
            0,
            text(StatusCode::PAYLOAD_TOO_LARGE, message),
            None,
        );
    }
    let count = Arc::new(BodyCount::default());
    let stream = body_stream(body, limits.client_idle, Arc::clone(&count));
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(limits.body_bytes)
            .per_field(limits.part_bytes),
    );
    let mut multipart = Multipart::with_constraints(stream, related.boundary.clone(), constraints);
    let mut upload = Upload {
        gateway,
        head: &head,
        related,
        remote,
        forward: None,
        parts: 0,
        forwarded: 0,
        failures: Vec::new(),
        count: Arc::clone(&count),
    };
    let outcome = upload.run(&mut multipart).await;
    drop(multipart);
    let bytes = count.read.load(Ordering::Relaxed);
    let response = match outcome {
        Ok(()) if upload.parts == 0 => Err(UploadError::NoParts),
        Ok(()) => answer(&mut upload).await,
        Err(Stop::Answered(response)) => Ok(passed_back(response)),
        Err(Stop::Failed(err)) => Err(err),
    };
    let xml = media::wants_xml(&head.headers);
    let (response, summary) = match response {
        Ok(response) => {
            let response = match response {
                Answer::Merged(status, data_set) => dicom_answer(status, &data_set, xml),
                Answer::Raw(response) => response,
            };
            (
                response,
                (upload.parts, upload.forwarded, upload.failures.len()),
            )
        }
        Err(err) => {
            // Nothing is reported stored: an unfinished body to the origin is aborted, so the
            // origin sees a broken request, not a short one.
            if let Some(forward) = upload.forward.take() {
                forward
                    .sender
                    .abort(Box::new(std::io::Error::other("upload aborted")));
                forward.answer.abort();
            }
            let status = err.status();
            let mut response = text(status, format!("{err}; nothing was stored\n"));
            if status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::REQUEST_TIMEOUT {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            (response, (upload.parts, 0, upload.failures.len()))
        }
    };
    finish(
        gateway,
        &head,
        remote,
        started,
        bytes,
        response,
        Some(summary),
    )
}

/// What the client is answered.
enum Answer {
    /// A STOW-RS answer: status and data set.
    Merged(StatusCode, Value),
    /// The origin's own answer, passed back.
    Raw(Response<Body>),
}

fn passed_back(response: Response<Incoming>) -> Answer {
    let (mut parts, body) = response.into_parts();
    crate::proxy::strip_hop_by_hop(&mut parts.headers);
    Answer::Raw(Response::from_parts(
        parts,
        body.map_err(BoxError::from).boxed(),
    ))
}

/// Closes the origin's body, waits for its answer and merges the refusals into it.
async fn answer(upload: &mut Upload<'_>) -> Result<Answer, UploadError> {
    let Some(mut forward) = upload.forward.take() else {
        let (status, data_set) = response::merge(None, &upload.failures);
        return Ok(Answer::Merged(status, data_set));
    };
    let close = media::close(&upload.related.boundary);
    let sent = forward.sender.send_data(close).await.is_ok();
    drop(forward.sender);
    let timeout = upload.gateway.config.limits.origin_timeout;
    let origin = match tokio::time::timeout(timeout, forward.answer).await {
        Err(_) => return Err(UploadError::OriginTimeout),
        Ok(Err(err)) => return Err(UploadError::Origin(err.to_string())),
        Ok(Ok(Err(err))) => return Err(UploadError::Origin(err.to_string())),
        Ok(Ok(Ok(response))) => response,
    };
    let status = origin.status();
    if !sent && status.is_success() {
        return Err(UploadError::Origin(
            "the origin stopped reading the body".into(),
        ));
    }
    let body = match tokio::time::timeout(
        timeout,
        Limited::new(origin.into_body(), ORIGIN_ANSWER_LIMIT).collect(),
    )
    .await
    {
        Err(_) => return Err(UploadError::OriginTimeout),
        Ok(Err(err)) => return Err(UploadError::Origin(err.to_string())),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let data_set = serde_json::from_slice::<Value>(&body).ok();
    if data_set.is_none() && !status.is_success() {
        // Not a STOW-RS answer: the origin's own error goes back, with the refusals beside it
        // in the log.
        let mut response = Response::new(full(body));
        *response.status_mut() = status;
        return Ok(Answer::Raw(response));
    }
    let (status, data_set) = response::merge(Some((status, data_set)), &upload.failures);
    Ok(Answer::Merged(status, data_set))
}

/// A STOW-RS answer in the media type the client accepts.
fn dicom_answer(status: StatusCode, data_set: &Value, xml: bool) -> Response<Body> {
    let (body, media_type) = if xml {
        (response::to_xml(data_set), media::DICOM_XML)
    } else {
        (data_set.to_string(), media::DICOM_JSON)
    };
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// Counts and logs a STOW-RS request's answer.
fn finish(
    gateway: &Gateway,
    head: &http::request::Parts,
    remote: SocketAddr,
    started: Instant,
    bytes: u64,
    response: Response<Body>,
    summary: Option<(u64, u64, usize)>,
) -> Response<Body> {
    let status = response.status().as_u16();
    gateway.metrics.stow(status, bytes);
    let (parts, forwarded, refused) = summary.unwrap_or_default();
    log(
        "stow",
        json!({
            "remote": remote.to_string(),
            "path": head.uri.path(),
            "status": status,
            "parts": parts,
            "forwarded": forwarded,
            "refused": refused,
            "body_bytes": bytes,
            "ms": started.elapsed().as_millis() as u64,
        }),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_paths() {
        for yes in [
            "/studies",
            "/dicom-web/studies/",
            "/studies/1.2.3",
            "/a/studies/1.2/",
        ] {
            assert!(is_store_path(yes), "{yes}");
        }
        for no in [
            "/",
            "/studies/1.2/series",
            "/metrics",
            "/mystudies",
            "/instances",
        ] {
            assert!(!is_store_path(no), "{no}");
        }
    }
}
