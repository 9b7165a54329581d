//! The reader of inputs: an [`Inspector`] with its [`Limits`] classifies, inspects and walks
//! slices and `Read + Seek` inputs; the free functions do the same with the default limits.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};

use crate::error::Error;
use crate::limits::Limits;
use crate::read::cursor;
use crate::read::deflate::inflate;
use crate::read::inspection::{Classification, Inspection, Prefix};
use crate::read::layout::{detect_layout, meta_start, DataSetPlan, Layout, INITIAL_READ};
use crate::read::meta::{self, Parsed};
use crate::read::preamble::{self, Detected, Preamble, PreambleKind, HEADER_LEN, PREAMBLE_LEN};
use crate::read::probe::{read_at, Probe, RandomAccess, SeekSource};
use crate::read::shared::SharedInput;
use crate::read::tiff::{TiffDefect, TiffGrade};
use crate::read::walk::Walk;
use crate::read::walk_source::{AnySource, BufferedSeekSource, ReadSeek, SliceSource, Window};

/// Reads inputs with chosen [`Limits`]. The free functions [`inspect`], [`classify`],
/// [`classify_prefix`] and [`inspect_reader`] use the defaults.
///
/// ```
/// use dicom_sanitize::{Inspector, Limits};
///
/// let mut limits = Limits::default();
/// limits.max_meta_length = 64 * 1024;
/// let inspector = Inspector::new(limits);
/// let data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
/// let inspection = inspector.inspect(&data)?;
/// assert_eq!(inspection.meta().unwrap().transfer_syntax_uid(), Some("1.2.840.10008.1.2.1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inspector {
    limits: Limits,
}

impl Inspector {
    /// An inspector applying `limits`.
    pub fn new(limits: Limits) -> Self {
        Inspector { limits }
    }

    /// The limits applied.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// See [`classify`].
    pub fn classify<'a>(&self, data: &'a [u8]) -> Classification<'a> {
        let mut source = data;
        // Reads from a slice cannot fail, so neither can classification.
        self.classify_input(data, data.len() as u64, &mut source)
            .unwrap_or_else(|_| self.classify_detected(data, data.len() as u64))
    }

    /// See [`classify_prefix`].
    pub fn classify_prefix<'a>(&self, prefix: &'a [u8]) -> Prefix<Classification<'a>> {
        if (prefix.len() as u64) < HEADER_LEN {
            Prefix::Partial
        } else {
            Prefix::Complete(self.classify(prefix))
        }
    }

    /// See [`inspect`].
    pub fn inspect<'a>(&self, data: &'a [u8]) -> Result<Inspection<'a>, Error> {
        let classification = self.classify(data);
        self.with_meta(data, data.len() as u64, classification)
    }

    /// See [`inspect_reader`].
    pub fn inspect_reader<'b, R: Read + Seek>(
        &self,
        reader: &mut R,
        buf: &'b mut Vec<u8>,
    ) -> Result<Inspection<'b>, Error> {
        let file_len = self.read_header(reader, buf, INITIAL_READ)?;
        let buf: &'b [u8] = buf;
        let mut source = SeekSource {
            reader,
            len: file_len,
        };
        let classification = self.classify_input(buf, file_len, &mut source)?;
        self.with_meta(buf, file_len, classification)
    }

    /// Reads the first bytes of `reader` into `buf`: the header and, when there is one, the
    /// whole File Meta group (as far as it parses). Returns the input's length.
    pub(crate) fn read_header<R: Read + Seek>(
        &self,
        reader: &mut R,
        buf: &mut Vec<u8>,
        initial: u64,
    ) -> Result<u64, Error> {
        let file_len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(0, &e))?;
        self.read_header_of(reader, buf, initial, file_len)?;
        Ok(file_len)
    }

    /// As [`Inspector::read_header`], for an input whose length the caller knows.
    pub(crate) fn read_header_of<R: Read + Seek>(
        &self,
        reader: &mut R,
        buf: &mut Vec<u8>,
        initial: u64,
        file_len: u64,
    ) -> Result<(), Error> {
        // `buf` may hold stale bytes: the first read overwrites them.
        let first = file_len.min(initial);
        reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| {
                let len = usize::try_from(first).unwrap_or(usize::MAX);
                crate::read::probe::read_up_to_at(reader, buf, 0, len)
            })
            .map_err(|e| Error::io(0, &e))?;
        if (buf.len() as u64) < first {
            return Err(Error::io(
                0,
                &std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
            ));
        }
        if let Some(start) = meta_start(detect_layout(buf, file_len)) {
            // A meta group that does not parse ends the read; the caller reports it.
            while let Ok(Parsed::NeedMore(needed)) = meta::parse(buf, start, file_len, &self.limits)
            {
                fill(reader, buf, needed)?;
            }
        }
        Ok(())
    }

    /// Classifies `data`, a prefix of an input of `file_len` bytes (the whole input, or at
    /// least its header) reachable through `source`.
    pub(crate) fn classify_input<'a>(
        &self,
        data: &'a [u8],
        file_len: u64,
        source: &mut dyn RandomAccess,
    ) -> Result<Classification<'a>, Error> {
        let layout = detect_layout(data, file_len);
        let preamble = match part10_preamble(data, layout) {
            Some(bytes) => {
                let mut probe = Probe::new(source, self.limits.max_probe_bytes);
                Some(Preamble::new(
                    bytes,
                    preamble::classify(bytes, &mut probe, &self.limits)?,
                ))
            }
            None => None,
        };
        Ok(Classification { layout, preamble })
    }

    /// Classification from the preamble bytes alone, with nothing confirmed.
    fn classify_detected<'a>(&self, data: &'a [u8], file_len: u64) -> Classification<'a> {
        let layout = detect_layout(data, file_len);
        let preamble =
            part10_preamble(data, layout).map(|bytes| Preamble::new(bytes, unconfirmed(bytes)));
        Classification { layout, preamble }
    }

    /// Adds the File Meta group to a classification.
    pub(crate) fn with_meta<'a>(
        &self,
        data: &'a [u8],
        file_len: u64,
        classification: Classification<'a>,
    ) -> Result<Inspection<'a>, Error> {
        let meta = match meta_start(classification.layout) {
            Some(start) => match meta::parse(data, start, file_len, &self.limits)? {
                Parsed::Done(meta) => Some(meta),
                // `data` holds the whole group (see `read_header`), so this cannot happen.
                Parsed::NeedMore(_) => None,
            },
            None => None,
        };
        Ok(Inspection::new(classification, meta, file_len))
    }
}

/// Bytes read to guess the encoding of a data set whose transfer syntax is unknown.
const GUESS_LEN: usize = 256;

impl Inspector {
    /// See [`walk`](crate::walk()).
    pub fn walk<'a>(&self, data: &'a [u8]) -> Result<Walk<'a>, Error> {
        let inspection = self.inspect(data)?;
        let plan = DataSetPlan::of(&inspection, |start| {
            let head = cursor::tail_at(data, start).unwrap_or_default();
            Ok(head.get(..GUESS_LEN).unwrap_or(head).to_vec())
        })?;
        Ok(self.walk_plan(data, plan))
    }

    pub(crate) fn walk_plan<'a>(&self, data: &'a [u8], plan: DataSetPlan) -> Walk<'a> {
        if plan.deflated {
            let compressed = cursor::tail_at(data, plan.start).unwrap_or_default();
            let source = AnySource::Other(inflate(compressed, plan.start, self.limits()));
            Walk::new(source, plan.start, plan.encoding, *self.limits())
        } else {
            let source = AnySource::Slice(SliceSource { data });
            Walk::new(source, plan.start, plan.encoding, *self.limits())
                .with_shared(SharedInput::Slice(data))
        }
    }

    /// See [`walk_reader`].
    pub fn walk_reader<'r, R: Read + Seek + 'r>(
        &self,
        reader: &'r mut R,
    ) -> Result<Walk<'r>, Error> {
        let mut buf = Vec::new();
        let inspection = self.inspect_reader(reader, &mut buf)?;
        let file_len = inspection.file_len();
        let plan = DataSetPlan::of(&inspection, |start| read_at(reader, start, GUESS_LEN))?;
        self.walk_reader_plan(reader, file_len, plan, buf.into(), Window::default())
    }

    /// A walk of `reader`'s data set, whose first bytes `prefix` (and maybe last bytes,
    /// `tail`) were already read.
    pub(crate) fn walk_reader_plan<'r, R: Read + Seek + 'r>(
        &self,
        reader: &'r mut R,
        file_len: u64,
        plan: DataSetPlan,
        prefix: Cow<'r, [u8]>,
        tail: Window<'r>,
    ) -> Result<Walk<'r>, Error> {
        let source = if plan.deflated {
            reader
                .seek(SeekFrom::Start(plan.start))
                .map_err(|e| Error::io(plan.start, &e))?;
            AnySource::Other(inflate(
                reader.take(file_len.saturating_sub(plan.start)),
                plan.start,
                self.limits(),
            ))
        } else {
            let reader: &'r mut (dyn ReadSeek + 'r) = reader;
            AnySource::Seek(BufferedSeekSource::new(reader, file_len, prefix, tail))
        };
        Ok(Walk::new(source, plan.start, plan.encoding, *self.limits()))
    }
}

/// Grows `buf`, a prefix of the input, to `len` bytes.
fn fill<R: Read + Seek>(reader: &mut R, buf: &mut Vec<u8>, len: u64) -> Result<(), Error> {
    let have = buf.len() as u64;
    let Some(missing) = len.checked_sub(have).filter(|m| *m > 0) else {
        return Ok(());
    };
    let io = |e: std::io::Error| Error::io(have, &e);
    reader.seek(SeekFrom::Start(have)).map_err(io)?;
    // `missing` is bounded by the input's length and the meta group limit.
    let missing_len =
        usize::try_from(missing).map_err(|_| io(std::io::ErrorKind::OutOfMemory.into()))?;
    let read = crate::read::probe::read_up_to(reader, buf, missing_len).map_err(io)?;
    if (read as u64) < missing {
        return Err(io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(())
}

/// The preamble bytes of a Part 10 input.
fn part10_preamble(data: &[u8], layout: Layout) -> Option<&[u8; PREAMBLE_LEN]> {
    if layout != Layout::Part10 {
        return None;
    }
    cursor::slice_at(data, 0, PREAMBLE_LEN as u64)?
        .try_into()
        .ok()
}

/// The detection-only kind, used if confirmation cannot run.
fn unconfirmed(bytes: &[u8; PREAMBLE_LEN]) -> PreambleKind {
    let info = crate::read::executable::ExecutableInfo {
        confirmed: false,
        payload_offset: None,
    };
    match preamble::detect(bytes) {
        Detected::Final(kind) => kind,
        Detected::Tiff(header) => PreambleKind::Tiff {
            header,
            grade: TiffGrade::Dangling(TiffDefect::LimitReached),
        },
        Detected::Executable(crate::read::signature::Format::Pe) => PreambleKind::Pe(info),
        Detected::Executable(crate::read::signature::Format::Elf) => PreambleKind::Elf(info),
        Detected::Executable(format) => PreambleKind::MachO {
            fat: format == crate::read::signature::Format::MachOFat,
            info,
        },
    }
}

/// Classifies a complete input held in memory: its layout and, for Part 10 files, its
/// preamble. Never fails: a file without preamble or not DICOM at all is a verdict.
///
/// ```
/// use dicom_sanitize::{classify, Layout, PreambleKind};
///
/// let data = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
/// let verdict = classify(&data);
/// assert_eq!(verdict.layout(), Layout::Part10);
/// // A vestigial TIFF header: harmless, not functional.
/// assert_eq!(verdict.preamble_name(), "tiff-dangling");
///
/// assert_eq!(classify(b"just some text").layout(), Layout::NotDicom);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn classify(data: &[u8]) -> Classification<'_> {
    Inspector::default().classify(data)
}

/// Classifies the first bytes of a stream: [`Prefix::Partial`] below 132 bytes, then the
/// verdict [`classify`] gives on those bytes. Structures the preamble points to beyond the
/// prefix (a TIFF IFD, an executable's headers) count as absent: for a verdict on them,
/// classify the whole input.
///
/// ```
/// use dicom_sanitize::{classify_prefix, Prefix};
///
/// let data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
/// assert_eq!(classify_prefix(&data[..100]), Prefix::Partial);
/// match classify_prefix(&data[..1024]) {
///     Prefix::Complete(verdict) => assert!(verdict.preamble().is_some()),
///     Prefix::Partial => unreachable!(),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn classify_prefix(prefix: &[u8]) -> Prefix<Classification<'_>> {
    Inspector::default().classify_prefix(prefix)
}

/// Inspects a complete input held in memory: layout, preamble and File Meta group, all
/// borrowed from `data`.
///
/// Works with anything that derefs to bytes: `&[u8]`, `&Vec<u8>`, `&bytes::Bytes` (then
/// `Bytes::slice_ref` turns any borrowed view into an owned, zero-copy `Bytes`).
///
/// # Errors
/// When the input has a File Meta group (`DICM` at 128, or group 0002 at offset 0) that cannot
/// be read: the error names the offset and the element. To get a verdict on any input, use
/// [`classify`] or [`validate`](crate::validate), which never fail.
///
/// ```
/// use bytes::Bytes;
/// use dicom_sanitize::{inspect, Layout, PreambleKind};
///
/// let data = Bytes::from(std::fs::read("tests/data/pydicom/CT_small.dcm")?);
/// let inspection = inspect(&data)?;
/// assert_eq!(inspection.layout(), Layout::Part10);
/// let meta = inspection.meta().unwrap();
/// assert_eq!(meta.transfer_syntax().unwrap().name, "Explicit VR Little Endian");
/// // Zero-copy hand-off of a borrowed value as an owned buffer.
/// let uid = data.slice_ref(meta.media_storage_sop_instance_uid().unwrap().as_bytes());
/// assert!(uid.starts_with(b"1.3.6.1.4.1."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect(data: &[u8]) -> Result<Inspection<'_>, Error> {
    Inspector::default().inspect(data)
}

/// Inspects an input through `Read + Seek`, reading only its first 256 bytes, the File Meta
/// group, and for a preamble that points into the file, the few bytes needed to confirm it (a
/// TIFF IFD chain, an executable's headers), within [`Limits::max_probe_bytes`]. Never reads
/// the data set.
///
/// The bytes read are kept in `buf`, which the returned views borrow; reuse it across files to
/// avoid allocating.
///
/// # Errors
/// As [`inspect`], and when reading or seeking fails.
///
/// ```
/// use std::fs::File;
///
/// let mut file = File::open("tests/data/pydicom/MR_small_bigendian.dcm")?;
/// let mut buf = Vec::new();
/// let inspection = dicom_sanitize::inspect_reader(&mut file, &mut buf)?;
/// let meta = inspection.meta().unwrap();
/// assert_eq!(meta.transfer_syntax_uid(), Some("1.2.840.10008.1.2.2"));
/// assert!(buf.len() < 1024);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect_reader<'b, R: Read + Seek>(
    reader: &mut R,
    buf: &'b mut Vec<u8>,
) -> Result<Inspection<'b>, Error> {
    Inspector::default().inspect_reader(reader, buf)
}

/// Walks the element headers of a complete input held in memory, from its data set's start.
///
/// The encoding comes from the File Meta group's transfer syntax (a deflated data set is
/// inflated as it is walked), or is detected for a raw data set or an unknown transfer syntax.
///
/// # Errors
/// When the input is not DICOM or its File Meta group cannot be read (see
/// [`inspect`](crate::inspect())). Defects in the data set come from the iterator.
///
/// ```
/// use dicom_sanitize::walk::PIXEL_DATA; // (7FE0,0010)
/// use dicom_sanitize::{walk, ElementKind};
///
/// let data = std::fs::read("tests/data/pydicom/MR_small.dcm")?;
/// let mut pixel_data = None;
/// for element in walk(&data)? {
///     let element = element?;
///     if element.tag() == PIXEL_DATA {
///         pixel_data = Some(element);
///     }
/// }
/// let pixel_data = pixel_data.unwrap();
/// assert_eq!(pixel_data.kind, ElementKind::Value);
/// assert_eq!(pixel_data.value_end(), Some(data.len() as u64 - 138)); // padding follows
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn walk(data: &[u8]) -> Result<Walk<'_>, Error> {
    Inspector::default().walk(data)
}

/// Walks the element headers of an input through `Read + Seek`: headers are read in small
/// chunks and values skipped by seeking, so pixel data is never read.
///
/// # Errors
/// As [`walk`](crate::walk()), and when reading fails.
///
/// ```
/// let mut file = std::fs::File::open("tests/data/pydicom/rtplan.dcm")?;
/// let sequences = dicom_sanitize::walk_reader(&mut file)?
///     .filter_map(Result::ok)
///     .filter(|e| e.kind == dicom_sanitize::ElementKind::Sequence)
///     .count();
/// assert!(sequences > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn walk_reader<R: Read + Seek>(reader: &mut R) -> Result<Walk<'_>, Error> {
    Inspector::default().walk_reader(reader)
}
