//! What a POSIX shell runs of bytes that are no binary format.
//!
//! A file whose `execve` fails with `ENOEXEC` is run as a script by the shell that tried (and
//! by `execvp`, through `/bin/sh`); `sh FILE` and `bash FILE` run it directly. No `#!` is
//! needed. The shells differ in one check only:
//!
//! - bash refuses a file with a NUL byte in its first line, looking at its first 80 bytes (its
//!   first two lines after `#!`). Otherwise it runs every line, the first included: a line of
//!   control bytes fails as a command and bash goes on.
//! - dash, `/bin/sh` on Debian and Ubuntu, refuses nothing: `sh FILE` runs every line, after
//!   any NUL padding.
//!
//! Both drop NUL bytes from what they read, so `ec\0ho` is `echo`. Since dash runs every line
//! of any file, a line that reads as a command ([`command_line`]) is run whatever its
//! neighbours are; bash's check only decides whether bash runs it too.
//!
//! Which lines read as commands is our rule, not the shells' (they try every line, and only
//! `PATH` decides what exists). It is chosen so that ordinary text is not called a script:
//! commands and builtins are lowercase words or paths, banners start with capitals or digits.

/// What shells make of bytes that are not a binary format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    /// Run as a shell script when the file is executed or given to `sh`.
    Script {
        /// Whether it starts with `#!`.
        shebang: bool,
    },
    /// Printable text (padded with NUL bytes) with no line that reads as a command.
    Plain,
}

/// A byte that belongs in text: printable ASCII, white space, or part of a UTF-8 sequence.
fn is_text_byte(b: u8) -> bool {
    b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C) || b >= 0x80
}

/// Classifies bytes as shell script or plain text.
///
/// A script starts with `#!`; or its first line is text ending in a newline before any NUL
/// (bash and dash run it, whatever it says); or one of its lines reads as a command
/// ([`command_line`]: dash runs it after NUL padding or control bytes, bash too unless a NUL
/// stands in its first line). Text with none of those, NUL bytes allowed, is plain text.
pub(crate) fn text(bytes: &[u8]) -> Option<Text> {
    if bytes.starts_with(b"#!") {
        return Some(Text::Script { shebang: true });
    }
    let first_line_end = bytes.iter().position(|&b| b == b'\n' || b == 0);
    match first_line_end.and_then(|end| bytes.get(..end).zip(bytes.get(end))) {
        Some((line, b'\n')) if line.iter().all(|&b| is_text_byte(b)) => {
            return Some(Text::Script { shebang: false })
        }
        _ => {}
    }
    if command_line(bytes).is_some() {
        return Some(Text::Script { shebang: false });
    }
    let starts_with_text = bytes.first().is_some_and(|&b| b != 0 && is_text_byte(b));
    (starts_with_text && bytes.iter().all(|&b| b == 0 || is_text_byte(b))).then_some(Text::Plain)
}

/// The offset of the first line of `bytes` that reads as a command, NUL bytes dropped as the
/// shells drop them.
///
/// A line reads as a command when, up to its end (a `\r` before the newline allowed) or up to
/// a `#` comment, it holds printable ASCII, tabs or UTF-8 bytes only, and either contains a
/// command substitution (`$(` or a backtick: the shell runs it even as an argument) or starts,
/// after blanks and any `(`, `{` or `!`, with a command word followed by a blank, an operator
/// or the end of the line. A command word is a lowercase name of two or more letters, digits,
/// `_`, `.`, `+` or `-` starting with a letter or `_` (`curl`, `python3`, `apt-get`), a path
/// (`/bin/sh`, `./x`), or the `.` builtin.
pub(crate) fn command_line(bytes: &[u8]) -> Option<usize> {
    let mut start = 0usize;
    for raw in bytes.split(|&b| b == b'\n') {
        let line: Vec<u8> = raw.iter().copied().filter(|&b| b != 0).collect();
        if is_command(&line) {
            let leading_nuls = raw.iter().take_while(|&&b| b == 0).count();
            return Some(start.saturating_add(leading_nuls));
        }
        start = start.saturating_add(raw.len()).saturating_add(1);
    }
    None
}

/// Whether one line (NUL bytes dropped, no newline) reads as a command.
fn is_command(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let code = line.get(..comment_start(line)).unwrap_or(line);
    let printable = |b: &u8| b.is_ascii_graphic() || matches!(b, b' ' | b'\t') || *b >= 0x80;
    if !code.iter().all(printable) {
        return false;
    }
    let substitution = code.windows(2).any(|w| w == b"$(") || code.contains(&b'`');
    substitution || starts_with_command_word(code)
}

/// Where a `#` comment starts: at the start of a word, as the shell reads it.
fn comment_start(line: &[u8]) -> usize {
    let mut previous = b' ';
    for (at, &b) in line.iter().enumerate() {
        if b == b'#' && matches!(previous, b' ' | b'\t' | b';' | b'&' | b'|' | b'(' | b')') {
            return at;
        }
        previous = b;
    }
    line.len()
}

/// Whether `code` starts, after blanks and any `(`, `{` or `!`, with a command word.
fn starts_with_command_word(code: &[u8]) -> bool {
    let mut rest = code.trim_ascii_start();
    while let [b'(' | b'{' | b'!', tail @ ..] = rest {
        rest = tail.trim_ascii_start();
    }
    let is_end = |b: &u8| {
        matches!(
            b,
            b' ' | b'\t' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
        )
    };
    let word_len = rest.iter().position(is_end).unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_len);
    match word {
        [] => false,
        // The `.` builtin reads and runs the file it is given.
        [b'.'] => matches!(after.first(), Some(b' ' | b'\t')),
        _ if word.contains(&b'/') => word
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'+')),
        [first, tail @ ..] => {
            (first.is_ascii_lowercase() || *first == b'_')
                && !tail.is_empty()
                && tail.iter().all(|b| {
                    b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || matches!(b, b'_' | b'.' | b'+' | b'-')
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_scripts() {
        assert_eq!(text(b"#!/bin/sh\0"), Some(Text::Script { shebang: true }));
        assert_eq!(
            text(b"curl x|sh\n\0\0"),
            Some(Text::Script { shebang: false })
        );
        assert_eq!(text(b"\n\0\0"), Some(Text::Script { shebang: false }));
        assert_eq!(text(b"ACME scanner 1.0\0\0\0"), Some(Text::Plain));
        assert_eq!(text(b"ACME\0\0more text\0"), Some(Text::Plain));
        // Until issue 15 this was plain text (bash refuses it: a NUL in its first line); dash
        // runs the later line, `command` being a builtin.
        assert_eq!(
            text(b"ACME\0\ncommand\n"),
            Some(Text::Script { shebang: false })
        );
        assert_eq!(text(b"ACME\0\nCommand\n"), Some(Text::Plain));
        assert_eq!(text(b"\x01\x02\n"), None);
        assert_eq!(text(b"\0\0\0A"), None);
        assert_eq!(text(b"ab\x7fcd"), None);
        assert_eq!(text(b""), None);
    }

    #[test]
    fn later_lines_after_nul_padding_or_control_bytes_are_scripts() {
        let script = Some(Text::Script { shebang: false });
        // NUL padding, then a command: dash runs it.
        assert_eq!(text(b"ACME\0\0\0\necho pwned\n\0\0"), script);
        // A first line of control bytes: bash and dash skip it.
        assert_eq!(text(b"\x01\x02\x03\necho pwned\n\0\0"), script);
        // A command after NUL padding on the first line, up to the end of the preamble.
        assert_eq!(text(b"\0\0\0\0curl -s x|sh #\x01\x02"), script);
        // Shells drop NUL bytes: `ec\0ho` is `echo`.
        assert_eq!(command_line(b"\x01\nec\0ho hi\n"), Some(2));
        assert_eq!(command_line(b"\x01\n\0\0echo hi"), Some(4));
        assert_eq!(command_line(b"\0\0\0"), None);
    }

    #[test]
    fn command_words() {
        for line in [
            &b"echo pwned"[..],
            b"  curl -s http://x | sh",
            b"python3 -c 'import os'",
            b"apt-get install x",
            b"/bin/sh -c id",
            b"./payload",
            b". ./payload",
            b"(id)",
            b"{ id; }",
            b"! id",
            b"reboot",
            b"id;",
            b"x=$(id)",
            b"ACME `id`",
            b"echo hi\r",
            b"echo \xc3\xa9",
        ] {
            assert!(is_command(line), "{}", line.escape_ascii());
        }
        for line in [
            &b""[..],
            b"   ",
            b"ACME Imaging Workstation 4.2",
            b"Created by ACME",
            b"hello, world",
            b"x",
            b"4.2 build 17",
            b".",
            b"# comment only",
            b"\x01\x02\x03",
            b"echo \x01pwned",
            b"Echo hi",
            b"II*",
            b"MITRA LINKED",
        ] {
            assert!(!is_command(line), "{}", line.escape_ascii());
        }
        // Whatever follows a comment does not matter.
        assert!(is_command(b"id #\x01\x02"));
    }
}
