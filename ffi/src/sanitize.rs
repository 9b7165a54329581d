//! Sanitizing a buffer with a policy into a new buffer.

use std::ffi::{c_char, CStr};

use dicom_sanitize::{Action, Outcome};

use crate::args;
use crate::error::guard;
use crate::inspect::ds_preamble_kind;
use crate::memory::ds_buffer;
use crate::names::Named;
use crate::policy::ds_policy;
use crate::status::ds_status;

/// What sanitizing did to the preamble. A refused input is not an action but an error:
/// DS_ERR_REJECTED.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_action {
    /// Nothing: the preamble was all zero or absent ("none").
    DS_ACTION_NONE = 0,
    /// The preamble was replaced with 128 zero bytes ("zero").
    DS_ACTION_ZERO = 1,
    /// The preamble and `DICM` were removed ("strip").
    DS_ACTION_STRIP = 2,
    /// A TIFF header was kept as it is ("keep-tiff").
    DS_ACTION_KEEP_TIFF = 3,
    /// An action newer than this header ("other").
    DS_ACTION_OTHER = 99,
}

impl Named for ds_action {
    const ALL: &'static [Self] = &[
        Self::DS_ACTION_NONE,
        Self::DS_ACTION_ZERO,
        Self::DS_ACTION_STRIP,
        Self::DS_ACTION_KEEP_TIFF,
        Self::DS_ACTION_OTHER,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_ACTION_NONE => c"none",
            Self::DS_ACTION_ZERO => c"zero",
            Self::DS_ACTION_STRIP => c"strip",
            Self::DS_ACTION_KEEP_TIFF => c"keep-tiff",
            Self::DS_ACTION_OTHER => c"other",
        }
    }
}

impl ds_action {
    fn of(action: Action) -> Self {
        Self::from_name(action.as_str()).unwrap_or(Self::DS_ACTION_OTHER)
    }
}

/// What ds_sanitize() did. The names point to static strings.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ds_outcome {
    /// What was done to the preamble.
    pub action: ds_action,
    /// The action's stable name ("none", "zero", "strip", "keep-tiff").
    pub action_name: *const c_char,
    /// The input's preamble.
    pub before: ds_preamble_kind,
    /// Its stable name ("zero", "tiff", "pe", ..., "absent").
    pub before_name: *const c_char,
    /// The output's preamble (DS_PREAMBLE_KIND_ABSENT after stripping).
    pub after: ds_preamble_kind,
    /// Its stable name.
    pub after_name: *const c_char,
    /// Bytes whose value changed (the non-zero preamble bytes that were zeroed).
    pub bytes_changed: u64,
    /// Bytes removed (132 when stripping, plus truncated trailing data).
    pub bytes_removed: u64,
    /// Whether the output is identical to the input.
    pub unchanged: bool,
}

impl ds_outcome {
    fn of(outcome: &Outcome) -> Self {
        let action = ds_action::of(outcome.action);
        let before = ds_preamble_kind::of(outcome.before);
        let after = ds_preamble_kind::of(outcome.after);
        ds_outcome {
            action,
            action_name: action.name().as_ptr(),
            before,
            before_name: before.name().as_ptr(),
            after,
            after_name: after.name().as_ptr(),
            bytes_changed: outcome.bytes_changed,
            bytes_removed: outcome.bytes_removed,
            unchanged: outcome.is_unchanged(),
        }
    }
}

/// Sanitizes a buffer with a policy. `*output` receives the sanitized bytes in a new buffer
/// (free it with ds_buffer_free), even when they equal the input; `*outcome`, when given,
/// receives what was done. The input is never modified, and every output byte after the
/// preamble is the input's own (unless the policy truncates trailing data).
///
/// The policy decides from the preamble alone, reading only the file's header, unless it acts
/// on trailing data or rejects findings: then it validates the whole input first. To list
/// the findings, call ds_validate_with_policy() (or ds_validate(), for the default policy).
///
/// Errors: DS_ERR_NOT_DICOM for input that is not DICOM; DS_ERR_REJECTED when the policy
/// refuses the input (ds_last_error_message() says why); DS_ERR_OUT_OF_MEMORY when the output
/// cannot be allocated. On failure `*output` is empty and `*outcome` is not written.
///
/// # Safety
/// `policy` is a live policy; `data` points to `len` readable bytes (or is NULL with `len` 0);
/// `output` points to a writable ds_buffer; `outcome` is NULL (optional) or points to a
/// writable ds_outcome.
#[no_mangle]
pub unsafe extern "C" fn ds_sanitize(
    policy: *const ds_policy,
    data: *const u8,
    len: usize,
    output: *mut ds_buffer,
    outcome: *mut ds_outcome,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let output = unsafe { args::out(output, "output") }?;
        output.write(ds_buffer::EMPTY);
        // SAFETY: forwarded from this function's contract.
        let outcome = unsafe { args::optional_out(outcome, "outcome") }?;
        // SAFETY: forwarded from this function's contract.
        let policy = unsafe { args::borrow(policy, "policy") }?;
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { args::input(data, len, "data") }?;
        let sanitized = policy.policy().sanitize(data)?;
        output.write(ds_buffer::concat(&sanitized.slices())?);
        if let Some(outcome) = outcome {
            outcome.write(ds_outcome::of(sanitized.outcome()));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::tests::{assert_mirrors, assert_names_round_trip, library_names};

    #[test]
    fn actions_match_the_library() {
        assert_names_round_trip::<ds_action>();
        // A refused input is no action but DS_ERR_REJECTED.
        let done: Vec<_> = Action::ALL
            .into_iter()
            .filter(|action| *action != Action::Reject)
            .collect();
        assert_mirrors::<ds_action>(
            &library_names(&done, Action::as_str),
            &[ds_action::DS_ACTION_OTHER],
        );
        for action in done {
            assert_eq!(
                ds_action::of(action).name().to_str().unwrap(),
                action.as_str()
            );
        }
    }
}
