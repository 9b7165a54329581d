#!/usr/bin/env python3
"""Load test helper (standard library only): makes N instances with distinct SOP Instance UIDs
from the samples, half of them polyglots; uploads them with C concurrent STOW-RS clients; checks
what the store holds.

  load.py make DIR N                       write N instances and DIR/expected/ (what to store)
  load.py upload URL DIR CLIENTS PER_REQ   upload them all; print the wall time in seconds
  load.py check ORTHANC_URL DIR            0 lost, 0 wrong: every instance stored as expected
  load.py big DIR MIB                      one clean instance of MIB MiB (a private value added)
"""
import concurrent.futures
import http.client
import json
import os
import sys
import time
import urllib.parse

BOUNDARY = "dicom-sanitize-load-boundary"
SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data")
# (sample, hostile): hostile ones are stored with a zero preamble through the gateway.
TEMPLATES = [("clean.dcm", False), ("pe_polyglot.dcm", True), ("clean.dcm", False),
             ("script_polyglot.dcm", True)]


def uid_spans(data):
    """Offsets and lengths of the (0002,0003) and (0008,0018) UID values."""
    spans = []
    i = data.find(b"\x02\x00\x03\x00UI")
    spans.append((i + 8, int.from_bytes(data[i + 6 : i + 8], "little")))
    j = data.find(b"\x08\x00\x18\x00", data.find(b"\x02\x00\x10\x00"))
    if data[j + 4 : j + 6] == b"UI":
        spans.append((j + 8, int.from_bytes(data[j + 6 : j + 8], "little")))
    else:
        spans.append((j + 8, int.from_bytes(data[j + 4 : j + 8], "little")))
    return spans


def with_uid(data, n):
    """The instance with the last 6 characters of both UIDs replaced by n (same length)."""
    out = bytearray(data)
    for offset, length in uid_spans(data):
        value = bytes(out[offset : offset + length]).rstrip(b"\0")
        new = value[:-6] + b"%06d" % n
        out[offset : offset + len(new)] = new
    return bytes(out)


def sop_uid(data):
    offset, length = uid_spans(data)[1]
    return data[offset : offset + length].rstrip(b"\0 ").decode()


def make(folder, count):
    os.makedirs(os.path.join(folder, "in"), exist_ok=True)
    os.makedirs(os.path.join(folder, "expected"), exist_ok=True)
    templates = [(open(os.path.join(SAMPLES, name), "rb").read(), hostile)
                 for name, hostile in TEMPLATES]
    for n in range(count):
        data, hostile = templates[n % len(templates)]
        instance = with_uid(data, n)
        expected = bytes(128) + instance[128:] if hostile else instance
        for sub, content in (("in", instance), ("expected", expected)):
            with open(os.path.join(folder, sub, "%06d.dcm" % n), "wb") as f:
                f.write(content)


def upload(url, folder, clients, per_request):
    names = sorted(os.listdir(os.path.join(folder, "in")))
    batches = [names[i : i + per_request] for i in range(0, len(names), per_request)]
    target = urllib.parse.urlsplit(url)
    content_type = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
    bodies = []
    for batch in batches:
        body = bytearray()
        for name in batch:
            body += f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
            body += open(os.path.join(folder, "in", name), "rb").read() + b"\r\n"
        body += f"--{BOUNDARY}--\r\n".encode()
        bodies.append(bytes(body))

    def client(share):
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        failures = 0
        for body in share:
            connection.request("POST", target.path + "/studies", body,
                               {"Content-Type": content_type, "Accept": "application/dicom+json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                failures += 1
                print(response.status, answer[:300], file=sys.stderr)
        connection.close()
        return failures

    shares = [bodies[i::clients] for i in range(clients)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        failures = sum(pool.map(client, shares))
    elapsed = time.monotonic() - started
    if failures:
        sys.exit(f"{failures} requests failed")
    print(f"{elapsed:.3f}")


def check(orthanc, folder):
    target = urllib.parse.urlsplit(orthanc)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)

    def get(method, path, body=None):
        connection.request(method, path, body)
        response = connection.getresponse()
        return response.status, response.read()

    lost = wrong = 0
    names = sorted(os.listdir(os.path.join(folder, "expected")))
    for name in names:
        expected = open(os.path.join(folder, "expected", name), "rb").read()
        status, found = get("POST", "/tools/lookup", sop_uid(expected).encode())
        ids = [r["ID"] for r in json.loads(found) if r["Type"] == "Instance"] if status == 200 else []
        if not ids:
            lost += 1
            continue
        status, stored = get("GET", f"/instances/{ids[0]}/file")
        if status != 200 or stored != expected:
            wrong += 1
    status, stats = get("GET", "/statistics")
    count = json.loads(stats)["CountInstances"]
    print(f"instances {len(names)}, stored {count}, lost {lost}, wrong {wrong}")
    if lost or wrong or count != len(names):
        sys.exit(1)


def big(folder, mib):
    """clean.dcm (implicit VR little endian) with a private block (7FE1,0010) "LOAD" and a
    (7FE1,1000) value of MIB MiB appended: its last element is below group 7FE1."""
    data = open(os.path.join(SAMPLES, "clean.dcm"), "rb").read()
    size = mib << 20
    creator = b"\xe1\x7f\x10\x00" + (4).to_bytes(4, "little") + b"LOAD"
    value = b"\xe1\x7f\x00\x10" + size.to_bytes(4, "little")
    os.makedirs(os.path.join(folder, "in"), exist_ok=True)
    os.makedirs(os.path.join(folder, "expected"), exist_ok=True)
    for sub in ("in", "expected"):
        with open(os.path.join(folder, sub, "big.dcm"), "wb") as f:
            f.write(data + creator + value)
            chunk = bytes(range(256)) * 4096
            for _ in range(size // len(chunk)):
                f.write(chunk)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "make":
        make(args[0], int(args[1]))
    elif command == "upload":
        upload(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "big":
        big(args[0], int(args[1]))
    elif command == "check":
        check(args[0], args[1])
    else:
        sys.exit(__doc__)
