//! Reading an input without copying it: layout verdict, preamble and File Meta group.

use std::io::{Read, Seek, SeekFrom};

use crate::cursor;
use crate::encoding::Encoding;
use crate::error::Error;
use crate::header::{self, HeaderError, UNDEFINED};
use crate::limits::Limits;
use crate::meta::{self, FileMeta, Parsed};
use crate::preamble::{self, Detected, Preamble, PreambleKind, HEADER_LEN, MAGIC, PREAMBLE_LEN};
use crate::source::{Probe, RandomAccess, SeekSource};
use crate::tiff::{TiffDefect, TiffGrade};

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// A DICOM Part 10 file: 128-byte preamble, `DICM`, File Meta group, data set.
    Part10,
    /// No preamble: the input starts with the File Meta group.
    MetaWithoutPreamble,
    /// No preamble and no File Meta group: a bare data set in one of the three uncompressed
    /// encodings (as written by some old writers, and ACR-NEMA).
    RawDataSet(Encoding),
    /// Not recognised as DICOM.
    NotDicom,
}

impl Layout {
    /// The stable name used in reports: `part10`, `no-preamble`, `raw-data-set`, `not-dicom`.
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Part10 => "part10",
            Layout::MetaWithoutPreamble => "no-preamble",
            Layout::RawDataSet(_) => "raw-data-set",
            Layout::NotDicom => "not-dicom",
        }
    }

    /// Whether the input is DICOM in any layout.
    pub fn is_dicom(&self) -> bool {
        !matches!(self, Layout::NotDicom)
    }
}

/// The verdict on an input: its layout and, for Part 10 files, its preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification<'a> {
    layout: Layout,
    preamble: Option<Preamble<'a>>,
}

impl<'a> Classification<'a> {
    /// How the input is laid out.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The preamble, for Part 10 files.
    pub fn preamble(&self) -> Option<Preamble<'a>> {
        self.preamble
    }

    /// The preamble's kind name for reports, `absent` when there is none.
    pub fn preamble_name(&self) -> &'static str {
        self.preamble.map_or("absent", |p| p.kind().name())
    }
}

/// Whether enough bytes were given for a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix<T> {
    /// The verdict.
    Complete(T),
    /// Fewer than 132 bytes: give more (or, at the end of the stream, call
    /// [`classify`] on everything there is).
    Partial,
}

/// A Part 10 file, or a bare meta group, read as far as its data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inspection<'a> {
    classification: Classification<'a>,
    meta: Option<FileMeta<'a>>,
    file_len: u64,
}

impl<'a> Inspection<'a> {
    pub(crate) fn new(
        classification: Classification<'a>,
        meta: Option<FileMeta<'a>>,
        file_len: u64,
    ) -> Self {
        Inspection {
            classification,
            meta,
            file_len,
        }
    }

    /// The layout and preamble verdict.
    pub fn classification(&self) -> Classification<'a> {
        self.classification
    }

    /// How the input is laid out.
    pub fn layout(&self) -> Layout {
        self.classification.layout
    }

    /// The preamble, for Part 10 files.
    pub fn preamble(&self) -> Option<Preamble<'a>> {
        self.classification.preamble
    }

    /// The File Meta group, when the input has one.
    pub fn meta(&self) -> Option<&FileMeta<'a>> {
        self.meta.as_ref()
    }

    /// Length of the whole input.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Where the data set starts, for DICOM inputs.
    pub fn data_set_offset(&self) -> Option<u64> {
        match (self.layout(), &self.meta) {
            (_, Some(meta)) => Some(meta.data_set_offset()),
            (Layout::RawDataSet(_), None) => Some(0),
            _ => None,
        }
    }

    /// How the data set's headers are encoded, when known: from a recognised transfer syntax,
    /// or detected for a raw data set.
    pub fn encoding(&self) -> Option<Encoding> {
        match (self.layout(), &self.meta) {
            (Layout::RawDataSet(encoding), _) => Some(encoding),
            (_, Some(meta)) => meta.transfer_syntax().map(|ts| ts.encoding),
            _ => None,
        }
    }
}

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
        // `buf` may hold stale bytes: the first read overwrites them.
        let first = file_len.min(initial);
        reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| {
                let len = usize::try_from(first).unwrap_or(usize::MAX);
                crate::source::read_up_to_at(reader, buf, 0, len)
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
        Ok(file_len)
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

/// Bytes [`inspect_reader`] reads first: the header and, usually, the whole meta group.
pub(crate) const INITIAL_READ: u64 = 256;

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
    let read = crate::source::read_up_to(reader, buf, missing_len).map_err(io)?;
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

/// Where the File Meta group of an input with this layout starts.
pub(crate) fn meta_start(layout: Layout) -> Option<u64> {
    match layout {
        Layout::Part10 => Some(HEADER_LEN),
        Layout::MetaWithoutPreamble => Some(0),
        _ => None,
    }
}

/// The detection-only kind, used if confirmation cannot run.
fn unconfirmed(bytes: &[u8; PREAMBLE_LEN]) -> PreambleKind {
    let info = crate::executable::ExecutableInfo {
        confirmed: false,
        payload_offset: None,
    };
    match preamble::detect(bytes) {
        Detected::Final(kind) => kind,
        Detected::Tiff(header) => PreambleKind::Tiff {
            header,
            grade: TiffGrade::Dangling(TiffDefect::LimitReached),
        },
        Detected::Executable(crate::signature::Format::Pe) => PreambleKind::Pe(info),
        Detected::Executable(crate::signature::Format::Elf) => PreambleKind::Elf(info),
        Detected::Executable(format) => PreambleKind::MachO {
            fat: format == crate::signature::Format::MachOFat,
            info,
        },
    }
}

/// Decides the layout from the first bytes of an input of `file_len` bytes.
///
/// `DICM` at 128 followed by a meta element is Part 10. Otherwise a meta element at 0 means a
/// meta group without preamble, and plausible element headers at 0 a raw data set (a data set
/// may hold `DICM` at 128 by chance). `DICM` at 128 with neither is still Part 10, with a
/// broken meta group.
pub(crate) fn detect_layout(data: &[u8], file_len: u64) -> Layout {
    let magic = cursor::slice_at(data, PREAMBLE_LEN as u64, 4) == Some(MAGIC.as_slice());
    // Every path sees the same bytes, whatever it has read: a slice holds the whole input,
    // a reader or a stream only its first bytes.
    let window = data.get(..DETECT_LEN).unwrap_or(data);
    if magic && meta::plausible_at(data, HEADER_LEN) {
        Layout::Part10
    } else if meta::plausible_at(data, 0) {
        Layout::MetaWithoutPreamble
    } else if let Some(encoding) = raw_data_set_encoding(window, file_len) {
        Layout::RawDataSet(encoding)
    } else if magic {
        Layout::Part10
    } else {
        Layout::NotDicom
    }
}

/// Bytes layout detection looks at: the first that every path reads ([`INITIAL_READ`], the
/// streaming adapter's first read), so that slices, readers and streams agree on the layout.
const DETECT_LEN: usize = INITIAL_READ as usize;

/// How many leading element headers must parse for a raw data set to be recognised.
const RAW_HEADERS: u32 = 4;

/// The encoding in which the input starts with a plausible raw data set, if any.
///
/// Every data set holds (0008,0016) SOP Class UID, so a data set's first element is in group
/// 0004 (directory records) to 0008; the next headers must follow in ascending order with
/// lengths that fit in the input.
fn raw_data_set_encoding(data: &[u8], file_len: u64) -> Option<Encoding> {
    data_set_encoding(data, file_len, true)
}

/// The encoding in which `data` (the start of a data set of `len` bytes) reads as plausible
/// element headers. With `strict`, the first element must be in groups 0004 to 0008.
pub(crate) fn data_set_encoding(data: &[u8], len: u64, strict: bool) -> Option<Encoding> {
    [
        Encoding::ExplicitVrLittleEndian,
        Encoding::ExplicitVrBigEndian,
        Encoding::ImplicitVrLittleEndian,
    ]
    .into_iter()
    .find(|&encoding| plausible_data_set(data, len, encoding, strict))
}

pub(crate) fn plausible_data_set(
    data: &[u8],
    file_len: u64,
    encoding: Encoding,
    strict: bool,
) -> bool {
    let mut at = 0u64;
    let mut previous = None;
    for count in 0..RAW_HEADERS {
        if at >= file_len.min(data.len() as u64) {
            // The data (or what we have of it) ends cleanly after at least two elements.
            return count >= 2 || (count >= 1 && at == file_len);
        }
        let raw = match header::decode(data, at, encoding) {
            Ok(raw) => raw,
            // What we have of the input ends inside this header: it may go on plausibly.
            Err(HeaderError::Short { .. }) => return count >= 2 && (data.len() as u64) < file_len,
            Err(HeaderError::InvalidVr { .. }) => return false,
        };
        let tag = raw.tag;
        let first_ok = count > 0 || !strict || (0x0004..=0x0008).contains(&tag.group());
        // Groups 0001, 0003, 0005, 0007 and FFFF are reserved; FFFE holds only items.
        let reserved = matches!(
            tag.group(),
            0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFE | 0xFFFF
        );
        if !first_ok || reserved || previous.is_some_and(|p| p >= tag) {
            return false;
        }
        previous = Some(tag);
        if raw.len == UNDEFINED {
            let may_be_undefined = raw.vr.is_none_or(|vr| {
                matches!(
                    vr,
                    dicom_core::VR::SQ
                        | dicom_core::VR::UN
                        | dicom_core::VR::OB
                        | dicom_core::VR::OW
                )
            });
            return may_be_undefined && (count >= 1 || !strict);
        }
        match raw.value_end(at).filter(|end| *end <= file_len) {
            Some(end) => at = end,
            None => return false,
        }
    }
    true
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
