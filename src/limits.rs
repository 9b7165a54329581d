//! Resource limits applied while reading hostile input.

/// Bounds on the work done for one input.
///
/// Every length, count and offset in a DICOM or TIFF file is attacker-controlled. These limits
/// keep the time and memory spent on one input proportional to its size, whatever its fields
/// claim. The defaults are far above anything a real producer writes; [`Limits::unlimited`]
/// lifts them for trusted input.
///
/// ```
/// use dicom_sanitize::Limits;
///
/// let mut limits = Limits::default();
/// limits.max_meta_length = 4096;
/// assert!(limits.max_meta_length < Limits::unlimited().max_meta_length);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct Limits {
    /// Largest File Meta group accepted, in bytes. Default 1 MiB.
    pub max_meta_length: u64,
    /// Bytes that confirming a preamble's structure (TIFF IFD chain, PE, ELF or Mach-O
    /// headers) may read beyond the first 132; and, apart, bytes that confirming the payload
    /// candidates found anywhere in the file may read with I/O in all (reads from memory are
    /// free; reaching it is a `value.search-limit` finding), and the most one such
    /// confirmation reads (when below 128 KiB). Default 16 MiB.
    pub max_probe_bytes: u64,
    /// Longest TIFF IFD chain followed. Default 1024.
    pub max_tiff_ifds: u32,
    /// Most entries accepted in one TIFF IFD. Default 4096.
    pub max_tiff_entries: u32,
    /// Most values accepted in one TIFF strip or tile offset array. Default 4,194,304.
    pub max_tiff_values: u64,
    /// Most ELF program headers or Mach-O load commands examined. Default 1024.
    pub max_executable_headers: u32,
    /// Deepest nesting of sequences (and encapsulated pixel data) walked. Default 128: real
    /// structured reports nest about ten deep.
    pub max_depth: u32,
    /// Largest deflated data set inflated, in bytes. Default 1 GiB.
    pub max_inflated_len: u64,
    /// Bytes of (FFFC,FFFC) padding and (0002,0102) private information looked at for payload
    /// signatures and non-zero bytes (the search for confirmed payloads reads every value
    /// whole, these included). Default 16 MiB.
    pub max_scan_len: u64,
}

impl Limits {
    /// No practical limit: for input from a trusted source only.
    pub const fn unlimited() -> Self {
        Limits {
            max_meta_length: u64::MAX,
            max_probe_bytes: u64::MAX,
            max_tiff_ifds: u32::MAX,
            max_tiff_entries: u32::MAX,
            max_tiff_values: u64::MAX,
            max_executable_headers: u32::MAX,
            max_depth: u32::MAX,
            max_inflated_len: u64::MAX,
            max_scan_len: u64::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_meta_length: 1 << 20,
            max_probe_bytes: 16 << 20,
            max_tiff_ifds: 1024,
            max_tiff_entries: 4096,
            max_tiff_values: 1 << 22,
            max_executable_headers: 1024,
            max_depth: 128,
            max_inflated_len: 1 << 30,
            max_scan_len: 16 << 20,
        }
    }
}
