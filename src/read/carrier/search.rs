//! One pass over bytes for every carrier anchor at once (SIMD where the CPU has it).
//!
//! Anchors of three bytes or more share one automaton: aho-corasick's Teddy prefilter, which
//! takes a fingerprint of as many bytes as the shortest pattern holds (up to four), so three
//! bytes here. An anchor of two bytes (`MZ`) would cut every fingerprint to two bytes: in
//! random bytes (compressed or noisy pixels) the false candidates then cost the search about
//! half its speed. Each short anchor is therefore searched on its own with `memchr`'s
//! `memmem` (a two-byte needle is found by comparing both bytes per SIMD lane, at memory
//! speed), and the two streams of positions are merged, so the anchors still come in order.
//!
//! Why not anchor a PE on its `PE\0\0` signature instead, and check the `MZ` backwards? The
//! signature lies `e_lfanew` bytes after the `MZ`, and that distance is any 32-bit value the
//! loader accepts: going backwards means searching the whole file before the signature for
//! an `MZ` whose `e_lfanew` points here, and the signature may lie where the search does not
//! go (Pixel Data, by default) while the `MZ` is in a searched value. The `MZ` anchor finds
//! every PE the current confirmation confirms, and the split search keeps it cheap.
//!
//! The signature still serves: a second automaton looks for it with the long anchors (at no
//! cost a benchmark can see), and a search through it says whether one starts in its bytes. A PE's
//! signature lies two bytes or more *after* its `MZ` (`e_lfanew` is unsigned, and the two
//! bytes after the `M` are `Z` and not `P`), so where no signature stands from some offset to
//! the input's end, no `MZ` from that offset on can begin a PE the confirmation accepts, and
//! a search of those bytes may leave out the `MZ` pass ([`Pass::WithoutMz`]): about a seventh
//! of a deep search's time on a large value. The caller checks the rest of the input.

use std::ops::ControlFlow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use memchr::memmem::Finder;

use super::{Carrier, ANCHORS};

/// A PE header's signature: not an anchor (a PE is found from its `MZ`), but noted where it
/// stands (see the module's documentation).
pub(crate) const PE_SIGNATURE: &[u8] = b"PE\0\0";

/// Which anchors a search reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Every anchor.
    All,
    /// Every anchor but `MZ`: for bytes from which on no PE signature stands in the input,
    /// where no `MZ` can begin a PE (see the module's documentation).
    WithoutMz,
}

/// Anchors shorter than this are searched on their own (see the module's documentation).
const SHORT_LEN: usize = 3;

/// How many anchors are short.
const SHORT_ANCHORS: usize = {
    let mut count = 0usize;
    let mut rest = ANCHORS;
    while let [anchor, tail @ ..] = rest {
        if anchor.bytes.len() < SHORT_LEN {
            count = count.saturating_add(1);
        }
        rest = tail;
    }
    count
};

/// The compiled anchors: an automaton for the long ones (and one for them and the PE
/// signature), one finder per short one.
struct Searchers {
    /// Every anchor of [`SHORT_LEN`] bytes or more, in the order of [`ANCHORS`] (pattern `i`
    /// is `long_carriers[i]`): for [`Pass::All`].
    long: AhoCorasick,
    /// The PE signature (pattern 0), then the same anchors (pattern `i + 1` is
    /// `long_carriers[i]`): for [`Pass::WithoutMz`]. A pass of every anchor does without
    /// the signature, which would cost the search of many small values a few percent.
    long_and_signature: AhoCorasick,
    /// The carrier of each long anchor.
    long_carriers: Vec<Carrier>,
    /// Every shorter anchor, with its carrier.
    short: [(Finder<'static>, Carrier); SHORT_ANCHORS],
}

/// The searchers, built once.
fn searchers() -> Option<&'static Searchers> {
    static SEARCHERS: OnceLock<Option<Searchers>> = OnceLock::new();
    SEARCHERS
        .get_or_init(|| {
            let long = || ANCHORS.iter().filter(|a| a.bytes.len() >= SHORT_LEN);
            let automaton = |patterns: &mut dyn Iterator<Item = &'static [u8]>| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(patterns)
                    .ok()
            };
            let short: Vec<(Finder<'static>, Carrier)> = ANCHORS
                .iter()
                .filter(|a| a.bytes.len() < SHORT_LEN)
                .map(|a| (Finder::new(a.bytes), a.carrier))
                .collect();
            Some(Searchers {
                long: automaton(&mut long().map(|a| a.bytes))?,
                long_and_signature: automaton(
                    &mut std::iter::once(PE_SIGNATURE).chain(long().map(|a| a.bytes)),
                )?,
                long_carriers: long().map(|a| a.carrier).collect(),
                short: short.try_into().ok()?,
            })
        })
        .as_ref()
}

/// What an automaton finds: an anchor's carrier, or (`None`) a PE signature.
type LongHit = Option<Carrier>;

/// The next pattern of the automaton of `pass` starting in `bytes[from..report_end]`.
fn next_long(
    searchers: &Searchers,
    pass: Pass,
    bytes: &[u8],
    from: usize,
    report_end: usize,
) -> Option<(usize, LongHit)> {
    if from >= report_end {
        return None;
    }
    let input = Input::new(bytes).range(from..);
    let (found, carrier) = match pass {
        Pass::All => {
            let found = searchers.long.find(input)?;
            (found, Some(found.pattern().as_usize()))
        }
        Pass::WithoutMz => {
            let found = searchers.long_and_signature.find(input)?;
            (found, found.pattern().as_usize().checked_sub(1))
        }
    };
    let hit = match carrier {
        None => None,
        Some(i) => Some(*searchers.long_carriers.get(i)?),
    };
    let at = found.start();
    (at < report_end).then_some((at, hit))
}

/// The next occurrence of a short anchor starting in `bytes[from..report_end]`.
fn next_short(finder: &Finder<'_>, bytes: &[u8], from: usize, report_end: usize) -> Option<usize> {
    // An anchor starting before `report_end` may end after it.
    let end = report_end
        .saturating_add(finder.needle().len().saturating_sub(1))
        .min(bytes.len());
    let rest = bytes.get(from..end)?;
    let at = from.saturating_add(finder.find(rest)?);
    (at < report_end).then_some(at)
}

/// Calls `visit` with the carrier and position of every anchor that starts in
/// `bytes[..report_end]` (the bytes after it give anchors that start there their full length),
/// in order, overlapping ones included, until `visit` breaks; `MZ` left out when `pass` says
/// so. With [`Pass::WithoutMz`], returns whether a PE signature starts in the bytes searched
/// (up to where `visit` broke, or `report_end`); a pass of every anchor does not look for
/// signatures and returns false.
pub(crate) fn anchors(
    bytes: &[u8],
    report_end: usize,
    pass: Pass,
    mut visit: impl FnMut(Carrier, usize) -> ControlFlow<()>,
) -> bool {
    let Some(searchers) = searchers() else {
        return false;
    };
    let report_end = report_end.min(bytes.len());
    let mut signature = false;
    // The next position of each stream: the automaton's, and each short anchor's. No two
    // patterns start at one position (none is a prefix of another), so the merge is strict.
    let mut long = next_long(searchers, pass, bytes, 0, report_end);
    let mut short: [Option<usize>; SHORT_ANCHORS] = std::array::from_fn(|_| None);
    if pass == Pass::All {
        for (next, (finder, _)) in short.iter_mut().zip(&searchers.short) {
            *next = next_short(finder, bytes, 0, report_end);
        }
    }
    loop {
        let first_short = short
            .iter()
            .enumerate()
            .filter_map(|(i, next)| next.map(|at| (at, i)))
            .min();
        let (hit, at) = match (long, first_short) {
            (None, None) => return signature,
            (Some((at, hit)), None) => (hit, at),
            (Some((at, hit)), Some((short_at, _))) if at < short_at => (hit, at),
            (_, Some((at, i))) => {
                let Some((finder, carrier)) = searchers.short.get(i) else {
                    return signature;
                };
                // The next search starts one byte on, so an anchor overlapping this one is
                // found too.
                if let Some(next) = short.get_mut(i) {
                    *next = next_short(finder, bytes, at.saturating_add(1), report_end);
                }
                if visit(*carrier, at).is_break() {
                    return signature;
                }
                continue;
            }
        };
        long = next_long(searchers, pass, bytes, at.saturating_add(1), report_end);
        match hit {
            Some(carrier) => {
                if visit(carrier, at).is_break() {
                    return signature;
                }
            }
            None => signature = true,
        }
    }
}

/// Whether any anchor stands in `bytes`.
pub(crate) fn any_anchor(bytes: &[u8]) -> bool {
    let mut found = false;
    anchors(bytes, bytes.len(), Pass::All, |_, _| {
        found = true;
        ControlFlow::Break(())
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8], report_end: usize) -> Vec<(Carrier, usize)> {
        let mut out = Vec::new();
        anchors(bytes, report_end, Pass::All, |c, at| {
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

    /// Every anchor starting in `bytes[..report_end]`, position by position.
    fn naive(bytes: &[u8], report_end: usize) -> Vec<(Carrier, usize)> {
        (0..report_end.min(bytes.len()))
            .flat_map(|at| {
                ANCHORS
                    .iter()
                    .filter(move |a| bytes[at..].starts_with(a.bytes))
                    .map(move |a| (a.carrier, at))
            })
            .collect()
    }

    #[test]
    fn the_split_search_finds_what_a_naive_one_finds() {
        // Pseudo-random bytes with anchors planted at every kind of place: overlapping, at
        // the report end, cut by the end of the bytes.
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        let mut bytes: Vec<u8> = (0..20_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Few distinct bytes, so that short anchors also occur by chance.
                b"MZPK\x05\x06BZh\x1F\x8B"[(state % 11) as usize]
            })
            .collect();
        for (i, anchor) in ANCHORS.iter().enumerate() {
            let at = 97 * i + 13;
            bytes[at..at + anchor.bytes.len()].copy_from_slice(anchor.bytes);
        }
        bytes.extend_from_slice(b"MZMZ\x7FELF");
        for report_end in [
            0,
            1,
            2,
            13,
            500,
            4095,
            bytes.len() - 5,
            bytes.len() - 1,
            bytes.len(),
        ] {
            assert_eq!(
                all(&bytes, report_end),
                naive(&bytes, report_end),
                "{report_end}"
            );
        }
        // `visit` breaking stops the search at once.
        let mut seen = Vec::new();
        anchors(&bytes, bytes.len(), Pass::All, |c, at| {
            seen.push((c, at));
            if seen.len() == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(seen[..], naive(&bytes, bytes.len())[..5]);
        assert_eq!(SHORT_ANCHORS, 1, "MZ alone is short");
    }

    #[test]
    fn a_pass_without_mz_leaves_out_mz_alone_and_says_where_signatures_stand() {
        let bytes = b"MZ..PE\0\0..\x7FELF..MZ";
        let mut out = Vec::new();
        let signature = anchors(bytes, bytes.len(), Pass::WithoutMz, |c, at| {
            out.push((c, at));
            ControlFlow::Continue(())
        });
        assert!(signature);
        assert_eq!(out, [(Carrier::Elf, 10)]);
        // The same bytes searched whole: the MZs too, and the signature is no anchor.
        assert_eq!(
            all(bytes, bytes.len()),
            [(Carrier::Pe, 0), (Carrier::Elf, 10), (Carrier::Pe, 16)]
        );
        // A signature starting at or after the report end, or after `visit` broke, is not
        // one of the bytes searched; a pass of every anchor does not look for signatures.
        let signed = |bytes: &[u8], report_end: usize, go_on: bool| {
            anchors(bytes, report_end, Pass::WithoutMz, |_, _| {
                if go_on {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            })
        };
        assert!(!signed(bytes, 4, true));
        assert!(signed(bytes, 5, true));
        assert!(signed(bytes, bytes.len(), false));
        assert!(!signed(b"\x7FELF..PE\0\0", 10, false));
        assert!(signed(b"\x7FELF..PE\0\0", 10, true));
        assert!(!signed(b"PE\0", 3, true));
        assert!(!anchors(bytes, bytes.len(), Pass::All, |_, _| {
            ControlFlow::Continue(())
        }));
        assert!(!any_anchor(b"..PE\0\0.."));
    }

    #[test]
    fn without_mz_finds_what_a_naive_search_finds_but_mz() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let bytes: Vec<u8> = (0..50_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b"MZPE\0K\x05\x06BZh\x1F\x8B"[(state % 12) as usize]
            })
            .collect();
        let mut out = Vec::new();
        let signature = anchors(&bytes, bytes.len(), Pass::WithoutMz, |c, at| {
            out.push((c, at));
            ControlFlow::Continue(())
        });
        let expected: Vec<_> = naive(&bytes, bytes.len())
            .into_iter()
            .filter(|(c, _)| *c != Carrier::Pe)
            .collect();
        assert_eq!(out, expected);
        assert_eq!(
            signature,
            memchr::memmem::find(&bytes, PE_SIGNATURE).is_some()
        );
        assert!(signature, "the generator makes signatures");
    }
}
