//! Validating a buffer into the library's JSON report.

use std::ffi::c_char;
use std::ptr;

use dicom_sanitize::{Policy, Verdict};

use crate::args;
use crate::error::{guard, FfiError};
use crate::memory::c_string;
use crate::policy::ds_policy;
use crate::status::ds_status;

/// Validates a buffer; `*report_out` receives the library's JSON report: one object with the
/// fields of the command line's report (schema dicom-sanitize/report/v1) other than "schema"
/// and "path": "status", "threat", "layout", "size", "preamble", "findings", ..., and last
/// "action": what the default policy does (zero any preamble but a functional TIFF header).
/// Every value but Pixel Data is searched ("deep": false); ds_validate_with_policy() searches
/// with a policy's settings. Free it with ds_string_free.
///
/// Validation itself never fails: input that is not DICOM or is malformed is described by the
/// report ("status": "not-dicom", "invalid"). Errors are only about the arguments.
///
/// # Safety
/// `data` points to `len` readable bytes (or is NULL with `len` 0); `report_out` to a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_validate(
    data: *const u8,
    len: usize,
    report_out: *mut *mut c_char,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let report_out = unsafe { args::out(report_out, "report_out") }?;
        report_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { args::input(data, len, "data") }?;
        report_out.write(report_json(&Policy::default(), data)?);
        Ok(())
    })
}

/// Validates a buffer as `policy` does: with its limits, searching Pixel Data too when the
/// policy is deep ("deep": true in the report); `*report_out` receives the JSON report of
/// ds_validate(), whose "action" is what this policy does. Free it with ds_string_free.
///
/// # Safety
/// `policy` is a live policy; `data` points to `len` readable bytes (or is NULL with `len`
/// 0); `report_out` to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_validate_with_policy(
    policy: *const ds_policy,
    data: *const u8,
    len: usize,
    report_out: *mut *mut c_char,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let report_out = unsafe { args::out(report_out, "report_out") }?;
        report_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let policy = unsafe { args::borrow(policy, "policy") }?.policy();
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { args::input(data, len, "data") }?;
        report_out.write(report_json(policy, data)?);
        Ok(())
    })
}

/// The JSON report of `data` validated as `policy` does, with its action, as a C string for the
/// caller to free.
fn report_json(policy: &Policy, data: &[u8]) -> Result<*mut c_char, FfiError> {
    let report = policy.validator().validate(data);
    let json = serde_json::to_string(&Verdict::new(policy, &report)).map_err(FfiError::internal)?;
    c_string(json)
}
