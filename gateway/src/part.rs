//! What STOW-RS uploads and sanitized retrievals share: a body read with bounds, and one
//! PS3.10 instance decided by the policy from its first bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use dicom_sanitize::{Policy, Prefix, StreamStart};
use futures_util::{Stream, StreamExt};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::{json, Value};

/// Bytes of a part read, at most, to find its SOP Class and Instance UIDs in its File Meta
/// group (beyond what the policy's decision needs).
const META_WINDOW: usize = 64 << 10;
/// Bytes the multipart parser may hold that are not part of a part's value: part headers,
/// text before the first boundary. The parser buffers them whole, so they are bounded here.
pub(crate) const MAX_UNFRAMED: u64 = 1 << 20;

/// Why a body stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("the peer sent nothing for {0:?}")]
    Idle(Duration),
    #[error("reading the body: {0}")]
    Read(String),
    #[error("over {MAX_UNFRAMED} bytes of part headers or text outside the parts")]
    Unframed,
}

/// What has been read of a body, and how much of it the parts' values account for.
#[derive(Debug, Default)]
pub(crate) struct BodyCount {
    pub(crate) read: AtomicU64,
    pub(crate) in_parts: AtomicU64,
}

/// A body as a stream of chunks, failing when the peer stalls for `idle`, or when the
/// parser holds more than [`MAX_UNFRAMED`] bytes that are not in a part's value.
pub(crate) fn body_stream(
    body: Incoming,
    idle: Duration,
    count: Arc<BodyCount>,
) -> impl Stream<Item = Result<Bytes, BodyError>> + Send {
    futures_util::stream::unfold(Some(body), move |state| {
        let count = Arc::clone(&count);
        async move {
            let mut body = state?;
            let read = count.read.load(Ordering::Relaxed);
            if read.saturating_sub(count.in_parts.load(Ordering::Relaxed)) > MAX_UNFRAMED {
                return Some((Err(BodyError::Unframed), None));
            }
            loop {
                match tokio::time::timeout(idle, body.frame()).await {
                    Err(_) => return Some((Err(BodyError::Idle(idle)), None)),
                    Ok(None) => return None,
                    Ok(Some(Err(err))) => {
                        return Some((Err(BodyError::Read(err.to_string())), None))
                    }
                    Ok(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            count.read.fetch_add(data.len() as u64, Ordering::Relaxed);
                            return Some((Ok(data), Some(body)));
                        }
                    }
                }
            }
        }
    })
}

/// One instance, decided.
pub(crate) struct Decided {
    /// The bytes read to decide (at most the policy's look-ahead and a chunk).
    pub(crate) start: BytesMut,
    /// The decision, or the refusal.
    pub(crate) outcome: Result<StreamStart, dicom_sanitize::Error>,
    /// Media Storage SOP Class UID, when the File Meta group is in `start`.
    pub(crate) sop_class: Option<String>,
    /// Media Storage SOP Instance UID, likewise.
    pub(crate) sop_instance: Option<String>,
}

impl Decided {
    /// The bytes that follow the new head: `start` from where the instance's own bytes resume.
    pub(crate) fn rest_of_start(&mut self) -> Bytes {
        let resume = match &self.outcome {
            Ok(decided) => usize::try_from(decided.resume_at()).unwrap_or(usize::MAX),
            Err(_) => usize::MAX,
        };
        let rest = self.start.split_off(resume.min(self.start.len()));
        self.start = BytesMut::new();
        rest.freeze()
    }

    /// The fields every decision's log line has.
    pub(crate) fn log_fields(&self) -> Value {
        let (preamble, action) = match &self.outcome {
            Ok(decided) => (
                decided.preamble().map_or("absent", |p| p.name()),
                decided.action().as_str(),
            ),
            Err(_) => (
                dicom_sanitize::classify(&self.start).preamble_name(),
                "reject",
            ),
        };
        let mut fields = json!({
            "sop_instance_uid": self.sop_instance,
            "sop_class_uid": self.sop_class,
            "preamble": preamble,
            "action": action,
            "forwarded": self.outcome.is_ok(),
        });
        if let (Err(err), Some(map)) = (&self.outcome, fields.as_object_mut()) {
            map.insert("code".into(), err.code().into());
            map.insert("reason".into(), err.to_string().into());
        }
        fields
    }
}

/// Reads an instance's first bytes from `chunks` until `policy` decides and its File Meta
/// group is read (or 64 KiB are), calling `on_chunk` with each chunk's length.
pub(crate) async fn decide<S, E>(
    policy: &Policy,
    chunks: &mut S,
    mut on_chunk: impl FnMut(usize),
) -> Result<Decided, E>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut start = BytesMut::new();
    let mut ended = false;
    let outcome = loop {
        let meta_known =
            ended || start.len() >= META_WINDOW || dicom_sanitize::inspect(&start).is_ok();
        if meta_known {
            match policy.decide_stream(&start, ended) {
                Ok(Prefix::Complete(decided)) => break Ok(decided),
                // The whole instance always decides; never ask a finished one for more.
                Ok(Prefix::Partial) if ended => break Err(dicom_sanitize::Error::NotDicom),
                Ok(Prefix::Partial) => {}
                Err(err) => break Err(err),
            }
        }
        match chunks.next().await.transpose()? {
            Some(chunk) => {
                on_chunk(chunk.len());
                start.extend_from_slice(&chunk);
            }
            None => ended = true,
        }
    };
    let (sop_class, sop_instance) = match dicom_sanitize::inspect(&start) {
        Ok(inspection) => {
            let meta = inspection.meta();
            (
                meta.and_then(|m| m.media_storage_sop_class_uid())
                    .map(str::to_owned),
                meta.and_then(|m| m.media_storage_sop_instance_uid())
                    .map(str::to_owned),
            )
        }
        Err(_) => (None, None),
    };
    Ok(Decided {
        start,
        outcome,
        sop_class,
        sop_instance,
    })
}
