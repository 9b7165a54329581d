//! Sanitizing files: in place, by atomic replacement, and into a new file.
//!
//! Nothing is ever lost: in place writes only the 128 preamble bytes; every other rewrite goes
//! to a temporary file in the destination's directory, which is synced and then renamed over
//! the destination (and the directory synced), so a crash or an error at any point leaves
//! either the original file or the complete new one, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::rewrite::input::{OpenFile, Reader};
use crate::rewrite::plan::{Outcome, Plan, Splice};
use crate::rewrite::policy::Policy;
use crate::rewrite::replace::{
    check_writable, lock, not_writable, replace_atomically, unlock, Keep, Snapshot,
};

/// Opens `path` with `options`, asking the kernel not to update its access time when we read
/// it (`O_NOATIME`, Linux; backup tools do the same): reading a file only to find it clean
/// should not cost an inode write. Only the file's owner may ask; for anyone else the file
/// is opened as usual.
fn open_without_atime(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match options.clone().custom_flags(libc::O_NOATIME).open(path) {
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {} // not the owner
            result => return result,
        }
    }
    options.open(path)
}

/// An error about a named file: the library's [`Error`] with the path it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong, with its offset where known.
    #[source]
    pub error: Error,
}

impl FileError {
    pub(crate) fn new(path: &Path, error: Error) -> Self {
        FileError {
            path: path.to_path_buf(),
            error,
        }
    }

    pub(crate) fn io(path: &Path, err: &io::Error) -> Self {
        FileError::new(path, Error::io(0, err))
    }
}

impl Policy {
    /// Sanitizes an open file in place: writes the 128 new preamble bytes at offset 0 and
    /// nothing else. Policies that change the file's length (stripping, truncating) are refused.
    ///
    /// # Errors
    /// [`Error::NotInPlace`] for stripping or truncation; as [`Policy::sanitize`]; on I/O
    /// failure (only the preamble can then be partly written: every other byte is untouched).
    ///
    /// ```
    /// use std::io::{Read, Seek};
    /// use dicom_sanitize::{Action, Policy};
    ///
    /// let mut data = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
    /// data[..8].copy_from_slice(b"#!/bin/s");
    /// let mut file = std::io::Cursor::new(data.clone());
    /// let outcome = Policy::default().sanitize_in_place(&mut file)?;
    /// assert_eq!(outcome.action, Action::Zero);
    /// assert_eq!(&file.get_ref()[..128], &[0; 128]);
    /// assert_eq!(&file.get_ref()[128..], &data[128..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize_in_place<F: Read + Write + Seek>(
        &self,
        file: &mut F,
    ) -> Result<Outcome, Error> {
        let plan = self.plan_input(Reader::new(file)?)?.plan?;
        let head = plan.in_place()?;
        if !head.is_empty() {
            let io = |e: io::Error| Error::io(0, &e);
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(head).map_err(io)?;
            file.flush().map_err(io)?;
        }
        Ok(*plan.outcome())
    }

    /// Sanitizes the file at `path` in place, as [`Policy::sanitize_in_place`]: the file
    /// itself is modified (all its hard links see the change) and only its first 128 bytes are
    /// written, with positional I/O. The change is not synced; call this, then
    /// `File::sync_data` through your own handle, or use [`Policy::sanitize_file`] for a
    /// durable, atomic rewrite.
    ///
    /// # Errors
    /// As [`Policy::sanitize_in_place`]; the error names the path.
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("ct.dcm");
    /// std::fs::copy("tests/data/pydicom/CT_small.dcm", &path)?;
    /// assert_eq!(Policy::default().sanitize_file_in_place(&path)?.action, Action::Zero);
    /// assert_eq!(&std::fs::read(&path)?[..128], &[0; 128]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize_file_in_place(&self, path: impl AsRef<Path>) -> Result<Outcome, FileError> {
        let path = path.as_ref();
        let file = open_without_atime(path, OpenOptions::new().read(true).write(true))
            .map_err(|e| not_writable(path, &e))?;
        let plan = self.plan_file(&file).map_err(|e| FileError::new(path, e))?;
        if !plan.outcome().is_unchanged() {
            lock(&file, path)?;
        }
        write_in_place(&file, &plan, path)
    }

    /// Sanitizes the file at `path`, replacing it atomically when anything changes: the new
    /// content goes to a temporary file in the same directory, which is synced, given the
    /// original's permissions and renamed over it; the directory is then synced. On any
    /// failure the original is untouched and the temporary file removed. A symbolic link is
    /// followed and its target replaced.
    ///
    /// Replacement creates a new file: other hard links to the original keep the old content.
    /// [`Policy::sanitize_in_place`] modifies the file itself.
    ///
    /// # Errors
    /// As [`Policy::sanitize`], and on I/O failure; the error names the path.
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("upload.dcm");
    /// std::fs::copy("tests/data/pydicom/MR_small.dcm", &path)?;
    /// let outcome = Policy::strip().sanitize_file(&path)?;
    /// assert_eq!(outcome.action, Action::Strip);
    /// let original = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
    /// assert_eq!(std::fs::read(&path)?, &original[132..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize_file(&self, path: impl AsRef<Path>) -> Result<Outcome, FileError> {
        let path = path.as_ref();
        let target = fs::canonicalize(path).map_err(|e| FileError::io(path, &e))?;
        self.rewrite(&target, &target, Rewrite::ReplaceDurably, write_output)
            .map_err(|e| FileError::new(path, e.error))
    }

    /// Writes the sanitized content of the file at `from` to `to` (replacing `to` atomically
    /// if it exists), also when nothing changes. `from` is never modified.
    ///
    /// The output appears under its name only once complete, but it is not synced: after a
    /// crash it may be incomplete (the input is unaffected). Sync it (`File::sync_all`, and its
    /// directory) when it must be durable.
    ///
    /// # Errors
    /// As [`Policy::sanitize_file`].
    ///
    /// ```
    /// use dicom_sanitize::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let to = dir.path().join("clean.dcm");
    /// let outcome = Policy::default().sanitize_file_to("tests/data/pydicom/rtplan.dcm", &to)?;
    /// assert!(outcome.is_unchanged());
    /// assert_eq!(std::fs::read(&to)?, std::fs::read("tests/data/pydicom/rtplan.dcm")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sanitize_file_to(
        &self,
        from: impl AsRef<Path>,
        to: impl AsRef<Path>,
    ) -> Result<Outcome, FileError> {
        self.rewrite(from.as_ref(), to.as_ref(), Rewrite::Copy, write_output)
    }

    /// What [`Policy::sanitize_file`] would do to the file at `path`, without writing anything:
    /// for dry runs and reports.
    ///
    /// # Errors
    /// As [`Policy::sanitize_file`].
    ///
    /// ```
    /// use dicom_sanitize::{Action, Policy};
    ///
    /// let outcome = Policy::default().check_file("tests/data/pydicom/CT_small.dcm")?;
    /// assert_eq!(outcome.action, Action::Zero);
    /// assert_eq!(outcome.bytes_changed, 6); // the vestigial TIFF header's non-zero bytes
    /// # Ok::<(), dicom_sanitize::FileError>(())
    /// ```
    pub fn check_file(&self, path: impl AsRef<Path>) -> Result<Outcome, FileError> {
        self.prepare(path.as_ref())
            .map(|(_, _, plan)| *plan.outcome())
    }

    /// The plan for an open file: see [`Policy::plan_input`].
    pub(crate) fn plan_file(&self, file: &File) -> Result<Plan, Error> {
        self.plan_input(OpenFile::new(file)?)?.plan
    }

    /// Opens the file at `path` for reading and plans its sanitization; the snapshot says
    /// what the file was before it was read.
    fn prepare(&self, path: &Path) -> Result<(File, Snapshot, Plan), FileError> {
        let file = open_for_reading(path)?;
        let read_as = Snapshot::of(&file).map_err(|e| FileError::io(path, &e))?;
        let plan = self
            .plan_input(OpenFile::with_len(&file, read_as.len()))
            .and_then(|planned| planned.plan)
            .map_err(|e| FileError::new(path, e))?;
        Ok((file, read_as, plan))
    }

    /// Reads `from`, plans, and writes the output to `to` through a temporary file with
    /// `write` (which is [`write_output`], except in fault-injection tests).
    pub(crate) fn rewrite(
        &self,
        from: &Path,
        to: &Path,
        mode: Rewrite,
        write: impl FnOnce(&mut File, &File, &Splice) -> io::Result<()>,
    ) -> Result<Outcome, FileError> {
        let (source, read_as, plan) = self.prepare(from)?;
        rewrite(&source, &read_as, &plan, from, to, mode, write)
    }
}

/// Opens the file at `path` for reading (see [`open_without_atime`]).
pub(crate) fn open_for_reading(path: &Path) -> Result<File, FileError> {
    open_without_atime(path, OpenOptions::new().read(true)).map_err(|e| FileError::io(path, &e))
}

/// Carries `plan` out on `file` (at `path`) in place: writes the new preamble bytes, if any,
/// and nothing else.
pub(crate) fn write_in_place(file: &File, plan: &Plan, path: &Path) -> Result<Outcome, FileError> {
    let head = plan.in_place().map_err(|e| FileError::new(path, e))?;
    if !head.is_empty() {
        write_preamble(file, head).map_err(|e| FileError::io(path, &e))?;
    }
    Ok(*plan.outcome())
}

/// Carries out `plan`, made from the file at `path` as `read_as` says it was, in place: when
/// the plan writes anything, opens `path` for writing, checks that it names that same file (so
/// that a file renamed over `path` since is never written to), and writes the new preamble
/// bytes. A file the plan leaves unchanged is never opened for writing.
pub(crate) fn reopen_and_write_in_place(
    read_as: &Snapshot,
    plan: &Plan,
    path: &Path,
) -> Result<Outcome, FileError> {
    let head = plan.in_place().map_err(|e| FileError::new(path, e))?;
    if head.is_empty() {
        return Ok(*plan.outcome());
    }
    let writer = open_without_atime(path, OpenOptions::new().write(true))
        .map_err(|e| not_writable(path, &e))?;
    let now = Snapshot::of(&writer).map_err(|e| FileError::io(path, &e))?;
    if !read_as.is_same_file(&now) {
        let replaced = io::Error::other("the file was replaced after it was reviewed");
        return Err(FileError::io(path, &replaced));
    }
    lock(&writer, path)?;
    write_in_place(&writer, plan, path)
}

/// Writes the output `plan` lays out for `source` (the file at `from`, as `read_as` says it
/// was when the plan was made) to `to` through a temporary file with `write`; skips unchanged
/// files when the destination is the input itself.
///
/// Replacing the input refuses a file the user may not write (unless `mode` is
/// [`Rewrite::ReplaceReadOnly`]), keeps its owner, group and mode, and, right before the rename, refuses with [`Error::Changed`] if the input is no
/// longer as it was read (a process appended to it, say), so that what it wrote is never
/// dropped. A copy is refused the same way when its source changed while it was copied.
pub(crate) fn rewrite(
    source: &File,
    read_as: &Snapshot,
    plan: &Plan,
    from: &Path,
    to: &Path,
    mode: Rewrite,
    write: impl FnOnce(&mut File, &File, &Splice) -> io::Result<()>,
) -> Result<Outcome, FileError> {
    let outcome = *plan.outcome();
    let durable = mode.replaces();
    if outcome.is_unchanged() && durable {
        return Ok(outcome);
    }
    let meta = source.metadata().map_err(|e| FileError::io(from, &e))?;
    let keep = Keep::from_metadata(&meta, durable);
    if mode == Rewrite::ReplaceDurably {
        check_writable(to)?;
    }
    if durable {
        // Held until the new file is in place: a writer that locks waits, then finds the
        // path names the new file.
        lock(source, from)?;
    }
    let replaced = replace_atomically(
        to,
        &keep,
        durable,
        |temp| write(temp, source, plan.splice()),
        || read_as.check(source, from, durable.then_some(to)),
    );
    if durable {
        unlock(source);
    }
    replaced?;
    Ok(outcome)
}

/// Writes the output laid out by `splice` to `writer`: the head, then the body's range of
/// `source`, copied by the kernel where it can (`copy_file_range` between files on Linux).
pub(crate) fn write_output<W: Write>(
    writer: &mut W,
    source: &File,
    splice: &Splice,
) -> io::Result<()> {
    writer.write_all(splice.head)?;
    copy_range(source, splice.body.clone(), writer)?;
    writer.flush()
}

/// Whether `existing` holds exactly the output `splice` lays out for `source`: its length,
/// then every byte, compared in chunks.
pub(crate) fn output_matches(
    source: &File,
    splice: &Splice,
    existing: &mut File,
) -> io::Result<bool> {
    const CHUNK: usize = 64 * 1024;
    let body_len = splice.body.end.saturating_sub(splice.body.start);
    let len = (splice.head.len() as u64).saturating_add(body_len);
    if existing.metadata()?.len() != len {
        return Ok(false);
    }
    let mut theirs = vec![0; CHUNK];
    let mut ours = vec![0; CHUNK];
    let head = theirs.get_mut(..splice.head.len()).unwrap_or_default();
    existing.read_exact(head)?;
    if head != splice.head {
        return Ok(false);
    }
    let mut source = source;
    source.seek(SeekFrom::Start(splice.body.start))?;
    let mut left = body_len;
    while left > 0 {
        let n = usize::try_from(left).map_or(CHUNK, |left| left.min(CHUNK));
        let (Some(theirs), Some(ours)) = (theirs.get_mut(..n), ours.get_mut(..n)) else {
            return Ok(false);
        };
        existing.read_exact(theirs)?;
        source.read_exact(ours)?;
        if theirs != ours {
            return Ok(false);
        }
        left = left.saturating_sub(n as u64);
    }
    Ok(true)
}

/// How a rewrite treats its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rewrite {
    /// The destination is the input itself: skip unchanged files, refuse a file the user may
    /// not write, and sync the new content and the directory so that a crash leaves the old
    /// file or the new one.
    ReplaceDurably,
    /// The same, also for a file the user may not write (its folder permitting): see
    /// [`FileReview::allow_read_only`](crate::FileReview::allow_read_only).
    ReplaceReadOnly,
    /// The destination is a copy: always write it, without syncing.
    Copy,
}

impl Rewrite {
    /// Whether the destination is the input itself.
    fn replaces(self) -> bool {
        self != Rewrite::Copy
    }
}

/// Writes `head` (the new preamble) at offset 0 of `file`.
fn write_preamble(file: &File, head: &[u8]) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, head, 0)
    }
    #[cfg(not(unix))]
    {
        let mut file = file;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(head)
    }
}

/// Copies `range` of `source` to `writer`; fails if the source is shorter than the range.
fn copy_range(
    mut source: &File,
    range: std::ops::Range<u64>,
    writer: &mut impl Write,
) -> io::Result<()> {
    let len = range.end.saturating_sub(range.start);
    source.seek(SeekFrom::Start(range.start))?;
    let copied = io::copy(&mut source.take(len), writer)?;
    if copied < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file shrank while it was read",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails (or writes short, or reports a full disk) once `limit` bytes are in.
    struct Faulty<W> {
        inner: W,
        written: u64,
        limit: u64,
        fault: Fault,
    }

    #[derive(Clone, Copy, Debug)]
    enum Fault {
        Error,
        DiskFull,
        ShortThenZero,
    }

    impl<W: Write> Write for Faulty<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = self.limit.saturating_sub(self.written) as usize;
            if room == 0 {
                return match self.fault {
                    Fault::Error => Err(io::Error::other("injected failure")),
                    Fault::DiskFull => Err(io::Error::from(io::ErrorKind::StorageFull)),
                    Fault::ShortThenZero => Ok(0),
                };
            }
            let n = self.inner.write(&buf[..buf.len().min(room)])?;
            self.written += n as u64;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    fn hostile() -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pydicom/MR_small.dcm");
        let mut data = fs::read(path).unwrap();
        data[..20].copy_from_slice(b"#!/bin/sh\nrm -rf /\n\n");
        data
    }

    fn temp_files(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_failing_writer_at_every_offset_never_loses_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        let data = hostile();
        fs::write(&path, &data).unwrap();
        let policy = Policy::default();
        let output_len = policy.sanitize(&data).unwrap().len();
        let step = (output_len / 97).max(1);
        for fault in [Fault::Error, Fault::DiskFull, Fault::ShortThenZero] {
            let mut limit = 0;
            while limit < output_len {
                let result = policy.rewrite(
                    &path,
                    &path,
                    Rewrite::ReplaceDurably,
                    |temp, source, layout| {
                        let mut faulty = Faulty {
                            inner: temp,
                            written: 0,
                            limit,
                            fault,
                        };
                        write_output(&mut faulty, source, layout)
                    },
                );
                let err = result.unwrap_err();
                assert_eq!(err.path, path);
                assert_eq!(err.error.code(), "io");
                assert_eq!(fs::read(&path).unwrap(), data, "{fault:?} at {limit}");
                assert!(temp_files(dir.path()).is_empty(), "{fault:?} at {limit}");
                limit += if limit < 256 { 1 } else { step };
            }
        }
        // Without faults the same path succeeds.
        policy
            .rewrite(&path, &path, Rewrite::ReplaceDurably, write_output)
            .unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            policy.sanitize(&data).unwrap().to_vec()
        );
    }

    #[test]
    fn replacement_preserves_permissions_and_follows_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        fs::write(&path, hostile()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.dcm");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let outcome = Policy::default().sanitize_file(&link).unwrap();
        assert!(!outcome.is_unchanged());
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(&fs::read(&path).unwrap()[..128], &[0; 128]);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn in_place_failures_touch_only_the_preamble() {
        let data = hostile();
        for limit in 0..128 {
            let mut file = io::Cursor::new(data.clone());
            struct FailingFile<'a> {
                file: &'a mut io::Cursor<Vec<u8>>,
                budget: usize,
            }
            impl Read for FailingFile<'_> {
                fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                    self.file.read(buf)
                }
            }
            impl Seek for FailingFile<'_> {
                fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
                    self.file.seek(pos)
                }
            }
            impl Write for FailingFile<'_> {
                fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                    if self.budget == 0 {
                        return Err(io::Error::from(io::ErrorKind::StorageFull));
                    }
                    let n = self.file.write(&buf[..buf.len().min(self.budget)])?;
                    self.budget -= n;
                    Ok(n)
                }
                fn flush(&mut self) -> io::Result<()> {
                    Ok(())
                }
            }
            let err = Policy::default()
                .sanitize_in_place(&mut FailingFile {
                    file: &mut file,
                    budget: limit,
                })
                .unwrap_err();
            assert_eq!(err.code(), "io");
            assert_eq!(&file.get_ref()[128..], &data[128..], "at {limit}");
            assert!(file.get_ref()[..limit].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn in_place_refuses_length_changes() {
        let mut file = io::Cursor::new(hostile());
        assert_eq!(
            Policy::strip().sanitize_in_place(&mut file),
            Err(Error::NotInPlace {
                what: "strip the preamble"
            })
        );
        assert_eq!(file.get_ref(), &hostile());
    }

    /// Appends `bytes` to the file at `path`, as another process would.
    fn append(path: &Path, bytes: &[u8]) {
        OpenOptions::new()
            .append(true)
            .open(path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
    }

    #[test]
    fn a_file_written_to_during_a_rewrite_is_left_with_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        let data = hostile();
        let appended = b"appended by another process while the copy was written";
        for (policy, mode) in [
            (Policy::strip(), Rewrite::ReplaceDurably),
            (
                Policy::builder()
                    .trailing_data(crate::TrailingAction::Truncate)
                    .build()
                    .unwrap(),
                Rewrite::ReplaceDurably,
            ),
            (Policy::default(), Rewrite::Copy),
        ] {
            fs::write(&path, &data).unwrap();
            let dest = match mode {
                Rewrite::ReplaceDurably | Rewrite::ReplaceReadOnly => path.clone(),
                Rewrite::Copy => dir.path().join("copy.dcm"),
            };
            let err = policy
                .rewrite(&path, &dest, mode, |temp, source, splice| {
                    // Another process appends while the new content is being written.
                    append(&path, appended);
                    write_output(temp, source, splice)
                })
                .unwrap_err();
            assert_eq!(err.error, Error::Changed { what: "its length" }, "{mode:?}");
            assert_eq!(err.path, path);
            let mut expected = data.clone();
            expected.extend_from_slice(appended);
            assert_eq!(fs::read(&path).unwrap(), expected, "{mode:?}");
            assert!(!dir.path().join("copy.dcm").exists());
            assert!(temp_files(dir.path()).is_empty());
        }
        // A file renamed over the path while the copy was written is not replaced either.
        fs::write(&path, &data).unwrap();
        let other = dir.path().join("other.dcm");
        let err = Policy::strip()
            .rewrite(
                &path,
                &path,
                Rewrite::ReplaceDurably,
                |temp, source, splice| {
                    fs::write(&other, &data).unwrap();
                    fs::rename(&other, &path).unwrap();
                    write_output(temp, source, splice)
                },
            )
            .unwrap_err();
        assert_eq!(
            err.error,
            Error::Changed {
                what: "the path names another file"
            }
        );
        assert_eq!(fs::read(&path).unwrap(), data);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn replacement_keeps_the_owner_group_and_mode() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        fs::write(&path, hostile()).unwrap();
        let before = fs::metadata(&path).unwrap();
        // A group and mode of its own (a group the test's user belongs to: its primary one).
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        Policy::strip().sanitize_file(&path).unwrap();
        let after = fs::metadata(&path).unwrap();
        assert_ne!(after.ino(), before.ino(), "replaced, not written in place");
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        assert_eq!(after.permissions().mode() & 0o7777, 0o664);
    }

    #[test]
    fn a_file_another_process_has_locked_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        let data = hostile();
        fs::write(&path, &data).unwrap();
        // Another open file description holds the lock, as another process would.
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        for result in [
            Policy::strip().sanitize_file(&path),
            Policy::default().sanitize_file_in_place(&path),
            Policy::default()
                .review_file(&path)
                .unwrap()
                .write_in_place(),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.error.code(), "io");
            assert!(err.to_string().contains("holds a lock"), "{err}");
            assert_eq!(fs::read(&path).unwrap(), data);
        }
        holder.unlock().unwrap();
        assert_eq!(
            Policy::strip().sanitize_file(&path).unwrap().bytes_removed,
            132
        );
        assert!(temp_files(dir.path()).is_empty());
    }

    /// A writer that takes the lock before each append, and checks once it has it that the
    /// path still names the file it opened, loses nothing to a concurrent rewrite: every
    /// append is in the final file, in order, after the stripped content.
    #[test]
    fn a_writer_that_locks_loses_nothing_to_a_concurrent_strip() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        let data = hostile();
        fs::write(&path, &data).unwrap();
        const APPENDS: usize = 300;
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                for i in 0..APPENDS {
                    loop {
                        let file = OpenOptions::new().append(true).open(&path).unwrap();
                        file.lock().unwrap();
                        let same =
                            fs::metadata(&path).unwrap().ino() == file.metadata().unwrap().ino();
                        if same {
                            (&file).write_all(format!("<{i:04}>").as_bytes()).unwrap();
                            break;
                        }
                        // Replaced while we waited for the lock: append to the new file.
                    }
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
            })
        };
        // Once the writer is under way, strip until it succeeds; a refusal (changed, locked)
        // leaves the file as it was.
        while fs::metadata(&path).unwrap().len() < data.len() as u64 + 60 {
            std::thread::yield_now();
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match Policy::strip().sanitize_file(&path) {
                Ok(outcome) if outcome.bytes_removed > 0 => break,
                Ok(_) => panic!("stripped by someone else?"),
                Err(err) => {
                    let code = err.error.code();
                    assert!(code == "changed" || code == "io", "{err}");
                }
            }
            assert!(tries < 100_000, "never stripped");
        }
        writer.join().unwrap();
        let mut expected = data[132..].to_vec();
        for i in 0..APPENDS {
            expected.extend_from_slice(format!("<{i:04}>").as_bytes());
        }
        assert_eq!(fs::read(&path).unwrap(), expected, "after {tries} tries");
        assert!(temp_files(dir.path()).is_empty());
    }
}
