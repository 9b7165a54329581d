#!/usr/bin/env python3
"""Times uploads of one file to two Orthanc servers, one without the plugin and one with it.

Uploads alternate between the servers (one keep-alive connection each), one at a time, so that
drift on a busy machine (caches, other processes, a growing index) affects both alike. Prints,
per server, the mean, median and 95th percentile time per upload, and the difference of the
means, as JSON.

Usage: bench.py FILE N PORT_WITHOUT_PLUGIN PORT_WITH_PLUGIN
"""

import http.client
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path


class Server:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.ms = []
        self.statuses = Counter()

    def upload(self, body: bytes) -> None:
        start = time.perf_counter()
        self.connection.request("POST", "/instances", body=body)
        response = self.connection.getresponse()
        reply = response.read()
        self.ms.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            sys.exit(f"upload failed: HTTP {response.status}: {reply[:200]!r}")
        self.statuses[json.loads(reply)["Status"]] += 1

    def summary(self) -> dict:
        ms = sorted(self.ms)
        return {
            "mean_ms": round(statistics.fmean(ms), 3),
            "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
            "statuses": dict(self.statuses),
        }


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    path, count = Path(sys.argv[1]), int(sys.argv[2])
    body = path.read_bytes()
    without, with_plugin = Server(int(sys.argv[3])), Server(int(sys.argv[4]))
    for _ in range(20):  # warm-up, not timed
        without.upload(body)
        with_plugin.upload(body)
    without.ms.clear()
    with_plugin.ms.clear()
    without.statuses.clear()
    with_plugin.statuses.clear()
    for _ in range(count):
        without.upload(body)
        with_plugin.upload(body)
    a, b = without.summary(), with_plugin.summary()
    print(
        json.dumps(
            {
                "file": path.name,
                "uploads_each": count,
                "without_plugin": a,
                "with_plugin": b,
                "mean_difference_ms": round(b["mean_ms"] - a["mean_ms"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
