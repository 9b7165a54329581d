//! Classifying a buffer: its layout and what its preamble holds.

use std::ffi::{c_char, CStr};

use dicom_sanitize::{classify, Layout, PreambleKind};

use crate::args;
use crate::error::guard;
use crate::names::Named;
use crate::severity::ds_severity;
use crate::status::ds_status;

/// How an input is laid out.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_layout {
    /// Not recognised as DICOM ("not-dicom").
    DS_LAYOUT_NOT_DICOM = 0,
    /// A DICOM Part 10 file: preamble, `DICM`, File Meta group, data set ("part10").
    DS_LAYOUT_PART10 = 1,
    /// No preamble: the input starts with the File Meta group ("no-preamble").
    DS_LAYOUT_NO_PREAMBLE = 2,
    /// No preamble and no File Meta group: a bare data set ("raw-data-set").
    DS_LAYOUT_RAW_DATA_SET = 3,
    /// A layout newer than this header ("other").
    DS_LAYOUT_OTHER = 99,
}

impl Named for ds_layout {
    const ALL: &'static [Self] = &[
        Self::DS_LAYOUT_NOT_DICOM,
        Self::DS_LAYOUT_PART10,
        Self::DS_LAYOUT_NO_PREAMBLE,
        Self::DS_LAYOUT_RAW_DATA_SET,
        Self::DS_LAYOUT_OTHER,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_LAYOUT_NOT_DICOM => c"not-dicom",
            Self::DS_LAYOUT_PART10 => c"part10",
            Self::DS_LAYOUT_NO_PREAMBLE => c"no-preamble",
            Self::DS_LAYOUT_RAW_DATA_SET => c"raw-data-set",
            Self::DS_LAYOUT_OTHER => c"other",
        }
    }
}

impl ds_layout {
    fn of(layout: Layout) -> Self {
        Self::from_name(layout.name()).unwrap_or(Self::DS_LAYOUT_OTHER)
    }
}

/// What a preamble holds. The names are the library's stable report names.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ds_preamble_kind {
    /// The input has no preamble ("absent").
    DS_PREAMBLE_KIND_ABSENT = 0,
    /// All 128 bytes zero, as the standard asks ("zero").
    DS_PREAMBLE_KIND_ZERO = 1,
    /// A TIFF header whose IFD chain works: a dual-personality file ("tiff").
    DS_PREAMBLE_KIND_TIFF = 2,
    /// A vestigial TIFF header whose IFD chain does not work; harmless ("tiff-dangling").
    DS_PREAMBLE_KIND_TIFF_DANGLING = 3,
    /// A Windows PE executable header ("pe").
    DS_PREAMBLE_KIND_PE = 4,
    /// An ELF executable header ("elf").
    DS_PREAMBLE_KIND_ELF = 5,
    /// A Mach-O executable header ("macho").
    DS_PREAMBLE_KIND_MACHO = 6,
    /// Text a shell runs, with or without `#!` ("script").
    DS_PREAMBLE_KIND_SCRIPT = 7,
    /// A PDF header ("pdf").
    DS_PREAMBLE_KIND_PDF = 8,
    /// HTML, SVG, HTA or other markup ("html").
    DS_PREAMBLE_KIND_HTML = 9,
    /// A ZIP local file header ("zip").
    DS_PREAMBLE_KIND_ZIP = 10,
    /// Another container or bytecode format ("archive").
    DS_PREAMBLE_KIND_ARCHIVE = 11,
    /// Printable text that shells refuse to run ("text").
    DS_PREAMBLE_KIND_TEXT = 12,
    /// Non-zero bytes of no known format ("unknown").
    DS_PREAMBLE_KIND_UNKNOWN = 13,
    /// A kind newer than this header ("other"); the severity and threat flag still apply.
    DS_PREAMBLE_KIND_OTHER = 99,
}

impl Named for ds_preamble_kind {
    const ALL: &'static [Self] = &[
        Self::DS_PREAMBLE_KIND_ABSENT,
        Self::DS_PREAMBLE_KIND_ZERO,
        Self::DS_PREAMBLE_KIND_TIFF,
        Self::DS_PREAMBLE_KIND_TIFF_DANGLING,
        Self::DS_PREAMBLE_KIND_PE,
        Self::DS_PREAMBLE_KIND_ELF,
        Self::DS_PREAMBLE_KIND_MACHO,
        Self::DS_PREAMBLE_KIND_SCRIPT,
        Self::DS_PREAMBLE_KIND_PDF,
        Self::DS_PREAMBLE_KIND_HTML,
        Self::DS_PREAMBLE_KIND_ZIP,
        Self::DS_PREAMBLE_KIND_ARCHIVE,
        Self::DS_PREAMBLE_KIND_TEXT,
        Self::DS_PREAMBLE_KIND_UNKNOWN,
        Self::DS_PREAMBLE_KIND_OTHER,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Self::DS_PREAMBLE_KIND_ABSENT => c"absent",
            Self::DS_PREAMBLE_KIND_ZERO => c"zero",
            Self::DS_PREAMBLE_KIND_TIFF => c"tiff",
            Self::DS_PREAMBLE_KIND_TIFF_DANGLING => c"tiff-dangling",
            Self::DS_PREAMBLE_KIND_PE => c"pe",
            Self::DS_PREAMBLE_KIND_ELF => c"elf",
            Self::DS_PREAMBLE_KIND_MACHO => c"macho",
            Self::DS_PREAMBLE_KIND_SCRIPT => c"script",
            Self::DS_PREAMBLE_KIND_PDF => c"pdf",
            Self::DS_PREAMBLE_KIND_HTML => c"html",
            Self::DS_PREAMBLE_KIND_ZIP => c"zip",
            Self::DS_PREAMBLE_KIND_ARCHIVE => c"archive",
            Self::DS_PREAMBLE_KIND_TEXT => c"text",
            Self::DS_PREAMBLE_KIND_UNKNOWN => c"unknown",
            Self::DS_PREAMBLE_KIND_OTHER => c"other",
        }
    }
}

impl ds_preamble_kind {
    /// The C value of a preamble kind, or of its absence.
    pub(crate) fn of(kind: Option<PreambleKind>) -> Self {
        let name = kind.map_or("absent", |kind| kind.name());
        Self::from_name(name).unwrap_or(Self::DS_PREAMBLE_KIND_OTHER)
    }
}

/// What ds_inspect() found. The names point to static strings.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ds_inspection {
    /// How the input is laid out.
    pub layout: ds_layout,
    /// The layout's stable name ("part10", "not-dicom", ...).
    pub layout_name: *const c_char,
    /// What the preamble holds; DS_PREAMBLE_KIND_ABSENT when there is none.
    pub preamble: ds_preamble_kind,
    /// The preamble kind's stable name ("zero", "tiff", "pe", ..., "absent").
    pub preamble_name: *const c_char,
    /// How serious the preamble alone is; DS_SEVERITY_NONE for an all-zero or absent one.
    pub severity: ds_severity,
    /// Whether the preamble alone is a threat (high or critical). ds_validate() looks at the
    /// whole file.
    pub threat: bool,
}

/// Classifies a buffer: its layout and its preamble, reading only the header and what the
/// preamble points to. Input that is not DICOM is not an error: its layout says so.
///
/// # Safety
/// `data` points to `len` readable bytes (or is NULL with `len` 0); `inspection_out` to a
/// writable ds_inspection.
#[no_mangle]
pub unsafe extern "C" fn ds_inspect(
    data: *const u8,
    len: usize,
    inspection_out: *mut ds_inspection,
) -> ds_status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let inspection_out = unsafe { args::out(inspection_out, "inspection_out") }?;
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { args::input(data, len, "data") }?;
        let classification = classify(data);
        let kind = classification.preamble().map(|preamble| preamble.kind());
        let layout = ds_layout::of(classification.layout());
        let preamble = ds_preamble_kind::of(kind);
        inspection_out.write(ds_inspection {
            layout,
            layout_name: layout.name().as_ptr(),
            preamble,
            preamble_name: preamble.name().as_ptr(),
            severity: ds_severity::of(kind.and_then(|kind| kind.severity())),
            threat: kind.is_some_and(|kind| kind.is_threat()),
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::names::tests::{assert_mirrors, assert_names_round_trip};

    #[test]
    fn names_round_trip() {
        assert_names_round_trip::<ds_layout>();
        assert_names_round_trip::<ds_preamble_kind>();
    }

    #[test]
    fn enums_mirror_the_library() {
        assert_mirrors::<ds_layout>(&Layout::NAMES, &[ds_layout::DS_LAYOUT_OTHER]);
        assert_mirrors::<ds_preamble_kind>(
            &PreambleKind::NAMES,
            &[
                ds_preamble_kind::DS_PREAMBLE_KIND_ABSENT,
                ds_preamble_kind::DS_PREAMBLE_KIND_OTHER,
            ],
        );
    }

    #[test]
    fn every_known_kind_has_its_own_value() {
        // PreambleKind::NAMES lists every kind's name (the library's own test checks it), and
        // ds_preamble_kind::of finds a value by the kind's name.
        for &name in &PreambleKind::NAMES {
            let value = ds_preamble_kind::from_name(name);
            assert!(
                value.is_some_and(|v| v != ds_preamble_kind::DS_PREAMBLE_KIND_OTHER),
                "{name}"
            );
        }
        assert_eq!(
            ds_preamble_kind::of(None),
            ds_preamble_kind::DS_PREAMBLE_KIND_ABSENT
        );
    }

    #[test]
    fn every_known_layout_has_its_own_value() {
        let layouts = [
            Layout::NotDicom,
            Layout::Part10,
            Layout::MetaWithoutPreamble,
            Layout::RawDataSet(dicom_sanitize::Encoding::ImplicitVrLittleEndian),
        ];
        for layout in layouts {
            let value = ds_layout::of(layout);
            assert_ne!(value, ds_layout::DS_LAYOUT_OTHER, "{layout:?}");
            assert_eq!(value.name().to_str().unwrap(), layout.name());
        }
    }
}
