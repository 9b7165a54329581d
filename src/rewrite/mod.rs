//! Rewriting: a policy decides, a plan says which bytes the output holds, and every sink
//! writes that plan.
//!
//! Built on [`read`](crate::read) and [`validate`](crate::validate), never the other way
//! round:
//!
//! - `policy`: the decision rules; `builder` and `conformance` build a policy and describe
//!   it; `policy_file`: its flat form (the policy file's fields), where every contradiction
//!   rule lives.
//! - `input`: what a policy decides from, gathered once for every kind of input; `plan`: the
//!   decision laid out as the output splice and its outcome.
//! - `sinks`, `stream`, `fs`: the plan written to buffers, `Write`, `Bytes`, streams and
//!   files, `replace` replacing a file without losing what others write (`attributes`: the
//!   extended attributes and ACLs it keeps); `review`: a file's report and its plan from one
//!   read.
//! - `verdict`: a report joined to the action of a policy; `record`: a verdict with the file
//!   it is about, the JSON object of `scan --json` (feature `serde`).

mod attributes;
pub(crate) mod builder;
pub(crate) mod conformance;
pub(crate) mod fs;
pub(crate) mod input;
pub(crate) mod plan;
pub(crate) mod policy;
pub mod policy_file;
#[cfg(feature = "serde")]
pub(crate) mod record;
pub(crate) mod replace;
pub(crate) mod review;
pub(crate) mod sinks;
pub(crate) mod stream;
pub(crate) mod verdict;
