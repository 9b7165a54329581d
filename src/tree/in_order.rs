//! Work on many items in parallel, the results handed back in the items' order.

use std::collections::VecDeque;
use std::fmt;
use std::io;

use rayon::prelude::*;

/// Items handed to the workers at once: large enough to keep every core busy, small enough
/// to keep memory flat on millions of files.
pub const BATCH: usize = 512;

/// `work` done on every item of an iterator, `jobs` items at a time, yielding each item with
/// its result in the order of the items: an iterator, so that a caller writes results as
/// they come (a report line per file) while memory stays bounded by one [`BATCH`].
///
/// With one job, every item is worked on in the calling thread as it is pulled; with more,
/// a [`BATCH`] of items is taken from `items` and worked on by a pool of `jobs` threads
/// (rayon) while the caller waits.
///
/// ```
/// use dicom_sanitize::tree::InOrder;
///
/// let squares: Vec<(u64, u64)> = InOrder::new(4, 0..2000u64, |n| n * n)?.collect();
/// assert_eq!(squares.len(), 2000);
/// assert!(squares.iter().enumerate().all(|(i, &(n, sq))| n == i as u64 && sq == n * n));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct InOrder<I: Iterator, T, F> {
    items: I,
    work: F,
    /// `None` for one job.
    pool: Option<rayon::ThreadPool>,
    /// Items worked on, not handed out yet.
    done: VecDeque<(I::Item, T)>,
}

impl<I, T, F> InOrder<I, T, F>
where
    I: Iterator,
    I::Item: Sync,
    T: Send,
    F: Fn(&I::Item) -> T + Sync,
{
    /// `work` on every item of `items` with `jobs` threads (0 counts as 1).
    ///
    /// # Errors
    /// When the thread pool cannot be made (the system refuses a thread).
    pub fn new(jobs: usize, items: I, work: F) -> io::Result<Self> {
        let pool = if jobs <= 1 {
            None
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .map_err(io::Error::other)?;
            Some(pool)
        };
        Ok(InOrder {
            items,
            work,
            pool,
            done: VecDeque::new(),
        })
    }
}

impl<I, T, F> Iterator for InOrder<I, T, F>
where
    I: Iterator,
    I::Item: Sync,
    T: Send,
    F: Fn(&I::Item) -> T + Sync,
{
    type Item = (I::Item, T);

    fn next(&mut self) -> Option<(I::Item, T)> {
        if let Some(done) = self.done.pop_front() {
            return Some(done);
        }
        let Some(pool) = &self.pool else {
            let item = self.items.next()?;
            let result = (self.work)(&item);
            return Some((item, result));
        };
        let batch: Vec<I::Item> = self.items.by_ref().take(BATCH).collect();
        let work = &self.work;
        let results: Vec<T> = pool.install(|| batch.par_iter().map(work).collect());
        self.done.extend(batch.into_iter().zip(results));
        self.done.pop_front()
    }
}

impl<I: Iterator, T, F> fmt::Debug for InOrder<I, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InOrder")
            .field(
                "jobs",
                &self
                    .pool
                    .as_ref()
                    .map_or(1, rayon::ThreadPool::current_num_threads),
            )
            .field("pending", &self.done.len())
            .finish_non_exhaustive()
    }
}
