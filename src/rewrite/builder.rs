//! Building a policy: setters with safe defaults over the policy's flat form, checked by
//! the one set of contradiction rules in [`policy_file`](crate::policy_file).

use crate::error::Error;
use crate::limits::Limits;
use crate::rewrite::policy::{Policy, PreambleAction, TrailingAction};
use crate::rewrite::policy_file::{PolicyConfig, PreambleChoice};
use crate::validate::findings::Severity;

/// Builds a [`Policy`]; every setter documents its safe default.
///
/// It holds a [`PolicyConfig`], the policy's flat form, and [`build`](PolicyBuilder::build)
/// checks it as `Policy::try_from(config)` does.
#[derive(Debug, Clone)]
pub struct PolicyBuilder {
    config: PolicyConfig,
}

impl PolicyBuilder {
    /// A builder starting from `config`.
    pub(crate) fn new(config: PolicyConfig) -> Self {
        PolicyBuilder { config }
    }

    /// What to do with preambles. Default: `AllowTiff { otherwise: Fallback::Zero }`.
    pub fn preamble(mut self, action: PreambleAction) -> Self {
        let (preamble, otherwise) = PreambleChoice::of(action);
        self.config.preamble = preamble;
        self.config.otherwise = otherwise;
        self
    }

    /// Also keep TIFF headers whose IFD chain does not work (vestigial headers, which many
    /// writers leave), when they are otherwise strictly valid. Default: false. Only meaningful
    /// with [`PreambleAction::AllowTiff`].
    pub fn allow_dangling_tiff(mut self, allow: bool) -> Self {
        self.config.allow_dangling_tiff = allow;
        self
    }

    /// What to do with bytes after the data set. Default: [`TrailingAction::Keep`].
    pub fn trailing_data(mut self, action: TrailingAction) -> Self {
        self.config.trailing = action;
        self
    }

    /// Refuse files with a finding at or above `severity` that sanitizing does not remove.
    /// Default: never.
    pub fn reject_findings_at(mut self, severity: Severity) -> Self {
        self.config.reject_at = Some(severity);
        self
    }

    /// The limits for reading inputs. Default: [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Also search Pixel Data values and fragments for payloads, whole, so that validation
    /// examines every byte of a well-formed file once. Default: false: every other value is
    /// searched, and Pixel Data, which holds most of a file's bytes, is skipped.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let deep = Policy::builder().deep_scan(true).build()?;
    /// assert!(deep.deep_scan());
    /// assert!(!Policy::default().deep_scan());
    /// # Ok::<(), dicom_sanitize::Error>(())
    /// ```
    pub fn deep_scan(mut self, deep: bool) -> Self {
        self.config.deep = deep;
        self
    }

    /// Settings that weaken the protection, visibly named.
    pub fn dangerous(&mut self) -> DangerousPolicyBuilder<'_> {
        DangerousPolicyBuilder { builder: self }
    }

    /// The policy: `Policy::try_from` the [`PolicyConfig`] the setters filled in.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for contradictory settings: allowing dangling TIFF headers
    /// without [`PreambleAction::AllowTiff`], or keeping unchecked preambles while also
    /// choosing a preamble action.
    pub fn build(self) -> Result<Policy, Error> {
        Policy::try_from(self.config)
    }
}

/// Dangerous settings of a [`PolicyBuilder`]: see [`PolicyBuilder::dangerous`].
#[derive(Debug)]
pub struct DangerousPolicyBuilder<'b> {
    builder: &'b mut PolicyBuilder,
}

impl DangerousPolicyBuilder<'_> {
    /// Keep every preamble unchanged, whatever it holds (an executable included): the policy
    /// then only reports, and applies its trailing-data and rejection settings.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let mut builder = Policy::builder();
    /// builder.dangerous().keep_unchecked_preamble();
    /// let audit = builder.build()?;
    /// assert!(audit.keeps_unchecked_preamble());
    /// # Ok::<(), dicom_sanitize::Error>(())
    /// ```
    pub fn keep_unchecked_preamble(self) {
        self.builder.config.dangerous.keep_unchecked_preamble = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contradictions_are_errors() {
        for action in [
            PreambleAction::Zero,
            PreambleAction::Strip,
            PreambleAction::Reject,
        ] {
            let built = Policy::builder()
                .preamble(action)
                .allow_dangling_tiff(true)
                .build();
            assert!(
                matches!(built, Err(Error::InvalidPolicy { .. })),
                "{action:?}"
            );
        }
        let mut builder = Policy::builder().preamble(PreambleAction::Zero);
        builder.dangerous().keep_unchecked_preamble();
        assert!(matches!(builder.build(), Err(Error::InvalidPolicy { .. })));
    }
}
