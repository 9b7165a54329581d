"""Detect and remove DICOM preamble polyglots (CVE-2019-11687) and payloads hidden in DICOM files.

A thin layer over the Rust library ``dicom-sanitize``, which makes every decision:

>>> import dicom_sanitize
>>> report = dicom_sanitize.scan("tests/data/pydicom/CT_small.dcm")   # doctest: +SKIP
>>> report.status, report.preamble.kind, report.action                # doctest: +SKIP
('flagged', 'tiff-dangling', 'zero')

* ``scan(path_or_bytes)`` and ``validate(bytes)`` return a ``Report`` whose attributes are the
  fields of the JSON report (schema ``dicom-sanitize/report/v1``) and whose ``to_dict()`` is
  exactly the record ``dicom-sanitize scan --json`` writes;
* ``Policy(...)`` (the keys of a policy file) and ``Policy.from_file(path)`` sanitize bytes
  and files: ``policy.sanitize(data) -> (bytes, Outcome)``, ``policy.sanitize_file(path)``,
  ``policy.sanitize_file_to(src, dst)``;
* ``scan_tree(paths, jobs=None, deep=False)`` yields the reports of a whole tree, in the CLI's
  order, validated in parallel while the GIL is released;
* ``dicom_sanitize.pydicom.dcmread`` reads a file with pydicom only after validating and
  sanitizing it; ``dicom_sanitize.dask.scan`` scans many files on a Dask cluster.

Errors are ``DicomSanitizeError`` (with ``code``, ``offset`` and ``path``) and its subclass
``Rejected`` for inputs a policy refuses.
"""

from dicom_sanitize._native import (
    REPORT_SCHEMA,
    DicomSanitizeError,
    Finding,
    Outcome,
    Policy,
    Preamble,
    Rejected,
    Report,
    TreeScan,
    scan,
    scan_tree,
    validate,
    version,
)

__version__ = version()

__all__ = [
    "REPORT_SCHEMA",
    "DicomSanitizeError",
    "Finding",
    "Outcome",
    "Policy",
    "Preamble",
    "Rejected",
    "Report",
    "TreeScan",
    "scan",
    "scan_tree",
    "validate",
    "version",
]
