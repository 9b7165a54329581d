"""Type stubs of the Rust core."""

import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, final

_Path = Union[str, "os.PathLike[str]"]
_Buffer = Union[bytes, bytearray, memoryview]

__all__ = [
    "scan",
    "validate",
    "scan_tree",
    "version",
    "Policy",
    "Report",
    "Finding",
    "Preamble",
    "Outcome",
    "TreeScan",
    "DicomSanitizeError",
    "Rejected",
    "REPORT_SCHEMA",
]

REPORT_SCHEMA: str

class DicomSanitizeError(Exception):
    code: str
    offset: Optional[int]
    path: Optional[Any]

class Rejected(DicomSanitizeError): ...

@final
class Preamble:
    kind: str
    description: Optional[str]

@final
class Finding:
    code: str
    severity: str
    offset: int
    length: Optional[int]
    tag: Optional[str]
    message: str

@final
class Outcome:
    action: str
    layout: str
    before: Optional[str]
    after: Optional[str]
    input_len: int
    output_len: int
    bytes_changed: int
    bytes_removed: int
    is_unchanged: bool

@final
class Report:
    path: Optional[Any]
    status: str
    threat: bool
    action: str
    error: Optional[str]
    layout: Optional[str]
    size: Optional[int]
    preamble: Optional[Preamble]
    transfer_syntax: Optional[str]
    data_set_offset: Optional[int]
    encoding: Optional[str]
    deflated: Optional[bool]
    elements: Optional[int]
    max_depth: Optional[int]
    data_end: Optional[int]
    findings: List[Finding]
    suppressed: Optional[int]
    deep: Optional[bool]
    worst_finding: Optional[Finding]
    def to_json(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class Policy:
    def __new__(cls, **settings: Any) -> Policy: ...
    @staticmethod
    def from_file(path: _Path) -> Policy: ...
    @staticmethod
    def from_json(text: str) -> Policy: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def sanitize(self, data: _Buffer) -> Tuple[bytes, Outcome]: ...
    def sanitize_file(self, path: _Path) -> Outcome: ...
    def sanitize_file_to(self, src: _Path, dst: _Path) -> Outcome: ...
    def conformance_statement(self) -> str: ...

@final
class TreeScan(Iterator[Report]):
    def __iter__(self) -> TreeScan: ...
    def __next__(self) -> Report: ...

def scan(
    path_or_bytes: Union[_Path, _Buffer], *, deep: bool = ..., policy: Optional[Policy] = ...
) -> Report: ...
def validate(data: _Buffer, *, deep: bool = ..., policy: Optional[Policy] = ...) -> Report: ...
def scan_tree(
    paths: Union[_Path, Sequence[_Path]],
    *,
    jobs: Optional[int] = ...,
    deep: bool = ...,
    policy: Optional[Policy] = ...,
) -> TreeScan: ...
def version() -> str: ...
