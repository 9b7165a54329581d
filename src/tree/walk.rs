//! Paths to the regular files under them, in a stable order, safely.
//!
//! DICOM files are recognised by content, so every regular file is a candidate. Symbolic
//! links are not followed unless asked (and then loops are detected); FIFOs, sockets and
//! devices are never opened, so they cannot block a walk; the temporary files the library
//! writes beside a file it replaces are never taken for inputs.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::{DirEntry, FilterEntry, IntoIter as WalkIter};

use crate::rewrite::replace::temporary_pid;

/// A predicate on paths that leaves some out of a walk.
type Exclude = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// How to walk files and folders: roots in the order given and, within each folder, entries
/// sorted by name, so that two walks of one tree list the same files in the same order.
///
/// The defaults are the safe ones: symbolic links are reported, not followed; nothing is
/// left out for its name or size; nothing is removed.
///
/// ```
/// use std::path::PathBuf;
///
/// use dicom_sanitize::tree::{Entry, Walker};
///
/// let files: Vec<PathBuf> = Walker::new()
///     .exclude(|path| path.extension().is_some_and(|ext| ext == "py"))
///     .entries(["examples/data"])
///     .filter_map(|entry| match entry {
///         Entry::File { path, .. } => Some(path),
///         _ => None,
///     })
///     .collect();
/// assert!(files.contains(&PathBuf::from("examples/data/pe_polyglot.dcm")));
/// assert!(files.is_sorted());
/// assert!(!files.iter().any(|path| path.ends_with("make.py")));
/// ```
#[derive(Clone, Default)]
pub struct Walker {
    follow_symlinks: bool,
    max_size: Option<u64>,
    exclude: Option<Exclude>,
    remove_stale: bool,
}

impl fmt::Debug for Walker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walker")
            .field("follow_symlinks", &self.follow_symlinks)
            .field("max_size", &self.max_size)
            .field("exclude", &self.exclude.is_some())
            .field("remove_stale", &self.remove_stale)
            .finish()
    }
}

/// One thing found while walking.
#[derive(Debug)]
#[non_exhaustive]
pub enum Entry {
    /// A regular file, with the root it was found under.
    File {
        /// The file.
        path: PathBuf,
        /// The root (as given) it was found under.
        root: PathBuf,
    },
    /// A file or folder that could not be read (listed, or examined).
    Error {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        error: io::Error,
    },
    /// A path left out, and why.
    Skipped {
        /// The path.
        path: PathBuf,
        /// Why it was left out.
        reason: Skip,
    },
}

impl Entry {
    /// The path this entry is about.
    ///
    /// ```
    /// use dicom_sanitize::tree::Walker;
    ///
    /// let first = Walker::new().entries(["examples/data"]).next().unwrap();
    /// assert!(first.path().starts_with("examples/data"));
    /// ```
    pub fn path(&self) -> &Path {
        match self {
            Entry::File { path, .. } | Entry::Error { path, .. } | Entry::Skipped { path, .. } => {
                path
            }
        }
    }
}

/// Why a walk left a path out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// A symbolic link that leads back to a folder being walked (when links are followed).
    LinkLoop,
    /// A symbolic link, not followed ([`Walker::follow_symlinks`]).
    Symlink,
    /// A FIFO, socket or device: never opened, so that it cannot block the walk.
    NotRegular,
    /// A temporary file the library writes while it replaces a file, of process `pid`: of a
    /// rewrite under way, or left behind by a run that was killed.
    Temporary {
        /// The process that made it.
        pid: u32,
    },
    /// Such a temporary file of a process that no longer runs, removed
    /// ([`Walker::removing_stale_temporaries`]).
    StaleTemporaryRemoved {
        /// The process that made it.
        pid: u32,
    },
    /// A file larger than [`Walker::max_size`].
    TooLarge {
        /// Its length in bytes.
        len: u64,
    },
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::LinkLoop => f.write_str("symbolic link loop"),
            Skip::Symlink => f.write_str("symbolic link (not followed)"),
            Skip::NotRegular => f.write_str("not a regular file"),
            Skip::Temporary { pid } => {
                write!(f, "a temporary file of dicom-sanitize (process {pid})")
            }
            Skip::StaleTemporaryRemoved { pid } => write!(
                f,
                "removed: a stale temporary file of an interrupted run (process {pid})"
            ),
            Skip::TooLarge { len } => write!(f, "larger than the maximum size ({len} bytes)"),
        }
    }
}

impl Walker {
    /// A walk with the safe defaults.
    pub fn new() -> Self {
        Walker::default()
    }

    /// Follows symbolic links (loops are detected and skipped as [`Skip::LinkLoop`]); by
    /// default a link is [`Skip::Symlink`].
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use dicom_sanitize::tree::{Entry, Skip, Walker};
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::os::unix::fs::symlink(std::fs::canonicalize("examples/data")?, dir.path().join("data"))?;
    /// let first = |walker: Walker| walker.entries([dir.path()]).next().unwrap();
    /// let not_followed = first(Walker::new());
    /// assert!(matches!(not_followed, Entry::Skipped { reason: Skip::Symlink, .. }));
    /// assert!(matches!(first(Walker::new().follow_symlinks(true)), Entry::File { .. }));
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn follow_symlinks(mut self, follow: bool) -> Self {
        self.follow_symlinks = follow;
        self
    }

    /// Leaves out files larger than `max` bytes ([`Skip::TooLarge`]); `None` (the default)
    /// for no limit, which spares a `stat` per file.
    ///
    /// ```
    /// use dicom_sanitize::tree::{Entry, Skip, Walker};
    ///
    /// let entry = Walker::new().max_size(Some(1000)).entries(["examples/data/pe_polyglot.dcm"]).next();
    /// assert!(matches!(entry, Some(Entry::Skipped { reason: Skip::TooLarge { .. }, .. })));
    /// ```
    pub fn max_size(mut self, max: Option<u64>) -> Self {
        self.max_size = max;
        self
    }

    /// Leaves out the files and folders (with what they hold) whose path makes `exclude`
    /// true. Roots are never left out.
    pub fn exclude(mut self, exclude: impl Fn(&Path) -> bool + Send + Sync + 'static) -> Self {
        self.exclude = Some(Arc::new(exclude));
        self
    }

    /// Removes the temporary files it meets of processes that no longer run (on Linux, known
    /// from `/proc`; elsewhere none is removed, as any may be in use), so that a rerun after
    /// a killed one leaves none behind: for callers that rewrite what they walk.
    ///
    /// ```
    /// use dicom_sanitize::tree::{Entry, Skip, Walker};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // Left by process 4194305, which cannot run (Linux's pids stop at 4194304).
    /// let stale = dir.path().join(".ct.dcm.4194305.0.dicom-sanitize.tmp");
    /// std::fs::write(&stale, b"half a file")?;
    /// let entry = Walker::new().removing_stale_temporaries().entries([dir.path()]).next();
    /// # #[cfg(target_os = "linux")] {
    /// let removed = Skip::StaleTemporaryRemoved { pid: 4194305 };
    /// assert!(matches!(entry, Some(Entry::Skipped { reason, .. }) if reason == removed));
    /// assert!(!stale.exists());
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn removing_stale_temporaries(mut self) -> Self {
        self.remove_stale = true;
        self
    }

    /// Every entry under `roots`, lazily: each folder is listed when the walk reaches it. A
    /// root that cannot be read is an [`Entry::Error`]; a root that is a file is listed as
    /// one.
    ///
    /// ```
    /// use dicom_sanitize::tree::{Entry, Walker};
    ///
    /// let mut entries = Walker::new().entries(["examples/data/clean.dcm", "no/such/dir"]);
    /// assert!(matches!(entries.next(), Some(Entry::File { .. })));
    /// let Some(Entry::Error { error, .. }) = entries.next() else { panic!() };
    /// assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    /// assert!(entries.next().is_none());
    /// ```
    pub fn entries<P: Into<PathBuf>>(&self, roots: impl IntoIterator<Item = P>) -> Entries {
        let roots: Vec<PathBuf> = roots.into_iter().map(Into::into).collect();
        Entries {
            walker: self.clone(),
            roots: roots.into_iter(),
            current: None,
        }
    }

    fn walk(&self, root: &Path) -> FilterEntry<WalkIter, Predicate> {
        let exclude = self.exclude.clone();
        let keep: Predicate = Box::new(move |entry: &DirEntry| {
            entry.depth() == 0
                || exclude
                    .as_ref()
                    .is_none_or(|exclude| !exclude(entry.path()))
        });
        walkdir::WalkDir::new(root)
            .follow_links(self.follow_symlinks)
            // Siblings share their parent's path, so comparing whole paths orders them by
            // name, without `sort_by_file_name`'s parse of both paths per comparison.
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_entry(keep)
    }

    fn entry(&self, root: &Path, entry: walkdir::Result<DirEntry>) -> Option<Entry> {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                if err.loop_ancestor().is_some() {
                    let reason = Skip::LinkLoop;
                    return Some(Entry::Skipped { path, reason });
                }
                let message = err.to_string();
                let error = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other(message));
                return Some(Entry::Error { path, error });
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            return None;
        }
        let path = entry.path().to_path_buf();
        let skipped = |reason| {
            Some(Entry::Skipped {
                path: path.clone(),
                reason,
            })
        };
        if file_type.is_symlink() {
            // Not followed (when following, walkdir reports the target's type).
            return skipped(Skip::Symlink);
        }
        if !file_type.is_file() {
            return skipped(Skip::NotRegular);
        }
        if let Some(pid) = entry.file_name().to_str().and_then(temporary_pid) {
            return Some(self.temporary(path, pid));
        }
        if let Some(max) = self.max_size {
            // Only when asked: a stat per file costs more than it seems on millions.
            let len = match entry.metadata() {
                Ok(metadata) => metadata.len(),
                Err(err) => {
                    let kind = err.io_error().map_or(io::ErrorKind::Other, io::Error::kind);
                    let error = io::Error::new(kind, err.to_string());
                    return Some(Entry::Error { path, error });
                }
            };
            if len > max {
                return skipped(Skip::TooLarge { len });
            }
        }
        Some(Entry::File {
            path,
            root: root.to_path_buf(),
        })
    }

    /// A temporary file of process `pid`: left alone, or removed when asked and stale.
    fn temporary(&self, path: PathBuf, pid: u32) -> Entry {
        if !self.remove_stale || process_runs(pid) {
            let reason = Skip::Temporary { pid };
            return Entry::Skipped { path, reason };
        }
        match std::fs::remove_file(&path) {
            Ok(()) => Entry::Skipped {
                path,
                reason: Skip::StaleTemporaryRemoved { pid },
            },
            Err(err) => Entry::Error {
                path,
                error: io::Error::new(
                    err.kind(),
                    format!("cannot remove this stale temporary file: {err}"),
                ),
            },
        }
    }
}

/// The filter of a walk.
type Predicate = Box<dyn FnMut(&DirEntry) -> bool + Send + Sync>;

/// The entries of a walk ([`Walker::entries`]): an iterator that owns what it needs, so it
/// can be sent to another thread or kept in an object.
pub struct Entries {
    walker: Walker,
    roots: std::vec::IntoIter<PathBuf>,
    current: Option<(PathBuf, FilterEntry<WalkIter, Predicate>)>,
}

impl fmt::Debug for Entries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("walker", &self.walker)
            .field("root", &self.current.as_ref().map(|(root, _)| root))
            .field("roots_left", &self.roots.as_slice())
            .finish()
    }
}

impl Iterator for Entries {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            if let Some((root, walk)) = &mut self.current {
                match walk.next() {
                    Some(entry) => match self.walker.entry(root, entry) {
                        Some(entry) => return Some(entry),
                        None => continue,
                    },
                    None => self.current = None,
                }
            }
            let root = self.roots.next()?;
            let walk = self.walker.walk(&root);
            self.current = Some((root, walk));
        }
    }
}

/// Whether process `pid` runs (on Linux, from `/proc`; elsewhere assumed, so that nothing is
/// removed that may be in use).
fn process_runs(pid: u32) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Opens a file without ever blocking: a FIFO swapped in after the walk is opened
/// non-blocking (and then refused by the library, which validates regular files only). On
/// Linux it asks not to update the file's access time (`O_NOATIME`), so that scanning an
/// archive does not write every inode it reads; only a file's owner may ask, and once the
/// kernel refuses, later files are opened without asking.
///
/// ```
/// let file = dicom_sanitize::tree::open_nonblocking("examples/data/clean.dcm".as_ref(), false)?;
/// assert!(file.metadata()?.is_file());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn open_nonblocking(path: &Path, write: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(write);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    #[cfg(target_os = "linux")]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        static REFUSED: AtomicBool = AtomicBool::new(false);
        if !REFUSED.load(Ordering::Relaxed) {
            let mut noatime = options.clone();
            std::os::unix::fs::OpenOptionsExt::custom_flags(
                &mut noatime,
                libc::O_NONBLOCK | libc::O_NOATIME,
            );
            match noatime.open(path) {
                Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
                    REFUSED.store(true, Ordering::Relaxed);
                }
                result => return result,
            }
        }
    }
    options.open(path)
}
