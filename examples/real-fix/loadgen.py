#!/usr/bin/env python3
"""Bounded memcached text-protocol load and probes, for scripts/real-fix-memcached.

    loadgen.py load --port P [--connections N] [--max-seconds S] --out FILE
    loadgen.py probe --check exptime|lru --port P

load: N connections (default 4), one thread each, send a set/get/me mix back to back until
SIGTERM/SIGINT or --max-seconds (default 120; the load always stops by itself), then write one
JSON object to FILE: requests, failed, per-command counts, the slowest request in µs and the
first few failures. Every answer is checked: `set` must say STORED, `get` must return exactly
the value this connection last stored under that key, `me` must answer `ME <key> exp=<int> ...`
(either sign: the load runs across apply and revert, so both behaviours are correct for it).
A failure is an error, a timeout or any other answer; the connection is then reopened.

probe: one check on a fresh connection, printed as one line "<what the server said> old|fixed":
  exptime  stores a key with a 1000 s expiry and asks `me` for it: `exp=-1000 old` (memcached
           before 1776b021e printed current_time - exptime), `exp=1000 fixed` (exptime - current_time)
  lru      sends `lru mode segmented` (the default mode, so setting it changes nothing): any answer
           but OK is old (before 5f366ccbb the command went to `lru_crawler`), `OK fixed`
"""
import argparse
import json
import os
import random
import signal
import socket
import sys
import threading
import time

KEYS_PER_CONNECTION = 64
stop = threading.Event()


class Connection:
    """One text-protocol connection with a line reader."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("connection closed by the server")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def exact(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("connection closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def close(self):
        self.sock.close()


def one_request(connection, kind, key, stored, rng):
    """Sends one command and returns None when the answer is right, else what was wrong."""
    if kind == "set":
        value = b"%d-%d" % (rng.getrandbits(32), len(stored))
        connection.send(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
        answer = connection.line()
        if answer != b"STORED":
            return "set %s: %r" % (key.decode(), answer)
        stored[key] = value
        return None
    if kind == "get":
        connection.send(b"get %s\r\n" % key)
        header = connection.line()
        expected = stored.get(key)
        if header == b"END":
            return None if expected is None else "get %s: miss, expected %r" % (key.decode(), expected)
        parts = header.split()
        if len(parts) != 4 or parts[0] != b"VALUE" or parts[1] != key:
            return "get %s: %r" % (key.decode(), header)
        value = connection.exact(int(parts[3]) + 2)[:-2]
        end = connection.line()
        if value != expected or end != b"END":
            return "get %s: %r then %r, expected %r" % (key.decode(), value, end, expected)
        return None
    connection.send(b"me %s\r\n" % key)
    answer = connection.line()
    if key not in stored:
        return None if answer in (b"EN",) or answer.startswith(b"ME ") else "me %s: %r" % (key.decode(), answer)
    parts = answer.split()
    if len(parts) < 3 or parts[0] != b"ME" or parts[1] != key or not parts[2].startswith(b"exp="):
        return "me %s: %r" % (key.decode(), answer)
    int(parts[2][4:])
    return None


def worker(port, index, result):
    rng = random.Random(index)
    # The run's own key space: a server that outlives one load run still holds its keys.
    run = b"%d.%d" % (os.getpid(), int(time.time()))
    keys = [b"lg:%s:%d:%d" % (run, index, n) for n in range(KEYS_PER_CONNECTION)]
    stored = {}
    connection = None
    while not stop.is_set():
        kind = rng.choices(("set", "get", "me"), weights=(3, 6, 1))[0]
        key = rng.choice(keys)
        start = time.monotonic()
        try:
            if connection is None:
                connection = Connection(port)
            error = one_request(connection, kind, key, stored, rng)
        except (OSError, ValueError) as failure:
            error = "%s %s: %s" % (kind, key.decode(), failure)
        elapsed = int((time.monotonic() - start) * 1e6)
        result["requests"] += 1
        result[kind] += 1
        result["max_us"] = max(result["max_us"], elapsed)
        if error is not None:
            result["failed"] += 1
            result["errors"].append(error)
            if connection is not None:
                connection.close()
                connection = None
    if connection is not None:
        connection.close()


def load(arguments):
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    results = []
    threads = []
    for index in range(arguments.connections):
        result = {"requests": 0, "failed": 0, "set": 0, "get": 0, "me": 0, "max_us": 0, "errors": []}
        results.append(result)
        thread = threading.Thread(target=worker, args=(arguments.port, index, result), daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + arguments.max_seconds
    while not stop.is_set() and time.monotonic() < deadline:
        stop.wait(0.1)
    stop.set()
    for thread in threads:
        thread.join(15)
    total = {"connections": arguments.connections, "stopped_by": "deadline" if time.monotonic() >= deadline else "signal"}
    for name in ("requests", "failed", "set", "get", "me"):
        total[name] = sum(result[name] for result in results)
    total["max_us"] = max(result["max_us"] for result in results)
    total["errors"] = [error for result in results for error in result["errors"]][:10]
    with open(arguments.out + ".tmp", "w") as out:
        json.dump(total, out)
        out.write("\n")
    # Renamed into place only when complete, so a reader never sees half a file.
    os.replace(arguments.out + ".tmp", arguments.out)


def probe(arguments):
    if arguments.check == "lru":
        probe_lru(arguments)
    else:
        probe_exptime(arguments)


def probe_lru(arguments):
    connection = Connection(arguments.port)
    try:
        connection.send(b"lru mode segmented\r\n")
        answer = connection.line().decode()
    finally:
        connection.close()
    print("%s %s" % (answer.replace(" ", "_"), "fixed" if answer == "OK" else "old"))


def probe_exptime(arguments):
    connection = Connection(arguments.port)
    try:
        connection.send(b"set realfix:probe 0 1000 2\r\nok\r\n")
        if connection.line() != b"STORED":
            sys.exit("probe: set failed")
        connection.send(b"me realfix:probe\r\n")
        answer = connection.line().decode()
    finally:
        connection.close()
    field = next((part for part in answer.split() if part.startswith("exp=")), None)
    if field is None:
        sys.exit("probe: unexpected answer %r" % answer)
    value = int(field[4:])
    print("%s %s" % (field, "old" if value < 0 else "fixed"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load")
    load_parser.add_argument("--port", type=int, required=True)
    load_parser.add_argument("--connections", type=int, default=4)
    load_parser.add_argument("--max-seconds", type=float, default=120)
    load_parser.add_argument("--out", required=True)
    probe_parser = commands.add_parser("probe")
    probe_parser.add_argument("--port", type=int, required=True)
    probe_parser.add_argument("--check", choices=("exptime", "lru"), default="exptime")
    arguments = parser.parse_args()
    if arguments.command == "load":
        load(arguments)
    else:
        probe(arguments)


if __name__ == "__main__":
    main()
