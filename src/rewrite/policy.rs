//! What to do with a file's preamble and the rest of what validation finds.

use crate::error::Error;
use crate::error::Rejection;
use crate::limits::Limits;
use crate::read::layout::Layout;
use crate::read::preamble::{PreambleKind, HEADER_LEN};
use crate::read::tiff::TiffGrade;
use crate::rewrite::builder::PolicyBuilder;
use crate::rewrite::plan::{Decision, Facts, Plan};
use crate::rewrite::policy_file::PolicyConfig;
use crate::validate::findings::Severity;
use crate::validate::report::Report;
use crate::validate::Validator;

/// What a policy does with an input's preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Action {
    /// Nothing to change.
    None,
    /// Overwrite the preamble with zeros.
    Zero,
    /// Remove the preamble and `DICM`.
    Strip,
    /// Keep a functional TIFF header as it is.
    KeepTiff,
    /// Refuse the input.
    Reject,
}

impl Action {
    /// Every action, in declaration order.
    ///
    /// ```
    /// use dicom_sanitize::Action;
    ///
    /// let names: Vec<_> = Action::ALL.iter().map(|action| action.as_str()).collect();
    /// assert_eq!(names, ["none", "zero", "strip", "keep-tiff", "reject"]);
    /// ```
    pub const ALL: [Action; 5] = [
        Action::None,
        Action::Zero,
        Action::Strip,
        Action::KeepTiff,
        Action::Reject,
    ];

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "none",
            Action::Zero => "zero",
            Action::Strip => "strip",
            Action::KeepTiff => "keep-tiff",
            Action::Reject => "reject",
        }
    }
}

/// What a policy does with a Part 10 file's preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreambleAction {
    /// Write 128 zero bytes over any non-zero preamble.
    Zero,
    /// Remove the preamble and the `DICM` magic: the output is the input minus its first 132
    /// bytes and starts at the File Meta group.
    Strip,
    /// Keep a *functional* TIFF header byte for byte (dual-personality DICOM-TIFF); apply
    /// `otherwise` to anything else. The default, with `otherwise: Fallback::Zero`.
    AllowTiff {
        /// What happens to a preamble that is not an allowed TIFF header.
        otherwise: Fallback,
    },
    /// Refuse any file whose preamble is not all zero.
    Reject,
}

/// What [`PreambleAction::AllowTiff`] does with a preamble it does not keep.
///
/// ```
/// use dicom_sanitize::Fallback;
///
/// let names: Vec<_> = Fallback::ALL.iter().map(|fallback| fallback.as_str()).collect();
/// assert_eq!(names, ["zero", "strip", "reject"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Fallback {
    /// Zero it.
    Zero,
    /// Strip it (and `DICM`), whatever it holds.
    Strip,
    /// Refuse the file (all-zero preambles pass).
    Reject,
}

impl Fallback {
    /// Every fallback, in declaration order.
    pub const ALL: [Fallback; 3] = [Fallback::Zero, Fallback::Strip, Fallback::Reject];

    /// The name a policy file uses (`otherwise = "zero"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Fallback::Zero => "zero",
            Fallback::Strip => "strip",
            Fallback::Reject => "reject",
        }
    }
}

/// What a policy does with bytes after the last element of the data set.
///
/// ```
/// use dicom_sanitize::TrailingAction;
///
/// let names: Vec<_> = TrailingAction::ALL.iter().map(|action| action.as_str()).collect();
/// assert_eq!(names, ["keep", "truncate", "reject"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum TrailingAction {
    /// Keep them (the default: every byte after the preamble is preserved).
    #[default]
    Keep,
    /// Remove them: the output ends where the data set ends.
    Truncate,
    /// Refuse the file.
    Reject,
}

impl TrailingAction {
    /// Every action, in declaration order.
    pub const ALL: [TrailingAction; 3] = [
        TrailingAction::Keep,
        TrailingAction::Truncate,
        TrailingAction::Reject,
    ];

    /// The name a policy file uses (`trailing = "keep"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TrailingAction::Keep => "keep",
            TrailingAction::Truncate => "truncate",
            TrailingAction::Reject => "reject",
        }
    }
}

/// A sanitization policy: built once, shared between threads, applied through `&self`.
///
/// Its flat form, with one public field per setting, is
/// [`PolicyConfig`](crate::policy_file::PolicyConfig) (`Policy::try_from(config)` and
/// `PolicyConfig::from(&policy)`); with the `serde` feature a policy reads from and writes to
/// policy files (TOML, JSON) through it: see the keys in the module documentation of
/// [`policy_file`](crate::policy_file).
///
/// The default follows the standard's advice (PS3.10 §7.5 and DICOM's 2019 FAQ): keep a
/// preamble only when it is a strictly valid TIFF header whose IFD chain works, zero every other
/// non-zero preamble, and keep every other byte as it is.
///
/// ```
/// use dicom_sanitize::{Fallback, Policy, PreambleAction, Severity, TrailingAction};
///
/// let default = Policy::default();
/// assert_eq!(default.preamble_action(), PreambleAction::AllowTiff { otherwise: Fallback::Zero });
///
/// let strict = Policy::builder()
///     .preamble(PreambleAction::Reject)
///     .trailing_data(TrailingAction::Reject)
///     .reject_findings_at(Severity::High)
///     .build()?;
/// assert_eq!(strict.trailing_action(), TrailingAction::Reject);
///
/// // Contradictory settings are an error, not a panic.
/// assert!(Policy::builder().preamble(PreambleAction::Zero).allow_dangling_tiff(true).build().is_err());
/// # Ok::<(), dicom_sanitize::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "crate::rewrite::policy_file::PolicyConfig",
        into = "crate::rewrite::policy_file::PolicyConfig"
    )
)]
pub struct Policy {
    // Set only by `Policy::try_from(PolicyConfig)` (policy_file.rs), which checks them.
    pub(super) preamble: PreambleAction,
    pub(super) allow_dangling_tiff: bool,
    pub(super) keep_unchecked_preamble: bool,
    pub(super) trailing: TrailingAction,
    pub(super) reject_at: Option<Severity>,
    pub(super) limits: Limits,
    pub(super) deep: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            preamble: PreambleAction::AllowTiff {
                otherwise: Fallback::Zero,
            },
            allow_dangling_tiff: false,
            keep_unchecked_preamble: false,
            trailing: TrailingAction::Keep,
            reject_at: None,
            limits: Limits::default(),
            deep: false,
        }
    }
}

impl Policy {
    /// A builder starting from the default policy.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::new(PolicyConfig::default())
    }

    /// Zero every non-zero preamble, TIFF included.
    ///
    /// ```
    /// assert_eq!(dicom_sanitize::Policy::zero().preamble_action(), dicom_sanitize::PreambleAction::Zero);
    /// ```
    pub fn zero() -> Self {
        Policy {
            preamble: PreambleAction::Zero,
            ..Policy::default()
        }
    }

    /// Strip the preamble and `DICM` from every Part 10 file.
    ///
    /// ```
    /// assert_eq!(dicom_sanitize::Policy::strip().preamble_action(), dicom_sanitize::PreambleAction::Strip);
    /// ```
    pub fn strip() -> Self {
        Policy {
            preamble: PreambleAction::Strip,
            ..Policy::default()
        }
    }

    /// What the policy does with preambles.
    pub fn preamble_action(&self) -> PreambleAction {
        self.preamble
    }

    /// What the policy does with bytes after the data set.
    pub fn trailing_action(&self) -> TrailingAction {
        self.trailing
    }

    /// The severity at or above which a remaining finding makes the policy refuse a file.
    pub fn rejects_findings_at(&self) -> Option<Severity> {
        self.reject_at
    }

    /// Whether dangling (vestigial) TIFF headers are kept too.
    pub fn allows_dangling_tiff(&self) -> bool {
        self.allow_dangling_tiff
    }

    /// Whether the policy keeps any preamble unchecked (set through
    /// [`PolicyBuilder::dangerous`]).
    pub fn keeps_unchecked_preamble(&self) -> bool {
        self.keep_unchecked_preamble
    }

    /// The limits the policy reads inputs with.
    ///
    /// ```
    /// use dicom_sanitize::{Limits, Policy};
    ///
    /// let mut limits = Limits::default();
    /// limits.max_depth = 8;
    /// let policy = Policy::builder().limits(limits).build()?;
    /// assert_eq!(policy.limits().max_depth, 8);
    /// # Ok::<(), dicom_sanitize::Error>(())
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The policy with its nesting limit lowered to `max_depth` when it is above (for a
    /// reader that recurses, as the opening layer's dicom-object does).
    #[cfg(feature = "dicom-object")]
    pub(crate) fn with_depth_at_most(&self, max_depth: u32) -> Policy {
        let mut policy = self.clone();
        policy.limits.max_depth = policy.limits.max_depth.min(max_depth);
        policy
    }

    /// Whether the policy's validation searches Pixel Data too, so that every byte of a
    /// well-formed file is examined (`deep` in a policy file, `--deep` on the command line).
    /// Default: false: every value but Pixel Data and its fragments is searched.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// assert!(!Policy::default().deep_scan());
    /// assert!(Policy::builder().deep_scan(true).build()?.deep_scan());
    /// # Ok::<(), dicom_sanitize::Error>(())
    /// ```
    pub fn deep_scan(&self) -> bool {
        self.deep
    }

    /// The validator the policy uses to read inputs: one applying its [`limits`](Policy::limits),
    /// searching Pixel Data when the policy is [deep](Policy::deep_scan).
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let policy = Policy::builder().deep_scan(true).build()?;
    /// assert_eq!(policy.validator().limits(), policy.limits());
    /// let data = std::fs::read("tests/data/pydicom/rtplan.dcm")?;
    /// assert!(policy.validator().validate(&data).deep);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validator(&self) -> Validator {
        Validator::new(self.limits).deep_scan(self.deep)
    }

    /// What the policy does with the preamble of an input of this layout and preamble kind;
    /// `strippable` says whether stripping leaves a file that starts with its File Meta group
    /// (see [`strippable`](crate::rewrite::plan::strippable)): when it does not, a decision to strip is a rejection.
    pub(crate) fn decide(
        &self,
        layout: Layout,
        kind: Option<PreambleKind>,
        strippable: bool,
    ) -> Result<Decision, Error> {
        let decision = self.decide_preamble(layout, kind)?;
        if decision == Decision::Strip && !strippable {
            return Err(Error::Rejected {
                offset: HEADER_LEN,
                reason: Rejection::Unstrippable,
            });
        }
        Ok(decision)
    }

    fn decide_preamble(
        &self,
        layout: Layout,
        kind: Option<PreambleKind>,
    ) -> Result<Decision, Error> {
        if !layout.is_dicom() {
            return Err(Error::NotDicom);
        }
        let Some(kind) = kind else {
            return Ok(Decision::Keep);
        };
        if self.keep_unchecked_preamble {
            return Ok(Decision::Keep);
        }
        let reject = || {
            Err(Error::Rejected {
                offset: 0,
                reason: Rejection::Preamble(kind),
            })
        };
        let zero = kind == PreambleKind::Zero;
        match self.preamble {
            PreambleAction::Zero if zero => Ok(Decision::Keep),
            PreambleAction::Zero => Ok(Decision::Zero),
            PreambleAction::Strip => Ok(Decision::Strip),
            PreambleAction::Reject if zero => Ok(Decision::Keep),
            PreambleAction::Reject => reject(),
            PreambleAction::AllowTiff { otherwise } => {
                let allowed = match kind {
                    PreambleKind::Tiff {
                        grade: TiffGrade::Functional,
                        ..
                    } => true,
                    PreambleKind::Tiff { .. } => self.allow_dangling_tiff,
                    _ => false,
                };
                match otherwise {
                    _ if allowed => Ok(Decision::Keep),
                    Fallback::Strip => Ok(Decision::Strip),
                    _ if zero => Ok(Decision::Keep),
                    Fallback::Zero => Ok(Decision::Zero),
                    Fallback::Reject => reject(),
                }
            }
        }
    }

    /// Whether applying the policy needs a full validation (a walk of the data set): only to
    /// act on trailing data or to reject findings. Otherwise the decision comes from the
    /// preamble alone, and sanitizing reads just the file's header.
    pub fn needs_validation(&self) -> bool {
        self.trailing != TrailingAction::Keep || self.reject_at.is_some()
    }

    /// What the policy does with an input, given its validation report: the preamble action,
    /// or [`Action::Reject`] when the policy refuses it. (A report does not show everything:
    /// a policy that strips refuses inputs whose bytes after `DICM` cannot start the output,
    /// see [`Rejection::Unstrippable`], where this may say [`Action::Strip`].)
    ///
    /// ```
    /// use dicom_sanitize::{validate, Action, Policy};
    ///
    /// let report = validate(&std::fs::read("tests/data/pydicom/CT_small.dcm")?);
    /// assert_eq!(Policy::default().action(&report), Action::Zero); // vestigial TIFF header
    /// assert_eq!(Policy::strip().action(&report), Action::Strip);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn action(&self, report: &Report) -> Action {
        match self.plan(&Facts::from(report)) {
            Ok(plan) => plan.action(),
            // Not DICOM: nothing for a DICOM policy to do.
            Err(Error::NotDicom) => Action::None,
            Err(_) => Action::Reject,
        }
    }

    /// Decides everything for an input (preamble, trailing bytes, and rejection) and lays
    /// the decision out as the input's [`Plan`]. The facts must hold a report when
    /// [`Policy::needs_validation`].
    pub(crate) fn plan(&self, facts: &Facts<'_>) -> Result<Plan, Error> {
        let decision = self.decide(facts.layout, facts.preamble, facts.strippable)?;
        let report = facts.report;
        let trailing = report
            .and_then(Report::trailing_offset)
            .filter(|at| *at < facts.file_len);
        let keep_end = match (self.trailing, trailing) {
            (TrailingAction::Reject, Some(offset)) => {
                return Err(Error::Rejected {
                    offset,
                    reason: Rejection::TrailingData { offset },
                })
            }
            (TrailingAction::Truncate, Some(offset)) => offset,
            _ => facts.file_len,
        };
        let plan = Plan::new(decision, keep_end, facts);
        if let (Some(threshold), Some(report)) = (self.reject_at, report) {
            let remaining = report
                .findings
                .iter()
                .filter(|f| f.severity >= threshold && !plan.resolves(f))
                .max_by_key(|f| f.severity);
            if let Some(finding) = remaining {
                return Err(Error::Rejected {
                    offset: finding.offset,
                    reason: Rejection::Finding {
                        code: finding.code,
                        severity: finding.severity,
                    },
                });
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tiff::{ByteOrder, TiffDefect, TiffHeader, TiffVariant};

    fn tiff(grade: TiffGrade) -> PreambleKind {
        PreambleKind::Tiff {
            header: TiffHeader {
                variant: TiffVariant::Classic,
                byte_order: ByteOrder::LittleEndian,
                ifd_offset: 1000,
            },
            grade,
        }
    }

    #[test]
    fn decisions_for_every_action_and_kind() {
        let functional = tiff(TiffGrade::Functional);
        let dangling = tiff(TiffGrade::Dangling(TiffDefect::NoIfd));
        let text = PreambleKind::Text;
        let zero = PreambleKind::Zero;
        let part10 = Layout::Part10;
        let rejected =
            |p: &Policy, k| matches!(p.decide(part10, Some(k), true), Err(Error::Rejected { .. }));
        let decide = |p: &Policy, k| p.decide(part10, Some(k), true).unwrap();

        let default = Policy::default();
        assert_eq!(decide(&default, functional), Decision::Keep);
        assert_eq!(decide(&default, dangling), Decision::Zero);
        assert_eq!(decide(&default, text), Decision::Zero);
        assert_eq!(decide(&default, zero), Decision::Keep);

        let lenient = Policy::builder().allow_dangling_tiff(true).build().unwrap();
        assert_eq!(decide(&lenient, dangling), Decision::Keep);

        assert_eq!(decide(&Policy::zero(), functional), Decision::Zero);
        assert_eq!(decide(&Policy::zero(), zero), Decision::Keep);
        assert_eq!(decide(&Policy::strip(), zero), Decision::Strip);
        assert_eq!(decide(&Policy::strip(), functional), Decision::Strip);

        let reject = Policy::builder()
            .preamble(PreambleAction::Reject)
            .build()
            .unwrap();
        assert!(rejected(&reject, functional));
        assert_eq!(decide(&reject, zero), Decision::Keep);

        let tiff_or_reject = Policy::builder()
            .preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })
            .build()
            .unwrap();
        assert_eq!(decide(&tiff_or_reject, functional), Decision::Keep);
        assert_eq!(decide(&tiff_or_reject, zero), Decision::Keep);
        assert!(rejected(&tiff_or_reject, text));

        let tiff_or_strip = Policy::builder()
            .preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Strip,
            })
            .build()
            .unwrap();
        assert_eq!(decide(&tiff_or_strip, functional), Decision::Keep);
        assert_eq!(decide(&tiff_or_strip, zero), Decision::Strip);
        // Stripping what leaves no meta group first is refused; keeping is not affected.
        let unstrippable = Err(Error::Rejected {
            offset: 132,
            reason: Rejection::Unstrippable,
        });
        assert_eq!(
            tiff_or_strip.decide(part10, Some(zero), false),
            unstrippable
        );
        assert_eq!(
            Policy::strip().decide(part10, Some(text), false),
            unstrippable
        );
        assert_eq!(
            tiff_or_strip.decide(part10, Some(functional), false),
            Ok(Decision::Keep)
        );

        let mut audit = Policy::builder();
        audit.dangerous().keep_unchecked_preamble();
        let audit = audit.build().unwrap();
        assert_eq!(decide(&audit, text), Decision::Keep);

        // No preamble: nothing to do; not DICOM: an error.
        assert_eq!(
            default
                .decide(Layout::MetaWithoutPreamble, None, true)
                .unwrap(),
            Decision::Keep
        );
        assert_eq!(
            default.decide(Layout::NotDicom, None, true),
            Err(Error::NotDicom)
        );
    }

    #[test]
    fn policies_are_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Policy>();
    }
}
