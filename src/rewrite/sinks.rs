//! One rewrite plan, many sinks: buffers, `Write`, vectored slices and `Bytes` chains.
//!
//! Sanitizing never re-encodes: the output is at most a new 128-byte preamble followed by a
//! borrowed range of the input. Every byte after the preamble is the input's own, unless the
//! policy truncates trailing data; with [`PreambleAction::Strip`](crate::PreambleAction::Strip)
//! the output is exactly the input minus its first 132 bytes.

use std::fs::File;
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::ops::Range;

use bytes::{Buf, Bytes};

use crate::error::Error;
use crate::read::preamble::{PreambleKind, HEADER_LEN, PREAMBLE_LEN};
#[cfg(unix)]
use crate::read::probe::FileAt;
use crate::read::probe::{read_at, RandomAccess, SeekSource};
use crate::rewrite::policy::Action;
use crate::rewrite::policy::{strippable, Decision, Facts, Plan, Policy, STRIP_CHECK_LEN};
use crate::validate::report::Report;

/// The replacement preamble.
pub(crate) static ZEROS: [u8; PREAMBLE_LEN] = [0; PREAMBLE_LEN];

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
pub(crate) struct Layout {
    pub(crate) head: &'static [u8],
    pub(crate) body: Range<u64>,
}

impl Layout {
    /// The output layout for a plan on an input of `len` bytes whose preamble is `preamble`
    /// (needed to count the bytes zeroing changes).
    pub(crate) fn new(plan: &Plan, len: u64) -> Self {
        let end = plan.keep_end.min(len);
        let (head, start): (&'static [u8], u64) = match plan.decision {
            Decision::Keep => (&[], 0),
            Decision::Zero => (&ZEROS, PREAMBLE_LEN as u64),
            Decision::Strip => (&[], HEADER_LEN),
        };
        Layout {
            head,
            body: start.min(end)..end,
        }
    }
}

/// Builds the outcome of a plan.
pub(crate) fn outcome(plan: &Plan, facts: &Facts<'_>, preamble_bytes: Option<&[u8]>) -> Outcome {
    let before = facts.preamble;
    let after = match plan.decision {
        Decision::Keep => before,
        Decision::Zero => Some(PreambleKind::Zero),
        Decision::Strip => None,
    };
    let bytes_changed = match plan.decision {
        Decision::Zero => {
            preamble_bytes.map_or(0, |p| p.iter().filter(|&&b| b != 0).count() as u64)
        }
        _ => 0,
    };
    let layout = Layout::new(plan, facts.file_len);
    let kept = (layout.head.len() as u64)
        .saturating_add(layout.body.end.saturating_sub(layout.body.start));
    Outcome {
        action: plan.action(before),
        layout: facts.layout,
        before,
        after,
        input_len: facts.file_len,
        bytes_changed,
        bytes_removed: facts.file_len.saturating_sub(kept),
    }
}

/// A sanitized input, borrowing it: the plan, ready to be written to any sink.
///
/// Obtained from [`Policy::sanitize`]. Every sink writes the same bytes.
#[derive(Debug, Clone)]
pub struct Sanitized<'a> {
    head: &'static [u8],
    body: &'a [u8],
    outcome: Outcome,
    report: Option<Report>,
}

impl<'a> Sanitized<'a> {
    /// What sanitizing did.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The validation report the policy decided from, when it needed one (see
    /// [`Policy::needs_validation`]).
    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref()
    }

    /// Whether the output is identical to the input.
    pub fn is_unchanged(&self) -> bool {
        self.outcome.is_unchanged()
    }

    /// Length of the output.
    pub fn len(&self) -> u64 {
        (self.head.len() as u64).saturating_add(self.body.len() as u64)
    }

    /// Whether the output is empty (only for an empty input, which is never DICOM).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The output as two borrowed slices: a replacement head (128 zero bytes, or empty) and
    /// the rest, borrowed from the input.
    pub fn slices(&self) -> [&'a [u8]; 2] {
        [self.head, self.body]
    }

    /// The output as `IoSlice`s, for `write_vectored`.
    pub fn io_slices(&self) -> [IoSlice<'a>; 2] {
        [IoSlice::new(self.head), IoSlice::new(self.body)]
    }

    /// Writes the output to `writer`; returns the number of bytes written.
    ///
    /// # Errors
    /// When the writer fails. Nothing is written to the input.
    pub fn write_to<W: Write>(&self, mut writer: W) -> io::Result<u64> {
        writer.write_all(self.head)?;
        writer.write_all(self.body)?;
        Ok(self.len())
    }

    /// The output, copied into a new buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len().saturating_add(self.body.len()));
        out.extend_from_slice(self.head);
        out.extend_from_slice(self.body);
        out
    }
}

/// A sanitized `Bytes` input: the output as a zero-copy chain over the input's buffer.
///
/// Obtained from [`Policy::sanitize_bytes`].
#[derive(Debug, Clone)]
pub struct SanitizedBytes {
    head: Bytes,
    body: Bytes,
    outcome: Outcome,
}

impl SanitizedBytes {
    /// What sanitizing did.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The output as a [`Buf`]: a static head (128 zero bytes, or nothing) chained with a
    /// slice of the input's own buffer. Nothing is copied.
    pub fn into_buf(self) -> bytes::buf::Chain<Bytes, Bytes> {
        self.head.chain(self.body)
    }

    /// The output's two parts: head and body.
    pub fn into_parts(self) -> (Bytes, Bytes) {
        (self.head, self.body)
    }
}

/// Bytes read to decide from the preamble alone: the header, the first meta element, and
/// the bytes that tell whether the input can be stripped (see [`STRIP_CHECK_LEN`]).
const DECIDE_LEN: u64 = STRIP_CHECK_LEN as u64;

impl Policy {
    /// Decides for an input read through `reader`: from its first bytes, or from a full
    /// validation when the policy needs one.
    pub(crate) fn assess_reader<R: Read + Seek>(
        &self,
        reader: &mut R,
    ) -> Result<(Plan, Outcome), Error> {
        if self.needs_validation() {
            let report = self.validator().validate_reader(reader)?;
            let prefix = read_at(reader, 0, STRIP_CHECK_LEN)?;
            let facts = Facts {
                strippable: strippable(&prefix),
                ..Facts::from(&report)
            };
            return self.assess(&facts, &prefix);
        }
        let len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(0, &e))?;
        let prefix = read_at(reader, 0, usize::try_from(DECIDE_LEN.min(len)).unwrap_or(0))?;
        let mut source = SeekSource { reader, len };
        self.assess_prefix(&prefix, len, &mut source)
    }

    /// As [`Policy::assess_reader`], with positional reads that leave the file's cursor alone
    /// and spare the seeks.
    pub(crate) fn assess_file(&self, file: &File) -> Result<(Plan, Outcome), Error> {
        #[cfg(unix)]
        if !self.needs_validation() {
            let len = file.metadata().map_err(|e| Error::io(0, &e))?.len();
            let mut prefix = vec![0; usize::try_from(DECIDE_LEN.min(len)).unwrap_or(0)];
            std::os::unix::fs::FileExt::read_exact_at(file, &mut prefix, 0)
                .map_err(|e| Error::io(0, &e))?;
            return self.assess_prefix(&prefix, len, &mut FileAt { file, len });
        }
        self.assess_reader(&mut &*file)
    }

    /// Decides from the first bytes of an input of `len` bytes, reachable through `source`.
    fn assess_prefix(
        &self,
        prefix: &[u8],
        len: u64,
        source: &mut dyn RandomAccess,
    ) -> Result<(Plan, Outcome), Error> {
        let verdict = self
            .validator()
            .inspector()
            .classify_input(prefix, len, source)?;
        let facts = Facts {
            layout: verdict.layout(),
            preamble: verdict.preamble().map(|p| p.kind()),
            file_len: len,
            strippable: strippable(prefix),
            report: None,
        };
        self.assess(&facts, prefix)
    }

    fn assess(&self, facts: &Facts<'_>, prefix: &[u8]) -> Result<(Plan, Outcome), Error> {
        let plan = self.plan(facts)?;
        Ok((plan, outcome(&plan, facts, prefix.get(..PREAMBLE_LEN))))
    }

    /// Sanitizes a complete input held in memory, borrowing it.
    ///
    /// # Errors
    /// [`Error::NotDicom`] for input that is not DICOM; [`Error::Rejected`] when the policy
    /// refuses the input.
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy, PreambleKind};
    ///
    /// let mut data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
    /// data[..2].copy_from_slice(b"MZ"); // a hostile preamble
    /// let sanitized = Policy::default().sanitize(&data)?;
    /// assert_eq!(sanitized.outcome().action, Action::Zero);
    /// let output = sanitized.to_vec();
    /// assert_eq!(&output[..128], &[0u8; 128]);
    /// assert_eq!(&output[128..], &data[128..]);
    /// assert_eq!(dicom_sanitize::classify(&output).preamble().unwrap().kind(), PreambleKind::Zero);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize<'a>(&self, input: &'a [u8]) -> Result<Sanitized<'a>, Error> {
        let report = self
            .needs_validation()
            .then(|| self.validator().validate(input));
        let facts = match &report {
            Some(report) => Facts {
                strippable: strippable(input),
                ..Facts::from(report)
            },
            None => {
                let verdict = self.validator().inspector().classify(input);
                Facts {
                    layout: verdict.layout(),
                    preamble: verdict.preamble().map(|p| p.kind()),
                    file_len: input.len() as u64,
                    strippable: strippable(input),
                    report: None,
                }
            }
        };
        let plan = self.plan(&facts)?;
        let layout = Layout::new(&plan, input.len() as u64);
        let body = usize::try_from(layout.body.start)
            .ok()
            .zip(usize::try_from(layout.body.end).ok())
            .and_then(|(start, end)| input.get(start..end))
            .unwrap_or_default();
        let outcome = outcome(&plan, &facts, input.get(..PREAMBLE_LEN));
        Ok(Sanitized {
            head: layout.head,
            body,
            outcome,
            report,
        })
    }

    /// Sanitizes a `Bytes` input; the output reuses its buffer.
    ///
    /// # Errors
    /// As [`Policy::sanitize`].
    ///
    /// ```
    /// use bytes::{Buf, Bytes};
    /// use dicom_sanitize::Policy;
    ///
    /// let input = Bytes::from(std::fs::read("tests/data/pydicom/MR_small.dcm")?);
    /// let sanitized = Policy::strip().sanitize_bytes(&input)?;
    /// let mut output = sanitized.into_buf();
    /// assert_eq!(output.remaining(), input.len() - 132);
    /// assert_eq!(output.copy_to_bytes(output.remaining()), input.slice(132..));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize_bytes(&self, input: &Bytes) -> Result<SanitizedBytes, Error> {
        let sanitized = self.sanitize(input)?;
        Ok(SanitizedBytes {
            head: Bytes::from_static(sanitized.head),
            body: input.slice_ref(sanitized.body),
            outcome: sanitized.outcome,
        })
    }
}
