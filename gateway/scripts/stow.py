#!/usr/bin/env python3
"""Helpers for the gateway's end-to-end and load tests (standard library only).

  stow.py body OUT FILE...          write a multipart/related STOW-RS body; print its Content-Type
  stow.py lookup URL SOP_UID        print the Orthanc instance ID of a SOP Instance UID, or nothing
  stow.py expect IN OUT MODE        write what the store should hold: MODE same | zero
  stow.py sop FILE                  print a file's SOP Instance UID (0008,0018), little endian
  stow.py wado ORTHANC ID BASE OUT  WADO-RS retrieve of Orthanc instance ID from BASE (a DICOMweb
                                    root); write the answer's only part to OUT
"""
import json
import sys
import urllib.request

BOUNDARY = "dicom-sanitize-e2e-boundary"


def body(out, files):
    with open(out, "wb") as f:
        for name in files:
            with open(name, "rb") as part:
                data = part.read()
            f.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode())
            f.write(data)
            f.write(b"\r\n")
        f.write(f"--{BOUNDARY}--\r\n".encode())
    print(f'multipart/related; type="application/dicom"; boundary={BOUNDARY}')


def sop(name):
    with open(name, "rb") as f:
        data = f.read(65536)
    i = data.find(b"\x08\x00\x18\x00", data.find(b"\x02\x00\x10\x00"))
    if data[i + 4 : i + 6] == b"UI":  # explicit VR
        n, start = int.from_bytes(data[i + 6 : i + 8], "little"), i + 8
    else:  # implicit VR
        n, start = int.from_bytes(data[i + 4 : i + 8], "little"), i + 8
    return data[start : start + n].rstrip(b"\0 ").decode()


def lookup(url, uid):
    request = urllib.request.Request(f"{url}/tools/lookup", data=uid.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        found = [r["ID"] for r in json.load(response) if r["Type"] == "Instance"]
    print(found[0] if found else "")


def expect(src, out, mode):
    with open(src, "rb") as f:
        data = f.read()
    if mode == "zero":
        data = bytes(128) + data[128:]
    with open(out, "wb") as f:
        f.write(data)


def wado(orthanc, instance, base, out):
    with urllib.request.urlopen(f"{orthanc}/instances/{instance}/simplified-tags", timeout=30) as r:
        tags = json.load(r)
    url = (f"{base}/studies/{tags['StudyInstanceUID']}/series/{tags['SeriesInstanceUID']}"
           f"/instances/{tags['SOPInstanceUID']}")
    request = urllib.request.Request(url, headers={"Accept": 'multipart/related; type="application/dicom"'})
    with urllib.request.urlopen(request, timeout=30) as response:
        content_type = response.headers["Content-Type"]
        body = response.read()
    boundary = next(p.split("=", 1)[1].strip('"') for p in content_type.split(";")
                    if p.strip().lower().startswith("boundary="))
    delimiter = b"--" + boundary.encode()
    parts = [p for p in body.split(delimiter)[1:] if not p.startswith(b"--")]
    assert len(parts) == 1, f"{len(parts)} parts"
    part = parts[0]
    data = part[part.index(b"\r\n\r\n") + 4 :]
    assert data.endswith(b"\r\n")
    with open(out, "wb") as f:
        f.write(data[:-2])


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "body":
        body(args[0], args[1:])
    elif command == "lookup":
        lookup(*args)
    elif command == "expect":
        expect(*args)
    elif command == "wado":
        wado(*args)
    elif command == "sop":
        print(sop(args[0]))
    else:
        sys.exit(__doc__)
