//! Rewriting: a policy decides, a plan says which bytes the output holds, and every sink
//! writes that plan.
//!
//! Built on [`read`](crate::read) and [`validate`](crate::validate), never the other way
//! round. `policy` holds the decision rules, `policy_file` the policy's flat form (the
//! policy file's fields), `plan` the output splice, and `sinks`, `stream` and `fs` write it to buffers,
//! `Write`, `Bytes`, streams and files.

pub(crate) mod fs;
pub(crate) mod policy;
pub mod policy_file;
pub(crate) mod sinks;
pub(crate) mod stream;
