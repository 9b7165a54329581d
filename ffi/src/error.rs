//! Failures: the status and message of the last failed call on each thread, and the guards
//! that keep panics from crossing the boundary.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use crate::status::ds_status;

/// Why a call failed: its status code and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    status: ds_status,
    message: String,
}

impl FfiError {
    pub(crate) fn new(status: ds_status, message: impl Into<String>) -> Self {
        FfiError {
            status,
            message: message.into(),
        }
    }

    /// A required pointer argument is NULL.
    pub(crate) fn null(argument: &str) -> Self {
        Self::new(
            ds_status::DS_ERR_NULL_ARGUMENT,
            format!("{argument} is NULL"),
        )
    }

    /// An invariant of this crate failed: reported like a panic, as the bug it is.
    pub(crate) fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(
            ds_status::DS_ERR_PANIC,
            format!("internal error: {message}"),
        )
    }

    /// A panic caught at the boundary.
    fn panic(payload: &(dyn Any + Send)) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Self::new(ds_status::DS_ERR_PANIC, format!("panic: {detail}"))
    }

    #[cfg(test)]
    pub(crate) fn status(&self) -> ds_status {
        self.status
    }
}

impl From<dicom_sanitize::Error> for FfiError {
    fn from(error: dicom_sanitize::Error) -> Self {
        Self::new(ds_status::of(&error), error.to_string())
    }
}

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Replaces this thread's last error message. A NUL byte inside the message (from a panic
/// payload, say) is written as `\0` rather than cutting the message short.
fn set_last_error(message: Option<String>) {
    let message = message.map(|m| CString::new(m.replace('\0', "\\0")).unwrap_or_default());
    // During thread teardown the slot may be gone: nothing can read it then anyway.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

/// Runs the body of an entry point that returns a status: clears the thread's last error,
/// catches any panic, and records the message of a failure.
///
/// `AssertUnwindSafe` is sound here: after a panic the body's state is dropped, nothing it
/// touched is observed again, and out-parameters were already cleared before any work.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), FfiError>) -> ds_status {
    set_last_error(None);
    let result = panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(FfiError::panic(payload.as_ref())));
    match result {
        Ok(()) => ds_status::DS_OK,
        Err(error) => {
            set_last_error(Some(error.message));
            error.status
        }
    }
}

/// Runs the body of an entry point that returns no status (accessors and free functions),
/// returning `fallback` if it panics.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The message of the last failed call on this thread, or NULL when the last call that
/// returns a ds_status succeeded. The string belongs to the library and stays valid until the
/// next such call on this thread; copy it to keep it.
#[no_mangle]
pub extern "C" fn ds_last_error_message() -> *const c_char {
    guard_value(ptr::null(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map_or(ptr::null(), |m| m.as_ptr()))
            .unwrap_or(ptr::null())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn last_error() -> Option<String> {
        let message = ds_last_error_message();
        if message.is_null() {
            return None;
        }
        // SAFETY: a non-NULL result points to this thread's NUL-terminated message, which
        // lives until the next guarded call; it is copied at once.
        let message = unsafe { CStr::from_ptr(message) };
        Some(message.to_string_lossy().into_owned())
    }

    #[test]
    fn failures_leave_a_message_and_successes_clear_it() {
        let status = guard(|| Err(FfiError::null("policy")));
        assert_eq!(status, ds_status::DS_ERR_NULL_ARGUMENT);
        assert_eq!(last_error().as_deref(), Some("policy is NULL"));
        assert_eq!(guard(|| Ok(())), ds_status::DS_OK);
        assert_eq!(last_error(), None);
    }

    #[test]
    fn panics_become_a_status() {
        let status = guard(|| panic!("boom\0with a nul"));
        assert_eq!(status, ds_status::DS_ERR_PANIC);
        assert_eq!(last_error().as_deref(), Some("panic: boom\\0with a nul"));
        assert_eq!(guard_value(7, || panic!("no")), 7);
    }

    #[test]
    fn messages_are_per_thread() {
        guard(|| Err(FfiError::null("here")));
        std::thread::spawn(|| assert_eq!(last_error(), None))
            .join()
            .unwrap();
        assert_eq!(last_error().as_deref(), Some("here is NULL"));
    }
}
