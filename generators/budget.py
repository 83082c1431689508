"""Solver budgets: conflict and time limits on one solve or one row's solves, and the budget knobs of puzzles."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from hardgen.generators.base import OverBudget, knob

#: defaults of the puzzle families' `proof_conflicts` / `proof_seconds` knobs: the proofs of every named level
#: take at most a few hundred conflicts per solve (`bench/bench_proof_budget.py` prints the largest), so only a knob
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


class _Watchdog:
    """One daemon thread per process that interrupts solves whose time is up.

    A puzzle makes dozens of short solves per row; a timer thread per solve cost more than the solves. Arming
    and disarming here take a lock and, only when the new end is the earliest, a wake-up of the thread.
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._armed: dict[int, tuple[Any, float]] = {}  # token -> (solver, monotonic end)
        self._next = 0
        self._waiting_until = float("inf")
        self._thread: threading.Thread | None = None

    def arm(self, solver: Any, seconds: float) -> int:
        end = time.monotonic() + seconds
        with self._cv:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hardgen-solve-watchdog", daemon=True)
                self._thread.start()
            self._next += 1
            self._armed[self._next] = (solver, end)
            if end < self._waiting_until:
                self._cv.notify()
            return self._next

    def disarm(self, token: int) -> None:
        with self._cv:  # after this returns the thread no longer touches the solver
            self._armed.pop(token, None)

    def _run(self) -> None:
        with self._cv:
            while True:
                now = time.monotonic()
                for token, (solver, end) in list(self._armed.items()):
                    if end <= now:
                        solver.interrupt()
                        del self._armed[token]
                self._waiting_until = min((end for _, end in self._armed.values()), default=float("inf"))
                self._cv.wait(None if self._waiting_until == float("inf") else self._waiting_until - now)


_WATCHDOG = _Watchdog()


def _fresh_watchdog_after_fork() -> None:
    # a forked child has the parent's watchdog object but not its thread: start its own on first use
    global _WATCHDOG
    _WATCHDOG = _Watchdog()


os.register_at_fork(after_in_child=_fresh_watchdog_after_fork)


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
    token = None
    if seconds is not None and _can_interrupt(s):  # otherwise the seconds are checked between calls only
        token = _WATCHDOG.arm(s, seconds)
    try:
        res = s.solve_limited(assumptions=list(assumptions), expect_interrupt=token is not None)
    finally:
        if token is not None:
            _WATCHDOG.disarm(token)
            s.clear_interrupt()  # an interrupt that came just as the solve finished must not stop the next call
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
