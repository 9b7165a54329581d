//! Random access to an input for the few reads that confirm a preamble's structure.
//!
//! Confirming a TIFF IFD chain or an executable header means reading a handful of bytes at
//! offsets the preamble names. Over a slice that is free; over a `Read + Seek` it is a seek and
//! a short read. [`Probe`] wraps either with a byte budget so a hostile chain of offsets cannot
//! make us read the whole file.

use std::io::{self, Read, Seek, SeekFrom};

use crate::error::Error;
use crate::read::cursor;

/// Appends up to `len` bytes from `reader` to `buf` in as few reads as the reader allows (one,
/// for a file: `read_to_end` would start with small reads); returns how many were appended.
/// `len` must be bounded by the caller: it is allocated up front.
pub(crate) fn read_up_to<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    len: usize,
) -> io::Result<usize> {
    let start = buf.len();
    read_up_to_at(reader, buf, start, len)
}

/// Reads up to `len` bytes from `reader` into `buf` from index `start`, dropping what `buf`
/// held from there on; returns how many were read. Bytes `buf` already holds are overwritten
/// rather than zeroed first, so a reused buffer costs no `memset`. `len` must be bounded by
/// the caller: it is allocated up front.
pub(crate) fn read_up_to_at<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    start: usize,
    len: usize,
) -> io::Result<usize> {
    let end = start.saturating_add(len);
    if buf.len() < end {
        buf.resize(end, 0);
    }
    let mut filled = 0;
    let result = loop {
        let Some(dst) = buf
            .get_mut(start.saturating_add(filled)..end)
            .filter(|d| !d.is_empty())
        else {
            break Ok(filled);
        };
        match reader.read(dst) {
            Ok(0) => break Ok(filled),
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(start.saturating_add(filled));
    result
}

/// An input that can be read at any offset.
pub(crate) trait RandomAccess {
    /// Total length of the input.
    fn len(&self) -> u64;

    /// The first offset the input holds: 0, but for a window onto part of a stream (an
    /// inflated data set), where bytes before it are outside the input as those past its end.
    fn start(&self) -> u64 {
        0
    }

    /// Fills `buf` from `offset`; the caller has checked that the range lies inside the input.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Whether the `len` bytes at `offset` are held in memory, read without I/O (a slice, a
    /// buffer already filled): a budget that bounds I/O need not count them.
    fn holds(&self, _offset: u64, _len: u64) -> bool {
        false
    }
}

impl RandomAccess for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        cursor::range_within(offset, len, <[u8]>::len(self) as u64)
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let src = cursor::slice_at(self, offset, buf.len() as u64)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// Bytes of an input from offset `start`: a window onto a stream that cannot be read at
/// random (an inflated data set). Offsets outside it are outside the input.
pub(crate) struct WindowAt<'a> {
    pub(crate) start: u64,
    pub(crate) bytes: &'a [u8],
}

impl RandomAccess for WindowAt<'_> {
    fn len(&self) -> u64 {
        self.start.saturating_add(self.bytes.len() as u64)
    }

    fn start(&self) -> u64 {
        self.start
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        offset >= self.start && cursor::range_within(offset, len, RandomAccess::len(self))
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let at = offset
            .checked_sub(self.start)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let mut bytes = self.bytes;
        bytes.read_exact_at(at, buf)
    }
}

/// A `Read + Seek` input of known length.
pub(crate) struct SeekSource<'r, R> {
    pub(crate) reader: &'r mut R,
    pub(crate) len: u64,
}

impl<R: Read + Seek> RandomAccess for SeekSource<'_, R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.reader.seek(SeekFrom::Start(offset))?;
        self.reader.read_exact(buf)
    }
}

/// A file read with positional reads (`pread`), which leave its cursor alone.
#[cfg(unix)]
pub(crate) struct FileAt<'f> {
    pub(crate) file: &'f std::fs::File,
    pub(crate) len: u64,
}

#[cfg(unix)]
impl RandomAccess for FileAt<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self.file, buf, offset)
    }
}

/// A file read through `Read + Seek` with positional reads: seeking moves a cursor without a
/// system call, and reading is one `pread` at the cursor.
#[cfg(unix)]
pub(crate) struct PositionalFile<'f> {
    file: &'f std::fs::File,
    pos: u64,
    len: u64,
}

#[cfg(unix)]
impl<'f> PositionalFile<'f> {
    /// A reader over `file`, which must be a regular file.
    pub(crate) fn new(file: &'f std::fs::File) -> io::Result<Self> {
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        Ok(PositionalFile {
            file,
            pos: 0,
            len: metadata.len(),
        })
    }
}

#[cfg(unix)]
impl<'f> PositionalFile<'f> {
    /// A reader over `file`, a regular file `len` bytes long (from a `stat` the caller made).
    pub(crate) fn regular(file: &'f std::fs::File, len: u64) -> Self {
        PositionalFile { file, pos: 0, len }
    }
}

#[cfg(unix)]
impl PositionalFile<'_> {
    /// The file's length when it was opened.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

#[cfg(unix)]
impl Read for PositionalFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        self.pos = self.pos.saturating_add(n as u64);
        Ok(n)
    }
}

#[cfg(unix)]
impl Seek for PositionalFile<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let invalid = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        };
        self.pos = match pos {
            SeekFrom::Start(at) => at,
            SeekFrom::End(delta) => self.len.checked_add_signed(delta).ok_or_else(invalid)?,
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta).ok_or_else(invalid)?,
        };
        Ok(self.pos)
    }
}

/// Why a probe read returned no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The range lies (partly) outside the input.
    OutOfBounds,
    /// The probe budget of [`Limits::max_probe_bytes`](crate::Limits) is spent.
    Budget,
    /// The underlying read failed.
    Io(Error),
}

/// The outcome of a budgeted read: `Ok(None)` when the bytes lie outside the input or the
/// budget is spent (a structure there is then unconfirmed), `Err` only when the read failed.
fn settled<T>(read: Result<(), Miss>, value: T) -> Result<Option<T>, Error> {
    match read {
        Ok(()) => Ok(Some(value)),
        Err(Miss::OutOfBounds | Miss::Budget) => Ok(None),
        Err(Miss::Io(err)) => Err(err),
    }
}

/// Budgeted random reads over an input.
pub(crate) struct Probe<'s> {
    source: &'s mut dyn RandomAccess,
    /// Bytes the probe may still read (for [`Probe::io_budgeted`]: with I/O).
    budget: u64,
    /// Bytes the probe may still read in all, from memory or not (see
    /// [`Probe::io_budgeted`]); `u64::MAX` otherwise.
    work: u64,
    /// Whether reads the source holds in memory are free of `budget`.
    memory_free: bool,
    /// Whether a read was refused for the budget (or the work cap).
    exhausted: bool,
    /// Whether a read was refused for `budget` itself (not the work cap).
    budget_refused: bool,
}

impl<'s> Probe<'s> {
    /// A probe reading at most `budget` bytes, wherever they lie.
    pub(crate) fn new(source: &'s mut dyn RandomAccess, budget: u64) -> Self {
        Probe {
            source,
            budget,
            work: u64::MAX,
            memory_free: false,
            exhausted: false,
            budget_refused: false,
        }
    }

    /// A probe reading at most `work` bytes in all, of which only those the source does not
    /// hold in memory (see [`RandomAccess::holds`]) count against `io_budget`: the budget
    /// bounds I/O amplification, the work cap one confirmation's CPU.
    pub(crate) fn io_budgeted(source: &'s mut dyn RandomAccess, io_budget: u64, work: u64) -> Self {
        Probe {
            source,
            budget: io_budget,
            work,
            memory_free: true,
            exhausted: false,
            budget_refused: false,
        }
    }

    /// Length of the whole input.
    pub(crate) fn len(&self) -> u64 {
        self.source.len()
    }

    /// The first offset the input holds (see [`RandomAccess::start`]).
    pub(crate) fn start(&self) -> u64 {
        self.source.start()
    }

    /// The bytes the budget still allows.
    pub(crate) fn remaining(&self) -> u64 {
        self.budget
    }

    /// Whether a read was refused because the budget (or the work cap) was spent.
    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Whether a read was refused because the budget itself was spent (for
    /// [`Probe::io_budgeted`]: a read that needed I/O).
    pub(crate) fn budget_refused(&self) -> bool {
        self.budget_refused
    }

    /// Fills `buf` with the bytes at `offset`.
    pub(crate) fn read_into(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Miss> {
        let len = buf.len() as u64;
        if offset < self.source.start() || !cursor::range_within(offset, len, self.source.len()) {
            return Err(Miss::OutOfBounds);
        }
        let Some(work) = self.work.checked_sub(len) else {
            self.exhausted = true;
            return Err(Miss::Budget);
        };
        if !(self.memory_free && self.source.holds(offset, len)) {
            let Some(left) = self.budget.checked_sub(len) else {
                self.exhausted = true;
                self.budget_refused = true;
                return Err(Miss::Budget);
            };
            self.budget = left;
        }
        self.work = work;
        self.source
            .read_exact_at(offset, buf)
            .map_err(|e| Miss::Io(Error::io(offset, &e)))
    }

    /// `N` bytes at `offset`; `Ok(None)` outside the input or past the budget.
    pub(crate) fn fetch<const N: usize>(&mut self, offset: u64) -> Result<Option<[u8; N]>, Error> {
        self.fetch_padded(offset, N as u64)
    }

    /// `len` bytes (at most `N`) at `offset`, zero-padded to `N`; `Ok(None)` outside the input
    /// or past the budget.
    pub(crate) fn fetch_padded<const N: usize>(
        &mut self,
        offset: u64,
        len: u64,
    ) -> Result<Option<[u8; N]>, Error> {
        let mut buf = [0u8; N];
        let Some(dst) = usize::try_from(len).ok().and_then(|len| buf.get_mut(..len)) else {
            return Ok(None);
        };
        let read = self.read_into(offset, dst);
        settled(read, buf)
    }

    /// Up to `len` bytes at `offset`, fewer at the input's end; `Ok(None)` at or past the end,
    /// or past the budget.
    pub(crate) fn fetch_up_to(
        &mut self,
        offset: u64,
        len: usize,
    ) -> Result<Option<Vec<u8>>, Error> {
        let available = self.len().saturating_sub(offset);
        let len = usize::try_from(available).map_or(len, |a| a.min(len));
        if len == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; len];
        let read = self.read_into(offset, &mut buf);
        settled(read, buf)
    }

    /// `N` bytes at `offset`.
    pub(crate) fn array<const N: usize>(&mut self, offset: u64) -> Result<[u8; N], Miss> {
        let mut buf = [0u8; N];
        self.read_into(offset, &mut buf)?;
        Ok(buf)
    }
}

/// Up to `len` bytes of `reader` at `offset`.
pub(crate) fn read_at<R: Read + Seek>(
    reader: &mut R,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, Error> {
    let io = |e: std::io::Error| Error::io(offset, &e);
    reader.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut out = Vec::new();
    read_up_to(reader, &mut out, len).map_err(io)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_checks_bounds_and_budget() {
        let data: &[u8] = &[1, 2, 3, 4, 5, 6];
        let mut src = data;
        let mut probe = Probe::new(&mut src, 4);
        assert_eq!(probe.array::<2>(4), Ok([5, 6]));
        assert_eq!(probe.array::<2>(5), Err(Miss::OutOfBounds));
        assert_eq!(probe.array::<2>(u64::MAX), Err(Miss::OutOfBounds));
        assert_eq!(probe.array::<2>(0), Ok([1, 2]));
        assert!(!probe.exhausted());
        assert_eq!(probe.array::<1>(0), Err(Miss::Budget));
        assert!(probe.exhausted());
    }

    #[test]
    fn a_window_holds_only_its_bytes() {
        let mut window = WindowAt {
            start: 100,
            bytes: &[1, 2, 3, 4],
        };
        let mut probe = Probe::new(&mut window, 100);
        assert_eq!(probe.array::<2>(102), Ok([3, 4]));
        assert_eq!(probe.array::<2>(99), Err(Miss::OutOfBounds));
        assert_eq!(probe.array::<2>(103), Err(Miss::OutOfBounds));
        assert_eq!(probe.remaining(), 98);
    }

    #[test]
    fn seek_source_reads_at_offsets() {
        let mut reader = io::Cursor::new(vec![9u8, 8, 7, 6]);
        let mut src = SeekSource {
            reader: &mut reader,
            len: 4,
        };
        let mut probe = Probe::new(&mut src, 100);
        assert_eq!(probe.array::<2>(2), Ok([7, 6]));
        assert_eq!(probe.array::<2>(0), Ok([9, 8]));
    }
}
