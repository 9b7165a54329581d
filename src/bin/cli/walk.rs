//! Turning command-line paths into the regular files to process, safely.
//!
//! DICOM files are recognised later by content, so every regular file is a candidate. Symbolic
//! links are not followed unless asked (and then loops are detected); FIFOs, sockets and
//! devices are never opened, so they cannot block the walk.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// How to walk the inputs.
#[derive(Debug, Clone, clap::Args)]
pub struct WalkArgs {
    /// Follow symbolic links (loops are detected and skipped).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files and folders whose name or path matches GLOB (repeatable), e.g. '*.jpg'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes K, M, G: powers of 1024).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_size: Option<u64>,
}

/// One thing found while walking the inputs.
pub enum Entry {
    /// A regular file to process, with the root it was found under.
    File { path: PathBuf, root: PathBuf },
    /// A path that could not be read.
    Error { path: PathBuf, message: String },
    /// A path left out, and why (a link loop, a special file, too large).
    Skipped { path: PathBuf, reason: String },
}

/// A walk over the inputs in a deterministic order: roots in the order given, and within each
/// folder, entries sorted by name.
pub struct Walker {
    args: WalkArgs,
    exclude: GlobSet,
    /// Whether stale temporary files of interrupted runs are removed when met (`fix`).
    remove_stale: bool,
}

impl Walker {
    pub fn new(args: &WalkArgs) -> Result<Self, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &args.exclude {
            builder.add(Glob::new(pattern).map_err(|e| format!("--exclude {pattern}: {e}"))?);
        }
        let exclude = builder.build().map_err(|e| e.to_string())?;
        Ok(Walker {
            args: args.clone(),
            exclude,
            remove_stale: false,
        })
    }

    /// The same walk, removing the stale temporary files it meets (see [`temporary_pid`]).
    pub fn removing_stale_temporaries(mut self) -> Self {
        self.remove_stale = true;
        self
    }

    fn excluded(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        self.exclude.is_match(path)
            || path
                .file_name()
                .is_some_and(|name| self.exclude.is_match(name))
    }

    /// Every entry under `roots`.
    pub fn entries<'a>(&'a self, roots: &'a [PathBuf]) -> impl Iterator<Item = Entry> + 'a {
        roots.iter().flat_map(move |root| {
            walkdir::WalkDir::new(root)
                .follow_links(self.args.follow_symlinks)
                // Siblings share their parent's path, so comparing whole paths orders them by
                // name, without `sort_by_file_name`'s parse of both paths per comparison.
                .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
                .into_iter()
                .filter_entry(move |entry| entry.depth() == 0 || !self.excluded(entry.path()))
                .filter_map(move |entry| self.entry(root, entry))
        })
    }

    fn entry(&self, root: &Path, entry: walkdir::Result<walkdir::DirEntry>) -> Option<Entry> {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                if err.loop_ancestor().is_some() {
                    return Some(Entry::Skipped {
                        path,
                        reason: "symbolic link loop".to_owned(),
                    });
                }
                let message = err
                    .io_error()
                    .map_or_else(|| err.to_string(), ToString::to_string);
                return Some(Entry::Error { path, message });
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            return None;
        }
        let path = entry.path().to_path_buf();
        if file_type.is_symlink() {
            // Not followed (with --follow-symlinks, walkdir reports the target's type).
            return Some(Entry::Skipped {
                path,
                reason: "symbolic link (use --follow-symlinks)".to_owned(),
            });
        }
        if !file_type.is_file() {
            return Some(Entry::Skipped {
                path,
                reason: "not a regular file".to_owned(),
            });
        }
        if let Some(pid) = entry.file_name().to_str().and_then(temporary_pid) {
            return Some(self.temporary(path, pid));
        }
        if let Some(max) = self.args.max_size {
            // Only with --max-size: a stat per file costs more than it seems on millions.
            let len = match entry.metadata() {
                Ok(metadata) => metadata.len(),
                Err(err) => {
                    return Some(Entry::Error {
                        path,
                        message: err.to_string(),
                    })
                }
            };
            if len > max {
                return Some(Entry::Skipped {
                    path,
                    reason: format!("larger than --max-size ({len} bytes)"),
                });
            }
        }
        Some(Entry::File {
            path,
            root: root.to_path_buf(),
        })
    }
}

impl Walker {
    /// A temporary file of a dicom-sanitize process `pid` (never processed as an input):
    /// left alone while that process runs, and removed by `fix` once it is gone (a run that
    /// was killed leaves it behind).
    fn temporary(&self, path: PathBuf, pid: u32) -> Entry {
        if !self.remove_stale || process_runs(pid) {
            return Entry::Skipped {
                path,
                reason: format!("a temporary file of dicom-sanitize (process {pid})"),
            };
        }
        match std::fs::remove_file(&path) {
            Ok(()) => Entry::Skipped {
                path,
                reason: format!(
                    "removed: a stale temporary file of an interrupted run (process {pid})"
                ),
            },
            Err(err) => Entry::Error {
                path,
                message: format!("cannot remove this stale temporary file: {err}"),
            },
        }
    }
}

/// The process id in the name of a temporary file the library writes beside a file it
/// replaces or creates: `.{name}.{pid}.{counter}.dicom-sanitize.tmp`.
pub fn temporary_pid(name: &str) -> Option<u32> {
    let rest = name
        .strip_prefix('.')?
        .strip_suffix(".dicom-sanitize.tmp")?;
    let mut parts = rest.rsplitn(3, '.');
    let counter = parts.next()?;
    let pid = parts.next()?;
    parts.next().filter(|name| !name.is_empty())?;
    counter.parse::<u64>().ok()?;
    pid.parse().ok()
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

/// Opens a file for reading (and writing), refusing anything but a regular file, never
/// blocking.
pub fn open_regular(path: &Path, write: bool) -> io::Result<File> {
    let file = open_nonblocking(path, write)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Parses `1048576`, `512K`, `100M`, `2G`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'K' | 'k')) => (&text[..at], 10),
        Some((at, 'M' | 'm')) => (&text[..at], 20),
        Some((at, 'G' | 'g')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let value: u64 = digits.parse().map_err(|_| format!("not a size: {text}"))?;
    value
        .checked_shl(shift)
        .filter(|v| v >> shift == value)
        .ok_or_else(|| format!("too large: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_known_by_name() {
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

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("100m"), Ok(100 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }
}
