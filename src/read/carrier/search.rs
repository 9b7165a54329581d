//! One pass over bytes for every carrier anchor at once (SIMD where the CPU has it).

use std::ops::ControlFlow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use super::{Carrier, ANCHORS};

/// The compiled anchors.
fn automaton() -> Option<&'static AhoCorasick> {
    static AUTOMATON: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AUTOMATON
        .get_or_init(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(ANCHORS.iter().map(|a| a.bytes))
                .ok()
        })
        .as_ref()
}

/// Calls `visit` with the carrier and position of every anchor that starts in
/// `bytes[..report_end]` (the bytes after it give anchors that start there their full length),
/// in order, overlapping ones included, until `visit` breaks.
pub(crate) fn anchors(
    bytes: &[u8],
    report_end: usize,
    mut visit: impl FnMut(Carrier, usize) -> ControlFlow<()>,
) {
    let Some(automaton) = automaton() else {
        return;
    };
    let report_end = report_end.min(bytes.len());
    let mut from = 0;
    while from < report_end {
        let input = Input::new(bytes).range(from..);
        let Some(found) = automaton.find(input) else {
            return;
        };
        let at = found.start();
        if at >= report_end {
            return;
        }
        if let Some(anchor) = ANCHORS.get(found.pattern().as_usize()) {
            if visit(anchor.carrier, at).is_break() {
                return;
            }
        }
        // The next search starts one byte on, so an anchor overlapping this one is found too.
        from = at.saturating_add(1);
    }
}

/// Whether any anchor stands in `bytes`.
pub(crate) fn any_anchor(bytes: &[u8]) -> bool {
    automaton().is_some_and(|automaton| automaton.is_match(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8], report_end: usize) -> Vec<(Carrier, usize)> {
        let mut out = Vec::new();
        anchors(bytes, report_end, |c, at| {
            out.push((c, at));
            ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn finds_every_anchor_overlapping_ones_included() {
        // A big-endian Mach-O magic whose last byte starts a little-endian one.
        let bytes = b"xx\xFE\xED\xFA\xCE\xFA\xED\xFE..MZ..PK\x05\x06";
        assert_eq!(
            all(bytes, bytes.len()),
            [
                (Carrier::MachO, 2),
                (Carrier::MachO, 5),
                (Carrier::Pe, 11),
                (Carrier::Zip, 15),
            ]
        );
        assert!(any_anchor(bytes));
        assert!(!any_anchor(b"1.2.840.10008.1.2.1\0"));
        // Only anchors starting before the report end count.
        assert_eq!(all(bytes, 11), [(Carrier::MachO, 2), (Carrier::MachO, 5)]);
        assert_eq!(all(b"", 0), []);
    }

    #[test]
    fn every_anchor_is_found_alone() {
        for anchor in ANCHORS {
            let mut bytes = vec![0u8; 5];
            bytes.extend_from_slice(anchor.bytes);
            assert_eq!(
                all(&bytes, bytes.len()),
                [(anchor.carrier, 5)],
                "{:?}",
                anchor.bytes
            );
        }
    }
}
