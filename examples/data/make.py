#!/usr/bin/env python3
"""Builds the sample files of examples/data from pydicom's test files in tests/data/pydicom.

Deterministic, standard library only. Run from anywhere:

    python3 examples/data/make.py          # (re)write the samples
    python3 examples/data/make.py --check  # verify the committed samples, write nothing

pe_polyglot.dcm and dual_personality.dcm are byte for byte the `pe_polyglot()` and
`functional_tiff()` fixtures of tests/integration/fixtures.rs.
"""

import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYDICOM = HERE.parent.parent / "tests" / "data" / "pydicom"


def real(name):
    return bytearray((PYDICOM / name).read_bytes())


def pixel_data_offset(data):
    """Offset of the (7FE0,0010) Pixel Data header (explicit VR little endian)."""
    at = max(data.rfind(b"\xe0\x7f\x10\x00OW"), data.rfind(b"\xe0\x7f\x10\x00OB"))
    assert at > 0, "no pixel data"
    return at


def element(group, elem, vr, value):
    """An explicit VR little endian element."""
    if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
        return struct.pack("<HH2s2xI", group, elem, vr, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr, len(value)) + value


def with_preamble(data, preamble):
    assert len(preamble) <= 128
    data[:128] = preamble.ljust(128, b"\0")
    return data


def ct_with_private_payload(payload):
    """CT_small.dcm with a private creator (0099,0010) and a private OB element (0099,1000)
    holding `payload`, inserted before Pixel Data. Returns the file and the payload's offset."""
    data = real("CT_small.dcm")
    at = pixel_data_offset(data)
    if len(payload) % 2:
        payload += b"\0"
    inserted = element(0x0099, 0x0010, b"LO", b"DICOM-SANITIZE TEST ")
    value_offset = at + len(inserted) + 12
    inserted += element(0x0099, 0x1000, b"OB", payload)
    data[at:at] = inserted
    return data, value_offset


def pe_polyglot():
    """A DOS header fills the preamble; e_lfanew points at `PE\\0\\0` (machine x86-64, nothing
    else: no sections, no code) inside a private OB element. Inert, but detected as confirmed."""
    data, header = ct_with_private_payload(b"PE\0\0" + struct.pack("<H", 0x8664) + bytes(18))
    p = bytearray(128)
    p[0:4] = b"MZ" + struct.pack("<H", 0x90)
    p[0x3C:0x40] = struct.pack("<I", header)
    p[0x40 : 0x40 + 39] = b"This program cannot be run in DOS mode."
    return with_preamble(data, bytes(p))


def script_polyglot():
    """MR_small.dcm whose preamble is a harmless shell script: `sh script_polyglot.dcm` prints
    one line and exits before reaching the binary data."""
    script = b"#!/bin/sh\necho 'this DICOM file is also a shell script'\nexit 0\n"
    return with_preamble(real("MR_small.dcm"), script)


def dual_personality():
    """CT_small.dcm is a real DICOM-TIFF file whose TIFF IFD sits in (FFFC,FFFC) padding, with
    stale header and strip offsets (the image was downsized). Repairing them makes the TIFF
    functional: header in the preamble, IFD in the padding, strip = the Pixel Data value."""
    data = real("CT_small.dcm")
    pixel_value = pixel_data_offset(data) + 12
    ifd = data.rfind(b"\xfc\xff\xfc\xff") + 12

    def set_entry(entry, value):
        at = ifd + 2 + 12 * entry + 8
        data[at : at + 4] = struct.pack("<I", value)

    set_entry(1, 128)  # ImageWidth
    set_entry(2, 128)  # ImageLength
    set_entry(6, pixel_value)  # StripOffsets
    set_entry(8, 128)  # RowsPerStrip
    set_entry(9, 128 * 128 * 2)  # StripByteCounts
    data[4:8] = struct.pack("<I", ifd)
    return data


SAMPLES = {
    "pe_polyglot.dcm": pe_polyglot,
    "script_polyglot.dcm": script_polyglot,
    "dual_personality.dcm": dual_personality,
    "clean.dcm": lambda: real("rtplan.dcm"),
}


def main():
    check = sys.argv[1:] == ["--check"]
    stale = []
    for name, build in SAMPLES.items():
        data = bytes(build())
        path = HERE / name
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"{path.relative_to(HERE.parent.parent)}: {len(data)} bytes")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run examples/data/make.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
