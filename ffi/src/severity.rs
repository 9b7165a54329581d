//! Severities, as policy thresholds and in results.

use std::ffi::CStr;

use dicom_sanitize::Severity;

use crate::names::{library_value, Decode, Named};

/// How serious a finding is, from info to critical; DS_SEVERITY_NONE stands for "no finding"
/// in results and "never" as a rejection threshold.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_severity {
    /// No severity ("none").
    DS_SEVERITY_NONE = 0,
    /// Worth knowing; nothing to do ("info").
    DS_SEVERITY_INFO = 1,
    /// A harmless oddity, such as a vestigial TIFF header ("low").
    DS_SEVERITY_LOW = 2,
    /// A defect or unexplained bytes, no sign of a payload ("medium").
    DS_SEVERITY_MEDIUM = 3,
    /// A payload carrier: executable, script, document, markup or archive ("high").
    DS_SEVERITY_HIGH = 4,
    /// A carrier whose structure is confirmed: the file runs as a program ("critical").
    DS_SEVERITY_CRITICAL = 5,
}

impl Named for ds_severity {
    const ALL: &'static [Self] = &[
        Self::DS_SEVERITY_NONE,
        Self::DS_SEVERITY_INFO,
        Self::DS_SEVERITY_LOW,
        Self::DS_SEVERITY_MEDIUM,
        Self::DS_SEVERITY_HIGH,
        Self::DS_SEVERITY_CRITICAL,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_SEVERITY_NONE => c"none",
            Self::DS_SEVERITY_INFO => c"info",
            Self::DS_SEVERITY_LOW => c"low",
            Self::DS_SEVERITY_MEDIUM => c"medium",
            Self::DS_SEVERITY_HIGH => c"high",
            Self::DS_SEVERITY_CRITICAL => c"critical",
        }
    }
}

impl Decode for ds_severity {
    fn raw(self) -> u32 {
        self as u32
    }
}

impl ds_severity {
    /// The C value of a severity (the one of the same name), or of its absence.
    pub(crate) fn of(severity: Option<Severity>) -> Self {
        severity
            .and_then(|severity| Self::from_name(severity.as_str()))
            .unwrap_or(Self::DS_SEVERITY_NONE)
    }

    /// The library's severity of the same name; `None` for DS_SEVERITY_NONE.
    pub(crate) fn severity(self) -> Option<Severity> {
        library_value(&Severity::ALL, Severity::as_str, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::tests::{assert_mirrors, assert_names_round_trip, library_names};

    #[test]
    fn severities_match_the_library() {
        assert_names_round_trip::<ds_severity>();
        assert_mirrors::<ds_severity>(
            &library_names(&Severity::ALL, Severity::as_str),
            &[ds_severity::DS_SEVERITY_NONE],
        );
        for &value in ds_severity::ALL {
            assert_eq!(ds_severity::of(value.severity()), value);
            let library_name = value.severity().map_or("none", Severity::as_str);
            assert_eq!(value.name().to_str().unwrap(), library_name);
        }
    }
}
