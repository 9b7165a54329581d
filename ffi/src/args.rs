//! Checked views of the caller's pointer arguments.
//!
//! Every raw pointer an entry point receives goes through one of these functions before use.
//! They check what can be checked (NULL, alignment, length bounds, UTF-8); the rest is the
//! caller's side of the contract that each function documents.

use std::ffi::{c_char, CStr};
use std::mem::MaybeUninit;
use std::slice;

use crate::error::FfiError;
use crate::status::ds_status;

/// Borrows an input buffer of `len` bytes at `data`; NULL is accepted only with `len` 0.
///
/// # Safety
/// Unless `data` is NULL, it must point to `len` bytes that are readable, and not written by
/// anyone, for as long as the returned slice lives.
pub(crate) unsafe fn input<'a>(
    data: *const u8,
    len: usize,
    argument: &str,
) -> Result<&'a [u8], FfiError> {
    if data.is_null() {
        return match len {
            0 => Ok(&[]),
            _ => Err(FfiError::null(argument)),
        };
    }
    if isize::try_from(len).is_err() {
        return Err(FfiError::new(
            ds_status::DS_ERR_INVALID_ARGUMENT,
            format!("length of {argument} exceeds PTRDIFF_MAX"),
        ));
    }
    // SAFETY: `data` is non-NULL and `len` fits in `isize`; the caller guarantees that the
    // `len` bytes at `data` are readable and unchanged while the slice lives.
    Ok(unsafe { slice::from_raw_parts(data, len) })
}

/// Borrows a NUL-terminated UTF-8 string.
///
/// # Safety
/// Unless `text` is NULL, it must point to a NUL-terminated string that is readable, and not
/// written by anyone, for as long as the returned string lives.
pub(crate) unsafe fn text<'a>(text: *const c_char, argument: &str) -> Result<&'a str, FfiError> {
    if text.is_null() {
        return Err(FfiError::null(argument));
    }
    // SAFETY: `text` is non-NULL; the caller guarantees a readable, NUL-terminated string
    // that stays unchanged while the borrow lives.
    let text = unsafe { CStr::from_ptr(text) };
    text.to_str().map_err(|error| {
        FfiError::new(
            ds_status::DS_ERR_INVALID_UTF8,
            format!("{argument} is not UTF-8: {error}"),
        )
    })
}

/// Borrows a caller-provided object read by the library (an options struct).
///
/// # Safety
/// Unless `value` is NULL, it must point to an initialised `T` that is readable, and not
/// written by anyone, for as long as the returned reference lives.
pub(crate) unsafe fn borrow<'a, T>(value: *const T, argument: &str) -> Result<&'a T, FfiError> {
    if value.is_null() {
        return Err(FfiError::null(argument));
    }
    if !value.is_aligned() {
        return Err(misaligned(argument));
    }
    // SAFETY: non-NULL and aligned; the caller guarantees an initialised, unaliased-for-writes
    // `T` while the reference lives.
    Ok(unsafe { &*value })
}

/// Borrows an out-parameter: a place the library writes a `T` to, whatever it held before.
///
/// # Safety
/// Unless `place` is NULL, it must point to memory valid for writing a `T`, used by no one
/// else for as long as the returned reference lives.
pub(crate) unsafe fn out<'a, T>(
    place: *mut T,
    argument: &str,
) -> Result<&'a mut MaybeUninit<T>, FfiError> {
    if place.is_null() {
        return Err(FfiError::null(argument));
    }
    if !place.is_aligned() {
        return Err(misaligned(argument));
    }
    // SAFETY: non-NULL and aligned; the caller guarantees the memory is writable and
    // exclusively ours while the reference lives. `MaybeUninit` makes no claim about what the
    // memory holds, so uninitialised memory is fine.
    Ok(unsafe { &mut *place.cast::<MaybeUninit<T>>() })
}

/// Like [`out`], for an optional out-parameter: NULL means the caller does not want it.
///
/// # Safety
/// As [`out`].
pub(crate) unsafe fn optional_out<'a, T>(
    place: *mut T,
    argument: &str,
) -> Result<Option<&'a mut MaybeUninit<T>>, FfiError> {
    if place.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { out(place, argument) }.map(Some)
}

fn misaligned(argument: &str) -> FfiError {
    FfiError::new(
        ds_status::DS_ERR_INVALID_ARGUMENT,
        format!("{argument} is not aligned for its type"),
    )
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;

    #[test]
    fn inputs() {
        // SAFETY: NULL with length 0 is never dereferenced.
        assert_eq!(unsafe { input(ptr::null(), 0, "data") }, Ok(&[][..]));
        // SAFETY: NULL is rejected before any dereference.
        let err = unsafe { input(ptr::null(), 1, "data") }.unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_NULL_ARGUMENT);
        let bytes = [1u8, 2, 3];
        // SAFETY: an oversized length is rejected before any dereference.
        let err = unsafe { input(bytes.as_ptr(), usize::MAX, "data") }.unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_INVALID_ARGUMENT);
        // SAFETY: `bytes` is a live array of 3 bytes.
        assert_eq!(unsafe { input(bytes.as_ptr(), 3, "data") }, Ok(&bytes[..]));
    }

    #[test]
    fn texts() {
        // SAFETY: a static NUL-terminated string.
        assert_eq!(unsafe { text(c"tiff".as_ptr(), "json") }, Ok("tiff"));
        // SAFETY: a static NUL-terminated string.
        let err = unsafe { text(c"\xff".as_ptr(), "json") }.unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_INVALID_UTF8);
        // SAFETY: NULL is rejected before any dereference.
        let err = unsafe { text(ptr::null(), "json") }.unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_NULL_ARGUMENT);
    }

    #[test]
    fn out_parameters() {
        let mut words = [0u64; 2];
        let misaligned = words
            .as_mut_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<u64>();
        // SAFETY: a misaligned pointer is rejected before any write.
        let err = unsafe { out(misaligned, "out") }.unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_INVALID_ARGUMENT);
        // SAFETY: NULL means "not wanted" for optional out-parameters.
        assert!(unsafe { optional_out::<u64>(ptr::null_mut(), "out") }
            .unwrap()
            .is_none());
        // SAFETY: `words[0]` is a live, aligned u64.
        unsafe { out(&mut words[0], "out") }.unwrap().write(7);
        assert_eq!(words[0], 7);
    }
}
