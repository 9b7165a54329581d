//! Inputs shared by more than one test binary.

/// A 200-byte Part 10 file (explicit VR little endian) whose only data set element,
/// (0009,1010) with VR `vr`, claims `len` bytes: the input dicom-rs 0.10.1 allocates `len`
/// bytes for.
pub fn tiny_with_length(vr: &[u8; 2], len: u32) -> Vec<u8> {
    let mut data = vec![0u8; 128];
    data.extend_from_slice(b"DICM");
    let ts = b"1.2.840.10008.1.2.1\0";
    data.extend_from_slice(b"\x02\x00\x00\x00UL\x04\x00");
    data.extend_from_slice(&(8 + ts.len() as u32).to_le_bytes());
    data.extend_from_slice(b"\x02\x00\x10\x00UI");
    data.extend_from_slice(&(ts.len() as u16).to_le_bytes());
    data.extend_from_slice(ts);
    data.extend_from_slice(b"\x09\x00\x10\x10");
    data.extend_from_slice(vr);
    data.extend_from_slice(&[0, 0]);
    data.extend_from_slice(&len.to_le_bytes());
    data.resize(200, 0xAB);
    data
}
