//! Random access to an input for the few reads that confirm a preamble's structure.
//!
//! Confirming a TIFF IFD chain or an executable header means reading a handful of bytes at
//! offsets the preamble names. Over a slice that is free; over a `Read + Seek` it is a seek and
//! a short read. [`Probe`] wraps either with a byte budget so a hostile chain of offsets cannot
//! make us read the whole file.

use std::io::{self, Read, Seek, SeekFrom};

use crate::cursor;
use crate::error::Error;

/// An input that can be read at any offset.
pub(crate) trait RandomAccess {
    /// Total length of the input.
    fn len(&self) -> u64;

    /// Fills `buf` from `offset`; the caller has checked that the range lies inside the input.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl RandomAccess for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let src = cursor::slice_at(self, offset, buf.len() as u64)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
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

/// Budgeted random reads over an input.
pub(crate) struct Probe<'s> {
    source: &'s mut dyn RandomAccess,
    budget: u64,
}

impl<'s> Probe<'s> {
    pub(crate) fn new(source: &'s mut dyn RandomAccess, budget: u64) -> Self {
        Probe { source, budget }
    }

    /// Length of the whole input.
    pub(crate) fn len(&self) -> u64 {
        self.source.len()
    }

    /// Fills `buf` with the bytes at `offset`.
    pub(crate) fn read_into(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Miss> {
        let len = buf.len() as u64;
        if !cursor::range_within(offset, len, self.source.len()) {
            return Err(Miss::OutOfBounds);
        }
        self.budget = self.budget.checked_sub(len).ok_or(Miss::Budget)?;
        self.source
            .read_exact_at(offset, buf)
            .map_err(|e| Miss::Io(Error::io(offset, &e)))
    }

    /// `N` bytes at `offset`.
    pub(crate) fn array<const N: usize>(&mut self, offset: u64) -> Result<[u8; N], Miss> {
        let mut buf = [0u8; N];
        self.read_into(offset, &mut buf)?;
        Ok(buf)
    }
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
        assert_eq!(probe.array::<1>(0), Err(Miss::Budget));
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
