//! The gate: what of an input, walked and planned once, dicom-object may read.
//!
//! The validation's walk is the gate; there is no second walk. It has checked every length
//! against the input and the nesting against the [`Limits`](crate::Limits) (capped here at
//! [`MAX_DEPTH`]); the gate reads its report: an input the walk could not pass is refused,
//! and otherwise dicom-object gets the bytes from `DICM` to the end of the data set (or of
//! the plan's output, when the policy truncates), never the bytes after it.

use std::io::{Chain, Read, Seek, SeekFrom, Take};
use std::ops::Range;

use crate::error::Error;
use crate::read::cursor;
use crate::read::layout::Layout;
use crate::read::preamble::PREAMBLE_LEN;
use crate::rewrite::plan::{Outcome, Plan};
use crate::rewrite::policy::Policy;
use crate::validate::findings::FindingCode;
use crate::validate::input::Held;
use crate::validate::report::Report;

use super::error::OpenError;

/// The deepest sequence nesting handed to dicom-object, whatever the policy's
/// [`Limits::max_depth`](crate::Limits::max_depth) (the lower of the two applies).
///
/// dicom-object 0.10.1 builds nested sequences by recursion: on a 2 MiB thread stack (a
/// spawned thread's default) it survived 192 levels and overflowed at 224, with dependencies
/// built at opt-level 2 (this crate's test profile; x86-64, Rust 1.95). 64 leaves a threefold
/// margin for unoptimised builds and the caller's own frames; `tests/open.rs` opens 64 levels
/// on a 2 MiB thread, which also passed with every dependency built at opt-level 0.
pub const MAX_DEPTH: u32 = 64;

/// Findings that mean the walk did not pass the data set: it stopped there (a length past the
/// end, a truncated element, nesting beyond the limit, an invalid VR or an unexpected item
/// inside a sequence, a deflate stream it cannot inflate), it could not read the File Meta
/// group, or it walked the data set in an encoding other than the one dicom-object will use.
const UNPASSED: &[FindingCode] = &[
    FindingCode::MetaMissing,
    FindingCode::MetaMalformed,
    FindingCode::MetaTransferSyntaxMissing,
    FindingCode::MetaTransferSyntaxUnknown,
    FindingCode::MetaTransferSyntaxMismatch,
    FindingCode::StructureLengthPastEnd,
    FindingCode::StructureUndefinedLength,
    FindingCode::StructureNestingLimit,
    FindingCode::StructureTruncated,
    FindingCode::StructureInvalidVr,
    FindingCode::StructureUnexpectedTag,
    FindingCode::StructureInflate,
];

/// The policy the walk runs with: `policy` with its nesting limit capped at [`MAX_DEPTH`].
pub(crate) fn policy(policy: &Policy) -> Policy {
    policy.with_depth_at_most(MAX_DEPTH)
}

/// What dicom-object may read: the input's byte range, starting at `DICM`, and what the
/// policy's plan does to the preamble.
#[derive(Debug, Clone)]
pub(crate) struct Passage {
    pub(crate) range: Range<u64>,
    pub(crate) outcome: Outcome,
}

impl Passage {
    /// Bytes dicom-object may read.
    pub(crate) fn len(&self) -> u64 {
        self.range.end.saturating_sub(self.range.start)
    }

    /// The passage's bytes as dicom-object reads them: the bytes `held` holds are the very
    /// bytes the walk checked, taken from there; only those between its first and last bytes
    /// are read from `reader`, the input `held` was read from.
    ///
    /// # Errors
    /// When seeking `reader` fails.
    pub(crate) fn reader<'a, R: Read + Seek>(
        &self,
        held: &'a Held,
        reader: &'a mut R,
    ) -> Result<Take<HeldThenRead<'a, R>>, Error> {
        let start = self.range.start;
        let head = held.head();
        let (tail_start, tail) = held.tail();
        let head_end = start.max(head.len() as u64);
        let tail_from = head_end.max(tail_start);
        let first = cursor::tail_at(head, start).unwrap_or_default();
        let last = cursor::tail_at(tail, tail_from.saturating_sub(tail_start)).unwrap_or_default();
        reader
            .seek(SeekFrom::Start(head_end))
            .map_err(|e| Error::io(head_end, &e))?;
        let between = reader.take(tail_from.saturating_sub(head_end));
        Ok(first.chain(between).chain(last).take(self.len()))
    }
}

/// An input's bytes from the held first bytes, then those read between them and the held last
/// bytes, then those.
pub(crate) type HeldThenRead<'a, R> = Chain<Chain<&'a [u8], Take<&'a mut R>>, &'a [u8]>;

/// The passage of an input with this report and plan, or why there is none: the policy's
/// refusal first, then what the walk could not pass, then a layout dicom-object does not open.
pub(crate) fn passage(report: &Report, plan: Result<&Plan, &Error>) -> Result<Passage, OpenError> {
    let plan = plan.map_err(|refusal| OpenError::Refused(refusal.clone()))?;
    if let Some(finding) = report.findings.iter().find(|f| UNPASSED.contains(&f.code)) {
        return Err(OpenError::Unsafe {
            finding: finding.clone(),
        });
    }
    if report.layout != Layout::Part10 {
        return Err(OpenError::NotPart10 {
            layout: report.layout,
        });
    }
    // A walk that passed every element knows where the data set ends.
    let Some(data_end) = report.data_end else {
        return Err(OpenError::Refused(Error::NotDicom));
    };
    let start = PREAMBLE_LEN as u64;
    let end = data_end.min(plan.splice().body.end).max(start);
    Ok(Passage {
        range: start..end,
        outcome: *plan.outcome(),
    })
}
