//! The library's errors as Python exceptions: `DicomSanitizeError` with `.code`, `.offset` and
//! `.path`, and its subclass `Rejected` for inputs a policy refuses (or that are not DICOM).

use std::path::Path;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    dicom_sanitize,
    DicomSanitizeError,
    PyException,
    "An input could not be read, sanitized or written: `code` is the library's stable error \
     code, `offset` the byte offset it concerns (or None), `path` the file (or None)."
);
create_exception!(
    dicom_sanitize,
    Rejected,
    DicomSanitizeError,
    "The policy refused the input (code \"rejected\"), or it is not DICOM (code \"not-dicom\")."
);

/// The exception for `error`, about `path` when there is one.
pub fn to_py(error: &dicom_sanitize::Error, path: Option<&Path>) -> PyErr {
    let message = match path {
        Some(path) => format!("{}: {error}", path.display()),
        None => error.to_string(),
    };
    let err = if error.is_refusal() {
        Rejected::new_err(message)
    } else {
        DicomSanitizeError::new_err(message)
    };
    Python::attach(|py| {
        let value = err.value(py);
        // Attributes of a fresh exception instance: setting them cannot fail.
        let _ = value.setattr("code", error.code());
        let _ = value.setattr("offset", error.offset());
        let _ = value.setattr("path", path.map(Path::to_path_buf));
    });
    err
}

/// A `FileError` as an exception.
pub fn file_error(error: &dicom_sanitize::FileError) -> PyErr {
    to_py(&error.error, Some(&error.path))
}

/// An error of ours that is not the library's (a policy file that cannot be parsed), with
/// its code.
pub fn other(code: &str, message: String, path: Option<&Path>) -> PyErr {
    let err = DicomSanitizeError::new_err(message);
    Python::attach(|py| {
        let value = err.value(py);
        let _ = value.setattr("code", code);
        let _ = value.setattr("offset", None::<u64>);
        let _ = value.setattr("path", path.map(Path::to_path_buf));
    });
    err
}
