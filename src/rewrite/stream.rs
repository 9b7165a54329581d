//! Sanitizing a stream as it is read, in bounded memory.

use std::fmt;
use std::io::{self, Read};

use crate::error::Error;
use crate::read::inspection::Prefix;
use crate::read::meta;
use crate::read::preamble::{self, PreambleKind, HEADER_LEN, MAGIC, PREAMBLE_LEN};
use crate::read::probe::read_up_to;
use crate::rewrite::input::{InMemory, Planned};
use crate::rewrite::plan::STRIP_CHECK_LEN;
use crate::rewrite::policy::{Action, Policy, TrailingAction};

/// Bytes a [`SanitizingReader`] reads before deciding on a TIFF header (or an input that is not
/// clearly Part 10), by default: 1 MiB.
pub const DEFAULT_LOOKAHEAD: usize = 1 << 20;

/// Bytes read before deciding on any other Part 10 input: enough to tell whether it can be
/// stripped.
const QUICK_LEN: usize = STRIP_CHECK_LEN;

/// A `Read` adapter that sanitizes the stream it wraps, in bounded memory.
///
/// It reads the stream's first 264 bytes and, when the preamble is a TIFF header (or the input
/// is not plainly a Part 10 file), up to its look-ahead (1 MiB by default,
/// [`SanitizingReader::with_lookahead`]); it classifies the preamble from those bytes, then
/// yields the new preamble (if any) followed by the stream's own bytes, unchanged. The output is
/// exactly what [`Policy::sanitize`] gives for a stream that fits in the look-ahead, and for
/// any Part 10 stream whose preamble is not a TIFF header. Beyond the look-ahead, structures a
/// TIFF header points to count as absent: an IFD chain further on is not functional, and the
/// header gets the policy's fallback, which is the safe side. (An executable preamble's
/// structure is confirmed only within the bytes read: [`SanitizingReader::preamble`] may say
/// unconfirmed where [`validate`](crate::validate()) says confirmed; the action is the same.)
///
/// A rejection (a preamble the policy refuses, an input that is not DICOM) is returned as an
/// `io::Error` of kind `InvalidData` wrapping the crate's [`Error`] ([`Error::from_io`] gets
/// it back), before any byte is yielded; [`SanitizingReader::decide`] gives it up front.
///
/// ```
/// use std::io::Read;
/// use dicom_sanitize::Policy;
///
/// let mut upload = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
/// upload[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\0");
/// let mut reader = Policy::default().sanitize_reader(upload.as_slice())?;
/// let mut stored = Vec::new();
/// reader.read_to_end(&mut stored)?;
/// assert_eq!(&stored[..128], &[0; 128]);
/// assert_eq!(&stored[128..], &upload[128..]);
/// assert_eq!(reader.preamble().unwrap().name(), "elf");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SanitizingReader<R> {
    inner: R,
    policy: Policy,
    lookahead: usize,
    state: State,
    action: Option<Action>,
    preamble: Option<PreambleKind>,
}

enum State {
    /// Nothing read yet.
    Start,
    /// Yielding `head`, then `buf[pos..]`, then the rest of the stream.
    Yielding {
        head: &'static [u8],
        head_pos: usize,
        buf: Vec<u8>,
        pos: usize,
    },
    /// The policy refused the stream.
    Failed(Error),
}

impl<R> fmt::Debug for SanitizingReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SanitizingReader")
            .field("lookahead", &self.lookahead)
            .field("action", &self.action)
            .field("preamble", &self.preamble)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Wraps `reader` in an adapter that sanitizes while reading (see [`SanitizingReader`]).
    ///
    /// # Errors
    /// [`Error::NotStreamable`] for a policy that needs the whole input: one that truncates or
    /// rejects trailing data, or rejects findings above a severity (those are only known at
    /// the end of the stream).
    pub fn sanitize_reader<R: Read>(&self, reader: R) -> Result<SanitizingReader<R>, Error> {
        self.check_streamable()?;
        Ok(SanitizingReader {
            inner: reader,
            policy: self.clone(),
            lookahead: DEFAULT_LOOKAHEAD,
            state: State::Start,
            action: None,
            preamble: None,
        })
    }

    /// Whether the policy can decide on a stream's first bytes.
    fn check_streamable(&self) -> Result<(), Error> {
        if self.trailing_action() != TrailingAction::Keep {
            return Err(Error::NotStreamable {
                setting: "a trailing-data action other than keep",
            });
        }
        if self.rejects_findings_at().is_some() {
            return Err(Error::NotStreamable {
                setting: "rejection of findings",
            });
        }
        Ok(())
    }

    /// Decides a stream from its first bytes, without reading anything: the same decision a
    /// [`SanitizingReader`] with the default look-ahead makes, for callers that do their own
    /// reading (async code, a multipart parser). "Give more bytes" is not an error:
    /// [`Prefix::Partial`] asks for them, until `start` holds 264 bytes of a Part 10 stream
    /// whose preamble is not a TIFF header, more than [`DEFAULT_LOOKAHEAD`] bytes of any other,
    /// or the whole stream (`at_end`). The output is then [`StreamStart::head`] followed by the
    /// stream's own bytes from [`StreamStart::resume_at`] on, unchanged.
    ///
    /// # Errors
    /// The refusal ([`Error::NotDicom`], [`Error::Rejected`]), or [`Error::NotStreamable`] as
    /// for [`Policy::sanitize_reader`].
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy, Prefix};
    ///
    /// let mut upload = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
    /// upload[..4].copy_from_slice(b"MZ\x90\0");
    /// let policy = Policy::default();
    /// assert_eq!(policy.decide_stream(&upload[..100], false)?, Prefix::Partial);
    /// let Prefix::Complete(start) = policy.decide_stream(&upload[..300], false)? else {
    ///     panic!("264 bytes of a Part 10 stream decide it");
    /// };
    /// assert_eq!(start.action(), Action::Zero);
    /// assert_eq!(start.preamble().unwrap().name(), "pe");
    /// let mut stored = start.head().to_vec();
    /// stored.extend_from_slice(&upload[start.resume_at() as usize..]);
    /// assert_eq!(&stored[..128], &[0; 128]);
    /// assert_eq!(&stored[128..], &upload[128..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_stream(&self, start: &[u8], at_end: bool) -> Result<Prefix<StreamStart>, Error> {
        self.check_streamable()?;
        if !at_end
            && (start.len() < QUICK_LEN || (!quick(start) && start.len() <= DEFAULT_LOOKAHEAD))
        {
            return Ok(Prefix::Partial);
        }
        let known_len = if at_end { start.len() as u64 } else { u64::MAX };
        let planned = self.plan_input(InMemory::look_ahead(start, known_len))?;
        let plan = planned.plan?;
        Ok(Prefix::Complete(StreamStart {
            action: plan.action(),
            preamble: planned.preamble,
            head: plan.splice().head,
            resume_at: plan.splice().body.start,
        }))
    }
}

/// Whether a stream's first bytes decide it: a Part 10 header whose preamble is not a TIFF
/// header is decided on its first 264 bytes, since nothing further can change the decision.
fn quick(buf: &[u8]) -> bool {
    buf.len() >= QUICK_LEN
        && meta::plausible_at(buf, HEADER_LEN)
        && buf.get(PREAMBLE_LEN..HEADER_LEN as usize) == Some(MAGIC.as_slice())
        && buf
            .first_chunk::<PREAMBLE_LEN>()
            .is_some_and(|p| !matches!(preamble::detect(p), preamble::Detected::Tiff(_)))
}

/// A stream's start, decided by [`Policy::decide_stream`]: write [`StreamStart::head`], then
/// the stream's bytes from [`StreamStart::resume_at`] on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStart {
    action: Action,
    preamble: Option<PreambleKind>,
    head: &'static [u8],
    resume_at: u64,
}

impl StreamStart {
    /// What is done to the preamble.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The stream's preamble kind (`None` when it has none).
    pub fn preamble(&self) -> Option<PreambleKind> {
        self.preamble
    }

    /// The bytes the output starts with: the new preamble, or nothing.
    pub fn head(&self) -> &'static [u8] {
        self.head
    }

    /// Offset in the stream from which its bytes follow the head unchanged (0 when nothing
    /// changes, 128 when the preamble is zeroed, 132 when it is stripped).
    pub fn resume_at(&self) -> u64 {
        self.resume_at
    }
}

impl<R: Read> SanitizingReader<R> {
    /// Sets how many bytes are read before deciding (at least 264). Call before reading.
    pub fn with_lookahead(mut self, bytes: usize) -> Self {
        self.lookahead = bytes.max(QUICK_LEN);
        self
    }

    /// Reads the look-ahead and decides now, before any byte is yielded: the action, or the
    /// refusal ([`Error::NotDicom`], [`Error::Rejected`]) that `read` would return. Lets an
    /// upload handler refuse a file before it creates anything to store it in. Reading later
    /// yields the sanitized stream from its first byte.
    ///
    /// # Errors
    /// The refusal, or [`Error::Io`] when reading the look-ahead fails.
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy, PreambleAction, Fallback};
    ///
    /// let mut upload = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
    /// upload[..2].copy_from_slice(b"MZ");
    /// let strict = Policy::builder()
    ///     .preamble(PreambleAction::AllowTiff { otherwise: Fallback::Reject })
    ///     .build()?;
    /// let mut reader = strict.sanitize_reader(upload.as_slice())?;
    /// let refusal = reader.decide().unwrap_err();
    /// assert!(refusal.is_refusal());
    ///
    /// let mut reader = Policy::default().sanitize_reader(upload.as_slice())?;
    /// assert_eq!(reader.decide()?, Action::Zero);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&mut self) -> Result<Action, Error> {
        if matches!(self.state, State::Start) {
            self.state = self.start().map_err(|e| Error::io(0, &e))?;
        }
        match (&self.state, self.action) {
            (State::Failed(err), _) => Err(err.clone()),
            (_, Some(action)) => Ok(action),
            (_, None) => Ok(Action::None),
        }
    }

    /// What is done to the preamble, once decided (after [`SanitizingReader::decide`] or the
    /// first read).
    pub fn action(&self) -> Option<Action> {
        self.action
    }

    /// The stream's preamble kind, once decided (`None` also when it has no preamble).
    pub fn preamble(&self) -> Option<PreambleKind> {
        self.preamble
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads the look-ahead and decides.
    fn start(&mut self) -> io::Result<State> {
        // A Part 10 header whose preamble is not a TIFF header is decided on its first bytes:
        // nothing further can change the decision. Anything else fills the look-ahead.
        let mut buf = Vec::new();
        read_up_to(&mut self.inner, &mut buf, QUICK_LEN)?;
        let quick = buf.len() == QUICK_LEN && quick(&buf);
        let complete = !quick && {
            let more = self.lookahead.saturating_sub(buf.len());
            read_up_to(&mut self.inner, &mut buf, more)?;
            buf.len() < self.lookahead || {
                // Exactly the look-ahead read: see whether the stream ends there.
                let mut probe = [0u8; 1];
                let n = read_some(&mut self.inner, &mut probe)?;
                buf.extend_from_slice(probe.get(..n).unwrap_or_default());
                n == 0
            }
        };
        let known_len = if complete { buf.len() as u64 } else { u64::MAX };
        let planned = self
            .policy
            .plan_input(InMemory::look_ahead(&buf, known_len))
            // Bytes in memory cannot fail to read.
            .unwrap_or_else(|err| Planned {
                preamble: None,
                plan: Err(err),
            });
        self.preamble = planned.preamble;
        let plan = match planned.plan {
            Ok(plan) => plan,
            Err(err) => {
                self.action = Some(Action::Reject);
                return Ok(State::Failed(err));
            }
        };
        self.action = Some(plan.action());
        let splice = plan.splice();
        Ok(State::Yielding {
            head: splice.head,
            head_pos: 0,
            pos: usize::try_from(splice.body.start)
                .unwrap_or(usize::MAX)
                .min(buf.len()),
            buf,
        })
    }
}

fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn rejected(err: &Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, err.clone())
}

impl<R: Read> Read for SanitizingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if matches!(self.state, State::Start) {
            self.state = self.start()?;
        }
        match &mut self.state {
            State::Start => Ok(0),
            State::Failed(err) => Err(rejected(err)),
            State::Yielding {
                head,
                head_pos,
                buf,
                pos,
            } => {
                if let Some(rest) = head.get(*head_pos..).filter(|r| !r.is_empty()) {
                    let n = rest.len().min(out.len());
                    out.get_mut(..n)
                        .unwrap_or_default()
                        .copy_from_slice(rest.get(..n).unwrap_or_default());
                    *head_pos = head_pos.saturating_add(n);
                    return Ok(n);
                }
                if let Some(rest) = buf.get(*pos..).filter(|r| !r.is_empty()) {
                    let n = rest.len().min(out.len());
                    out.get_mut(..n)
                        .unwrap_or_default()
                        .copy_from_slice(rest.get(..n).unwrap_or_default());
                    *pos = pos.saturating_add(n);
                    if *pos == buf.len() {
                        // The look-ahead is spent: release it.
                        *buf = Vec::new();
                        *pos = 0;
                    }
                    return Ok(n);
                }
                self.inner.read(out)
            }
        }
    }
}
