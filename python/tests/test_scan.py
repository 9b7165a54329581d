"""scan, validate, Report and errors on the repository's real files."""

import concurrent.futures
import json
import os
import pathlib

import pytest

import dicom_sanitize
from conftest import CT, POLYGLOT, PYDICOM_FILES, REPO, dicom_files

GOLDEN = REPO / "tests" / "data" / "golden"


def test_ct_report_attributes():
    report = dicom_sanitize.scan(CT)
    assert report.status == "flagged"
    assert report.threat is False
    assert report.preamble.kind == "tiff-dangling"
    assert report.action == "zero"
    assert report.data_set_offset == 336
    assert report.size == CT.stat().st_size
    assert [f.code for f in report.findings] == ["preamble.tiff-dangling", "padding.nonzero"]
    assert report.findings[1].tag == "(FFFC,FFFC)"
    assert report.worst_finding.code == "preamble.tiff-dangling"
    assert pathlib.Path(report.path) == CT


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.name)
def test_attributes_and_dict_are_the_golden_reports(golden):
    """Every golden report of the Rust tests: to_dict() holds it, the attributes match it."""
    source = PYDICOM_FILES / golden.name[: -len(".json")]
    expected = json.loads(golden.read_text())
    record = dicom_sanitize.scan(source).to_dict()
    assert record.pop("schema") == dicom_sanitize.REPORT_SCHEMA
    assert pathlib.Path(record.pop("path")) == source
    assert record == expected
    report = dicom_sanitize.scan(source)
    for field in ("status", "threat", "layout", "size", "transfer_syntax", "data_set_offset",
                  "encoding", "deflated", "elements", "max_depth", "data_end", "suppressed",
                  "deep", "action"):
        assert getattr(report, field) == expected[field], field
    assert report.preamble.kind == expected["preamble"]["kind"]
    assert report.preamble.description == expected["preamble"].get("description")
    findings = [{name: getattr(f, name) for name in
                 ("code", "severity", "offset", "length", "tag", "message")}
                for f in report.findings]
    assert findings == expected["findings"]


@pytest.mark.parametrize("path", dicom_files(), ids=lambda p: p.name)
def test_bytes_bytearray_memoryview_and_path_agree(path):
    data = path.read_bytes()
    by_path = dicom_sanitize.scan(path).to_dict()
    del by_path["path"]
    for form in (data, bytearray(data), memoryview(data)):
        assert dicom_sanitize.scan(form).to_dict() == by_path
        assert dicom_sanitize.validate(form).to_dict() == by_path


def test_polyglot_is_a_threat_and_deep_is_recorded():
    report = dicom_sanitize.scan(POLYGLOT, deep=True)
    assert report.threat and report.status == "flagged"
    assert report.preamble.kind == "pe"
    assert report.deep is True
    assert {f.code for f in report.findings} >= {"preamble.pe", "preamble.payload-in-element"}


def test_not_dicom_is_a_finding_not_an_error():
    report = dicom_sanitize.validate(b"plain text, not DICOM" * 10)
    assert report.status == "not-dicom"
    assert report.preamble is not None


def test_missing_file_raises_with_path(tmp_path):
    missing = tmp_path / "missing.dcm"
    with pytest.raises(dicom_sanitize.DicomSanitizeError) as info:
        dicom_sanitize.scan(missing)
    assert info.value.code == "io"
    assert pathlib.Path(info.value.path) == missing
    assert not isinstance(info.value, dicom_sanitize.Rejected)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    # Opened without blocking, as the CLI opens files: a FIFO no writer opens would
    # otherwise hang the call (a timeout in a thread makes the hang a failure).
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(dicom_sanitize.scan, fifo)
        try:
            error = future.exception(timeout=30)
        finally:
            if not future.done():  # unblock the thread: open the FIFO for writing
                open(fifo, "wb").close()
    assert isinstance(error, dicom_sanitize.DicomSanitizeError)
    assert error.code == "io" and "not a regular file" in str(error)


def test_sanitize_zeroes_the_polyglot_and_keeps_every_other_byte():
    data = POLYGLOT.read_bytes()
    out, outcome = dicom_sanitize.Policy().sanitize(data)
    assert outcome.action == "zero" and outcome.before == "pe" and outcome.after == "zero"
    assert out[:128] == bytes(128) and out[128:] == data[128:]
    assert outcome.bytes_changed == sum(1 for b in data[:128] if b)
    stripped, outcome = dicom_sanitize.Policy(preamble="strip").sanitize(memoryview(data))
    assert stripped == data[132:] and outcome.bytes_removed == 132
    assert dicom_sanitize.scan(out).threat is False


def test_rejected_carries_code_and_offset():
    with pytest.raises(dicom_sanitize.Rejected) as info:
        dicom_sanitize.Policy(preamble="reject").sanitize(POLYGLOT.read_bytes())
    assert info.value.code == "rejected" and info.value.offset == 0
    assert isinstance(info.value, dicom_sanitize.DicomSanitizeError)
    with pytest.raises(dicom_sanitize.Rejected) as info:
        dicom_sanitize.Policy().sanitize(b"not DICOM")
    assert info.value.code == "not-dicom" and info.value.offset is None


def test_sanitize_file_and_file_to(tmp_path):
    target = tmp_path / "upload.dcm"
    target.write_bytes(POLYGLOT.read_bytes())
    copy = tmp_path / "clean.dcm"
    outcome = dicom_sanitize.Policy().sanitize_file_to(target, copy)
    assert outcome.action == "zero" and copy.read_bytes()[:128] == bytes(128)
    assert target.read_bytes() == POLYGLOT.read_bytes()
    outcome = dicom_sanitize.Policy().sanitize_file(target)
    assert outcome.action == "zero" and target.read_bytes() == copy.read_bytes()
    assert dicom_sanitize.Policy().sanitize_file(target).is_unchanged


def test_policy_keys_files_and_errors(tmp_path):
    toml = tmp_path / "policy.toml"
    toml.write_text('preamble = "zero"\nreject_at = "high"\n\n[limits]\nmax_depth = 8\n')
    from_toml = dicom_sanitize.Policy.from_file(toml)
    assert from_toml == dicom_sanitize.Policy(preamble="zero", reject_at="high",
                                              limits={"max_depth": 8})
    as_json = tmp_path / "policy.json"
    as_json.write_text(json.dumps(from_toml.to_dict()))
    assert dicom_sanitize.Policy.from_file(as_json) == from_toml
    assert from_toml.to_dict()["limits"]["max_depth"] == 8
    assert dicom_sanitize.Policy() != from_toml
    for settings in ({"preamble": "zero", "otherwise": "strip"}, {"bogus": 1},
                     {"preamble": "maybe"}):
        with pytest.raises(dicom_sanitize.DicomSanitizeError) as info:
            dicom_sanitize.Policy(**settings)
        assert info.value.code == "invalid-policy"
    bad = tmp_path / "bad.toml"
    bad.write_text("preamble = 3\n")
    with pytest.raises(dicom_sanitize.DicomSanitizeError) as info:
        dicom_sanitize.Policy.from_file(bad)
    assert pathlib.Path(info.value.path) == bad


def test_policy_pickles_and_states_its_conformance():
    import pickle

    policy = dicom_sanitize.Policy(preamble="strip", trailing="truncate", deep=True)
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert "strip" in repr(policy)
    assert policy.conformance_statement() != dicom_sanitize.Policy().conformance_statement()
    assert "preamble" in dicom_sanitize.Policy().conformance_statement().lower()
