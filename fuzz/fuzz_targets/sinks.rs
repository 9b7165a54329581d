#![no_main]
//! `dicom_sanitize::fuzzing::sinks`: see its documentation for the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitize::fuzzing::sinks(data));
