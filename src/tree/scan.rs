//! Validating every file of a walk, in parallel, the reports in walk order.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::error::Error;
use crate::tree::in_order::InOrder;
use crate::tree::walk::{open_nonblocking, Entries, Entry, Skip};
use crate::validate::report::Report;
use crate::validate::Validator;

/// Why a file of a walk has no report: it could not be opened (or its folder listed), or
/// reading it failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// Opening the file, or listing or examining it during the walk, failed.
    #[error(transparent)]
    Io(io::Error),
    /// Reading the open file failed.
    #[error(transparent)]
    Read(#[from] Error),
}

impl ScanError {
    /// A stable machine-readable name: `io`, or the [`Error::code`] of a failed read.
    ///
    /// ```
    /// use dicom_sanitize::tree::{Scanned, TreeScan, Walker};
    ///
    /// let entries = Walker::new().entries(["no/such/folder"]);
    /// let scan = TreeScan::new(entries, Default::default(), 1)?;
    /// let Some(Scanned::Error { error, .. }) = scan.into_iter().next() else { panic!() };
    /// assert_eq!(error.code(), "io");
    /// assert_eq!(error.offset(), None);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::Io(_) => "io",
            ScanError::Read(err) => err.code(),
        }
    }

    /// The byte offset a failed read concerns, when known.
    pub fn offset(&self) -> Option<u64> {
        match self {
            ScanError::Io(_) => None,
            ScanError::Read(err) => err.offset(),
        }
    }
}

/// One entry of a [`TreeScan`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Scanned {
    /// A regular file, validated.
    Report {
        /// The file.
        path: PathBuf,
        /// The root (as given) it was found under.
        root: PathBuf,
        /// Its report.
        report: Report,
    },
    /// A file or folder that could not be read.
    Error {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        error: ScanError,
    },
    /// A path the walk left out.
    Skipped {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: Skip,
    },
}

/// What a scan does to one entry: a regular file's report, or why it has none.
type ScanFn = Box<dyn Fn(&Entry) -> Option<Result<Report, ScanError>> + Send + Sync>;

/// The reports of every regular file of a walk, validated by `jobs` threads and yielded in
/// walk order: what `dicom-sanitize scan` prints, one [`Scanned`] per entry. Each file is
/// opened without blocking ([`open_nonblocking`]) and read in bounded pieces
/// ([`Validator::validate_file`]); the validator also cuts the search of a large value
/// between its [`search_threads`](Validator::search_threads).
///
/// ```
/// use dicom_sanitize::tree::{Scanned, TreeScan, Walker};
/// use dicom_sanitize::{Policy, Status};
///
/// let policy = Policy::default();
/// let entries = Walker::new().entries(["examples/data"]);
/// let mut flagged = Vec::new();
/// for scanned in TreeScan::new(entries, policy.validator(), 2)? {
///     if let Scanned::Report { path, report, .. } = scanned {
///         if report.status() == Status::Flagged {
///             flagged.push(path.file_name().unwrap().to_owned());
///         }
///     }
/// }
/// assert_eq!(flagged, ["pe_polyglot.dcm", "script_polyglot.dcm"]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TreeScan {
    in_order: InOrder<Entries, Option<Result<Report, ScanError>>, ScanFn>,
}

impl TreeScan {
    /// Validates the files of `entries` with `validator`, `jobs` files at a time (0 counts
    /// as 1: every file in the thread that pulls the iterator).
    ///
    /// # Errors
    /// When the thread pool cannot be made.
    pub fn new(entries: Entries, validator: Validator, jobs: usize) -> io::Result<Self> {
        let scan: ScanFn = Box::new(move |entry| match entry {
            Entry::File { path, .. } => Some(
                open_nonblocking(path, false)
                    .map_err(ScanError::Io)
                    .and_then(|file| Ok(validator.validate_file(&file)?)),
            ),
            _ => None,
        });
        Ok(TreeScan {
            in_order: InOrder::new(jobs, entries, scan)?,
        })
    }
}

impl Iterator for TreeScan {
    type Item = Scanned;

    fn next(&mut self) -> Option<Scanned> {
        let (entry, result) = self.in_order.next()?;
        Some(match entry {
            // Every file has a result: none is a bug, said as an error rather than a panic.
            Entry::File { path, root } => match result {
                Some(Ok(report)) => Scanned::Report { path, root, report },
                Some(Err(error)) => Scanned::Error { path, error },
                None => Scanned::Error {
                    path,
                    error: ScanError::Io(io::Error::other("not scanned")),
                },
            },
            Entry::Error { path, error } => Scanned::Error {
                path,
                error: ScanError::Io(error),
            },
            Entry::Skipped { path, reason } => Scanned::Skipped { path, reason },
        })
    }
}

impl fmt::Debug for TreeScan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeScan")
            .field("in_order", &self.in_order)
            .finish()
    }
}
