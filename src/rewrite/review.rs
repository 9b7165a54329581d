//! A file's full validation report and its sanitization, from one open and one read.
//!
//! [`Policy::sanitize_file`] and its friends read only what their policy needs (for most
//! policies, just the header). A caller that wants the report *and* the sanitization, as a
//! tool that logs what it fixes does, reviews the file instead: it is opened once and walked
//! once, and the review then writes the plan from the same open handle.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::rewrite::fs::{self as file_sinks, open_for_reading, write_output, FileError, Rewrite};
use crate::rewrite::input::{file_reader, HeldReader, OpenFile};
use crate::rewrite::plan::{Outcome, Plan};
use crate::rewrite::policy::Policy;
use crate::rewrite::replace::Snapshot;
use crate::validate::input::Held;
use crate::validate::report::Report;

/// An open file, its full validation report, and what the policy does with it: its plan or
/// its refusal. Obtained from [`Policy::review_file`] or [`Policy::review_opened`]; apply it
/// with [`FileReview::replace`], [`FileReview::write_in_place`] or [`FileReview::copy_to`],
/// or only look ([`FileReview::outcome`]) for a dry run.
///
/// The review reads the file as it was when reviewed: if something else changes the file
/// meanwhile, applying the review may write a mix (as it would with any tool that reads,
/// then writes).
///
/// ```
/// use dicom_sanitize::{Action, Policy, Status};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("upload.dcm");
/// std::fs::copy("examples/data/pe_polyglot.dcm", &path)?;
///
/// let review = Policy::default().review_file(&path)?;
/// assert_eq!(review.report().status(), Status::Flagged);
/// assert_eq!(review.outcome()?.action, Action::Zero);
/// let outcome = review.replace()?;
/// assert_eq!(outcome.bytes_removed, 0);
/// assert_eq!(&std::fs::read(&path)?[..128], &[0; 128]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileReview {
    path: PathBuf,
    file: File,
    /// What the file was before it was read.
    read_as: Snapshot,
    report: Report,
    plan: Result<Plan, Error>,
    /// Whether [`FileReview::replace`] replaces a file the user may not write.
    allow_read_only: bool,
}

impl Policy {
    /// Opens the file at `path` for reading, validates it fully and plans its sanitization:
    /// the report and the plan from one read.
    ///
    /// # Errors
    /// When the file cannot be opened or read, or is not a regular file (error kind
    /// `InvalidInput`); the error names the path. A refusal by the policy is not an error
    /// here: it is the review's [`FileReview::outcome`].
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy};
    ///
    /// let review = Policy::strip().review_file("tests/data/pydicom/CT_small.dcm")?;
    /// assert_eq!(review.report().preamble.unwrap().name(), "tiff-dangling");
    /// assert_eq!(review.outcome()?.action, Action::Strip);
    /// assert_eq!(review.outcome()?.bytes_removed, 132);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn review_file(&self, path: impl AsRef<Path>) -> Result<FileReview, FileError> {
        let path = path.as_ref();
        let file = open_for_reading(path)?;
        self.review_opened(file, path)
    }

    /// As [`Policy::review_file`], for a file the caller opened for reading, with flags of its
    /// own (`O_NONBLOCK` for a path that may name a FIFO, say). `path` is the file's name:
    /// errors name it, and [`FileReview::replace`] and [`FileReview::write_in_place`] write
    /// the file it names.
    ///
    /// # Errors
    /// As [`Policy::review_file`].
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("ct.dcm");
    /// std::fs::copy("tests/data/pydicom/CT_small.dcm", &path)?;
    /// let file = std::fs::File::open(&path)?;
    /// let review = Policy::default().review_opened(file, &path)?;
    /// let outcome = review.write_in_place()?;
    /// assert_eq!(outcome.bytes_changed, 6); // the vestigial TIFF header's non-zero bytes
    /// assert_eq!(&std::fs::read(&path)?[..128], &[0; 128]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn review_opened(
        &self,
        file: File,
        path: impl AsRef<Path>,
    ) -> Result<FileReview, FileError> {
        let path = path.as_ref();
        let read_as = Snapshot::of(&file).map_err(|e| FileError::io(path, &e))?;
        let in_file = |e: Error| FileError::new(path, e);
        let len = read_as.len();
        let (report, plan) = if read_as.is_regular() {
            // Its first and last bytes read once: the plan takes its own from them.
            let (mut reader, shared) = file_reader(&file, len);
            let held =
                Held::read(self.validator().inspector(), &mut reader, len).map_err(in_file)?;
            self.review_input(HeldReader::new(&held, &mut reader, shared))
        } else {
            self.review_input(OpenFile::with_len(&file, len)) // refused by validation's own check
        }
        .map_err(in_file)?;
        Ok(FileReview {
            path: path.to_path_buf(),
            file,
            read_as,
            report,
            plan,
            allow_read_only: false,
        })
    }
}

impl FileReview {
    /// The file's name, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The file's full validation report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, giving up the open file.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// What sanitizing does (nothing is written until the review is applied), or why the
    /// policy refuses the file: [`Error::NotDicom`] or [`Error::Rejected`].
    ///
    /// # Errors
    /// The policy's refusal.
    ///
    /// ```
    /// use dicom_sanitize::{Error, Policy, PreambleAction};
    ///
    /// let strict = Policy::builder().preamble(PreambleAction::Reject).build()?;
    /// let review = strict.review_file("tests/data/pydicom/CT_small.dcm")?;
    /// assert!(matches!(review.outcome(), Err(Error::Rejected { offset: 0, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn outcome(&self) -> Result<Outcome, Error> {
        match &self.plan {
            Ok(plan) => Ok(*plan.outcome()),
            Err(refusal) => Err(refusal.clone()),
        }
    }

    /// Also let [`FileReview::replace`] replace a file the user may not write (a read-only
    /// file in a folder the user may write, as `mv` and `rm` would), keeping its mode: a
    /// read-only file stays read-only. Default: false, so that a replacement honours the
    /// file's permissions as writing in place does. It never overrides what the kernel refuses
    /// everyone: an immutable or append-only file is not replaced. In-place writing
    /// ([`FileReview::write_in_place`]) cannot write such a file either way.
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("archived.dcm");
    /// std::fs::copy("examples/data/pe_polyglot.dcm", &path)?;
    /// std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444))?;
    /// let review = Policy::default().review_file(&path)?.allow_read_only(true);
    /// review.replace()?;
    /// assert_eq!(&std::fs::read(&path)?[..128], &[0; 128]);
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o444);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allow_read_only(mut self, allow: bool) -> Self {
        self.allow_read_only = allow;
        self
    }

    /// The plan, or the policy's refusal naming the path.
    fn plan(&self) -> Result<&Plan, FileError> {
        self.plan
            .as_ref()
            .map_err(|e| FileError::new(&self.path, e.clone()))
    }

    /// Sanitizes the file as [`Policy::sanitize_file`] does, from the review: when anything
    /// changes, the file (a symbolic link's target) is replaced atomically and durably by a
    /// new one with its owner, group and mode; an unchanged file is left alone.
    ///
    /// # Errors
    /// The policy's refusal; a file the user may not write (unless
    /// [`FileReview::allow_read_only`]); [`Error::Changed`] when the file changed since the
    /// review; an I/O failure. The original is then untouched; the error names the path.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("mr.dcm");
    /// std::fs::copy("tests/data/pydicom/MR_small.dcm", &path)?;
    /// let outcome = Policy::strip().review_file(&path)?.replace()?;
    /// assert_eq!(outcome.bytes_removed, 132);
    /// let original = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
    /// assert_eq!(std::fs::read(&path)?, &original[132..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace(&self) -> Result<Outcome, FileError> {
        let plan = self.plan()?;
        if plan.outcome().is_unchanged() {
            return Ok(*plan.outcome());
        }
        let path = &self.path;
        let target = fs::canonicalize(path).map_err(|e| FileError::io(path, &e))?;
        file_sinks::rewrite(
            &self.file,
            &self.read_as,
            plan,
            &target,
            &target,
            if self.allow_read_only {
                Rewrite::ReplaceReadOnly
            } else {
                Rewrite::ReplaceDurably
            },
            write_output,
        )
        .map_err(|e| FileError::new(path, e.error))
    }

    /// Sanitizes the file in place as [`Policy::sanitize_file_in_place`] does, from the
    /// review: writes its 128 new preamble bytes, if any, and nothing else. The file is opened
    /// for writing only then, by its path, and only if that still names the reviewed file: a
    /// file the plan leaves unchanged is never opened for writing, and one renamed over the
    /// path since the review is never written to. The change is not synced:
    /// `review.file().sync_data()` makes it durable.
    ///
    /// # Errors
    /// The policy's refusal; [`Error::NotInPlace`] for a plan that changes the file's length
    /// (stripping, truncating: see [`FileReview::keeps_length`]); an I/O failure, or a file
    /// replaced since the review. The error names the path.
    ///
    /// ```
    /// use dicom_sanitize::{Error, Policy};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("ct.dcm");
    /// std::fs::copy("tests/data/pydicom/CT_small.dcm", &path)?;
    /// let review = Policy::default().review_file(&path)?;
    /// assert_eq!(review.write_in_place()?.bytes_changed, 6); // the vestigial TIFF header
    /// review.file().sync_data()?; // when the change must be durable
    /// assert_eq!(&std::fs::read(&path)?[..128], &[0; 128]);
    ///
    /// let review = Policy::strip().review_file("tests/data/pydicom/MR_small.dcm")?;
    /// let refused = review.write_in_place().unwrap_err();
    /// assert!(matches!(refused.error, Error::NotInPlace { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_in_place(&self) -> Result<Outcome, FileError> {
        file_sinks::reopen_and_write_in_place(&self.read_as, self.plan()?, &self.path)
    }

    /// Whether the plan keeps the file's length, so that [`FileReview::write_in_place`] can
    /// carry it out (it strips nothing and truncates nothing); `false` for a refusal.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let path = "tests/data/pydicom/CT_small.dcm";
    /// assert!(Policy::default().review_file(path)?.keeps_length());
    /// assert!(!Policy::strip().review_file(path)?.keeps_length());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keeps_length(&self) -> bool {
        self.plan
            .as_ref()
            .is_ok_and(|plan| plan.outcome().bytes_removed == 0)
    }

    /// Whether the file at `dest` already holds exactly what [`FileReview::copy_to`] would
    /// write there, byte for byte (read and compared, never assumed from a name or a size),
    /// so that an interrupted run over a tree can be repeated without rewriting what it
    /// finished. `false` when `dest` does not exist or the policy refuses the file.
    ///
    /// # Errors
    /// When `dest` exists but cannot be read, or the reviewed file cannot be read.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let dest = dir.path().join("clean.dcm");
    /// let review = Policy::default().review_file("examples/data/pe_polyglot.dcm")?;
    /// assert!(!review.output_matches(&dest)?);
    /// review.copy_to(&dest)?;
    /// assert!(review.output_matches(&dest)?);
    /// std::fs::write(&dest, b"something else")?;
    /// assert!(!review.output_matches(&dest)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn output_matches(&self, dest: impl AsRef<Path>) -> Result<bool, FileError> {
        let dest = dest.as_ref();
        let Ok(plan) = &self.plan else {
            return Ok(false);
        };
        let mut existing = match fs::File::open(dest) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(FileError::io(dest, &e)),
        };
        file_sinks::output_matches(&self.file, plan.splice(), &mut existing)
            .map_err(|e| FileError::io(dest, &e))
    }

    /// Writes the sanitized content to `dest` as [`Policy::sanitize_file_to`] does, from the
    /// review: `dest` is replaced atomically if it exists, also when nothing changes, and is
    /// not synced. The reviewed file is never modified.
    ///
    /// # Errors
    /// The policy's refusal (nothing is written); an I/O failure, naming the file it concerns.
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let dest = dir.path().join("clean.dcm");
    /// let review = Policy::default().review_file("examples/data/pe_polyglot.dcm")?;
    /// assert!(review.report().is_threat());
    /// review.copy_to(&dest)?;
    /// assert!(!dicom_sanitize::validate(&std::fs::read(&dest)?).is_threat());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn copy_to(&self, dest: impl AsRef<Path>) -> Result<Outcome, FileError> {
        file_sinks::rewrite(
            &self.file,
            &self.read_as,
            self.plan()?,
            &self.path,
            dest.as_ref(),
            Rewrite::Copy,
            write_output,
        )
    }
}
