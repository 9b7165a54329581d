//! Replacing a file without losing anything: a snapshot of the file as it was read, checked
//! right before the rename; the permissions, owner and group the new file keeps; and the
//! private temporary file in the same folder that becomes the new file only once complete.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::rewrite::attributes::Attributes;
use crate::rewrite::fs::FileError;

/// What a file was when it was read: which file, how long, and when it was last modified or
/// changed. A rewrite compares it with the file just before renaming its output over it, so
/// that bytes written meanwhile by another process are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot {
    len: u64,
    /// Whether the file is a regular file.
    regular: bool,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    identity: (u64, u64, i64, i64),
}

impl Snapshot {
    /// The snapshot of an open file.
    pub(crate) fn of(file: &File) -> io::Result<Self> {
        Ok(Snapshot::from_metadata(&file.metadata()?))
    }

    /// The file's length when the snapshot was taken.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is a regular file.
    pub(crate) fn is_regular(&self) -> bool {
        self.regular
    }

    fn from_metadata(meta: &fs::Metadata) -> Self {
        Snapshot {
            len: meta.len(),
            regular: meta.is_file(),
            modified: meta.modified().ok(),
            // Device, inode, and the change time (seconds and nanoseconds), which every write
            // and every metadata change moves.
            #[cfg(unix)]
            identity: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
            },
        }
    }

    /// Whether `other` is a snapshot of the same file (device and inode; on systems without
    /// them, assumed so), whatever its content now.
    pub(crate) fn is_same_file(&self, other: &Snapshot) -> bool {
        #[cfg(unix)]
        return (self.identity.0, self.identity.1) == (other.identity.0, other.identity.1);
        #[cfg(not(unix))]
        {
            let _ = other;
            true
        }
    }

    /// What differs in `now`, for [`Error::Changed`].
    fn change(&self, now: &Snapshot) -> Option<&'static str> {
        if !self.is_same_file(now) {
            return Some("the path names another file");
        }
        if self.len != now.len {
            Some("its length")
        } else if self.modified != now.modified {
            Some("its modification time")
        } else if *self != *now {
            Some("its change time")
        } else {
            None
        }
    }

    /// Fails with [`Error::Changed`] (naming `path`, the file's name) unless the file open as
    /// `source` is still as this snapshot says, and, when `replaced` is given, the file that
    /// path names is still that file too.
    pub(crate) fn check(
        &self,
        source: &File,
        path: &Path,
        replaced: Option<&Path>,
    ) -> Result<(), FileError> {
        // The path first: a file renamed over it also changes the old one (its link count).
        let mut change = None;
        if let Some(replaced) = replaced {
            let named = fs::metadata(replaced).map_err(|e| FileError::io(replaced, &e))?;
            change = self.change(&Snapshot::from_metadata(&named));
        }
        if change.is_none() {
            let now = Snapshot::of(source).map_err(|e| FileError::io(path, &e))?;
            change = self.change(&now);
        }
        match change {
            Some(what) => Err(FileError::new(path, Error::Changed { what })),
            None => Ok(()),
        }
    }
}

impl Snapshot {
    /// After the file open as `source` (named `path`) was replaced by a new one: fails unless
    /// its length and modification time are still as this snapshot says (its change time
    /// moved: the rename unlinked it). A writer that takes no lock and writes between the last
    /// [`Snapshot::check`] and the rename writes to the replaced file; that cannot be undone,
    /// but it is reported, never silent.
    pub(crate) fn check_replaced(&self, source: &File, path: &Path) -> Result<(), FileError> {
        let now = Snapshot::of(source).map_err(|e| FileError::io(path, &e))?;
        let what = if self.len != now.len {
            "its length"
        } else if self.modified != now.modified {
            "its modification time"
        } else {
            return Ok(());
        };
        let message = format!(
            "the file was written to while it was replaced ({what} changed after the last \
             check): the sanitized file is in place, but what was written between that check \
             and the rename went to the replaced file and is not in it"
        );
        Err(FileError::io(path, &io::Error::other(message)))
    }
}

/// Takes an exclusive advisory lock (`flock`) on `file`, the file at `path`, for as long as it
/// stays open or until [`unlock`]: refused when another process holds a lock on it. A writer
/// that takes the same lock before writing (and checks, once it has it, that its path still
/// names the file it opened) never loses a byte to a rewrite. A lock held briefly (another
/// job of the same run on a hard link of the file, say) is waited for, up to a tenth of a
/// second. File systems without locks are rewritten without one.
pub(crate) fn lock(file: &File, path: &Path) -> Result<(), FileError> {
    const TRIES: u32 = 50;
    let mut tries = 0;
    loop {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) if tries < TRIES => {
                tries = tries.saturating_add(1);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            result => return locked(result, path),
        }
    }
}

fn locked(result: Result<(), fs::TryLockError>, path: &Path) -> Result<(), FileError> {
    match result {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::WouldBlock) => {
            let held = io::Error::new(
                io::ErrorKind::WouldBlock,
                "another process holds a lock on the file: it was left as it is",
            );
            Err(FileError::io(path, &held))
        }
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(()),
        Err(fs::TryLockError::Error(e)) => Err(FileError::io(path, &e)),
    }
}

/// Releases the lock [`lock`] took (closing the file releases it too).
pub(crate) fn unlock(file: &File) {
    let _ = file.unlock();
}

/// Fails unless the user may write the file at `path`: replacing a file one may not write
/// (when its directory is writable) would bypass its permissions, which writing in place
/// honours. Opening it for writing asks the kernel, which knows about ACLs, capabilities,
/// immutable files and read-only mounts; nothing is written.
pub(crate) fn check_writable(path: &Path) -> Result<(), FileError> {
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) => Err(not_writable(path, &e)),
    }
}

/// The error for the file at `path`, which could not be opened for writing with `err`: a
/// refusal (permissions, an immutable or append-only file, a read-only mount) says so and
/// that the file was left as it is; any other error is passed on.
pub(crate) fn not_writable(path: &Path, err: &io::Error) -> FileError {
    refused(path, err, "written")
}

/// As [`not_writable`], for a new file that could not be renamed over the file at `path`.
fn not_replaceable(path: &Path, err: &io::Error) -> FileError {
    refused(path, err, "replaced")
}

fn refused(path: &Path, err: &io::Error, what: &str) -> FileError {
    let refused = matches!(
        err.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    );
    if !refused {
        return FileError::io(path, err);
    }
    // EPERM, not EACCES: no one may write it, whatever the permissions (chattr +i, +a).
    #[cfg(unix)]
    let hint = if err.raw_os_error() == Some(libc::EPERM) {
        "; the file may be immutable or append-only (see lsattr)"
    } else {
        ""
    };
    #[cfg(not(unix))]
    let hint = "";
    let message = format!("the file may not be {what} ({err}){hint}: it was left as it is");
    FileError::io(path, &io::Error::new(err.kind(), message))
}

/// What a new file takes over from the one it replaces: its mode, and (when it replaces the
/// input itself) its owner, group and extended attributes.
#[derive(Debug, Clone)]
pub(crate) struct Keep {
    permissions: fs::Permissions,
    #[cfg(unix)]
    owner: Option<(u32, u32)>,
    attributes: Attributes,
}

impl Keep {
    /// What to keep of `source`, whose metadata is `meta`: its owner, group and extended
    /// attributes too when `replaced` (the new file takes its place).
    pub(crate) fn of(source: &File, meta: &fs::Metadata, replaced: bool) -> io::Result<Self> {
        #[cfg(not(unix))]
        let _ = replaced;
        Ok(Keep {
            permissions: meta.permissions(),
            #[cfg(unix)]
            owner: replaced.then(|| {
                use std::os::unix::fs::MetadataExt;
                (meta.uid(), meta.gid())
            }),
            attributes: if replaced {
                Attributes::of(source)?
            } else {
                Attributes::default()
            },
        })
    }

    /// Applies the owner, group, extended attributes and mode to `file`. Fails when one cannot
    /// be kept (a user who may write a file they do not own cannot give a new file away): the
    /// file is then not replaced.
    fn apply(&self, file: &File) -> io::Result<()> {
        #[cfg(unix)]
        if let Some((uid, gid)) = self.owner {
            use std::os::unix::fs::MetadataExt;
            let meta = file.metadata()?;
            if (meta.uid(), meta.gid()) != (uid, gid) {
                std::os::unix::fs::fchown(file, Some(uid), Some(gid)).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!(
                            "cannot keep the file's owner {uid} and group {gid} ({e}), so it \
                             is not replaced"
                        ),
                    )
                })?;
            }
        }
        // After the owner (changing it drops file capabilities), before the mode (the owner
        // may not write user attributes of a read-only file; the mode then matches the ACL).
        self.attributes.apply(file)?;
        // After the owner: changing it clears set-user-ID and set-group-ID bits.
        file.set_permissions(self.permissions.clone())
    }
}

/// Writes a new file at `dest` through a temporary file in the same directory, given what it
/// keeps of the file it replaces, then renames it over `dest` (syncing the file first and the
/// directory after, when `durable`) unless `before_rename` refuses. On failure the temporary
/// file is removed and `dest` is untouched.
pub(crate) fn replace_atomically(
    dest: &Path,
    keep: &Keep,
    durable: bool,
    write: impl FnOnce(&mut File) -> io::Result<()>,
    before_rename: impl FnOnce() -> Result<(), FileError>,
) -> Result<(), FileError> {
    let io_error = |e: io::Error| FileError::io(dest, &e);
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (temp_path, mut temp) = create_temp(dir, dest).map_err(io_error)?;
    let result = (|| {
        write(&mut temp).map_err(io_error)?;
        keep.apply(&temp).map_err(io_error)?;
        if durable {
            temp.sync_all().map_err(io_error)?;
        }
        drop(temp);
        before_rename()?;
        fs::rename(&temp_path, dest).map_err(|e| not_replaceable(dest, &e))
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&temp_path);
        return Err(err);
    }
    if durable {
        sync_dir(dir).map_err(io_error)?;
    }
    Ok(())
}

/// The end of the name of every temporary file [`create_temp`] makes.
const TEMP_SUFFIX: &str = ".dicom-sanitize.tmp";

/// Creates a new, empty, private file next to `dest`, named
/// `.{name}.{pid}.{counter}.dicom-sanitize.tmp` (see [`temporary_pid`]).
fn create_temp(dir: &Path, dest: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = dest
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    loop {
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            ".{name}.{}.{unique}{TEMP_SUFFIX}",
            std::process::id()
        ));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The id of the process that made a temporary file named `name` (by [`create_temp`]), or
/// `None` when `name` is not such a file's. A walk never takes these files for inputs: one
/// belongs to a rewrite under way, or to a run that was killed.
#[cfg_attr(not(feature = "tree"), allow(dead_code))]
pub(crate) fn temporary_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = rest.rsplitn(3, '.');
    let counter = parts.next()?;
    let pid = parts.next()?;
    parts.next().filter(|name| !name.is_empty())?;
    counter.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn temporary_files_are_known_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = create_temp(dir.path(), &dir.path().join("ct.dcm")).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(temporary_pid(name), Some(std::process::id()));
        assert_eq!(
            temporary_pid(".ct.dcm.4242.7.dicom-sanitize.tmp"),
            Some(4242)
        );
        assert_eq!(temporary_pid(".a.b.c.1.0.dicom-sanitize.tmp"), Some(1));
        assert_eq!(temporary_pid("ct.dcm.4242.7.dicom-sanitize.tmp"), None);
        assert_eq!(temporary_pid(".4242.7.dicom-sanitize.tmp"), None);
        assert_eq!(temporary_pid(".ct.dcm.x.7.dicom-sanitize.tmp"), None);
        assert_eq!(temporary_pid(".ct.dcm.4242.7.tmp"), None);
    }

    /// A write after the last check, which went to the replaced file, is found by the check
    /// after the rename; a file left alone passes.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_write_between_the_last_check_and_the_rename_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.dcm");
        fs::write(&path, b"original").unwrap();
        let source = File::open(&path).unwrap();
        let read_as = Snapshot::of(&source).unwrap();
        read_as.check(&source, &path, Some(&path)).unwrap();
        // The rename unlinks the original: its change time moves, nothing else.
        fs::write(dir.path().join("new.dcm"), b"new").unwrap();
        fs::rename(dir.path().join("new.dcm"), &path).unwrap();
        read_as.check_replaced(&source, &path).unwrap();
        // An unlocked writer that opened the original before the rename writes to it after.
        let mut writer = OpenOptions::new()
            .append(true)
            .open(format!(
                "/proc/self/fd/{}",
                std::os::fd::AsRawFd::as_raw_fd(&source)
            ))
            .unwrap();
        writer.write_all(b" and more").unwrap();
        let err = read_as.check_replaced(&source, &path).unwrap_err();
        assert_eq!(err.path, path);
        assert!(err
            .to_string()
            .contains("written to while it was replaced (its length"));
    }
}
