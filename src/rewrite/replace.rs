//! Replacing a file without losing anything: a snapshot of the file as it was read, checked
//! right before the rename; the permissions, owner and group the new file keeps; and the
//! private temporary file in the same folder that becomes the new file only once complete.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::rewrite::fs::FileError;

/// What a file was when it was read: which file, how long, and when it was last modified or
/// changed. A rewrite compares it with the file just before renaming its output over it, so
/// that bytes written meanwhile by another process are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot {
    len: u64,
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

    fn from_metadata(meta: &fs::Metadata) -> Self {
        Snapshot {
            len: meta.len(),
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
/// input itself) its owner and group.
#[derive(Debug, Clone)]
pub(crate) struct Keep {
    permissions: fs::Permissions,
    #[cfg(unix)]
    owner: Option<(u32, u32)>,
}

impl Keep {
    pub(crate) fn from_metadata(meta: &fs::Metadata, owner: bool) -> Self {
        #[cfg(not(unix))]
        let _ = owner;
        Keep {
            permissions: meta.permissions(),
            #[cfg(unix)]
            owner: owner.then(|| {
                use std::os::unix::fs::MetadataExt;
                (meta.uid(), meta.gid())
            }),
        }
    }

    /// Applies the owner, group and mode to `file`. Fails when the owner or group cannot be
    /// kept (a user who may write a file they do not own cannot give a new file away): the
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

/// Creates a new, empty, private file next to `dest`.
fn create_temp(dir: &Path, dest: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = dest
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    loop {
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            ".{name}.{}.{unique}.dicom-sanitize.tmp",
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
