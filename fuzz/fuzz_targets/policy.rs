#![no_main]
//! `dicom_sanitize::fuzzing::policy_bytes`: an arbitrary policy (decoded from the first bytes
//! with `arbitrary`, built through the public builder) with an arbitrary input (the rest).

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitize::fuzzing::policy_bytes(data));
