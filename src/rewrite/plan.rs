//! The plan for one input: what the policy decided, which bytes the output holds, and what
//! that changes.
//!
//! A plan is made once per input ([`Policy::plan`] decides, [`Plan::new`] lays the decision
//! out) and every sink writes it: slices, `Write`, `Bytes`, the streaming reader, in place,
//! atomic replacement and copy-out. This is the one place a decision becomes bytes.

use std::ops::Range;

use crate::error::Error;
use crate::read::cursor;
use crate::read::layout::Layout;
use crate::read::meta;
use crate::read::preamble::{PreambleKind, HEADER_LEN, MAGIC, PREAMBLE_LEN};
use crate::rewrite::policy::Action;
#[cfg(doc)]
use crate::rewrite::policy::Policy;
use crate::validate::findings::{Finding, FindingCode};
use crate::validate::report::Report;

/// The replacement preamble.
pub(crate) static ZEROS: [u8; PREAMBLE_LEN] = [0; PREAMBLE_LEN];

/// The decision on one input's preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Keep,
    Zero,
    Strip,
}

/// What a policy decides from: an input's layout, preamble and length, and its validation
/// report when the policy needs one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'r> {
    pub(crate) layout: Layout,
    pub(crate) preamble: Option<PreambleKind>,
    /// The preamble's bytes, when they were read (to count what zeroing changes).
    pub(crate) preamble_bytes: Option<&'r [u8]>,
    pub(crate) file_len: u64,
    /// Whether stripping leaves a file that starts with its File Meta group: see
    /// [`strippable`].
    pub(crate) strippable: bool,
    pub(crate) report: Option<&'r Report>,
}

impl<'r> From<&'r Report> for Facts<'r> {
    /// The facts a report alone gives. It does not hold the bytes [`strippable`] looks at:
    /// only a missing File Meta group (`meta.missing`) stands in for them, so a policy that
    /// strips may still refuse an input the report lets pass ([`Policy::sanitize`] decides).
    fn from(report: &'r Report) -> Self {
        Facts {
            layout: report.layout,
            preamble: report.preamble,
            preamble_bytes: None,
            file_len: report.file_len,
            strippable: !report
                .findings
                .iter()
                .any(|f| f.code == FindingCode::MetaMissing),
            report: Some(report),
        }
    }
}

/// Bytes of an input's start that [`strippable`] looks at: the header, and the `DICM` a
/// stripped output would have at offset 128.
pub(crate) const STRIP_CHECK_LEN: usize = 264;

/// Whether stripping the first 132 bytes of a Part 10 input (whose first bytes, at least
/// [`STRIP_CHECK_LEN`] of them when it has them, are `data`) leaves a file that starts with a
/// File Meta group in explicit VR, as [`Layout::MetaWithoutPreamble`] is recognised, and that
/// does not have `DICM` at offset 128 again (which would make it a Part 10 file whose
/// "preamble" is the old meta group, and whose meta group is whatever follows).
pub(crate) fn strippable(data: &[u8]) -> bool {
    let again = (HEADER_LEN as usize).saturating_add(PREAMBLE_LEN);
    meta::plausible_at(data, HEADER_LEN)
        && cursor::slice_at(data, again as u64, 4) != Some(MAGIC.as_slice())
}

/// What sanitizing an input did, or will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// What was done to the preamble: `None`, `Zero`, `Strip` or `KeepTiff`.
    pub action: Action,
    /// The input's layout.
    pub layout: crate::Layout,
    /// The input's preamble (`None` when it has none).
    pub before: Option<PreambleKind>,
    /// The output's preamble (`None` when it has none).
    pub after: Option<PreambleKind>,
    /// Length of the input.
    pub input_len: u64,
    /// Bytes whose value changed (non-zero preamble bytes zeroed).
    pub bytes_changed: u64,
    /// Bytes removed (132 when stripping, plus truncated trailing data).
    pub bytes_removed: u64,
}

impl Outcome {
    /// Whether the output is identical to the input.
    pub fn is_unchanged(&self) -> bool {
        self.bytes_changed == 0 && self.bytes_removed == 0
    }

    /// Length of the output.
    pub fn output_len(&self) -> u64 {
        self.input_len.saturating_sub(self.bytes_removed)
    }
}

/// Where the output's bytes come from: a replacement head, then a range of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) head: &'static [u8],
    pub(crate) body: Range<u64>,
}

impl Splice {
    /// The splice of `decision` on an input kept up to `keep_end`.
    fn new(decision: Decision, keep_end: u64) -> Self {
        let (head, start): (&'static [u8], u64) = match decision {
            Decision::Keep => (&[], 0),
            Decision::Zero => (&ZEROS, PREAMBLE_LEN as u64),
            Decision::Strip => (&[], HEADER_LEN),
        };
        Splice {
            head,
            body: start.min(keep_end)..keep_end,
        }
    }

    /// Length of the output.
    fn len(&self) -> u64 {
        (self.head.len() as u64).saturating_add(self.body.end.saturating_sub(self.body.start))
    }

    /// The bytes to write at offset 0 of an input of `input_len` bytes to sanitize it in
    /// place (empty when nothing changes), or [`Error::NotInPlace`] when the output does not
    /// keep the input's length: the head must replace exactly the bytes before the body, and
    /// the body must run to the input's end.
    pub(crate) fn in_place(&self, input_len: u64) -> Result<&'static [u8], Error> {
        if self.head.len() as u64 != self.body.start {
            return Err(Error::NotInPlace {
                what: "strip the preamble",
            });
        }
        if self.body.end < input_len {
            return Err(Error::NotInPlace {
                what: "truncate trailing data",
            });
        }
        Ok(self.head)
    }
}

/// What sanitizing one input does: the decision, the output's splice, its outcome and the
/// report the policy decided from, when it needed one.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    decision: Decision,
    /// The input is kept up to here (its length unless trailing bytes are truncated).
    keep_end: u64,
    splice: Splice,
    outcome: Outcome,
    report: Option<Report>,
}

impl Plan {
    /// The plan carrying out `decision` on the input `facts` describe, keeping it up to
    /// `keep_end`.
    pub(crate) fn new(decision: Decision, keep_end: u64, facts: &Facts<'_>) -> Self {
        let splice = Splice::new(decision, keep_end.min(facts.file_len));
        let before = facts.preamble;
        let after = match decision {
            Decision::Keep => before,
            Decision::Zero => Some(PreambleKind::Zero),
            Decision::Strip => None,
        };
        let bytes_changed = match decision {
            Decision::Zero => facts
                .preamble_bytes
                .and_then(|bytes| bytes.get(..PREAMBLE_LEN))
                .map_or(0, |p| p.iter().filter(|&&b| b != 0).count() as u64),
            _ => 0,
        };
        let action = match (decision, before) {
            (Decision::Zero, _) => Action::Zero,
            (Decision::Strip, _) => Action::Strip,
            (Decision::Keep, Some(PreambleKind::Tiff { .. })) => Action::KeepTiff,
            (Decision::Keep, _) => Action::None,
        };
        let outcome = Outcome {
            action,
            layout: facts.layout,
            before,
            after,
            input_len: facts.file_len,
            bytes_changed,
            bytes_removed: facts.file_len.saturating_sub(splice.len()),
        };
        Plan {
            decision,
            keep_end,
            splice,
            outcome,
            report: None,
        }
    }

    /// The plan, carrying the report it was decided from.
    pub(crate) fn with_report(mut self, report: Option<Report>) -> Self {
        self.report = report;
        self
    }

    /// Where the output's bytes come from.
    pub(crate) fn splice(&self) -> &Splice {
        &self.splice
    }

    /// What sanitizing does.
    pub(crate) fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The report's name for what the plan does to the preamble.
    pub(crate) fn action(&self) -> Action {
        self.outcome.action
    }

    /// The report the plan was decided from, when the policy needed one.
    pub(crate) fn into_report(self) -> Option<Report> {
        self.report
    }

    /// The bytes to write at offset 0 to carry the plan out in place: see
    /// [`Splice::in_place`].
    pub(crate) fn in_place(&self) -> Result<&'static [u8], Error> {
        self.splice.in_place(self.outcome.input_len)
    }

    /// Whether applying the plan removes what `finding` is about: the preamble it concerns is
    /// rewritten or removed, or the bytes it concerns are truncated.
    pub(crate) fn resolves(&self, finding: &Finding) -> bool {
        let preamble_rewritten = self.decision != Decision::Keep;
        let about_preamble = finding.code.as_str().starts_with("preamble.");
        (preamble_rewritten && about_preamble) || finding.offset >= self.keep_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(file_len: u64, preamble: &[u8]) -> Facts<'_> {
        Facts {
            layout: Layout::Part10,
            preamble: Some(PreambleKind::Text),
            preamble_bytes: Some(preamble),
            file_len,
            strippable: true,
            report: None,
        }
    }

    #[test]
    fn every_decision_is_one_splice() {
        let mut preamble = [0u8; PREAMBLE_LEN];
        preamble[..3].copy_from_slice(b"abc");
        let facts = facts(1000, &preamble);
        let keep = Plan::new(Decision::Keep, 1000, &facts);
        assert_eq!(
            keep.splice(),
            &Splice {
                head: &[],
                body: 0..1000
            }
        );
        assert!(keep.outcome().is_unchanged());
        assert_eq!(keep.in_place(), Ok(&[][..]));

        let zero = Plan::new(Decision::Zero, 1000, &facts);
        assert_eq!(zero.splice().head, &ZEROS[..]);
        assert_eq!(zero.splice().body, 128..1000);
        assert_eq!(zero.outcome().bytes_changed, 3);
        assert_eq!(zero.outcome().output_len(), 1000);
        assert_eq!(zero.in_place(), Ok(&ZEROS[..]));

        let strip = Plan::new(Decision::Strip, 1000, &facts);
        assert_eq!(strip.splice().body, 132..1000);
        assert_eq!(strip.outcome().bytes_removed, 132);
        assert_eq!(
            strip.in_place(),
            Err(Error::NotInPlace {
                what: "strip the preamble"
            })
        );

        let truncated = Plan::new(Decision::Zero, 900, &facts);
        assert_eq!(truncated.splice().body, 128..900);
        assert_eq!(truncated.outcome().bytes_removed, 100);
        assert_eq!(
            truncated.in_place(),
            Err(Error::NotInPlace {
                what: "truncate trailing data"
            })
        );
    }
}
