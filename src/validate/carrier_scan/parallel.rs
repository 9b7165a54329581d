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
//!
//! A large value is searched this way whatever the number of threads (one range on the
//! calling thread when one is allowed), and without its `MZ`s first when that may be (see
//! [`CarrierScan::without_mz_first`]).

use std::thread;

use crate::error::Error;
use crate::read::carrier::search::Pass;
use crate::read::carrier::{Carrier, Confirmation};
use crate::read::probe::WindowAt;
use crate::read::shared::SharedInput;

use super::{collect_candidates, CarrierScan, Confirmer, Layered, OVERLAP};

/// The smallest value searched in ranges, by several threads when they are allowed.
pub(in crate::validate) const PARALLEL_MIN: u64 = 8 << 20;
/// The smallest range a thread is given.
const MIN_RANGE: u64 = 4 << 20;
/// Bytes a thread reads and searches at a time: twice the pair of passes' working set fits
/// a core's L2 cache with the reading's.
pub(super) const RANGE_CHUNK: usize = 256 << 10;

/// What a thread found in its range, the confirmer it leaves, and whether a PE signature
/// starts in the range.
type RangeResult = Result<(Vec<Confirmation>, Confirmer, bool), Error>;

impl CarrierScan {
    /// Searches `[start, end)` of `shared` in ranges, by as many threads as are allowed,
    /// without its `MZ`s first when that may be (see [`CarrierScan::without_mz_first`]),
    /// appending the confirmations to `found` in order.
    pub(super) fn search_large(
        &mut self,
        shared: SharedInput<'_>,
        start: u64,
        end: u64,
        found: &mut Vec<Confirmation>,
    ) -> Result<(), Error> {
        let len = end.saturating_sub(start);
        let ranges = ranges(self.threads, len);
        self.without_mz_first(shared, len, end, found, |scan, pass, found| {
            scan.search_ranges(shared, start, end, ranges, pass, found)
        })
    }

    /// Searches `[start, end)` of `shared` in `ranges` ranges at once, one on this thread,
    /// for the anchors of `pass`, appending the confirmations to `found` in order. Returns
    /// whether a PE signature starts in the bytes searched.
    fn search_ranges(
        &mut self,
        shared: SharedInput<'_>,
        start: u64,
        end: u64,
        ranges: u64,
        pass: Pass,
        found: &mut Vec<Confirmation>,
    ) -> Result<bool, Error> {
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
                        .spawn_scoped(scope, move || {
                            search_range(shared, from, to, pass, confirmer)
                        })
                        .map_err(|_| (from, to, confirmer))
                })
                .collect();
            let mut results = Vec::with_capacity(started.len().saturating_add(1));
            if let Some(((from, to), confirmer)) = first {
                results.push(search_range(shared, from, to, pass, confirmer));
            }
            for job in started {
                results.push(match job {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    Err((from, to, confirmer)) => search_range(shared, from, to, pass, confirmer),
                });
            }
            results
        });
        let mut signature = false;
        for result in results {
            let (confirmations, confirmer, signed) = result?;
            found.extend(confirmations);
            self.confirmer.join(confirmer);
            signature |= signed;
        }
        Ok(signature)
    }
}

/// The next chunk of `[at, to)` of `shared`: how many of its bytes are its own (up to
/// [`RANGE_CHUNK`]), and those bytes with `overlap` more, cut short at the input's end.
pub(super) fn next_chunk<'b>(
    shared: &'b SharedInput<'_>,
    at: u64,
    to: u64,
    overlap: usize,
    buf: &'b mut Vec<u8>,
) -> Result<(usize, &'b [u8]), Error> {
    let span = usize::try_from(to.saturating_sub(at))
        .unwrap_or(RANGE_CHUNK)
        .min(RANGE_CHUNK);
    let chunk = shared
        .bytes_at(at, span.saturating_add(overlap), buf)
        .map_err(|e| Error::io(at, &e))?;
    Ok((span, chunk))
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
    pass: Pass,
    mut confirmer: Confirmer,
) -> RangeResult {
    let mut buf = Vec::new();
    let mut candidates: Vec<(Carrier, u64)> = Vec::new();
    let mut found = Vec::new();
    let mut signature = false;
    let mut input = shared;
    let mut at = from;
    while at < to {
        let (span, chunk) = next_chunk(&shared, at, to, OVERLAP, &mut buf)?;
        if chunk.is_empty() {
            break;
        }
        let report_end = span.min(chunk.len());
        candidates.clear();
        let (resume, signed) = collect_candidates(chunk, at, report_end, pass, &mut candidates);
        signature |= signed;
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
    Ok((found, confirmer, signature))
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::read::carrier::search::PE_SIGNATURE;
    use crate::read::carrier::tests::{elf, pe, tar};
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
        one_pass_to(data, data.len())
    }

    /// Every carrier whose anchor starts in `data[..report_end]` one search confirms.
    fn one_pass_to(data: &[u8], report_end: usize) -> Vec<(Carrier, u64)> {
        let mut source = data;
        let mut probe = Probe::new(&mut source, u64::MAX);
        let mut out = Vec::new();
        crate::read::carrier::search(data, 0, report_end, &mut probe, 1024, |c| {
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
                scan.search_ranges(shared, 0, len as u64, ranges, Pass::All, &mut found)
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

    #[test]
    fn a_value_searched_without_its_mz_first_misses_no_pe() {
        let len: usize = 12 << 20;
        let base = noise(len);
        assert!(
            memchr::memmem::find(&base, PE_SIGNATURE).is_none(),
            "the noise holds no PE signature by chance"
        );
        // (file bytes, end of the value searched, PEs expected)
        let mut cases: Vec<(Vec<u8>, usize, usize)> = Vec::new();
        let mut decoys = base.clone();
        decoys[5 << 20..(5 << 20) + 8192].copy_from_slice(&b"MZ".repeat(4096));
        // Decoys alone: no signature, the search without `MZ`s is the whole answer.
        cases.push((decoys.clone(), len - 1000, 0));
        // A PE whose header is in the value.
        let mut inside = decoys.clone();
        let image = pe(0x80, 0x20B);
        inside[(3 << 20) + 1..(3 << 20) + 1 + image.len()].copy_from_slice(&image);
        cases.push((inside, len - 1000, 1));
        // A PE whose `MZ` is in the value and whose header lies in the few bytes after it,
        // and one whose header lies after the value in many bytes after it.
        for value_end in [len - 100_000, len / 2] {
            let mut after = decoys.clone();
            let mz = (2 << 20) + 3;
            let header = value_end + 50_000;
            let image = pe((header - mz) as u32, 0x10B);
            after[mz..mz + 64].copy_from_slice(&image[..64]);
            after[header..header + 26].copy_from_slice(&image[header - mz..header - mz + 26]);
            cases.push((after, value_end, 1));
        }
        // A signature before the value is no PE header for an `MZ` in it.
        let mut before = decoys;
        before[100..104].copy_from_slice(PE_SIGNATURE);
        cases.push((before, len - 1000, 0));
        for (data, value_end, pes) in &cases {
            let expected = one_pass_to(data, *value_end);
            assert_eq!(
                expected.iter().filter(|(c, _)| *c == Carrier::Pe).count(),
                *pes,
                "{expected:?} {value_end} {:?}",
                memchr::memmem::find(data, PE_SIGNATURE)
            );
            let mut file = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut file, data).unwrap();
            let inputs = [
                SharedInput::Slice(data),
                SharedInput::File {
                    file: &file,
                    len: len as u64,
                },
            ];
            for shared in inputs {
                for threads in [1, 2, 3] {
                    let mut scan = CarrierScan::new(u64::MAX, 1024, threads);
                    let mut found = Vec::new();
                    scan.search_large(shared, 1000, *value_end as u64, &mut found)
                        .unwrap();
                    let got: Vec<_> = found.iter().map(|c| (c.carrier, c.offset)).collect();
                    let want: Vec<_> = expected.iter().filter(|(_, at)| *at >= 1000).collect();
                    assert_eq!(got.iter().collect::<Vec<_>>(), want, "{threads} threads");
                }
            }
        }
    }

    #[test]
    fn searches_without_mz_agree_with_one_pass_on_random_splits() {
        // Small inputs with PE pieces planted at random: DOS headers whose `e_lfanew` leads
        // before, into or after the value searched, signatures alone, decoy `MZ`s; the value's
        // bounds at random, so that the bytes after it are now few, now many.
        let mut state = 0x0123_4567_89AB_CDEFu64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let image = pe(0x40, 0x20B);
        let mut with_pes = 0;
        for round in 0..300 {
            let len = 2048 + next(1 << 16);
            let mut data = noise(len);
            let start = next(len / 2);
            // Few bytes after the value (searched without `MZ`s first) or any number.
            let end = if next(2) == 0 {
                len - next(len / 20)
            } else {
                start + 1 + next(len - start - 1)
            };
            for _ in 0..next(6) {
                let mz = next(len - 64);
                // The header before the value, in it, or after it.
                let header = match next(3) {
                    0 => next(start.max(1)),
                    1 => start + next(end - start),
                    _ => end + next(len - end + 1),
                }
                .min(len - 26);
                data[mz..mz + 64].copy_from_slice(&image[..64]);
                let lfanew = (header as u32).wrapping_sub(mz as u32);
                data[mz + 0x3C..mz + 0x40].copy_from_slice(&lfanew.to_le_bytes());
                data[header..header + 26].copy_from_slice(&image[0x40..0x40 + 26]);
            }
            for _ in 0..next(3) {
                let at = next(len - 4);
                data[at..at + 4].copy_from_slice(if next(2) == 0 { PE_SIGNATURE } else { b"MZMZ" });
            }
            let expected: Vec<_> = one_pass_to(&data, end)
                .into_iter()
                .filter(|(_, at)| *at >= start as u64)
                .collect();
            with_pes += usize::from(expected.iter().any(|(c, _)| *c == Carrier::Pe));
            for threads in [1, 2] {
                let mut scan = CarrierScan::new(u64::MAX, 1024, threads);
                let mut found = Vec::new();
                scan.search_large(
                    SharedInput::Slice(&data),
                    start as u64,
                    end as u64,
                    &mut found,
                )
                .unwrap();
                let got: Vec<_> = found.iter().map(|c| (c.carrier, c.offset)).collect();
                assert_eq!(got, expected, "round {round}: [{start}, {end}) of {len}");
            }
        }
        assert!(with_pes > 50, "{with_pes} rounds with a PE");
    }
}
