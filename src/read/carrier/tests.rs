//! Each carrier confirmed from a minimal structure its consumer accepts, and refused when one
//! field the consumer checks is off.

use std::ops::ControlFlow;

use super::*;

/// Confirms the carrier the anchor at `at` of `data` announces.
fn confirmed(data: &[u8], carrier: Carrier, at: u64) -> Option<Confirmation> {
    let mut source = data;
    let mut probe = Probe::new(&mut source, 1 << 20);
    confirm(carrier, at, &mut probe, 1024).unwrap()
}

/// Every confirmation a search of the whole of `data` makes.
fn found(data: &[u8]) -> Vec<(Carrier, u64)> {
    let mut source = data;
    let mut probe = Probe::new(&mut source, 1 << 20);
    let mut out = Vec::new();
    search(data, 0, data.len(), &mut probe, 1024, |c| {
        out.push((c.carrier, c.offset));
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

fn put(buf: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    if buf.len() < at + bytes.len() {
        buf.resize(at + bytes.len(), 0);
    }
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// A 64-bit little-endian ELF header for `machine` with one program header at 64.
pub(crate) fn elf(machine: u16, p_type: u32) -> Vec<u8> {
    let mut b = vec![0u8; 64 + 56 + 16];
    put(&mut b, 0, b"\x7FELF\x02\x01\x01");
    put(&mut b, 16, &2u16.to_le_bytes()); // ET_EXEC
    put(&mut b, 18, &machine.to_le_bytes());
    put(&mut b, 32, &64u64.to_le_bytes()); // e_phoff
    put(&mut b, 54, &56u16.to_le_bytes()); // e_phentsize
    put(&mut b, 56, &1u16.to_le_bytes()); // e_phnum
    put(&mut b, 64, &p_type.to_le_bytes());
    put(&mut b, 64 + 8, &0u64.to_le_bytes()); // p_offset
    put(&mut b, 64 + 32, &16u64.to_le_bytes()); // p_filesz
    b
}

#[test]
fn elf_by_the_linux_loader_rules() {
    assert!(confirmed(&elf(62, 1), Carrier::Elf, 0).is_some_and(|c| c.opens_the_file));
    // The loader does not look at EI_CLASS or EI_VERSION: neither do we.
    let mut odd = elf(62, 1);
    odd[4] = 0;
    odd[6] = 0;
    assert!(confirmed(&odd, Carrier::Elf, 0).is_some());
    // No PT_LOAD, an unknown machine, a wrong e_phentsize: not loadable.
    assert!(confirmed(&elf(62, 4), Carrier::Elf, 0).is_none());
    assert!(confirmed(&elf(0x1234, 1), Carrier::Elf, 0).is_none());
    let mut bad = elf(62, 1);
    bad[54] = 40;
    assert!(confirmed(&bad, Carrier::Elf, 0).is_none());
    // Inside other bytes, at an odd offset.
    let mut inside = vec![0xAAu8; 7];
    inside.extend_from_slice(&elf(183, 1));
    assert_eq!(found(&inside), [(Carrier::Elf, 7)]);
}

/// A PE: DOS header with `e_lfanew` = `lfanew`, and the PE header there.
pub(crate) fn pe(lfanew: u32, magic: u16) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    put(&mut b, 0, b"MZ");
    put(&mut b, 0x3C, &lfanew.to_le_bytes());
    let at = lfanew as usize;
    put(&mut b, at, b"PE\0\0");
    put(&mut b, at + 4, &0x8664u16.to_le_bytes());
    put(&mut b, at + 20, &0xF0u16.to_le_bytes());
    put(&mut b, at + 24, &magic.to_le_bytes());
    b
}

#[test]
fn pe_needs_its_header_at_e_lfanew() {
    assert!(confirmed(&pe(0x80, 0x20B), Carrier::Pe, 0).is_some());
    assert!(confirmed(&pe(0x80, 0x1234), Carrier::Pe, 0).is_none());
    // `MZ` alone, as pixel data holds it.
    let mut pixels = vec![0u8; 256];
    put(&mut pixels, 10, b"MZ");
    assert!(found(&pixels).is_empty());
    // `e_lfanew` leading far beyond the DOS header (into a later element).
    let far = pe(9000, 0x10B);
    let mut data = vec![1u8; 3];
    data.extend_from_slice(&far);
    assert_eq!(found(&data), [(Carrier::Pe, 3)]);
}

#[test]
fn macho_thin_and_fat() {
    let mut thin = vec![0u8; 32 + 72 + 8];
    put(&mut thin, 0, &[0xCF, 0xFA, 0xED, 0xFE]);
    put(&mut thin, 4, &0x0100_000Cu32.to_le_bytes()); // ARM64
    put(&mut thin, 12, &2u32.to_le_bytes()); // MH_EXECUTE
    put(&mut thin, 16, &1u32.to_le_bytes()); // ncmds
    put(&mut thin, 20, &72u32.to_le_bytes()); // sizeofcmds
    put(&mut thin, 32, &0x19u32.to_le_bytes()); // LC_SEGMENT_64
    put(&mut thin, 36, &72u32.to_le_bytes());
    put(&mut thin, 32 + 40, &0u64.to_le_bytes()); // fileoff
    put(&mut thin, 32 + 48, &8u64.to_le_bytes()); // filesize
    assert!(confirmed(&thin, Carrier::MachO, 0).is_some());
    let mut unknown_cpu = thin.clone();
    put(&mut unknown_cpu, 4, &99u32.to_le_bytes());
    assert!(confirmed(&unknown_cpu, Carrier::MachO, 0).is_none());

    let mut fat = vec![0u8; 64];
    put(&mut fat, 0, &[0xCA, 0xFE, 0xBA, 0xBE]);
    put(&mut fat, 4, &1u32.to_be_bytes());
    put(&mut fat, 8, &0x0100_000Cu32.to_be_bytes());
    put(&mut fat, 16, &64u32.to_be_bytes()); // offset
    put(&mut fat, 20, &(thin.len() as u32).to_be_bytes());
    fat.extend_from_slice(&thin);
    assert!(confirmed(&fat, Carrier::MachOFat, 0).is_some());
    // A Java class file shares the magic; its version is no slice count.
    let mut class = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52];
    class.resize(4096, 7);
    assert!(confirmed(&class, Carrier::MachOFat, 0).is_none());
}

/// A ZIP of one stored entry, its central directory and end record, after `prefix` bytes;
/// `recorded` is the directory offset the end record states.
fn zip(prefix: usize, recorded: u32) -> Vec<u8> {
    let mut b = vec![0x55u8; prefix];
    let local = b.len();
    put(&mut b, local, b"PK\x03\x04");
    b.resize(local + 30 + 1, 0);
    let directory = b.len();
    let mut central = vec![0u8; 46 + 1];
    central[..4].copy_from_slice(b"PK\x01\x02");
    central[28..30].copy_from_slice(&1u16.to_le_bytes()); // name length
    central[42..46].copy_from_slice(&0u32.to_le_bytes()); // local header offset
    central[46] = b'a';
    b.extend_from_slice(&central);
    let mut end = vec![0u8; 22];
    end[..4].copy_from_slice(b"PK\x05\x06");
    end[8..10].copy_from_slice(&1u16.to_le_bytes());
    end[10..12].copy_from_slice(&1u16.to_le_bytes());
    end[12..16].copy_from_slice(&(central.len() as u32).to_le_bytes());
    end[16..20].copy_from_slice(&recorded.to_le_bytes());
    let _ = directory;
    b.extend_from_slice(&end);
    b
}

#[test]
fn zip_directory_where_readers_find_it() {
    // Prepended bytes: the recorded offset is relative to the archive, the directory sits
    // right before the end record.
    let prepended = zip(1000, 31);
    let end = prepended.len() as u64 - 22;
    assert_eq!(found(&prepended), [(Carrier::Zip, end)]);
    assert!(
        confirmed(&prepended, Carrier::Zip, end)
            .unwrap()
            .opens_the_file
    );
    // Far from the end: still an archive, no longer one that opens the file.
    let mut buried = prepended.clone();
    buried.extend(std::iter::repeat_n(0u8, 70_000));
    let c = confirmed(&buried, Carrier::Zip, end).unwrap();
    assert!(!c.opens_the_file);
    // An end record naming no directory is not an archive.
    let mut lone = vec![0u8; 100];
    put(
        &mut lone,
        40,
        b"PK\x05\x06\0\0\0\0\x01\0\x01\0\x2E\0\0\0\0\0\0\0",
    );
    assert!(found(&lone).is_empty());
}

/// A tar header for a file named `name`, with a correct checksum unless `corrupt`.
pub(crate) fn tar(name: &str, corrupt: bool) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    put(&mut h, 0, name.as_bytes());
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 124, b"00000000000\0");
    put(&mut h, 156, b"0");
    put(&mut h, 257, b"ustar\x0000");
    put(&mut h, 148, b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let field = format!("{:06o}\0 ", sum + u32::from(corrupt));
    put(&mut h, 148, field.as_bytes());
    h
}

#[test]
fn tar_needs_its_checksum() {
    let mut data = vec![0u8; 1024];
    data.extend_from_slice(&tar("payload.sh", false));
    assert_eq!(found(&data), [(Carrier::Tar, 1024)]);
    assert!(
        confirmed(&data, Carrier::Tar, 1024 + 257)
            .unwrap()
            .opens_the_file
    );
    let mut bad = vec![0u8; 1024];
    bad.extend_from_slice(&tar("payload.sh", true));
    assert!(found(&bad).is_empty());
    // `ustar` in text is no header.
    assert!(found(b"a ustar in some text, padded with more text to 512 bytes").is_empty());
}

#[test]
fn iso9660_primary_volume_descriptor() {
    let mut image = vec![0u8; 32_768 + 2048];
    let d = 32_768;
    put(&mut image, d, b"\x01CD001\x01");
    put(&mut image, d + 80, &100u32.to_le_bytes());
    put(&mut image, d + 84, &100u32.to_be_bytes());
    put(&mut image, d + 128, &2048u16.to_le_bytes());
    put(&mut image, d + 130, &2048u16.to_be_bytes());
    let c = confirmed(&image, Carrier::Iso9660, d as u64 + 1).unwrap();
    assert_eq!(c.offset, 0);
    assert!(c.opens_the_file);
    // Fields that disagree between their two byte orders.
    put(&mut image, d + 84, &101u32.to_be_bytes());
    assert!(found(&image).is_empty());
}

#[test]
fn archives_with_checksummed_headers() {
    // 7-Zip: start-header CRC over the next 20 bytes.
    let mut seven = b"7z\xBC\xAF\x27\x1C\x00\x04".to_vec();
    let next = [5u8; 20];
    seven.extend_from_slice(&crc::crc32(&next).to_le_bytes());
    seven.extend_from_slice(&next);
    assert_eq!(found(&seven), [(Carrier::SevenZip, 0)]);
    seven[20] ^= 1;
    assert!(found(&seven).is_empty());

    // RAR 4: the main header's CRC-16.
    let mut rar = b"Rar!\x1A\x07\x00".to_vec();
    let main = [0x73u8, 0x00, 0x00, 0x0D, 0x00, 0, 0, 0, 0, 0, 0];
    let crc = (crc::crc32(&main) & 0xFFFF) as u16;
    rar.extend_from_slice(&crc.to_le_bytes());
    rar.extend_from_slice(&main);
    assert_eq!(found(&rar), [(Carrier::Rar, 0)]);
    rar[10] ^= 1;
    assert!(found(&rar).is_empty());

    // RAR 5: CRC-32 of size and header, type 1.
    let mut rar5 = b"Rar!\x1A\x07\x01\x00".to_vec();
    let header = [0x03u8, 0x01, 0x00, 0x00];
    rar5.extend_from_slice(&crc::crc32(&header).to_le_bytes());
    rar5.extend_from_slice(&header);
    assert_eq!(found(&rar5), [(Carrier::Rar, 0)]);

    // Cabinet and OLE headers.
    let mut cab = vec![0u8; 80];
    put(&mut cab, 0, b"MSCF");
    put(&mut cab, 8, &80u32.to_le_bytes());
    put(&mut cab, 16, &44u32.to_le_bytes());
    put(&mut cab, 24, &[3, 1, 1, 0, 1, 0]);
    assert_eq!(found(&cab), [(Carrier::Cab, 0)]);
    put(&mut cab, 8, &8000u32.to_le_bytes());
    assert!(found(&cab).is_empty());

    let mut ole = vec![0u8; 512];
    put(&mut ole, 0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    put(&mut ole, 24, &[0x3E, 0, 3, 0, 0xFE, 0xFF, 9, 0, 6, 0]);
    assert_eq!(found(&ole), [(Carrier::Cfb, 0)]);
}

#[cfg(feature = "deflate")]
#[test]
fn gzip_whose_stream_inflates() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"#!/bin/sh\necho hello\n").unwrap();
    let gz = encoder.finish().unwrap();
    let mut data = vec![0u8; 5];
    data.extend_from_slice(&gz);
    assert_eq!(found(&data), [(Carrier::Gzip, 5)]);
    // The same header over bytes that do not inflate.
    let mut broken = gz[..10].to_vec();
    broken.extend_from_slice(&[0xFF; 64]);
    assert!(found(&broken).is_empty());
    // A stored block inflates when its length's complement follows it, not otherwise.
    let mut stored = gz[..10].to_vec();
    stored.extend_from_slice(&[0x01, 5, 0, !5, 0xFF]);
    stored.extend_from_slice(b"hello");
    assert_eq!(found(&stored), [(Carrier::Gzip, 0)]);
    stored[13] = 0;
    assert!(found(&stored).is_empty());
}

#[test]
fn compressed_stream_headers() {
    let mut xz = b"\xFD7zXZ\x00\x00\x04".to_vec();
    xz.extend_from_slice(&crc::crc32(&[0, 4]).to_le_bytes());
    assert_eq!(found(&xz), [(Carrier::Xz, 0)]);
    xz[7] = 5;
    assert!(found(&xz).is_empty());

    // A zstd frame: single segment, 1-byte content size, a raw block of 5 bytes.
    let zstd = [
        0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05, 0x29, 0x00, 0x00, b'h', b'e',
    ];
    assert_eq!(found(&zstd), [(Carrier::Zstd, 0)]);
    let reserved = [0x28, 0xB5, 0x2F, 0xFD, 0x28, 0x05, 0x29, 0x00, 0x00];
    assert!(found(&reserved).is_empty());

    assert_eq!(found(b"BZh91AY&SY...."), [(Carrier::Bzip2, 0)]);
    assert!(found(b"BZh is not bzip2").is_empty());
}

#[test]
fn pdf_needs_its_structure() {
    let pdf = b"%PDF-1.7\n%\xE2\xE3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    let c = confirmed(pdf, Carrier::Pdf, 0).unwrap();
    assert!(c.opens_the_file);
    let mut deep = vec![b' '; 5000];
    deep.extend_from_slice(b"%PDF-1.4\ntrailer\n<<>>\n%%EOF\n");
    let c = confirmed(&deep, Carrier::Pdf, 5000).unwrap();
    assert!(!c.opens_the_file);
    // `%PDF-` in running text.
    assert!(found(b"Report exported as %PDF-1.4 by the workstation; no objects here.").is_empty());
    assert!(found(b"%PDF-x.y").is_empty());
}

#[test]
fn random_bytes_hold_no_confirmed_carrier() {
    // 4 MiB of a fixed pseudo-random sequence: anchors turn up, structures do not.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<u8> = (0..4 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    assert_eq!(found(&data), []);
}
