"""logic.futoshiki: a Latin square with inequality signs between neighbours, solution proved unique by SAT."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from pysat.solvers import Solver

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.logic._grid import (UniquenessOracle, format_rows, given_clauses, grid_of_model,
                                            latin_rules, reduce_clues, render_grid_model)
from hardgen.generators.logic._grid import cell_var as var
from hardgen.verifiers.logic import givens_grid
from hardgen.generators.budget import Budget, limited_solve, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.sat._cnf import CHECK_BACKEND
from hardgen.verifiers.base import Checks


@lru_cache(maxsize=None)
def rules(n: int) -> tuple[tuple[int, ...], ...]:
    """Latin-square rules (direct encoding), cached per size."""
    return tuple(tuple(x) for x in latin_rules(n, lambda r, c, d: var(n, r, c, d)))


def less_clauses(n: int, a: tuple[int, int], b: tuple[int, int]) -> list[list[int]]:
    """Cell a holds a smaller value than cell b: forbid every pair (i at a, j at b) with i >= j."""
    return [[-var(n, a[0], a[1], i), -var(n, b[0], b[1], j)] for i in range(n) for j in range(i + 1)]


def adjacent_pairs(n: int) -> list[tuple[int, int, int, int]]:
    out = []
    for r in range(n):
        for c in range(n):
            if c + 1 < n:
                out.append((r, c, r, c + 1))
            if r + 1 < n:
                out.append((r, c, r + 1, c))
    return out


def draw(givens: list[list[int]], less: list[list[int]]) -> str:
    """The puzzle as text: '_' for an empty cell, < > between row neighbours, ^ v between column neighbours."""
    n = len(givens)
    rel: dict[tuple[int, int, int, int], str] = {}
    for r1, c1, r2, c2 in less:
        a, b = (r1, c1), (r2, c2)
        lo, hi = min(a, b), max(a, b)
        smaller_first = a == lo
        if lo[0] == hi[0]:
            rel[(*lo, *hi)] = "<" if smaller_first else ">"
        else:
            rel[(*lo, *hi)] = "^" if smaller_first else "v"
    lines = []
    for r in range(n):
        row = []
        for c in range(n):
            row.append(str(givens[r][c]) if givens[r][c] else "_")
            if c + 1 < n:
                row.append(rel.get((r, c, r, c + 1), " "))
        lines.append(" ".join(row))
        if r + 1 < n:
            lines.append("   ".join(rel.get((r, c, r + 1, c), " ") for c in range(n)).rstrip())
    return "\n".join(lines)


#: budget of each solve in `gen verify`'s uniqueness proof; a proper 9x9 puzzle needs a few hundred conflicts, so
#: only a malformed or adversarial row reaches it, and that row is invalid rather than a stalled stage
UNIQUENESS_BUDGET = Budget(conflicts=2_000_000, seconds=10.0)


def count_solutions_order(n: int, givens: list[list[int]], less: list[list[int]], limit: int = 2,
                          budget: Budget | None = None) -> tuple[int | None, list[list[int]] | None]:
    """Solutions up to `limit` with an independent encoding: order encoding ("value > k") and MiniSat (the
    generator uses the direct encoding).

    Returns (count, first solution); count is None when a solve ran past `budget`.
    """
    def y(r: int, c: int, k: int) -> int:  # value of (r, c) exceeds k, for k in 1..n-1
        return (r * n + c) * (n - 1) + k

    TOP = n * n * (n - 1) + 1  # always true: "value > 0"
    def gt(r: int, c: int, k: int) -> int:
        if k <= 0:
            return TOP
        if k >= n:
            return -TOP
        return y(r, c, k)

    cl: list[list[int]] = [[TOP]]
    cells = [(r, c) for r in range(n) for c in range(n)]
    for r, c in cells:
        for k in range(1, n - 1):
            cl.append([-y(r, c, k + 1), y(r, c, k)])
    lines = [[(r, c) for c in range(n)] for r in range(n)] + [[(r, c) for r in range(n)] for c in range(n)]
    for ln in lines:
        for i in range(n):
            for j in range(i + 1, n):
                a, b = ln[i], ln[j]
                for v in range(1, n + 1):  # not both equal to v
                    cl.append([-gt(*a, v - 1), gt(*a, v), -gt(*b, v - 1), gt(*b, v)])
    for r1, c1, r2, c2 in less:
        for k in range(0, n):  # a > k  ->  b > k + 1
            cl.append([-gt(r1, c1, k), gt(r2, c2, k + 1)])
    for r, c in cells:
        d = givens[r][c]
        if d:
            cl.append([gt(r, c, d - 1)])
            cl.append([-gt(r, c, d)])
    first = None
    count = 0
    with Solver(name=CHECK_BACKEND, bootstrap_with=cl) as s:
        while count < limit:
            found = limited_solve(s, budget)
            if found is None:
                return None, first
            if not found:
                break
            m = s.get_model()
            pos = set(l for l in m if l > 0)
            sol = [[1 + sum(1 for k in range(1, n) if y(r, c, k) in pos) for c in range(n)] for r in range(n)]
            if first is None:
                first = sol
            count += 1
            s.add_clause([-l if l in pos else l for l in (y(r, c, k) for r, c in cells for k in range(1, n))])
    return count, first


@dataclass(frozen=True)
class FutoshikiKnobs(Knobs):
    size: int = knob(5, lo=3, hi=9, help="grid side n (values 1..n)")
    inequalities: int = knob(8, lo=0, hi=144, help="number of inequality signs between neighbouring cells")
    givens: int = knob(4, lo=0, hi=81, help="number of given digits")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()

    def check(self) -> None:
        n = self.size
        if self.inequalities > 2 * n * (n - 1):
            raise HardgenError(f"knob 'inequalities' must be at most {2 * n * (n - 1)} for size {n} "
                               f"(the number of neighbouring pairs), got {self.inequalities}")
        if self.givens > n * n:
            raise HardgenError(f"knob 'givens' must be at most {n * n} for size {n}, got {self.givens}")


@register
class Futoshiki(Family, SatEncodable):
    name = "logic.futoshiki"
    version = "2"  # 2: budget knobs (proof_conflicts, proof_seconds) in source.knobs; proofs budgeted
    Knobs = FutoshikiKnobs
    levels = {
        "easy": {"size": 4, "inequalities": 5, "givens": 3},
        "medium": {"size": 5, "inequalities": 8, "givens": 4},
        "hard": {"size": 7, "inequalities": 18, "givens": 6},
        "extreme": {"size": 9, "inequalities": 36, "givens": 12},
    }
    description = "Complete a Futoshiki grid (Latin square with inequality signs) that has exactly one solution."
    verification = ("A random Latin square comes from a SAT solver (random first row and phases). One solver instance "
                    "holds the rules plus every neighbouring pair's sign behind a selector literal; givens, then "
                    "signs, are removed in random order while that solver, with the kept ones as assumptions and "
                    "the solution blocked under an activation literal, proves no second solution. `gen verify` "
                    "re-solves with an independent order encoding on MiniSat and requires exactly one solution "
                    "equal to the answer (each solve within 2,000,000 conflicts and 10 s, else the row is invalid: "
                    "uniqueness not proved within budget); responses are checked against the rules, not by string "
                    "match.")

    def generate(self, k: FutoshikiKnobs, rng: random.Random) -> Candidate:
        n = k.size
        with UniquenessOracle(rules(n), n ** 3 + 2 * n * (n - 1), budget=Budget.proof_of(k)) as oracle:
            first = list(range(n))
            rng.shuffle(first)
            phases = []
            for r in range(1, n):
                for c in range(n):
                    pick = rng.randrange(n)
                    phases += [var(n, r, c, d) if d == pick else -var(n, r, c, d) for d in range(n)]
            oracle.set_phases(phases)
            model = oracle.solve([var(n, 0, c, first[c]) for c in range(n)])
            if model is None:  # cannot happen: every permutation starts a Latin square
                raise Reject("no Latin square extends the first row")
            sol = grid_of_model(n, model)
            # every neighbouring pair's sign, each switched on by a selector literal; givens are removed first
            # (all signs on), then signs (the kept givens on), so both counts are reached whenever they can be
            pairs = adjacent_pairs(n)
            rng.shuffle(pairs)
            signs: dict[int, list[int]] = {}
            for i, (r1, c1, r2, c2) in enumerate(pairs):
                a, b = ((r1, c1), (r2, c2)) if sol[r1][c1] < sol[r2][c2] else ((r2, c2), (r1, c1))
                sel = n ** 3 + 1 + i
                signs[sel] = [a[0], a[1], b[0], b[1]]
                for cl in less_clauses(n, a, b):
                    oracle.solver.add_clause([-sel, *cl])
            clues = [var(n, r, c, sol[r][c] - 1) for r in range(n) for c in range(n)]
            oracle.fix_solution(clues)
            rng.shuffle(clues)
            kept = reduce_clues(oracle, clues, k.givens, fixed=list(signs))
            if len(kept) > k.givens:
                raise Reject(f"uniqueness needs {len(kept)} givens, more than {k.givens}")
            kept_signs = reduce_clues(oracle, list(signs), k.inequalities, fixed=kept)
            if len(kept_signs) > k.inequalities:
                raise Reject(f"uniqueness needs {len(kept_signs)} inequalities, more than {k.inequalities}")
            effort = oracle.proof_effort([*kept, *kept_signs])
        less = [signs[s] for s in kept_signs]
        kept_cells = {(l - 1) // n for l in kept}
        givens = [[sol[r][c] if r * n + c in kept_cells else 0 for c in range(n)] for r in range(n)]
        less.sort()
        listed = ", ".join(f"(row {a + 1}, col {b + 1}) < (row {c + 1}, col {d + 1})" for a, b, c, d in less)
        prompt = (f"Solve this {n}x{n} Futoshiki puzzle. Fill every empty cell (shown as '_') with a number from 1 "
                  f"to {n} so that each row and each column contains each number 1 to {n} exactly once, and every "
                  "inequality sign holds. Between two cells of a row, '<' and '>' compare the left cell with the "
                  "right one; between two cells of a column, '^' means the upper cell is smaller than the lower "
                  "one and 'v' means the upper cell is larger. The given numbers must stay as they are. The puzzle "
                  f"has exactly one solution.\n\n{draw(givens, less)}\n\n"
                  f"The same inequalities as a list (rows and columns numbered from 1 at the top left): "
                  f"{listed or 'none'}.\n\n"
                  f"Give the completed grid inside \\boxed{{}}: {n} lines, one per row from top to bottom, each "
                  f"line holding the {n} numbers of that row from left to right separated by single spaces.")
        check = {"kind": "logic.futoshiki",
                 "params": {"size": n, "givens": ["".join(str(x) if x else "." for x in row) for row in givens],
                            "less": less}}
        return Candidate(prompt, format_rows(sol), check,
                         {"givens": len(kept), "inequalities": len(less), **effort})

    def rederive(self, record: dict) -> Checks:
        p = record["check"]["params"]
        n = int(p["size"])
        count, sol = count_solutions_order(n, givens_grid(p), p["less"], budget=UNIQUENESS_BUDGET)
        checks = Checks()
        if count is None:
            checks["unique_solution"] = False
            checks.reasons.append(f"uniqueness not proved within budget ({UNIQUENESS_BUDGET.conflicts:,} conflicts, "
                                  f"{UNIQUENESS_BUDGET.seconds:g} s per solve)")
            return checks
        checks["unique_solution"] = count == 1
        checks["rederived"] = count >= 1 and format_rows(sol) == record["answer"]
        return checks

    # ---- SatEncodable
    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        n = int(p["size"])
        cl = [list(x) for x in rules(n)]
        for r1, c1, r2, c2 in p["less"]:
            cl += less_clauses(n, (r1, c1), (r2, c2))
        return n ** 3, cl + given_clauses(givens_grid(p))

    def render_model(self, record: dict, model: list[int] | None) -> str:
        return render_grid_model(record, model)


