//! Benign controls: what real files hold by chance or by design (noise and pixels holding
//! magics, XML in a private value, an encapsulated PDF or CDA, `%PDF-` quoted in text, a
//! vendor's `CA FE BA BE`) stays clean, and every real file holds no threat in either mode.

use dicom_sanitize::{FindingCode, Severity, Validator};

use crate::carrier_table::{noise, payload_findings, validated};
use crate::fixtures::{self, Encoding};

#[test]
fn look_alikes_stay_clean() {
    // Random binary in a private value.
    let private = fixtures::element(0x0099, 0x1000, b"OB", &noise(256 * 1024, 7));
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default().deep_scan(true));
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );

    // 16-bit pixels holding the magics by chance, among noise, searched deep.
    let mut pixels = noise(512 * 1024, 11);
    for (i, chunk) in pixels.chunks_mut(256).enumerate() {
        let magic: &[u8] = match i % 6 {
            0 => b"MZ",
            1 => b"\x7fELF",
            2 => b"PK\x03\x04",
            3 => b"PK\x05\x06",
            4 => b"\x1f\x8b\x08",
            _ => b"ustar",
        };
        chunk[(i * 2) % 200..][..magic.len()].copy_from_slice(magic);
    }
    let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
    let at = fixtures::pixel_data_offset(&data);
    data.truncate(at);
    data.extend(fixtures::element(0x7FE0, 0x0010, b"OW", &pixels));
    let report = validated(&data, Validator::default().deep_scan(true));
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat());

    // XML in a private OB, as vendors store it: info at most.
    let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<protocol><step/></protocol>\n";
    let private = fixtures::element(0x0099, 0x1000, b"OB", xml);
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
    let report = validated(&data, Validator::default());
    assert!(
        payload_findings(&report)
            .iter()
            .all(|f| f.severity <= Severity::Info),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat());

    // `%PDF-` inside a text value, without a PDF's structure.
    // It lies in the file's first KiB, where PDF readers look: a bare marker is info there.
    let text = fixtures::element(0x0099, 0x1000, b"LT", b"see report.pdf (%PDF-1.4) ");
    let (data, _) = fixtures::part10(Encoding::ExplicitLe, &text);
    assert!(fixtures::find(&data, b"%PDF-") < 1024);
    let report = validated(&data, Validator::default());
    assert!(
        payload_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(!report.is_threat(), "{:#?}", report.findings);
    let header = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::FilePdfHeader)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(header.severity, Severity::Info, "{header:?}");
}

#[test]
fn real_files_hold_no_threat_in_either_mode() {
    for (name, data) in fixtures::real_files() {
        for validator in [Validator::default(), Validator::default().deep_scan(true)] {
            let report = validated(&data, validator);
            assert!(!report.is_threat(), "{name}: {:#?}", report.findings);
            let payloads = payload_findings(&report);
            assert!(payloads.is_empty(), "{name}: {payloads:#?}");
        }
    }
}

/// An Encapsulated PDF or CDA instance: its document in (0042,0011), with its MIME type.
fn encapsulated_document(mime: &[u8], document: &[u8]) -> Vec<u8> {
    let e = Encoding::ExplicitLe;
    let mut body = e.element(0x0042, 0x0010, b"ST", b"REPORT");
    let mut document = document.to_vec();
    if document.len() % 2 == 1 {
        document.push(0);
    }
    body.extend(e.element(0x0042, 0x0011, b"OB", &document));
    body.extend(e.element(0x0042, 0x0012, b"LO", mime));
    // In tag order: before the private group the fixture adds, after its first elements.
    let (mut data, _) = fixtures::part10(e, &[]);
    let at = fixtures::find(&data, &e.header(0x0099, 0x0010, b"LO", 20));
    data.splice(at..at, body);
    data
}

#[test]
fn encapsulated_pdf_and_cda_stay_clean() {
    let pdf = crate::carrier_fixtures::pdf();
    let cda = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Report</title>\
        <component><nonXMLBody><text mediaType=\"text/plain\">normal</text></nonXMLBody>\
        </component></ClinicalDocument>\n";
    for (name, data) in [
        ("pdf", encapsulated_document(b"application/pdf ", &pdf)),
        ("cda", encapsulated_document(b"text/XML", cda)),
    ] {
        for validator in [Validator::default(), Validator::default().deep_scan(true)] {
            let report = validated(&data, validator);
            assert!(!report.is_threat(), "{name}: {:#?}", report.findings);
            assert!(
                report.findings.iter().all(|f| f.severity <= Severity::Info),
                "{name}: {:#?}",
                report.findings
            );
        }
    }
}

#[test]
fn a_vendor_cafebabe_magic_is_no_executable() {
    // `CA FE BA BE` starts a universal binary (a small slice count follows) and a Java class
    // (its version follows); vendors use it as a magic of their own. Followed by a count
    // whose slices are not there, or a version whose constant pool is noise, it is neither.
    for follower in [[0u8, 0, 0, 2], [0, 0, 0, 0x34], [0, 3, 0, 0x2D]] {
        let mut value = vec![0xCA, 0xFE, 0xBA, 0xBE];
        value.extend(follower);
        value.extend(noise(4096, 3));
        let private = fixtures::element(0x0099, 0x1000, b"OB", &value);
        let (data, _) = fixtures::part10(Encoding::ExplicitLe, &private);
        let report = validated(&data, Validator::default());
        assert!(
            payload_findings(&report).is_empty(),
            "{follower:?}: {:#?}",
            report.findings
        );
        // The same at the start of 16-bit pixels, searched deep.
        let (mut data, _) = fixtures::part10(Encoding::ExplicitLe, &[]);
        let at = fixtures::pixel_data_offset(&data);
        data.truncate(at);
        data.extend(fixtures::element(0x7FE0, 0x0010, b"OW", &value));
        let report = validated(&data, Validator::default().deep_scan(true));
        assert!(!report.is_threat(), "{follower:?}: {:#?}", report.findings);
    }
}
