"""dicom_sanitize.pydicom.dcmread: pydicom reads only what the library let through."""

import io
import pathlib
import struct

import pydicom
import pydicom.data
import pytest

import dicom_sanitize
from dicom_sanitize.pydicom import READ_POLICY, dcmread
from conftest import CT, POLYGLOT


def elements(dataset):
    """Every element (tag, VR, value) of a dataset and its file meta, nested ones included."""
    found = [(e.tag, e.VR, e.value) for e in dataset.file_meta]
    for element in dataset.iterall():
        found.append((element.tag, element.VR, None if element.VR == "SQ" else element.value))
    return found


def test_polyglot_reads_with_a_zero_preamble_and_the_same_elements():
    original = pydicom.dcmread(POLYGLOT)
    assert original.preamble[:2] == b"MZ"  # what pydicom keeps, and would write back
    dataset = dcmread(POLYGLOT)
    assert dataset.preamble == bytes(128)
    assert elements(dataset) == elements(original)
    with open(POLYGLOT, "rb") as f:  # a file object too
        assert elements(dcmread(f)) == elements(original)


def test_strip_policy_reads_without_preamble():
    dataset = dcmread(CT, policy=dicom_sanitize.Policy(preamble="strip"), force=True)
    assert dataset.preamble is None
    assert elements(dataset) == elements(pydicom.dcmread(CT))


def test_kwargs_reach_pydicom():
    dataset = dcmread(CT, stop_before_pixels=True)
    assert "PixelData" not in dataset and "PixelData" in pydicom.dcmread(CT)


def nested_sequences(depth):
    """CT_small's header and meta group, then `depth` sequences of undefined length, each in
    an item of the one before."""
    source = CT.read_bytes()
    (group_length,) = struct.unpack("<I", source[140:144])
    head = source[: 144 + group_length]
    opening = struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF) + struct.pack(
        "<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF
    )
    closing = struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    return head + opening * depth + closing * depth


def test_ten_thousand_nested_sequences_are_refused_up_front():
    data = nested_sequences(10_000)
    with pytest.raises(RecursionError):  # pydicom on its own
        str(pydicom.dcmread(io.BytesIO(data)))
    with pytest.raises(dicom_sanitize.Rejected) as info:
        dcmread(io.BytesIO(data))
    assert info.value.code == "rejected"
    assert "structure.nesting-limit" in str(info.value)
    assert info.value.offset is not None and info.value.offset > 0


def test_a_few_nested_sequences_are_read():
    data = nested_sequences(8)
    assert elements(dcmread(io.BytesIO(data))) == elements(pydicom.dcmread(io.BytesIO(data)))


def pydicom_test_files():
    """The files shipped inside pydicom's wheel (not pydicom-data's downloads)."""
    folder = pathlib.Path(pydicom.data.__file__).parent / "test_files"
    return sorted(str(p) for p in folder.glob("*.dcm"))


@pytest.mark.parametrize("path", pydicom_test_files(), ids=lambda p: p.rsplit("/", 1)[-1])
def test_pydicom_wheel_files_read_alike_or_are_refused(path):
    """pydicom's own test files: each is refused with our error, or reads to the same
    elements as pydicom reading it directly."""
    try:
        dataset = dcmread(path, force=True)
    except dicom_sanitize.Rejected as err:
        assert err.code in ("rejected", "not-dicom")
        report = dicom_sanitize.scan(path, policy=READ_POLICY)
        assert report.status in ("invalid", "flagged", "not-dicom")
        return
    try:
        original = pydicom.dcmread(path, force=True)
        expected = elements(original)
    except Exception as err:  # pydicom itself fails on a few (deliberately broken) files
        pytest.skip(f"pydicom cannot read it either: {type(err).__name__}")
    assert elements(dataset) == expected
    assert dataset.preamble in (None, bytes(128), original.preamble)
