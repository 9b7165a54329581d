//! The policies the harnesses run: the [`standard_policies`], and an arbitrary one described
//! by a [`PolicySpec`] for [`policy`].

use super::read::{inspect_with, validate_with};
use super::sinks::{check_sanitize, check_sinks};
use crate::policy_file::{PolicyConfig, PreambleChoice};
use crate::{Error, Fallback, Limits, Policy, PreambleAction, Severity, TrailingAction};

/// The policies [`sanitize`](super::sanitize), [`sinks`](fn@super::sinks) and the replay test
/// run: every preamble action and fallback, lenient TIFF, truncation and rejection of
/// trailing data, rejection of findings, and the dangerous report-only policy.
pub fn standard_policies() -> Vec<(&'static str, Policy)> {
    let build = |builder: crate::PolicyBuilder| builder.build().expect("a valid policy");
    let mut audit = Policy::builder();
    audit.dangerous().keep_unchecked_preamble();
    vec![
        ("default", Policy::default()),
        ("zero", Policy::zero()),
        ("strip", Policy::strip()),
        (
            "tiff-else-strip",
            build(Policy::builder().preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Strip,
            })),
        ),
        (
            "tiff-else-reject",
            build(Policy::builder().preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })),
        ),
        (
            "reject",
            build(Policy::builder().preamble(PreambleAction::Reject)),
        ),
        (
            "lenient-tiff",
            build(Policy::builder().allow_dangling_tiff(true)),
        ),
        (
            "truncate",
            build(Policy::builder().trailing_data(TrailingAction::Truncate)),
        ),
        (
            "strip-truncate",
            build(
                Policy::builder()
                    .preamble(PreambleAction::Strip)
                    .trailing_data(TrailingAction::Truncate),
            ),
        ),
        (
            "reject-trailing",
            build(Policy::builder().trailing_data(TrailingAction::Reject)),
        ),
        (
            "reject-high",
            build(Policy::builder().reject_findings_at(Severity::High)),
        ),
        ("audit", build(audit)),
    ]
}

/// A policy as the fuzzer describes it, turned into a real [`Policy`] through its flat form,
/// [`PolicyConfig`], by [`PolicySpec::build`]. (Its shape is the fuzz corpus's encoding, so it
/// stays as it is.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub struct PolicySpec {
    /// The preamble action; `None` leaves the builder's default.
    pub preamble: Option<PreambleSpec>,
    /// `allow_dangling_tiff`.
    pub allow_dangling_tiff: bool,
    /// `trailing_data`.
    pub trailing: TrailingSpec,
    /// `reject_findings_at`.
    pub reject_at: Option<SeveritySpec>,
    /// `dangerous().keep_unchecked_preamble()`.
    pub keep_unchecked_preamble: bool,
    /// Small limits, to reach every limit's code path; `None` keeps the defaults.
    pub limits: Option<LimitsSpec>,
}

/// [`PreambleAction`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum PreambleSpec {
    Zero,
    Strip,
    AllowTiff(FallbackSpec),
    Reject,
}

/// [`Fallback`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum FallbackSpec {
    Zero,
    Strip,
    Reject,
}

/// [`TrailingAction`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum TrailingSpec {
    Keep,
    Truncate,
    Reject,
}

/// [`Severity`] for [`PolicySpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub enum SeveritySpec {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// [`Limits`] for [`PolicySpec`], in small ranges so the fuzzer reaches each bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
#[allow(missing_docs)]
pub struct LimitsSpec {
    pub max_meta_length: u16,
    pub max_probe_bytes: u16,
    pub max_tiff_ifds: u8,
    pub max_tiff_entries: u16,
    pub max_tiff_values: u16,
    pub max_executable_headers: u8,
    pub max_depth: u8,
    pub max_inflated_len: u32,
    pub max_scan_len: u16,
}

impl From<LimitsSpec> for Limits {
    fn from(spec: LimitsSpec) -> Self {
        Limits {
            max_meta_length: u64::from(spec.max_meta_length),
            max_probe_bytes: u64::from(spec.max_probe_bytes),
            max_tiff_ifds: u32::from(spec.max_tiff_ifds),
            max_tiff_entries: u32::from(spec.max_tiff_entries),
            max_tiff_values: u64::from(spec.max_tiff_values),
            max_executable_headers: u32::from(spec.max_executable_headers),
            max_depth: u32::from(spec.max_depth),
            max_inflated_len: u64::from(spec.max_inflated_len),
            max_scan_len: u64::from(spec.max_scan_len),
            ..Limits::default()
        }
    }
}

impl PolicySpec {
    /// Whether building must refuse this combination: the harness's own statement of the
    /// rules of `Policy::try_from(PolicyConfig)`, written independently of them so that
    /// [`policy`] checks them (an oracle, not a second place that decides).
    pub fn is_contradictory(&self) -> bool {
        let allow_tiff = matches!(self.preamble, None | Some(PreambleSpec::AllowTiff(_)));
        (self.allow_dangling_tiff && !allow_tiff)
            || (self.keep_unchecked_preamble
                && (self.preamble.is_some() || self.allow_dangling_tiff))
    }

    /// The policy's flat form: what the builder would hold after the spec's calls.
    pub fn config(&self) -> PolicyConfig {
        let mut config = PolicyConfig::default();
        if let Some(preamble) = self.preamble {
            let (choice, otherwise) = match preamble {
                PreambleSpec::Zero => (PreambleChoice::Zero, None),
                PreambleSpec::Strip => (PreambleChoice::Strip, None),
                PreambleSpec::AllowTiff(f) => (PreambleChoice::Tiff, Some(f.into())),
                PreambleSpec::Reject => (PreambleChoice::Reject, None),
            };
            config.preamble = choice;
            config.otherwise = otherwise;
        }
        config.allow_dangling_tiff = self.allow_dangling_tiff;
        config.trailing = match self.trailing {
            TrailingSpec::Keep => TrailingAction::Keep,
            TrailingSpec::Truncate => TrailingAction::Truncate,
            TrailingSpec::Reject => TrailingAction::Reject,
        };
        config.reject_at = self.reject_at.map(|severity| match severity {
            SeveritySpec::Info => Severity::Info,
            SeveritySpec::Low => Severity::Low,
            SeveritySpec::Medium => Severity::Medium,
            SeveritySpec::High => Severity::High,
            SeveritySpec::Critical => Severity::Critical,
        });
        if let Some(limits) = self.limits {
            config.limits = limits.into();
        }
        config.dangerous.keep_unchecked_preamble = self.keep_unchecked_preamble;
        config
    }

    /// The policy, through its flat form: `Policy::try_from(self.config())`.
    ///
    /// # Errors
    /// As `Policy::try_from(PolicyConfig)`: contradictory settings.
    pub fn build(&self) -> Result<Policy, Error> {
        Policy::try_from(self.config())
    }
}

impl From<FallbackSpec> for Fallback {
    fn from(spec: FallbackSpec) -> Self {
        match spec {
            FallbackSpec::Zero => Fallback::Zero,
            FallbackSpec::Strip => Fallback::Strip,
            FallbackSpec::Reject => Fallback::Reject,
        }
    }
}

/// One input for [`policy`]: a policy, streaming chunk sizes, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq, arbitrary::Arbitrary)]
pub struct PolicyCase {
    /// The policy.
    pub spec: PolicySpec,
    /// Read sizes for the streaming reader (cycled; zero counts as one).
    pub chunks: [u8; 3],
    /// The input: the rest of the fuzzer's bytes.
    pub data: Vec<u8>,
}

/// [`policy`] on raw fuzzer bytes, decoded as libfuzzer-sys decodes a typed input
/// (`PolicyCase::arbitrary_take_rest`); bytes that do not decode are skipped. Harnesses and
/// the replay test call this, so a saved crash replays exactly.
pub fn policy_bytes(bytes: &[u8]) {
    use arbitrary::Arbitrary;
    if let Ok(case) = PolicyCase::arbitrary_take_rest(arbitrary::Unstructured::new(bytes)) {
        policy(&case);
    }
}

/// An arbitrary policy: it builds exactly when its settings are consistent, and then the
/// read-side, [`sanitize`](super::sanitize) and [`sinks`](fn@super::sinks) invariants hold for
/// it and `data`.
pub fn policy(case: &PolicyCase) {
    let built = case.spec.build();
    let policy = match built {
        Ok(policy) => {
            assert!(!case.spec.is_contradictory(), "built {:?}", case.spec);
            policy
        }
        Err(Error::InvalidPolicy { .. }) => {
            assert!(case.spec.is_contradictory(), "refused {:?}", case.spec);
            return;
        }
        Err(err) => panic!("build failed with {err}"),
    };
    assert!(!policy.conformance_statement().is_empty());
    let data = &case.data;
    inspect_with(policy.validator().inspector(), data);
    validate_with(&policy.validator(), data);
    check_sanitize("arbitrary", &policy, data);
    let chunks: Vec<usize> = case.chunks.iter().map(|&c| usize::from(c).max(1)).collect();
    check_sinks(
        "arbitrary",
        &policy,
        data,
        &[chunks[0], chunks[1], chunks[2]],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contradictory_specs_are_known() {
        let spec = PolicySpec {
            preamble: Some(PreambleSpec::Zero),
            allow_dangling_tiff: true,
            trailing: TrailingSpec::Keep,
            reject_at: None,
            keep_unchecked_preamble: false,
            limits: None,
        };
        assert!(spec.is_contradictory());
        assert!(matches!(spec.build(), Err(Error::InvalidPolicy { .. })));
        let fine = PolicySpec {
            preamble: None,
            ..spec
        };
        assert!(!fine.is_contradictory());
        assert!(fine.build().is_ok());
    }
}
