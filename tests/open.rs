//! Opening untrusted files with dicom-object through the crate (feature `dicom-object`): real
//! files open with the data set dicom-object reads by itself; hostile ones are refused with
//! our error, before dicom-object sees a byte, without a large allocation or a deep recursion.

mod common;
use common::tiny_with_length;
#[path = "common/counting.rs"]
mod counting;
use counting::peak_during;

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use dicom_object::DefaultDicomObject;
use dicom_sanitize::{
    from_bytes, from_reader, open_file, Action, FindingCode, Limits, OpenError, OpenFileOptions,
    Opened, Policy, PreambleAction, Tag, TrailingAction, OPEN_MAX_DEPTH,
};

const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn real(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/data/pydicom").join(name)).unwrap()
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Whether two objects hold the same meta group and data set. dicom-object's `==` is not
/// enough: some objects are not equal to themselves by it (JPEG-lossy.dcm's, with sequences
/// of undefined length), so the objects' full debug forms (every header and value) are
/// compared when it says no.
fn same(a: &DefaultDicomObject, b: &DefaultDicomObject) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

/// The three ways in agree on `path`: the same object, report and outcome (or all refuse
/// with the same code); the path's result is returned.
fn open_three_ways(path: &Path, policy: &Policy) -> Result<Opened, OpenError> {
    let data = std::fs::read(path).unwrap();
    let by_path = open_file(path, policy);
    let by_bytes = from_bytes(&data, policy);
    let by_reader = from_reader(Cursor::new(&data), policy);
    for (how, other) in [("from_bytes", &by_bytes), ("from_reader", &by_reader)] {
        match (&by_path, other) {
            (Ok(a), Ok(b)) => {
                assert!(
                    same(a.object(), b.object()),
                    "{}: {how} object",
                    path.display()
                );
                assert_eq!(a.report(), b.report(), "{}: {how}", path.display());
                assert_eq!(a.outcome(), b.outcome(), "{}: {how}", path.display());
            }
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{}: {how}", path.display()),
            (a, b) => panic!("{}: open_file {a:?}, {how} {b:?}", path.display()),
        }
    }
    by_path
}

/// Every file under `dir` that dicom-object opens by itself opens through the crate, with an
/// equal object; returns how many did.
fn real_files_open_alike(dir: &Path) -> usize {
    let mut opened = 0;
    let mut failures = Vec::new();
    for path in files_under(dir) {
        let Ok(theirs) = dicom_object::open_file(&path) else {
            continue;
        };
        match open_three_ways(&path, &Policy::default()) {
            Ok(ours) if same(ours.object(), &theirs) => opened += 1,
            Ok(_) => failures.push(format!("{}: objects differ", path.display())),
            Err(e) => failures.push(format!("{}: {e} ({})", path.display(), e.code())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    opened
}

#[test]
fn real_files_open_with_the_data_set_dicom_object_reads() {
    let opened = real_files_open_alike(&repo().join("tests/data"));
    assert!(opened >= 20, "only {opened} files opened");
}

/// pydicom's test files, from the wheel `.ci/run` installs (its directory in
/// `DICOM_SANITIZE_PYDICOM_FILES`); required when `DICOM_SANITIZE_REQUIRE_TOOLS` is set.
#[test]
fn pydicom_wheel_files_open_with_the_data_set_dicom_object_reads() {
    let Some(dir) = std::env::var_os("DICOM_SANITIZE_PYDICOM_FILES") else {
        assert!(
            std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
            "DICOM_SANITIZE_PYDICOM_FILES is not set (.ci/run sets it to pydicom's test files)"
        );
        eprintln!("skipped: DICOM_SANITIZE_PYDICOM_FILES is not set");
        return;
    };
    let opened = real_files_open_alike(Path::new(&dir));
    assert!(opened >= 50, "only {opened} files opened");
}

/// The peak allocation of opening `data` every way stays under a small multiple of its size,
/// and the result is our refusal (never dicom-object's error).
fn refused_within_bounds(name: &str, data: &[u8], policy: &Policy) -> OpenError {
    let bound = 4 * data.len() + (1 << 20);
    let (result, peak) = peak_during(|| from_bytes(data, policy));
    assert!(peak <= bound, "{name}: from_bytes allocated {peak} bytes");
    let (by_reader, peak) = peak_during(|| from_reader(Cursor::new(data), policy));
    assert!(peak <= bound, "{name}: from_reader allocated {peak} bytes");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.dcm");
    std::fs::write(&path, data).unwrap();
    let (by_path, peak) = peak_during(|| open_file(&path, policy));
    assert!(peak <= bound, "{name}: open_file allocated {peak} bytes");
    let err = result.expect_err(name);
    assert_eq!(by_reader.expect_err(name).code(), err.code(), "{name}");
    assert_eq!(by_path.expect_err(name).code(), err.code(), "{name}");
    assert!(
        !matches!(err, OpenError::Dicom(_)),
        "{name}: handed to dicom-object: {err}"
    );
    err
}

#[test]
fn huge_lengths_are_refused_with_their_offset_and_tag() {
    for vr in [b"OB", b"UN", b"UT", b"SQ"] {
        let data = tiny_with_length(vr, 0xFFFF_FFF0);
        let err = refused_within_bounds("0xFFFFFFF0", &data, &Policy::default());
        assert_eq!(
            err.finding_code(),
            Some(FindingCode::StructureLengthPastEnd)
        );
        assert_eq!(err.offset(), Some(172));
        assert_eq!(err.tag(), Some(Tag(0x0009, 0x1010)));
    }
}

/// CT_small.dcm with `depth` nested sequences (each of one item, undefined lengths) before
/// its Pixel Data, closed when `closed`, and the offset of the first.
fn nested(depth: usize, closed: bool) -> (Vec<u8>, usize) {
    let open: &[u8] = b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff";
    let close: &[u8] = b"\xfe\xff\x0d\xe0\0\0\0\0\xfe\xff\xdd\xe0\0\0\0\0";
    let mut data = real("CT_small.dcm");
    let pixel = data
        .windows(6)
        .rposition(|w| w == b"\xe0\x7f\x10\x00OW")
        .unwrap();
    let mut nested = open.repeat(depth);
    if closed {
        nested.extend_from_slice(&close.repeat(depth));
    }
    data.splice(pixel..pixel, nested);
    (data, pixel)
}

#[test]
fn deep_nesting_is_refused_at_the_limit_even_when_the_policy_lifts_it() {
    let unlimited = Policy::builder()
        .limits(Limits::unlimited())
        .build()
        .unwrap();
    for depth in [10_000, 1_000_000] {
        for closed in [true, false] {
            let (data, first) = nested(depth, closed);
            for policy in [Policy::default(), unlimited.clone()] {
                let name = format!("{depth} nested, closed {closed}");
                let err = refused_within_bounds(&name, &data, &policy);
                assert_eq!(
                    err.finding_code(),
                    Some(FindingCode::StructureNestingLimit),
                    "{name}: {err}"
                );
                // The sequence one past the deepest allowed: 20 bytes (sequence and item
                // headers) per level.
                let limit = OPEN_MAX_DEPTH.min(policy.limits().max_depth) as usize;
                assert_eq!(err.offset(), Some((first + 20 * limit) as u64), "{name}");
            }
        }
    }
}

#[test]
fn nesting_at_the_limit_opens_on_a_two_mib_thread_stack() {
    let (data, _) = nested(OPEN_MAX_DEPTH as usize, true);
    let opened = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let opened = from_bytes(&data, &Policy::default()).map(|o| o.report().max_depth);
            // Dropping the object recurses too, on the same thread.
            opened.map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(opened, Ok(OPEN_MAX_DEPTH));
}

#[test]
fn truncated_files_are_refused_or_open_as_dicom_object_reads_them() {
    let data = real("CT_small.dcm");
    let mut refused = 0;
    for len in (0..data.len()).step_by(37) {
        let prefix = &data[..len];
        let (result, peak) = peak_during(|| from_bytes(prefix, &Policy::default()));
        assert!(peak <= 4 * len + (1 << 20), "prefix {len}: {peak} bytes");
        match result {
            Ok(opened) => {
                // Cut between elements, or inside a header at the top level (the bytes from
                // there are trailing data, never handed over): a sound, shorter data set.
                let end = opened.report().data_end.unwrap() as usize;
                assert!(end <= len);
                let theirs = theirs(&prefix[128..end]);
                assert!(same(opened.object(), &theirs), "prefix {len}");
            }
            Err(OpenError::Dicom(e)) => panic!("prefix {len}: handed to dicom-object: {e}"),
            Err(e) => {
                refused += 1;
                if len > 400 {
                    assert!(e.offset().is_some(), "prefix {len}: {e}");
                }
            }
        }
    }
    assert!(refused > 900, "{refused}");
    // Cut inside Pixel Data: our error, with the offset and tag of the element.
    let pixel = data
        .windows(6)
        .rposition(|w| w == b"\xe0\x7f\x10\x00OW")
        .unwrap();
    let err = refused_within_bounds("cut pixels", &data[..pixel + 1000], &Policy::default());
    assert_eq!(
        err.finding_code(),
        Some(FindingCode::StructureLengthPastEnd)
    );
    assert_eq!(err.offset(), Some(pixel as u64));
    assert_eq!(err.tag(), Some(PIXEL_DATA));
}

/// The object dicom-object reads from `data` by itself.
fn theirs(data: &[u8]) -> DefaultDicomObject {
    dicom_object::OpenFileOptions::new()
        .from_reader(data)
        .unwrap()
}

#[test]
fn a_polyglot_opens_with_its_preamble_zeroed_or_is_refused() {
    let path = repo().join("examples/data/pe_polyglot.dcm");
    let data = std::fs::read(&path).unwrap();
    let opened = open_three_ways(&path, &Policy::default()).unwrap();
    assert!(opened.report().is_threat());
    assert_eq!(opened.outcome().action, Action::Zero);
    assert!(opened.outcome().bytes_changed > 0);
    let mut zeroed = data.clone();
    zeroed[..128].fill(0);
    assert!(same(opened.object(), &theirs(&zeroed)));

    let strict = Policy::builder()
        .preamble(PreambleAction::Reject)
        .build()
        .unwrap();
    let err = open_three_ways(&path, &strict).unwrap_err();
    assert!(matches!(err, OpenError::Refused(_)), "{err}");
    assert_eq!(err.code(), "rejected");
    assert_eq!(err.offset(), Some(0));
}

#[test]
fn trailing_data_is_never_handed_over() {
    let mut data = real("MR_small.dcm");
    let end = data.len();
    // An element with a huge length after the data set: trailing data, not a data set element
    // (its tag is below the last one).
    data.extend_from_slice(b"\x08\x00\x16\x00OB\0\0\xf0\xff\xff\xff");
    data.extend_from_slice(&[0xAB; 50]);
    for trailing in [TrailingAction::Keep, TrailingAction::Truncate] {
        let policy = Policy::builder().trailing_data(trailing).build().unwrap();
        let (opened, peak) = peak_during(|| from_bytes(&data, &policy));
        assert!(peak <= 4 * data.len() + (1 << 20), "{peak}");
        let opened = opened.unwrap();
        assert_eq!(opened.report().trailing_offset(), Some(end as u64));
        assert!(same(opened.object(), &theirs(&data[..end])));
    }
    let reject = Policy::builder()
        .trailing_data(TrailingAction::Reject)
        .build()
        .unwrap();
    assert!(matches!(
        from_bytes(&data, &reject),
        Err(OpenError::Refused(_))
    ));
}

#[test]
fn strip_opens_the_same_object() {
    let path = repo().join("tests/data/pydicom/CT_small.dcm");
    let opened = open_three_ways(&path, &Policy::strip()).unwrap();
    assert_eq!(opened.outcome().action, Action::Strip);
    assert!(same(
        opened.object(),
        &dicom_object::open_file(&path).unwrap()
    ));
}

#[test]
fn read_until_is_passed_through() {
    let path = repo().join("tests/data/pydicom/CT_small.dcm");
    let options = OpenFileOptions::new().read_until(PIXEL_DATA);
    let ours = options.open_file(&path, &Policy::default()).unwrap();
    let theirs = dicom_object::OpenFileOptions::new()
        .read_until(PIXEL_DATA)
        .open_file(&path)
        .unwrap();
    assert!(same(ours.object(), &theirs));
    assert!(ours.object().element_opt(PIXEL_DATA).unwrap().is_none());
}

#[test]
fn inputs_dicom_object_does_not_open_as_files_are_refused() {
    let data = real("CT_small.dcm");
    let err = from_bytes(&data[132..], &Policy::default()).unwrap_err();
    assert_eq!(err.code(), "not-part10");
    let err = from_bytes(b"not dicom at all", &Policy::default()).unwrap_err();
    assert_eq!(err.code(), "not-dicom");
}

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// `data` with `extra` more bytes of Pixel Data.
fn with_longer_pixel_data(data: &[u8], extra: u32) -> Vec<u8> {
    let at = data
        .windows(4)
        .rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00])
        .unwrap();
    let length_at = at + 8; // OW: tag, VR, 2 reserved bytes, then the 4-byte length
    let length = u32::from_le_bytes(data[length_at..length_at + 4].try_into().unwrap());
    let end = length_at + 4 + length as usize;
    let mut longer = data.to_vec();
    longer[length_at..length_at + 4].copy_from_slice(&(length + extra).to_le_bytes());
    let pixels = (0..extra).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8);
    longer.splice(end..end, pixels);
    longer
}

/// `data` with Private Information of `len` bytes ending its File Meta group.
fn with_private_meta(data: &[u8], len: u32) -> Vec<u8> {
    let group_len = u32::from_le_bytes(data[140..144].try_into().unwrap());
    let end = 144 + group_len as usize;
    let creator = b"1.2.3.4\0";
    let mut added = b"\x02\x00\x00\x01UI".to_vec();
    added.extend_from_slice(&(creator.len() as u16).to_le_bytes());
    added.extend_from_slice(creator);
    added.extend_from_slice(b"\x02\x00\x02\x01OB\x00\x00");
    added.extend_from_slice(&len.to_le_bytes());
    added.extend((0..len).map(|i| (i % 199) as u8 | 0x80));
    let mut out = data.to_vec();
    out[140..144].copy_from_slice(&(group_len + added.len() as u32).to_le_bytes());
    out.splice(end..end, added);
    out
}

/// The crate reads an input's first and last bytes before dicom-object reads it, and hands
/// those same bytes over: a file whose header fits the first read (or follows a long meta
/// group) is read once, small or large, whole or up to Pixel Data, and the object is the one
/// dicom-object reads by itself.
#[test]
fn each_byte_is_read_once_and_the_object_is_the_same() {
    let small = real("CT_small.dcm");
    // Longer than the first and last reads together: bytes between them are read too.
    let large = with_longer_pixel_data(&small, 300_000);
    // A File Meta group longer than the first read and reaching into the last bytes.
    let long_meta = with_private_meta(&with_longer_pixel_data(&small, 40_000), 70_000);
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in [
        ("small", &small),
        ("large", &large),
        ("long meta", &long_meta),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        let theirs = dicom_object::open_file(&path).unwrap();
        let ours = open_file(&path, &Policy::default()).unwrap();
        assert!(same(ours.object(), &theirs), "{name}");

        let mut counting = Counting {
            inner: Cursor::new(data.as_slice()),
            read: 0,
        };
        let ours = from_reader(&mut counting, &Policy::default()).unwrap();
        assert!(same(ours.object(), &theirs), "{name}");
        assert_eq!(counting.read, data.len() as u64, "{name}");

        // Up to Pixel Data, the large file's header is read once; its end, where a ZIP
        // directory would be, too.
        let mut counting = Counting {
            inner: Cursor::new(data.as_slice()),
            read: 0,
        };
        let header = OpenFileOptions::new().read_until(PIXEL_DATA);
        let ours = header
            .from_reader(&mut counting, &Policy::default())
            .unwrap();
        assert!(ours.object().element_opt(PIXEL_DATA).unwrap().is_none());
        assert!(counting.read <= data.len() as u64, "{name}");
    }
}
