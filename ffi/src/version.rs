//! The library's version.

use std::ffi::c_char;

use crate::error::guard_value;

/// The version of this library, e.g. "0.1.0". The string is static.
#[no_mangle]
pub extern "C" fn ds_version() -> *const c_char {
    guard_value(std::ptr::null(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}
