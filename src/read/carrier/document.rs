//! Documents anywhere in a file, by the readers' rules.

use memchr::memmem;

use super::{Carrier, Confirmation};
use crate::error::Error;
use crate::read::cursor;
use crate::read::probe::Probe;

/// Bytes after `%PDF-` in which a PDF's structure must begin.
const PDF_WINDOW: usize = 64 * 1024;

/// How far into a file Acrobat and poppler look for `%PDF-`.
const PDF_READERS_WINDOW: u64 = 1024;

/// PDF: `%PDF-` with a version (`1.7`, `2.0`), followed within 64 KiB by the structure a
/// reader parses: an indirect object (`N G obj`), a cross-reference table or stream
/// (`xref`), a `trailer` or the `%%EOF` marker. A `%PDF-` in running text has none of them.
pub(super) fn pdf(probe: &mut Probe<'_>, at: u64) -> Result<Option<Confirmation>, Error> {
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
    let Some(window) = probe.fetch_up_to(at.saturating_add(8), PDF_WINDOW)? else {
        return Ok(None);
    };
    let structure = ["xref", "trailer", "%%EOF"]
        .iter()
        .find(|marker| memmem::find(&window, marker.as_bytes()).is_some())
        .copied()
        .or_else(|| has_object(&window).then_some("obj"));
    let Some(structure) = structure else {
        return Ok(None);
    };
    Ok(Some(Confirmation {
        carrier: Carrier::Pdf,
        offset: at,
        detail: format!("header with a version, followed by `{structure}`"),
        opens_the_file: at < PDF_READERS_WINDOW,
    }))
}

/// Whether `bytes` hold an indirect object header: digits, a space, digits, a space, `obj`.
fn has_object(bytes: &[u8]) -> bool {
    memmem::find_iter(bytes, b" obj").any(|i| {
        let before = bytes.get(..i).unwrap_or_default();
        let generation = before
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let rest = before.len().saturating_sub(generation);
        let number = before
            .get(..rest.saturating_sub(1))
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        generation > 0 && number > 0 && before.get(rest.saturating_sub(1)) == Some(&b' ')
    })
}
