//! What validation reads: an input held in memory, or one read through `Read + Seek`. Both
//! give the same bytes to the same steps (see [`Validator::validate`](super::Validator)): a
//! slice lends its own; a reader's first and last bytes are read once ([`Held`], by the
//! validation or by its caller, who may hand them on) and lent, and the rest read where the
//! walk goes.

use std::borrow::Cow;
use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};

use crate::error::Error;
use crate::read::cursor;
use crate::read::inspection::Classification;
use crate::read::inspector::Inspector;
use crate::read::layout::DataSetPlan;
use crate::read::probe::{read_at, read_up_to, read_up_to_at, RandomAccess};
use crate::read::shared::SharedInput;
use crate::read::walk::Walk;
use crate::read::walk_source::{recycle, reusable_buffer, Window};
use crate::validate::file_scan::ZIP_WINDOW;

/// Bytes a `Read + Seek` validation reads first: the header, the meta group, the PDF window
/// and, for most files, every element header before the pixel data, in one read.
const FIRST_READ: u64 = 8 * 1024;
/// Bytes at the data set's start that tell its encoding.
const DATA_SET_HEAD: usize = 256;

/// An input to validate, whose data set is walked as a [`Walk`] borrowing it.
pub(super) trait Input {
    /// The input's first bytes: the header, the meta group and the first KiB, at least.
    type Head: AsRef<[u8]>;
    /// The input's last [`ZIP_WINDOW`] bytes (all of it when shorter).
    type Tail: AsRef<[u8]>;

    /// How reading the input fails: [`Error`] (I/O), or never.
    type Failure;

    /// The first bytes, and the input's length.
    fn head(&mut self, inspector: &Inspector) -> Result<(Self::Head, u64), Self::Failure>;

    /// The classification of the input whose first bytes are `head`.
    fn classify<'h>(
        &mut self,
        inspector: &Inspector,
        head: &'h [u8],
        file_len: u64,
    ) -> Result<Classification<'h>, Self::Failure>;

    /// The last bytes, and the file offset where they start.
    fn tail(&mut self, head: &[u8], file_len: u64) -> Result<(u64, Self::Tail), Self::Failure>;

    /// Up to 256 bytes at `start`, where the data set begins.
    fn data_set_head(&mut self, head: &[u8], start: u64) -> Result<Vec<u8>, Error>;

    /// The walk of the data set planned as `plan`, given what was read before.
    fn walk(
        &mut self,
        inspector: &Inspector,
        file_len: u64,
        plan: DataSetPlan,
        head: Self::Head,
        tail: (u64, Self::Tail),
    ) -> Result<Walk<'_>, Self::Failure>;

    /// What the I/O error `err` that stopped the walk means for the validation.
    fn walk_failed(err: Error) -> Result<(), Self::Failure>;

    /// The whole input at random, for the search of bytes no walk reaches (after a meta
    /// group that cannot be read, after a deflate stream).
    fn raw(&mut self, file_len: u64) -> Box<dyn RandomAccess + '_>;
}

/// A complete input held in memory: every step borrows it, nothing is copied.
pub(super) struct SliceInput<'a>(pub(super) &'a [u8]);

impl<'a> Input for SliceInput<'a> {
    type Head = &'a [u8];
    type Tail = &'a [u8];
    type Failure = Infallible;

    #[inline]
    fn head(&mut self, _: &Inspector) -> Result<(&'a [u8], u64), Infallible> {
        Ok((self.0, self.0.len() as u64))
    }

    #[inline]
    fn classify<'h>(
        &mut self,
        inspector: &Inspector,
        head: &'h [u8],
        _: u64,
    ) -> Result<Classification<'h>, Infallible> {
        Ok(inspector.classify(head))
    }

    #[inline]
    fn tail(&mut self, _: &[u8], file_len: u64) -> Result<(u64, &'a [u8]), Infallible> {
        let start = file_len.saturating_sub(ZIP_WINDOW);
        Ok((start, cursor::tail_at(self.0, start).unwrap_or_default()))
    }

    #[inline]
    fn data_set_head(&mut self, _: &[u8], start: u64) -> Result<Vec<u8>, Error> {
        let head = cursor::tail_at(self.0, start).unwrap_or_default();
        Ok(head.get(..DATA_SET_HEAD).unwrap_or(head).to_vec())
    }

    #[inline]
    fn walk(
        &mut self,
        inspector: &Inspector,
        _: u64,
        plan: DataSetPlan,
        _: &'a [u8],
        _: (u64, &'a [u8]),
    ) -> Result<Walk<'_>, Infallible> {
        Ok(inspector.walk_plan(self.0, plan))
    }

    /// A slice has no I/O (its walk reports an I/O error only for a source read backwards,
    /// a bug): the report is kept, with what the walk found until then.
    #[inline]
    fn walk_failed(_: Error) -> Result<(), Infallible> {
        Ok(())
    }

    fn raw(&mut self, _: u64) -> Box<dyn RandomAccess + '_> {
        Box::new(self.0)
    }
}

/// An input's first and last bytes, read once before its validation and kept after it: the
/// first [`FIRST_READ`] bytes (the whole input when it is not much longer; the meta group
/// whole and [`FIRST_READ`] bytes after it when it is longer), and the last [`ZIP_WINDOW`]
/// bytes. The validation borrows them
/// ([`HeldInput`]), and so may whatever reads the input next: the bytes it parses first are
/// then the very bytes the validation checked, read once.
#[derive(Debug)]
pub(crate) struct Held {
    len: u64,
    head: Vec<u8>,
    /// The last bytes, when `head` does not hold them, and their offset.
    tail_start: u64,
    tail: Vec<u8>,
}

impl Held {
    /// Reads the first and last bytes of `reader`, an input of `len` bytes: one read for an
    /// input of up to [`FIRST_READ`] + [`ZIP_WINDOW`] bytes, else two (four when the meta
    /// group runs past the first read: the rest of it, and [`FIRST_READ`] bytes after it).
    ///
    /// # Errors
    /// When seeking or reading fails.
    pub(crate) fn read<R: Read + Seek>(
        inspector: &Inspector,
        reader: &mut R,
        len: u64,
    ) -> Result<Self, Error> {
        // Reading the rest of a short input costs less than a second read.
        let first = if len <= FIRST_READ.saturating_add(ZIP_WINDOW) {
            len
        } else {
            FIRST_READ
        };
        let mut head = reusable_buffer(usize::try_from(first).unwrap_or(0));
        inspector.read_header_of(reader, &mut head, first, len)?;
        // A meta group longer than the first read: the data set's first headers too.
        let held = head.len() as u64;
        if held > first && held < len {
            let more = usize::try_from(FIRST_READ.min(len.saturating_sub(held))).unwrap_or(0);
            reader
                .seek(SeekFrom::Start(held))
                .and_then(|_| read_up_to(reader, &mut head, more))
                .map_err(|e| Error::io(held, &e))?;
        }
        let tail_start = len.saturating_sub(ZIP_WINDOW);
        let mut tail = Vec::new();
        if (head.len() as u64) < len {
            let want = usize::try_from(len.saturating_sub(tail_start)).unwrap_or(0);
            tail = reusable_buffer(want);
            reader
                .seek(SeekFrom::Start(tail_start))
                .and_then(|_| read_up_to_at(reader, &mut tail, 0, want))
                .map_err(|e| Error::io(tail_start, &e))?;
        }
        Ok(Held {
            len,
            head,
            tail_start,
            tail,
        })
    }

    /// The input's length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The input's first bytes.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// The input's last bytes, and the offset where they start.
    pub(crate) fn tail(&self) -> (u64, &[u8]) {
        if self.tail.is_empty() {
            let start = self.len.saturating_sub(ZIP_WINDOW);
            (
                start,
                cursor::tail_at(&self.head, start).unwrap_or_default(),
            )
        } else {
            (self.tail_start, &self.tail)
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.head));
        recycle(std::mem::take(&mut self.tail));
    }
}

/// An input read through `reader` at any offset, from the bytes [`Held`] when it holds them.
pub(crate) struct HeldAccess<'a, R> {
    pub(crate) held: &'a Held,
    pub(crate) reader: &'a mut R,
}

impl<R> HeldAccess<'_, R> {
    /// The `len` bytes at `offset`, when held.
    fn get(&self, offset: u64, len: u64) -> Option<&[u8]> {
        let (tail_start, tail) = self.held.tail();
        cursor::slice_at(self.held.head(), offset, len).or_else(|| {
            offset
                .checked_sub(tail_start)
                .and_then(|at| cursor::slice_at(tail, at, len))
        })
    }
}

impl<R: Read + Seek> RandomAccess for HeldAccess<'_, R> {
    fn len(&self) -> u64 {
        self.held.len
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if let Some(held) = self.get(offset, buf.len() as u64) {
            buf.copy_from_slice(held);
            return Ok(());
        }
        self.reader.seek(SeekFrom::Start(offset))?;
        self.reader.read_exact(buf)
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        self.get(offset, len).is_some()
    }
}

/// An input whose first and last bytes are [`Held`]: every step borrows them, and reads
/// through `reader` only what lies between (the headers past the first read, the values
/// confirmations follow).
pub(super) struct HeldInput<'a, R> {
    pub(super) access: HeldAccess<'a, R>,
    /// The same input for threads to read at once, when it is a file.
    pub(super) shared: Option<SharedInput<'a>>,
}

impl<'a, R: Read + Seek> Input for HeldInput<'a, R> {
    type Head = &'a [u8];
    type Tail = &'a [u8];
    type Failure = Error;

    fn head(&mut self, _: &Inspector) -> Result<(&'a [u8], u64), Error> {
        Ok((self.access.held.head(), self.access.held.len))
    }

    fn classify<'h>(
        &mut self,
        inspector: &Inspector,
        head: &'h [u8],
        file_len: u64,
    ) -> Result<Classification<'h>, Error> {
        inspector.classify_input(head, file_len, &mut self.access)
    }

    fn tail(&mut self, _: &[u8], _: u64) -> Result<(u64, &'a [u8]), Error> {
        Ok(self.access.held.tail())
    }

    fn data_set_head(&mut self, head: &[u8], start: u64) -> Result<Vec<u8>, Error> {
        match cursor::slice_at(head, start, DATA_SET_HEAD as u64) {
            Some(bytes) => Ok(bytes.to_vec()),
            None => read_at(self.access.reader, start, DATA_SET_HEAD),
        }
    }

    fn walk(
        &mut self,
        inspector: &Inspector,
        file_len: u64,
        plan: DataSetPlan,
        head: &'a [u8],
        (start, bytes): (u64, &'a [u8]),
    ) -> Result<Walk<'_>, Error> {
        let tail = Window {
            start,
            bytes: Cow::Borrowed(bytes),
        };
        let reader = &mut *self.access.reader;
        let walk = inspector.walk_reader_plan(reader, file_len, plan, head.into(), tail)?;
        // An inflated data set's offsets are not the file's.
        Ok(match self.shared {
            Some(shared) if !plan.deflated => walk.with_shared(shared),
            _ => walk,
        })
    }

    /// Reading failed: so does the validation.
    fn walk_failed(err: Error) -> Result<(), Error> {
        Err(err)
    }

    fn raw(&mut self, _: u64) -> Box<dyn RandomAccess + '_> {
        Box::new(HeldAccess {
            held: self.access.held,
            reader: &mut *self.access.reader,
        })
    }
}
