//! Trees of files (feature `tree`): walking folders in a stable order, and validating every
//! file of a walk in parallel with the reports in walk order. The command line's `scan` and
//! `fix`, and the Python package's `scan_tree`, are built on these.
//!
//! Above `rewrite` (whose temporary files a walk recognises and leaves
//! out), never named by it:
//!
//! - `walk`: [`Walker`], the order and the safety rules of a walk (symbolic links, special
//!   files, temporary files, sizes), giving [`Entry`]s; [`open_nonblocking`], how a walked
//!   file is opened.
//! - `in_order`: [`InOrder`], any work over many items in parallel, results in order.
//! - `scan`: [`TreeScan`], the validation of every file of a walk, giving [`Scanned`].
//!
//! ```
//! use dicom_sanitize::tree::{Scanned, TreeScan, Walker};
//!
//! let entries = Walker::new().entries(["tests/data/pydicom", "examples/data"]);
//! let scan = TreeScan::new(entries, Default::default(), 4)?;
//! let threats = scan
//!     .filter(|s| matches!(s, Scanned::Report { report, .. } if report.is_threat()))
//!     .count();
//! assert_eq!(threats, 2); // the two polyglots of examples/data
//! # Ok::<(), std::io::Error>(())
//! ```

mod in_order;
mod scan;
mod walk;

pub use in_order::{InOrder, BATCH};
pub use scan::{ScanError, Scanned, TreeScan};
pub use walk::{open_nonblocking, Entries, Entry, Skip, Walker};
