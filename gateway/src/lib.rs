//! A DICOMweb gateway that sanitizes STOW-RS uploads in front of any PACS.
//!
//! It reverse-proxies a DICOMweb origin. `POST …/studies[/{study}]` with
//! `multipart/related; type="application/dicom"` is read part by part: each PS3.10 part is
//! decided by the `dicom-sanitize` policy from its first bytes ([`Policy::decide_stream`])
//! and forwarded with its preamble rewritten and every later byte unchanged, in a new
//! multipart body streamed to the origin; refused parts are not forwarded and are reported in
//! the STOW-RS answer's Failed SOP Sequence, merged with what the origin answered. Every other
//! request passes through untouched. No upload is held in memory: a part's first bytes (at
//! most the policy's 1 MiB look-ahead) are, the rest streams.
//!
//! [`Policy::decide_stream`]: dicom_sanitize::Policy::decide_stream

#![forbid(unsafe_code)]

pub mod config;
pub mod media;
pub mod metrics;
mod part;
mod proxy;
pub mod response;
mod retrieve;
mod stow;
#[cfg(feature = "tls")]
mod tls;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use config::{Config, ConfigError, Limits, Origin, Tls};
pub use metrics::Metrics;

/// Errors carried by bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The body of every request the gateway sends and every response it gives.
pub type Body = BoxBody<Bytes, BoxError>;
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;
type Client = hyper_util::client::legacy::Client<Connector, Body>;

/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The gateway: its configuration, its client to the origin and its counters.
#[derive(Debug)]
pub struct Gateway {
    config: Config,
    client: Client,
    metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
}

impl Gateway {
    /// A gateway for `config`.
    ///
    /// # Errors
    /// [`ConfigError::Tls`] when the roots for an `https://` origin cannot be loaded.
    pub fn new(config: Config) -> Result<Arc<Self>, ConfigError> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        // hyper-rustls's connector takes https:// as well as http:// URIs.
        #[cfg(feature = "tls")]
        connector.enforce_http(false);
        #[cfg(feature = "tls")]
        let connector = tls::connector(&config, connector)?;
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Arc::new(Gateway {
            permits: Arc::new(Semaphore::new(config.limits.concurrent_requests)),
            config,
            client,
            metrics: Arc::new(Metrics::default()),
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The counters `/metrics` shows.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Serves connections from `listener` until an accept fails for good, over TLS when the
    /// configuration has a `[tls]` section (feature `tls`).
    ///
    /// # Errors
    /// An accept error other than running out of file descriptors (which is waited out), or
    /// TLS settings that cannot be used.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> io::Result<()> {
        #[cfg(feature = "tls")]
        let tls = match &self.config.tls {
            Some(tls) => Some(tls::acceptor(tls).map_err(io::Error::other)?),
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        if self.config.tls.is_some() {
            return Err(io::Error::other(
                "this build has no TLS (cargo feature `tls`)",
            ));
        }
        loop {
            let (stream, remote) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) if is_transient(&err) => {
                    metrics::log(
                        "accept-error",
                        serde_json::json!({"error": err.to_string()}),
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                Err(err) => return Err(err),
            };
            let _ = stream.set_nodelay(true);
            let gateway = Arc::clone(&self);
            #[cfg(feature = "tls")]
            if let Some(acceptor) = tls.clone() {
                tokio::spawn(async move {
                    match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => gateway.connection(TokioIo::new(stream), remote).await,
                        Ok(Err(err)) => metrics::log(
                            "tls-error",
                            serde_json::json!({"remote": remote.to_string(), "error": err.to_string()}),
                        ),
                        Err(_) => metrics::log(
                            "tls-error",
                            serde_json::json!({"remote": remote.to_string(), "error": "handshake timed out"}),
                        ),
                    }
                });
                continue;
            }
            tokio::spawn(async move { gateway.connection(TokioIo::new(stream), remote).await });
        }
    }

    /// Serves one connection's requests.
    async fn connection<I>(self: Arc<Self>, io: I, remote: SocketAddr)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let service = service_fn(move |request| {
            let gateway = Arc::clone(&self);
            async move { Ok::<_, Infallible>(gateway.handle(request, remote).await) }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(io, service)
            .await;
    }

    /// Answers one request.
    async fn handle(&self, request: Request<Incoming>, remote: SocketAddr) -> Response<Body> {
        if request.method() == Method::GET && request.uri().path() == "/metrics" {
            let mut response = text(StatusCode::OK, self.metrics.render());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            return response;
        }
        let Ok(_permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            self.metrics.busy();
            let mut response = text(StatusCode::SERVICE_UNAVAILABLE, "gateway busy\n");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        };
        if request.method() == Method::POST && stow::is_store_path(request.uri().path()) {
            stow::store(self, request, remote).await
        } else {
            let response = proxy::forward(self, request, remote).await;
            self.metrics.passed_through(response.status().as_u16());
            response
        }
    }
}

/// Accept errors that pass: out of file descriptors or memory, a connection reset before it
/// was accepted.
fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || matches!(err.raw_os_error(), Some(23 | 24 | 12 | 105))
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, message: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A body of bytes in memory.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}
