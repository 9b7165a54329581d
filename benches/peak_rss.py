#!/usr/bin/env python3
"""Peak memory (resident set size) of `dicom-sanitize` on large files, beside dicom-rs.

Builds the release command line (and the scan_tree bench binary, whose `--dicom-rs-rewrite`
mode is the dicom-rs way to clear a preamble: dicom-object `open_file` + `write_to_file`),
generates files of 0.5, 50 and 200 MB from pydicom's CT_small.dcm (an `MZ` preamble, the
pixel data grown to the size), and runs each contender as its own process, reading its peak
RSS from `wait4`. Prints a Markdown table.

Usage: python3 benches/peak_rss.py [--sizes-mb 0.5,50,200]

Python 3 standard library and a C compiler (`cc`). A process's peak RSS counts the process
it was forked from (Linux keeps the high-water mark across `exec`), so the contenders are not
started from Python (about 16 MiB) but from a ten-line C launcher (about 1 MiB), compiled on
the fly.
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "data" / "pydicom" / "CT_small.dcm"
PIXEL_DATA_OW = b"\xe0\x7f\x10\x00OW\x00\x00"


def build():
    """Builds the command line and the scan_tree bench; returns their paths."""
    subprocess.run(
        ["cargo", "build", "--release", "--features", "cli", "--quiet"], cwd=ROOT, check=True
    )
    out = subprocess.run(
        ["cargo", "bench", "--features", "cli", "--bench", "scan_tree", "--no-run",
         "--message-format=json", "--quiet"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    bench = None
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "scan_tree":
            bench = message.get("executable") or bench
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "dicom-sanitize", Path(bench)


def generate(path, size):
    """CT_small.dcm with an `MZ` preamble and its pixel data grown to about `size` bytes."""
    data = bytearray(TEMPLATE.read_bytes())
    at = data.rfind(PIXEL_DATA_OW)
    if at < 0:
        sys.exit(f"{TEMPLATE}: no OW pixel data")
    head = data[: at + 8]
    head[:2] = b"MZ"
    length = max(size - len(head) - 4, 0) & ~1
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        f.write(head)
        f.write(struct.pack("<I", length))
        left = length
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n


LAUNCHER = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
/* Runs argv[1..] with its output discarded; prints "<exit code> <ru_maxrss>". */
int main(int argc, char **argv) {
    (void)argc;
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) return 2;
    printf("%d %ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss);
    return 0;
}
"""


def compile_launcher(tmp):
    source = tmp / "launcher.c"
    source.write_text(LAUNCHER)
    binary = tmp / "launcher"
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", binary, source], check=True)
    return binary


def peak_rss(launcher, args):
    """Runs `args` and returns (exit code, peak RSS in bytes)."""
    out = subprocess.run([launcher, *args], check=True, capture_output=True, text=True).stdout
    code, maxrss = out.split()
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return int(code), int(maxrss) * scale


def mib(n):
    return f"{n / (1 << 20):.1f} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes-mb", default="0.5,50,200")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes_mb.split(",")]
    cli, bench = build()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        launcher = compile_launcher(tmp)
        baseline = peak_rss(launcher, ["/bin/true"])[1]
        for size_mb in sizes:
            source = tmp / f"input-{size_mb}MB.dcm"
            generate(source, int(size_mb * 1e6))
            work = tmp / "work.dcm"
            out_dir = tmp / "out"
            contenders = [
                ("dicom-sanitize scan", [cli, "scan", "--quiet", work], None),
                ("dicom-sanitize fix --in-place", [cli, "fix", "--quiet", "--in-place", work], None),
                ("dicom-sanitize fix --output", [cli, "fix", "--quiet", "--output", out_dir, work], out_dir),
                ("dicom-object open_file + write_to_file",
                 [bench, "--dicom-rs-rewrite", work, tmp / "rewritten.dcm"], None),
            ]
            for name, command, clean in contenders:
                shutil.copyfile(source, work)
                if clean is not None:
                    shutil.rmtree(clean, ignore_errors=True)
                code, rss = peak_rss(launcher, [str(c) for c in command])
                if code not in (0, 1):
                    sys.exit(f"{name} on {size_mb} MB failed with exit code {code}")
                rows.append((size_mb, name, rss))
    print(f"### Peak RSS (one process per run; input sizes {args.sizes_mb} MB)\n")
    print(f"A process that does nothing (`/bin/true`) peaks at {mib(baseline)}.\n")
    print("| input | contender | peak RSS |")
    print("|---|---|---:|")
    for size_mb, name, rss in rows:
        print(f"| {size_mb:g} MB | {name} | {mib(rss)} |")


if __name__ == "__main__":
    main()
