//! Bytes from Python: `bytes` borrowed as they are, any other buffer copied once.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// An input's bytes, from a `bytes` object borrowed as it is (zero-copy: bytes are immutable),
/// or from one copy of another buffer (`bytearray`, `memoryview`: the stable ABI of Python
/// 3.9 has no buffer protocol to borrow them, and a mutable buffer could change under the
/// decision).
pub struct Input<'py>(Bound<'py, PyBytes>);

impl<'py> Input<'py> {
    pub fn from_py(object: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = object.cast::<PyBytes>() {
            return Ok(Input(bytes.clone()));
        }
        let copied = object
            .py()
            .get_type::<PyBytes>()
            .call1((object,))?
            .cast_into::<PyBytes>()?;
        Ok(Input(copied))
    }

    pub fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
