//! File names as the operating system gives them: escaped for a terminal, as a plain string in
//! JSON (the lossless form of a record's `path` is the library's [`dicom_sanitize::Record`]).
//!
//! A name is any sequence of bytes but `/` and NUL (on Unix). Printed raw, a newline in a name
//! forges a second line and an escape sequence reaches the terminal; serialised as a Rust
//! `Path`, a name that is not UTF-8 is an error that would stop the run.

use std::fmt::Write as _;
use std::path::Path;

use serde::ser::{Serialize, Serializer};

/// `name` for a line of human output: printable characters as they are; `\` doubled;
/// control and other non-printing characters as Rust's `escape_debug` writes them (`\n`,
/// `\t`, `\u{1b}`); bytes that are not UTF-8 as `\xFF`. One name is always one line, and two
/// names print alike only if they are the same name.
pub fn escaped(path: &Path) -> String {
    escape_bytes(path.as_os_str().as_encoded_bytes())
}

/// `text` (a message, which may quote a name) with its control characters escaped as
/// [`escaped`] does.
pub fn escaped_text(text: &str) -> String {
    escape_bytes(text.as_bytes())
}

fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let escape = c == '\\'
                || c.is_control()
                || (c != '"' && c != '\'' && c.escape_debug().len() > 1);
            if escape {
                out.extend(c.escape_debug());
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
    out
}

/// A name on its own as a JSON string: UTF-8, invalid bytes replaced (for fields such as
/// `fix.output` whose exact bytes follow from `path`).
pub struct LossyPath<'a>(pub &'a Path);

impl Serialize for LossyPath<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_print_on_one_line_and_stay_apart() {
        let name = |bytes: &[u8]| escaped(Path::new(OsStr::from_bytes(bytes)));
        assert_eq!(name(b"plain-name.dcm"), "plain-name.dcm");
        assert_eq!(name(b"new\nline.dcm"), "new\\nline.dcm");
        assert_eq!(name(b"tab\t.dcm"), "tab\\t.dcm");
        assert_eq!(name(b"esc\x1b[31m.dcm"), "esc\\u{1b}[31m.dcm");
        assert_eq!(name(b"a\xffb.dcm"), "a\\xFFb.dcm");
        assert_eq!(name(b"-leading.dcm"), "-leading.dcm");
        assert_eq!(
            name("caf\u{e9} \"q\" 'q'.dcm".as_bytes()),
            "caf\u{e9} \"q\" 'q'.dcm"
        );
        // A backslash is doubled, so a name holding `\n` literally differs from a newline.
        assert_eq!(name(b"back\\nslash"), "back\\\\nslash");
        assert_ne!(name(b"a\\xFFb"), name(b"a\xffb"));
        assert!(!name(b"x\r\n\x07\x7f").chars().any(char::is_control));
    }
}
