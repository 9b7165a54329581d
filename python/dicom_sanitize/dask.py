"""Scanning many files on a Dask cluster: ``scan`` returns a Dask DataFrame, one row per file.

The file list is cut into ``dask.bag`` partitions; each worker validates its partition's files
with the Rust library (each file read in bounded pieces, Pixel Data skipped unless
``deep=True``) and returns plain rows, so the same call runs on a laptop's ``LocalCluster`` and
on a ``distributed`` cluster of many machines. Nothing is written: sanitizing is deliberately
not distributed (see ``fix``).
"""

from __future__ import annotations

import glob
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import dicom_sanitize

__all__ = ["COLUMNS", "fix", "list_files", "row", "scan"]

#: The columns of ``scan``'s DataFrame and their dtypes.
COLUMNS: Dict[str, str] = {
    "path": "object",
    "status": "object",
    "threat": "bool",
    "preamble": "object",
    "action": "object",
    "size": "float64",
    "data_set_offset": "float64",
    "data_end": "float64",
    "findings": "int64",
    "worst_code": "object",
    "worst_severity": "object",
    "worst_offset": "float64",
    "error": "object",
}

Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


def list_files(paths_or_glob: Paths) -> List[str]:
    """The files named by ``paths_or_glob``: a glob pattern (``**`` recursive), a path, or a
    sequence of them; folders are walked, entries sorted by name, as ``scan_tree`` orders
    them. Symbolic links to folders are not followed."""
    items = [paths_or_glob] if isinstance(paths_or_glob, (str, os.PathLike)) else paths_or_glob
    files: List[str] = []
    for item in items:
        item = os.fspath(item)
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        for match in matches:
            if os.path.isdir(match) and not os.path.islink(match):
                for root, dirs, names in os.walk(match):
                    dirs.sort()
                    files.extend(os.path.join(root, name) for name in sorted(names))
            else:
                files.append(match)
    return files


def row(report: "dicom_sanitize.Report") -> Dict[str, Any]:
    """The DataFrame row of a report."""
    worst = report.worst_finding
    preamble = report.preamble
    return {
        "path": None if report.path is None else os.fspath(report.path),
        "status": report.status,
        "threat": report.threat,
        "preamble": None if preamble is None else preamble.kind,
        "action": report.action,
        "size": report.size,
        "data_set_offset": report.data_set_offset,
        "data_end": report.data_end,
        "findings": len(report.findings),
        "worst_code": None if worst is None else worst.code,
        "worst_severity": None if worst is None else worst.severity,
        "worst_offset": None if worst is None else worst.offset,
        "error": report.error,
    }


def _scan_partition(
    paths: Iterable[str], deep: bool, policy: Optional[dicom_sanitize.Policy]
) -> List[Dict[str, Any]]:
    rows = []
    for path in paths:
        try:
            rows.append(row(dicom_sanitize.scan(path, deep=deep, policy=policy)))
        except dicom_sanitize.DicomSanitizeError as err:
            rows.append(
                {**{name: None for name in COLUMNS}, "path": path, "status": "error",
                 "threat": False, "action": "none", "findings": 0, "error": str(err)}
            )
    return rows


def scan(
    paths_or_glob: Paths,
    *,
    client: Any = None,
    deep: bool = False,
    policy: Optional[dicom_sanitize.Policy] = None,
    files_per_partition: int = 256,
) -> Any:
    """Scan many files on Dask: a ``dask.dataframe.DataFrame`` with one row per file
    (``COLUMNS``), in ``list_files`` order.

    The file list is built here, on the caller's machine; the files are read by the workers,
    which must see the same paths (a shared file system). With ``client`` (a
    ``distributed.Client``) the result is persisted on that cluster; otherwise it is lazy and
    computed by Dask's default scheduler (the active client, if any). ``deep`` and ``policy``
    are those of ``dicom_sanitize.scan``.
    """
    import dask.bag as db
    import pandas as pd

    files = list_files(paths_or_glob)
    partitions = max(1, -(-len(files) // max(1, files_per_partition)))
    bag = db.from_sequence(files, npartitions=partitions).map_partitions(
        _scan_partition, deep, policy
    )
    meta = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})
    frame = bag.to_dataframe(meta=meta)
    return client.persist(frame) if client is not None else frame


def fix(
    paths_or_glob: Paths,
    *,
    policy: Optional[dicom_sanitize.Policy] = None,
    in_place: bool = False,
    client: Any = None,
    files_per_partition: int = 256,
) -> Any:
    """Sanitize many files in place on Dask (atomic replacement of each changed file).

    Refused unless ``in_place=True``: every worker then needs write access to the archive,
    and a file a worker rewrites is replaced under every other reader of the shared storage.
    Granting that across a cluster is the caller's decision, not a default. Returns a Dask
    DataFrame (``path``, ``action``, ``bytes_changed``, ``bytes_removed``, ``error``).
    """
    if not in_place:
        raise ValueError(
            "dicom_sanitize.dask.fix rewrites files on every worker: pass in_place=True "
            "to grant write access across the cluster"
        )
    import dask.bag as db
    import pandas as pd

    files = list_files(paths_or_glob)
    partitions = max(1, -(-len(files) // max(1, files_per_partition)))
    bag = db.from_sequence(files, npartitions=partitions).map_partitions(_fix_partition, policy)
    meta = pd.DataFrame(
        {
            "path": pd.Series(dtype="object"),
            "action": pd.Series(dtype="object"),
            "bytes_changed": pd.Series(dtype="int64"),
            "bytes_removed": pd.Series(dtype="int64"),
            "error": pd.Series(dtype="object"),
        }
    )
    frame = bag.to_dataframe(meta=meta)
    return client.persist(frame) if client is not None else frame


def _fix_partition(
    paths: Iterable[str], policy: Optional[dicom_sanitize.Policy]
) -> List[Dict[str, Any]]:
    policy = policy if policy is not None else dicom_sanitize.Policy()
    rows = []
    for path in paths:
        try:
            outcome = policy.sanitize_file(path)
            rows.append({"path": path, "action": outcome.action,
                         "bytes_changed": outcome.bytes_changed,
                         "bytes_removed": outcome.bytes_removed, "error": None})
        except dicom_sanitize.DicomSanitizeError as err:
            action = "reject" if isinstance(err, dicom_sanitize.Rejected) else "none"
            rows.append({"path": path, "action": action, "bytes_changed": 0,
                         "bytes_removed": 0, "error": str(err)})
    return rows
