//! Rewriting: a policy decides, a plan says which bytes the output holds, and every sink
//! writes that plan.
//!
//! Built on [`read`](crate::read) and [`validate`](crate::validate), never the other way
//! round. `policy` holds the decision rules, `builder` and `conformance` build a policy and
//! describe it, `policy_file` the policy's flat form (the
//! policy file's fields, where every contradiction rule lives), `input` gathers what the
//! policy decides from (once, for every kind of input), `plan` lays the decision out as the
//! output splice, and `sinks`, `stream` and `fs` write it to buffers, `Write`, `Bytes`,
//! streams and files; `review` gives a file's report and its plan from one read, and
//! `verdict` joins a report to the action of a policy (the JSON report).

pub(crate) mod builder;
pub(crate) mod conformance;
pub(crate) mod fs;
mod input;
pub(crate) mod plan;
pub(crate) mod policy;
pub mod policy_file;
pub(crate) mod review;
pub(crate) mod sinks;
pub(crate) mod stream;
pub(crate) mod verdict;
