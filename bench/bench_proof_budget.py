"""How much of the default proof budget the puzzles' generation-side uniqueness proofs use, and what the budget
costs: per family and level, the most conflicts one solve took, the slowest row, and rows/s with the default
budget against a budget that never runs out (10^9 conflicts, a day): the same rows, since the budgeted search is
the unbudgeted one until it stops. The first level measured also pays the process's warm-up (caches, the watchdog
thread).

    python bench/bench_proof_budget.py              # 40 rows per family and level, about a minute on 2 cores
    python bench/bench_proof_budget.py --rows 200
"""

from __future__ import annotations

import argparse
import os
import time

from hardgen.generators import budget as budget_mod
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_item
from hardgen.generators.logic import _grid, _sat_util

FAMILIES = ["logic.sudoku", "logic.futoshiki", "logic.kakuro", "logic.nonogram", "logic.zebra", "logic.coloring",
            "logic.knights_knaves"]


class SolveMeter:
    """Wraps `limited_solve` where the puzzle helpers call it, recording the conflicts of every call."""

    def __init__(self) -> None:
        self.max_conflicts = 0
        self.calls = 0
        self._orig = budget_mod.limited_solve

    def __call__(self, s, budget, assumptions=()):
        before = (s.accum_stats() or {}).get("conflicts", 0)
        try:
            return self._orig(s, budget, assumptions)
        finally:
            self.calls += 1
            self.max_conflicts = max(self.max_conflicts, (s.accum_stats() or {}).get("conflicts", 0) - before)

    def install(self) -> None:
        _grid.limited_solve = _sat_util.limited_solve = self

    def remove(self) -> None:
        _grid.limited_solve = _sat_util.limited_solve = self._orig


def rows_per_s(family: str, level: str, rows: int, knobs: dict) -> tuple[float, float]:
    """Rows/s and the slowest row in seconds."""
    cls = get_family(family)
    fam, kn = cls(), {**cls.levels[level], **knobs}
    k = cls.Knobs.build(kn)
    slowest, t0 = 0.0, time.perf_counter()
    for i in range(rows):
        t = time.perf_counter()
        generate_item(fam, k, family, level, kn, 0, i, 0.1)
        slowest = max(slowest, time.perf_counter() - t)
    return rows / (time.perf_counter() - t0), slowest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=40, help="rows per family and level")
    args = ap.parse_args()
    print(f"{args.rows} rows per family and level; default budget {budget_mod.PROOF_CONFLICTS:,} conflicts per "
          f"solve, {budget_mod.PROOF_SECONDS:g} s per row; cpus {len(os.sched_getaffinity(0))}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'family':<22}{'level':<9}{'solves':>8}{'max conflicts/solve':>21}{'slowest row s':>15}"
          f"{'rows/s default':>16}{'rows/s 10^9':>13}")
    unlimited = {"proof_conflicts": 10**9, "proof_seconds": 86_400.0}
    for family in FAMILIES:
        for level in get_family(family).levels:
            meter = SolveMeter()
            meter.install()
            try:
                rate, slowest = rows_per_s(family, level, args.rows, {})
            finally:
                meter.remove()
            rate_none, _ = rows_per_s(family, level, args.rows, unlimited)
            print(f"{family:<22}{level:<9}{meter.calls:>8}{meter.max_conflicts:>21,}{slowest:>15.3f}"
                  f"{rate:>16.0f}{rate_none:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
