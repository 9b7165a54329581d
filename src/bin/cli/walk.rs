//! Turning command-line paths into the regular files to process.

use std::path::{Path, PathBuf};

/// One thing found while walking the inputs.
pub enum Entry {
    /// A regular file to process.
    File(PathBuf),
    /// A path that could not be read.
    Error(PathBuf, String),
}

/// Every regular file under `roots`, in sorted order within each root. Symbolic links are not
/// followed below a root; FIFOs, sockets and devices are skipped without being opened.
pub fn files(roots: &[PathBuf]) -> impl Iterator<Item = Entry> + '_ {
    roots.iter().flat_map(|root| {
        walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_map(move |entry| match entry {
                Ok(entry) if entry.file_type().is_file() => Some(Entry::File(entry.into_path())),
                Ok(_) => None,
                Err(err) => {
                    let path = err.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    let message = err
                        .io_error()
                        .map_or_else(|| err.to_string(), ToString::to_string);
                    Some(Entry::Error(path, message))
                }
            })
    })
}
