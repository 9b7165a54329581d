//! The gateway's configuration: a TOML file, checked once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dicom_sanitize::{Policy, Prefix};
use http::uri::{Authority, Scheme, Uri};
use serde::Deserialize;

/// What can be wrong with a configuration file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The file is not valid TOML for the gateway (an unknown key, a wrong type).
    #[error("{path}: {message}")]
    Parse {
        /// The configuration file.
        path: PathBuf,
        /// The parser's message, with the line.
        message: String,
    },
    /// The origin is not an `http://host:port/path` URL.
    #[error("origin {origin:?}: {reason}")]
    Origin {
        /// The configured origin.
        origin: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The policy file could not be read or is contradictory.
    #[error("policy: {0}")]
    Policy(#[from] dicom_sanitize::policy_file::PolicyFileError),
    /// The policy needs whole files (trailing-data actions, rejecting findings): a gateway
    /// streams, so it cannot apply it.
    #[error("policy {path}: {error}")]
    NotStreamable {
        /// The policy file.
        path: PathBuf,
        /// The library's reason.
        error: dicom_sanitize::Error,
    },
    /// The TLS certificate or key cannot be used, or TLS is configured in a build without
    /// the `tls` feature.
    #[error("tls: {path}: {message}")]
    Tls {
        /// The certificate or key file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A limit of zero.
    #[error("limits.{name} must be at least 1")]
    ZeroLimit {
        /// The limit's key.
        name: &'static str,
    },
}

/// The file's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: SocketAddr,
    origin: String,
    policy: Option<PathBuf>,
    origin_ca: Option<PathBuf>,
    #[serde(default)]
    sanitize_responses: bool,
    #[serde(default)]
    limits: LimitsFile,
    tls: Option<Tls>,
}

/// Serving over TLS (feature `tls`): the `[tls]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// The certificate chain, PEM, the server's own certificate first.
    pub certificate: PathBuf,
    /// Its private key, PEM (PKCS #8, PKCS #1 or SEC1).
    pub key: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LimitsFile {
    body_bytes: u64,
    parts: u64,
    part_bytes: u64,
    concurrent_requests: u64,
    client_idle_seconds: u64,
    origin_timeout_seconds: u64,
}

impl Default for LimitsFile {
    fn default() -> Self {
        let limits = Limits::default();
        LimitsFile {
            body_bytes: limits.body_bytes,
            parts: limits.parts,
            part_bytes: limits.part_bytes,
            concurrent_requests: limits.concurrent_requests as u64,
            client_idle_seconds: limits.client_idle.as_secs(),
            origin_timeout_seconds: limits.origin_timeout.as_secs(),
        }
    }
}

/// Limits on what one request may hold and how long each side may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one request body (default 4 GiB): larger ones get 413.
    pub body_bytes: u64,
    /// Parts in one STOW-RS request (default 10,000).
    pub parts: u64,
    /// Bytes in one part (default 2 GiB).
    pub part_bytes: u64,
    /// Requests handled at once (default 64); more get 503 with `Retry-After`.
    pub concurrent_requests: usize,
    /// How long a client may send nothing in the middle of a body (default 30 s): 408.
    pub client_idle: Duration,
    /// How long the origin may take to answer once the request is sent (default 300 s): 504.
    pub origin_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 4 << 30,
            parts: 10_000,
            part_bytes: 2 << 30,
            concurrent_requests: 64,
            client_idle: Duration::from_secs(30),
            origin_timeout: Duration::from_secs(300),
        }
    }
}

/// The origin: a scheme (`http`, or `https` with feature `tls`), an authority and the path
/// every request path is appended to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// `host:port`.
    pub authority: Authority,
    /// The path prefix, without a trailing `/` (`/dicom-web`, or empty).
    pub base_path: String,
}

impl Origin {
    /// Parses `http://host[:port][/path]` (or `https://`, with feature `tls`).
    ///
    /// # Errors
    /// [`ConfigError::Origin`] for another scheme, a query, or no host.
    pub fn parse(origin: &str) -> Result<Self, ConfigError> {
        let refuse = |reason| ConfigError::Origin {
            origin: origin.to_owned(),
            reason,
        };
        let uri: Uri = origin.parse().map_err(|_| refuse("not a URL"))?;
        let scheme = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTP => Scheme::HTTP,
            Some(scheme) if *scheme == Scheme::HTTPS && cfg!(feature = "tls") => Scheme::HTTPS,
            Some(scheme) if *scheme == Scheme::HTTPS => {
                return Err(refuse(
                    "https:// origins need a build with the `tls` feature",
                ))
            }
            _ => return Err(refuse("only http:// and https:// origins are supported")),
        };
        if uri.query().is_some() {
            return Err(refuse("an origin has no query"));
        }
        let authority = uri.authority().cloned().ok_or_else(|| refuse("no host"))?;
        Ok(Origin {
            scheme,
            authority,
            base_path: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The origin's URI for a request's path and query.
    pub fn uri_for(&self, path_and_query: &str) -> Result<Uri, http::Error> {
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(format!("{}{}", self.base_path, path_and_query))
            .build()
    }
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the gateway listens.
    pub listen: SocketAddr,
    /// The DICOMweb origin.
    pub origin: Origin,
    /// The certificates (PEM) an `https://` origin's chain must lead to; the system's roots
    /// when `None` (feature `tls`).
    pub origin_ca: Option<PathBuf>,
    /// The library's policy (the default when the file names none).
    pub policy: Policy,
    /// The policy file, when one is named.
    pub policy_path: Option<PathBuf>,
    /// Whether instances the origin sends back (WADO-RS) are sanitized too.
    pub sanitize_responses: bool,
    /// Request limits.
    pub limits: Limits,
    /// TLS for clients (feature `tls`); plain HTTP when `None`.
    pub tls: Option<Tls>,
}

impl Config {
    /// A configuration with the default policy and limits.
    pub fn new(listen: SocketAddr, origin: Origin) -> Self {
        Config {
            listen,
            origin,
            origin_ca: None,
            policy: Policy::default(),
            policy_path: None,
            sanitize_responses: false,
            limits: Limits::default(),
            tls: None,
        }
    }

    /// Reads and checks a configuration file; a relative policy path is taken from the
    /// configuration file's folder.
    ///
    /// # Errors
    /// Any [`ConfigError`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses a configuration's text; `path` names it in errors and anchors a relative
    /// policy path.
    ///
    /// # Errors
    /// Any [`ConfigError`].
    ///
    /// ```
    /// use std::path::Path;
    /// use dicom_sanitize_gateway::Config;
    ///
    /// let text = r#"
    ///     listen = "127.0.0.1:8043"
    ///     origin = "http://127.0.0.1:8042/dicom-web"
    ///     [limits]
    ///     parts = 100
    /// "#;
    /// let config = Config::from_toml(text, Path::new("gateway.toml"))?;
    /// assert_eq!(config.origin.base_path, "/dicom-web");
    /// assert_eq!(config.limits.parts, 100);
    /// assert!(Config::from_toml("listen = 1", Path::new("gateway.toml")).is_err());
    /// # Ok::<(), dicom_sanitize_gateway::ConfigError>(())
    /// ```
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let origin = Origin::parse(&file.origin)?;
        let policy_path = file
            .policy
            .map(|p| path.parent().unwrap_or(Path::new("")).join(p));
        let policy = match &policy_path {
            Some(p) => Policy::from_file(p)?,
            None => Policy::default(),
        };
        // Asking about no bytes at all tells whether the policy can stream.
        if let Err(error) = policy.decide_stream(&[], false) {
            return Err(ConfigError::NotStreamable {
                path: policy_path.unwrap_or_default(),
                error,
            });
        }
        debug_assert!(matches!(
            policy.decide_stream(&[], false),
            Ok(Prefix::Partial)
        ));
        let l = file.limits;
        let nonzero = |name, value: u64| {
            if value == 0 {
                Err(ConfigError::ZeroLimit { name })
            } else {
                Ok(value)
            }
        };
        let limits = Limits {
            body_bytes: nonzero("body_bytes", l.body_bytes)?,
            parts: nonzero("parts", l.parts)?,
            part_bytes: nonzero("part_bytes", l.part_bytes)?,
            concurrent_requests: usize::try_from(nonzero(
                "concurrent_requests",
                l.concurrent_requests,
            )?)
            .unwrap_or(usize::MAX),
            client_idle: Duration::from_secs(nonzero(
                "client_idle_seconds",
                l.client_idle_seconds,
            )?),
            origin_timeout: Duration::from_secs(nonzero(
                "origin_timeout_seconds",
                l.origin_timeout_seconds,
            )?),
        };
        let folder = path.parent().unwrap_or(Path::new(""));
        let tls = file.tls.map(|tls| Tls {
            certificate: folder.join(tls.certificate),
            key: folder.join(tls.key),
        });
        if let Some(tls) = &tls {
            check_tls(tls)?;
        }
        let origin_ca = file.origin_ca.map(|ca| folder.join(ca));
        if let Some(ca) = &origin_ca {
            if !cfg!(feature = "tls") {
                return Err(ConfigError::Tls {
                    path: ca.clone(),
                    message: "this build has no TLS (cargo feature `tls`)".into(),
                });
            }
        }
        Ok(Config {
            tls,
            origin_ca,
            listen: file.listen,
            origin,
            policy,
            policy_path,
            sanitize_responses: file.sanitize_responses,
            limits,
        })
    }
}

/// Whether the build can serve `tls`, and its files make an acceptor.
fn check_tls(tls: &Tls) -> Result<(), ConfigError> {
    #[cfg(feature = "tls")]
    return crate::tls::acceptor(tls).map(|_| ());
    #[cfg(not(feature = "tls"))]
    return Err(ConfigError::Tls {
        path: tls.certificate.clone(),
        message: "this build has no TLS (cargo feature `tls`)".into(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let o = Origin::parse("http://127.0.0.1:8042/dicom-web/").unwrap();
        assert_eq!(o.authority.as_str(), "127.0.0.1:8042");
        assert_eq!(o.base_path, "/dicom-web");
        assert_eq!(
            o.uri_for("/studies?PatientID=1").unwrap().to_string(),
            "http://127.0.0.1:8042/dicom-web/studies?PatientID=1"
        );
        assert_eq!(Origin::parse("http://pacs").unwrap().base_path, "");
        assert_eq!(
            Origin::parse("https://pacs/").is_ok(),
            cfg!(feature = "tls"),
            "https:// needs the tls feature"
        );
        for bad in ["ftp://pacs/", "pacs:80", "http://pacs/?a=1", "not a url"] {
            assert!(
                matches!(Origin::parse(bad), Err(ConfigError::Origin { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_example_is_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway.example.toml");
        let config = Config::from_file(example).unwrap();
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.policy, Policy::default());
        assert!(!config.sanitize_responses);
        assert!(config.tls.is_none());
    }

    #[test]
    fn files() {
        let path = Path::new("/nonexistent/gateway.toml");
        let config = Config::from_toml(
            "listen = \"127.0.0.1:8043\"\norigin = \"http://127.0.0.1:8042/dicom-web\"\n\
             [limits]\nparts = 5\n",
            path,
        )
        .unwrap();
        assert_eq!(config.limits.parts, 5);
        assert_eq!(config.limits.body_bytes, Limits::default().body_bytes);
        assert_eq!(config.policy, Policy::default());

        let unknown = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\nlisten_too = 1\n",
            path,
        );
        assert!(
            matches!(unknown, Err(ConfigError::Parse { .. })),
            "{unknown:?}"
        );
        let zero = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\n[limits]\nparts = 0\n",
            path,
        );
        assert!(matches!(
            zero,
            Err(ConfigError::ZeroLimit { name: "parts" })
        ));
        let missing = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\npolicy = \"p.toml\"\n",
            path,
        );
        assert!(
            matches!(missing, Err(ConfigError::Policy(_))),
            "{missing:?}"
        );
    }

    #[test]
    #[cfg(not(feature = "tls"))]
    fn tls_needs_the_feature() {
        let refused = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\n[tls]\ncertificate = \"c\"\nkey = \"k\"\n",
            Path::new("/nonexistent/gateway.toml"),
        );
        assert!(
            matches!(refused, Err(ConfigError::Tls { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn policies_that_need_whole_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p.toml"), "trailing = \"truncate\"\n").unwrap();
        let config = dir.path().join("gateway.toml");
        let refused = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\npolicy = \"p.toml\"\n",
            &config,
        );
        assert!(
            matches!(refused, Err(ConfigError::NotStreamable { .. })),
            "{refused:?}"
        );
        std::fs::write(dir.path().join("p.toml"), "preamble = \"reject\"\n").unwrap();
        let strict = Config::from_toml(
            "listen = \"127.0.0.1:1\"\norigin = \"http://a\"\npolicy = \"p.toml\"\n",
            &config,
        )
        .unwrap();
        assert_eq!(
            strict.policy.preamble_action(),
            dicom_sanitize::PreambleAction::Reject
        );
    }
}
