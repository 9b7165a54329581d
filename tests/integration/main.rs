//! Integration tests over real files no one here wrote (pydicom's test data, committed under
//! tests/data with its licence) and hostile fixtures that the tests build from them.

mod carriers;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
mod cli_errors;
mod consumers;
mod fixtures;
mod reader;
mod sanitize;
mod validate;
