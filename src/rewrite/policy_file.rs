//! Policy files: the serialized form of a [`Policy`] (TOML, JSON, or any serde format).
//!
//! ```toml
//! preamble = "tiff"          # zero | strip | tiff | reject
//! otherwise = "zero"         # with tiff: zero | strip | reject
//! allow_dangling_tiff = false
//! trailing = "keep"          # keep | truncate | reject
//! reject_at = "high"         # info | low | medium | high | critical; absent: never
//!
//! [limits]                   # any subset of the Limits fields
//! max_depth = 64
//!
//! [dangerous]
//! keep_unchecked_preamble = false
//! ```
//!
//! Unknown keys and contradictory settings are errors.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::limits::Limits;
use crate::rewrite::policy::{Fallback, Policy, PreambleAction, TrailingAction};
use crate::validate::findings::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum PreambleName {
    Zero,
    Strip,
    #[default]
    Tiff,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FallbackName {
    Zero,
    Strip,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dangerous {
    #[serde(default)]
    keep_unchecked_preamble: bool,
}

/// The fields of a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyConfig {
    #[serde(default)]
    preamble: PreambleName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    otherwise: Option<FallbackName>,
    #[serde(default)]
    allow_dangling_tiff: bool,
    #[serde(default)]
    trailing: TrailingAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reject_at: Option<Severity>,
    #[serde(default)]
    limits: Limits,
    #[serde(default, skip_serializing_if = "is_default")]
    dangerous: Dangerous,
}

fn is_default(dangerous: &Dangerous) -> bool {
    *dangerous == Dangerous::default()
}

impl TryFrom<PolicyConfig> for Policy {
    type Error = Error;

    fn try_from(config: PolicyConfig) -> Result<Self, Error> {
        let fallback = match config.otherwise {
            None | Some(FallbackName::Zero) => Fallback::Zero,
            Some(FallbackName::Strip) => Fallback::Strip,
            Some(FallbackName::Reject) => Fallback::Reject,
        };
        let preamble = match config.preamble {
            PreambleName::Tiff => PreambleAction::AllowTiff {
                otherwise: fallback,
            },
            _ if config.otherwise.is_some() => {
                return Err(Error::InvalidPolicy {
                    reason: "otherwise needs preamble = \"tiff\"",
                })
            }
            PreambleName::Zero => PreambleAction::Zero,
            PreambleName::Strip => PreambleAction::Strip,
            PreambleName::Reject => PreambleAction::Reject,
        };
        let mut builder = Policy::builder()
            .allow_dangling_tiff(config.allow_dangling_tiff)
            .trailing_data(config.trailing)
            .limits(config.limits);
        if config.dangerous.keep_unchecked_preamble {
            if config.preamble != PreambleName::Tiff || config.otherwise.is_some() {
                return Err(Error::InvalidPolicy {
                    reason: "keep_unchecked_preamble cannot be combined with a preamble action",
                });
            }
            builder.dangerous().keep_unchecked_preamble();
        } else {
            builder = builder.preamble(preamble);
        }
        if let Some(severity) = config.reject_at {
            builder = builder.reject_findings_at(severity);
        }
        builder.build()
    }
}

impl From<Policy> for PolicyConfig {
    fn from(policy: Policy) -> Self {
        let (preamble, otherwise) = match policy.preamble_action() {
            PreambleAction::Zero => (PreambleName::Zero, None),
            PreambleAction::Strip => (PreambleName::Strip, None),
            PreambleAction::Reject => (PreambleName::Reject, None),
            PreambleAction::AllowTiff { otherwise } => (
                PreambleName::Tiff,
                Some(match otherwise {
                    Fallback::Zero => FallbackName::Zero,
                    Fallback::Strip => FallbackName::Strip,
                    Fallback::Reject => FallbackName::Reject,
                }),
            ),
        };
        let dangerous = Dangerous {
            keep_unchecked_preamble: policy.keeps_unchecked_preamble(),
        };
        PolicyConfig {
            preamble,
            otherwise: otherwise.filter(|_| !dangerous.keep_unchecked_preamble),
            allow_dangling_tiff: policy.allows_dangling_tiff(),
            trailing: policy.trailing_action(),
            reject_at: policy.rejects_findings_at(),
            limits: *policy.validator().limits(),
            dangerous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Policy, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

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
    }

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
    }
}
