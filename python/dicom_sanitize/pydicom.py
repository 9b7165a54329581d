"""pydicom, safely: ``dcmread`` validates and sanitizes a file before pydicom parses it.

pydicom trusts the bytes it reads: it keeps a hostile preamble (an executable header, the
polyglot of CVE-2019-11687) in ``dataset.preamble`` and writes it back on ``save_as``, and it
recurses once per nested sequence, so a file of deeply nested sequences ends in a
``RecursionError``. This ``dcmread`` hands pydicom only the bytes the policy lets through.
"""

from __future__ import annotations

import io
import os
from typing import Any, BinaryIO, Optional, Union

from dicom_sanitize._native import DicomSanitizeError, Policy

__all__ = ["READ_POLICY", "dcmread"]

#: The default policy of ``dcmread``: the default preamble handling (keep a functional TIFF
#: header, zero anything else), and a refusal of every input with a finding of medium
#: severity or more left after sanitizing: structures beyond the limits (sequences nested
#: deeper than ``limits.max_depth``), lengths past the end, a missing transfer syntax, payloads
#: in element values. Inputs that are not DICOM Part 10 or raw data sets are refused too.
READ_POLICY = Policy(reject_at="medium")


def _read_all(path_or_file: Union[str, "os.PathLike[str]", BinaryIO]) -> bytes:
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as f:
            return f.read()
    data = path_or_file.read()
    return data if isinstance(data, bytes) else bytes(data)


def dcmread(
    path_or_file: Union[str, "os.PathLike[str]", BinaryIO],
    policy: Optional[Policy] = None,
    **kwargs: Any,
) -> Any:
    """Read a DICOM file with ``pydicom.dcmread`` after validating and sanitizing it.

    ``path_or_file`` is a path or a binary file object. The library validates it first, with
    bounded reads and limits, never trusting a length field, and sanitizes it by ``policy``
    (``READ_POLICY`` when None); a refusal raises ``dicom_sanitize.Rejected`` (with ``code``,
    ``offset`` and ``path``) before pydicom sees a byte. Otherwise ``pydicom.dcmread`` reads
    the sanitized bytes, with ``kwargs`` passed on, and the dataset's ``preamble`` is the
    sanitized one (128 zero bytes for a zeroed preamble, None for a stripped one).
    """
    import pydicom

    policy = policy if policy is not None else READ_POLICY
    data = _read_all(path_or_file)
    try:
        sanitized, _outcome = policy.sanitize(data)
    except DicomSanitizeError as err:
        if err.path is None and isinstance(path_or_file, (str, os.PathLike)):
            err.path = os.fspath(path_or_file)
        raise
    return pydicom.dcmread(io.BytesIO(sanitized), **kwargs)
