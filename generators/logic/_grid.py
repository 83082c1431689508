"""Shared pieces of the grid logic families: CNF rules, a uniqueness oracle, clue removal (answer parsing and
checking live in `hardgen.verifiers.logic`)."""

from __future__ import annotations

from typing import Iterable, Sequence

from pysat.card import CardEnc, EncType
from pysat.solvers import Solver

from hardgen.generators.budget import Budget, Deadline, limited_solve, over_budget

#: the solver that holds a family's rules while a puzzle is generated (fast on small incremental calls)
GEN_SOLVER = "minisat22"
#: the solver for rules given as exactly-one groups: MiniSat with native at-most-one constraints (a 9x9 Sudoku's
#: 324 groups load as 648 constraints instead of 11,988 pairwise clauses, which took most of a row's time)
CARD_SOLVER = "minicard"


# ---------------------------------------------------------------- CNF building

def exactly_one(lits: Sequence[int]) -> list[list[int]]:
    """Clauses for "exactly one of `lits`" (pairwise: no auxiliary variables, strong propagation)."""
    return CardEnc.equals(lits=list(lits), bound=1, encoding=EncType.pairwise).clauses


def at_most_one(lits: Sequence[int]) -> list[list[int]]:
    """Clauses for "at most one of `lits`"."""
    if len(lits) < 2:
        return []
    return CardEnc.atmost(lits=list(lits), bound=1, encoding=EncType.pairwise).clauses


def latin_rules(n: int, var) -> list[list[int]]:
    """Each cell holds one value, each row and column holds each value once; `var(r, c, d)` with d in 0..n-1."""
    cl: list[list[int]] = []
    for r in range(n):
        for c in range(n):
            cl += exactly_one([var(r, c, d) for d in range(n)])
    for d in range(n):
        for i in range(n):
            cl += exactly_one([var(i, c, d) for c in range(n)])
            cl += exactly_one([var(r, i, d) for r in range(n)])
    return cl


# ---------------------------------------------------------------- uniqueness

class UniquenessOracle:
    """One solver instance holding a puzzle's rules; clues are passed as assumptions.

    After `fix_solution`, the solution is blocked by one clause guarded by an activation literal, so
    `second_solution(clues)` asks "is there a model other than the solution that agrees with these clues?"
    without rebuilding anything. A fresh oracle per puzzle keeps every answer (models and statistics included)
    a function of the puzzle alone, which keeps generation deterministic.

    >>> with UniquenessOracle([[1, 2], [-1, -2]], 2) as o:  # doctest: +SKIP
    ...     o.fix_solution([1, -2]); o.second_solution([])
    """

    def __init__(self, rules: Iterable[Sequence[int]], num_vars: int, solver: str = GEN_SOLVER,
                 exactly_one_groups: Iterable[Sequence[int]] = (),
                 budget: Budget | Deadline | None = None):
        """`exactly_one_groups` join the rules as one at-least-one clause and one native at-most-one constraint
        each (needs a cardinality solver, e.g. CARD_SOLVER). `budget`: conflicts per solve and seconds for all
        of this puzzle's solves (a `Deadline` shares its seconds with other oracles); a solve that runs out
        raises `OverBudget` (the draw is redrawn, never hangs)."""
        self.num_vars = num_vars
        self.deadline = Deadline(budget) if isinstance(budget, Budget) else budget
        self.solver = Solver(name=solver, bootstrap_with=rules)
        for group in exactly_one_groups:
            self.solver.add_clause(group)
            self.solver.add_atmost(group, 1)
        self.act: int | None = None

    def __enter__(self) -> "UniquenessOracle":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.solver is not None:
            self.solver.delete()
            self.solver = None

    def set_phases(self, lits: list[int]) -> None:
        self.solver.set_phases(lits)

    def _solve(self, assumptions: Sequence[int], what: str) -> bool:
        found = limited_solve(self.solver, self.deadline, assumptions)
        if found is None:
            raise over_budget(self.deadline, what)
        return found

    def solve(self, assumptions: Sequence[int] = ()) -> list[int] | None:
        """A model under the assumptions (the solution is not blocked here), or None."""
        if self.act is not None:
            assumptions = [-self.act, *assumptions]
        if self._solve(assumptions, "no solution found"):
            return self.solver.get_model()
        return None

    def fix_solution(self, true_lits: Sequence[int]) -> None:
        """Block the solution whose true decision literals are `true_lits` (under a fresh activation literal)."""
        self.act = self.num_vars + 1
        self.solver.add_clause([-self.act] + [-l for l in true_lits])

    def second_solution(self, clues: Sequence[int]) -> list[int] | None:
        """A model agreeing with `clues` that differs from the fixed solution, or None when there is none."""
        if self._solve([self.act, *clues], "uniqueness not proved"):
            return self.solver.get_model()
        return None

    def proof_effort(self, clues: Sequence[int]) -> dict[str, int]:
        """Prove no second solution exists for `clues`: the conflicts and decisions of that last proof, and of
        every query this oracle answered while the puzzle was made.

        The oracle is fresh per puzzle, so the counts depend on the puzzle alone. Raises AssertionError if a
        second solution exists (the caller believed the clues were enough).
        """
        before = self.solver.accum_stats()
        model = self.second_solution(clues)
        after = self.solver.accum_stats()
        assert model is None, "clues do not determine the solution"
        return {"proof_conflicts": after.get("conflicts", 0) - before.get("conflicts", 0),
                "proof_decisions": after.get("decisions", 0) - before.get("decisions", 0),
                "total_conflicts": after.get("conflicts", 0), "total_decisions": after.get("decisions", 0)}


def reduce_clues(oracle: UniquenessOracle, clues: Sequence[int], target: int, minimal: bool = False,
                 fixed: Sequence[int] = ()) -> list[int]:
    """Remove clues (tried in the given order) while the solution stays unique; returns the kept clues in order.

    `fixed` are further assumptions held throughout (clues of another kind that are not being removed now).
    Stops at `target` clues unless `minimal`, in which case every clue is tried once and each kept clue is
    necessary: removing it alone admits a second solution (removing more clues only admits more, so a clue found
    necessary early stays necessary).
    """
    kept = dict.fromkeys(clues, True)
    for c in clues:
        if not minimal and len(kept) <= target:
            break
        del kept[c]
        if oracle.second_solution([*fixed, *kept]) is not None:
            kept[c] = True
    return [c for c in clues if c in kept]


# ---------------------------------------------------------------- answers


def cell_var(n: int, r: int, c: int, d: int) -> int:
    """Variable "cell (r, c) holds digit d+1" (0-based r, c, d) in an n x n digit grid."""
    return (r * n + c) * n + d + 1


def grid_of_model(n: int, model: Iterable[int]) -> list[list[int]]:
    """The n x n grid a SAT model sets with `cell_var` variables (0 where no digit is true)."""
    pos = {lit for lit in model if lit > 0}
    return [[next((d + 1 for d in range(n) if cell_var(n, r, c, d) in pos), 0) for c in range(n)] for r in range(n)]


def given_clauses(grid: Sequence[Sequence[int]]) -> list[list[int]]:
    """Unit clauses fixing every given (non-zero) digit of a square grid, in `cell_var` variables."""
    n = len(grid)
    return [[cell_var(n, r, c, grid[r][c] - 1)] for r in range(n) for c in range(n) if grid[r][c]]


def render_grid_model(record: dict, model: list[int] | None) -> str:
    """A digit-grid puzzle's answer from a SAT model over `cell_var` variables, boxed (or "no solution")."""
    if model is None:
        return "The puzzle has no solution."
    n = int(record["check"]["params"]["size"])
    return f"\\boxed{{{format_rows(grid_of_model(n, model))}}}"


def format_rows(grid: Sequence[Sequence[object]]) -> str:
    """Rows of cells separated by single spaces, one row per line (the answer format)."""
    return "\n".join(" ".join(str(x) for x in row) for row in grid)


