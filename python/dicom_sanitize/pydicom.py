"""pydicom, safely: ``dcmread`` validates and sanitizes a file before pydicom parses it.

pydicom trusts the bytes it reads: it keeps a hostile preamble (an executable header, the
polyglot of CVE-2019-11687) in ``dataset.preamble``, writes it back on ``save_as``, and
recurses once per nested sequence, so a file of deeply nested sequences ends in a
``RecursionError``. This ``dcmread`` hands pydicom only the bytes the policy lets through.
"""

from __future__ import annotations

import io
import os
from typing import Any, BinaryIO, Optional, Union

from dicom_sanitize._native import DicomSanitizeError, Policy, Rejected, validate

__all__ = ["dcmread"]

#: The limit-exceeded finding codes: the input goes beyond what the library (and pydicom) can
#: read safely, so it is refused whatever the policy.
_REFUSED_STATUS = "invalid"


def _read_all(path_or_file: Union[str, "os.PathLike[str]", BinaryIO]) -> bytes:
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as f:
            return f.read()
    data = path_or_file.read()
    if not isinstance(data, bytes):
        data = bytes(data)
    return data


def dcmread(
    path_or_file: Union[str, "os.PathLike[str]", BinaryIO],
    policy: Optional[Policy] = None,
    **kwargs: Any,
) -> Any:
    """Read a DICOM file with ``pydicom.dcmread`` after validating and sanitizing it.

    The input (a path or a binary file object) is validated first, with bounded reads and
    limits that never trust a length field; an input the validation marks ``invalid`` (such
    as sequences nested beyond the limits, which would make pydicom recurse without end) is
    refused with ``Rejected``. The rest is sanitized by ``policy`` (the default ``Policy()``
    when None): a refusal raises ``Rejected``; otherwise ``pydicom.dcmread`` reads the
    sanitized bytes, with ``kwargs`` passed on, and the dataset's ``preamble`` is the
    sanitized one.
    """
    import pydicom

    policy = policy if policy is not None else Policy()
    data = _read_all(path_or_file)
    report = validate(data, policy=policy)
    if report.status == _REFUSED_STATUS:
        worst = report.worst_finding
        err = Rejected(
            f"refused before parsing: {worst.code}: {worst.message}"
            if worst is not None
            else "refused before parsing: invalid input"
        )
        err.code = "rejected"
        err.offset = worst.offset if worst is not None else None
        err.path = os.fspath(path_or_file) if isinstance(path_or_file, (str, os.PathLike)) else None
        raise err
    try:
        sanitized, _outcome = policy.sanitize(data)
    except DicomSanitizeError as err:
        if isinstance(path_or_file, (str, os.PathLike)) and err.path is None:
            err.path = os.fspath(path_or_file)
        raise
    return pydicom.dcmread(io.BytesIO(sanitized), **kwargs)
