//! Reading: inputs as borrowed views, from the first bytes to the header walk.
//!
//! Nothing here validates or rewrites. The modules build on each other in this order, each
//! importing only from the steps before its own (modules of one step may use each other;
//! `tests/layers.rs` checks it):
//!
//! 1. `cursor`: the one place that splits bytes, with checked offsets.
//! 2. `probe`: budgeted random reads (`&[u8]`, `Read + Seek`, positional file reads);
//!    `walk_source`: the sequential sources a walk reads from; `shared`: an input several
//!    threads read at once (a slice, a file read with positional reads).
//! 3. `header`, `encoding`, `dictionary`: element headers in every transfer syntax.
//! 4. `deflate`: the inflating source of a deflated data set.
//! 5. `signature`, `shell`, `executable`, `tiff`, `preamble`: detect, then confirm, what a
//!    preamble is (the shell module: what a POSIX shell runs of it); `carrier`: payload
//!    carriers anywhere in a file, confirmed the same way (the preamble's executables too).
//! 6. `meta`: the File Meta group.
//! 7. `layout`: how an input is laid out and where its data set starts; `inspection`: the
//!    borrowed views of a classified, inspected input.
//! 8. `walk`: the header walk over a data set.
//! 9. `inspector`: the configured reader and the one-call functions.

pub(crate) mod carrier;
pub(crate) mod cursor;
pub(crate) mod deflate;
pub(crate) mod dictionary;
pub(crate) mod encoding;
pub mod executable;
pub(crate) mod header;
pub(crate) mod inspection;
pub(crate) mod inspector;
pub(crate) mod layout;
pub mod meta;
pub(crate) mod preamble;
pub(crate) mod probe;
pub(crate) mod shared;
pub(crate) mod shell;
pub mod signature;
pub mod tiff;
pub mod walk;
pub(crate) mod walk_source;
