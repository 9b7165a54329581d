//! One rewrite plan, many sinks: buffers, `Write`, vectored slices and `Bytes` chains.
//!
//! Sanitizing never re-encodes: the output is at most a new 128-byte preamble followed by a
//! borrowed range of the input. Every byte after the preamble is the input's own, unless the
//! policy truncates trailing data; with [`PreambleAction::Strip`](crate::PreambleAction::Strip)
//! the output is exactly the input minus its first 132 bytes.

use std::io::{self, IoSlice, Write};

use bytes::{Buf, Bytes};

use crate::error::Error;
use crate::rewrite::input::InMemory;
use crate::rewrite::plan::Outcome;
use crate::rewrite::policy::Policy;
use crate::validate::report::Report;

/// A sanitized input, borrowing it: the plan, ready to be written to any sink.
///
/// Obtained from [`Policy::sanitize`] (or [`sanitize`], with the default policy). Every sink
/// writes the same bytes.
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

impl Policy {
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
        let plan = self.plan_input(InMemory::complete(input))?.plan?;
        let splice = plan.splice();
        let body = usize::try_from(splice.body.start)
            .ok()
            .zip(usize::try_from(splice.body.end).ok())
            .and_then(|(start, end)| input.get(start..end))
            .unwrap_or_default();
        Ok(Sanitized {
            head: splice.head,
            body,
            outcome: *plan.outcome(),
            report: plan.into_report(),
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

/// Sanitizes a complete input held in memory with the default policy, borrowing it: the
/// one-call form of [`Policy::default`] and [`Policy::sanitize`]. The default keeps a
/// preamble only when it is a strictly valid TIFF header whose IFD chain works, zeroes every
/// other non-zero preamble, and keeps every other byte.
///
/// # Errors
/// [`Error::NotDicom`] for input that is not DICOM (the default policy refuses nothing else).
///
/// ```
/// use dicom_sanitize::{sanitize, Action};
///
/// // A shipped sample: pydicom's CT_small.dcm with a confirmed Windows PE header in front.
/// let upload = std::fs::read("examples/data/pe_polyglot.dcm")?;
/// let sanitized = sanitize(&upload)?;
/// assert_eq!(sanitized.outcome().action, Action::Zero);
/// let stored = sanitized.to_vec();
/// assert_eq!(&stored[..128], &[0u8; 128][..]);
/// assert_eq!(&stored[128..], &upload[128..]);
///
/// assert!(sanitize(b"not a DICOM file").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sanitize(input: &[u8]) -> Result<Sanitized<'_>, Error> {
    Policy::default().sanitize(input)
}
