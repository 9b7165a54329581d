#!/usr/bin/env python3
"""Scans a corpus of real DICOM files with `dicom-sanitize scan --json`, in the default mode
and with `--deep`, and fails if any record is a threat: real files hold no payload, so a
threat there is a false positive.

Prints, for each mode, the number of files, of bytes and of findings by code.

    corpus.py BINARY [DIR ...]

Without DIR, the corpus is the data of the Python packages installed beside this
interpreter: pydicom's `data/test_files` and, when installed, pydicom-data's `data_store/data`.
They are located with importlib, not imported: this script uses the standard library only.
"""

import collections
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

# Each scan must finish in this time (the whole corpus, one mode).
TIMEOUT_SECONDS = 600


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_corpus() -> list[Path]:
    """pydicom's test files (required) and pydicom-data's files (when installed)."""
    pydicom = package_dir("pydicom")
    if pydicom is None:
        sys.exit("corpus: pydicom is not installed for this interpreter")
    dirs = [pydicom / "data" / "test_files"]
    data_store = package_dir("data_store")  # the pydicom-data package
    if data_store is not None and (data_store / "data").is_dir():
        dirs.append(data_store / "data")
    else:
        print("corpus: pydicom-data is not installed; scanning pydicom's test files only")
    return dirs


def scan(binary: str, dirs: list[Path], deep: bool) -> list[dict]:
    """The JSON records of one `scan --json` over `dirs`."""
    args = [binary, "scan", "--json", "--quiet"]
    if deep:
        args.append("--deep")
    args += [str(d) for d in dirs]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    # 0: nothing flagged; 1: something flagged (vestigial TIFF headers are); 2: an error.
    if done.returncode not in (0, 1):
        sys.exit(f"corpus: {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def check(records: list[dict], deep: bool) -> list[str]:
    """What is wrong with the records of one mode: threats, errors, a wrong `deep`."""
    problems = []
    for record in records:
        path = record.get("path", "?")
        if record.get("status") == "error":
            problems.append(f"{path}: error: {record.get('error')}")
            continue
        if record.get("deep") is not deep:
            problems.append(f"{path}: \"deep\" is {record.get('deep')!r}, expected {deep}")
        if record.get("threat") is not False:
            codes = [
                f"{f['code']} [{f['severity']}] at {f['offset']}"
                for f in record.get("findings", [])
                if f.get("severity") in ("high", "critical")
            ]
            problems.append(f"{path}: threat: {', '.join(codes)}")
    return problems


def summary(records: list[dict]) -> str:
    """Counts of files, bytes, statuses and findings by code."""
    statuses = collections.Counter(r.get("status") for r in records)
    codes = collections.Counter(
        f["code"] for r in records for f in r.get("findings", [])
    )
    size = sum(r.get("size", 0) for r in records)
    lines = [
        f"  {len(records)} files, {size / 1e6:.1f} MB: "
        + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    ]
    lines += [f"  {n:6} {code}" for code, n in sorted(codes.items())]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    dirs = [Path(d) for d in sys.argv[2:]] or default_corpus()
    for d in dirs:
        if not d.is_dir():
            sys.exit(f"corpus: {d} is not a folder")
    print("corpus: " + ", ".join(str(d) for d in dirs))
    problems = []
    files = set()
    for deep in (False, True):
        started = time.monotonic()
        records = scan(binary, dirs, deep)
        seconds = time.monotonic() - started
        mode = "--deep" if deep else "default"
        print(f"{mode} ({seconds:.1f} s):\n{summary(records)}")
        if not records:
            problems.append(f"{mode}: no file scanned")
        problems += [f"{mode}: {p}" for p in check(records, deep)]
        paths = {r.get("path") for r in records}
        if files and paths != files:
            problems.append(f"{mode}: not the same files as the default mode")
        files = paths
    if problems:
        print("\n".join(["corpus: FAILED"] + problems))
        sys.exit(1)
    print(f"corpus: 0 threats in {len(files)} files, in both modes")


if __name__ == "__main__":
    main()
