"""sat.saturn generation speed at Saturn's own (n, k, l) levels and far beyond, and the largest instance made
within a time budget (a minute by default).

    python bench/bench_saturn.py           # under two minutes
    python bench/bench_saturn.py --quick   # ~20 s
"""

from __future__ import annotations

import argparse
import time

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.generators.sat.saturn import SATURN_LEVELS, saturn_d, var_name

BEYOND = [(3, 10, 45), (3, 20, 90), (3, 50, 220), (4, 30, 290), (3, 100, 420), (3, 200, 840)]


def knobs_for(n: int, k: int, l: int, unique: bool = True) -> dict:
    """Unique where counting allows it (Saturn's small levels cannot have one solution), else any-solution."""
    fam = get_family("sat.saturn")
    try:
        return fam.resolve_knobs(None, {"n": n, "k": k, "l": l, "unique": unique}).as_dict()
    except HardgenError:
        return fam.resolve_knobs(None, {"n": n, "k": k, "l": l, "unique": False}).as_dict()


def rate(knobs: dict, seconds: float, max_rows: int) -> tuple[float, int, float]:
    """(rows/s, rows, mean conflicts) generating for about `seconds`."""
    t0 = time.perf_counter()
    rows, conflicts = 0, 0
    while rows < max_rows and (rows == 0 or time.perf_counter() - t0 < seconds):
        rec = generate_one("sat.saturn", None, knobs, 0, rows)
        conflicts += rec["difficulty"]["effort"]["glucose4"]["conflicts"]
        rows += 1
    return rows / (time.perf_counter() - t0), rows, conflicts / rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget", type=float, default=None, help="seconds for the largest-instance search "
                                                                "(default 60, quick 10)")
    args = ap.parse_args()
    per_level = 0.4 if args.quick else 2.0
    budget = args.budget or (10.0 if args.quick else 60.0)
    print(f"{'(n,k,l)':>14} {'unique':>6} {'D(n,k,l)':>9} {'rows/s':>9} {'rows':>5} {'conflicts':>9}")
    for n, k, l in SATURN_LEVELS + BEYOND:
        kn = knobs_for(n, k, l)
        try:
            r, rows, c = rate(kn, per_level, 2000)
        except HardgenError:  # counting allows one solution, but random cuts rarely reach it at this size
            kn = knobs_for(n, k, l, unique=False)
            r, rows, c = rate(kn, per_level, 2000)
        print(f"{str((n, k, l)):>14} {str(kn['unique']):>6} {saturn_d(n, k, l):>9.2f} {r:>9.2f} {rows:>5} {c:>9.1f}")
    # the largest instance in the budget: k doubles at ratio 4.2 (any-solution, as Saturn asks) until time runs out
    print(f"\nlargest instance within {budget:.0f} s (n=3, l = 4.2 k, unique=false):")
    t0 = time.perf_counter()
    k, best, last = 100, None, 0.0
    while True:
        left = budget - (time.perf_counter() - t0)
        if left < 2.5 * last:  # the next size takes a few times longer; stop before overrunning the budget
            break
        kn = knobs_for(3, k, round(4.2 * k), unique=False)
        t = time.perf_counter()
        rec = generate_one("sat.saturn", None, kn, 0, 0)
        last = time.perf_counter() - t
        best = (k, round(4.2 * k), len(rec["prompt"]), last)
        print(f"  k={k:>7} l={best[1]:>8}: {last:7.2f} s, prompt {best[2] / 1e6:.2f} MB")
        k *= 2
    if best:
        print(f"largest: k={best[0]} variables, l={best[1]} clauses in {best[3]:.1f} s "
              f"(variable names run A .. {var_name(best[0])})")


if __name__ == "__main__":
    main()
