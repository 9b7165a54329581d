"""Inputs in memory: which are borrowed and which copied (measured with tracemalloc, which
sees every Python object allocated, a copy of the input included), and that every form of
the same bytes gives the same report."""

import tracemalloc

import pytest

import dicom_sanitize
from conftest import POLYGLOT

# The polyglot with 8 MiB of trailing zeros: large enough that a copy stands out.
BIG = POLYGLOT.read_bytes() + bytes(8 << 20)
assert len(BIG) % 2 == 0  # for a two-row view


def peak(call, data):
    """The peak of Python allocations while `call(data)` runs, and its result."""
    tracemalloc.start()
    try:
        result = call(data)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def scan_json(data):
    return dicom_sanitize.validate(data).to_json()


def test_every_form_of_the_same_bytes_has_the_same_report():
    expected = scan_json(BIG)
    view = memoryview(BIG)
    forms = (view, view.cast("B"), bytearray(BIG), memoryview(bytearray(BIG)))
    for form in forms:
        assert scan_json(form) == expected
    # A view of part of a larger buffer is exactly those bytes.
    data = POLYGLOT.read_bytes()
    padded = b"\x7f" * 1000 + data + b"MZ" * 500
    part = memoryview(padded)[1000:1000 + len(data)]
    assert scan_json(part) == scan_json(data)
    assert dicom_sanitize.validate(part).threat


@pytest.mark.parametrize("form", [
    pytest.param(lambda b: b, id="bytes"),
    pytest.param(memoryview, id="memoryview"),
    pytest.param(lambda b: memoryview(b).cast("B", (2, len(b) // 2)), id="memoryview-2d"),
])
def test_bytes_and_whole_views_of_bytes_are_not_copied(form):
    data = form(BIG)
    used, _ = peak(scan_json, data)
    assert used < len(BIG) // 8, f"{used} bytes allocated for a {len(BIG)}-byte input"
    # Sanitizing allocates the output, once, and nothing for the input.
    used, (out, outcome) = peak(dicom_sanitize.Policy().sanitize, data)
    assert outcome.action == "zero" and out[128:] == BIG[128:]
    assert used < len(BIG) * 5 // 4, f"{used} bytes allocated for a {len(BIG)}-byte output"


@pytest.mark.parametrize("form", [
    pytest.param(bytearray, id="bytearray"),
    pytest.param(lambda b: memoryview(bytearray(b)), id="writable-memoryview"),
    pytest.param(lambda b: memoryview(b)[1:], id="part-of-bytes"),
])
def test_other_buffers_are_copied_once(form):
    # A buffer others may write is copied before the decision, so that it is made on one
    # snapshot while the GIL is released; once, not more.
    data = form(BIG)
    used, _ = peak(scan_json, data)
    assert len(BIG) - 1 <= used < 2 * len(BIG), f"{used} bytes for {len(BIG)}"
