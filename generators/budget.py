"""Solver budgets: conflict and time limits on one solve or one row's solves, and the budget knobs of puzzles."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from hardgen.generators.base import OverBudget, knob

#: defaults of the puzzle families' `proof_conflicts` / `proof_seconds` knobs: the proofs of every named level
#: take at most a few thousand conflicts (`bench/bench_proof_budget.py` prints the largest seen), so only a knob
#: setting far past the levels reaches them, and that draw is redrawn instead of stalling the stage
PROOF_CONFLICTS, PROOF_SECONDS = 100_000, 30.0


@dataclass(frozen=True)
class Budget:
    """Limits on one solver call (or one row's calls, via `Deadline`): conflicts and wall-clock seconds; None
    means unlimited."""

    conflicts: int | None = None
    seconds: float | None = None

    @classmethod
    def proof_of(cls, kn: Any) -> "Budget":
        """The generation-side uniqueness-proof budget a puzzle's knobs name."""
        return cls(getattr(kn, "proof_conflicts", PROOF_CONFLICTS), getattr(kn, "proof_seconds", PROOF_SECONDS))

    def as_dict(self) -> dict:
        return {"conflicts": self.conflicts, "seconds": self.seconds}

    def describe(self) -> str:
        plural = "" if self.conflicts == 1 else "s"
        parts = ([f"{self.conflicts:,} conflict{plural} per solve"] if self.conflicts is not None else []) + \
                ([f"{self.seconds:g} s per row"] if self.seconds is not None else [])
        return ", ".join(parts) or "unlimited"


class Deadline:
    """One budget shared by the several solver calls of one row: each call gets the conflicts and what is left
    of the seconds."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.end = None if budget.seconds is None else time.monotonic() + budget.seconds

    def left(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - time.monotonic())


def limited_solve(s: Any, budget: Budget | Deadline | None, assumptions: list[int] | tuple = ()) -> bool | None:
    """`s.solve` (a python-sat solver) within a conflict and time budget: True / False, or None when the budget
    ran out first. Within the budget the search is the one `s.solve` makes, so answers do not change."""
    if isinstance(budget, Deadline):
        conflicts, seconds = budget.budget.conflicts, budget.left()
    elif budget is not None:
        conflicts, seconds = budget.conflicts, budget.seconds
    else:
        conflicts = seconds = None
    if conflicts is None and seconds is None:
        return bool(s.solve(assumptions=list(assumptions)))
    if seconds is not None and seconds <= 0:
        return None
    s.conf_budget(-1 if conflicts is None else conflicts)
    timer = None
    if seconds is not None and _can_interrupt(s):  # otherwise the seconds are checked between calls only
        timer = threading.Timer(seconds, s.interrupt)
        timer.daemon = True
        timer.start()
    try:
        res = s.solve_limited(assumptions=list(assumptions), expect_interrupt=seconds is not None)
    finally:
        if timer is not None:
            timer.cancel()
            s.clear_interrupt()  # a timer that fired just as the solve finished must not stop the next call
    return res


def _can_interrupt(s: Any) -> bool:
    """python-sat's CaDiCaL takes a conflict budget but cannot be interrupted from another thread."""
    return not type(getattr(s, "solver", s)).__name__.lower().startswith("cadical")


def proof_conflicts_knob(default: int = PROOF_CONFLICTS) -> Any:
    return knob(default, lo=1, hi=10**9, budget=True,
                help="conflict budget of each SAT call of the uniqueness proof while generating; a puzzle not "
                     "proved unique within it is not written: it is redrawn with a new seed and counted "
                     "(over_budget in the generate summary)")


def proof_seconds_knob(default: float = PROOF_SECONDS) -> Any:
    return knob(default, lo=0.001, hi=86_400.0, budget=True,
                help="time budget in seconds of one puzzle's generation solves (a guard against a hang; conflicts "
                     "decide first, so rows are the same on any machine unless this is hit)")


def over_budget(budget: Budget | Deadline, what: str = "uniqueness not proved") -> OverBudget:
    b = budget.budget if isinstance(budget, Deadline) else budget
    return OverBudget(f"{what} within budget ({b.describe()})")
