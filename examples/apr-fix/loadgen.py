#!/usr/bin/env python3
"""HTTP load with a record of every request, for the hotpatch load test.

    loadgen.py --out FILE [--connections N] URL...

N keep-alive connections per URL (default 4), each in its own thread, send GET requests back to
back until SIGTERM or SIGINT, then every request is written to FILE as one line
"<start, µs since the epoch> <latency µs> <1 ok | 0 failed>" (a failure is an error, a non-200
status or a body that differs from the first answer; the connection is then reopened).
Timestamps are the wall clock so a caller can cut the run into windows (before, during and after
a patch) with its own clock readings.
"""
import argparse
import os
import http.client
import signal
import threading
import time
import urllib.parse

stop = threading.Event()


def worker(url, records):
    parts = urllib.parse.urlsplit(url)
    connection = None
    expected = None
    while not stop.is_set():
        start = time.time()
        ok = 0
        try:
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request("GET", parts.path or "/")
            response = connection.getresponse()
            body = response.read()
            if expected is None and response.status == 200:
                expected = body
            ok = int(response.status == 200 and body == expected)
        except (OSError, http.client.HTTPException):
            ok = 0
        if not ok and connection is not None:
            connection.close()
            connection = None
        records.append((int(start * 1e6), int((time.time() - start) * 1e6), ok))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("urls", nargs="+")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lists = []
    threads = []
    for url in arguments.urls:
        for _ in range(arguments.connections):
            records = []
            lists.append(records)
            thread = threading.Thread(target=worker, args=(url, records), daemon=True)
            thread.start()
            threads.append(thread)
    while not stop.is_set():
        stop.wait(0.2)
    for thread in threads:
        thread.join(15)
    with open(arguments.out + ".tmp", "w") as out:
        for records in lists:
            for start, latency, ok in records:
                out.write(f"{start} {latency} {ok}\n")
    # Renamed into place only when complete, so a reader never sees half a record file.
    os.replace(arguments.out + ".tmp", arguments.out)


if __name__ == "__main__":
    main()
