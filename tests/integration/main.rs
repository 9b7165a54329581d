//! Integration tests over real files no one here wrote (pydicom's test data, committed under
//! tests/data with its licence) and hostile fixtures that the tests build from them.

mod benign_controls;
mod carrier_fixtures;
mod carrier_matrix;
mod carrier_proofs;
mod carrier_table;
mod carriers;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
mod cli_errors;
#[cfg(feature = "cli")]
mod cli_writers;
mod consumers;
mod fixtures;
mod reader;
mod sanitize;
#[cfg(feature = "tree")]
mod tree;
mod validate;
mod walk_stops;
