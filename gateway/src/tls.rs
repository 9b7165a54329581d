//! Serving clients over TLS (feature `tls`): rustls with the ring provider, the certificate
//! chain and key read from PEM files.

use std::sync::Arc;

use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::{ConfigError, Tls};

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
    // ring builds with a C compiler alone (aws-lc-rs, rustls's default, needs more); rustls
    // deprecates it for lacking post-quantum key exchange, which this gateway then lacks too.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse(&tls.certificate, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| refuse(&tls.key, e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
