//! Policy settings: the C options struct, read into the library's flat form of a policy
//! ([`PolicyConfig`], which checks the settings against each other), and JSON policies.

use std::ffi::CStr;

use dicom_sanitize::policy_file::{PolicyConfig, PreambleChoice};
use dicom_sanitize::{Fallback, Policy, TrailingAction};

use crate::error::FfiError;
use crate::names::{library_value, Decode, Named};
use crate::severity::ds_severity;
use crate::status::ds_status;

/// What a policy does with preambles (ds_policy_options.preamble; "preamble" in JSON).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_preamble_action {
    /// Keep a functional TIFF header (dual-personality DICOM-TIFF) byte for byte; apply the
    /// fallback to every other non-zero preamble ("tiff"). The default.
    DS_PREAMBLE_ACTION_TIFF = 0,
    /// Zero every non-zero preamble, TIFF headers included ("zero").
    DS_PREAMBLE_ACTION_ZERO = 1,
    /// Remove the preamble and `DICM` from every Part 10 file: the output starts at the File
    /// Meta group ("strip").
    DS_PREAMBLE_ACTION_STRIP = 2,
    /// Refuse every file whose preamble is not all zero ("reject").
    DS_PREAMBLE_ACTION_REJECT = 3,
}

/// What DS_PREAMBLE_ACTION_TIFF does with a preamble it does not keep
/// (ds_policy_options.otherwise; "otherwise" in JSON).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_fallback {
    /// Zero it ("zero"). The default.
    DS_FALLBACK_ZERO = 0,
    /// Strip it, and `DICM`, whatever it holds ("strip").
    DS_FALLBACK_STRIP = 1,
    /// Refuse the file; all-zero preambles pass ("reject").
    DS_FALLBACK_REJECT = 2,
}

/// What a policy does with bytes after the end of the data set
/// (ds_policy_options.trailing; "trailing" in JSON).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_trailing_action {
    /// Keep them ("keep"). The default: every byte after the preamble is preserved.
    DS_TRAILING_ACTION_KEEP = 0,
    /// Remove them: the output ends where the data set ends ("truncate").
    DS_TRAILING_ACTION_TRUNCATE = 1,
    /// Refuse the file ("reject").
    DS_TRAILING_ACTION_REJECT = 2,
}

/// Settings for ds_policy_new(). A zero-initialised struct is the default policy, which
/// follows DICOM's advice: keep a functional TIFF header, zero any other non-zero preamble,
/// keep every other byte, reject nothing.
///
/// The fields are plain integers holding the enum values named in each field's comment; any
/// other value is DS_ERR_INVALID_POLICY.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ds_policy_options {
    /// A ds_preamble_action. Default: DS_PREAMBLE_ACTION_TIFF.
    pub preamble: u32,
    /// A ds_fallback, for DS_PREAMBLE_ACTION_TIFF only; any value but DS_FALLBACK_ZERO with
    /// another preamble action contradicts it. Default: DS_FALLBACK_ZERO.
    pub otherwise: u32,
    /// 1 to keep vestigial TIFF headers too (whose IFD chain does not work), for
    /// DS_PREAMBLE_ACTION_TIFF only; 0 to treat them as any other preamble. Default: 0.
    pub allow_dangling_tiff: u32,
    /// A ds_trailing_action. Default: DS_TRAILING_ACTION_KEEP.
    pub trailing: u32,
    /// A ds_severity: refuse files with a finding at or above it that sanitizing does not
    /// remove; DS_SEVERITY_NONE never refuses for findings. Default: DS_SEVERITY_NONE.
    pub reject_at: u32,
    /// 1 to search Pixel Data too when the policy validates (ds_validate_with_policy(), and
    /// ds_sanitize() with trailing or reject_at settings), so that every byte of a well-formed
    /// file is examined once; 0 to search every value but Pixel Data. Default: 0.
    pub deep: u32,
}

impl Named for ds_preamble_action {
    const ALL: &'static [Self] = &[
        Self::DS_PREAMBLE_ACTION_TIFF,
        Self::DS_PREAMBLE_ACTION_ZERO,
        Self::DS_PREAMBLE_ACTION_STRIP,
        Self::DS_PREAMBLE_ACTION_REJECT,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_PREAMBLE_ACTION_TIFF => c"tiff",
            Self::DS_PREAMBLE_ACTION_ZERO => c"zero",
            Self::DS_PREAMBLE_ACTION_STRIP => c"strip",
            Self::DS_PREAMBLE_ACTION_REJECT => c"reject",
        }
    }
}

impl Decode for ds_preamble_action {
    fn raw(self) -> u32 {
        self as u32
    }
}

impl Named for ds_fallback {
    const ALL: &'static [Self] = &[
        Self::DS_FALLBACK_ZERO,
        Self::DS_FALLBACK_STRIP,
        Self::DS_FALLBACK_REJECT,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_FALLBACK_ZERO => c"zero",
            Self::DS_FALLBACK_STRIP => c"strip",
            Self::DS_FALLBACK_REJECT => c"reject",
        }
    }
}

impl Decode for ds_fallback {
    fn raw(self) -> u32 {
        self as u32
    }
}

impl Named for ds_trailing_action {
    const ALL: &'static [Self] = &[
        Self::DS_TRAILING_ACTION_KEEP,
        Self::DS_TRAILING_ACTION_TRUNCATE,
        Self::DS_TRAILING_ACTION_REJECT,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_TRAILING_ACTION_KEEP => c"keep",
            Self::DS_TRAILING_ACTION_TRUNCATE => c"truncate",
            Self::DS_TRAILING_ACTION_REJECT => c"reject",
        }
    }
}

impl Decode for ds_trailing_action {
    fn raw(self) -> u32 {
        self as u32
    }
}

/// Reads a policy file in JSON: the library's own format (see `dicom_sanitize::policy_file`),
/// so a policy means the same from Rust, the command line and C.
pub(crate) fn policy_from_json(json: &str) -> Result<Policy, FfiError> {
    serde_json::from_str(json).map_err(|error| invalid(format!("policy JSON: {error}")))
}

fn invalid(message: String) -> FfiError {
    FfiError::new(ds_status::DS_ERR_INVALID_POLICY, message)
}

/// Decodes a C integer field into the C enum's value.
fn from_raw<T: Decode>(field: &str, raw: u32) -> Result<T, FfiError> {
    T::from_raw(raw).ok_or_else(|| {
        invalid(format!(
            "{field}: unknown value {raw}, expected one of {}",
            T::expected()
        ))
    })
}

/// The library value of the same name as a C value, from the library's table `all`.
fn library<T: Named, L: Copy>(
    value: T,
    all: &[L],
    name_of: fn(L) -> &'static str,
) -> Result<L, FfiError> {
    library_value(all, name_of, value.name())
        .ok_or_else(|| FfiError::internal(format!("{:?} has no library value", value.name())))
}

/// Reads the C struct into the library's flat form of a policy, which `Policy::try_from`
/// then checks: contradictory settings are DS_ERR_INVALID_POLICY there.
pub(crate) fn policy_config(options: &ds_policy_options) -> Result<PolicyConfig, FfiError> {
    let otherwise: ds_fallback = from_raw("otherwise", options.otherwise)?;
    let preamble: ds_preamble_action = from_raw("preamble", options.preamble)?;
    let allow_dangling_tiff = flag("allow_dangling_tiff", options.allow_dangling_tiff)?;
    let deep = flag("deep", options.deep)?;
    let trailing: ds_trailing_action = from_raw("trailing", options.trailing)?;
    let reject_at: ds_severity = from_raw("reject_at", options.reject_at)?;
    let mut config = PolicyConfig::default();
    config.preamble = library(preamble, &PreambleChoice::ALL, PreambleChoice::as_str)?;
    // The zero value is the default fallback, which every preamble action accepts.
    config.otherwise = match otherwise {
        ds_fallback::DS_FALLBACK_ZERO => None,
        other => Some(library(other, &Fallback::ALL, Fallback::as_str)?),
    };
    config.allow_dangling_tiff = allow_dangling_tiff;
    config.trailing = library(trailing, &TrailingAction::ALL, TrailingAction::as_str)?;
    config.reject_at = reject_at.severity();
    config.deep = deep;
    Ok(config)
}

/// Decodes a C boolean field: 0 or 1.
fn flag(field: &str, raw: u32) -> Result<bool, FfiError> {
    match raw {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(invalid(format!(
            "{field}: unknown value {other}, expected 0 or 1"
        ))),
    }
}

/// The policy the C struct describes.
pub(crate) fn policy_from_options(options: &ds_policy_options) -> Result<Policy, FfiError> {
    Ok(Policy::try_from(policy_config(options)?)?)
}

#[cfg(test)]
mod tests {
    use dicom_sanitize::{PreambleAction, Severity};

    use super::*;
    use crate::names::tests::{assert_mirrors, assert_names_round_trip, library_names};

    fn json(text: &str) -> Result<Policy, FfiError> {
        policy_from_json(text)
    }

    fn options(options: ds_policy_options) -> Result<Policy, FfiError> {
        policy_from_options(&options)
    }

    #[test]
    fn names_round_trip() {
        assert_names_round_trip::<ds_preamble_action>();
        assert_names_round_trip::<ds_fallback>();
        assert_names_round_trip::<ds_trailing_action>();
    }

    #[test]
    fn enums_mirror_the_library() {
        assert_mirrors::<ds_preamble_action>(
            &library_names(&PreambleChoice::ALL, PreambleChoice::as_str),
            &[],
        );
        assert_mirrors::<ds_fallback>(&library_names(&Fallback::ALL, Fallback::as_str), &[]);
        assert_mirrors::<ds_trailing_action>(
            &library_names(&TrailingAction::ALL, TrailingAction::as_str),
            &[],
        );
    }

    #[test]
    fn defaults_are_the_library_default() {
        assert_eq!(options(ds_policy_options::default()), Ok(Policy::default()));
        assert_eq!(json("{}"), Ok(Policy::default()));
    }

    #[test]
    fn json_and_struct_agree() {
        let strict = Policy::builder()
            .preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })
            .trailing_data(TrailingAction::Truncate)
            .reject_findings_at(Severity::High)
            .build()
            .unwrap();
        assert_eq!(
            json(
                r#"{"preamble":"tiff","otherwise":"reject","trailing":"truncate","reject_at":"high"}"#
            ),
            Ok(strict.clone())
        );
        assert_eq!(
            options(ds_policy_options {
                preamble: ds_preamble_action::DS_PREAMBLE_ACTION_TIFF as u32,
                otherwise: ds_fallback::DS_FALLBACK_REJECT as u32,
                allow_dangling_tiff: 0,
                trailing: ds_trailing_action::DS_TRAILING_ACTION_TRUNCATE as u32,
                reject_at: ds_severity::DS_SEVERITY_HIGH as u32,
                deep: 0,
            }),
            Ok(strict)
        );
        let deep = Policy::builder().deep_scan(true).build().unwrap();
        assert_eq!(json(r#"{"deep":true}"#), Ok(deep.clone()));
        assert_eq!(
            options(ds_policy_options {
                deep: 1,
                ..Default::default()
            }),
            Ok(deep)
        );
        assert_eq!(json(r#"{"preamble":"zero"}"#), Ok(Policy::zero()));
        assert_eq!(json(r#"{"preamble":"strip"}"#), Ok(Policy::strip()));
        let lenient = json(r#"{"allow_dangling_tiff":true}"#).unwrap();
        assert!(lenient.allows_dangling_tiff());
    }

    #[test]
    fn bad_settings_are_invalid_policies() {
        let bad = [
            json("{"),
            json("0"),
            json(r#"{"preamble":"tiff","colour":"blue"}"#),
            json(r#"{"preamble":"keep"}"#),
            json(r#"{"reject_at":"severe"}"#),
            json(r#"{"reject_at":"none"}"#),
            json(r#"{"preamble":"zero","otherwise":"zero"}"#),
            json(r#"{"preamble":"strip","allow_dangling_tiff":true}"#),
            options(ds_policy_options {
                preamble: 4,
                ..Default::default()
            }),
            options(ds_policy_options {
                allow_dangling_tiff: 2,
                ..Default::default()
            }),
            options(ds_policy_options {
                deep: 2,
                ..Default::default()
            }),
            json(r#"{"deep":1}"#),
            options(ds_policy_options {
                preamble: ds_preamble_action::DS_PREAMBLE_ACTION_REJECT as u32,
                otherwise: ds_fallback::DS_FALLBACK_STRIP as u32,
                ..Default::default()
            }),
        ];
        for result in bad {
            let err = result.unwrap_err();
            assert_eq!(err.status(), ds_status::DS_ERR_INVALID_POLICY, "{err:?}");
        }
    }

    #[test]
    fn messages_name_the_value_and_the_choices() {
        let err = json(r#"{"preamble":"keep"}"#).unwrap_err();
        assert_eq!(err.status(), ds_status::DS_ERR_INVALID_POLICY);
        let message = format!("{err:?}");
        assert!(
            message.contains("keep") && message.contains("tiff"),
            "{message}"
        );
    }

    #[test]
    fn json_reaches_every_policy_file_key() {
        let limited = json(r#"{"limits":{"max_depth":9}}"#).unwrap();
        assert_eq!(limited.validator().limits().max_depth, 9);
        let audit = json(r#"{"dangerous":{"keep_unchecked_preamble":true}}"#).unwrap();
        assert!(audit.keeps_unchecked_preamble());
    }
}
