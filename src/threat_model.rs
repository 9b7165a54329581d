//! What this crate defends against, what it guarantees, and what it leaves to you.
//!
//! This module holds no code: it is the threat model a security review starts from.
//!
//! # The attack
//!
//! A DICOM Part 10 file starts with a 128-byte preamble that PS3.10 §7.1 lets hold anything,
//! then `DICM` and the File Meta group. CVE-2019-11687 puts an executable header there (PE,
//! ELF or Mach-O) and the program's code in an element value: the file is a valid image to
//! every DICOM reader and a runnable program to the operating system, and because it is
//! patient data, antivirus exclusions and retention rules protect it. The same trick works
//! with shell scripts (no `#!` needed: dash, `sh` on Debian and Ubuntu, runs every line of any
//! file, after NUL padding or control bytes; bash every line unless a NUL stands in its first
//! line), PDF, HTML (also after a UTF-8 byte order mark or in UTF-16), ZIP and Windows shortcut
//! headers, and with archives or executables appended after the data set or hidden in opaque
//! values. DIMSE transfers never carry the preamble: the exposure is media,
//! e-mail, file shares and DICOMweb uploads.
//!
//! # What the crate does
//!
//! * **Classifies the preamble** ([`PreambleKind`](crate::PreambleKind)) by what its consumers
//!   run, and confirms executables by following their own structure (PE `e_lfanew`, ELF
//!   program headers, Mach-O load commands) within the file, naming the element that holds the
//!   payload. ELF is confirmed by the Linux loader's rules, not the specification's: the
//!   machine decides the class and byte order, and an `EI_CLASS` or `EI_VERSION` of 0, which
//!   `binfmt_elf` never reads, still runs. A script is text a shell runs: `#!`, a first line of
//!   text, or any line that reads as a command (a lowercase command word or a path, or a
//!   command substitution); printable text with no such line, a vendor banner, is plain text.
//! * **Allows TIFF strictly**: one of the four TIFF/BigTIFF header forms, every other preamble
//!   byte zero, and (for *functional*) an IFD chain inside the file, bounded and acyclic, whose
//!   strips or tiles lie inside the file. A TIFF magic followed by anything else is never TIFF.
//! * **Looks beyond the preamble** ([`validate`](crate::validate())): every element value of
//!   the meta group and the data set, whatever its VR and at any sequence depth ((0002,0102)
//!   and (FFFC,FFFC) included), is searched whole for executables (ELF, PE, Mach-O), archives
//!   (ZIP, tar, 7z, RAR, CAB, OLE), ISO 9660 disc images, compressed streams (gzip, xz, zstd,
//!   bzip2) and PDF documents, each confirmed by the checks of the program that acts on it: a
//!   magic number without that structure is not a finding. Pixel Data and its fragments are
//!   searched too when the scan is deep ([`Validator::deep_scan`](crate::Validator::deep_scan),
//!   [`PolicyBuilder::deep_scan`](crate::PolicyBuilder::deep_scan), a policy file's
//!   `deep = true`, `--deep`), so that every byte of the file is examined once; reports say
//!   which (`deep`). The bytes no element holds are searched the same way: after the last
//!   element, after a deflate stream, and after the point where the walk of a malformed file
//!   stops. Also: a ZIP directory in the last 65,557 bytes, `%PDF-` in the first KiB (a
//!   threat when a PDF's structure follows it, info for a bare marker), and the structural
//!   red flags real producers do not emit. Every finding has a stable code, a severity and a
//!   byte offset ([`FindingCode`](crate::FindingCode)).
//! * **Sanitizes without re-encoding** ([`Policy`](crate::Policy)): the output is a new
//!   preamble (or none) followed by the input's own bytes, so nothing a DICOM reader sees
//!   changes, and a signature or hash over the data set stays valid.
//!
//! # Guarantees
//!
//! * **No panic, no hang, no allocation a length field asks for**, on any input. Every length,
//!   count and offset is checked against the input's real size and the [`Limits`](crate::Limits);
//!   nesting is walked iteratively; reading a TIFF IFD chain or an executable header is bounded
//!   by a byte budget. Tests with a counting allocator keep peak allocation within a small
//!   multiple of the input's size for hostile lengths, IFD cycles and a million nested items;
//!   fuzz targets (`fuzz/`) check the same invariants the crate's `fuzzing` feature exports.
//! * **Bit-identical data sets**: with every policy but `Strip` the output differs from the
//!   input in bytes 0..128 only (trailing bytes are kept unless a policy truncates them);
//!   `Strip` outputs exactly `input[132..]`.
//! * **Nothing lost on failure**: [`Policy::sanitize_file`](crate::Policy::sanitize_file)
//!   replaces a file atomically (temporary file, fsync, rename, folder fsync); a failure leaves
//!   the original as it was. In-place rewrites write the 128 preamble bytes and nothing else.
//! * **No unsafe code** in the library (`#![forbid(unsafe_code)]`); the C ABI lives in its own
//!   crate (`ffi/`).
//!
//! # Deliberate limits
//!
//! * **Not a virus scanner.** The crate finds *carriers*: programs, archives and documents
//!   that the software acting on them would run or open. It does not judge whether a program
//!   is malicious. No mode sees a payload that is encrypted or encoded in a form only its own
//!   software decodes (XOR, a custom cipher, bits spread over pixel values): such bytes neither
//!   run nor open as they are, and need a second program, already on the machine, to extract
//!   them.
//! * **Pixel Data is skipped by default.** It holds most of a file's bytes, so the default
//!   search seeks past it; a deep scan reads it too.
//! * **Sanitizing removes the preamble carrier only.** A zeroed preamble no longer makes the
//!   operating system run the file; a payload left in an element value is inert but still
//!   there. Use [`PolicyBuilder::reject_findings_at`](crate::PolicyBuilder::reject_findings_at) to refuse such files instead of storing them.
//! * **Streaming decides early.** [`SanitizingReader`](crate::SanitizingReader) decides from
//!   the first 256 bytes (up to its look-ahead for a TIFF header), so it can say
//!   *unconfirmed* where a full validation says *confirmed*; the action is the same. Policies
//!   that need the whole file (trailing data, rejecting findings) refuse to stream.
//! * **Deflated data sets** are searched in their inflated bytes, but a stream cannot be read
//!   at random: a confirmation there sees only the 64 KiB chunk at hand, so a PE whose header
//!   pointer leads outside it stays unconfirmed.
//! * **Structure, not semantics.** The walk checks element headers, not IOD conformance, value
//!   multiplicities or character sets.
//!
//! # Where to put it
//!
//! * **Uploads** (DICOMweb STOW-RS, web forms, e-mail gateways): sanitize the stream as it
//!   arrives and refuse what the policy rejects, before storing anything
//!   ([`SanitizingReader::decide`](crate::SanitizingReader::decide)).
//! * **Archives and shares**: `dicom-sanitize scan` to find polyglots (every byte but Pixel
//!   Data; all of them with `--deep`), `fix --in-place` to clear them.
//! * **Other languages**: the C ABI (`ffi/`) and the Orthanc plugin (`orthanc/`).
//!
//! # Handing files to a general DICOM toolkit
//!
//! dicom-rs 0.10.1, measured on hostile input: `Length::defined(0xFFFFFFFF)` panics and
//! `Length` arithmetic is unchecked; `open_file` allocates up to 4 GiB for a 200-byte file with
//! a huge length and overflows its stack at 10,000 nested sequences. Validate untrusted bytes
//! with this crate first, and hand a toolkit only files whose report has no structural
//! findings.
