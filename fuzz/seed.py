#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds: pydicom's test files (tests/data/pydicom) and
hostile variants built from them (executable, script, PDF, ZIP and TIFF preambles, huge and
undefined lengths, deep nesting, appended archives, truncations, stripped and raw layouts).

Run from anywhere: python3 fuzz/seed.py   (the corpus is not committed: see .gitignore)
"""

import os
import struct
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
DATA = os.path.join(ROOT, "tests", "data", "pydicom")
REGRESSIONS = os.path.join(ROOT, "tests", "fuzz_regressions")
TARGETS = ["inspect", "walk", "validate", "deep", "sanitize", "sinks", "oracle", "policy"]
# The policy target reads a PolicySpec and three chunk sizes (12 bytes with every field at
# its first choice) before the input: seed it with a few spec prefixes.
POLICY_PREFIXES = [bytes(12), b"\x01" + bytes(11), bytes([0x55] * 12), bytes([0xFF] * 40)]


def element(group, elem, vr, value):
    """An explicit VR little endian element."""
    head = struct.pack("<HH", group, elem) + vr
    if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
        return head + b"\0\0" + struct.pack("<I", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def with_preamble(data, preamble):
    return preamble + bytes(128 - len(preamble)) + data[128:]


def pixel_data_offset(data):
    for marker in (b"\xe0\x7f\x10\x00OW", b"\xe0\x7f\x10\x00OB"):
        at = data.rfind(marker)
        if at >= 0:
            return at
    return len(data)


def tiny(vr, length):
    """A 200-byte Part 10 file whose only data set element claims `length` bytes."""
    ts = b"1.2.840.10008.1.2.1\0"
    meta = element(2, 0x10, b"UI", ts)
    out = bytes(128) + b"DICM" + element(2, 0, b"UL", struct.pack("<I", len(meta))) + meta
    out += struct.pack("<HH", 9, 0x1010) + vr + b"\0\0" + struct.pack("<I", length)
    return out + b"\xab" * (200 - len(out))


def hostile(ct, mr):
    """Hostile variants, by name."""
    pe = bytearray(128)
    pe[:2] = b"MZ"
    pe[0x3C:0x40] = struct.pack("<I", 0x80)
    elf = b"\x7fELF\x02\x01\x01\0" + bytes(8) + struct.pack("<HHI", 2, 0x3E, 1)
    at = pixel_data_offset(ct)
    nested = (b"\x99\x00\x01\x10SQ\0\0\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff") * 40
    closes = (b"\xfe\xff\x0d\xe0\0\0\0\0" + b"\xfe\xff\xdd\xe0\0\0\0\0") * 40
    private = element(0x99, 0x10, b"LO", b"DICOM-SANITIZE TEST ")
    payload = element(0x99, 0x1000, b"OB", elf + bytes(64 - len(elf)))
    padding = element(0xFFFC, 0xFFFC, b"OB", b"#!/bin/sh\necho hi\n" + bytes(14))
    tiff_ifd = len(mr) - 64
    # A loadable ELF header 1,000 bytes into Pixel Data (found by a deep scan only), and a
    # gzip header there: seeds for the deep target's comparison of the two modes.
    loadable = bytearray(136)
    loadable[:7] = b"\x7fELF\x02\x01\x01"
    loadable[16:20] = struct.pack("<HH", 2, 0x3E)
    loadable[32:40] = struct.pack("<Q", 64)
    loadable[54:58] = struct.pack("<HH", 56, 1)
    loadable[64:68] = struct.pack("<I", 1)
    loadable[96:104] = struct.pack("<Q", 16)
    in_pixels = at + 12 + 1000
    elf_in_pixels = ct[:in_pixels] + bytes(loadable) + ct[in_pixels + len(loadable):]
    gzip_in_pixels = ct[:in_pixels] + b"\x1f\x8b\x08\0\0\0\0\0\0\x03" + ct[in_pixels + 10:]
    variants = {
        "pe": with_preamble(mr, bytes(pe)),
        "elf": with_preamble(mr, elf),
        "macho": with_preamble(mr, b"\xcf\xfa\xed\xfe\x07\0\0\x01"),
        "script": with_preamble(mr, b"#!/bin/sh\nexec sh -c 'echo hi'\n"),
        "script-no-shebang": with_preamble(mr, b"echo hi\n"),
        "pdf": with_preamble(mr, b"%PDF-1.7\n"),
        "html": with_preamble(mr, b"<html><script>alert(1)</script>"),
        "zip": with_preamble(mr, b"PK\x03\x04\x14\0\0\0"),
        "text": with_preamble(mr, b"hello, world"),
        "tiff-functional": with_preamble(mr, b"II*\0" + struct.pack("<I", tiff_ifd)),
        "tiff-masquerade": with_preamble(mr, b"II*\0\x08\0\0\0MZ"),
        "bigtiff": with_preamble(ct, b"II+\0\x08\0\0\0" + struct.pack("<Q", len(ct) - 126)),
        "tiff-be": with_preamble(ct, b"MM\0*" + struct.pack(">I", len(ct) - 126)),
        "meta-length-max": mr[:140] + b"\xff\xff\xff\xff" + mr[144:],
        "meta-element-max": mr[:152] + b"\xff\xff\xff\xff" + mr[156:],
        "ob-0xfffffff0": tiny(b"OB", 0xFFFFFFF0),
        "sq-0xfffffff0": tiny(b"SQ", 0xFFFFFFF0),
        "un-undefined": tiny(b"UN", 0xFFFFFFFF),
        "ut-undefined": tiny(b"UT", 0xFFFFFFFF),
        "nested-40": ct[:at] + nested + closes + ct[at:],
        "nested-unclosed": ct[:at] + nested,
        "private-elf": ct[:at] + private + payload + ct[at:],
        "elf-in-pixels": elf_in_pixels,
        "gzip-in-pixels": gzip_in_pixels,
        "padding-script": mr + padding,
        "zip-appended": ct + b"PK\x05\x06" + bytes(18),
        "trailing": mr + b"trailing bytes after the data set",
        "pdf-after-preamble": mr[:132] + b"%PDF-" + mr[137:],
        "stripped": mr[132:],
        "raw-data-set": mr[mr.find(b"\x08\x00"):],
        "header-only": mr[:132],
        "truncated-300": ct[:300],
    }
    return variants


def write(target, name, data):
    directory = os.path.join(FUZZ, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    if target == "policy":
        for i, prefix in enumerate(POLICY_PREFIXES):
            with open(os.path.join(directory, f"{name}.{i}"), "wb") as f:
                f.write(prefix + data)
    else:
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def main():
    seeds = {}
    for name in sorted(os.listdir(DATA)):
        if name != "LICENSE":
            with open(os.path.join(DATA, name), "rb") as f:
                seeds[name] = f.read()
    ct, mr = seeds["CT_small.dcm"], seeds["MR_small.dcm"]
    for name, data in hostile(ct, mr).items():
        seeds["hostile-" + name] = data
    count = 0
    for target in TARGETS:
        for name, data in seeds.items():
            write(target, name, data)
            count += 1
        # Every kept crash seeds its own target again.
        kept = os.path.join(REGRESSIONS, target)
        if os.path.isdir(kept):
            for name in sorted(os.listdir(kept)):
                if name != "README.md":
                    with open(os.path.join(kept, name), "rb") as f:
                        write(target, "regression-" + name, f.read())
                        count += 1
    print(f"wrote {count} seeds under {os.path.join(FUZZ, 'corpus')}", file=sys.stderr)


if __name__ == "__main__":
    main()
