//! `scan_tree`'s iterator: the library's [`dicom_sanitize::tree::TreeScan`] as a Python
//! iterator of reports, each pulled with the GIL released.

use std::sync::Mutex;

use dicom_sanitize::tree::{Scanned, TreeScan as RustTreeScan};
use dicom_sanitize::Policy as RustPolicy;
use pyo3::prelude::*;

use crate::report::{Body, Report};

/// The reports of the files under some paths, in walk order: an iterator whose ``next``
/// waits for the Rust workers without holding the GIL.
#[pyclass(module = "dicom_sanitize")]
pub struct TreeScan {
    scan: Mutex<RustTreeScan>,
    /// For each report's action.
    policy: RustPolicy,
}

impl TreeScan {
    pub fn new(scan: RustTreeScan, policy: RustPolicy) -> Self {
        TreeScan {
            scan: Mutex::new(scan),
            policy,
        }
    }
}

#[pymethods]
impl TreeScan {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> Option<Report> {
        py.detach(|| {
            let mut scan = self.scan.lock().ok()?;
            // Skipped paths (links, special files, temporary files) have no record, as in
            // `dicom-sanitize scan --json`.
            scan.find_map(|scanned| match scanned {
                Scanned::Report { path, report, .. } => Some(Report {
                    path: Some(path),
                    body: Body::Read {
                        action: self.policy.action(&report),
                        report,
                    },
                }),
                Scanned::Error { path, error } => Some(Report {
                    path: Some(path),
                    body: Body::Error {
                        message: error.to_string(),
                    },
                }),
                _ => None,
            })
        })
    }
}
