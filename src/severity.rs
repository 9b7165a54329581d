//! How serious a finding, or a preamble, is.

use std::fmt;

/// How serious a finding is. Ordered from `Info` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// A harmless oddity (a vestigial TIFF header, a cosmetic defect).
    Low,
    /// A defect or unexplained bytes that policy should clear, but no sign of a payload.
    Medium,
    /// A payload carrier: an executable, script, document, markup or archive where DICOM has
    /// none.
    High,
    /// A carrier whose structure is confirmed: the file runs as a program.
    Critical,
}

impl Severity {
    /// Every severity, from `Info` to `Critical`.
    ///
    /// ```
    /// use dicom_sanitize::Severity;
    ///
    /// let names: Vec<_> = Severity::ALL.iter().map(|severity| severity.as_str()).collect();
    /// assert_eq!(names, ["info", "low", "medium", "high", "critical"]);
    /// assert!(Severity::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    /// ```
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
