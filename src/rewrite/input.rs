//! What a plan is made from: an input held in memory, one read through `Read + Seek`, or an
//! open file read with positional reads. One body ([`Policy::plan_input`]) gathers the facts
//! for all of them: a full validation when the policy needs one, otherwise a classification
//! from the input's first bytes.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use crate::error::Error;
use crate::read::preamble::{PreambleKind, PREAMBLE_LEN};
#[cfg(unix)]
use crate::read::probe::{FileAt, PositionalFile};
use crate::read::probe::{RandomAccess, SeekSource};
use crate::read::shared::SharedInput;
use crate::rewrite::plan::{strippable, Facts, Plan, STRIP_CHECK_LEN};
use crate::rewrite::policy::Policy;
use crate::validate::input::{Held, HeldAccess};
use crate::validate::report::Report;

/// An input a plan is made for, whose first bytes live for `'a`.
pub(crate) trait PlanInput<'a> {
    /// The input's length (for a stream whose end is not in sight, `u64::MAX`).
    fn len(&self) -> u64;

    /// The input's first bytes: at least [`STRIP_CHECK_LEN`] of them when it has them (the
    /// header, the first meta element, and what tells whether it can be stripped).
    fn head(&mut self) -> Result<Cow<'a, [u8]>, Error> {
        let len = usize::try_from(self.len())
            .unwrap_or(usize::MAX)
            .min(STRIP_CHECK_LEN);
        let mut head = vec![0; len];
        self.source()
            .read_exact_at(0, &mut head)
            .map_err(|e| Error::io(0, &e))?;
        Ok(Cow::Owned(head))
    }

    /// The input, for the reads that confirm a preamble's structure.
    fn source(&mut self) -> &mut dyn RandomAccess;

    /// The whole input's validation report, with `policy`'s validator.
    fn validate(&mut self, policy: &Policy) -> Result<Report, Error>;
}

/// Bytes held in memory: a complete input, or the look-ahead of a stream of `len` bytes
/// (`u64::MAX` while its end is not known).
pub(crate) struct InMemory<'a> {
    bytes: &'a [u8],
    len: u64,
}

impl<'a> InMemory<'a> {
    /// A complete input.
    pub(crate) fn complete(bytes: &'a [u8]) -> Self {
        InMemory {
            bytes,
            len: bytes.len() as u64,
        }
    }

    /// The first bytes of a stream of `len` bytes.
    pub(crate) fn look_ahead(bytes: &'a [u8], len: u64) -> Self {
        InMemory { bytes, len }
    }
}

impl<'a> PlanInput<'a> for InMemory<'a> {
    fn len(&self) -> u64 {
        self.len
    }

    fn head(&mut self) -> Result<Cow<'a, [u8]>, Error> {
        Ok(Cow::Borrowed(self.bytes))
    }

    fn source(&mut self) -> &mut dyn RandomAccess {
        &mut self.bytes
    }

    /// Validates a complete input; a stream's look-ahead is not one.
    fn validate(&mut self, policy: &Policy) -> Result<Report, Error> {
        if self.bytes.len() as u64 != self.len {
            return Err(Error::NotStreamable {
                setting: "a setting that needs the whole input",
            });
        }
        Ok(policy.validator().validate(self.bytes))
    }
}

/// An input read through `Read + Seek`.
pub(crate) struct Reader<'r, R>(SeekSource<'r, R>);

impl<'r, R: Read + Seek> Reader<'r, R> {
    /// The input `reader` reads, whose length is found by seeking to its end.
    pub(crate) fn new(reader: &'r mut R) -> Result<Self, Error> {
        let len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(0, &e))?;
        Ok(Reader(SeekSource { reader, len }))
    }
}

impl<'a, R: Read + Seek> PlanInput<'a> for Reader<'_, R> {
    fn len(&self) -> u64 {
        self.0.len
    }

    fn source(&mut self) -> &mut dyn RandomAccess {
        &mut self.0
    }

    fn validate(&mut self, policy: &Policy) -> Result<Report, Error> {
        policy.validator().validate_reader(self.0.reader)
    }
}

/// An input whose first and last bytes are [`Held`]: the validation borrows them, the plan
/// takes its first bytes from them, and the caller keeps them for what reads the input next.
pub(crate) struct HeldReader<'a, R> {
    access: HeldAccess<'a, R>,
    shared: Option<SharedInput<'a>>,
}

impl<'a, R: Read + Seek> HeldReader<'a, R> {
    /// The input `reader` reads, whose first and last bytes are `held`; `shared` is the same
    /// input for threads, when it is a file.
    pub(crate) fn new(held: &'a Held, reader: &'a mut R, shared: Option<SharedInput<'a>>) -> Self {
        HeldReader {
            access: HeldAccess { held, reader },
            shared,
        }
    }
}

impl<'a, R: Read + Seek> PlanInput<'a> for HeldReader<'a, R> {
    fn len(&self) -> u64 {
        self.access.held.len()
    }

    fn head(&mut self) -> Result<Cow<'a, [u8]>, Error> {
        Ok(Cow::Borrowed(self.access.held.head()))
    }

    fn source(&mut self) -> &mut dyn RandomAccess {
        &mut self.access
    }

    fn validate(&mut self, policy: &Policy) -> Result<Report, Error> {
        policy
            .validator()
            .validate_held(&mut self.access, self.shared)
    }
}

/// A regular file of `len` bytes as a walk reads it: with positional reads (no seek is a
/// system call), which threads may share.
#[cfg(unix)]
pub(crate) fn file_reader(file: &File, len: u64) -> (PositionalFile<'_>, Option<SharedInput<'_>>) {
    (
        PositionalFile::regular(file, len),
        Some(SharedInput::File { file, len }),
    )
}

/// A regular file as a walk reads it: through its cursor.
#[cfg(not(unix))]
pub(crate) fn file_reader(file: &File, _len: u64) -> (&File, Option<SharedInput<'_>>) {
    (file, None)
}

/// An open file, read with positional reads (`pread`) that leave its cursor alone and spare
/// the seeks.
#[cfg(unix)]
pub(crate) struct OpenFile<'f> {
    at: FileAt<'f>,
}

#[cfg(unix)]
impl<'f> OpenFile<'f> {
    /// The input `file` holds.
    pub(crate) fn new(file: &'f File) -> Result<Self, Error> {
        let len = file.metadata().map_err(|e| Error::io(0, &e))?.len();
        Ok(OpenFile::with_len(file, len))
    }

    /// The input `file` holds, `len` bytes long (from a `stat` the caller made).
    pub(crate) fn with_len(file: &'f File, len: u64) -> Self {
        OpenFile {
            at: FileAt { file, len },
        }
    }
}

#[cfg(unix)]
impl<'a> PlanInput<'a> for OpenFile<'_> {
    fn len(&self) -> u64 {
        self.at.len
    }

    fn source(&mut self) -> &mut dyn RandomAccess {
        &mut self.at
    }

    fn validate(&mut self, policy: &Policy) -> Result<Report, Error> {
        policy.validator().validate_file(self.at.file)
    }
}

/// An open file, read through its cursor where positional reads are not available.
#[cfg(not(unix))]
pub(crate) struct OpenFile<'f> {
    file: &'f File,
    len: u64,
}

#[cfg(not(unix))]
impl<'f> OpenFile<'f> {
    /// The input `file` holds.
    pub(crate) fn new(file: &'f File) -> Result<Self, Error> {
        let len = file.metadata().map_err(|e| Error::io(0, &e))?.len();
        Ok(OpenFile::with_len(file, len))
    }

    /// The input `file` holds, `len` bytes long (from a `stat` the caller made).
    pub(crate) fn with_len(file: &'f File, len: u64) -> Self {
        OpenFile { file, len }
    }
}

#[cfg(not(unix))]
impl RandomAccess for OpenFile<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let mut file = self.file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

#[cfg(not(unix))]
impl<'a> PlanInput<'a> for OpenFile<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn source(&mut self) -> &mut dyn RandomAccess {
        self
    }

    fn validate(&mut self, policy: &Policy) -> Result<Report, Error> {
        policy.validator().validate_file(self.file)
    }
}

/// What planning found: the input's preamble, and the plan or the policy's refusal.
#[derive(Debug)]
pub(crate) struct Planned {
    /// The input's preamble kind (`None` when it has none).
    pub(crate) preamble: Option<PreambleKind>,
    /// The plan, or the policy's refusal ([`Error::NotDicom`], [`Error::Rejected`]).
    pub(crate) plan: Result<Plan, Error>,
}

impl Policy {
    /// The plan for `input`, from a full validation when the policy needs one
    /// ([`Policy::needs_validation`]; the plan then carries the report), otherwise from the
    /// input's first bytes alone.
    ///
    /// # Errors
    /// When reading the input fails; the policy's refusal is in [`Planned::plan`].
    pub(crate) fn plan_input<'a>(&self, mut input: impl PlanInput<'a>) -> Result<Planned, Error> {
        let report = if self.needs_validation() {
            Some(input.validate(self)?)
        } else {
            None
        };
        let planned = self.plan_from(&mut input, report.as_ref())?;
        Ok(Planned {
            plan: planned.plan.map(|plan| plan.with_report(report)),
            ..planned
        })
    }

    /// The full validation of `input` and the plan decided from it.
    ///
    /// # Errors
    /// When reading the input fails; the policy's refusal is the second part.
    pub(crate) fn review_input<'a>(
        &self,
        mut input: impl PlanInput<'a>,
    ) -> Result<(Report, Result<Plan, Error>), Error> {
        let report = input.validate(self)?;
        let planned = self.plan_from(&mut input, Some(&report))?;
        Ok((report, planned.plan))
    }

    /// Plans from `report` when there is one, otherwise from a classification of the input's
    /// first bytes; either way with what those bytes say about stripping and zeroing.
    fn plan_from<'a>(
        &self,
        input: &mut impl PlanInput<'a>,
        report: Option<&Report>,
    ) -> Result<Planned, Error> {
        let head = input.head()?;
        let strippable = strippable(&head);
        let preamble_bytes = head.get(..PREAMBLE_LEN);
        let facts = match report {
            Some(report) => Facts {
                strippable,
                preamble_bytes,
                ..Facts::from(report)
            },
            None => {
                let len = input.len();
                let verdict =
                    self.validator()
                        .inspector()
                        .classify_input(&head, len, input.source())?;
                Facts {
                    layout: verdict.layout(),
                    preamble: verdict.preamble().map(|p| p.kind()),
                    preamble_bytes,
                    file_len: len,
                    strippable,
                    report: None,
                }
            }
        };
        Ok(Planned {
            preamble: facts.preamble,
            plan: self.plan(&facts),
        })
    }
}
