//! Bytes from Python, borrowed whenever that is both possible and sound, else copied once.
//!
//! * ``bytes`` are borrowed as they are: they are immutable, so the decision cannot be made
//!   on bytes that change while Rust reads them with the GIL released.
//! * A ``memoryview`` of a whole ``bytes`` object (``memoryview(data)``, also cast) is the
//!   same immutable bytes: the ``bytes`` object is borrowed.
//! * Anything else is copied once into a new ``bytes`` object before the decision:
//!   - ``bytearray`` and writable views must be: while Rust works the GIL is released and
//!     another thread may write the buffer, so borrowing it would be a data race (and the
//!     decision could be made on bytes other than those the caller then stores);
//!   - a read-only view of part of a ``bytes`` object (``memoryview(data)[128:]``) could be
//!     borrowed, but only through the buffer protocol, which the stable ABI of Python 3.9
//!     (one wheel for every CPython >= 3.9) does not offer: a view says which object it
//!     views, not where in it it starts.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMemoryView};

/// An input's bytes: an immutable ``bytes`` object, the caller's own or a copy.
pub struct Input<'py>(Bound<'py, PyBytes>);

impl<'py> Input<'py> {
    pub fn from_py(object: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = object.cast::<PyBytes>() {
            return Ok(Input(bytes.clone()));
        }
        if let Ok(view) = object.cast::<PyMemoryView>() {
            if let Some(bytes) = whole_bytes(view)? {
                return Ok(Input(bytes));
            }
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

/// The ``bytes`` object a view shows all of, in order: the view's exporter when it is a
/// ``bytes`` object and the view is C-contiguous with as many bytes as the object (a
/// contiguous run of that length inside the object's buffer can only be the whole of it).
fn whole_bytes<'py>(view: &Bound<'py, PyMemoryView>) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let Ok(bytes) = view.getattr("obj")?.cast_into::<PyBytes>() else {
        return Ok(None);
    };
    let contiguous: bool = view.getattr("c_contiguous")?.extract()?;
    let nbytes: usize = view.getattr("nbytes")?.extract()?;
    Ok((contiguous && nbytes == bytes.as_bytes().len()).then_some(bytes))
}
