"""Engine benchmark: the same generate + verify job with 1, 2, 4 and 8 workers (the local pool) and Ray on a local
instance; wall time, speed-up over 1 worker, efficiency (speed-up / workers), and a check that every run writes
identical bytes. The local engine starts a pool only when the work repays it (`engine.pool_size`), so a small
job shows ~1× at every worker count rather than a slow-down.

Runs the library functions in this process (no CLI start-up in the figures). The Ray runs route the stages'
`map_ordered` through `hardgen.core.engine_ray.map_ordered_ray`; Ray's own start-up is timed separately.

    python bench/bench_workers.py                         # a light job (math.modular) and a heavy one (logic.kakuro)
    python bench/bench_workers.py --job heavy --workers 1,2,4
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

JOBS = {
    # (family, level, n): cheap rows (~0.2 ms), so engine overhead shows; costly rows (~30 ms: kakuro with SAT
    # uniqueness proofs), so it does not
    "light": ("math.modular", "medium", 20_000),
    "heavy": ("logic.kakuro", "medium", 300),
}


def _digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(d)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def _engine(name: str, workers: int):
    """Route the stages' map_ordered through Ray for name == 'ray' (the hook engine.map_ordered does not have yet)."""
    if name != "ray":
        yield
        return
    import hardgen.stages.generate as run
    import hardgen.stages.verify as validity
    from hardgen.core.engine_ray import map_ordered_ray

    def via_ray(fn, tasks, workers=None, window=None, **_):  # engine=, size_pool= are the local engine's
        return map_ordered_ray(fn, tasks, workers, window)

    saved = run.map_ordered, validity.map_ordered
    run.map_ordered = validity.map_ordered = via_ray
    try:
        yield
    finally:
        run.map_ordered, validity.map_ordered = saved


def run_job(job: str, engine: str, workers: int, root: Path) -> dict:
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    family, level, n = JOBS[job]
    # the same paths for every engine: the verify manifest records its input path, so the bytes can match
    gen, ver = root / f"{job}-gen", root / f"{job}-ver"
    with _engine(engine, workers):
        t0 = time.perf_counter()
        generate_dataset([family], n=n, out=str(gen), seed=4, level=level, workers=workers, shard_rows=250)
        t1 = time.perf_counter()
        verify_dataset(str(gen), str(ver), workers=workers)
        t2 = time.perf_counter()
    out = {"job": job, "engine": engine, "workers": workers, "generate_s": t1 - t0, "verify_s": t2 - t1, "rows": n,
           "digest": _digest(gen) + "/" + _digest(ver)}
    shutil.rmtree(gen)
    shutil.rmtree(ver)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--job", choices=[*JOBS, "all"], default="all")
    ap.add_argument("--workers", default="1,2,4,8", help="worker counts to run, comma-separated (default 1,2,4,8)")
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args(argv)
    os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
    from hardgen.generators.base import load_families

    load_families()  # imports out of the timings
    counts = sorted({int(w) for w in a.workers.split(",")} | {1})
    engines = [("local", w) for w in counts]
    ray_start = None
    if not a.no_ray:
        from hardgen.core.engine_ray import ensure_ray, ray_available

        if ray_available():
            t0 = time.perf_counter()
            ensure_ray(workers=counts[-1])
            ray_start = time.perf_counter() - t0
            engines.append(("ray", counts[-1]))
        else:
            print("ray is not installed: skipping the Ray runs (pip install 'ray[data]')")
    root = Path(tempfile.mkdtemp(prefix="hardgen-workers-"))
    rows = []
    try:
        for job in (JOBS if a.job == "all" else [a.job]):
            for engine, w in engines:
                r = run_job(job, engine, w, root)
                rows.append(r)
                print(f"  {job:<6} {engine:<5} workers={w}: generate {r['generate_s']:.1f} s, "
                      f"verify {r['verify_s']:.1f} s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    cpus = len(os.sched_getaffinity(0))
    print(f"\ncpus {cpus}; load average {os.getloadavg()[0]:.1f}; the engine starts at most {cpus} workers"
          + (f"; Ray start-up {ray_start:.1f} s (once per process, not in the figures)" if ray_start else ""))
    print(f"{'job':<6} {'rows':>6} {'engine':<6} {'workers':>7} {'generate s':>10} {'verify s':>9} {'total s':>8} "
          f"{'vs 1 worker':>11} {'efficiency':>10}  identical")
    ok = True
    for job in dict.fromkeys(r["job"] for r in rows):
        rs = [r for r in rows if r["job"] == job]
        base = rs[0]["generate_s"] + rs[0]["verify_s"]
        for r in rs:
            total = r["generate_s"] + r["verify_s"]
            same = r["digest"] == rs[0]["digest"]
            ok &= same
            print(f"{job:<6} {r['rows']:>6} {r['engine']:<6} {r['workers']:>7} {r['generate_s']:>10.1f} "
                  f"{r['verify_s']:>9.1f} {total:>8.1f} {base / total:>10.2f}× {base / total / r['workers']:>10.0%}  "
                  f"{'yes' if same else 'NO'}")
    if ray_start is not None:
        from hardgen.core.engine_ray import shutdown_ray

        shutdown_ray()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
