//! Deflated Explicit VR Little Endian: the data set after the meta group is a raw deflate
//! stream, walked as it inflates, with the inflated length bounded.

use std::io::Read;

#[cfg(feature = "deflate")]
use flate2::read::DeflateDecoder;

use crate::error::Error;
use crate::limits::Limits;
#[cfg(feature = "deflate")]
use crate::read::walk_source::StreamSource;
use crate::read::walk_source::WalkSource;

/// A deflated data set, inflated as the walk reads it.
#[cfg(feature = "deflate")]
pub(crate) struct InflateSource<R: Read> {
    stream: StreamSource<DeflateDecoder<R>>,
}

#[cfg(feature = "deflate")]
impl<R: Read> InflateSource<R> {
    /// Inflates `compressed`, whose inflated bytes count from input offset `start`; inflating
    /// more than `max_len` bytes is an error.
    pub(crate) fn new(compressed: R, start: u64, max_len: u64) -> Self {
        InflateSource {
            stream: StreamSource::new(DeflateDecoder::new(compressed), start, max_len, true),
        }
    }
}

#[cfg(feature = "deflate")]
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

/// The walk source of a deflated data set whose compressed bytes are `compressed`.
#[cfg(feature = "deflate")]
pub(crate) fn inflate<'a, R: Read + 'a>(
    compressed: R,
    start: u64,
    limits: &Limits,
) -> Box<dyn WalkSource + 'a> {
    Box::new(InflateSource::new(
        compressed,
        start,
        limits.max_inflated_len,
    ))
}

/// Without the `deflate` feature: a source that fails at the data set's start.
#[cfg(not(feature = "deflate"))]
pub(crate) fn inflate<'a, R: Read + 'a>(_: R, start: u64, _: &Limits) -> Box<dyn WalkSource + 'a> {
    Box::new(Unsupported(start))
}

/// The source of a deflated data set when the `deflate` feature is off.
#[cfg(not(feature = "deflate"))]
struct Unsupported(u64);

#[cfg(not(feature = "deflate"))]
impl WalkSource for Unsupported {
    fn end(&self) -> Option<u64> {
        None
    }

    fn peek(&mut self, _: u64, _: usize) -> Result<&[u8], Error> {
        Err(Error::Inflate {
            offset: self.0,
            message: "this build of dicom-sanitize has no `deflate` feature".to_owned(),
        })
    }
}
