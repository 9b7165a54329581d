#!/usr/bin/env python3
"""Writes the end-to-end test's fixtures, built from pydicom's CT_small.dcm, into a folder.

  polyglot.dcm  CT_small.dcm whose preamble is a shell script (a DICOM/script polyglot).
  tiff.dcm      CT_small.dcm with its leftover TIFF structure repaired into a working
                dual-personality DICOM-TIFF file.
  forged.dcm    polyglot.dcm whose (0002,0003) SOP Instance UID ends in a newline and a fake
                log line: the plugin must escape it, not let it forge a line in Orthanc's log.
  pixels.dcm    CT_small.dcm with an x86-64 Linux executable (it exits with 42) inside its
                Pixel Data: only a deep search ("Deep": true) finds it.

Usage: fixtures.py CT_SMALL_DCM OUTPUT_DIR
"""

import struct
import sys
from pathlib import Path

PREAMBLE_LEN = 128
SCRIPT = b"#!/bin/sh\necho 'this DICOM file runs as a program'\n"

# CT_small.dcm carries a TIFF IFD in its (FFFC,FFFC) padding, value at 39080, with a stale
# header offset and stale strip entries. Entries are 12 bytes (tag u16, type u16, count u32,
# value u32) after a 2-byte count; each patch sets an entry's value.
IFD_OFFSET = 39080
IFD_PATCHES = {
    1: 128,  # ImageWidth
    2: 128,  # ImageLength
    6: 6300,  # StripOffsets: the Pixel Data value
    8: 128,  # RowsPerStrip
    9: 32768,  # StripByteCounts: 128 x 128 x 16 bits
}


def polyglot(ct_small: bytes) -> bytes:
    data = bytearray(ct_small)
    data[:PREAMBLE_LEN] = SCRIPT.ljust(PREAMBLE_LEN, b"\0")
    return bytes(data)


# (0002,0003) in explicit VR: tag, "UI", 2-byte length.
SOP_INSTANCE_UID_HEADER = b"\x02\x00\x03\x00UI"
FORGED_LINE = b"\nFORGED"


def forged(data: bytes) -> bytes:
    """Overwrites the end of the meta group's SOP Instance UID, keeping its length."""
    out = bytearray(data)
    header = out.find(SOP_INSTANCE_UID_HEADER)
    (length,) = struct.unpack_from("<H", out, header + 6)
    uid_end = header + 8 + len(out[header + 8 : header + 8 + length].rstrip(b"\0 "))
    out[uid_end - len(FORGED_LINE) : uid_end] = FORGED_LINE
    return bytes(out)


def functional_tiff(ct_small: bytes) -> bytes:
    data = bytearray(ct_small)
    if data[:4] != b"II*\0":
        sys.exit("CT_small.dcm does not start with a little-endian TIFF header")
    struct.pack_into("<I", data, 4, IFD_OFFSET)
    for entry, value in IFD_PATCHES.items():
        struct.pack_into("<I", data, IFD_OFFSET + 2 + 12 * entry + 8, value)
    return bytes(data)


# CT_small.dcm's Pixel Data value: 32,768 bytes at 6300.
PIXEL_DATA_OFFSET = 6300
EXIT_42 = bytes.fromhex("bf2a000000" "b83c000000" "0f05")  # mov edi, 42; mov eax, 60; syscall


def elf_exit_42() -> bytes:
    """An ELF header, one PT_LOAD program header mapping the whole image, then the code."""
    base = 0x400000
    size = 120 + len(EXIT_42)
    header = b"\x7fELF\x02\x01\x01" + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, base + 120, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    program = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return header + program + EXIT_42


def in_pixels(ct_small: bytes) -> bytes:
    data = bytearray(ct_small)
    at = PIXEL_DATA_OFFSET + 1000
    elf = elf_exit_42()
    data[at : at + len(elf)] = elf
    return bytes(data)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ct_small = Path(sys.argv[1]).read_bytes()
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    (out / "polyglot.dcm").write_bytes(polyglot(ct_small))
    (out / "tiff.dcm").write_bytes(functional_tiff(ct_small))
    (out / "forged.dcm").write_bytes(forged(polyglot(ct_small)))
    (out / "pixels.dcm").write_bytes(in_pixels(ct_small))


if __name__ == "__main__":
    main()
