//! Payload carriers as an attacker builds them, one builder per carrier the search confirms,
//! each meeting exactly the rules its consumer (and our confirmation) checks: the carrier
//! matrix hides every one of them everywhere a value can be.

/// CRC-32 (IEEE), as zlib computes it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// The shell script the archives and streams carry.
pub const SCRIPT: &[u8] = b"#!/bin/sh\nid\n";

/// A thin Mach-O image of one segment mapping the whole image: 64-bit or 32-bit, big or
/// little endian, as dyld's checks read it (known CPU, `MH_EXECUTE`, load commands inside the
/// file, a segment with bytes inside the file).
pub fn macho(wide: bool, big: bool) -> Vec<u8> {
    let u32b = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u64b = |v: u64| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let (magic, cpu, header_len, command_len): (u32, u32, usize, usize) = match (wide, big) {
        (true, false) => (0xFEED_FACF, 0x0100_0007, 32, 72), // x86-64
        (true, true) => (0xFEED_FACF, 0x0100_0012, 32, 72),  // PowerPC64
        (false, false) => (0xFEED_FACE, 7, 28, 56),          // i386
        (false, true) => (0xFEED_FACE, 18, 28, 56),          // PowerPC
    };
    let len = header_len + command_len + 16;
    let mut p = Vec::with_capacity(len);
    p.extend(u32b(magic));
    p.extend(u32b(cpu));
    p.extend(u32b(3)); // CPU subtype
    p.extend(u32b(2)); // MH_EXECUTE
    p.extend(u32b(1)); // ncmds
    p.extend(u32b(command_len as u32)); // sizeofcmds
    p.extend(u32b(0)); // flags
    if wide {
        p.extend(u32b(0)); // reserved
    }
    let mut name = [0u8; 16];
    name[..6].copy_from_slice(b"__TEXT");
    if wide {
        p.extend(u32b(0x19)); // LC_SEGMENT_64
        p.extend(u32b(command_len as u32));
        p.extend(name);
        p.extend(u64b(0x1000)); // vmaddr
        p.extend(u64b(0x1000)); // vmsize
        p.extend(u64b(0)); // fileoff
        p.extend(u64b(len as u64)); // filesize
    } else {
        p.extend(u32b(0x1)); // LC_SEGMENT
        p.extend(u32b(command_len as u32));
        p.extend(name);
        p.extend(u32b(0x1000)); // vmaddr
        p.extend(u32b(0x1000)); // vmsize
        p.extend(u32b(0)); // fileoff
        p.extend(u32b(len as u32)); // filesize
    }
    p.extend(u32b(5)); // maxprot
    p.extend(u32b(5)); // initprot
    p.extend(u32b(0)); // nsects
    p.extend(u32b(0)); // flags
    p.resize(len, 0x90);
    p
}

/// A universal binary of one x86-64 slice at 4096 (alignment 2^12), as `lipo` lays it out.
pub fn macho_fat() -> Vec<u8> {
    let thin = macho(true, false);
    let mut p = Vec::new();
    p.extend(0xCAFE_BABEu32.to_be_bytes());
    p.extend(1u32.to_be_bytes()); // nfat_arch
    p.extend(0x0100_0007u32.to_be_bytes()); // cputype
    p.extend(3u32.to_be_bytes()); // cpusubtype
    p.extend(4096u32.to_be_bytes()); // offset
    p.extend((thin.len() as u32).to_be_bytes()); // size
    p.extend(12u32.to_be_bytes()); // align
    p.resize(4096, 0);
    p.extend(thin);
    p
}

/// An ISO 9660 image: 16 system sectors, a primary volume descriptor (both-endian volume
/// size and block size that agree) and the set terminator. 34,816 bytes.
pub fn iso9660() -> Vec<u8> {
    let mut image = vec![0u8; 32_768];
    let mut pvd = vec![0u8; 2048];
    pvd[..7].copy_from_slice(b"\x01CD001\x01");
    pvd[8..40].fill(b' ');
    pvd[40..40 + 7].copy_from_slice(b"PAYLOAD");
    pvd[47..72].fill(b' ');
    let blocks = 18u32;
    pvd[80..84].copy_from_slice(&blocks.to_le_bytes());
    pvd[84..88].copy_from_slice(&blocks.to_be_bytes());
    pvd[120..122].copy_from_slice(&1u16.to_le_bytes()); // volume set size
    pvd[122..124].copy_from_slice(&1u16.to_be_bytes());
    pvd[124..126].copy_from_slice(&1u16.to_le_bytes()); // volume sequence number
    pvd[126..128].copy_from_slice(&1u16.to_be_bytes());
    pvd[128..130].copy_from_slice(&2048u16.to_le_bytes()); // logical block size
    pvd[130..132].copy_from_slice(&2048u16.to_be_bytes());
    pvd[881] = 1; // file structure version
    image.extend(pvd);
    let mut terminator = vec![0u8; 2048];
    terminator[..7].copy_from_slice(b"\xFFCD001\x01");
    image.extend(terminator);
    image
}

/// An empty 7-Zip archive: the signature header, its start-header CRC over the next
/// header's offset, size and CRC, and a next header of `kHeader`, `kEnd`.
pub fn seven_zip() -> Vec<u8> {
    let next = [0x01u8, 0x00];
    let mut start = Vec::new();
    start.extend(0u64.to_le_bytes()); // next header offset (after the 32 bytes)
    start.extend((next.len() as u64).to_le_bytes());
    start.extend(crc32(&next).to_le_bytes());
    let mut p = b"7z\xBC\xAF\x27\x1C\x00\x04".to_vec();
    p.extend(crc32(&start).to_le_bytes());
    p.extend(start);
    p.extend(next);
    p
}

/// A RAR 5 archive of no files: the marker, the main archive header and the end of archive
/// header, each with its CRC-32.
pub fn rar5() -> Vec<u8> {
    let mut p = b"Rar!\x1A\x07\x01\x00".to_vec();
    for header in [[0x03u8, 0x01, 0x00, 0x00], [0x03, 0x05, 0x00, 0x00]] {
        p.extend(crc32(&header).to_le_bytes());
        p.extend(header);
    }
    p
}

/// A RAR 4 archive of no files: the marker, the main header (type 0x73) and the end of
/// archive header (0x7B), each with its CRC-16 (the low half of a CRC-32).
pub fn rar4() -> Vec<u8> {
    let mut p = b"Rar!\x1A\x07\x00".to_vec();
    let main = [0x73u8, 0x00, 0x00, 0x0D, 0x00, 0, 0, 0, 0, 0, 0];
    let end = [0x7Bu8, 0x00, 0x40, 0x07, 0x00];
    for header in [&main[..], &end[..]] {
        p.extend(((crc32(header) & 0xFFFF) as u16).to_le_bytes());
        p.extend_from_slice(header);
    }
    p
}

/// A cabinet of one stored file, `run.sh`: header, one folder, one file entry, one data block.
pub fn cab() -> Vec<u8> {
    let name = b"run.sh\0";
    let header_len = 36u32;
    let folder_len = 8u32;
    let file_len = 16 + name.len() as u32;
    let data_at = header_len + folder_len + file_len;
    let total = data_at + 8 + SCRIPT.len() as u32;
    let mut p = b"MSCF".to_vec();
    p.extend(0u32.to_le_bytes()); // reserved
    p.extend(total.to_le_bytes()); // cabinet size
    p.extend(0u32.to_le_bytes()); // reserved
    p.extend((header_len + folder_len).to_le_bytes()); // first file entry
    p.extend(0u32.to_le_bytes()); // reserved
    p.extend([3, 1]); // version 1.3
    p.extend(1u16.to_le_bytes()); // folders
    p.extend(1u16.to_le_bytes()); // files
    p.extend(0u16.to_le_bytes()); // flags
    p.extend(0x1234u16.to_le_bytes()); // set id
    p.extend(0u16.to_le_bytes()); // cabinet number
                                  // The folder: its data block, one of them, stored.
    p.extend(data_at.to_le_bytes());
    p.extend(1u16.to_le_bytes());
    p.extend(0u16.to_le_bytes()); // no compression
                                  // The file.
    p.extend((SCRIPT.len() as u32).to_le_bytes());
    p.extend(0u32.to_le_bytes()); // offset in the folder
    p.extend(0u16.to_le_bytes()); // folder
    p.extend(0x5A21u16.to_le_bytes()); // date
    p.extend(0u16.to_le_bytes()); // time
    p.extend(0x20u16.to_le_bytes()); // archive attribute
    p.extend_from_slice(name);
    // The data block, without a checksum (0: not checked).
    p.extend(0u32.to_le_bytes());
    p.extend((SCRIPT.len() as u16).to_le_bytes());
    p.extend((SCRIPT.len() as u16).to_le_bytes());
    p.extend_from_slice(SCRIPT);
    assert_eq!(p.len(), total as usize);
    p
}

/// An OLE compound file (version 3, 512-byte sectors) of one stream-less root storage: the
/// header, one FAT sector and one directory sector.
pub fn cfb() -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    h[24..26].copy_from_slice(&0x3Eu16.to_le_bytes()); // minor version
    h[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version
    h[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // byte order
    h[30..32].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    h[32..34].copy_from_slice(&6u16.to_le_bytes()); // 64-byte mini sectors
    h[44..48].copy_from_slice(&1u32.to_le_bytes()); // FAT sectors
    h[48..52].copy_from_slice(&1u32.to_le_bytes()); // first directory sector
    h[56..60].copy_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
    h[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no mini FAT
    h[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no DIFAT sectors
    for slot in h[76..512].chunks_mut(4) {
        slot.copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    h[76..80].copy_from_slice(&0u32.to_le_bytes()); // the FAT is sector 0
    let mut fat = vec![0xFFu8; 512];
    fat[..4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes()); // FAT sector
    fat[4..8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // end of the directory chain
    let mut dir = vec![0u8; 512];
    for (i, c) in "Root Entry".encode_utf16().enumerate() {
        dir[2 * i..2 * i + 2].copy_from_slice(&c.to_le_bytes());
    }
    dir[64..66].copy_from_slice(&22u16.to_le_bytes()); // name length, with its NUL
    dir[66] = 5; // root storage
    dir[67] = 1; // black
    for at in [68, 72, 76] {
        dir[at..at + 4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes()); // no siblings, child
    }
    dir[116..120].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no mini stream
    for entry in dir[128..].chunks_mut(128) {
        for at in [68, 72, 76] {
            entry[at..at + 4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        }
    }
    [h, fat, dir].concat()
}

/// `#!/bin/sh\nid\n` as `xz --check=crc32 -9` (XZ Utils 5.4.1) writes it.
pub const XZ: &[u8] = &[
    0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36, 0x02, 0x00, 0x21, 0x01,
    0x1c, 0x00, 0x00, 0x00, 0x10, 0xcf, 0x58, 0xcc, 0x01, 0x00, 0x0c, 0x23, 0x21, 0x2f, 0x62, 0x69,
    0x6e, 0x2f, 0x73, 0x68, 0x0a, 0x69, 0x64, 0x0a, 0x00, 0x00, 0x00, 0x00, 0xe4, 0x81, 0x7d, 0xa3,
    0x00, 0x01, 0x21, 0x0d, 0x75, 0xdc, 0xa8, 0xd2, 0x90, 0x42, 0x99, 0x0d, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x59, 0x5a,
];

/// `#!/bin/sh\nid\n` as `bzip2 -9` (1.0.8) writes it.
pub const BZIP2: &[u8] = &[
    0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x81, 0x68, 0x0d, 0x60, 0x00, 0x00,
    0x01, 0xd1, 0x80, 0x00, 0x10, 0x28, 0x00, 0x94, 0x61, 0x08, 0x00, 0x20, 0x00, 0x22, 0x06, 0x23,
    0x41, 0x00, 0x30, 0x58, 0x41, 0x78, 0xf9, 0x70, 0x3e, 0x2e, 0xe4, 0x8a, 0x70, 0xa1, 0x21, 0x02,
    0xd0, 0x1a, 0xc0,
];

/// `bytes` as one Zstandard frame of one raw block: a single-segment frame header with its
/// content size, the last block's header, the bytes, then the content checksum's place left
/// out (no checksum flag). The reference decoder (`zstd -d`) accepts it.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    assert!(bytes.len() < 256);
    let mut p = vec![0x28, 0xB5, 0x2F, 0xFD];
    p.push(0x20); // single segment, 1-byte content size, no checksum, no dictionary
    p.push(bytes.len() as u8);
    let block = ((bytes.len() as u32) << 3) | 1; // raw, last
    p.extend_from_slice(&block.to_le_bytes()[..3]);
    p.extend_from_slice(bytes);
    p
}

/// A one-page PDF with its cross-reference table, trailer and `%%EOF`, as a reader (and
/// `python3`'s simplest parse of it) expects; offsets count from `%PDF-`.
pub fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        "<< /S /JavaScript /JS (app.alert\\('owned'\\)) >>",
    ];
    let mut p = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(p.len());
        p.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = p.len();
    p.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        p.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    p.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    p
}
