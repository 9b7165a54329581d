//! Deflated Explicit VR Little Endian: the data set after the meta group is a raw deflate
//! stream, walked as it inflates, with the inflated length bounded.

use std::io::Read;

use flate2::read::DeflateDecoder;

use crate::error::Error;
use crate::source::{StreamSource, WalkSource};

/// A deflated data set, inflated as the walk reads it.
pub(crate) struct InflateSource<R: Read> {
    stream: StreamSource<DeflateDecoder<R>>,
}

impl<R: Read> InflateSource<R> {
    /// Inflates `compressed`, whose inflated bytes count from input offset `start`; inflating
    /// more than `max_len` bytes is an error.
    pub(crate) fn new(compressed: R, start: u64, max_len: u64) -> Self {
        InflateSource {
            stream: StreamSource::new(DeflateDecoder::new(compressed), start, max_len, true),
        }
    }
}

impl<R: Read> WalkSource for InflateSource<R> {
    fn end(&self) -> Option<u64> {
        self.stream.end()
    }

    fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        self.stream.peek(offset, len)
    }

    fn compressed_len(&self) -> Option<u64> {
        Some(self.stream.get_ref().total_in())
    }
}
