"""Shared helpers for the SAT-proved logic puzzles: CNF building blocks, uniqueness proofs (answers are read and
checked in `hardgen.verifiers.logic`)."""

from __future__ import annotations

import random
from typing import Iterable, Sequence

from pysat.solvers import Solver

from hardgen.generators.budget import Budget, Deadline, limited_solve, over_budget
from hardgen.verifiers.base import Checks

#: the solver that proves uniqueness during generation (rederive routes use their own algorithms): MiniSat, since
#: it can be stopped by a conflict and a time budget (python-sat's CaDiCaL takes only conflicts) and is as fast on
#: these small incremental proofs
GEN_SOLVER = "minisat22"


# ---------------------------------------------------------------- CNF building blocks

def at_most_one(lits: Sequence[int]) -> list[list[int]]:
    """Pairwise at-most-one; the puzzles here have short groups (<= 30 literals), where it beats counters."""
    return [[-lits[i], -lits[j]] for i in range(len(lits)) for j in range(i + 1, len(lits))]


def exactly_one(lits: Sequence[int]) -> list[list[int]]:
    return [list(lits)] + at_most_one(lits)


class VarCounter:
    """Hands out fresh DIMACS variable numbers (1, 2, ...), so encoders can add auxiliaries after the main grid."""

    def __init__(self, start: int = 0) -> None:
        self.top = start

    def new(self) -> int:
        self.top += 1
        return self.top


# ---------------------------------------------------------------- budgets of the independent proofs

#: search nodes `gen verify`'s independent uniqueness proof may visit per puzzle; proper puzzles of the named
#: levels need a few thousand, so only a malformed or adversarial row reaches it, and that row is invalid
#: ("uniqueness not proved within budget") rather than a stalled stage
UNIQUENESS_NODES = 2_000_000


class NodeBudgetExceeded(Exception):
    """A backtracking proof visited more nodes than its budget allowed."""


def over_budget_checks(nodes: int) -> Checks:
    """The checks of a row whose uniqueness proof ran out of nodes: invalid, with the reason."""
    checks = Checks(unique_solution=False)
    checks.reasons.append(f"uniqueness not proved within budget ({nodes:,} search nodes)")
    return checks


# ---------------------------------------------------------------- uniqueness proofs

def effort(solver: Solver) -> dict[str, int]:
    """Conflicts and decisions the solver spent so far (pysat's accumulated statistics)."""
    st = solver.accum_stats() or {}
    return {"conflicts": int(st.get("conflicts", 0)), "decisions": int(st.get("decisions", 0))}


def blocking_clause(target: Iterable[int]) -> list[int]:
    """The clause that excludes exactly the assignment `target` (signed literals over the projected variables)."""
    return [-lit for lit in target]


def prove_unique(num_vars: int, clauses: list[list[int]], target: list[int], solver_name: str = GEN_SOLVER,
                 budget: Budget | Deadline | None = None) -> tuple[bool, list[int] | None, dict[str, int]]:
    """Is `target` (signed literals over the puzzle's decision variables) the only solution of `clauses`?

    Returns (unique, another_model_or_None, effort). `target` must satisfy the clauses; the proof asks the
    solver for a model that differs from it in at least one projected variable (UNSAT = unique). A proof that
    runs past `budget` raises `OverBudget`.
    """
    with Solver(name=solver_name, bootstrap_with=clauses) as s:
        s.add_clause(blocking_clause(target))
        sat = limited_solve(s, budget)
        if sat is None:
            raise over_budget(budget)
        alt = s.get_model() if sat else None
        return (not sat), alt, effort(s)


class ClueSelector:
    """Incremental uniqueness for "add clues until unique, then drop redundant ones".

    The base constraints and the clause that blocks the intended solution are permanent; every clue gets a
    selector literal and joins the search through assumptions. UNSAT under a set of selectors proves that those
    clues pin the intended solution down, because every clue is true of it.
    """

    def __init__(self, base: list[list[int]], target: list[int], num_vars: int, solver_name: str = GEN_SOLVER,
                 budget: Budget | Deadline | None = None) -> None:
        self.budget = budget
        self.vars = VarCounter(num_vars)
        self.solver = Solver(name=solver_name, bootstrap_with=base)
        self.solver.add_clause(blocking_clause(target))
        self.selectors: list[int] = []

    def add(self, clauses: list[list[int]]) -> int:
        """Register a clue's clauses under a fresh selector; returns the clue's index."""
        sel = self.vars.new()
        for c in clauses:
            self.solver.add_clause([-sel] + c)
        self.selectors.append(sel)
        return len(self.selectors) - 1

    def alternative(self, active: Iterable[int]) -> list[int] | None:
        """A model other than the target satisfying the active clues, or None when they force the target;
        raises `OverBudget` when the solve runs past the budget (neither is known then)."""
        found = limited_solve(self.solver, self.budget, [self.selectors[i] for i in active])
        if found is None:
            raise over_budget(self.budget)
        if found:
            return self.solver.get_model()
        return None

    def core(self) -> list[int]:
        """Clue indices in the last UNSAT answer's core (a subset that already forces the target)."""
        index = {sel: i for i, sel in enumerate(self.selectors)}
        return sorted(index[s] for s in (self.solver.get_core() or []) if s in index)

    def minimise(self, active: list[int], rng: random.Random) -> list[int]:
        """Drop clues that are redundant given the others; the result is irredundant (each clue needed)."""
        keep = list(active)
        order = list(keep)
        rng.shuffle(order)
        for i in order:
            trial = [j for j in keep if j != i]
            if self.alternative(trial) is None:
                keep = trial
        return keep

    def effort(self) -> dict[str, int]:
        return effort(self.solver)

    def close(self) -> None:
        self.solver.delete()

    def __enter__(self) -> "ClueSelector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
