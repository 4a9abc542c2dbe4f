"""Shared helpers for the bench/ scripts (stdlib only): machine facts, load average,
percentiles, paths. Every script imports this from its own directory."""

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = os.environ.get("HOTPATCH_DIST", os.path.join(ROOT, ".build", "dist"))
HOTPATCH = os.path.join(DIST, "hotpatch")
AGENT = os.path.join(DIST, "hotpatch-agent")
PARITY_BUILD = os.path.join(ROOT, "examples", "parity", "build")
# bench/run --quick points this elsewhere so a quick run never overwrites the full results.
RESULTS_DIR = os.environ.get("BENCH_RESULTS_DIR", os.path.join(ROOT, "bench", "results"))


def loadavg():
    """The 1/5/15-minute load averages as a string ("1.98 5.01 9.32")."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    """nproc, memory, kernel: what RESULTS.md records about the machine."""
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "cpu": cpu_model(),
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def median(values):
    return statistics.median(values) if values else float("nan")


def p99(values):
    """Nearest-rank 99th percentile: with fewer than 100 samples this is the maximum."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(0.99 * len(ordered)))
    return ordered[rank - 1]


def need(path, hint):
    if not os.path.exists(path):
        sys.exit(f"bench: {path} is missing; {hint}")


def need_dist():
    need(HOTPATCH, "run scripts/build-release first")
    need(AGENT, "run scripts/build-release first")


def need_parity():
    need(os.path.join(PARITY_BUILD, "parity-v1"), "run make -C examples/parity first")


def run(cmd, **kw):
    """Runs cmd, returns CompletedProcess; raises with stderr on a non-zero exit."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r


def write_json(name, data):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
    return path


def now_utc():
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def fmt_us(v):
    if v != v:  # nan
        return "-"
    if v >= 10000:
        return f"{v/1000:.0f} ms"
    if v >= 1000:
        return f"{v/1000:.1f} ms"
    return f"{v:.0f} µs"
