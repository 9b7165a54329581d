//! Policies: created from options or JSON, shared, freed.

use std::ffi::c_char;
use std::ptr;

use dicom_sanitize::Policy;

use crate::args;
use crate::error::{guard, guard_value};
use crate::memory::c_string;
use crate::options::{ds_policy_options, policy_from_json, policy_from_options};
use crate::status::ds_status;

/// A sanitization policy. Opaque; immutable once created, so one policy may be used by any
/// number of threads at once. Free it with ds_policy_free().
#[derive(Debug)]
pub struct ds_policy {
    policy: Policy,
}

impl ds_policy {
    /// The library's policy.
    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// Hands a new policy to the caller.
fn into_raw(policy: Policy) -> *mut ds_policy {
    Box::into_raw(Box::new(ds_policy { policy }))
}

/// Creates a policy from `options`; `*policy_out` receives it (NULL on failure).
///
/// Returns DS_ERR_INVALID_POLICY for a field value outside its enum or contradictory settings
/// (a fallback or allow_dangling_tiff without DS_PREAMBLE_ACTION_TIFF).
///
/// # Safety
/// `options` points to a readable ds_policy_options; `policy_out` to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_policy_new(
    options: *const ds_policy_options,
    policy_out: *mut *mut ds_policy,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let policy_out = unsafe { args::out(policy_out, "policy_out") }?;
        policy_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { args::borrow(options, "options") }?;
        let policy = policy_from_options(options)?;
        policy_out.write(into_raw(policy));
        Ok(())
    })
}

/// Creates a policy from a JSON object; `*policy_out` receives it (NULL on failure).
///
/// The JSON is the library's policy file format (as `dicom-sanitize policy` prints it, in
/// TOML); every field is optional and defaults as in ds_policy_options:
/// `{"preamble": "tiff" | "zero" | "strip" | "reject", "otherwise": "zero" | "strip" |
/// "reject", "allow_dangling_tiff": false | true, "trailing": "keep" | "truncate" | "reject",
/// "reject_at": "info" | "low" | "medium" | "high" | "critical", "deep": false | true,
/// "limits": {"max_depth": 128, ...}, "dangerous": {"keep_unchecked_preamble": false}}`;
/// without "reject_at", findings never cause a rejection; "deep" searches Pixel Data too.
/// JSON that does not parse, an unknown field or value, and contradictory settings are
/// DS_ERR_INVALID_POLICY.
///
/// # Safety
/// `json` is a NUL-terminated string; `policy_out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_policy_from_json(
    json: *const c_char,
    policy_out: *mut *mut ds_policy,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let policy_out = unsafe { args::out(policy_out, "policy_out") }?;
        policy_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { args::text(json, "json") }?;
        let policy = policy_from_json(json)?;
        policy_out.write(into_raw(policy));
        Ok(())
    })
}

/// Frees a policy. NULL is accepted and does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from ds_policy_new() or ds_policy_from_json(), not freed
/// before and no longer used by any thread.
#[no_mangle]
pub unsafe extern "C" fn ds_policy_free(policy: *mut ds_policy) {
    guard_value((), || {
        if !policy.is_null() {
            // SAFETY: the caller guarantees `policy` came from `into_raw` and that this is its
            // last use.
            drop(unsafe { Box::from_raw(policy) });
        }
    })
}

/// The text describing the policy's preamble handling for the product's DICOM Conformance
/// Statement, which PS3.10 section 7.5 requires; `*statement_out` receives it (free it with
/// ds_string_free; NULL on failure).
///
/// # Safety
/// `policy` is a live policy; `statement_out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_policy_conformance_statement(
    policy: *const ds_policy,
    statement_out: *mut *mut c_char,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let statement_out = unsafe { args::out(statement_out, "statement_out") }?;
        statement_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let policy = unsafe { args::borrow(policy, "policy") }?;
        statement_out.write(c_string(policy.policy().conformance_statement())?);
        Ok(())
    })
}
