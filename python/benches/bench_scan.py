"""Speed of the Python package beside the CLI and pydicom, and bytes read per file.

    python python/benches/bench_scan.py target/release/dicom-sanitize [rounds]

Best of `rounds` interleaved runs (the machine may be shared). Needs pydicom.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import timeit

import pydicom

import dicom_sanitize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CT = os.path.join(REPO, "tests", "data", "pydicom", "CT_small.dcm")
FILES = 1000


def best(fn, number, rounds):
    return min(timeit.repeat(fn, number=number, repeat=rounds)) / number


def rchar():
    """Bytes this process has read through system calls (Linux /proc/self/io)."""
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise RuntimeError("no rchar")


def main():
    cli = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    tmp = tempfile.mkdtemp()
    try:
        tree = os.path.join(tmp, "tree")
        for i in range(FILES):
            folder = os.path.join(tree, f"{i // 100:02d}")
            os.makedirs(folder, exist_ok=True)
            shutil.copy(CT, os.path.join(folder, f"{i:04d}.dcm"))

        def cli_tree(jobs):
            args = [cli, "scan", "--json", "--quiet", tree] + (["--jobs", str(jobs)] if jobs else [])
            subprocess.run(args, stdout=subprocess.DEVNULL, check=False)

        def py_tree(jobs):
            for report in dicom_sanitize.scan_tree(tree, jobs=jobs):
                report.to_json()

        figures = {}
        for _ in range(rounds):  # interleaved
            for name, fn, number in [
                ("python scan(CT)", lambda: dicom_sanitize.scan(CT), 2000),
                ("python scan(CT).to_json()", lambda: dicom_sanitize.scan(CT).to_json(), 2000),
                ("pydicom dcmread(CT, stop_before_pixels)",
                 lambda: pydicom.dcmread(CT, stop_before_pixels=True), 200),
                ("cli tree jobs=1 (per file)", lambda: cli_tree(1), 1),
                ("python scan_tree jobs=1 (per file)", lambda: py_tree(1), 1),
                ("cli tree all cores (per file)", lambda: cli_tree(None), 1),
                ("python scan_tree all cores (per file)", lambda: py_tree(None), 1),
                ("pydicom tree (per file)", lambda: [
                    pydicom.dcmread(os.path.join(r, n), stop_before_pixels=True)
                    for r, _, ns in os.walk(tree) for n in ns], 1),
            ]:
                t = best(fn, number, 1)
                if "tree" in name:
                    t /= FILES
                figures[name] = min(figures.get(name, t), t)
        for name, t in figures.items():
            print(f"{name:45s} {t * 1e6:9.1f} us")

        print("\nbytes read per file (default scan, /proc/self/io rchar):")
        for size in (0, 1 << 20, 16 << 20, 128 << 20):
            ds = pydicom.dcmread(CT)
            path = os.path.join(tmp, f"big{size}.dcm")
            if size:
                ds.PixelData = bytes(size)
                ds["PixelData"].VR = "OB"
            ds.save_as(path)
            file_size = os.path.getsize(path)
            before = rchar()
            dicom_sanitize.scan(path)
            read = rchar() - before
            print(f"  file {file_size:>11,d} B: read {read:>9,d} B ({read / file_size:.2%})")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
