//! `scan_tree`: the files under some paths, validated in parallel and yielded in walk order,
//! as `dicom-sanitize scan --json` writes them.
//!
//! TEMPORARY: the walk (roots in order, entries sorted by name, symbolic links and special
//! files skipped, the library's temporary files skipped) and the ordered parallel run repeat
//! the CLI's `walk.rs`/`run.rs` until they move into the library;
//! `tests/test_cli_parity.py` compares the records.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

use dicom_sanitize::{Policy as RustPolicy, Validator};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::report::{Body, Report};

/// Files handed to the workers at once (the CLI's batch).
const BATCH: usize = 512;

/// One thing found while walking.
enum Entry {
    File(PathBuf),
    Error { path: PathBuf, message: String },
}

fn entries(roots: Vec<PathBuf>) -> impl Iterator<Item = Entry> {
    roots.into_iter().flat_map(|root| {
        walkdir::WalkDir::new(&root)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_map(move |entry| match entry {
                Err(err) if err.loop_ancestor().is_some() => None,
                Err(err) => {
                    let path = err.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    let message = err
                        .io_error()
                        .map_or_else(|| err.to_string(), ToString::to_string);
                    Some(Entry::Error { path, message })
                }
                Ok(entry) => {
                    let kind = entry.file_type();
                    let temporary = entry
                        .file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with('.') && n.ends_with(".dicom-sanitize.tmp"));
                    (kind.is_file() && !temporary).then(|| Entry::File(entry.into_path()))
                }
            })
    })
}

fn scan_one(validator: &Validator, policy: &RustPolicy, entry: Entry) -> Report {
    match entry {
        Entry::File(path) => {
            let read = open_nonblocking(&path)
                .map_err(|e| e.to_string())
                .and_then(|file| validator.validate_file(&file).map_err(|e| e.to_string()));
            let body = match read {
                Ok(report) => Body::Read {
                    action: policy.action(&report),
                    report,
                },
                Err(message) => Body::Error { message },
            };
            Report {
                path: Some(path),
                body,
            }
        }
        Entry::Error { path, message } => Report {
            path: Some(path),
            body: Body::Error { message },
        },
    }
}

/// The reports of the files under some paths, in walk order: an iterator whose ``next``
/// waits for the Rust workers without holding the GIL.
#[pyclass(module = "dicom_sanitize")]
pub struct TreeScan {
    results: Mutex<Receiver<Report>>,
}

impl TreeScan {
    pub fn start(roots: Vec<PathBuf>, policy: RustPolicy, jobs: usize) -> PyResult<Self> {
        let (sender, results) = sync_channel(BATCH);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        std::thread::spawn(move || {
            let validator = policy.validator().search_threads(jobs);
            let mut entries = entries(roots).peekable();
            let mut batch = Vec::with_capacity(BATCH);
            while entries.peek().is_some() {
                batch.extend(entries.by_ref().take(BATCH));
                let reports: Vec<Report> = pool.install(|| {
                    batch
                        .par_drain(..)
                        .map(|entry| scan_one(&validator, &policy, entry))
                        .collect()
                });
                for report in reports {
                    if sender.send(report).is_err() {
                        return; // the iterator was dropped
                    }
                }
            }
        });
        Ok(TreeScan {
            results: Mutex::new(results),
        })
    }
}

#[pymethods]
impl TreeScan {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> Option<Report> {
        py.detach(|| self.results.lock().ok()?.recv().ok())
    }
}

/// Opens a file for reading without ever blocking (a FIFO swapped in after the walk is then
/// refused by the library, which validates regular files only), as the CLI does.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}
