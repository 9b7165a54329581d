#![no_main]
//! `dicom_sanitize::fuzzing::deep`: see its documentation for the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitize::fuzzing::deep(data));
