//! A policy's flat form, [`PolicyConfig`]: the fields of a policy file (TOML, JSON, or any
//! serde format with the `serde` feature), and what the builder, the command line, the C ABI
//! and the fuzzing harness all convert through, so each contradiction rule is written once,
//! in `Policy::try_from(PolicyConfig)`.
//!
//! ```toml
//! preamble = "tiff"          # zero | strip | tiff | reject
//! otherwise = "zero"         # with tiff: zero | strip | reject
//! allow_dangling_tiff = false
//! trailing = "keep"          # keep | truncate | reject
//! reject_at = "high"         # info | low | medium | high | critical; absent: never
//! deep = false               # true: search Pixel Data too (every byte is examined)
//!
//! [limits]                   # any subset of the Limits fields
//! max_depth = 64
//!
//! [dangerous]
//! keep_unchecked_preamble = false
//! ```
//!
//! Unknown keys and contradictory settings are errors.

use crate::error::Error;
use crate::limits::Limits;
use crate::rewrite::policy::{Fallback, Policy, PreambleAction, TrailingAction};
use crate::severity::Severity;

/// The preamble setting of a [`PolicyConfig`]: the four words of a policy file's `preamble`
/// key. [`PreambleChoice::Tiff`] takes its fallback from [`PolicyConfig::otherwise`].
///
/// ```
/// use dicom_sanitize::policy_file::PreambleChoice;
///
/// let names: Vec<_> = PreambleChoice::ALL.iter().map(|choice| choice.as_str()).collect();
/// assert_eq!(names, ["zero", "strip", "tiff", "reject"]);
/// assert_eq!(PreambleChoice::default(), PreambleChoice::Tiff);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum PreambleChoice {
    /// [`PreambleAction::Zero`].
    Zero,
    /// [`PreambleAction::Strip`].
    Strip,
    /// [`PreambleAction::AllowTiff`], with [`PolicyConfig::otherwise`] as its fallback. The
    /// default.
    #[default]
    Tiff,
    /// [`PreambleAction::Reject`].
    Reject,
}

impl PreambleChoice {
    /// The choice and fallback ([`PolicyConfig::otherwise`]) that spell `action`.
    pub(crate) fn of(action: PreambleAction) -> (PreambleChoice, Option<Fallback>) {
        match action {
            PreambleAction::Zero => (PreambleChoice::Zero, None),
            PreambleAction::Strip => (PreambleChoice::Strip, None),
            PreambleAction::Reject => (PreambleChoice::Reject, None),
            PreambleAction::AllowTiff { otherwise } => (PreambleChoice::Tiff, Some(otherwise)),
        }
    }

    /// Every choice, in declaration order.
    pub const ALL: [PreambleChoice; 4] = [
        PreambleChoice::Zero,
        PreambleChoice::Strip,
        PreambleChoice::Tiff,
        PreambleChoice::Reject,
    ];

    /// The name a policy file uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            PreambleChoice::Tiff => "tiff",
            PreambleChoice::Zero => "zero",
            PreambleChoice::Strip => "strip",
            PreambleChoice::Reject => "reject",
        }
    }
}

/// Settings that weaken the protection: the `[dangerous]` table of a policy file (see
/// [`PolicyBuilder::dangerous`](crate::PolicyBuilder::dangerous)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct DangerousConfig {
    /// Keep every preamble unchanged, whatever it holds. Default: false.
    #[cfg_attr(feature = "serde", serde(default))]
    pub keep_unchecked_preamble: bool,
}

/// A policy's flat form: the fields of a policy file, each one public. The default is the
/// default policy; [`Policy::try_from`] checks the fields against each other and
/// [`PolicyConfig::from`] gives any policy's.
///
/// ```
/// use dicom_sanitize::policy_file::{PolicyConfig, PreambleChoice};
/// use dicom_sanitize::{Fallback, Policy, PreambleAction, Severity};
///
/// assert_eq!(Policy::try_from(PolicyConfig::default())?, Policy::default());
///
/// let mut config = PolicyConfig::default();
/// config.otherwise = Some(Fallback::Reject);
/// config.reject_at = Some(Severity::High);
/// let strict = Policy::try_from(config)?;
/// assert_eq!(strict.preamble_action(), PreambleAction::AllowTiff { otherwise: Fallback::Reject });
/// assert_eq!(PolicyConfig::from(&strict), config);
///
/// // A fallback only goes with the tiff choice.
/// config.preamble = PreambleChoice::Zero;
/// assert!(Policy::try_from(config).is_err());
/// # Ok::<(), dicom_sanitize::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct PolicyConfig {
    /// What to do with preambles (`preamble`). Default: [`PreambleChoice::Tiff`].
    #[cfg_attr(feature = "serde", serde(default))]
    pub preamble: PreambleChoice,
    /// With [`PreambleChoice::Tiff`], what to do with a preamble it does not keep
    /// (`otherwise`); `None` is [`Fallback::Zero`]. `Some` with another choice contradicts it.
    /// Default: `None`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub otherwise: Option<Fallback>,
    /// Also keep dangling TIFF headers (`allow_dangling_tiff`), with
    /// [`PreambleChoice::Tiff`] only. Default: false.
    #[cfg_attr(feature = "serde", serde(default))]
    pub allow_dangling_tiff: bool,
    /// What to do with bytes after the data set (`trailing`). Default:
    /// [`TrailingAction::Keep`].
    #[cfg_attr(feature = "serde", serde(default))]
    pub trailing: TrailingAction,
    /// Refuse files with a finding at or above this severity that sanitizing does not remove
    /// (`reject_at`); `None` never does. Default: `None`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub reject_at: Option<Severity>,
    /// Search Pixel Data values and fragments too (`deep`), so that validation examines
    /// every byte of a well-formed file; see [`Policy::deep_scan`]. Default: false.
    #[cfg_attr(feature = "serde", serde(default))]
    pub deep: bool,
    /// The limits for reading inputs (`[limits]`). Default: [`Limits::default`].
    #[cfg_attr(feature = "serde", serde(default))]
    pub limits: Limits,
    /// Settings that weaken the protection (`[dangerous]`), which the other preamble settings
    /// must then leave at their defaults. Default: none.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "DangerousConfig::is_default")
    )]
    pub dangerous: DangerousConfig,
}

impl DangerousConfig {
    #[cfg(feature = "serde")]
    fn is_default(&self) -> bool {
        *self == DangerousConfig::default()
    }
}

/// Every contradiction rule of a policy lives here.
impl TryFrom<PolicyConfig> for Policy {
    type Error = Error;

    /// The policy the settings describe.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for contradictory settings: a fallback (`otherwise`) or
    /// `allow_dangling_tiff` without [`PreambleChoice::Tiff`], or `keep_unchecked_preamble`
    /// with any other preamble setting.
    fn try_from(config: PolicyConfig) -> Result<Self, Error> {
        let tiff = config.preamble == PreambleChoice::Tiff;
        if config.otherwise.is_some() && !tiff {
            return Err(Error::InvalidPolicy {
                reason: "otherwise needs preamble = \"tiff\"",
            });
        }
        let keep_unchecked_preamble = config.dangerous.keep_unchecked_preamble;
        if keep_unchecked_preamble
            && (!tiff || config.otherwise.is_some() || config.allow_dangling_tiff)
        {
            return Err(Error::InvalidPolicy {
                reason: "keep_unchecked_preamble cannot be combined with a preamble action",
            });
        }
        if config.allow_dangling_tiff && !tiff {
            return Err(Error::InvalidPolicy {
                reason: "allow_dangling_tiff needs PreambleAction::AllowTiff",
            });
        }
        let preamble = match config.preamble {
            PreambleChoice::Tiff => PreambleAction::AllowTiff {
                otherwise: config.otherwise.unwrap_or(Fallback::Zero),
            },
            PreambleChoice::Zero => PreambleAction::Zero,
            PreambleChoice::Strip => PreambleAction::Strip,
            PreambleChoice::Reject => PreambleAction::Reject,
        };
        Ok(Policy {
            preamble,
            allow_dangling_tiff: config.allow_dangling_tiff,
            keep_unchecked_preamble,
            trailing: config.trailing,
            reject_at: config.reject_at,
            limits: config.limits,
            deep: config.deep,
        })
    }
}

impl From<&Policy> for PolicyConfig {
    /// The settings of `policy`. A fallback is always spelled out (`otherwise: Some(..)` with
    /// [`PreambleChoice::Tiff`]), except for a policy that keeps unchecked preambles, which has
    /// none.
    fn from(policy: &Policy) -> Self {
        let (preamble, otherwise) = PreambleChoice::of(policy.preamble_action());
        let dangerous = DangerousConfig {
            keep_unchecked_preamble: policy.keeps_unchecked_preamble(),
        };
        PolicyConfig {
            preamble,
            otherwise: otherwise.filter(|_| !dangerous.keep_unchecked_preamble),
            allow_dangling_tiff: policy.allows_dangling_tiff(),
            trailing: policy.trailing_action(),
            reject_at: policy.rejects_findings_at(),
            deep: policy.deep_scan(),
            limits: *policy.limits(),
            dangerous,
        }
    }
}

impl From<Policy> for PolicyConfig {
    /// As `PolicyConfig::from(&policy)`.
    fn from(policy: Policy) -> Self {
        PolicyConfig::from(&policy)
    }
}

/// Why a policy file could not give a policy ([`PolicyConfig::from_file`]).
#[cfg(feature = "policy-files")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFileError {
    /// The file could not be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error's message.
        message: String,
    },
    /// The file is not a policy file: bad syntax, an unknown key, a bad value.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's message (with its line and column).
        message: String,
    },
    /// The settings contradict each other ([`Error::InvalidPolicy`]).
    #[error("{}: {error}", path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// The contradiction.
        error: Error,
    },
}

#[cfg(feature = "policy-files")]
impl PolicyFileError {
    /// The file concerned.
    pub fn path(&self) -> &std::path::Path {
        match self {
            PolicyFileError::Io { path, .. }
            | PolicyFileError::Syntax { path, .. }
            | PolicyFileError::Invalid { path, .. } => path,
        }
    }

    /// A stable code: `io`, `invalid-policy` (bad syntax or contradictory settings).
    pub fn code(&self) -> &'static str {
        match self {
            PolicyFileError::Io { .. } => "io",
            PolicyFileError::Syntax { .. } | PolicyFileError::Invalid { .. } => "invalid-policy",
        }
    }
}

#[cfg(feature = "policy-files")]
impl PolicyConfig {
    /// The settings of a policy file: JSON for a `.json` name, TOML otherwise (feature
    /// `policy-files`). The command line's `--policy-file` and the Python package read
    /// policy files through this.
    ///
    /// # Errors
    /// [`PolicyFileError::Io`] when the file cannot be read, [`PolicyFileError::Syntax`] for
    /// anything that is not a policy file (unknown keys included).
    ///
    /// ```
    /// use dicom_sanitize::policy_file::{PolicyConfig, PreambleChoice};
    ///
    /// let path = std::env::temp_dir().join("dicom-sanitize-doc-policy.toml");
    /// std::fs::write(&path, "preamble = \"zero\"\n[limits]\nmax_depth = 8\n")?;
    /// let config = PolicyConfig::from_file(&path)?;
    /// assert_eq!(config.preamble, PreambleChoice::Zero);
    /// assert_eq!(config.limits.max_depth, 8);
    /// std::fs::write(&path, "preamble = \"maybe\"\n")?;
    /// assert_eq!(PolicyConfig::from_file(&path).unwrap_err().code(), "invalid-policy");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, PolicyFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyFileError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let json = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        let parsed = if json {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| e.to_string())
        };
        parsed.map_err(|message| PolicyFileError::Syntax {
            path: path.to_path_buf(),
            message,
        })
    }
}

#[cfg(feature = "policy-files")]
impl Policy {
    /// The policy of a policy file ([`PolicyConfig::from_file`], then its contradiction
    /// rules; feature `policy-files`).
    ///
    /// # Errors
    /// As [`PolicyConfig::from_file`], and [`PolicyFileError::Invalid`] for contradictory
    /// settings.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let path = std::env::temp_dir().join("dicom-sanitize-doc-policy.json");
    /// std::fs::write(&path, r#"{"preamble": "strip"}"#)?;
    /// assert_eq!(Policy::from_file(&path)?, Policy::strip());
    /// std::fs::write(&path, r#"{"preamble": "zero", "otherwise": "strip"}"#)?;
    /// assert!(Policy::from_file(&path).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, PolicyFileError> {
        let path = path.as_ref();
        Policy::try_from(PolicyConfig::from_file(path)?).map_err(|error| PolicyFileError::Invalid {
            path: path.to_path_buf(),
            error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_round_trips() {
        let mut audit = Policy::builder();
        audit.dangerous().keep_unchecked_preamble();
        let policies = [
            Policy::default(),
            Policy::zero(),
            Policy::strip(),
            Policy::builder()
                .preamble(PreambleAction::Reject)
                .trailing_data(TrailingAction::Reject)
                .build()
                .unwrap(),
            Policy::builder()
                .preamble(PreambleAction::AllowTiff {
                    otherwise: Fallback::Strip,
                })
                .allow_dangling_tiff(true)
                .reject_findings_at(Severity::Medium)
                .limits(Limits {
                    max_depth: 3,
                    ..Limits::default()
                })
                .build()
                .unwrap(),
            Policy::builder().deep_scan(true).build().unwrap(),
            audit.build().unwrap(),
        ];
        for policy in policies {
            let config = PolicyConfig::from(&policy);
            assert_eq!(Policy::try_from(config), Ok(policy.clone()), "{config:?}");
            assert_eq!(PolicyConfig::from(policy), config);
        }
        assert_eq!(
            Policy::try_from(PolicyConfig::default()),
            Ok(Policy::default())
        );
    }

    #[test]
    fn contradictions_name_their_rule() {
        let reason = |config: PolicyConfig| match Policy::try_from(config) {
            Err(Error::InvalidPolicy { reason }) => reason,
            other => panic!("{config:?} gave {other:?}"),
        };
        let zero = PolicyConfig {
            preamble: PreambleChoice::Zero,
            ..PolicyConfig::default()
        };
        let audit = PolicyConfig {
            dangerous: DangerousConfig {
                keep_unchecked_preamble: true,
            },
            ..PolicyConfig::default()
        };
        assert!(reason(PolicyConfig {
            otherwise: Some(Fallback::Zero),
            ..zero
        })
        .starts_with("otherwise"));
        assert!(reason(PolicyConfig {
            allow_dangling_tiff: true,
            ..zero
        })
        .starts_with("allow_dangling_tiff"));
        for contradiction in [
            PolicyConfig {
                preamble: PreambleChoice::Strip,
                ..audit
            },
            PolicyConfig {
                otherwise: Some(Fallback::Zero),
                ..audit
            },
            PolicyConfig {
                allow_dangling_tiff: true,
                ..audit
            },
        ] {
            assert!(reason(contradiction).starts_with("keep_unchecked_preamble"));
        }
        // Where two rules are broken, keep_unchecked_preamble's is named, as policy files
        // always have.
        assert!(reason(PolicyConfig {
            allow_dangling_tiff: true,
            ..PolicyConfig {
                preamble: PreambleChoice::Zero,
                ..audit
            }
        })
        .starts_with("keep_unchecked_preamble"));
        assert!(Policy::try_from(audit).unwrap().keeps_unchecked_preamble());
    }

    #[cfg(feature = "serde")]
    fn parse(json: &str) -> Result<Policy, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[cfg(feature = "serde")]
    #[test]
    fn round_trips_and_defaults() {
        assert_eq!(parse("{}").unwrap(), Policy::default());
        assert_eq!(parse(r#"{"preamble": "zero"}"#).unwrap(), Policy::zero());
        let strict = Policy::builder()
            .preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })
            .trailing_data(TrailingAction::Truncate)
            .reject_findings_at(Severity::High)
            .build()
            .unwrap();
        let json = serde_json::to_string(&strict).unwrap();
        assert!(
            json.contains(r#""otherwise":"reject""#) && json.contains(r#""reject_at":"high""#),
            "{json}"
        );
        assert_eq!(parse(&json).unwrap(), strict);
        let limited = parse(r#"{"limits": {"max_depth": 7}}"#).unwrap();
        assert_eq!(limited.validator().limits().max_depth, 7);
        assert_eq!(
            limited.validator().limits().max_meta_length,
            Limits::default().max_meta_length
        );
        let mut audit = Policy::builder();
        audit.dangerous().keep_unchecked_preamble();
        let audit = audit.build().unwrap();
        assert_eq!(
            parse(&serde_json::to_string(&audit).unwrap()).unwrap(),
            audit
        );
        let deep = parse(r#"{"deep": true}"#).unwrap();
        assert!(deep.deep_scan());
        assert_eq!(deep, Policy::builder().deep_scan(true).build().unwrap());
        assert!(serde_json::to_string(&Policy::default())
            .unwrap()
            .contains(r#""deep":false"#));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn rejects_unknown_keys_and_contradictions() {
        assert!(parse(r#"{"preambel": "zero"}"#)
            .unwrap_err()
            .contains("unknown field"));
        assert!(parse(r#"{"preamble": "zero", "otherwise": "strip"}"#)
            .unwrap_err()
            .contains("otherwise"));
        assert!(parse(r#"{"preamble": "strip", "allow_dangling_tiff": true}"#).is_err());
        assert!(
            parse(r#"{"preamble": "zero", "dangerous": {"keep_unchecked_preamble": true}}"#)
                .is_err()
        );
        assert!(parse(r#"{"limits": {"max_deepness": 1}}"#).is_err());
        assert!(parse(r#"{"reject_at": "severe"}"#).is_err());
        assert!(parse(r#"{"deep": "yes"}"#).is_err());
        assert!(parse(r#"{"limits": {"deep": true}}"#).is_err());
    }
}
