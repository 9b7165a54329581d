//! The invariants every fuzz harness checks: ours in `fuzz/`, OSS-Fuzz's, a vendor's.
//!
//! Each entry point takes raw bytes (and, for [`policy`], a [`PolicyCase`] built by
//! `arbitrary`), runs the crate's public API on them and **panics** when an invariant breaks,
//! so that any harness needs one line:
//!
//! ```ignore
//! libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitize::fuzzing::validate(data));
//! ```
//!
//! | function | what it checks |
//! |---|---|
//! | [`inspect`] | `classify`, `classify_prefix`, `inspect` and `inspect_reader` never panic, agree, and every offset they return lies within the input |
//! | [`walk`] | `walk` and `walk_reader` yield the same elements, each within the input, their number bounded by its size |
//! | [`validate`] | `validate` and `validate_reader` give the same report; every finding lies within the input |
//! | [`deep`](fn@deep) | in default and deep mode, `validate`, `validate_reader` and `validate_file` give the same report; deep mode adds only findings on Pixel Data (and loses only what its spent search budget or the per-code cap leaves out) |
//! | [`sanitize`] | for each standard policy: the bytes after the preamble are kept (strip: exactly `input[132..]`), sanitizing is idempotent, the output re-inspects as the policy allows |
//! | [`sinks`] | for each standard policy: slices, `Write`, `to_vec`, `Bytes`, the streaming reader at several chunk sizes, in place on a buffer and on a file, and copy-out to a file give the same bytes, or the same rejection |
//! | [`policy`] | an arbitrary policy from [`PolicySpec`] builds or is refused exactly when contradictory, then [`sanitize`]'s and [`sinks`]' invariants hold for it |
//! | [`oracle`] | when dicom-object opens a structurally sound input, it opens every output with an equal data set |
//!
//! The module is compiled with the `fuzzing` feature only and is hidden from the docs: it is
//! a test harness, not an API. Panicking on a broken invariant is its whole job, so the crate's
//! lints against panics, indexing and unchecked arithmetic are lifted here.
//!
//! **dicom-object as an oracle.** dicom-object 0.10.1 panics on `Length::defined(0xFFFFFFFF)`,
//! allocates up to 4 GiB for a 200-byte file with a huge length, and overflows its stack at
//! about 10,000 nested sequences. [`oracle`] therefore hands it only inputs our own validation
//! found structurally sound (see [`structurally_sound`]): no `structure.*`, `trailing.*`,
//! `meta.missing` or `meta.malformed` finding, every length within the file, nesting at most
//! [`ORACLE_MAX_DEPTH`] deep, at most [`ORACLE_MAX_LEN`] bytes.
//!
//! The checks live by job, all re-exported here: `read` ([`inspect`], [`walk`], [`validate`]),
//! `deep` ([`deep`](fn@deep)), `sinks` ([`sanitize`], [`sinks`] and their helpers), `policy` ([`standard_policies`],
//! [`PolicySpec`], [`policy`]) and `oracle` ([`structurally_sound`], [`oracle`]).
//!
//! [`oracle`]: fn@oracle
//! [`policy`]: fn@policy
//! [`sinks`]: fn@sinks

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod deep;
mod oracle;
mod policy;
mod read;
mod sinks;

pub use deep::deep;
pub use oracle::{dicom_object, oracle, structurally_sound};
pub use policy::{
    policy, policy_bytes, standard_policies, FallbackSpec, LimitsSpec, PolicyCase, PolicySpec,
    PreambleSpec, SeveritySpec, TrailingSpec,
};
pub use read::{inspect, validate, walk};
pub use sinks::{
    assert_same_output, assert_same_result, check_output, check_sanitize, check_sinks,
    same_rejection, sanitize, sinks,
};

/// Largest input [`oracle`](fn@oracle) hands to dicom-object.
pub const ORACLE_MAX_LEN: usize = 1 << 20;
/// Deepest sequence nesting [`oracle`](fn@oracle) hands to dicom-object (which recurses per level).
pub const ORACLE_MAX_DEPTH: u32 = 16;

/// Every read-side and sanitizing invariant at once, for replaying a corpus: [`inspect`],
/// [`walk`], [`validate`], [`deep`](fn@deep), [`sanitize`], [`sinks`](fn@sinks) and [`oracle`](fn@oracle).
pub fn all(data: &[u8]) {
    inspect(data);
    walk(data);
    validate(data);
    deep(data);
    sanitize(data);
    sinks(data);
    oracle(data);
}
