//! Sequential sources for the header walk: a slice, a buffered `Read + Seek`, a stream.
//!
//! A walk asks for a few bytes at a time at offsets that never decrease; each source answers
//! from what it holds, reading ahead in chunks where it has to read at all.

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};

use crate::error::Error;
use crate::read::cursor;
use crate::read::probe::{read_up_to_at, RandomAccess};

/// Sequential access to a data set for the header walk.
///
/// The walk asks for a few bytes at a time (a header, the start of a value) at offsets that
/// never decrease, and skips values by asking for a later offset: a seekable source seeks, a
/// stream (an inflating decoder) reads and discards. Offsets are input offsets; for a deflated
/// data set they count inflated bytes from the data set's start offset.
pub(crate) trait WalkSource {
    /// The input's end offset, when known (a stream knows it once it has reached it).
    fn end(&self) -> Option<u64>;

    /// Up to `len` bytes at `offset`: fewer only at the end of the input.
    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error>;

    /// For a deflated data set: how many compressed bytes the decoder has consumed.
    fn compressed_len(&self) -> Option<u64> {
        None
    }

    /// The bytes from `offset` that the source holds without reading (possibly none).
    fn buffered(&self, _offset: u64) -> &[u8] {
        &[]
    }

    /// The whole input, read at any offset without disturbing the walk: for confirmations
    /// that follow a pointer out of the bytes at hand. `None` for a stream.
    fn random_access(&mut self) -> Option<&mut dyn RandomAccess> {
        None
    }
}

/// Buffers a thread keeps for its next validation: reusing them spares an allocation, its
/// page faults and the zeroing of its bytes per file when scanning archives.
const SPARE_BUFFERS: usize = 4;
/// Buffers larger than this are not kept.
const SPARE_CAPACITY: usize = 256 * 1024;

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer to read up to `len` bytes into with [`read_up_to_at`] from index 0, reused from
/// an earlier validation on this thread when there is one: the one holding the fewest bytes
/// that are still at least `len`, or else the one holding the most. It may hold that
/// validation's bytes: they are there only to be overwritten, never read.
pub(crate) fn reusable_buffer(len: usize) -> Vec<u8> {
    SPARE
        .try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let fits = spare
                .iter()
                .enumerate()
                .filter(|(_, buf)| buf.len() >= len)
                .min_by_key(|(_, buf)| buf.len());
            let largest = || spare.iter().enumerate().max_by_key(|(_, buf)| buf.len());
            let index = fits.or_else(largest).map(|(index, _)| index)?;
            Some(spare.swap_remove(index))
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps `buf` for [`reusable_buffer`], with its bytes (see there).
pub(crate) fn recycle(buf: Vec<u8>) {
    if buf.capacity() == 0 || buf.capacity() > SPARE_CAPACITY {
        return;
    }
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < SPARE_BUFFERS {
            spare.push(buf);
        }
    });
}

/// `Read + Seek` as one trait, for trait objects.
pub(crate) trait ReadSeek: Read + Seek {}

impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// The sources a walk reads from: the two common ones without dynamic dispatch on every
/// header, anything else (an inflating stream) behind a box.
pub(crate) enum AnySource<'s> {
    Slice(SliceSource<'s>),
    Seek(BufferedSeekSource<'s, dyn ReadSeek + 's>),
    Other(Box<dyn WalkSource + 's>),
}

impl WalkSource for AnySource<'_> {
    fn end(&self) -> Option<u64> {
        match self {
            AnySource::Slice(source) => source.end(),
            AnySource::Seek(source) => source.end(),
            AnySource::Other(source) => source.end(),
        }
    }

    #[inline(always)]
    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        match self {
            AnySource::Slice(source) => source.peek(offset, len),
            AnySource::Seek(source) => source.peek(offset, len),
            AnySource::Other(source) => source.peek(offset, len),
        }
    }

    fn compressed_len(&self) -> Option<u64> {
        match self {
            AnySource::Other(source) => source.compressed_len(),
            _ => None,
        }
    }

    fn buffered(&self, offset: u64) -> &[u8] {
        match self {
            AnySource::Slice(source) => source.buffered(offset),
            AnySource::Seek(source) => source.buffered(offset),
            AnySource::Other(source) => source.buffered(offset),
        }
    }

    fn random_access(&mut self) -> Option<&mut dyn RandomAccess> {
        match self {
            AnySource::Slice(source) => source.random_access(),
            AnySource::Seek(source) => source.random_access(),
            AnySource::Other(source) => source.random_access(),
        }
    }
}

/// A data set held in memory.
pub(crate) struct SliceSource<'a> {
    pub(crate) data: &'a [u8],
}

impl WalkSource for SliceSource<'_> {
    fn end(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }

    #[inline(always)]
    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        let tail = cursor::tail_at(self.data, offset).unwrap_or_default();
        Ok(tail.get(..len).unwrap_or(tail))
    }

    fn buffered(&self, offset: u64) -> &[u8] {
        cursor::tail_at(self.data, offset).unwrap_or_default()
    }

    fn random_access(&mut self) -> Option<&mut dyn RandomAccess> {
        Some(&mut self.data)
    }
}

/// Bytes read per refill of a [`BufferedSeekSource`]: enough for every header of a typical data
/// set in one read, small enough not to matter when it reads into pixel data.
pub(crate) const READ_CHUNK: usize = 8 * 1024;

/// Bytes of an input already read: a range starting at `start`, owned, or borrowed from a
/// caller that read them before the walk (and keeps them after it).
#[derive(Debug, Default)]
pub(crate) struct Window<'a> {
    pub(crate) start: u64,
    pub(crate) bytes: Cow<'a, [u8]>,
}

impl Window<'_> {
    /// The window's bytes to read into: its own buffer (a borrowed window gives way to a
    /// reusable one, leaving the lender's bytes alone).
    fn buffer(&mut self) -> &mut Vec<u8> {
        if let Cow::Borrowed(bytes) = self.bytes {
            self.bytes = Cow::Owned(reusable_buffer(bytes.len()));
        }
        self.bytes.to_mut()
    }

    /// Gives the window's own buffer back for reuse (a borrowed one stays with its lender).
    fn recycle(&mut self) {
        if let Cow::Owned(bytes) = std::mem::take(&mut self.bytes) {
            recycle(bytes);
        }
    }

    /// `len` bytes at `offset`, when the window holds all of them.
    #[inline]
    fn get(&self, offset: u64, len: u64) -> Option<&[u8]> {
        cursor::slice_at(&self.bytes, offset.checked_sub(self.start)?, len)
    }

    /// The bytes the window holds from `offset` on (none when it does not hold `offset`).
    fn from(&self, offset: u64) -> &[u8] {
        offset
            .checked_sub(self.start)
            .and_then(|at| cursor::tail_at(&self.bytes, at))
            .unwrap_or_default()
    }

    /// Whether the window holds the `len` bytes at `offset`.
    #[inline]
    fn holds(&self, offset: u64, len: u64) -> bool {
        offset
            .checked_sub(self.start)
            .and_then(|at| at.checked_add(len))
            .is_some_and(|end| end <= self.bytes.len() as u64)
    }
}

/// A `Read + Seek` input read in chunks; values are skipped by seeking past them.
///
/// Besides its current chunk it may keep the input's end (read once for the ZIP check), which
/// usually holds the last elements: then the walk's end costs no read.
pub(crate) struct BufferedSeekSource<'r, R: ?Sized> {
    reader: &'r mut R,
    len: u64,
    chunk: Window<'r>,
    tail: Window<'r>,
}

impl<'r, R: Read + Seek + ?Sized> BufferedSeekSource<'r, R> {
    /// A source whose first bytes (`prefix`) and last bytes (`tail`) were already read.
    pub(crate) fn new(
        reader: &'r mut R,
        len: u64,
        prefix: Cow<'r, [u8]>,
        tail: Window<'r>,
    ) -> Self {
        BufferedSeekSource {
            reader,
            len,
            chunk: Window {
                start: 0,
                bytes: prefix,
            },
            tail,
        }
    }
}

impl<R: Read + Seek + ?Sized> BufferedSeekSource<'_, R> {
    /// Reads the chunk at `offset`, of at least `wanted` bytes.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, offset: u64, wanted: u64) -> Result<(), Error> {
        let chunk = wanted
            .max(READ_CHUNK as u64)
            .min(self.len.saturating_sub(offset));
        self.chunk.start = offset;
        let io = |e: io::Error| Error::io(offset, &e);
        let buffer = self.chunk.buffer();
        let read = self.reader.seek(SeekFrom::Start(offset)).and_then(|_| {
            let chunk = usize::try_from(chunk).unwrap_or(READ_CHUNK);
            read_up_to_at(self.reader, buffer, 0, chunk)
        });
        if let Err(e) = read {
            buffer.clear();
            return Err(io(e));
        }
        Ok(())
    }
}

impl<R: ?Sized> Drop for BufferedSeekSource<'_, R> {
    fn drop(&mut self) {
        self.chunk.recycle();
        self.tail.recycle();
    }
}

/// Reads at any offset: from the chunk or the tail when they hold the bytes, else with a
/// seek and a read that leave both alone (a refill always seeks first).
impl<R: Read + Seek + ?Sized> RandomAccess for BufferedSeekSource<'_, R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        self.chunk.holds(offset, len) || self.tail.holds(offset, len)
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let len = buf.len() as u64;
        if let Some(held) = self
            .chunk
            .get(offset, len)
            .or_else(|| self.tail.get(offset, len))
        {
            buf.copy_from_slice(held);
            return Ok(());
        }
        self.reader.seek(SeekFrom::Start(offset))?;
        self.reader.read_exact(buf)
    }
}

impl<R: Read + Seek + ?Sized> WalkSource for BufferedSeekSource<'_, R> {
    fn end(&self) -> Option<u64> {
        Some(self.len)
    }

    fn random_access(&mut self) -> Option<&mut dyn RandomAccess> {
        Some(self)
    }

    fn buffered(&self, offset: u64) -> &[u8] {
        let chunk = self.chunk.from(offset);
        if chunk.is_empty() {
            self.tail.from(offset)
        } else {
            chunk
        }
    }

    #[inline(always)]
    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        let wanted = (len as u64).min(self.len.saturating_sub(offset));
        // The walk's common case first: the current chunk holds the bytes.
        if !self.chunk.holds(offset, wanted) {
            if self.tail.holds(offset, wanted) {
                return Ok(self.tail.get(offset, wanted).unwrap_or_default());
            }
            self.refill(offset, wanted)?;
        }
        Ok(self.chunk.get(offset, wanted).unwrap_or_default())
    }
}

/// A forward-only stream, such as an inflating decoder; skipped bytes are read and discarded.
///
/// Invariant: `buf` holds the bytes from `buf_start` to `read_end`.
#[cfg_attr(not(feature = "deflate"), allow(dead_code))]
pub(crate) struct StreamSource<R> {
    reader: R,
    buf: Vec<u8>,
    /// Input offset of `buf[0]`.
    buf_start: u64,
    /// Input offset just past the last byte read from `reader`.
    read_end: u64,
    /// Reading past this offset is an error: the stream's start plus `max_len`.
    max_end: u64,
    max_len: u64,
    /// Decoder errors (invalid data) are reported as [`Error::Inflate`].
    inflating: bool,
    eof: bool,
}

#[cfg_attr(not(feature = "deflate"), allow(dead_code))]
impl<R: Read> StreamSource<R> {
    /// A stream whose first byte is at input offset `start`, of at most `max_len` bytes.
    pub(crate) fn new(reader: R, start: u64, max_len: u64, inflating: bool) -> Self {
        StreamSource {
            reader,
            buf: Vec::new(),
            buf_start: start,
            read_end: start,
            max_end: start.saturating_add(max_len),
            max_len,
            inflating,
            eof: false,
        }
    }

    /// The wrapped reader.
    pub(crate) fn get_ref(&self) -> &R {
        &self.reader
    }

    fn read_more(&mut self, into_buf: bool, max: u64) -> Result<u64, Error> {
        let mut chunk = [0u8; READ_CHUNK];
        let want = usize::try_from(max).unwrap_or(READ_CHUNK).min(READ_CHUNK);
        let dst = chunk.get_mut(..want).unwrap_or_default();
        let n = loop {
            match self.reader.read(dst) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    // The decoder's errors are about the deflated bytes, not the reader: a
                    // corrupt stream, or one that ends before its last block.
                    if self.inflating
                        && matches!(
                            e.kind(),
                            io::ErrorKind::InvalidInput
                                | io::ErrorKind::InvalidData
                                | io::ErrorKind::UnexpectedEof
                        ) =>
                {
                    return Err(Error::Inflate {
                        offset: self.read_end,
                        message: e.to_string(),
                    })
                }
                Err(e) => return Err(Error::io(self.read_end, &e)),
            }
        };
        if n == 0 {
            self.eof = true;
        }
        if self.read_end.saturating_add(n as u64) > self.max_end {
            return Err(Error::LimitExceeded {
                offset: self.max_end,
                limit: crate::error::LimitKind::InflatedLength,
                max: self.max_len,
            });
        }
        if into_buf {
            self.buf.extend_from_slice(dst.get(..n).unwrap_or_default());
        }
        self.read_end = self.read_end.saturating_add(n as u64);
        Ok(n as u64)
    }
}

impl<R: Read> WalkSource for StreamSource<R> {
    fn end(&self) -> Option<u64> {
        self.eof.then_some(self.read_end)
    }

    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        if offset < self.buf_start {
            // The walk only moves forward; asking for earlier bytes is a bug, not input.
            return Err(Error::io(
                offset,
                &io::Error::other("stream source read backwards"),
            ));
        }
        // Drop what lies before `offset`, reading and discarding whatever was never buffered.
        if offset >= self.read_end {
            self.buf.clear();
            while self.read_end < offset && !self.eof {
                self.read_more(false, offset.saturating_sub(self.read_end))?;
            }
            self.buf_start = self.read_end.min(offset);
        } else {
            let drop = usize::try_from(offset.saturating_sub(self.buf_start)).unwrap_or(usize::MAX);
            self.buf.drain(..drop.min(self.buf.len()));
            self.buf_start = offset;
        }
        while self.buf.len() < len && !self.eof {
            self.read_more(true, READ_CHUNK as u64)?;
        }
        if self.buf_start < offset {
            return Ok(&[]);
        }
        Ok(self.buf.get(..len).unwrap_or(&self.buf))
    }
}
