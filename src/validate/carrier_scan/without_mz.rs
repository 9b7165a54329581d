//! Searches that leave out the `MZ` anchor where it cannot matter.
//!
//! A PE's header (its `PE\0\0` signature) lies `e_lfanew` bytes after its `MZ`, and that
//! distance is unsigned and at least two (the byte after the `M` is `Z`, not `P`): an `MZ`
//! begins a PE the confirmation accepts only when a signature starts after it in the input.
//! So a value is searched first without its `MZ`s ([`Pass::WithoutMz`]), the pass noting where
//! signatures start; when none starts in the value, nor in the input after it, that pass is the
//! whole answer. When one does (one in about 4 GB of random bytes, or a file built with one),
//! what the pass confirmed is set aside, the confirmer is as it was, and the value is searched
//! again with every anchor: the findings are always those of a full search, and a file built to
//! hold a signature pays for two passes.
//!
//! The bytes after the value are looked at on their own, with `memmem`, so this is done only
//! when they are few beside the value ([`TAIL_SHARE`]), only for values whose `MZ` pass costs
//! more than that look ([`WITHOUT_MZ_MIN`]) and only for an input with random access that
//! threads share (a slice or a file: see [`SharedInput`]). It takes about a seventh off a deep
//! search of Pixel Data, which is usually the last element.

use crate::error::Error;
use crate::read::carrier::search::{Pass, PE_SIGNATURE};
use crate::read::carrier::Confirmation;
use crate::read::probe::RandomAccess;
use crate::read::shared::SharedInput;

use super::parallel::next_chunk;
use super::CarrierScan;

/// A value is searched without its `MZ`s first only when the input after it is at most this
/// fraction of it: the signatures there are looked for on their own, which costs about what
/// leaving out the `MZ`s saves on as many bytes.
const TAIL_SHARE: u64 = 8;

/// The smallest value searched without its `MZ`s first: below, the `MZ` pass (about 3 µs for
/// this many bytes) costs little more than reading the bytes after the value would.
pub(super) const WITHOUT_MZ_MIN: u64 = 256 << 10;

impl CarrierScan {
    /// Runs `search`, a search of a value of `len` bytes that ends at input offset `end`, for
    /// the anchors of the pass it is given (it returns whether a PE signature starts in the
    /// bytes it searched), appending confirmations to `found`: without `MZ`s first when the
    /// input after the value is short, and again with every anchor when a signature starts in
    /// the value or after it (see the module's documentation).
    pub(super) fn without_mz_first(
        &mut self,
        shared: SharedInput<'_>,
        len: u64,
        end: u64,
        found: &mut Vec<Confirmation>,
        mut search: impl FnMut(&mut Self, Pass, &mut Vec<Confirmation>) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let input_end = RandomAccess::len(&shared);
        if input_end.saturating_sub(end) <= len / TAIL_SHARE {
            let (kept, confirmer) = (found.len(), self.confirmer);
            let signature = search(self, Pass::WithoutMz, found)?;
            if !signature && !signature_in(shared, end, input_end)? {
                return Ok(());
            }
            found.truncate(kept);
            self.confirmer = confirmer;
        }
        search(self, Pass::All, found).map(|_| ())
    }
}

/// Whether a PE signature starts in `[from, to)` of `shared`.
fn signature_in(shared: SharedInput<'_>, from: u64, to: u64) -> Result<bool, Error> {
    let overlap = PE_SIGNATURE.len().saturating_sub(1);
    let mut buf = Vec::new();
    let mut at = from;
    while at < to {
        let (span, chunk) = next_chunk(&shared, at, to, overlap, &mut buf)?;
        if memchr::memmem::find(chunk, PE_SIGNATURE).is_some_and(|i| i < span) {
            return Ok(true);
        }
        if chunk.len() < span {
            break;
        }
        at = at.saturating_add(span as u64);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::super::parallel::RANGE_CHUNK;
    use super::*;

    #[test]
    fn signatures_are_found_in_the_bytes_after_a_value_across_chunks() {
        let mut data = vec![0u8; 3 * RANGE_CHUNK];
        for at in [0, RANGE_CHUNK - 2, 2 * RANGE_CHUNK + 5, 3 * RANGE_CHUNK - 4] {
            let mut copy = data.clone();
            copy[at..at + 4].copy_from_slice(PE_SIGNATURE);
            let shared = SharedInput::Slice(&copy);
            let end = copy.len() as u64;
            assert!(signature_in(shared, 0, end).unwrap(), "{at}");
            assert!(signature_in(shared, at as u64, end).unwrap(), "{at}");
            assert!(!signature_in(shared, at as u64 + 1, end).unwrap(), "{at}");
            // A signature must start before `to`.
            assert!(!signature_in(shared, 0, at as u64).unwrap(), "{at}");
        }
        data.truncate(3);
        assert!(!signature_in(SharedInput::Slice(&data), 0, 10).unwrap());
    }
}
