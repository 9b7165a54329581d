//! The gateway over TLS (feature `tls`).
#![cfg(feature = "tls")]

use std::sync::Arc;

use bytes::Bytes;
use dicom_sanitize_gateway::{Config, ConfigError, Gateway};
use http::Request;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

#[tokio::test]
async fn clients_are_served_over_tls() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let config_path = dir.path().join("gateway.toml");
    let text = "listen = \"127.0.0.1:0\"\norigin = \"http://127.0.0.1:9\"\n\
                [tls]\ncertificate = \"cert.pem\"\nkey = \"key.pem\"\n";
    let config = Config::from_toml(text, &config_path).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(Gateway::new(config).unwrap().serve(listener));

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let stream = TcpStream::connect(addr).await.unwrap();
    let stream = TlsConnector::from(Arc::new(client))
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap();
    let response = get(stream, "/metrics").await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("dicom_gateway_stow_requests_total"));

    // Plain HTTP on the TLS port gets no answer.
    let stream = TcpStream::connect(addr).await.unwrap();
    assert!(get(stream, "/metrics").await.is_err());

    // A key that does not parse is a configuration error.
    std::fs::write(dir.path().join("key.pem"), "not a key").unwrap();
    assert!(matches!(
        Config::from_toml(text, &config_path),
        Err(ConfigError::Tls { .. })
    ));
}

#[tokio::test]
async fn https_origins_are_reached_through_their_ca() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), certified.cert.pem()).unwrap();

    // An origin on TLS that answers every request with its path.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(certified.cert.der().to_vec())],
            rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
                .unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let origin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin_addr = origin.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = origin.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let answer = format!("tls origin saw {}", req.uri());
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(Bytes::from(answer)),
                        ))
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let text = format!(
        "listen = \"127.0.0.1:0\"\norigin = \"https://{origin_addr}/dicom-web\"\norigin_ca = \"ca.pem\"\n"
    );
    let config = Config::from_toml(&text, &dir.path().join("gateway.toml")).unwrap();
    let response = get_through(config, "/studies?PatientID=7").await;
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "tls origin saw /dicom-web/studies?PatientID=7");

    // Trusting another CA, the origin's certificate is refused: 502.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    std::fs::write(dir.path().join("ca.pem"), other.cert.pem()).unwrap();
    let config = Config::from_toml(&text, &dir.path().join("gateway.toml")).unwrap();
    assert_eq!(get_through(config, "/studies").await.status(), 502);
}

/// Starts a gateway with `config` on a loopback port and sends it one plain-HTTP `GET path`.
async fn get_through(config: Config, path: &str) -> hyper::Response<hyper::body::Incoming> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(Gateway::new(config).unwrap().serve(listener));
    let stream = TcpStream::connect(addr).await.unwrap();
    get(stream, path).await.unwrap()
}

/// Sends one HTTP/1.1 `GET path` over `stream` (plain TCP or TLS): the answer, or the error
/// of a connection that gave none.
async fn get<S>(stream: S, path: &str) -> hyper::Result<hyper::Response<hyper::body::Incoming>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::get(path)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .expect("a GET request");
    sender.send_request(request).await
}
