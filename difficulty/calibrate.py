"""Calibration: find the knob levels of a family whose pass rate for a solver hits a target.

Levels are ordered easy → hard (the family's `levels`, or a numeric knob swept over values); pass rate is assumed
to fall along that order, so a binary search brackets the target with few evaluations. Every evaluated level is
reported with its pass rate and interval, and the closest one is chosen.
"""

from __future__ import annotations

from typing import Any

from hardgen.difficulty.grade import grade_rows
from hardgen.difficulty.stats import interval
from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.models.base import get_solver


def evaluate_level(family: str, knobs: dict, solver, n: int, k: int, seed: int, label: str) -> dict:
    """Generate `n` problems at `knobs`, grade each with `k` rollouts; pool the pass rate with a Wilson interval."""
    rows = [generate_one(family, label, knobs, seed, i) for i in range(n)]
    graded, _ = grade_rows(rows, [solver], k, seed, f"calibrate-{label}", None)
    c = sum(r["difficulty"]["grades"][solver.spec]["correct"] for r in graded)
    total = n * k
    lo, hi = interval(c, total)
    per_problem = [r["difficulty"]["grades"][solver.spec]["pass_rate"] for r in graded]
    return {"level": label, "knobs": knobs, "pass_rate": c / total, "ci": [round(lo, 4), round(hi, 4)],
            "problems": n, "k": k, "solved_any": sum(p > 0 for p in per_problem) / n}


def calibrate(family: str, solver: str, target: float, n: int = 32, k: int = 4, seed: int = 0,
              sweep: tuple[str, list[Any]] | None = None, exhaustive: bool = False) -> dict:
    """Find the level whose pass rate for `solver` is closest to `target`.

    `sweep=("n", [20, 40, 80])` searches values of one knob (on top of the defaults) instead of named levels.
    `exhaustive=True` evaluates every level instead of binary search.

    >>> calibrate("sat.ksat", "sat:cdcl@50", target=0.3)  # doctest: +SKIP
    """
    if not 0 <= target <= 1:
        raise HardgenError(f"--target must be a pass rate in [0, 1], got {target}")
    if n < 1 or k < 1:
        raise HardgenError(f"need n >= 1 and k >= 1, got n={n}, k={k}")
    if family.startswith("external."):
        raise HardgenError(f"calibrate does not apply to imported problems ({family}): they have no knobs to set "
                           "their difficulty; grade them and keep a pass-rate window (gen grade, gen select)")
    fam = get_family(family)
    if sweep is None:
        ladder = [(name, fam.resolve_knobs(name).as_dict()) for name in fam.levels]
    else:
        knob, values = sweep
        if not values:
            raise HardgenError("--sweep needs at least one value")
        ladder = [(f"{knob}={v}", fam.resolve_knobs(None, {knob: v}).as_dict()) for v in values]
    evaluated: dict[int, dict] = {}
    with get_solver(solver) as s:
        def ev(i: int) -> dict:
            if i not in evaluated:
                evaluated[i] = evaluate_level(family, ladder[i][1], s, n, k, seed, ladder[i][0])
            return evaluated[i]

        if exhaustive or len(ladder) <= 2:
            for i in range(len(ladder)):
                ev(i)
        else:
            lo, hi = 0, len(ladder) - 1
            if ev(lo)["pass_rate"] <= target:
                pass  # even the easiest level is at or below the target
            elif ev(hi)["pass_rate"] >= target:
                pass  # even the hardest level is at or above the target
            else:
                while hi - lo > 1:  # invariant: pass(lo) > target > pass(hi)
                    mid = (lo + hi) // 2
                    if ev(mid)["pass_rate"] > target:
                        lo = mid
                    else:
                        hi = mid
    table = [evaluated[i] for i in sorted(evaluated)]
    best = min(table, key=lambda r: abs(r["pass_rate"] - target))
    monotone = all(a["pass_rate"] >= b["pass_rate"] - 0.05 for a, b in zip(table, table[1:]))
    return {"family": family, "solver": solver, "target": target, "table": table, "best": best,
            "monotone": monotone}
