//! `--sanitize-responses`: PS3.10 instances the origin sends back (WADO-RS, `application/dicom`
//! alone or in `multipart/related`) pass through the same policy on their way out.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use dicom_sanitize::Policy;
use futures_util::StreamExt;
use http::header::{self, HeaderMap};
use http::{Response, StatusCode};
use http_body_util::channel::{Channel, Sender};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use multer::Multipart;

use crate::media::{self, Related};
use crate::metrics::{log, Metrics};
use crate::part::{body_stream, decide, BodyCount, Decided};
use crate::{text, Body, BoxError, Gateway};

/// Chunks buffered between the origin and the client.
const CHANNEL_CHUNKS: usize = 8;

/// How a response carries instances, if it does.
enum Carrier {
    Single,
    Multipart(Related),
}

fn carrier(headers: &HeaderMap) -> Option<Carrier> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if let Ok(related) = media::parse_related(content_type) {
        return Some(Carrier::Multipart(related));
    }
    let mut part = HeaderMap::new();
    part.insert(
        header::CONTENT_TYPE,
        headers.get(header::CONTENT_TYPE)?.clone(),
    );
    media::is_dicom_part(&part, None).then_some(Carrier::Single)
}

/// The origin's response, its instances sanitized (other responses unchanged).
pub(crate) async fn sanitize(
    gateway: &Gateway,
    remote: SocketAddr,
    response: Response<Incoming>,
) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let Some(carrier) = carrier(&parts.headers) else {
        return Response::from_parts(parts, body.map_err(BoxError::from).boxed());
    };
    // The sanitized body may be shorter.
    parts.headers.remove(header::CONTENT_LENGTH);
    let count = Arc::new(BodyCount::default());
    let idle = gateway.config.limits.origin_timeout;
    let mut chunks = Box::pin(body_stream(body, idle, Arc::clone(&count)));
    let policy = &gateway.config.policy;
    match carrier {
        Carrier::Single => {
            let counted = Arc::clone(&count);
            let decided = decide(policy, &mut chunks, |n| {
                counted.in_parts.fetch_add(n as u64, Ordering::Relaxed);
            })
            .await;
            let mut decided = match decided {
                Ok(decided) => decided,
                Err(err) => {
                    return text(
                        StatusCode::BAD_GATEWAY,
                        format!("reading the origin's answer: {err}\n"),
                    )
                }
            };
            logged(&gateway.metrics, remote, &decided);
            let head = match &decided.outcome {
                Ok(start) => Bytes::from_static(start.head()),
                Err(err) => {
                    return text(
                        StatusCode::BAD_GATEWAY,
                        format!("the origin's instance was refused: {err}\n"),
                    )
                }
            };
            let first = futures_util::stream::iter([Ok(head), Ok(decided.rest_of_start())]);
            let rest = chunks.map(move |chunk| {
                if let Ok(chunk) = &chunk {
                    count
                        .in_parts
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                chunk
            });
            let frames = first
                .chain(rest)
                .map(|chunk| chunk.map(Frame::data).map_err(BoxError::from));
            Response::from_parts(parts, BodyExt::boxed(StreamBody::new(frames)))
        }
        Carrier::Multipart(related) => {
            let (mut sender, out) = Channel::<Bytes, BoxError>::new(CHANNEL_CHUNKS);
            let policy = policy.clone();
            let metrics = Arc::clone(&gateway.metrics);
            tokio::spawn(async move {
                let mut multipart = Multipart::new(chunks, related.boundary.clone());
                let relayed = relay(
                    &policy,
                    &metrics,
                    remote,
                    &related,
                    &mut multipart,
                    &mut sender,
                    &count,
                )
                .await;
                if let Err(err) = relayed {
                    log(
                        "retrieve-error",
                        serde_json::json!({"remote": remote.to_string(), "error": err.to_string()}),
                    );
                    sender.abort(err);
                }
            });
            Response::from_parts(parts, out.boxed())
        }
    }
}

/// Copies the origin's multipart body to the client, each PS3.10 part sanitized and each
/// refused part left out.
async fn relay(
    policy: &Policy,
    metrics: &Metrics,
    remote: SocketAddr,
    related: &Related,
    multipart: &mut Multipart<'_>,
    sender: &mut Sender<Bytes, BoxError>,
    count: &BodyCount,
) -> Result<(), BoxError> {
    let mut first = true;
    let counted = |n: usize| {
        count.in_parts.fetch_add(n as u64, Ordering::Relaxed);
    };
    while let Some(mut field) = multipart.next_field().await? {
        let headers = field.headers().clone();
        let head = media::part_head(&related.boundary, first, &headers);
        if !media::is_dicom_part(&headers, related.root_type.as_deref()) {
            first = false;
            sender.send_data(head).await?;
            while let Some(chunk) = field.chunk().await? {
                counted(chunk.len());
                sender.send_data(chunk).await?;
            }
            continue;
        }
        let mut decided = decide(policy, &mut field, counted).await?;
        logged(metrics, remote, &decided);
        let Ok(start) = &decided.outcome else {
            while let Some(chunk) = field.chunk().await? {
                counted(chunk.len());
            }
            continue;
        };
        first = false;
        let new_head = start.head();
        sender.send_data(head).await?;
        sender.send_data(Bytes::from_static(new_head)).await?;
        sender.send_data(decided.rest_of_start()).await?;
        while let Some(chunk) = field.chunk().await? {
            counted(chunk.len());
            sender.send_data(chunk).await?;
        }
    }
    sender.send_data(media::close(&related.boundary)).await?;
    Ok(())
}

/// Logs and counts a decision on the way out.
fn logged(metrics: &Metrics, remote: SocketAddr, decided: &Decided) {
    let mut fields = decided.log_fields();
    if let Some(map) = fields.as_object_mut() {
        map.insert("remote".into(), remote.to_string().into());
    }
    log("retrieved-instance", fields);
    match &decided.outcome {
        Ok(start) => metrics.retrieved(Some(start.action())),
        Err(_) => metrics.retrieved(None),
    }
}
