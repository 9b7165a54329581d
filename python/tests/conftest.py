"""Shared fixtures: the repository's real files and the command-line tool."""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PYDICOM_FILES = REPO / "tests" / "data" / "pydicom"
EXAMPLES = REPO / "examples" / "data"
CT = PYDICOM_FILES / "CT_small.dcm"
POLYGLOT = EXAMPLES / "pe_polyglot.dcm"


def dicom_files():
    """Every file of the repository's test and example data, sorted."""
    return sorted(p for d in (PYDICOM_FILES, EXAMPLES) for p in d.iterdir() if p.is_file())


@pytest.fixture(scope="session")
def cli():
    """The `dicom-sanitize` binary: $DICOM_SANITIZE_CLI, or built with cargo (features cli)."""
    path = os.environ.get("DICOM_SANITIZE_CLI")
    if path:
        return path
    if shutil.which("cargo") is None:
        if os.environ.get("DICOM_SANITIZE_REQUIRE_TOOLS"):
            pytest.fail("cargo is needed to build the command-line tool")
        pytest.skip("no cargo to build the command-line tool")
    subprocess.run(
        ["cargo", "build", "-q", "--all-features", "--bin", "dicom-sanitize"],
        cwd=REPO,
        check=True,
    )
    return str(REPO / "target" / "debug" / "dicom-sanitize")
