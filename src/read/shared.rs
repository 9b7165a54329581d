//! An input that several threads read at once: the bytes of an in-memory slice, or a file read
//! with positional reads (`pread`), which share no cursor. Each thread copies the handle
//! ([`SharedInput`] is `Copy + Send + Sync`) and reads the range it was given; nothing is
//! locked and nothing is written.
//!
//! A `Read + Seek` input has one cursor and cannot be shared: it has no such handle, and what
//! reads it stays on one thread.

use std::io;

use crate::read::cursor;
use crate::read::probe::RandomAccess;

/// A handle on the whole input that threads read concurrently.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SharedInput<'a> {
    /// An input held in memory.
    Slice(&'a [u8]),
    /// A regular file of `len` bytes, read at any offset without moving its cursor.
    #[cfg(unix)]
    File {
        /// The file.
        file: &'a std::fs::File,
        /// Its length when the validation started: bytes past it are not the input's.
        len: u64,
    },
}

impl<'a> SharedInput<'a> {
    /// The bytes `[offset, offset + len)`, cut short at the input's end (empty past it):
    /// borrowed from a slice, or read into `buf` from a file (whose bytes a concurrent
    /// writer may have shortened: a short read is cut short too, never an error).
    ///
    /// # Errors
    /// When a read of the file fails.
    pub(crate) fn bytes_at<'b>(
        &'b self,
        offset: u64,
        len: usize,
        buf: &'b mut Vec<u8>,
    ) -> io::Result<&'b [u8]> {
        match self {
            SharedInput::Slice(data) => {
                let rest = cursor::tail_at(data, offset).unwrap_or_default();
                Ok(rest.get(..len).unwrap_or(rest))
            }
            #[cfg(unix)]
            SharedInput::File {
                file,
                len: file_len,
            } => {
                let len = usize::try_from(file_len.saturating_sub(offset))
                    .unwrap_or(usize::MAX)
                    .min(len);
                // Grown, never cleared: bytes a reused buffer holds are overwritten by the
                // read, not zeroed first (a `memset` of every chunk cost a deep search 6%).
                let room = len.saturating_add(COPY_ALIGN);
                if buf.len() < room {
                    buf.resize(room, 0);
                }
                let skew = copy_skew(buf.as_ptr().addr(), offset);
                let mut filled = 0usize;
                let end = skew.saturating_add(len);
                while let Some(rest) = buf
                    .get_mut(skew.saturating_add(filled)..end)
                    .filter(|rest| !rest.is_empty())
                {
                    let at = offset.saturating_add(filled as u64);
                    match std::os::unix::fs::FileExt::read_at(*file, rest, at) {
                        Ok(0) => break,
                        Ok(n) => filled = filled.saturating_add(n),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(buf
                    .get(skew..skew.saturating_add(filled))
                    .unwrap_or_default())
            }
        }
    }
}

/// The alignment a file's bytes are read at (a power of two): the kernel copies page cache
/// bytes to memory whose address agrees with their file offset modulo a cache line about a
/// fifth faster than to memory that does not (256 KiB `pread`s on x86-64; a deep search of
/// 100 MB with two threads about 3% faster).
const COPY_ALIGN: usize = 64;

/// Where in a buffer at address `addr` the bytes of file offset `offset` start, so that
/// their address agrees with the offset modulo [`COPY_ALIGN`]: less than [`COPY_ALIGN`].
fn copy_skew(addr: usize, offset: u64) -> usize {
    // COPY_ALIGN is a power of two: masking takes the remainder, and the wrapping difference
    // of the two addresses' low bits is the distance from one to the other.
    let mask = COPY_ALIGN.wrapping_sub(1);
    let low = usize::try_from(offset & mask as u64).unwrap_or(0);
    low.wrapping_sub(addr) & mask
}

/// Random reads of the whole input, one handle per thread: a slice's bytes are held in memory
/// (free to a budget); a file's are read with I/O.
impl RandomAccess for SharedInput<'_> {
    fn len(&self) -> u64 {
        match self {
            SharedInput::Slice(data) => <[u8]>::len(data) as u64,
            #[cfg(unix)]
            SharedInput::File { len, .. } => *len,
        }
    }

    fn holds(&self, offset: u64, len: u64) -> bool {
        match self {
            SharedInput::Slice(data) => data.holds(offset, len),
            #[cfg(unix)]
            SharedInput::File { .. } => false,
        }
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        match self {
            SharedInput::Slice(data) => data.read_exact_at(offset, buf),
            #[cfg(unix)]
            SharedInput::File { file, len } => {
                if !cursor::range_within(offset, buf.len() as u64, *len) {
                    return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
                }
                std::os::unix::fs::FileExt::read_exact_at(*file, buf, offset)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_files_give_the_same_bytes_cut_at_the_end() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let inputs = [
            SharedInput::Slice(&data),
            SharedInput::File {
                file: &file,
                len: 1000,
            },
        ];
        for input in inputs {
            let mut buf = Vec::new();
            assert_eq!(input.bytes_at(10, 5, &mut buf).unwrap(), &data[10..15]);
            assert_eq!(input.bytes_at(990, 64, &mut buf).unwrap(), &data[990..]);
            assert!(input.bytes_at(1000, 64, &mut buf).unwrap().is_empty());
            assert!(input.bytes_at(u64::MAX, 64, &mut buf).unwrap().is_empty());
            let mut reader = input;
            let mut four = [0u8; 4];
            reader.read_exact_at(996, &mut four).unwrap();
            assert_eq!(four, data[996..]);
            assert!(reader.read_exact_at(997, &mut four).is_err());
            assert_eq!(RandomAccess::len(&reader), 1000);
        }
    }

    #[test]
    fn a_file_shorter_than_its_recorded_length_reads_short() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[7u8; 100]).unwrap();
        let input = SharedInput::File {
            file: &file,
            len: 200,
        };
        let mut buf = Vec::new();
        assert_eq!(input.bytes_at(90, 50, &mut buf).unwrap(), &[7u8; 10]);
        // A reused buffer's stale bytes are never part of what is returned.
        let mut stale = vec![0xAA; 300];
        assert_eq!(input.bytes_at(90, 50, &mut stale).unwrap(), &[7u8; 10]);
        assert_eq!(input.bytes_at(0, 3, &mut stale).unwrap(), &[7u8; 3]);
        assert!(input.bytes_at(100, 50, &mut stale).unwrap().is_empty());
    }

    #[test]
    fn a_file_s_bytes_land_at_addresses_agreeing_with_their_offsets() {
        let data: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let input = SharedInput::File {
            file: &file,
            len: 5000,
        };
        let mut buf = Vec::new();
        for offset in [0u64, 1, 17, 63, 64, 1388, 4095, 4999] {
            let len = 300;
            let got = input.bytes_at(offset, len, &mut buf).unwrap();
            let start = offset as usize;
            assert_eq!(got, &data[start..(start + len).min(5000)], "{offset}");
            assert_eq!(
                got.as_ptr().addr() % COPY_ALIGN,
                start % COPY_ALIGN,
                "{offset}"
            );
        }
        for addr in [0usize, 1, 16, 63, 64, 4112, usize::MAX] {
            for offset in [0u64, 5, 63, 64, 1388, u64::MAX] {
                let skew = copy_skew(addr, offset);
                assert!(skew < COPY_ALIGN);
                assert_eq!(
                    (addr as u128 + skew as u128) % 64,
                    u128::from(offset) % 64,
                    "{addr} {offset}"
                );
            }
        }
    }
}
