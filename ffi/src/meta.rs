//! Reading the File Meta group: the instance's identity, for logs.

use std::ffi::c_char;
use std::ptr;

use dicom_sanitize::{inspect, Error};

use crate::args;
use crate::error::guard;
use crate::memory::c_string;
use crate::status::ds_status;

/// The (0002,0003) Media Storage SOP Instance UID of a buffer's File Meta group, without its
/// padding; `*uid_out` receives it (free it with ds_string_free).
///
/// `*uid_out` is NULL, with DS_OK, for DICOM without a File Meta group (a bare data set), or
/// whose group lacks the element or holds a value that is not UTF-8 or contains a NUL byte.
/// The value is returned as found, not checked against the UID rules: it comes from the file,
/// so escape it before writing it to a log. Errors: DS_ERR_NOT_DICOM for input that is not
/// DICOM; the library's reading errors when the File Meta group cannot be read
/// (DS_ERR_MISSING_META, DS_ERR_TRUNCATED, ...).
///
/// # Safety
/// `data` points to `len` readable bytes (or is NULL with `len` 0); `uid_out` to a writable
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn ds_sop_instance_uid(
    data: *const u8,
    len: usize,
    uid_out: *mut *mut c_char,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let uid_out = unsafe { args::out(uid_out, "uid_out") }?;
        uid_out.write(ptr::null_mut());
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { args::input(data, len, "data") }?;
        let inspection = inspect(data)?;
        if !inspection.layout().is_dicom() {
            return Err(Error::NotDicom.into());
        }
        let uid = inspection
            .meta()
            .and_then(|meta| meta.media_storage_sop_instance_uid())
            .filter(|uid| !uid.contains('\0'));
        if let Some(uid) = uid {
            uid_out.write(c_string(uid.to_owned())?);
        }
        Ok(())
    })
}
