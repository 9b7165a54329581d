"""dicom_sanitize.dask on a real LocalCluster with two worker processes."""

import pytest

import dicom_sanitize
import dicom_sanitize.dask as dsd
from conftest import EXAMPLES, PYDICOM_FILES, dicom_files


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_rows_on_the_cluster_are_the_single_process_reports(client):
    frame = dsd.scan([PYDICOM_FILES, EXAMPLES], client=client, files_per_partition=8)
    assert frame.npartitions > 2
    rows = frame.compute().to_dict("records")
    expected = [dsd.row(dicom_sanitize.scan(p)) for p in dsd.list_files([PYDICOM_FILES, EXAMPLES])]
    assert len(rows) == len(expected) == len(dicom_files())
    for got, want in zip(rows, expected):
        assert {k: (None if v != v else v) for k, v in got.items()} == {
            k: (None if v != v else v) for k, v in want.items()}  # NaN as None
    threats = {r["path"].rsplit("/", 1)[-1] for r in rows if r["threat"]}
    assert "pe_polyglot.dcm" in threats


def test_glob_deep_and_policy_travel_to_the_workers(client):
    policy = dicom_sanitize.Policy(preamble="strip")
    frame = dsd.scan(str(EXAMPLES / "*.dcm"), client=client, deep=True, policy=policy)
    rows = frame.compute()
    assert set(rows["action"]) <= {"strip", "none"} and "strip" in set(rows["action"])
    assert list(rows["path"]) == sorted(str(p) for p in EXAMPLES.glob("*.dcm"))


def test_fix_needs_in_place():
    with pytest.raises(ValueError, match="in_place=True"):
        dsd.fix(str(EXAMPLES))
