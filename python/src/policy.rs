//! `Policy`: the library's policy, built from the keys of a policy file.

use std::path::{Path, PathBuf};

use dicom_sanitize::policy_file::PolicyConfig;
use dicom_sanitize::Policy as RustPolicy;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::errors;
use crate::input::Input;
use crate::report::Outcome;

/// What to do with the preamble, trailing data and findings of each input: the keys of a
/// policy file (`dicom-sanitize policy` prints one) as keyword arguments.
///
/// ``Policy()`` is the default: keep a functional TIFF header, zero every other non-zero
/// preamble, keep trailing data, reject nothing for its findings. Keys: ``preamble`` ("zero",
/// "strip", "tiff", "reject"), ``otherwise`` (with "tiff": "zero", "strip", "reject"),
/// ``allow_dangling_tiff``, ``trailing`` ("keep", "truncate", "reject"), ``reject_at`` (a
/// severity or None), ``deep``, ``limits`` (a dict of limit names), ``dangerous`` (a dict).
/// Unknown keys and contradictory settings raise ``DicomSanitizeError`` (code
/// "invalid-policy"). One policy serves any number of inputs, from any number of threads.
#[pyclass(frozen, module = "dicom_sanitize", eq)]
#[derive(Clone, PartialEq)]
pub struct Policy {
    pub inner: RustPolicy,
}

/// A policy from its flat form, errors as `invalid-policy`.
fn from_config(config: PolicyConfig, path: Option<&Path>) -> PyResult<Policy> {
    RustPolicy::try_from(config)
        .map(|inner| Policy { inner })
        .map_err(|e| errors::to_py(&e, path))
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (**settings))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let Some(settings) = settings else {
            return Ok(Policy {
                inner: RustPolicy::default(),
            });
        };
        let text: String = py
            .import("json")?
            .call_method1("dumps", (settings,))?
            .extract()?;
        Self::from_json(&text)
    }

    /// The policy of a policy file: JSON for a ``.json`` name, TOML otherwise (as
    /// ``dicom-sanitize --policy-file``).
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        RustPolicy::from_file(&path)
            .map(|inner| Policy { inner })
            .map_err(|e| errors::other(e.code(), e.to_string(), Some(e.path())))
    }

    /// Sanitizes ``data`` (bytes, bytearray or memoryview; bytes and a memoryview of a whole
    /// bytes object are not copied before the decision, other buffers are copied once):
    /// returns the sanitized bytes and the ``Outcome``. Raises ``Rejected`` when the
    /// policy refuses the input or it is not DICOM.
    fn sanitize<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let input = Input::from_py(data)?;
        let bytes = input.bytes();
        let sanitized = py
            .detach(|| self.inner.sanitize(bytes))
            .map_err(|e| errors::to_py(&e, None))?;
        let [head, body] = sanitized.slices();
        let out = PyBytes::new_with(py, head.len() + body.len(), |buf| {
            let (first, rest) = buf.split_at_mut(head.len());
            first.copy_from_slice(head);
            rest.copy_from_slice(body);
            Ok(())
        })?;
        let outcome = Outcome::from(sanitized.outcome());
        (out, outcome).into_pyobject(py)
    }

    /// Sanitizes a file in place, by atomic replacement (a temporary file beside it, renamed
    /// over it); an unchanged file is not written.
    fn sanitize_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<Outcome> {
        py.detach(|| self.inner.sanitize_file(&path))
            .map(|outcome| Outcome::from(&outcome))
            .map_err(|e| errors::file_error(&e))
    }

    /// Writes the sanitized ``src`` to ``dst`` (created or replaced atomically).
    fn sanitize_file_to(&self, py: Python<'_>, src: PathBuf, dst: PathBuf) -> PyResult<Outcome> {
        py.detach(|| self.inner.sanitize_file_to(&src, &dst))
            .map(|outcome| Outcome::from(&outcome))
            .map_err(|e| errors::file_error(&e))
    }

    /// The policy of a policy file's JSON text (used by pickling).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let config: PolicyConfig = serde_json::from_str(text)
            .map_err(|e| errors::other("invalid-policy", format!("invalid policy: {e}"), None))?;
        from_config(config, None)
    }

    /// The policy file's JSON text of this policy.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&PolicyConfig::from(&self.inner))
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// Pickling: the policy from its JSON text.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let rebuild = slf.get_type().getattr("from_json")?;
        Ok((rebuild, (slf.get().to_json()?,)))
    }

    /// The DICOM Conformance Statement text describing this policy.
    fn conformance_statement(&self) -> String {
        self.inner.conformance_statement()
    }

    /// The policy's settings, as a policy file holds them.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json()?,))
    }

    fn __repr__(&self) -> String {
        let config = PolicyConfig::from(&self.inner);
        format!(
            "Policy(preamble={:?}, trailing={:?}, reject_at={}, deep={})",
            config.preamble.as_str(),
            serde_json::to_value(config.trailing)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            config
                .reject_at
                .map_or_else(|| "None".to_owned(), |s| format!("{:?}", s.as_str())),
            if config.deep { "True" } else { "False" }
        )
    }
}
