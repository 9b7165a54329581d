//! C ABI for [`dicom_sanitize`]: detect and remove DICOM preamble polyglots (CVE-2019-11687)
//! from PACS software written in any language.
//!
//! The header `include/dicom_sanitize.h` is generated from this crate by cbindgen; every item
//! keeps its C name here (`ds_policy`, `DS_ERR_REJECTED`) so that the header and the source
//! read alike. The conventions every function follows:
//!
//! - A fallible function returns a [`ds_status`]: `DS_OK` (0) or an error code; after a
//!   failure, [`ds_last_error_message`] describes it on the calling thread.
//! - Pointer arguments are required unless documented as optional (NULL is
//!   `DS_ERR_NULL_ARGUMENT`); an input buffer may be NULL only when its length is 0.
//! - Out-parameters that receive memory (pointers, [`ds_buffer`]) are checked, then cleared
//!   before any work, so after a failure they hold nothing to free; result structs
//!   ([`ds_inspection`], [`ds_outcome`]) are written only on success.
//! - What the library allocates, the caller frees with [`ds_policy_free`], [`ds_buffer_free`]
//!   or [`ds_string_free`]; `const char *` results are static, except the thread's last error
//!   message.
//! - No panic crosses the boundary: every entry point catches them (`DS_ERR_PANIC`).
//!
//! All `unsafe` code of the project lives in this crate (the library forbids it); each block
//! states why it is sound.

#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
// Items keep their C names: the header and the source must read alike.
#![allow(non_camel_case_types)]

// Conventions: statuses, messages, argument checks. (Module order is the header's order.)
mod error;
mod status;
mod version;

mod args;
mod names;

// Policies.
mod options;
mod policy;
mod severity;

// Reading and rewriting inputs.
mod inspect;
mod meta;
mod sanitize;
mod validate;

// Memory handed to the caller.
mod memory;

pub use error::ds_last_error_message;
pub use inspect::{ds_inspect, ds_inspection, ds_layout, ds_preamble_kind};
pub use memory::{ds_buffer, ds_buffer_free, ds_string_free};
pub use meta::ds_sop_instance_uid;
pub use options::{ds_fallback, ds_policy_options, ds_preamble_action, ds_trailing_action};
pub use policy::{
    ds_policy, ds_policy_conformance_statement, ds_policy_free, ds_policy_from_json, ds_policy_new,
};
pub use sanitize::{ds_action, ds_outcome, ds_sanitize};
pub use severity::ds_severity;
pub use status::{ds_status, ds_status_name};
pub use validate::{ds_validate, ds_validate_with_policy};
pub use version::ds_version;
