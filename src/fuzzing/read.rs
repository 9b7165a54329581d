//! The read-side invariants: [`inspect`], [`walk`] and [`validate`] agree between the slice
//! and reader paths and stay within the input.

use std::io::Cursor;

use crate::{
    Error, Layout, PreambleKind, Prefix, Report, Severity, Validator, HEADER_LEN, PREAMBLE_LEN,
};

/// `classify`, `classify_prefix`, `inspect` and `inspect_reader`: no panic, the slice and
/// reader paths agree, every offset lies within the input.
pub fn inspect(data: &[u8]) {
    inspect_with(&crate::Inspector::default(), data);
}

pub(super) fn inspect_with(inspector: &crate::Inspector, data: &[u8]) {
    let len = data.len() as u64;
    let verdict = inspector.classify(data);
    if let Some(preamble) = verdict.preamble() {
        assert_eq!(
            verdict.layout(),
            Layout::Part10,
            "only Part 10 inputs have a preamble"
        );
        assert_eq!(preamble.bytes()[..], data[..PREAMBLE_LEN]);
        check_preamble_kind(preamble.kind(), len);
    }
    for cut in [0, 1, 127, 131, 132, 133, 256, 1024, data.len()] {
        let prefix = &data[..cut.min(data.len())];
        match inspector.classify_prefix(prefix) {
            Prefix::Partial => assert!((prefix.len() as u64) < HEADER_LEN, "partial at {cut}"),
            Prefix::Complete(c) => {
                assert!(prefix.len() as u64 >= HEADER_LEN, "complete at {cut}");
                assert_eq!(c, inspector.classify(prefix), "classify_prefix at {cut}");
            }
        }
    }

    let from_slice = inspector.inspect(data);
    let mut buf = Vec::new();
    let from_reader = inspector.inspect_reader(&mut Cursor::new(data), &mut buf);
    match (&from_slice, &from_reader) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.classification(), verdict, "inspect and classify disagree");
            assert_eq!(a.classification(), b.classification(), "inspect_reader");
            assert_eq!(a.data_set_offset(), b.data_set_offset(), "inspect_reader");
            assert_eq!(a.encoding(), b.encoding(), "inspect_reader");
            assert_eq!(a.meta().map(|m| m.bytes()), b.meta().map(|m| m.bytes()));
            assert_eq!(a.file_len(), len);
            if let Some(offset) = a.data_set_offset() {
                assert!(offset <= len, "data set offset {offset} past the end {len}");
            }
            if let Some(meta) = a.meta() {
                let start = meta.offset();
                assert!(start == 0 || start == HEADER_LEN, "meta group at {start}");
                assert!(meta.data_set_offset() <= len);
                let end = start + meta.bytes().len() as u64;
                assert!(end <= len, "meta group ends at {end}, past {len}");
                for element in meta.elements() {
                    let value_end = element.value_offset() + element.value().len() as u64;
                    assert!(element.offset() >= start && value_end <= end, "{element:?}");
                }
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "inspect and inspect_reader fail differently");
            check_error_offset(a, len);
        }
        _ => panic!("inspect: {from_slice:?}, inspect_reader: {from_reader:?}"),
    }
}

/// The pointers a preamble kind carries lie within the input.
fn check_preamble_kind(kind: PreambleKind, len: u64) {
    if let PreambleKind::Tiff { header, .. } = kind {
        if kind.is_functional_tiff() {
            assert!(
                header.ifd_offset >= HEADER_LEN && header.ifd_offset < len,
                "functional TIFF with its IFD at {}",
                header.ifd_offset
            );
        }
    }
    if let Some(info) = kind.executable() {
        if let Some(payload) = info.payload_offset {
            assert!(payload <= len, "payload at {payload}, past {len}");
        }
    }
}

/// Errors about the input name an offset within it (or just past its end).
fn check_error_offset(err: &Error, len: u64) {
    if let Some(offset) = err.offset() {
        assert!(offset <= len, "{err}: offset past the end {len}");
    }
}

/// `walk` and `walk_reader`: the same elements, each within the input, their number bounded
/// by its size (so no walk can loop), nesting within the limit.
pub fn walk(data: &[u8]) {
    walk_with(&crate::Inspector::default(), data);
}

fn walk_with(inspector: &crate::Inspector, data: &[u8]) {
    let len = data.len() as u64;
    let limits = *inspector.limits();
    let from_slice = inspector.walk(data);
    let mut cursor = Cursor::new(data);
    let from_reader = inspector.walk_reader(&mut cursor);
    let (slice_walk, reader_walk) = match (from_slice, from_reader) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "walk and walk_reader fail differently");
            check_error_offset(&a, len);
            return;
        }
        (a, b) => panic!("walk: {:?}, walk_reader: {:?}", a.err(), b.err()),
    };
    let start = slice_walk.offset();
    let deflated = slice_walk.end().is_none();
    // A header is at least 8 bytes; a deflated data set is bounded by the inflation limit.
    let space = if deflated {
        limits.max_inflated_len.saturating_add(8)
    } else {
        len.saturating_sub(start)
    };
    let bound = space / 8 + 1;
    let mut elements = 0u64;
    let mut readers = reader_walk;
    for from_slice in slice_walk {
        elements += 1;
        assert!(
            elements <= bound,
            "more than {bound} elements in {space} bytes"
        );
        let from_reader = readers.next();
        match (&from_slice, &from_reader) {
            (Ok(a), Some(Ok(b))) => assert_eq!(a, b, "walk and walk_reader disagree"),
            (Err(a), Some(Err(b))) => assert_eq!(a, b, "walk and walk_reader fail differently"),
            _ => panic!("walk: {from_slice:?}, walk_reader: {from_reader:?}"),
        }
        match from_slice {
            Ok(element) => {
                assert!(element.depth <= limits.max_depth, "{element:?}");
                assert!(element.offset >= start, "{element:?} before the data set");
                if !deflated {
                    let header_end = element.offset + u64::from(element.header_len);
                    assert!(header_end <= len, "{element:?} past the end {len}");
                    // Values and defined-length sequences and items fit in the input.
                    if let Some(end) = element.value_end() {
                        assert!(end <= len, "{element:?} ends past {len}");
                    }
                }
            }
            Err(err) => {
                if !deflated {
                    check_error_offset(&err, len);
                }
            }
        }
    }
    assert!(readers.next().is_none(), "walk_reader yields more elements");
}

/// `validate` and `validate_reader`: the same report, every finding within the input, the
/// counts bounded by its size.
pub fn validate(data: &[u8]) {
    validate_with(&Validator::default(), data);
}

pub(super) fn validate_with(validator: &Validator, data: &[u8]) -> Report {
    let report = validator.validate(data);
    let from_reader = validator
        .validate_reader(&mut Cursor::new(data))
        .expect("reading a Cursor cannot fail");
    assert!(
        report == from_reader,
        "validate and validate_reader disagree:\n{report:#?}\n{from_reader:#?}"
    );
    let general = validator.general_path_only().validate(data);
    assert!(
        report == general,
        "the fast path and the general path disagree:\n{report:#?}\n{general:#?}"
    );
    check_report(validator, &report, data);
    report
}

/// A report's facts agree with the input and lie within it.
fn check_report(validator: &Validator, report: &Report, data: &[u8]) {
    let len = data.len() as u64;
    let limits = validator.limits();
    let verdict = validator.inspector().classify(data);
    assert_eq!(report.file_len, len);
    assert_eq!(report.layout, verdict.layout(), "report layout");
    assert_eq!(
        report.preamble,
        verdict.preamble().map(|p| p.kind()),
        "report preamble"
    );
    assert!(report.max_depth <= limits.max_depth);
    if let Some(start) = report.data_set_offset {
        assert!(start <= len, "data set at {start}, past {len}");
    }
    if let Some(end) = report.data_end {
        assert!(end <= len, "data set ends at {end}, past {len}");
    }
    let inflated_end = report
        .data_set_offset
        .unwrap_or(0)
        .saturating_add(limits.max_inflated_len)
        .saturating_add(8);
    let space = if report.deflated { inflated_end } else { len };
    assert!(
        report.elements <= space / 8 + 1,
        "{} elements in {space} bytes",
        report.elements
    );
    for finding in &report.findings {
        // Offsets inside a deflated data set count inflated bytes.
        let end = if report.deflated { inflated_end } else { len };
        assert!(finding.offset <= end, "{finding:?} past {end}");
        if let Some(length) = finding.length {
            assert!(
                finding.offset.saturating_add(length) <= end,
                "{finding:?} runs past {end}"
            );
        }
    }
    // The report's own summaries are consistent with its findings.
    assert_eq!(
        report.is_threat(),
        report.findings.iter().any(|f| f.severity >= Severity::High)
    );
}
