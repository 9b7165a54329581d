//! Validation: a hostile fixture for every finding code, golden reports for every real file,
//! and the resource bounds of the walk.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom};

use dicom_sanitize::{
    validate, walk, walk_reader, ElementKind, Error, FindingCode, Limits, Severity, Status, Tag,
    Validator,
};

use crate::fixtures::{self, element, real, real_files};

/// A fixture and the finding it must produce.
struct Case {
    code: FindingCode,
    severity: Severity,
    tag: Option<Tag>,
    data: Vec<u8>,
    validator: Validator,
}

fn case(code: FindingCode, severity: Severity, tag: Option<Tag>, data: Vec<u8>) -> Case {
    Case {
        code,
        severity,
        tag,
        data,
        validator: Validator::default(),
    }
}

const PRIVATE: Option<Tag> = Some(Tag(0x0099, 0x1000));

fn meta_element_replaced(tag_bytes: &[u8], new_value: &[u8]) -> Vec<u8> {
    let mut data = real("MR_small.dcm");
    let at = fixtures::find(&data[132..], tag_bytes) + 132 + 8;
    data[at..at + new_value.len()].copy_from_slice(new_value);
    data
}

/// One fixture per finding code, built from real files.
/// JPEG-lossy.dcm changed by `change` at the offset of its first item delimiter.
fn at_first_item_delimiter(change: impl FnOnce(&mut Vec<u8>, usize)) -> Vec<u8> {
    let mut data = real("JPEG-lossy.dcm");
    let delimiter = walk(&data)
        .unwrap()
        .map(Result::unwrap)
        .find(|e| e.kind == ElementKind::ItemDelimiter)
        .expect("JPEG-lossy.dcm has items of undefined length");
    change(&mut data, delimiter.offset as usize);
    data
}

fn cases() -> Vec<Case> {
    use FindingCode as C;
    use Severity as S;
    let ct = real("CT_small.dcm");
    let fixture = |name: &str| {
        fixtures::preamble_fixtures()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap()
            .data
    };
    let mut cases = vec![
        case(C::PreambleTiff, S::Info, None, fixtures::functional_tiff()),
        case(C::PreambleTiffDangling, S::Low, None, ct.clone()),
        case(
            C::PreambleTiffMasquerade,
            S::High,
            None,
            fixture("tiff-junk"),
        ),
        case(C::PreamblePe, S::Critical, None, fixtures::pe_polyglot().0),
        case(
            C::PreambleElf,
            S::Critical,
            None,
            fixtures::elf_polyglot().0,
        ),
        case(
            C::PreambleMachO,
            S::Critical,
            None,
            fixtures::macho_polyglot().0,
        ),
        case(
            C::PreambleScript,
            S::High,
            None,
            fixture("script-no-shebang"),
        ),
        case(C::PreamblePdf, S::High, None, fixture("pdf")),
        case(C::PreambleHtml, S::High, None, fixture("html")),
        case(C::PreambleZip, S::High, None, fixture("zip")),
        case(C::PreambleArchive, S::High, None, fixture("7z")),
        case(C::PreambleText, S::Medium, None, fixture("text")),
        case(C::PreambleUnknown, S::Medium, None, fixture("unknown")),
        case(
            C::PreamblePayloadInElement,
            S::Critical,
            PRIVATE,
            fixtures::pe_polyglot().0,
        ),
        case(
            C::ValueExecutable,
            S::High,
            PRIVATE,
            fixtures::ct_with_private_value(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
        ),
        case(
            C::ValueScript,
            S::High,
            PRIVATE,
            fixtures::ct_with_private_value(b"#!/bin/sh\nid\n"),
        ),
        case(
            C::ValueArchive,
            S::High,
            PRIVATE,
            fixtures::ct_with_private_value(b"PK\x03\x04\x14\0\0\0\x08\0"),
        ),
        case(
            C::ValueDocument,
            S::Medium,
            PRIVATE,
            fixtures::ct_with_private_value(b"%PDF-1.7\n%\xe2\xe3"),
        ),
        case(C::PaddingPayload, S::High, Some(Tag(0xFFFC, 0xFFFC)), {
            let mut data = ct.clone();
            let at = data.len() - 40;
            data[at..at + 4].copy_from_slice(b"PK\x03\x04");
            data
        }),
        case(C::PaddingNonzero, S::Low, Some(Tag(0xFFFC, 0xFFFC)), {
            let mut data = ct.clone();
            let len = data.len();
            data[len - 126..].fill(0xAA);
            data
        }),
        case(
            C::MetaPrivateInformationPayload,
            S::High,
            Some(Tag(0x0002, 0x0102)),
            {
                let mut meta = fixtures::mr_meta_body();
                meta.extend(element(0x0002, 0x0100, b"UI", b"1.2.3.4.5.6\0"));
                meta.extend(element(
                    0x0002,
                    0x0102,
                    b"OB",
                    b"MZ\x90\0PK\x03\x04\x14\0\0\0",
                ));
                fixtures::mr_with_meta(&meta, None)
            },
        ),
        case(C::TrailingData, S::High, None, {
            let mut data = ct.clone();
            data.extend_from_slice(b"\x7fELF\x02\x01\x01\0 appended payload ");
            data
        }),
        case(C::FileZipDirectory, S::High, None, {
            let mut data = ct.clone();
            data.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
            data
        }),
        case(C::FilePdfHeader, S::High, Some(Tag(0x0002, 0x0102)), {
            // A PDF whose object follows its header in the first KiB: readers open the file.
            let mut meta = fixtures::mr_meta_body();
            meta.extend(fixtures::element(0x0002, 0x0100, b"UI", b"1.2.3.4.5.6\0"));
            let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n ";
            meta.extend(fixtures::element(0x0002, 0x0102, b"OB", pdf));
            fixtures::mr_with_meta(&meta, None)
        }),
        // A bare marker in a text value of the meta group: no document behind it.
        case(
            C::FilePdfHeader,
            S::Info,
            None,
            meta_element_replaced(b"\x02\x00\x13\x00SH", b"%PDF-1.4"),
        ),
        case(C::MetaMissing, S::Medium, None, {
            let data = real("MR_small.dcm");
            let mut out = data[..132].to_vec();
            out.extend_from_slice(&data[fixtures::data_set_offset(&data)..]);
            out
        }),
        case(C::MetaMalformed, S::Medium, Some(Tag(0x0002, 0x0001)), {
            let mut data = real("MR_small.dcm");
            data[148..150].copy_from_slice(b"X1");
            data
        }),
        case(
            C::MetaGroupLengthMissing,
            S::Low,
            None,
            real("no_meta_group_length.dcm"),
        ),
        case(
            C::MetaGroupLengthMismatch,
            S::Low,
            Some(Tag(0x0002, 0x0000)),
            {
                let body = fixtures::mr_meta_body();
                fixtures::mr_with_meta(&body, Some(body.len() as u32 - 2))
            },
        ),
        case(C::MetaForeignElement, S::Medium, None, {
            let body = fixtures::mr_meta_body();
            fixtures::mr_with_meta(&body, Some(body.len() as u32 + 10))
        }),
        case(
            C::MetaTransferSyntaxMissing,
            S::Medium,
            Some(Tag(0x0002, 0x0010)),
            real("meta_missing_tsyntax.dcm"),
        ),
        case(
            C::MetaTransferSyntaxUnknown,
            S::Medium,
            Some(Tag(0x0002, 0x0010)),
            meta_element_replaced(b"\x02\x00\x10\x00UI", b"1.2.840.99999.1.2.1\0"),
        ),
        case(
            C::MetaTransferSyntaxMismatch,
            S::Medium,
            None,
            // Says implicit VR; the data set is explicit.
            meta_element_replaced(b"\x02\x00\x10\x00UI", b"1.2.840.10008.1.2\0\0"),
        ),
        case(C::MetaWrongVr, S::Low, Some(Tag(0x0002, 0x0013)), {
            let mut data = real("MR_small.dcm");
            let at = fixtures::find(&data[132..], b"\x02\x00\x13\x00SH") + 132 + 4;
            data[at..at + 2].copy_from_slice(b"LO");
            data
        }),
        case(
            C::MetaUidSyntax,
            S::Low,
            Some(Tag(0x0002, 0x0003)),
            meta_element_replaced(b"\x02\x00\x03\x00UI", b"1.2.03."),
        ),
        case(C::MetaImplicitVr, S::Low, None, {
            let data = real("MR_small.dcm");
            let meta = dicom_sanitize::inspect(&data)
                .unwrap()
                .meta()
                .copied()
                .unwrap();
            let mut out = data[..132].to_vec();
            for e in meta.elements() {
                out.extend_from_slice(&[2, 0]);
                out.extend_from_slice(&e.tag().element().to_le_bytes());
                out.extend_from_slice(&(e.value().len() as u32).to_le_bytes());
                out.extend_from_slice(e.value());
            }
            out.extend_from_slice(&data[meta.data_set_offset() as usize..]);
            out
        }),
        case(
            C::MetaElementMissing,
            S::Low,
            Some(Tag(0x0002, 0x0002)),
            real("empty_charset_LEI.dcm"),
        ),
        case(
            C::StructureTagOrder,
            S::Medium,
            Some(Tag(0x0099, 0x0010)),
            {
                // Private elements after Pixel Data, before the padding.
                let at = ct.len() - 138;
                fixtures::insert(ct.clone(), at, &element(0x0099, 0x0010, b"LO", b"LATE"))
            },
        ),
        case(
            C::StructureGroupLength,
            S::Medium,
            Some(Tag(0x0009, 0x0000)),
            {
                // The proof of concept's shape: (0009,0000) as OB.
                let mut data = real("MR_small.dcm");
                let at = fixtures::data_set_offset(&data);
                let value = vec![0u8; 64];
                data = fixtures::insert(data, at, &element(0x0009, 0x0000, b"OB", &value));
                data
            },
        ),
        case(
            C::StructureOddLength,
            S::Low,
            PRIVATE,
            fixtures::ct_with_private_value(b"odd"),
        ),
        case(C::StructureLengthPastEnd, S::Medium, PRIVATE, {
            let mut elements = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ");
            elements.extend_from_slice(b"\x99\x00\x00\x10OB\0\0\xf0\xff\xff\xff");
            fixtures::ct_with(&elements)
        }),
        case(C::StructureUndefinedLength, S::Medium, PRIVATE, {
            let mut elements = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ");
            elements.extend_from_slice(b"\x99\x00\x00\x10OB\0\0\xff\xff\xff\xff");
            elements.extend_from_slice(b"\xfe\xff\x00\xe0\x04\0\0\0abcd\xfe\xff\xdd\xe0\0\0\0\0");
            fixtures::ct_with(&elements)
        }),
        case(
            C::StructurePrivateWithoutCreator,
            S::Low,
            PRIVATE,
            fixtures::ct_with(&element(0x0099, 0x1000, b"OB", b"data")),
        ),
        case(
            C::StructureNestingLimit,
            S::Medium,
            None,
            fixtures::ct_with(&fixtures::nested_sequences(200)),
        ),
        case(C::StructureTruncated, S::Medium, None, {
            // Cut inside the nested sequences: delimiters missing.
            let data = fixtures::ct_with(&fixtures::nested_sequences(3));
            let at = fixtures::find(&data, b"\xfe\xff\x0d\xe0");
            data[..at].to_vec()
        }),
        case(C::StructureInvalidVr, S::Medium, None, {
            let mut data = real("test-SR.dcm");
            let nested = walk(&data)
                .unwrap()
                .map(Result::unwrap)
                .find(|e| e.depth > 0 && e.kind == ElementKind::Value);
            let at = nested.unwrap().offset as usize;
            data[at + 4..at + 6].copy_from_slice(b"zz");
            data
        }),
        case(
            C::StructureDelimiterLength,
            S::Low,
            Some(Tag(0xFFFE, 0xE00D)),
            at_first_item_delimiter(|data, at| {
                data[at + 4..at + 8].copy_from_slice(&0x0900_0000u32.to_le_bytes())
            }),
        ),
        case(
            C::StructureUnexpectedTag,
            S::Medium,
            Some(Tag(0xFFFE, 0xE0DD)),
            at_first_item_delimiter(|data, at| {
                data[at + 2..at + 4].copy_from_slice(&0xE0DDu16.to_le_bytes())
            }),
        ),
        case(C::StructureInflate, S::Medium, None, {
            let mut data = real("image_dfl.dcm");
            let at = fixtures::data_set_offset(&data);
            data[at] = 0xFF; // block type 3: invalid
            data
        }),
        case(C::TrailingZeros, S::Low, None, {
            let mut data = ct.clone();
            data.extend_from_slice(&[0; 64]);
            data
        }),
        case(C::TrailingGzipTrailer, S::Low, None, real("image_dfl.dcm")),
    ];
    // A PE confirmed inside a value is critical.
    let mut pe = b"MZ".to_vec();
    pe.resize(0x40, 0);
    pe[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    pe.extend_from_slice(b"PE\0\0\x64\x86");
    cases.push(case(
        C::ValueExecutable,
        S::Critical,
        PRIVATE,
        fixtures::ct_with_private_value(&pe),
    ));
    // A PDF in an Encapsulated Document is where it belongs: info.
    let pdf = element(0x0042, 0x0011, b"OB", b"%PDF-1.7\n%\xe2\xe3");
    cases.push(case(
        C::ValueDocument,
        S::Info,
        Some(Tag(0x0042, 0x0011)),
        fixtures::ct_with(&pdf),
    ));
    // A gzip stream at the start of a private value: vendors store those, info.
    let gzip = fixtures::gzip(b"hello world\n");
    cases.push(case(
        C::ValueCompressed,
        S::Info,
        PRIVATE,
        fixtures::ct_with_private_value(&gzip),
    ));
    // A confirmation the limits cut short (here: below what one PDF confirmation reads) says so.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(40_000, b' ');
    let mut limited = case(
        C::ValueSearchLimit,
        S::High,
        None,
        fixtures::ct_with_private_value(&pdf),
    );
    let mut limits = Limits::default();
    limits.max_probe_bytes = 4096;
    limited.validator = Validator::new(limits);
    cases.push(limited);
    // The inflated-length limit.
    let mut tight = case(C::StructureInflate, S::Medium, None, real("image_dfl.dcm"));
    let mut limits = Limits::default();
    limits.max_inflated_len = 1000;
    tight.validator = Validator::new(limits);
    cases.push(tight);
    cases
}

#[test]
fn every_finding_code_has_a_fixture_that_produces_it() {
    let mut covered = BTreeSet::new();
    for case in cases() {
        let report = case.validator.validate(&case.data);
        let found = report.findings.iter().find(|f| {
            f.code == case.code
                && f.severity == case.severity
                && (case.tag.is_none() || f.tag == case.tag)
        });
        assert!(
            found.is_some(),
            "{} ({}): not found in {:#?}",
            case.code,
            case.severity,
            report.findings
        );
        let finding = found.unwrap();
        // Lowercase, except for names: acronyms (ELF, PDF, TIFF) and Windows, Mach-O.
        let first_word = finding.message.split([' ', ':']).next().unwrap();
        let lowercase = !first_word.starts_with(char::is_uppercase);
        let name =
            !first_word.contains(char::is_lowercase) || ["Windows", "Mach-O"].contains(&first_word);
        assert!(lowercase || name, "{}", finding.message);
        assert!(!finding.message.ends_with('.'), "{}", finding.message);
        assert_eq!(
            report.is_threat(),
            report.findings.iter().any(|f| f.severity >= Severity::High)
        );
        covered.insert(case.code);
    }
    let all: BTreeSet<FindingCode> = FindingCode::ALL.iter().copied().collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn finding_codes_are_stable() {
    let codes: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "preamble.tiff",
            "preamble.tiff-dangling",
            "preamble.tiff-masquerade",
            "preamble.pe",
            "preamble.elf",
            "preamble.macho",
            "preamble.script",
            "preamble.pdf",
            "preamble.html",
            "preamble.zip",
            "preamble.archive",
            "preamble.text",
            "preamble.unknown",
            "preamble.payload-in-element",
            "value.executable",
            "value.script",
            "value.archive",
            "value.document",
            "value.compressed",
            "value.search-limit",
            "padding.payload",
            "padding.nonzero",
            "meta.private-information-payload",
            "trailing.data",
            "file.zip-directory",
            "file.pdf-header",
            "meta.missing",
            "meta.malformed",
            "meta.group-length-missing",
            "meta.group-length-mismatch",
            "meta.foreign-element",
            "meta.transfer-syntax-missing",
            "meta.transfer-syntax-unknown",
            "meta.transfer-syntax-mismatch",
            "meta.wrong-vr",
            "meta.uid-syntax",
            "meta.implicit-vr",
            "meta.element-missing",
            "structure.tag-order",
            "structure.group-length",
            "structure.odd-length",
            "structure.length-past-end",
            "structure.undefined-length",
            "structure.private-without-creator",
            "structure.nesting-limit",
            "structure.truncated",
            "structure.invalid-vr",
            "structure.unexpected-tag",
            "structure.delimiter-length",
            "structure.inflate",
            "trailing.zeros",
            "trailing.gzip-trailer",
        ]
    );
    // The README documents every code.
    let readme = std::fs::read_to_string(fixtures::data_dir().join("../../README.md")).unwrap();
    for code in codes {
        assert!(
            readme.contains(&format!("`{code}`")),
            "README does not document {code}"
        );
    }
}

#[test]
fn no_real_file_is_a_threat_and_structural_defects_are_invalid_not_flagged() {
    for (name, data) in real_files() {
        let report = validate(&data);
        assert!(!report.is_threat(), "{name}: {:#?}", report.findings);
        if report.status() == Status::Flagged {
            // Only preamble oddities flag a real file.
            assert!(
                matches!(
                    report.preamble.map(|k| k.name()),
                    Some("tiff-dangling" | "unknown")
                ),
                "{name}"
            );
        }
    }
}

#[test]
fn reader_and_slice_validation_agree() {
    let mut inputs = real_files();
    inputs.extend(cases().into_iter().map(|c| (c.code.to_string(), c.data)));
    for (name, data) in inputs {
        let from_slice = validate(&data);
        let from_reader = Validator::default()
            .validate_reader(&mut io::Cursor::new(&data))
            .unwrap();
        assert!(
            from_slice == from_reader,
            "{name}: {from_slice:#?} != {from_reader:#?}"
        );
    }
}

#[test]
fn reader_and_slice_walks_agree() {
    for (name, data) in real_files() {
        let Ok(slice_walk) = walk(&data) else {
            continue;
        };
        let from_slice: Vec<_> = slice_walk.collect();
        let mut cursor = io::Cursor::new(&data);
        let from_reader: Vec<_> = walk_reader(&mut cursor).unwrap().collect();
        assert_eq!(from_slice.len(), from_reader.len(), "{name}");
        if let Some((a, b)) = from_slice.iter().zip(&from_reader).find(|(a, b)| a != b) {
            panic!("{name}: {a:?} != {b:?}");
        }
    }
}

/// A `Read + Seek` input of any length: a real header, then zeros; every byte read is counted.
struct VirtualFile {
    head: Vec<u8>,
    len: u64,
    pos: u64,
    read: u64,
}

impl Read for VirtualFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(self.pos)) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.head.get(self.pos as usize + i).copied().unwrap_or(0);
        }
        self.pos += n as u64;
        self.read += n as u64;
        Ok(n)
    }
}

impl Seek for VirtualFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.pos = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.checked_add_signed(d).unwrap(),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d).unwrap(),
        };
        Ok(self.pos)
    }
}

#[test]
fn validating_a_1gb_file_reads_less_than_1mb() {
    // CT_small's header with a 1 GiB Pixel Data value.
    let ct = real("CT_small.dcm");
    let pixel = fixtures::pixel_data_offset(&ct);
    let mut head = ct[..pixel].to_vec();
    let pixel_len: u32 = 1 << 30;
    head.extend_from_slice(b"\xe0\x7f\x10\x00OW\0\0");
    head.extend_from_slice(&pixel_len.to_le_bytes());
    let len = head.len() as u64 + u64::from(pixel_len);
    let mut file = VirtualFile {
        head,
        len,
        pos: 0,
        read: 0,
    };
    let report = Validator::default().validate_reader(&mut file).unwrap();
    assert!(file.read < 1 << 20, "read {} bytes", file.read);
    assert_eq!(report.file_len, len);
    assert!(report.elements > 100);
    assert!(!report.is_threat(), "{:#?}", report.findings);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.code.as_str().starts_with("structure.")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn deep_nesting_is_a_finding_not_a_stack_overflow() {
    let data = fixtures::ct_with(&fixtures::nested_sequences(100_000));
    let report = validate(&data);
    let nesting = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::StructureNestingLimit)
        .unwrap();
    assert_eq!(nesting.severity, Severity::Medium);
    assert_eq!(report.max_depth, Limits::default().max_depth);
    assert!(!report.is_threat());
    // Without a depth limit the walk still completes, iteratively.
    let unlimited = Validator::new(Limits::unlimited()).validate(&data);
    assert_eq!(unlimited.max_depth, 100_000);
    assert!(!unlimited
        .findings
        .iter()
        .any(|f| f.code.as_str().starts_with("structure.nesting")));
}

#[test]
fn a_hostile_length_is_a_finding_with_an_offset() {
    let mut elements = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ");
    let at = fixtures::pixel_data_offset(&real("CT_small.dcm")) + elements.len();
    elements.extend_from_slice(b"\x99\x00\x00\x10UN\0\0\xf0\xff\xff\xff");
    let data = fixtures::ct_with(&elements);
    let report = validate(&data);
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::StructureLengthPastEnd)
        .unwrap();
    assert_eq!(finding.offset, at as u64);
    assert_eq!(finding.tag, PRIVATE);
    let err = walk(&data).unwrap().find_map(Result::err).unwrap();
    assert_eq!(
        err,
        Error::LengthPastEnd {
            offset: at as u64,
            tag: Tag(0x0099, 0x1000),
            length: 0xFFFF_FFF0,
            end: data.len() as u64
        }
    );
}

#[test]
fn deflated_data_sets_walk_like_their_inflated_originals() {
    use std::io::Write;
    for name in [
        "CT_small.dcm",
        "MR_small.dcm",
        "test-SR.dcm",
        "JPEG2000.dcm",
    ] {
        let original = real(name);
        let start = fixtures::data_set_offset(&original);
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&original[start..]).unwrap();
        let compressed = encoder.finish().unwrap();
        let ts_at = fixtures::find(&original[132..start], b"\x02\x00\x10\x00UI") + 132;
        let ts_len = u16::from_le_bytes([original[ts_at + 6], original[ts_at + 7]]) as usize;
        let mut ts = b"1.2.840.10008.1.2.1.99".to_vec();
        ts.resize(ts_len, 0);
        if ts_len < 22 {
            continue;
        }
        let mut meta = original[144..start].to_vec();
        let rel = ts_at - 144 + 8;
        meta[rel..rel + ts_len].copy_from_slice(&ts);
        let mut deflated = original[..144].to_vec();
        deflated.extend_from_slice(&meta);
        deflated.extend_from_slice(&compressed);
        let tags = |data: &[u8]| -> Vec<(Tag, u32, u64)> {
            walk(data)
                .unwrap()
                .map(|e| e.unwrap())
                .map(|e| (e.tag(), e.depth, e.offset))
                .collect()
        };
        assert_eq!(tags(&original), tags(&deflated), "{name}");
        let report = validate(&deflated);
        assert!(report.deflated, "{name}");
        assert!(!report.is_threat(), "{name}: {:#?}", report.findings);
        let reader = Validator::default()
            .validate_reader(&mut io::Cursor::new(&deflated))
            .unwrap();
        assert_eq!(report, reader, "{name}");
        // Something appended after the deflate stream is trailing data.
        let mut appended = deflated.clone();
        appended.extend_from_slice(b"PK\x03\x04 hidden");
        let finding = validate(&appended)
            .findings
            .into_iter()
            .find(|f| f.code == FindingCode::TrailingData);
        assert_eq!(
            finding.map(|f| f.offset),
            Some(deflated.len() as u64),
            "{name}"
        );
    }
    let real_deflated = validate(&real("image_dfl.dcm"));
    assert!(real_deflated.deflated && real_deflated.elements > 20);
}

/// The data elements (tag, depth) dicom-parser reads, in order.
fn dicom_parser_tags(data: &[u8]) -> Option<Vec<(Tag, u32)>> {
    use dicom_parser::dataset::{DataSetReader, DataToken};
    use dicom_transfer_syntax_registry::TransferSyntaxIndex;
    let inspection = dicom_sanitize::inspect(data).ok()?;
    let uid = inspection.meta()?.transfer_syntax_uid()?;
    let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry.get(uid)?;
    let start = inspection.data_set_offset()? as usize;
    let reader = DataSetReader::new_with_ts(&data[start..], ts).ok()?;
    let mut depth = 0u32;
    let mut tags = Vec::new();
    for token in reader {
        match token.ok()? {
            DataToken::ElementHeader(header) => tags.push((header.tag, depth)),
            DataToken::SequenceStart { tag, .. } => {
                tags.push((tag, depth));
                depth += 1;
            }
            DataToken::PixelSequenceStart => {
                tags.push((Tag(0x7FE0, 0x0010), depth));
                depth += 1;
            }
            DataToken::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(tags)
}

#[test]
fn the_walk_agrees_with_dicom_parser_on_real_files() {
    let mut compared = 0;
    for (name, data) in real_files() {
        if name == "UN_sequence.dcm" {
            // dicom-parser 0.10.1 spends about 100 s (debug build) on this file and then fails.
            continue;
        }
        let Some(theirs) = dicom_parser_tags(&data) else {
            continue;
        };
        // dicom-parser reads private implicit VR sequences as opaque values; the walk descends
        // into them (as pydicom and DCMTK do). Compare everything else.
        let mut ours: Vec<(Tag, u32)> = Vec::new();
        let mut opaque_below = None;
        for e in walk(&data).unwrap().map_while(Result::ok) {
            if opaque_below.is_some_and(|depth| e.depth > depth) {
                continue;
            }
            opaque_below = None;
            if !matches!(
                e.kind,
                ElementKind::Value | ElementKind::Sequence | ElementKind::Encapsulated
            ) {
                continue;
            }
            ours.push((e.tag(), e.depth));
            if e.kind == ElementKind::Sequence
                && !e.explicit_vr
                && e.tag().group() % 2 == 1
                && e.value_len().is_some()
            {
                opaque_below = Some(e.depth);
            }
        }
        assert_eq!(ours.len(), theirs.len(), "{name}");
        if let Some((i, (a, b))) = ours
            .iter()
            .zip(&theirs)
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            panic!("{name}: element {i}: {a:?} != {b:?}");
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} files compared");
}

#[cfg(feature = "serde")]
#[test]
fn golden_reports() {
    let golden_dir = fixtures::data_dir().join("golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        std::fs::create_dir_all(&golden_dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, data) in real_files() {
        // The JSON report of `scan --json` under the default policy: the report, then `action`.
        let report: dicom_sanitize::Report = validate(&data);
        let verdict = dicom_sanitize::Verdict::new(&dicom_sanitize::Policy::default(), &report);
        let json = serde_json::to_string_pretty(&verdict).unwrap() + "\n";
        let path = golden_dir.join(format!("{name}.json"));
        if update {
            std::fs::write(&path, &json).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "reports differ from tests/data/golden for {stale:?}; review and rerun with UPDATE_GOLDEN=1"
    );
}

/// A ZIP archive hidden at the end of a value, followed by bytes its comment does not cover:
/// Python's `zipfile` (an independent reader) still opens the DICOM file as an archive, and
/// validation reports the directory.
#[test]
fn a_zip_directory_followed_by_junk_is_found_and_python_opens_it() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import io, sys, zipfile\n\
             buf = io.BytesIO()\n\
             with zipfile.ZipFile(buf, 'w') as z: z.writestr('payload.txt', 'hidden')\n\
             sys.stdout.buffer.write(buf.getvalue())",
        )
        .output();
    let zip = match made {
        Ok(out) if out.status.success() => out.stdout,
        _ => {
            assert!(
                std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
                "python3 is needed for this test"
            );
            eprintln!("skipped: no python3");
            return;
        }
    };
    // The archive, then 16 bytes of junk, as the value of the last element.
    let mut value = zip.clone();
    value.extend_from_slice(&[0x55; 16]);
    let mut data = real("CT_small.dcm");
    data.extend(element(0xFFFC, 0xFFFC, b"OB", &value));
    let zip_at = data.len() - 16 - zip.len();
    let eocd_at = zip_at + zip.len() - 22;

    let report = dicom_sanitize::validate(&data);
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::FileZipDirectory)
        .expect("the ZIP directory is reported");
    assert_eq!(finding.offset, eocd_at as u64);
    assert!(report.is_threat());

    let path = dir.path().join("polyglot.dcm");
    std::fs::write(&path, &data).unwrap();
    let listed = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('payload.txt').decode())",
        )
        .arg(&path)
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), "hidden");
}
