//! The options of an opening: dicom-object's own, passed through unchanged, beside the
//! policy the input is walked and sanitized with.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use dicom_core::Tag;
use dicom_object::file::{CharacterSetOverride, OddLengthStrategy, ReadPreamble};

use crate::error::Error;
use crate::read::cursor;
use crate::rewrite::fs::{open_for_reading, FileError};
use crate::rewrite::input::{file_reader, HeldReader, InMemory};
use crate::rewrite::policy::Policy;
use crate::rewrite::replace::Snapshot;
use crate::validate::input::Held;

use super::error::OpenError;
use super::gate::{self, Passage};
use super::opened::Opened;

/// How to open an untrusted input with dicom-object: dicom-object's options a caller needs
/// most ([`read_until`](OpenFileOptions::read_until) to stop before Pixel Data, and the rest
/// of [`dicom_object::OpenFileOptions`] through [`OpenFileOptions::dicom`]), passed through
/// unchanged. The preamble option is this crate's: dicom-object reads from `DICM` on.
///
/// ```
/// use dicom_sanitize::{OpenFileOptions, Policy, Tag};
///
/// const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
/// let opened = OpenFileOptions::new()
///     .read_until(PIXEL_DATA)
///     .open_file("tests/data/pydicom/CT_small.dcm", &Policy::default())?;
/// assert!(opened.object().element_opt(PIXEL_DATA)?.is_none());
/// assert!(opened.object().element_opt(Tag(0x0010, 0x0010))?.is_some()); // Patient's Name
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct OpenFileOptions {
    dicom: dicom_object::OpenFileOptions,
}

impl OpenFileOptions {
    /// dicom-object's defaults: the whole data set is read.
    pub fn new() -> Self {
        OpenFileOptions::default()
    }

    /// Reads up to `tag`, excluding it (dicom-object's `read_until`): with Pixel Data, only
    /// the bytes before it are read.
    pub fn read_until(self, tag: Tag) -> Self {
        self.map(|o| o.read_until(tag))
    }

    /// Reads up to `tag`, including it (dicom-object's `read_to`).
    pub fn read_to(self, tag: Tag) -> Self {
        self.map(|o| o.read_to(tag))
    }

    /// Reads the whole data set (the default).
    pub fn read_all(self) -> Self {
        self.map(|o| o.read_all())
    }

    /// How dicom-object treats odd value lengths.
    pub fn odd_length_strategy(self, option: OddLengthStrategy) -> Self {
        self.map(|o| o.odd_length_strategy(option))
    }

    /// The character set dicom-object decodes text with.
    pub fn charset_override(self, option: CharacterSetOverride) -> Self {
        self.map(|o| o.charset_override(option))
    }

    /// dicom-object's options, whole (their preamble option is replaced: dicom-object reads
    /// from `DICM` on).
    ///
    /// ```
    /// use dicom_sanitize::{OpenFileOptions, Policy, Tag};
    ///
    /// let dicom = dicom_object::OpenFileOptions::new().read_to(Tag(0x0008, 0x0018));
    /// let opened = OpenFileOptions::new()
    ///     .dicom(dicom)
    ///     .open_file("tests/data/pydicom/MR_small.dcm", &Policy::default())?;
    /// assert!(opened.object().element_opt(Tag(0x0008, 0x0018))?.is_some());
    /// assert!(opened.object().element_opt(Tag(0x0010, 0x0010))?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dicom(self, options: dicom_object::OpenFileOptions) -> Self {
        OpenFileOptions { dicom: options }
    }

    fn map(
        self,
        f: impl FnOnce(dicom_object::OpenFileOptions) -> dicom_object::OpenFileOptions,
    ) -> Self {
        OpenFileOptions {
            dicom: f(self.dicom),
        }
    }

    /// Opens the file at `path`: see [`open_file`](crate::open_file).
    ///
    /// # Errors
    /// See [`open_file`](crate::open_file).
    ///
    /// ```
    /// use dicom_sanitize::{OpenFileOptions, Policy};
    ///
    /// let opened = OpenFileOptions::new().open_file("examples/data/clean.dcm", &Policy::default())?;
    /// assert!(opened.outcome().is_unchanged());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_file(&self, path: impl AsRef<Path>, policy: &Policy) -> Result<Opened, OpenError> {
        let path = path.as_ref();
        let in_file = |e: Error| FileError::new(path, e);
        let file = open_for_reading(path)?;
        let read_as = Snapshot::of(&file).map_err(|e| FileError::io(path, &e))?;
        if !read_as.is_regular() {
            let refused = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
            return Err(in_file(Error::io(0, &refused)).into());
        }
        let len = read_as.len();
        let policy = gate::policy(policy);
        let (mut reader, shared) = file_reader(&file, len);
        let held = Held::read(policy.validator().inspector(), &mut reader, len).map_err(in_file)?;
        let (report, plan) = policy
            .review_input(HeldReader::new(&held, &mut reader, shared))
            .map_err(in_file)?;
        let passage = gate::passage(&report, plan.as_ref())?;
        let source = passage.reader(&held, &mut reader).map_err(in_file)?;
        let object = self.parse(source)?;
        // What dicom-object read past the held bytes is what the walk passed only if the
        // file did not change.
        read_as.check(&file, path, None)?;
        Ok(opened(object, report, &passage))
    }

    /// Opens the input `reader` reads: see [`from_reader`](crate::from_reader).
    ///
    /// # Errors
    /// See [`from_reader`](crate::from_reader).
    ///
    /// ```
    /// use dicom_sanitize::{OpenFileOptions, Policy};
    ///
    /// let file = std::fs::File::open("examples/data/clean.dcm")?;
    /// let opened = OpenFileOptions::new().from_reader(file, &Policy::default())?;
    /// assert!(!opened.report().is_threat());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_reader<R: Read + Seek>(
        &self,
        mut reader: R,
        policy: &Policy,
    ) -> Result<Opened, OpenError> {
        let policy = gate::policy(policy);
        let len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| OpenError::Read(Error::io(0, &e)))?;
        let held = Held::read(policy.validator().inspector(), &mut reader, len)
            .map_err(OpenError::Read)?;
        let (report, plan) = policy
            .review_input(HeldReader::new(&held, &mut reader, None))
            .map_err(OpenError::Read)?;
        let passage = gate::passage(&report, plan.as_ref())?;
        let source = passage
            .reader(&held, &mut reader)
            .map_err(OpenError::Read)?;
        let object = self.parse(source)?;
        Ok(opened(object, report, &passage))
    }

    /// Opens the input `data` holds: see [`from_bytes`](crate::from_bytes).
    ///
    /// # Errors
    /// See [`from_bytes`](crate::from_bytes).
    ///
    /// ```
    /// use dicom_sanitize::{OpenFileOptions, Policy};
    ///
    /// let data = std::fs::read("examples/data/clean.dcm")?;
    /// let opened = OpenFileOptions::new().from_bytes(&data, &Policy::default())?;
    /// assert_eq!(opened.report().file_len, data.len() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(&self, data: &[u8], policy: &Policy) -> Result<Opened, OpenError> {
        let (report, plan) = gate::policy(policy)
            .review_input(InMemory::complete(data))
            .map_err(OpenError::Read)?;
        let passage = gate::passage(&report, plan.as_ref())?;
        let bytes = cursor::slice_at(data, passage.range.start, passage.len()).unwrap_or(&[]);
        let object = self.parse(bytes)?;
        Ok(opened(object, report, &passage))
    }

    /// dicom-object's parse of `source`, which starts at `DICM`.
    fn parse(&self, source: impl Read) -> Result<dicom_object::DefaultDicomObject, OpenError> {
        self.dicom
            .clone()
            .read_preamble(ReadPreamble::Never)
            .from_reader(source)
            .map_err(|e| OpenError::Dicom(Box::new(e)))
    }
}

fn opened(
    object: dicom_object::DefaultDicomObject,
    report: crate::validate::report::Report,
    passage: &Passage,
) -> Opened {
    Opened {
        object,
        report,
        outcome: passage.outcome,
    }
}
