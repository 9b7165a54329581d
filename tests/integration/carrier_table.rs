//! The carriers every placement of the matrix hides, and the checks the carrier tests share:
//! one list of carriers (each with what it is reported as and where), and helpers that
//! validate a file from every input and find a carrier's one finding.

use dicom_sanitize::{Finding, FindingCode, Report, Severity, Tag, Validator};

use crate::carrier_fixtures as built;
use crate::fixtures::{self, Encoding};

pub const PAYLOAD_TAG: Tag = Tag(0x0099, 0x1000);

/// A carrier, what it is reported as, and where its finding points inside it.
pub struct Carrier {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub code: FindingCode,
    /// The file check's code when the payload lies where that check looks (a PDF in the
    /// first KiB is `file.pdf-header`), which then reports it instead.
    pub file_code: Option<FindingCode>,
    /// The least severity it is reported with, wherever it lies.
    pub severity: Severity,
    /// Offset of the finding from the carrier's first byte (a ZIP is found at its end record).
    pub found_at: usize,
}

impl Carrier {
    /// Whether `f` is a finding of this carrier's codes.
    pub fn matches(&self, f: &Finding) -> bool {
        f.code == self.code || Some(f.code) == self.file_code
    }
}

fn carrier(name: &'static str, bytes: Vec<u8>, code: FindingCode, severity: Severity) -> Carrier {
    Carrier {
        name,
        bytes,
        code,
        file_code: None,
        severity,
        found_at: 0,
    }
}

/// Every carrier the search confirms, as an attacker builds it: executables run by a loader,
/// archives and disc images opened by their tools, compressed streams and a PDF.
pub fn carriers() -> Vec<Carrier> {
    use FindingCode::{ValueArchive as Archive, ValueCompressed, ValueExecutable as Exe};
    use Severity::{Critical, Info, Medium};
    let zip = fixtures::zip_archive();
    let zip_end = zip.len() - 22;
    vec![
        carrier("elf", fixtures::elf_exit_42(), Exe, Critical),
        carrier("pe", fixtures::pe_image(), Exe, Critical),
        carrier("macho64", built::macho(true, false), Exe, Critical),
        carrier("macho64-be", built::macho(true, true), Exe, Critical),
        carrier("macho32", built::macho(false, false), Exe, Critical),
        carrier("macho32-be", built::macho(false, true), Exe, Critical),
        carrier("macho-fat", built::macho_fat(), Exe, Critical),
        Carrier {
            name: "zip",
            bytes: zip,
            // Its end record lies in the file's last 64 KiB: archivers open the file, which
            // the file check reports, with the element and the confirmed directory.
            code: FindingCode::FileZipDirectory,
            file_code: None,
            severity: Severity::High,
            found_at: zip_end,
        },
        carrier("tar", fixtures::tar_archive(), Archive, Medium),
        carrier("iso9660", built::iso9660(), Archive, Medium),
        carrier("7z", built::seven_zip(), Archive, Medium),
        carrier("rar5", built::rar5(), Archive, Medium),
        carrier("rar4", built::rar4(), Archive, Medium),
        carrier("cab", built::cab(), Archive, Medium),
        carrier("cfb", built::cfb(), Archive, Medium),
        // Vendors compress private data: info at a private value's start, low elsewhere.
        carrier("gzip", fixtures::gzip(built::SCRIPT), ValueCompressed, Info),
        carrier("xz", built::XZ.to_vec(), ValueCompressed, Info),
        carrier("bzip2", built::BZIP2.to_vec(), ValueCompressed, Info),
        carrier("zstd", built::zstd(built::SCRIPT), ValueCompressed, Info),
        Carrier {
            file_code: Some(FindingCode::FilePdfHeader),
            ..carrier("pdf", built::pdf(), FindingCode::ValueDocument, Medium)
        },
    ]
}

/// `payload` at offset `at` of a value of `len` bytes (at least enough), filled with spaces.
pub fn value_with(payload: &[u8], at: usize, len: usize) -> Vec<u8> {
    let mut value = vec![b' '; len.max(at + payload.len())];
    value[at..at + payload.len()].copy_from_slice(payload);
    if value.len() % 2 == 1 {
        value.push(b' ');
    }
    value
}

/// Validates `data` from a slice and through `Read + Seek`, which must agree.
pub fn validated(data: &[u8], validator: Validator) -> Report {
    let report = validator.validate(data);
    let mut reader = std::io::Cursor::new(data);
    assert_eq!(validator.validate_reader(&mut reader).unwrap(), report);
    report
}

/// The first finding of `carrier`'s codes in `report`, where each is reported once: one
/// finding (two for a universal binary, whose slice is a Mach-O image of its own).
pub fn the_finding<'r>(report: &'r Report, carrier: &Carrier, what: &str) -> &'r Finding {
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| carrier.matches(f))
        .collect();
    let expected = if carrier.name == "macho-fat" { 2 } else { 1 };
    assert_eq!(found.len(), expected, "{what}: {:#?}", report.findings);
    found[0]
}

/// Asserts that `body`, the data set of a Part 10 file in encoding `e`, holds one finding of
/// `carrier` at the payload's offset, on `tag`, whose message gives `path`.
pub fn assert_named(e: Encoding, body: &[u8], carrier: &Carrier, tag: Tag, path: &str) {
    let (data, start) = fixtures::part10(e, body);
    let at = start + fixtures::find(body, &carrier.bytes);
    let report = validated(&data, Validator::default());
    let what = format!("{} {e:?}", carrier.name);
    let found = the_finding(&report, carrier, &what);
    assert_eq!(found.offset, (at + carrier.found_at) as u64, "{what}");
    assert_eq!(found.tag, Some(tag), "{what}");
    assert!(found.message.contains(path), "{what}: {}", found.message);
}

/// Asserts that `report` holds one finding of `carrier` at `offset` on the payload's tag.
pub fn assert_found(report: &Report, carrier: &Carrier, offset: usize, what: &str) {
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| carrier.matches(f) && f.offset == offset as u64)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{} {what}: expected one {} at {offset} in {:#?}",
        carrier.name,
        carrier.code,
        report.findings
    );
    let finding = found[0];
    assert_eq!(finding.tag, Some(PAYLOAD_TAG), "{} {what}", carrier.name);
    assert!(
        finding.severity >= carrier.severity,
        "{} {what}: {finding:?}",
        carrier.name
    );
}

/// Bytes from a fixed-seed xorshift generator.
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// The findings of the carrier search (and of the sniff of value starts) in `report`.
pub fn payload_findings(report: &Report) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.code.as_str().starts_with("value."))
        .collect()
}

/// Validates `data` from a slice, through `Read + Seek` and as an open file: all three
/// must agree.
pub fn validated_everywhere(data: &[u8], validator: Validator, name: &str) -> Report {
    let report = validated(data, validator);
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "dicom-sanitize-carriers-{}-{n}-{name}.dcm",
        std::process::id()
    ));
    std::fs::write(&path, data).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let from_file = validator.validate_file(&file).unwrap();
    drop(file);
    // A review reads the file's first and last bytes once and validates from them.
    let policy = [false, true]
        .into_iter()
        .filter_map(|deep| {
            let builder = dicom_sanitize::Policy::builder().limits(*validator.limits());
            builder.deep_scan(deep).build().ok()
        })
        .find(|policy| policy.validator() == validator);
    let reviewed = policy.map(|policy| policy.review_file(&path).unwrap().into_report());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file, report, "{name}: validate_file disagrees");
    if let Some(reviewed) = reviewed {
        assert_eq!(reviewed, report, "{name}: review_file disagrees");
    }
    report
}
