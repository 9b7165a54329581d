//! The walk's command-line options, turned into the library's [`Walker`] (which keeps the
//! order and the safety rules: links not followed unless asked, special files never opened,
//! temporary files left alone).

use std::fs::File;
use std::io;
use std::path::Path;

use dicom_sanitize::tree::{open_nonblocking, Skip, Walker};
use globset::{Glob, GlobSetBuilder};

/// How to walk the inputs.
#[derive(Debug, Clone, clap::Args)]
pub struct WalkArgs {
    /// Follow symbolic links (loops are detected and skipped).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files and folders whose name or path matches GLOB (repeatable), e.g. '*.jpg'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes K, M, G: powers of 1024).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_size: Option<u64>,
}

impl WalkArgs {
    /// The library's walk with these options.
    pub fn walker(&self) -> Result<Walker, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &self.exclude {
            builder.add(Glob::new(pattern).map_err(|e| format!("--exclude {pattern}: {e}"))?);
        }
        let exclude = builder.build().map_err(|e| e.to_string())?;
        let mut walker = Walker::new()
            .follow_symlinks(self.follow_symlinks)
            .max_size(self.max_size);
        if !exclude.is_empty() {
            walker = walker.exclude(move |path| {
                exclude.is_match(path) || path.file_name().is_some_and(|n| exclude.is_match(n))
            });
        }
        Ok(walker)
    }
}

/// Why a path was skipped, in the words of the command line (naming its options).
pub fn reason(skip: &Skip) -> String {
    match skip {
        Skip::Symlink => "symbolic link (use --follow-symlinks)".to_owned(),
        Skip::TooLarge { len } => format!("larger than --max-size ({len} bytes)"),
        other => other.to_string(),
    }
}

/// Opens a file for reading (and writing), refusing anything but a regular file, never
/// blocking.
pub fn open_regular(path: &Path, write: bool) -> io::Result<File> {
    let file = open_nonblocking(path, write)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Parses `1048576`, `512K`, `100M`, `2G`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'K' | 'k')) => (&text[..at], 10),
        Some((at, 'M' | 'm')) => (&text[..at], 20),
        Some((at, 'G' | 'g')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let value: u64 = digits.parse().map_err(|_| format!("not a size: {text}"))?;
    value
        .checked_shl(shift)
        .filter(|v| v >> shift == value)
        .ok_or_else(|| format!("too large: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("100m"), Ok(100 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }
}
