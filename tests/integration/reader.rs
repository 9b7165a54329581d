//! The reader: layout, preamble classification and File Meta view, over slices, `Bytes` and
//! `Read + Seek`.

use std::io::{self, Read, Seek, SeekFrom};

use bytes::Bytes;
use dicom_sanitize::{
    classify, classify_prefix, inspect, inspect_reader, validate, Encoding, Error, Layout,
    PreambleKind, Prefix, Severity, TiffGrade,
};
use proptest::prelude::*;

use crate::fixtures::{self, real, real_files};

/// What classification must say about every committed real file.
const REAL: &[(&str, &str, &str)] = &[
    ("CT_small.dcm", "part10", "tiff-dangling"),
    ("DICOMDIR", "part10", "zero"),
    ("ExplVR_BigEndNoMeta.dcm", "raw-data-set", "absent"),
    ("ExplVR_LitEndNoMeta.dcm", "raw-data-set", "absent"),
    ("JPEG-lossy.dcm", "part10", "zero"),
    ("JPEG2000.dcm", "part10", "zero"),
    ("JPEGLSNearLossless_08.dcm", "part10", "zero"),
    ("MR_small.dcm", "part10", "tiff-dangling"),
    ("MR_small_RLE.dcm", "part10", "tiff-dangling"),
    ("MR_small_bigendian.dcm", "part10", "tiff-dangling"),
    ("MR_small_implicit.dcm", "part10", "tiff-dangling"),
    ("MR_small_jp2klossless.dcm", "part10", "zero"),
    ("MR_truncated.dcm", "part10", "tiff-dangling"),
    ("SC_rgb_rle.dcm", "part10", "zero"),
    ("SC_rgb_small_odd_big_endian.dcm", "part10", "zero"),
    ("UN_sequence.dcm", "part10", "zero"),
    ("badVR.dcm", "part10", "zero"),
    ("chrH31.dcm", "part10", "zero"),
    // A one-byte oddity at offset 17 in a real CT from a DICOMDIR set: unknown, not a threat.
    ("dicomdir_CT2_17136", "part10", "unknown"),
    ("empty_charset_LEI.dcm", "part10", "zero"),
    ("image_dfl.dcm", "part10", "zero"),
    ("meta_missing_tsyntax.dcm", "part10", "zero"),
    ("nested_priv_SQ.dcm", "part10", "zero"),
    // CT_small.dcm without its meta group, but with one stray byte in front: not DICOM.
    ("no_meta.dcm", "not-dicom", "absent"),
    ("no_meta_group_length.dcm", "part10", "zero"),
    ("priv_SQ.dcm", "part10", "zero"),
    ("reportsi.dcm", "part10", "zero"),
    ("rtdose.dcm", "part10", "zero"),
    ("rtplan.dcm", "part10", "zero"),
    ("rtplan_truncated.dcm", "part10", "zero"),
    ("rtstruct.dcm", "raw-data-set", "absent"),
    ("test-SR.dcm", "part10", "zero"),
];

#[test]
fn every_real_file_is_classified_as_expected_and_none_is_a_threat() {
    let files = real_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = REAL.iter().map(|(n, ..)| *n).collect();
    assert_eq!(names, expected, "every committed file needs an expectation");
    for ((name, data), (_, layout, kind)) in files.iter().zip(REAL) {
        let verdict = classify(data);
        assert_eq!(verdict.layout().name(), *layout, "{name}");
        assert_eq!(verdict.preamble_name(), *kind, "{name}");
        let report = validate(data);
        assert!(!report.is_threat(), "{name}: {:?}", report.findings);
    }
}

#[test]
fn real_files_read_the_same_from_slices_bytes_and_readers() {
    for (name, data) in real_files() {
        let from_slice = inspect(&data);
        let bytes = Bytes::from(data.clone());
        let from_bytes = inspect(&bytes);
        let mut buf = Vec::new();
        let mut reader = io::Cursor::new(&data);
        let from_reader = inspect_reader(&mut reader, &mut buf);
        match (&from_slice, &from_bytes, &from_reader) {
            (Ok(a), Ok(b), Ok(c)) => {
                assert_eq!(a, b, "{name}");
                assert_eq!(a.classification(), c.classification(), "{name}");
                assert_eq!(a.data_set_offset(), c.data_set_offset(), "{name}");
                assert_eq!(a.encoding(), c.encoding(), "{name}");
                assert_eq!(
                    a.meta().map(|m| m.bytes()),
                    c.meta().map(|m| m.bytes()),
                    "{name}"
                );
            }
            (Err(a), Err(b), Err(c)) => {
                assert_eq!(a, b, "{name}");
                assert_eq!(a, c, "{name}");
            }
            _ => panic!("{name}: {from_slice:?} / {from_reader:?}"),
        }
    }
}

#[test]
fn meta_groups_of_real_files() {
    let data = real("MR_small.dcm");
    let inspection = inspect(&data).unwrap();
    let meta = inspection.meta().unwrap();
    assert_eq!(meta.offset(), 132);
    assert_eq!(meta.transfer_syntax_uid(), Some("1.2.840.10008.1.2.1"));
    assert_eq!(
        meta.media_storage_sop_class_uid(),
        Some("1.2.840.10008.5.1.4.1.1.4")
    );
    assert_eq!(
        u64::from(meta.group_length().unwrap()),
        meta.measured_group_length()
    );
    let ts = meta
        .element(dicom_sanitize::meta::TRANSFER_SYNTAX_UID)
        .unwrap();
    assert_eq!(
        &data[ts.value_offset() as usize..][..19],
        b"1.2.840.10008.1.2.1"
    );

    let no_length = real("no_meta_group_length.dcm");
    let meta = *inspect(&no_length).unwrap().meta().unwrap();
    assert_eq!(meta.group_length(), None);
    assert_eq!(
        meta.transfer_syntax().unwrap().encoding,
        Encoding::ImplicitVrLittleEndian
    );

    let missing_ts = real("meta_missing_tsyntax.dcm");
    let inspection = inspect(&missing_ts).unwrap();
    assert_eq!(inspection.meta().unwrap().transfer_syntax_uid(), None);
    assert_eq!(inspection.encoding(), None);

    let raw = real("ExplVR_BigEndNoMeta.dcm");
    let inspection = inspect(&raw).unwrap();
    assert_eq!(
        inspection.layout(),
        Layout::RawDataSet(Encoding::ExplicitVrBigEndian)
    );
    assert_eq!(inspection.data_set_offset(), Some(0));
    assert!(inspection.meta().is_none());
}

#[test]
fn every_preamble_fixture_is_classified() {
    for f in fixtures::preamble_fixtures() {
        let verdict = classify(&f.data);
        assert_eq!(verdict.layout(), Layout::Part10, "{}", f.name);
        let kind = verdict.preamble().unwrap().kind();
        assert_eq!(kind.name(), f.kind, "{}: {kind:?}", f.name);
        assert_eq!(kind.is_threat(), f.threat, "{}: {kind:?}", f.name);
        assert_eq!(validate(&f.data).is_threat(), f.threat, "{}", f.name);
        // The meta group is intact in every fixture.
        assert!(inspect(&f.data).unwrap().meta().is_some(), "{}", f.name);
    }
}

#[test]
fn executables_are_confirmed_and_point_into_element_values() {
    let (pe, header) = fixtures::pe_polyglot();
    let kind = classify(&pe).preamble().unwrap().kind();
    let info = kind.executable().unwrap();
    assert!(info.confirmed);
    assert_eq!(info.payload_offset, Some(header as u64));
    assert_eq!(kind.severity(), Some(Severity::Critical));

    let (elf, code) = fixtures::elf_polyglot();
    let info = classify(&elf)
        .preamble()
        .unwrap()
        .kind()
        .executable()
        .unwrap();
    assert!(info.confirmed);
    assert_eq!(info.payload_offset, Some(code as u64));

    let (macho, code) = fixtures::macho_polyglot();
    let kind = classify(&macho).preamble().unwrap().kind();
    assert!(
        matches!(kind, PreambleKind::MachO { fat: false, info } if info.confirmed && info.payload_offset == Some(code as u64))
    );

    // Headers whose structures are missing are still executables, but unconfirmed (high).
    let mut broken = pe.clone();
    broken[header..header + 4].copy_from_slice(b"XX\0\0");
    let kind = classify(&broken).preamble().unwrap().kind();
    assert!(matches!(kind, PreambleKind::Pe(info) if !info.confirmed));
    assert_eq!(kind.severity(), Some(Severity::High));
    let mut broken = elf.clone();
    broken[64..68].copy_from_slice(&0u32.to_le_bytes()); // PT_NULL instead of PT_LOAD
    assert!(
        matches!(classify(&broken).preamble().unwrap().kind(), PreambleKind::Elf(info) if !info.confirmed)
    );
    let mut far = pe;
    far[0x3C..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        classify(&far).preamble().unwrap().kind(),
        PreambleKind::Pe(info) if !info.confirmed && info.payload_offset.is_none()
    ));
}

#[test]
fn tiff_grades_on_real_data() {
    let kind = classify(&fixtures::functional_tiff())
        .preamble()
        .unwrap()
        .kind();
    assert!(matches!(
        kind,
        PreambleKind::Tiff {
            grade: TiffGrade::Functional,
            ..
        }
    ));
    assert_eq!(kind.severity(), Some(Severity::Info));
    let stale = classify(&fixtures::tiff_with_stale_strips())
        .preamble()
        .unwrap()
        .kind();
    assert!(matches!(
        stale,
        PreambleKind::Tiff {
            grade: TiffGrade::Dangling(
                dicom_sanitize::tiff::TiffDefect::ImageDataOutsideFile { .. }
            ),
            ..
        }
    ));
    assert_eq!(stale.severity(), Some(Severity::Low));
}

#[test]
fn every_prefix_length_up_to_132() {
    let mut inputs: Vec<(String, Vec<u8>)> = fixtures::preamble_fixtures()
        .into_iter()
        .map(|f| (f.name.to_owned(), f.data))
        .collect();
    inputs.extend(real_files());
    for (name, data) in inputs {
        for len in 0..=data.len().min(600) {
            let prefix = &data[..len];
            match classify_prefix(prefix) {
                Prefix::Partial => assert!(len < 132, "{name}: partial at {len}"),
                Prefix::Complete(verdict) => {
                    assert!(len >= 132, "{name}: complete at {len}");
                    assert_eq!(verdict, classify(prefix), "{name} at {len}");
                    let whole = classify(&data);
                    // The preamble (if any) is recognised as soon as the header is there.
                    if whole.layout() == Layout::Part10 && verdict.layout() == Layout::Part10 {
                        assert_eq!(
                            verdict.preamble().unwrap().bytes(),
                            whole.preamble().unwrap().bytes(),
                            "{name} at {len}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_part10_prefix_keeps_its_layout_once_the_meta_header_is_in() {
    for f in fixtures::preamble_fixtures() {
        for len in 140..=400 {
            match classify_prefix(&f.data[..len]) {
                Prefix::Complete(verdict) => {
                    assert_eq!(verdict.layout(), Layout::Part10, "{} at {len}", f.name)
                }
                Prefix::Partial => panic!("{}: partial at {len}", f.name),
            }
        }
    }
}

#[test]
fn broken_meta_groups_are_errors_with_offsets() {
    let mut data = real("MR_small.dcm");
    // (0002,0001) is the second element: 132 + 12 bytes of group length.
    data[144 + 8..144 + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let err = inspect(&data).unwrap_err();
    assert_eq!(
        err,
        Error::LengthPastEnd {
            offset: 144,
            tag: dicom_sanitize::Tag(0x0002, 0x0001),
            length: 0xFFFF_FFF0,
            end: data.len() as u64
        }
    );
    assert_eq!(err.code(), "length-past-end");
    // Classification and validation still work, and the preamble is still judged.
    assert_eq!(classify(&data).preamble_name(), "tiff-dangling");
    let report = validate(&data);
    assert!(report
        .findings
        .iter()
        .any(|f| f.code.as_str() == "meta.malformed" && f.offset == 144));

    let mut data = real("MR_small.dcm");
    data[144 + 4..144 + 6].copy_from_slice(b"X1");
    assert!(matches!(
        inspect(&data),
        Err(Error::InvalidVr { offset: 144, .. })
    ));
    let data = real("MR_small.dcm");
    let truncated = inspect(&data[..150]);
    assert!(
        matches!(truncated, Err(Error::Truncated { offset: 144, .. })),
        "{truncated:?}"
    );
}

/// A `Read + Seek` input of any length whose first bytes are a real header; every byte read is
/// counted.
struct VirtualFile {
    header: Vec<u8>,
    len: u64,
    pos: u64,
    read: u64,
}

impl Read for VirtualFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(self.pos)) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.header.get(self.pos as usize + i).copied().unwrap_or(0);
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
fn reading_a_2gb_file_reads_only_its_header() {
    for fixture in ["MR_small.dcm", "CT_small.dcm"] {
        let data = real(fixture);
        let meta_end = inspect(&data).unwrap().data_set_offset().unwrap();
        let mut file = VirtualFile {
            header: data[..1024].to_vec(),
            len: 2 << 30,
            pos: 0,
            read: 0,
        };
        let mut buf = Vec::new();
        let inspection = inspect_reader(&mut file, &mut buf).unwrap();
        assert_eq!(inspection.file_len(), 2 << 30);
        assert_eq!(inspection.data_set_offset(), Some(meta_end));
        // The meta group, the next header, and (MR_small's vestigial TIFF header points inside a
        // 2 GB file) the 2-byte entry count of the IFD it names.
        assert!(
            file.read <= meta_end + 8 + 2,
            "{fixture}: read {} bytes, meta ends at {meta_end}",
            file.read
        );
    }
    // A functional TIFF header costs a few more reads: the IFD, nothing else.
    let data = fixtures::functional_tiff();
    let mut file = VirtualFile {
        header: data.clone(),
        len: data.len() as u64,
        pos: 0,
        read: 0,
    };
    let mut buf = Vec::new();
    let kind = inspect_reader(&mut file, &mut buf)
        .unwrap()
        .preamble()
        .unwrap()
        .kind();
    assert!(kind.is_functional_tiff());
    assert!(file.read < 1024, "read {}", file.read);
}

#[test]
fn reader_errors_are_reported_with_offsets() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    impl Seek for Failing {
        fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
            Ok(4096)
        }
    }
    let mut buf = Vec::new();
    let err = inspect_reader(&mut Failing, &mut buf).unwrap_err();
    assert_eq!(err.code(), "io");
    assert_eq!(err.offset(), Some(0));
    assert!(err.to_string().contains("disk on fire"));
}

/// Every offset an inspection reports lies within the input.
fn offsets_within(data: &[u8]) {
    let len = data.len() as u64;
    let verdict = classify(data);
    if let Some(info) = verdict.preamble().and_then(|p| p.kind().executable()) {
        assert!(info.payload_offset.is_none_or(|o| o < len));
    }
    if let Ok(inspection) = inspect(data) {
        assert!(inspection.data_set_offset().is_none_or(|o| o <= len));
        if let Some(meta) = inspection.meta() {
            for element in meta.elements() {
                assert!(element.offset() < len);
                assert!(element.value_offset() + element.value().len() as u64 <= len);
            }
        }
    }
    for finding in validate(data).findings {
        assert!(finding.offset <= len, "{finding}");
        assert!(
            finding.length.is_none_or(|l| finding.offset + l <= len),
            "{finding}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        offsets_within(&data);
    }

    #[test]
    fn arbitrary_preambles_and_meta_bytes_never_panic(
        preamble in proptest::collection::vec(any::<u8>(), 128),
        edits in proptest::collection::vec((132usize..400, any::<u8>()), 0..8),
    ) {
        let mut data = real("MR_small.dcm");
        data[..128].copy_from_slice(&preamble);
        for (at, byte) in edits {
            data[at] = byte;
        }
        offsets_within(&data);
    }

    #[test]
    fn magic_prefixed_preambles_never_panic(
        magic in prop::sample::select(vec![
            &b"MZ"[..], b"\x7fELF\x02\x01\x01", b"\x7fELF\x01\x02\x01", b"\xcf\xfa\xed\xfe",
            b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf", b"II*\0", b"MM\0*",
            b"II+\0\x08\0\0\0", b"MM\0+\0\x08\0\0",
        ]),
        rest in proptest::collection::vec(any::<u8>(), 126),
        tail in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut data = magic.to_vec();
        data.extend_from_slice(&rest[..128 - magic.len()]);
        data.extend_from_slice(b"DICM");
        data.extend_from_slice(&tail);
        offsets_within(&data);
    }
}
