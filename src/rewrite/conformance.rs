//! The conformance statement: the text a vendor pastes into its DICOM Conformance
//! Statement, generated from a policy.

use std::fmt::Write as _;

use crate::rewrite::policy::{Fallback, Policy, PreambleAction, TrailingAction};

impl Policy {
    /// The text a vendor pastes into its DICOM Conformance Statement, which PS3.10 §7.5
    /// requires to describe preamble handling, generated from this policy.
    ///
    /// ```
    /// let text = dicom_sanitize::Policy::default().conformance_statement();
    /// assert!(text.contains("TIFF"));
    /// assert!(text.contains("replaced with 128 bytes of 00H"));
    /// ```
    pub fn conformance_statement(&self) -> String {
        let mut s = String::new();
        s.push_str("File Preamble handling (DICOM PS3.10 Section 7.5)\n\n");
        s.push_str(
            "The application examines the 128-byte File Preamble of every DICOM Part 10 file it \
             receives, imports or stores, and identifies executable (PE, ELF, Mach-O), script, \
             document (PDF, HTML), archive (ZIP and others) and TIFF content in it.\n\n",
        );
        if self.keeps_unchecked_preamble() {
            s.push_str(
                "The File Preamble is preserved unchanged whatever it contains; its content is \
                 reported but not acted upon.\n\n",
            );
        } else {
            let other = |fallback: Fallback| match fallback {
                Fallback::Zero => "is replaced with 128 bytes of 00H",
                Fallback::Strip => {
                    "is removed together with the \"DICM\" prefix, and the file is stored as \
                     File Meta Information and Data Set without a File Preamble"
                }
                Fallback::Reject => "causes the file to be rejected and not stored",
            };
            match self.preamble_action() {
                PreambleAction::Zero => s.push_str(
                    "A File Preamble that contains any byte other than 00H is replaced with 128 \
                     bytes of 00H, including TIFF headers of dual-personality files.",
                ),
                PreambleAction::Strip => s.push_str(
                    "The File Preamble and the \"DICM\" prefix are removed from every file; files \
                     are stored as File Meta Information and Data Set without a File Preamble.",
                ),
                PreambleAction::Reject => s.push_str(
                    "A file whose File Preamble contains any byte other than 00H is rejected and \
                     not stored.",
                ),
                PreambleAction::AllowTiff { otherwise } => {
                    let _ = write!(
                        s,
                        "A File Preamble that consists solely of a TIFF or BigTIFF header (either \
                         byte order) followed by bytes of 00H is preserved to support \
                         dual-personality DICOM-TIFF files, provided {}. Any other File Preamble \
                         {}.",
                        if self.allows_dangling_tiff() {
                            "that the header is well formed (its Image File Directory is not \
                             required to be usable)"
                        } else {
                            "that its Image File Directory chain lies within the file after the \
                             preamble, is bounded and acyclic, and that every image strip or tile \
                             it references lies within the file"
                        },
                        match otherwise {
                            Fallback::Zero => {
                                "that contains any byte other than 00H is replaced with 128 bytes of 00H"
                            }
                            other_fallback => other(other_fallback),
                        }
                    );
                }
            }
            s.push_str(" All other bytes of the file are preserved unchanged");
            s.push_str(match self.trailing_action() {
                TrailingAction::Keep => ".\n\n",
                TrailingAction::Truncate => {
                    ", except data following the end of the Data Set, which is removed.\n\n"
                }
                TrailingAction::Reject => {
                    "; a file with data following the end of the Data Set is rejected.\n\n"
                }
            });
        }
        s.push_str(
            "The application also searches every element value of the File Meta Information \
             and the Data Set, whatever its Value Representation and at any sequence nesting \
             depth, (0002,0102) Private Information, (FFFC,FFFC) Data Set Trailing Padding and \
             encapsulated items included, for executables (PE, ELF, Mach-O), archives (ZIP, \
             tar, 7z, RAR, CAB, OLE compound files), disc images (ISO 9660), compressed \
             streams (gzip, xz, Zstandard, bzip2) and PDF documents, each confirmed by the \
             structure that the programs acting on it check. ",
        );
        s.push_str(if self.deep_scan() {
            "Pixel Data and its fragments are searched in the same way, so that every byte of \
             the file is examined. "
        } else {
            "Pixel Data and its fragments are not searched. "
        });
        s.push_str(
            "The bytes after the end of the Data Set, and those after any point where the \
             structure of a malformed file cannot be followed, are searched in the same way. \
             It checks the structure of the File Meta Information and the Data Set. \
             Content that is encrypted, or encoded in a form that only its own software \
             decodes, cannot be recognised.",
        );
        match self.rejects_findings_at() {
            Some(severity) => {
                let _ = writeln!(
                    s,
                    " A file with a finding of severity {severity} or higher that the preamble \
                     handling above does not remove is rejected and not stored."
                );
            }
            None => {
                s.push_str(" Findings are reported; they do not by themselves cause rejection.\n")
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::findings::Severity;

    #[test]
    fn conformance_statements_follow_the_policy() {
        let default = Policy::default().conformance_statement();
        assert!(default.contains("dual-personality"));
        assert!(default.contains("All other bytes of the file are preserved unchanged."));
        let strict = Policy::builder()
            .preamble(PreambleAction::AllowTiff {
                otherwise: Fallback::Reject,
            })
            .trailing_data(TrailingAction::Truncate)
            .reject_findings_at(Severity::High)
            .build()
            .unwrap()
            .conformance_statement();
        assert!(strict.contains("causes the file to be rejected"));
        assert!(strict.contains("data following the end of the Data Set, which is removed"));
        assert!(strict.contains("severity high or higher"));
        assert!(Policy::strip()
            .conformance_statement()
            .contains("without a File Preamble"));
    }

    #[test]
    fn conformance_statements_say_what_is_searched() {
        let default = Policy::default().conformance_statement();
        assert!(default.contains("every element value"));
        assert!(default.contains("whatever its Value Representation"));
        assert!(default.contains("ISO 9660"));
        assert!(default.contains("PDF documents"));
        assert!(default.contains("Pixel Data and its fragments are not searched."));
        assert!(default.contains("encrypted"));
        let deep = Policy::builder()
            .deep_scan(true)
            .build()
            .unwrap()
            .conformance_statement();
        assert!(deep.contains("every byte of the file is examined"));
        assert!(!deep.contains("are not searched"));
    }
}
