//! One large value searched by several threads at once (see
//! [`Validator::search_threads`](crate::Validator::search_threads)).
//!
//! One core searches bytes at about the speed memory delivers them, so a search that reads
//! and searches on one thread takes about twice as long as reading alone. Cut into ranges,
//! each read (with positional reads, or from the slice) and searched by a thread of its own,
//! a value is searched in about the time of reading it.
//!
//! Each range is searched exactly as the calling thread searches a value: chunk by chunk,
//! anchors starting in the chunk, read [`OVERLAP`] bytes longer so that an anchor across two
//! ranges is found whole by the first, candidates confirmed in order through the input with
//! the chunk at hand read for free. The confirmations of the ranges are joined in order, so
//! the findings are those of one thread; only the I/O budget of confirmations differs, split
//! evenly between the ranges (see [`Confirmer::split`]).

use std::thread;

use crate::error::Error;
use crate::read::carrier::{Carrier, Confirmation};
use crate::read::probe::WindowAt;
use crate::read::shared::SharedInput;
use crate::read::walk::Walk;

use super::{collect_candidates, CarrierScan, Confirmer, Layered, OVERLAP, SEARCH_CHUNK};

/// The smallest value searched by several threads.
pub(in crate::validate) const PARALLEL_MIN: u64 = 8 << 20;
/// The smallest range a thread is given.
const MIN_RANGE: u64 = 4 << 20;
/// Bytes a thread reads and searches at a time: twice the pair of passes' working set fits
/// a core's L2 cache with the reading's.
const RANGE_CHUNK: usize = 256 << 10;

/// What a thread found in its range, and the confirmer it leaves.
type RangeResult = Result<(Vec<Confirmation>, Confirmer), Error>;

impl CarrierScan {
    /// Searches the input's bytes `[start, end)` as [`CarrierScan::search`] does, for a
    /// caller whose `each` looks at the first chunk alone: when the value is large, the walk
    /// has a handle threads share and more than one thread is allowed, the bytes after the
    /// first chunk are searched by several threads at once (and not handed to `each`).
    pub(in crate::validate) fn search_value(
        &mut self,
        walk: &mut Walk<'_>,
        start: u64,
        end: u64,
        each: impl FnMut(u64, &[u8], usize),
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let shared = walk.shared();
        let ranges = ranges(self.threads, end.saturating_sub(start));
        let Some(shared) = shared.filter(|_| ranges > 1) else {
            return self.search(walk, start, end, each, found);
        };
        // The first chunk on this thread, for `each`, as an undivided search gives it.
        let head_end = start.saturating_add(SEARCH_CHUNK as u64);
        self.search(walk, start, head_end, each, found)?;
        self.search_ranges(shared, head_end, end, ranges, found)
    }

    /// Searches `[start, end)` of `shared` in `ranges` ranges at once, one on this thread,
    /// appending the confirmations to `found` in order.
    fn search_ranges(
        &mut self,
        shared: SharedInput<'_>,
        start: u64,
        end: u64,
        ranges: u64,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let len = end.saturating_sub(start);
        let step = len.checked_div(ranges).unwrap_or(len);
        let bounds = (0..ranges).map(|k| {
            let from = start.saturating_add(step.saturating_mul(k));
            let to = if k.saturating_add(1) == ranges {
                end
            } else {
                from.saturating_add(step)
            };
            (from, to)
        });
        let confirmers: Vec<Confirmer> = self.confirmer.split(ranges).collect();
        let results: Vec<RangeResult> = thread::scope(|scope| {
            let mut jobs = bounds.zip(confirmers);
            let first = jobs.next();
            // Ranges after the first on threads of their own; one the system refuses a thread
            // for waits for this one.
            let started: Vec<_> = jobs
                .map(|((from, to), confirmer)| {
                    thread::Builder::new()
                        .name("dicom-sanitize search".into())
                        .spawn_scoped(scope, move || search_range(shared, from, to, confirmer))
                        .map_err(|_| (from, to, confirmer))
                })
                .collect();
            let mut results = Vec::with_capacity(started.len().saturating_add(1));
            if let Some(((from, to), confirmer)) = first {
                results.push(search_range(shared, from, to, confirmer));
            }
            for job in started {
                results.push(match job {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    Err((from, to, confirmer)) => search_range(shared, from, to, confirmer),
                });
            }
            results
        });
        for result in results {
            let (confirmations, confirmer) = result?;
            found.extend(confirmations);
            self.confirmer.join(confirmer);
        }
        Ok(())
    }
}

/// How many ranges a value of `len` bytes is searched in with up to `threads` threads: each
/// at least [`MIN_RANGE`] long, and one (no threads) below [`PARALLEL_MIN`].
fn ranges(threads: usize, len: u64) -> u64 {
    if len < PARALLEL_MIN {
        return 1;
    }
    let threads = u64::try_from(threads).unwrap_or(u64::MAX);
    threads.min(len / MIN_RANGE).max(1)
}

/// Searches `[from, to)` of `shared` chunk by chunk, confirming each chunk's candidates through
/// `confirmer` (the chunk read for free, the rest of the input through `shared`): what one
/// thread does with its range.
fn search_range(
    shared: SharedInput<'_>,
    from: u64,
    to: u64,
    mut confirmer: Confirmer,
) -> RangeResult {
    let mut buf = Vec::new();
    let mut candidates: Vec<(Carrier, u64)> = Vec::new();
    let mut found = Vec::new();
    let mut input = shared;
    let mut at = from;
    while at < to {
        let span = usize::try_from(to.saturating_sub(at))
            .unwrap_or(RANGE_CHUNK)
            .min(RANGE_CHUNK);
        let chunk = shared
            .bytes_at(at, span.saturating_add(OVERLAP), &mut buf)
            .map_err(|e| Error::io(at, &e))?;
        if chunk.is_empty() {
            break;
        }
        let report_end = span.min(chunk.len());
        candidates.clear();
        let resume = collect_candidates(chunk, at, report_end, &mut candidates);
        if !candidates.is_empty() {
            let mut layered = Layered {
                window: WindowAt {
                    start: at,
                    bytes: chunk,
                },
                inner: &mut input,
            };
            confirmer.confirm_each(&candidates, &mut layered, &mut found)?;
        }
        let short = chunk.len() < span;
        at = at.saturating_add(resume.max(1) as u64);
        if short && resume == report_end {
            break;
        }
    }
    Ok((found, confirmer))
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::read::carrier::tests::{elf, tar};
    use crate::read::probe::Probe;

    #[test]
    fn values_are_cut_only_when_large_and_threads_allow() {
        assert_eq!(ranges(8, PARALLEL_MIN - 1), 1);
        assert_eq!(ranges(1, 100 << 20), 1);
        assert_eq!(ranges(0, 100 << 20), 1);
        assert_eq!(ranges(2, PARALLEL_MIN), 2);
        assert_eq!(ranges(64, 100 << 20), 25);
        assert_eq!(ranges(usize::MAX, 12 << 20), 3);
    }

    /// Bytes from a fixed-seed xorshift generator.
    fn noise(len: usize) -> Vec<u8> {
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    /// Every carrier one search of the whole of `data` confirms, with its offset.
    fn one_pass(data: &[u8]) -> Vec<(Carrier, u64)> {
        let mut source = data;
        let mut probe = Probe::new(&mut source, u64::MAX);
        let mut out = Vec::new();
        crate::read::carrier::search(data, 0, data.len(), &mut probe, 1024, |c| {
            out.push((c.carrier, c.offset));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn ranges_searched_at_once_find_what_one_pass_finds() {
        let len: usize = 12 << 20;
        let mut data = noise(len);
        let mut put = |at: usize, bytes: &[u8]| data[at..at + bytes.len()].copy_from_slice(bytes);
        let elf = elf(62, 1);
        let tar = tar("payload.sh", false);
        // At the start and the end; across the bounds of 2 and 3 ranges (the ELF's magic
        // split by a bound, a tar whose header starts in one range and whose `ustar` lies in
        // the next); and a run of decoy `MZ`s over more candidates than a chunk collects.
        put(0, &elf);
        put(len - elf.len(), &elf);
        put(len / 2 - 2, &elf);
        put(len / 3 - 100, &tar);
        put(2 * (len / 3) - 3, &elf);
        put(5 << 20, &b"MZ".repeat(4096));
        let expected = one_pass(&data);
        assert_eq!(
            expected.iter().filter(|(c, _)| *c == Carrier::Elf).count(),
            4,
            "{expected:?}"
        );
        assert!(expected.contains(&(Carrier::Tar, (len / 3 - 100) as u64)));

        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let inputs = [
            SharedInput::Slice(&data),
            SharedInput::File {
                file: &file,
                len: len as u64,
            },
        ];
        for shared in inputs {
            for ranges in [1, 2, 3, 5] {
                let mut scan = CarrierScan::new(u64::MAX, 1024, 8);
                let mut found = Vec::new();
                scan.search_ranges(shared, 0, len as u64, ranges, &mut found)
                    .unwrap();
                let got: Vec<_> = found.iter().map(|c| (c.carrier, c.offset)).collect();
                assert_eq!(got, expected, "{ranges} ranges of {shared:?}");
                assert_eq!(scan.confirmer.spent_at, None);
            }
        }
    }

    #[test]
    fn the_budget_is_split_between_ranges_and_taken_back() {
        let mut whole = CarrierScan::new(1000, 1024, 4).confirmer;
        let parts: Vec<_> = whole.split(3).collect();
        assert_eq!(
            parts.iter().map(|p| p.budget).collect::<Vec<_>>(),
            [334, 333, 333]
        );
        assert_eq!(whole.budget, 0);
        let mut spent = parts[1];
        spent.budget = 0;
        spent.spent_at = Some(77);
        let mut later = parts[2];
        later.spent_at = Some(99);
        for part in [parts[0], spent, later] {
            whole.join(part);
        }
        assert_eq!(whole.budget, 334 + 333);
        assert_eq!(whole.spent_at, Some(77));
    }
}
