"""Scale benchmark: `gen generate` then `gen verify` for N = 10^4, 10^5 (and 10^6 with --full); time, rows/s and
peak memory per N, to show time grows linearly and memory stays flat as the dataset grows.

Each stage runs as its own `gen` process, so its peak memory is its own. Peak RSS is sampled (psutil, every 20 ms)
over the stage's whole process tree (the main process plus pool workers); the main process's own high-water mark
comes from the kernel (`os.wait4` rusage) as a cross-check that sampling missed no spike.

    python bench/bench_scale.py                      # N = 10^4 and 10^5
    python bench/bench_scale.py --full               # adds 10^6 (about 10 minutes on 2 cores)
    python bench/bench_scale.py -n 1000 -n 20000 --family graph.topo_order --level easy --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import psutil
except ImportError:  # the kernel's maxrss of the main process is still reported
    psutil = None


@dataclass
class StageRun:
    stage: str
    n: int
    seconds: float
    tree_peak_mb: float | None
    main_peak_mb: float
    rc: int
    tail: str


def _tree_rss(proc) -> int:
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_stage(stage: str, n: int, args: list[str]) -> StageRun:
    """Run `gen ARGS` in a fresh process; wall time, sampled tree peak RSS and the kernel's maxrss of the main."""
    cmd = [sys.executable, "-m", "hardgen.cli", "-q", *args]
    env = {**os.environ, "HARDGEN_NO_PROGRESS": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        if psutil is None:
            return
        ps = psutil.Process(proc.pid)
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(ps))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = b"".join(out_chunks).decode(errors="replace")[-1500:]
    return StageRun(stage, n, seconds, peak[0] / 2**20 if psutil else None, usage.ru_maxrss / 1024,
                    proc.returncode, tail)


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, action="append", help="rows (repeatable; default 10000 and 100000)")
    ap.add_argument("--full", action="store_true", help="also run N = 1,000,000")
    ap.add_argument("--family", default="math.modular")
    ap.add_argument("--level", default="medium")
    ap.add_argument("--workers", type=int, default=1, help="worker processes per stage (default 1)")
    ap.add_argument("--shard-rows", type=int, default=500)
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--workdir", default=None, help="where datasets are written (default: a temporary folder)")
    ap.add_argument("--json", default=None, help="also write the results as JSON to this file")
    a = ap.parse_args(argv)
    sizes = sorted(set(a.n or [10_000, 100_000]) | ({1_000_000} if a.full else set()))
    root = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="hardgen-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    runs: list[StageRun] = []
    print(f"family {a.family} level {a.level}, workers {a.workers}, shard rows {a.shard_rows}, cpus {os.cpu_count()}"
          f", psutil {'yes' if psutil else 'no'}; data under {root}", flush=True)
    try:
        for n in sizes:
            gen, ver = root / f"gen-{n}", root / f"ver-{n}"
            for d in (gen, ver):
                shutil.rmtree(d, ignore_errors=True)
            r = run_stage("generate", n, ["generate", a.family, "-n", str(n), "--level", a.level, "--seed", "1",
                                          "--shard-rows", str(a.shard_rows), "-w", str(a.workers), "-o", str(gen)])
            runs.append(r)
            print(f"  generate n={n}: {r.seconds:.1f} s, rc {r.rc}", flush=True)
            if r.rc != 0:
                print(r.tail)
                return 1
            if not a.skip_verify:
                r = run_stage("verify", n, ["verify", str(gen), "-w", str(a.workers), "-o", str(ver)])
                runs.append(r)
                print(f"  verify   n={n}: {r.seconds:.1f} s, rc {r.rc}", flush=True)
                if r.rc != 0:
                    print(r.tail)
                    return 1
            for d in (gen, ver):  # keep the disk footprint of the largest run only
                if n != sizes[-1]:
                    shutil.rmtree(d, ignore_errors=True)
    finally:
        if not a.workdir:
            shutil.rmtree(root, ignore_errors=True)

    print()
    print(f"{'stage':<9} {'N':>9} {'seconds':>9} {'rows/s':>9} {'µs/row':>8} {'tree peak MB':>13} {'main maxrss MB':>15}")
    for r in runs:
        print(f"{r.stage:<9} {r.n:>9} {r.seconds:>9.1f} {r.n / r.seconds:>9.0f} {1e6 * r.seconds / r.n:>8.0f} "
              f"{_fmt(r.tree_peak_mb, '13.0f'):>13} {r.main_peak_mb:>15.0f}")
    print()
    ok = True
    for stage in ("generate", "verify"):
        rs = [r for r in runs if r.stage == stage]
        for small, big in zip(rs, rs[1:]):
            # time per row of the bigger run over the smaller: 1.0 is perfectly linear; start-up (~2 s of imports)
            # weighs more on the small run, so a ratio below 1 is expected
            per_row = (big.seconds / big.n) / (small.seconds / small.n)
            mem = big.main_peak_mb / small.main_peak_mb
            linear = per_row < 1.5
            flat = mem < 1.5
            ok &= linear and flat
            print(f"{stage:<9} {small.n:>9} -> {big.n:<9}: time/row × {per_row:.2f} ({'linear' if linear else 'NOT linear'})"
                  f", peak memory × {mem:.2f} ({'flat' if flat else 'GROWS'})")
    if a.json:
        Path(a.json).write_text(json.dumps([r.__dict__ for r in runs], indent=1))
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
