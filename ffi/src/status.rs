//! Status codes: what every fallible function returns.

use std::ffi::{c_char, c_int, CStr};

use dicom_sanitize::Error;

use crate::error::guard_value;
use crate::names::Named;

/// What a call did: `DS_OK`, or why it failed.
///
/// Codes 1 to 14 mirror the library's errors; ds_status_name() returns the library's stable
/// name for each (`dicom_sanitize::Error::code()`). Codes from 100 are the C ABI's own. After
/// a failure, ds_last_error_message() gives the details (offsets, tags, reasons).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_status {
    /// Success ("ok").
    DS_OK = 0,
    /// Reading the input failed ("io").
    DS_ERR_IO = 1,
    /// The input ends inside a structure ("truncated").
    DS_ERR_TRUNCATED = 2,
    /// An element header holds a value representation that does not exist ("invalid-vr").
    DS_ERR_INVALID_VR = 3,
    /// A File Meta element has undefined length ("undefined-length").
    DS_ERR_UNDEFINED_LENGTH = 4,
    /// An element's length runs past the end of the input ("length-past-end").
    DS_ERR_LENGTH_PAST_END = 5,
    /// A reading limit was reached ("limit-exceeded").
    DS_ERR_LIMIT_EXCEEDED = 6,
    /// `DICM` at offset 128 but no File Meta group after it ("missing-meta").
    DS_ERR_MISSING_META = 7,
    /// An item or delimiter where the structure does not allow one ("unexpected-tag").
    DS_ERR_UNEXPECTED_TAG = 8,
    /// A deflated data set cannot be inflated ("inflate").
    DS_ERR_INFLATE = 9,
    /// The input is not DICOM in any layout ("not-dicom").
    DS_ERR_NOT_DICOM = 10,
    /// The policy refuses the input ("rejected"); the message says why.
    DS_ERR_REJECTED = 11,
    /// Policy settings that are invalid or contradict each other, or a policy JSON that does
    /// not parse ("invalid-policy").
    DS_ERR_INVALID_POLICY = 12,
    /// The operation cannot be done in place ("not-in-place").
    DS_ERR_NOT_IN_PLACE = 13,
    /// The operation cannot be done on a stream ("not-streamable").
    DS_ERR_NOT_STREAMABLE = 14,
    /// A file changed while it was being sanitized, and was left as it is ("changed").
    DS_ERR_CHANGED = 15,
    /// A library error newer than this header ("other"); the message describes it.
    DS_ERR_OTHER = 99,
    /// A required pointer argument is NULL ("null-argument").
    DS_ERR_NULL_ARGUMENT = 100,
    /// A string argument is not UTF-8 ("invalid-utf8").
    DS_ERR_INVALID_UTF8 = 101,
    /// An argument is out of range: a length above PTRDIFF_MAX, a misaligned pointer
    /// ("invalid-argument").
    DS_ERR_INVALID_ARGUMENT = 102,
    /// The output could not be allocated ("out-of-memory").
    DS_ERR_OUT_OF_MEMORY = 103,
    /// A bug in the library, caught before it could cross the boundary ("panic").
    DS_ERR_PANIC = 104,
}

impl Named for ds_status {
    const ALL: &'static [Self] = &[
        Self::DS_OK,
        Self::DS_ERR_IO,
        Self::DS_ERR_TRUNCATED,
        Self::DS_ERR_INVALID_VR,
        Self::DS_ERR_UNDEFINED_LENGTH,
        Self::DS_ERR_LENGTH_PAST_END,
        Self::DS_ERR_LIMIT_EXCEEDED,
        Self::DS_ERR_MISSING_META,
        Self::DS_ERR_UNEXPECTED_TAG,
        Self::DS_ERR_INFLATE,
        Self::DS_ERR_NOT_DICOM,
        Self::DS_ERR_REJECTED,
        Self::DS_ERR_INVALID_POLICY,
        Self::DS_ERR_NOT_IN_PLACE,
        Self::DS_ERR_NOT_STREAMABLE,
        Self::DS_ERR_CHANGED,
        Self::DS_ERR_OTHER,
        Self::DS_ERR_NULL_ARGUMENT,
        Self::DS_ERR_INVALID_UTF8,
        Self::DS_ERR_INVALID_ARGUMENT,
        Self::DS_ERR_OUT_OF_MEMORY,
        Self::DS_ERR_PANIC,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_OK => c"ok",
            Self::DS_ERR_IO => c"io",
            Self::DS_ERR_TRUNCATED => c"truncated",
            Self::DS_ERR_INVALID_VR => c"invalid-vr",
            Self::DS_ERR_UNDEFINED_LENGTH => c"undefined-length",
            Self::DS_ERR_LENGTH_PAST_END => c"length-past-end",
            Self::DS_ERR_LIMIT_EXCEEDED => c"limit-exceeded",
            Self::DS_ERR_MISSING_META => c"missing-meta",
            Self::DS_ERR_UNEXPECTED_TAG => c"unexpected-tag",
            Self::DS_ERR_INFLATE => c"inflate",
            Self::DS_ERR_NOT_DICOM => c"not-dicom",
            Self::DS_ERR_REJECTED => c"rejected",
            Self::DS_ERR_INVALID_POLICY => c"invalid-policy",
            Self::DS_ERR_NOT_IN_PLACE => c"not-in-place",
            Self::DS_ERR_NOT_STREAMABLE => c"not-streamable",
            Self::DS_ERR_CHANGED => c"changed",
            Self::DS_ERR_OTHER => c"other",
            Self::DS_ERR_NULL_ARGUMENT => c"null-argument",
            Self::DS_ERR_INVALID_UTF8 => c"invalid-utf8",
            Self::DS_ERR_INVALID_ARGUMENT => c"invalid-argument",
            Self::DS_ERR_OUT_OF_MEMORY => c"out-of-memory",
            Self::DS_ERR_PANIC => c"panic",
        }
    }
}

impl ds_status {
    /// The code for a library error, found by its stable name.
    pub(crate) fn of(error: &Error) -> Self {
        Self::from_name(error.code()).unwrap_or(Self::DS_ERR_OTHER)
    }
}

/// The stable name of a status code: "ok", the library's error code ("rejected",
/// "not-dicom", ...), or the C ABI's own ("null-argument", "panic", ...); "unknown" for a
/// number that is no ds_status. The string is static.
#[no_mangle]
pub extern "C" fn ds_status_name(status: c_int) -> *const c_char {
    guard_value(c"unknown".as_ptr(), || {
        ds_status::ALL
            .iter()
            .find(|known| **known as c_int == status)
            .map_or(c"unknown", |known| known.name())
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::names::tests::{assert_mirrors, assert_names_round_trip};

    #[test]
    fn names_round_trip() {
        assert_names_round_trip::<ds_status>();
    }

    #[test]
    fn codes_mirror_the_library() {
        // OK, OTHER and the codes from 100 are the C ABI's own.
        let own = ds_status::ALL
            .iter()
            .copied()
            .filter(|status| {
                *status == ds_status::DS_OK
                    || *status == ds_status::DS_ERR_OTHER
                    || *status as i32 >= 100
            })
            .collect::<Vec<_>>();
        assert_eq!(own.len(), 7);
        assert_mirrors::<ds_status>(&Error::CODES, &own);
    }

    #[test]
    fn every_library_error_has_its_own_code() {
        // Error::CODES lists one code per variant (the library's own test checks it), and
        // ds_status::of finds a status by the error's code.
        for &code in &Error::CODES {
            let status = ds_status::from_name(code);
            assert!(
                status.is_some_and(|s| s != ds_status::DS_ERR_OTHER),
                "{code}"
            );
        }
    }

    #[test]
    fn status_names_for_numbers() {
        // SAFETY: ds_status_name returns static NUL-terminated strings.
        let name = |code| unsafe { CStr::from_ptr(ds_status_name(code)) };
        assert_eq!(name(0), c"ok");
        assert_eq!(name(11), c"rejected");
        assert_eq!(name(104), c"panic");
        assert_eq!(name(-1), c"unknown");
        assert_eq!(name(15), c"changed");
        assert_eq!(name(16), c"unknown");
    }
}
