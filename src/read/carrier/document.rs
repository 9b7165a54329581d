//! Documents anywhere in a file, by the readers' rules.

use aho_corasick::{AhoCorasick, Input};

use super::{Carrier, Confirmation};
use crate::error::Error;
use crate::read::cursor;
use crate::read::probe::Probe;

/// Bytes after `%PDF-` in which a PDF's structure must begin.
const PDF_WINDOW: usize = 64 * 1024;

/// How far into a file Acrobat and poppler look for `%PDF-`.
const PDF_READERS_WINDOW: u64 = 1024;

/// Bytes before the end of a window already read that are read again: any structure marker
/// (7 bytes at most, `trailer` or a minimal `1 0 obj`) that ends past it starts after them.
const MARKER_OVERLAP: u64 = 16;

/// What PDF candidates of one search learnt of the bytes their windows read.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PdfMemo {
    /// A range of input bytes that holds no structure marker whole.
    clear: Option<(u64, u64)>,
    /// The first marker found after the range: its start, end and name.
    found: Option<(u64, u64, &'static str)>,
}

/// PDF: `%PDF-` with a version (`1.7`, `2.0`), followed within 64 KiB by the structure a
/// reader parses: an indirect object (`N G obj`), a cross-reference table or stream
/// (`xref`), a `trailer` or the `%%EOF` marker. A `%PDF-` in running text has none of them.
///
/// `memo` holds what earlier candidates' windows (over the same input, in increasing offset
/// order) learnt: a window that starts in bytes known to hold no marker reads only what lies
/// past them, one that holds the marker found already reads nothing, so that a run of
/// `%PDF-1.4` decoys reads each byte about once, not 64 KiB per decoy.
pub(super) fn pdf(
    probe: &mut Probe<'_>,
    at: u64,
    memo: &mut PdfMemo,
) -> Result<Option<Confirmation>, Error> {
    let Some(version) = probe.fetch::<8>(at)? else {
        return Ok(None);
    };
    let versioned = matches!(
        cursor::slice_at(&version, 5, 3),
        Some([major, b'.', minor]) if major.is_ascii_digit() && minor.is_ascii_digit()
    );
    if !versioned {
        return Ok(None);
    }
    let window_start = at.saturating_add(8);
    let window_end = window_start
        .saturating_add(PDF_WINDOW as u64)
        .min(probe.len());
    let confirmed = |structure: &str| {
        Some(Confirmation {
            carrier: Carrier::Pdf,
            offset: at,
            detail: format!("header with a version, followed by `{structure}`"),
            opens_the_file: at < PDF_READERS_WINDOW,
        })
    };
    if let Some((start, end, name)) = memo.found {
        if start >= window_start && end <= window_end {
            return Ok(confirmed(name));
        }
    }
    // Where the bytes not yet known to be clear start, and the clear range this one extends
    // (a window onto a stream may begin after its end).
    let (from, clear_start) = match memo.clear {
        Some((start, end)) if (start..=end).contains(&window_start) => {
            (end.saturating_sub(MARKER_OVERLAP).max(window_start), start)
        }
        _ => (window_start, window_start),
    };
    let from = from.max(probe.start());
    if from >= window_end {
        return Ok(None);
    }
    let len = usize::try_from(window_end.saturating_sub(from)).unwrap_or(PDF_WINDOW);
    let Some(window) = probe.fetch_up_to(from, len)? else {
        return Ok(None);
    };
    match first_marker(&window) {
        Some((start, end, name)) => {
            let start = from.saturating_add(start as u64);
            memo.found = Some((start, from.saturating_add(end as u64), name));
            memo.clear = Some((clear_start, start));
            Ok(confirmed(name))
        }
        None => {
            memo.clear = Some((clear_start, from.saturating_add(window.len() as u64)));
            Ok(None)
        }
    }
}

/// The first structure marker whole in `bytes`: `xref`, `trailer`, `%%EOF` or an indirect
/// object header (digits, a space, digits, ` obj`, from its last number digit on); its start,
/// end and name.
fn first_marker(bytes: &[u8]) -> Option<(usize, usize, &'static str)> {
    const NAMES: [&str; 4] = ["xref", "trailer", "%%EOF", "obj"];
    static MARKERS: std::sync::OnceLock<Option<AhoCorasick>> = std::sync::OnceLock::new();
    let markers = MARKERS
        .get_or_init(|| AhoCorasick::new(["xref", "trailer", "%%EOF", " obj"]).ok())
        .as_ref()?;
    let mut from = 0;
    while from < bytes.len() {
        let found = markers.find(Input::new(bytes).range(from..))?;
        let name = NAMES.get(found.pattern().as_usize()).copied()?;
        if name != "obj" {
            return Some((found.start(), found.end(), name));
        }
        if let Some(start) = object_start(bytes, found.start()) {
            return Some((start, found.end(), name));
        }
        from = found.start().saturating_add(1);
    }
    None
}

/// Where the indirect object header whose ` obj` stands at `i` starts, from its number's
/// last digit (any window from there on still holds it): digits, a space, digits before `i`.
fn object_start(bytes: &[u8], i: usize) -> Option<usize> {
    let before = bytes.get(..i)?;
    let generation = before
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let rest = before.len().checked_sub(generation)?;
    let space = rest.checked_sub(1)?;
    let digit = space.checked_sub(1)?;
    let number = before.get(digit).is_some_and(u8::is_ascii_digit);
    (generation > 0 && number && before.get(space) == Some(&b' ')).then_some(digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoys_read_each_byte_about_once_and_confirm_as_without_the_memo() {
        // 100 KiB of `%PDF-1.4` decoys, then a trailer: the decoys within 64 KiB of it
        // confirm, with the memo as without it, and the memo reads each byte about once.
        let mut bytes = b"%PDF-1.4".repeat(100 * 1024 / 8);
        let trailer = bytes.len() as u64 + 1;
        bytes.extend_from_slice(b"\ntrailer\n");
        bytes.extend_from_slice(b"%PDF-1.4 1 0 obj");
        let mut src: &[u8] = &bytes;
        let mut clear = PdfMemo::default();
        let mut read = 0;
        let mut confirmed = 0;
        for at in (0..bytes.len() as u64).filter(|&i| bytes[i as usize..].starts_with(b"%PDF-")) {
            let mut probe = Probe::new(&mut src, u64::MAX);
            let got = pdf(&mut probe, at, &mut clear).unwrap();
            read += u64::MAX - probe.remaining();
            // Compared with a confirmation alone: now and then, and all around the first
            // decoy that reaches the trailer.
            if at % 1024 == 0 || at.abs_diff(trailer - PDF_WINDOW as u64) < 64 {
                let mut alone = Probe::new(&mut src, u64::MAX);
                let expected = pdf(&mut alone, at, &mut PdfMemo::default()).unwrap();
                assert_eq!(got.is_some(), expected.is_some(), "at {at}");
            }
            confirmed += usize::from(got.is_some());
        }
        assert!(confirmed > 8000, "{confirmed}");
        assert!(read < 3 * bytes.len() as u64, "{read}");
    }
}
