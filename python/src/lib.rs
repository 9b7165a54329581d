//! The Rust core of the `dicom_sanitize` Python package (`dicom_sanitize._native`): a thin
//! layer over the `dicom-sanitize` library, which makes every decision.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use dicom_sanitize::{Policy as RustPolicy, Report as RustReport, Validator};
use pyo3::prelude::*;

mod errors;
mod input;
mod policy;
mod report;
mod tree;

use policy::Policy;
use report::{Body, Report};

/// The validator of `policy` (the default one when None), deep when asked or when the policy
/// is.
fn validator(policy: Option<&Policy>, deep: bool) -> (RustPolicy, Validator) {
    let policy = policy.map_or_else(RustPolicy::default, |p| p.inner.clone());
    let validator = policy.validator().deep_scan(deep || policy.deep_scan());
    (policy, validator)
}

fn report(path: Option<PathBuf>, policy: &RustPolicy, report: RustReport) -> Report {
    Report {
        path,
        body: Body::Read {
            action: policy.action(&report),
            report,
        },
    }
}

/// Validates a file (a path: ``str`` or ``os.PathLike``) or an input in memory (``bytes``,
/// ``bytearray``, ``memoryview``) and returns its ``Report``, with the action of ``policy``
/// (the default policy when None). ``deep=True`` also searches Pixel Data. A file is read in
/// bounded pieces, never whole; the GIL is released while Rust works.
#[pyfunction]
#[pyo3(signature = (path_or_bytes, *, deep = false, policy = None))]
fn scan(
    py: Python<'_>,
    path_or_bytes: &Bound<'_, PyAny>,
    deep: bool,
    policy: Option<&Policy>,
) -> PyResult<Report> {
    if let Ok(path) = path_or_bytes.extract::<PathBuf>() {
        let (policy, validator) = validator(policy, deep);
        let result = py.detach(|| {
            let file = dicom_sanitize::tree::open_nonblocking(&path, false).map_err(|e| {
                let message = format!("{}: {e}", path.display());
                errors::other("io", message, Some(&path))
            })?;
            validator
                .validate_file(&file)
                .map_err(|e| errors::to_py(&e, Some(&path)))
        });
        return result.map(|found| report(Some(path.clone()), &policy, found));
    }
    validate(py, path_or_bytes, deep, policy)
}

/// Validates an input in memory and returns its ``Report``. ``bytes``, and a ``memoryview``
/// of a whole ``bytes`` object, are borrowed, not copied; ``bytearray``, writable views and
/// views of part of an object are copied once (see ``input.rs`` for why). Never raises for malformed
/// input: what is wrong with it is in the report's findings.
#[pyfunction]
#[pyo3(signature = (data, *, deep = false, policy = None))]
fn validate(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    deep: bool,
    policy: Option<&Policy>,
) -> PyResult<Report> {
    let input = input::Input::from_py(data)?;
    let bytes = input.bytes();
    let (policy, validator) = validator(policy, deep);
    let found = py.detach(|| validator.validate(bytes));
    Ok(report(None, &policy, found))
}

/// The reports of every regular file under ``paths`` (files and folders), in the order of
/// ``dicom-sanitize scan --json`` (roots in order, each folder's entries by name), validated
/// by ``jobs`` threads (default: all cores) while the GIL is released. A file that cannot be
/// read yields a report of status "error".
#[pyfunction]
#[pyo3(signature = (paths, *, jobs = None, deep = false, policy = None))]
fn scan_tree(
    paths: &Bound<'_, PyAny>,
    jobs: Option<usize>,
    deep: bool,
    policy: Option<&Policy>,
) -> PyResult<tree::TreeScan> {
    let roots: Vec<PathBuf> = match paths.extract::<PathBuf>() {
        Ok(path) if !paths.is_instance_of::<pyo3::types::PyBytes>() => vec![path],
        _ => paths
            .try_iter()?
            .map(|p| p?.extract::<PathBuf>())
            .collect::<PyResult<_>>()?,
    };
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let mut config = dicom_sanitize::policy_file::PolicyConfig::from(
        &policy.map_or_else(RustPolicy::default, |p| p.inner.clone()),
    );
    config.deep |= deep;
    let policy = RustPolicy::try_from(config).map_err(|e| errors::to_py(&e, None))?;
    let entries = dicom_sanitize::tree::Walker::new().entries(roots);
    let validator = policy.validator().search_threads(jobs);
    let scan = dicom_sanitize::tree::TreeScan::new(entries, validator, jobs)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    Ok(tree::TreeScan::new(scan, policy))
}

/// The library's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(scan_tree, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_class::<Policy>()?;
    m.add_class::<Report>()?;
    m.add_class::<report::Finding>()?;
    m.add_class::<report::Preamble>()?;
    m.add_class::<report::Outcome>()?;
    m.add_class::<tree::TreeScan>()?;
    m.add(
        "DicomSanitizeError",
        py.get_type::<errors::DicomSanitizeError>(),
    )?;
    m.add("Rejected", py.get_type::<errors::Rejected>())?;
    m.add("REPORT_SCHEMA", dicom_sanitize::REPORT_SCHEMA)?;
    Ok(())
}
