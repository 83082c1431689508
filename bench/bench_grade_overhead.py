"""Overhead of `gen grade` (sharding, scoring, statistics, rollout files) over calling the backend directly.

Both runs use the same tiny local model, the same problems, k and seed; the ratio is grade time / backend time.

    python bench/bench_grade_overhead.py [--problems 64 --k 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--problems", type=int, default=64)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    args = ap.parse_args()
    import os

    os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.generate import generate_dataset
    from hardgen.models.base import get_solver
    from hardgen.models.tiny import build_tiny_model
    from hardgen.core.store import read_records

    tmp = Path(tempfile.mkdtemp())
    model = build_tiny_model(tmp / "tiny")
    generate_dataset(["math.modular"], n=args.problems, out=str(tmp / "raw"), workers=1)
    rows = read_records(tmp / "raw")
    spec = f"hf:{model}?max_new_tokens={args.max_new_tokens}&temperature=1.0"
    t = time.perf_counter()
    solver = get_solver(spec)
    load = time.perf_counter() - t
    solver.solve(rows[:2], 1, seed=99)  # warm up
    best_direct, best_grade = float("inf"), float("inf")
    for rep in range(3):
        t = time.perf_counter()
        for j in range(0, len(rows), 64):  # the same batches grade uses
            solver.solve(rows[j:j + 64], args.k, seed=rep)
        best_direct = min(best_direct, time.perf_counter() - t)
        t = time.perf_counter()
        grade_dataset(str(tmp / "raw"), str(tmp / f"graded{rep}"), [spec], k=args.k, seed=rep)
        best_grade = min(best_grade, time.perf_counter() - t)
    print(f"{args.problems} problems × k={args.k}, tiny model, {args.max_new_tokens} new tokens")
    print(f"backend directly : {best_direct:.2f} s")
    print(f"gen grade        : {best_grade:.2f} s   (includes loading the model: {load:.2f} s)")
    print(f"overhead         : {100 * (best_grade / best_direct - 1):+.1f}% all in, "
          f"{100 * ((best_grade - load) / best_direct - 1):+.1f}% without the model load")


if __name__ == "__main__":
    main()
