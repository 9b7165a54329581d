//! TLS (feature `tls`), rustls with the ring provider: serving clients (the certificate chain
//! and key read from PEM files) and reaching `https://` origins.

use std::sync::Arc;

use hyper_util::client::legacy::connect::HttpConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, ConfigError, Tls};

/// The acceptor for `tls`'s certificate chain and key (HTTP/1.1 by ALPN, TLS 1.2 and 1.3).
///
/// # Errors
/// [`ConfigError::Tls`] when a file cannot be read or parsed, or the key does not fit.
pub(crate) fn acceptor(tls: &Tls) -> Result<TlsAcceptor, ConfigError> {
    let refuse = |path: &std::path::Path, message: String| ConfigError::Tls {
        path: path.to_owned(),
        message,
    };
    let read =
        |path: &std::path::Path| std::fs::read(path).map_err(|e| refuse(path, e.to_string()));
    let chain = read(&tls.certificate)?;
    let certificates = CertificateDer::pem_slice_iter(&chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refuse(&tls.certificate, e.to_string()))?;
    if certificates.is_empty() {
        return Err(refuse(&tls.certificate, "no certificate".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(&tls.key)?)
        .map_err(|e| refuse(&tls.key, e.to_string()))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse(&tls.certificate, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| refuse(&tls.key, e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// ring as the provider: it builds with a C compiler alone (aws-lc-rs, rustls's default, needs
/// more). rustls deprecates it for lacking post-quantum key exchange, which this gateway then
/// lacks too.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The connector to the origin: `http://`, or `https://` verified against `origin_ca` (or the
/// system's roots).
///
/// # Errors
/// [`ConfigError::Tls`] when `origin_ca` cannot be read, or an `https://` origin has no roots.
pub(crate) fn connector(
    config: &Config,
    http: HttpConnector,
) -> Result<hyper_rustls::HttpsConnector<HttpConnector>, ConfigError> {
    let refuse = |path: &std::path::Path, message: String| ConfigError::Tls {
        path: path.to_owned(),
        message,
    };
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = match &config.origin_ca {
        Some(ca) => {
            let pem = std::fs::read(ca).map_err(|e| refuse(ca, e.to_string()))?;
            let mut roots = RootCertStore::empty();
            for certificate in CertificateDer::pem_slice_iter(&pem) {
                let certificate = certificate.map_err(|e| refuse(ca, e.to_string()))?;
                roots
                    .add(certificate)
                    .map_err(|e| refuse(ca, e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(refuse(ca, "no certificate".into()));
            }
            let tls = ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| refuse(ca, e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            builder.with_tls_config(tls)
        }
        None if config.origin.scheme == http::uri::Scheme::HTTPS => builder
            .with_provider_and_native_roots(provider())
            .map_err(|e| refuse(std::path::Path::new("(system roots)"), e.to_string()))?,
        None => {
            // Plain http:// origin: the TLS side is never used.
            let tls = ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| refuse(std::path::Path::new("(none)"), e.to_string()))?
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth();
            builder.with_tls_config(tls)
        }
    };
    Ok(builder.https_or_http().enable_http1().wrap_connector(http))
}
