//! Validation: every structural defect and every polyglot signal in one input, as findings.
//!
//! Validation never fails on malformed input: whatever cannot be read is itself a finding, and
//! the report says how far the walk got. Nothing goes unread: wherever the walk stops (or the
//! data set, or its deflate stream, ends before the input does), the bytes from there to the
//! input's end are searched for payloads as values are. Only I/O errors of a `Read + Seek`
//! input are errors.
//!
//! `input` and `run` hold the one body over slice and reader inputs, with the fast path;
//! `meta_rules` and `element_rules` the structural rules (the fast path's trigger beside
//! them); `value_scan` what is looked for in values (its `padding` and `sniff` parts) and
//! `carrier_scan` the search for confirmed payload carriers it drives (its `parallel` part:
//! one large value searched by several threads); `file_scan` the checks
//! of the whole file; `findings` the code table; `report` what it all adds up to.

mod carrier_scan;
mod element_rules;
mod file_scan;
pub(crate) mod findings;
pub(crate) mod input;
mod meta_rules;
pub(crate) mod report;
mod run;
mod value_scan;

use std::io::{Read, Seek, SeekFrom};

use crate::error::Error;
use crate::limits::Limits;
use crate::read::inspector::Inspector;
use crate::read::layout::DataSetPlan;
use crate::read::shared::SharedInput;
use crate::validate::file_scan::PDF_WINDOW;
use crate::validate::input::{Held, HeldAccess, HeldInput, Input, SliceInput};
use crate::validate::report::Report;
use crate::validate::run::Run;

/// Validates a complete input held in memory. Never fails: malformed input is a finding.
///
/// ```
/// use dicom_sanitize::{validate, Status};
///
/// let data = std::fs::read("tests/data/pydicom/rtplan.dcm")?;
/// let report = validate(&data);
/// assert_eq!(report.status(), Status::Clean);
/// assert!(!report.is_threat());
/// assert_eq!(report.data_set_offset, Some(300));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn validate(data: &[u8]) -> Report {
    Validator::default().validate(data)
}

/// Validation with chosen limits and depth.
///
/// ```
/// use dicom_sanitize::{Limits, Validator};
///
/// let mut limits = Limits::default();
/// limits.max_depth = 16;
/// let validator = Validator::new(limits).deep_scan(true);
/// let data = std::fs::read("tests/data/pydicom/test-SR.dcm")?;
/// let report = validator.validate(&data);
/// assert!(report.max_depth <= 16);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validator {
    inspector: Inspector,
    deep: bool,
    /// Walk every element through the general path (see
    /// [`Walk::plain_values`](crate::read::walk::Walk::plain_values)): for tests
    /// and fuzzing, which check that both paths give the same report.
    general_path_only: bool,
    /// How many threads may search one large value (0 and 1: the calling thread alone).
    search_threads: usize,
}

impl Default for Validator {
    fn default() -> Self {
        Validator::new(Limits::default())
    }
}

impl Validator {
    /// A validator applying `limits`.
    pub fn new(limits: Limits) -> Self {
        Validator {
            inspector: Inspector::new(limits),
            deep: false,
            general_path_only: false,
            search_threads: 1,
        }
    }

    /// This validator with its fast path for plain values turned off: every
    /// element goes through the general path. The report must be the same.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn general_path_only(mut self) -> Self {
        self.general_path_only = true;
        self
    }

    /// Also search Pixel Data values and fragments for payloads, whole, as every other value
    /// is searched: skipped by default (they are large, and hold the bulk of a file's bytes).
    pub fn deep_scan(mut self, deep: bool) -> Self {
        self.deep = deep;
        self
    }

    /// Lets up to `threads` threads search one large value at once: a value of at least
    /// 8 MiB (Pixel Data in a [deep](Validator::deep_scan) scan, a large private blob) is cut
    /// into that many ranges, each read and searched by a thread of its own, which takes
    /// the search of a 100 MB file from one core's speed towards the speed of reading it
    /// (see the README's figures). The default, 1, keeps all the work on the calling thread.
    ///
    /// It applies to an input in memory ([`Validator::validate`]) and to a file
    /// ([`Validator::validate_file`], whose positional reads threads share); a generic
    /// reader, which has one cursor, and an inflated data set are searched by the calling
    /// thread alone. The threads are scoped to the value's search and never outlive the
    /// call; if the system refuses to start one, the calling thread does its share.
    ///
    /// The report is the same whatever the number of threads, with one exception at a
    /// limit: confirmations that need I/O share [`Limits::max_probe_bytes`], which is split
    /// evenly between the ranges of a value searched at once, so which decoy spends it may
    /// differ (a `value.search-limit` finding says so either way).
    ///
    /// ```
    /// use dicom_sanitize::Validator;
    ///
    /// let data = std::fs::read("tests/data/pydicom/CT_small.dcm")?;
    /// let deep = Validator::default().deep_scan(true);
    /// let report = deep.search_threads(2).validate(&data);
    /// assert_eq!(report, deep.validate(&data));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn search_threads(mut self, threads: usize) -> Self {
        self.search_threads = threads;
        self
    }

    /// The limits applied.
    pub fn limits(&self) -> &Limits {
        self.inspector.limits()
    }

    /// The inspector reading inputs with these limits.
    pub(crate) fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// See [`validate`].
    pub fn validate(&self, data: &[u8]) -> Report {
        match self.run(SliceInput(data)) {
            Ok(report) => report,
            Err(never) => match never {},
        }
    }

    /// Validates an input through `Read + Seek`: the header and meta group, the first KiB and
    /// the last 64 KiB (where PDF and ZIP readers look), and then element headers and values
    /// in chunks, skipping Pixel Data by seeking (unless the scan is deep).
    ///
    /// # Errors
    /// Only when reading or seeking fails; malformed input is a finding.
    ///
    /// ```
    /// use dicom_sanitize::Validator;
    ///
    /// let mut file = std::fs::File::open("tests/data/pydicom/CT_small.dcm")?;
    /// let report = Validator::default().validate_reader(&mut file)?;
    /// assert_eq!(report.preamble.unwrap().name(), "tiff-dangling");
    /// assert!(!report.is_threat());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_reader<R: Read + Seek>(&self, reader: &mut R) -> Result<Report, Error> {
        let len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(0, &e))?;
        self.validate_read_through(reader, len, None)
    }

    /// Validates `reader`, an input of `len` bytes, reading its first and last bytes once
    /// ([`Held`]) and the rest where the walk goes; `shared` is the same input for threads.
    fn validate_read_through<R: Read + Seek>(
        &self,
        reader: &mut R,
        len: u64,
        shared: Option<SharedInput<'_>>,
    ) -> Result<Report, Error> {
        let held = Held::read(&self.inspector, reader, len)?;
        self.run(HeldInput {
            access: HeldAccess {
                held: &held,
                reader,
            },
            shared,
        })
    }

    /// The one body of every validation: classify the input, check its meta group, look where
    /// other readers look (its first KiB and last 64 KiB), plan the data set's walk, walk it
    /// checking every element, and make the findings left for the end.
    fn run<I: Input>(&self, mut input: I) -> Result<Report, I::Failure> {
        let (head, file_len) = input.head(&self.inspector)?;
        let first = head.as_ref();
        let classification = input.classify(&self.inspector, first, file_len)?;
        let mut run = Run::new(self, file_len, &classification);
        let inspection = run.meta(&self.inspector, first, classification);
        let (tail_start, tail) = input.tail(first, file_len)?;
        run.file_checks(
            first.get(..PDF_WINDOW as usize).unwrap_or(first),
            (tail_start, tail.as_ref()),
        );
        // A `%PDF-` there is confirmed (rarely: it reads what follows it) as PDF readers would.
        if run.places_pdf() {
            if let Err(err) = run.confirm_pdf(&mut *input.raw(file_len)) {
                I::walk_failed(err)?;
            }
        }
        let plan = inspection.map(|inspection| {
            DataSetPlan::of(&inspection, |start| input.data_set_head(first, start))
        });
        if let Some(Ok(plan)) = plan {
            run.set_plan(plan);
            let walk = input.walk(&self.inspector, file_len, plan, head, (tail_start, tail))?;
            if let Err(err) = run.walk(walk, plan) {
                I::walk_failed(err)?;
            }
        }
        // The bytes no walk reached, read as they lie in the input: after a meta group that
        // cannot be read, after a deflate stream (cut short or ended).
        if let Err(err) = run.search_unwalked(&mut *input.raw(file_len)) {
            I::walk_failed(err)?;
        }
        Ok(run.finish())
    }
}

impl Validator {
    /// Validates an open regular file, as [`Validator::validate_reader`] but with positional
    /// reads (`pread`): no seek costs a system call, and the file's cursor is left alone.
    ///
    /// # Errors
    /// When reading fails, or the file is not a regular file (a FIFO, a device): error kind
    /// `InvalidInput`, so that nothing blocks or reads without end.
    ///
    /// ```
    /// let file = std::fs::File::open("tests/data/pydicom/MR_small.dcm")?;
    /// let report = dicom_sanitize::Validator::default().validate_file(&file)?;
    /// assert_eq!(report.transfer_syntax.as_deref(), Some("1.2.840.10008.1.2.1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_file(&self, file: &std::fs::File) -> Result<Report, Error> {
        #[cfg(unix)]
        {
            let mut positional =
                crate::read::probe::PositionalFile::new(file).map_err(|e| Error::io(0, &e))?;
            let len = positional.len();
            self.validate_read_through(&mut positional, len, Some(SharedInput::File { file, len }))
        }
        #[cfg(not(unix))]
        {
            self.validate_reader(&mut &*file)
        }
    }

    /// As [`Validator::validate_reader`], for an input whose first and last bytes were read
    /// before (see [`Held`](input::Held)), which the validation borrows: `shared` is the same
    /// input for threads, when it is a file.
    ///
    /// # Errors
    /// Only when reading or seeking fails.
    pub(crate) fn validate_held<R: Read + Seek>(
        &self,
        access: &mut HeldAccess<'_, R>,
        shared: Option<SharedInput<'_>>,
    ) -> Result<Report, Error> {
        self.run(HeldInput {
            access: HeldAccess {
                held: access.held,
                reader: &mut *access.reader,
            },
            shared,
        })
    }
}

#[cfg(test)]
mod tests {
    use dicom_core::Tag;

    use super::*;
    use crate::read::cursor;
    use crate::read::walk::{ElementKind, Walk};
    use crate::validate::findings::FindingCode;

    /// The header walk of a Part 10 input's data set.
    fn walk_of(data: &[u8]) -> Walk<'_> {
        let inspection = crate::inspect(data).unwrap();
        let plan = DataSetPlan::of(&inspection, |start| {
            Ok(cursor::tail_at(data, start).unwrap_or_default().to_vec())
        })
        .unwrap();
        Inspector::default().walk_plan(data, plan)
    }

    #[test]
    fn the_fast_path_takes_most_values_and_agrees_with_the_general_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pydicom");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            let fast = Validator::default().validate(&data);
            let general = Validator::default().general_path_only().validate(&data);
            assert_eq!(fast, general);
            let mut file = std::io::Cursor::new(&data);
            assert_eq!(
                Validator::default().validate_reader(&mut file).unwrap(),
                fast
            );
            checked += 1;
        }
        assert!(checked > 20);

        // On a typical CT header, the fast path takes most top-level values.
        let ct = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/pydicom/CT_small.dcm"
        ))
        .unwrap();
        let mut walk = walk_of(&ct);
        let first = walk.next().unwrap().unwrap();
        let mut last = first.tag();
        let mut taken = 0;
        walk.plain_values(|value| {
            assert!(value.tag > last, "{value:?} after {last}");
            last = value.tag;
            taken += 1;
            true
        });
        assert!(taken > 20, "{taken} values taken");
        // The iterator goes on where the fast path stopped.
        let next = walk.next().unwrap().unwrap();
        assert!(next.tag() > last);
    }

    /// An explicit VR little endian element with a 2-byte length.
    fn short(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = [tag.0.to_le_bytes(), tag.1.to_le_bytes()].concat();
        out.extend_from_slice(vr);
        out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    #[test]
    fn the_fast_path_searches_the_values_it_takes_as_the_general_path_does() {
        // An x86-64 ELF header with one PT_LOAD program header, in a text value.
        let mut elf = b"\x7FELF\x02\x01\x01".to_vec();
        elf.resize(16, 0);
        elf.extend_from_slice(&2u16.to_le_bytes());
        elf.extend_from_slice(&62u16.to_le_bytes());
        elf.resize(32, 0);
        elf.extend_from_slice(&64u64.to_le_bytes());
        elf.resize(54, 0);
        elf.extend_from_slice(&56u16.to_le_bytes());
        elf.extend_from_slice(&1u16.to_le_bytes());
        elf.resize(64, 0);
        elf.extend_from_slice(&1u32.to_le_bytes());
        elf.resize(64 + 32, 0);
        elf.extend_from_slice(&64u64.to_le_bytes());
        elf.resize(64 + 56 + 8, 0);
        let mut value = b"text: ".to_vec();
        value.extend_from_slice(&elf);
        let ct = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/pydicom/CT_small.dcm"
        ))
        .unwrap();
        let pixels = ct
            .windows(6)
            .rposition(|w| w == b"\xe0\x7f\x10\x00OW")
            .unwrap();
        let inserted = [
            short((0x0099, 0x0010), b"LO", b"DICOM-SANITIZE TEST "),
            short((0x0099, 0x1000), b"LT", &value),
            short((0x0099, 0x1001), b"LO", b"AFTER "),
        ]
        .concat();
        let payload = (pixels + 28 + 8 + 6) as u64;
        let mut data = ct.clone();
        data.splice(pixels..pixels, inserted);
        let fast = Validator::default().validate(&data);
        assert_eq!(
            fast,
            Validator::default().general_path_only().validate(&data)
        );
        let found = fast
            .findings
            .iter()
            .find(|f| f.code == FindingCode::ValueExecutable)
            .unwrap_or_else(|| panic!("{:#?}", fast.findings));
        assert_eq!(
            (found.offset, found.tag),
            (payload, Some(Tag(0x0099, 0x1000)))
        );
    }

    #[test]
    fn the_fast_path_takes_values_in_a_defined_length_item_and_stops_at_its_end() {
        let item_values = [
            short((0x0008, 0x1150), b"UI", b"1.2.3\0"),
            short((0x0008, 0x1155), b"UI", b"1.2.3.4\0"),
        ]
        .concat();
        let item_len = u32::try_from(item_values.len()).unwrap();
        let mut sequence = vec![0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0];
        sequence.extend_from_slice(&(item_len + 8).to_le_bytes());
        sequence.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        sequence.extend_from_slice(&item_len.to_le_bytes());
        sequence.extend_from_slice(&item_values);
        let data_set = [
            short((0x0008, 0x0005), b"CS", b"ISO_IR 100"),
            sequence,
            // A top-level value right after the item: not the item's.
            short((0x0010, 0x0010), b"PN", b"A^B "),
        ]
        .concat();
        let ts = short((0x0002, 0x0010), b"UI", b"1.2.840.10008.1.2.1\0");
        let group_length = u32::try_from(ts.len()).unwrap().to_le_bytes();
        let data = [
            vec![0; 128],
            b"DICM".to_vec(),
            short((0x0002, 0x0000), b"UL", &group_length),
            ts,
            data_set,
        ]
        .concat();

        let mut walk = walk_of(&data);
        let kinds: Vec<ElementKind> = (0..3).map(|_| walk.next().unwrap().unwrap().kind).collect();
        assert_eq!(
            kinds,
            [ElementKind::Value, ElementKind::Sequence, ElementKind::Item]
        );
        let mut taken = Vec::new();
        let run = walk.plain_values(|value| {
            taken.push(value.tag);
            true
        });
        assert_eq!(taken, [Tag(0x0008, 0x1150), Tag(0x0008, 0x1155)]);
        assert_eq!(run.map(|run| run.count), Some(2));
        // The iterator closes the item and the sequence and goes on at top level.
        let next = walk.next().unwrap().unwrap();
        assert_eq!((next.tag(), next.depth), (Tag(0x0010, 0x0010), 0));

        let fast = Validator::default().validate(&data);
        assert_eq!(
            fast,
            Validator::default().general_path_only().validate(&data)
        );
        assert_eq!(fast.elements, 6);
        // Only the meta elements this minimal group leaves out.
        assert!(
            fast.findings
                .iter()
                .all(|f| f.code == FindingCode::MetaElementMissing),
            "{:?}",
            fast.findings
        );
    }
}
