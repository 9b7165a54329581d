//! Memory the library hands to the caller, and the functions that take it back.

use std::ffi::{c_char, CString};
use std::ptr;

use crate::error::{guard_value, FfiError};
use crate::status::ds_status;

/// A byte buffer allocated by the library. Free it with ds_buffer_free().
#[repr(C)]
#[derive(Debug)]
pub struct ds_buffer {
    /// The bytes; NULL when the buffer is empty or freed.
    pub data: *mut u8,
    /// How many bytes `data` holds.
    pub len: usize,
}

impl ds_buffer {
    /// The empty buffer: nothing to free.
    pub(crate) const EMPTY: ds_buffer = ds_buffer {
        data: ptr::null_mut(),
        len: 0,
    };

    /// A new buffer holding `parts` one after the other. A failed allocation is an error, not
    /// an abort: a PACS must survive an input too large for its memory.
    pub(crate) fn concat(parts: &[&[u8]]) -> Result<ds_buffer, FfiError> {
        let len = parts
            .iter()
            .try_fold(0usize, |len, part| len.checked_add(part.len()))
            .ok_or_else(|| out_of_memory(usize::MAX))?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(len)
            .map_err(|_| out_of_memory(len))?;
        for part in parts {
            bytes.extend_from_slice(part);
        }
        if bytes.is_empty() {
            return Ok(Self::EMPTY);
        }
        let bytes = Box::into_raw(bytes.into_boxed_slice());
        Ok(ds_buffer {
            data: bytes.cast::<u8>(),
            len,
        })
    }
}

fn out_of_memory(len: usize) -> FfiError {
    FfiError::new(
        ds_status::DS_ERR_OUT_OF_MEMORY,
        format!("cannot allocate {len} bytes for the output"),
    )
}

/// Frees the bytes of a buffer the library filled, and sets it to empty (data NULL, len 0),
/// so freeing it twice is harmless. NULL, and an empty buffer, are accepted and do nothing.
///
/// # Safety
/// `buffer` is NULL or points to a ds_buffer last written by this library (ds_sanitize) and
/// not modified since.
#[no_mangle]
pub unsafe extern "C" fn ds_buffer_free(buffer: *mut ds_buffer) {
    guard_value((), || {
        if buffer.is_null() || !buffer.is_aligned() {
            return;
        }
        // SAFETY: non-NULL and aligned; the caller guarantees it is a ds_buffer this library
        // wrote, so reading its two plain fields is sound.
        let (data, len) = unsafe { ((*buffer).data, (*buffer).len) };
        if data.is_null() {
            return;
        }
        // SAFETY: `data` and `len` come from `Box::into_raw` of a `Box<[u8]>` of `len` bytes in
        // `ds_buffer::concat`, unmodified (caller contract), and the buffer is reset below so
        // the box is rebuilt only once.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, len)) });
        // SAFETY: as above, `buffer` is valid for writes.
        unsafe { buffer.write(ds_buffer::EMPTY) };
    })
}

/// A library-owned C string holding `text`, for the caller to free with ds_string_free().
pub(crate) fn c_string(text: String) -> Result<*mut c_char, FfiError> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|error| FfiError::internal(format!("a returned string holds a NUL: {error}")))
}

/// Frees a string the library returned (a JSON report, a UID, a conformance statement).
/// NULL is accepted and does nothing.
///
/// # Safety
/// `string` is NULL or a pointer this library returned as a `char *` out-parameter, not
/// freed before.
#[no_mangle]
pub unsafe extern "C" fn ds_string_free(string: *mut c_char) {
    guard_value((), || {
        if !string.is_null() {
            // SAFETY: the caller guarantees `string` came from `CString::into_raw` in
            // `c_string` and was not freed before.
            drop(unsafe { CString::from_raw(string) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_hold_their_parts_and_free_once() {
        let mut buffer = ds_buffer::concat(&[b"ab", b"", b"cd"]).unwrap();
        assert_eq!(buffer.len, 4);
        // SAFETY: `concat` returned 4 initialised bytes at `data`.
        let bytes = unsafe { std::slice::from_raw_parts(buffer.data, 4) };
        assert_eq!(bytes, b"abcd");
        // SAFETY: a buffer this library filled, then the same, now empty, buffer.
        unsafe {
            ds_buffer_free(&mut buffer);
            ds_buffer_free(&mut buffer);
            ds_buffer_free(ptr::null_mut());
        }
        assert!(buffer.data.is_null());
        assert_eq!(buffer.len, 0);
        assert!(ds_buffer::concat(&[]).unwrap().data.is_null());
    }

    #[test]
    fn strings_round_trip() {
        let string = c_string("report".to_owned()).unwrap();
        // SAFETY: a string `c_string` returned, freed once; NULL is accepted.
        unsafe {
            ds_string_free(string);
            ds_string_free(ptr::null_mut());
        }
        let err = c_string("a\0b".to_owned()).unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_PANIC);
    }
}
