"""logic.sudoku: 4x4, 6x6 and 9x9 Sudoku with a solution proved unique by a SAT solver."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic import _sat_util
from hardgen.generators.logic._grid import (CARD_SOLVER, UniquenessOracle, exactly_one, format_rows,
                                            given_clauses, grid_of_model, reduce_clues, render_grid_model)
from hardgen.generators.logic._grid import cell_var as var
from hardgen.verifiers.logic import BOXES, givens_grid, units
from hardgen.generators.logic._sat_util import NodeBudgetExceeded, over_budget_checks
from hardgen.verifiers.base import Checks

#: fewest clues a unique puzzle of each size can have (4x4: 4, 6x6: 8, 9x9: 17)
MIN_CLUES = {4: 4, 6: 8, 9: 17}


@lru_cache(maxsize=None)
def rule_groups(n: int) -> tuple[list[int], ...]:
    """The Sudoku rules as exactly-one groups: the digits of each cell, the cells of each unit holding a digit."""
    groups = [[var(n, r, c, d) for d in range(n)] for r in range(n) for c in range(n)]
    groups += [[var(n, r, c, d) for r, c in u] for u in units(n) for d in range(n)]
    return tuple(groups)


@lru_cache(maxsize=None)
def rules(n: int) -> tuple[tuple[int, ...], ...]:
    """The Sudoku rules as CNF (direct encoding, pairwise exactly-one per group of `rule_groups`); cached."""
    return tuple(tuple(x) for g in rule_groups(n) for x in exactly_one(g))


def givens_rows(grid: list[list[int]]) -> list[str]:
    """Givens as row strings with '.' for an empty cell (the check params and the prompt use them)."""
    return ["".join(str(x) if x else "." for x in row) for row in grid]


def rule_violation(grid: list[list[int]], n: int) -> str | None:
    """The first row, column or box of a filled grid that does not hold each digit once; None when all do."""
    full = set(range(1, n + 1))
    for i, u in enumerate(units(n)):
        if {grid[r][c] for r, c in u} != full:
            kind = ("row", "column", "box")[min(i // n, 2)]
            return f"{kind} {i % n + 1} does not hold each of 1..{n} once"
    return None


def count_solutions(givens: list[list[int]], n: int, limit: int = 2,
                    max_nodes: int | None = None) -> tuple[int, list[list[int]] | None]:
    """Solutions of a Sudoku up to `limit`, by plain backtracking over bitmasks (independent of the CNF route).

    Returns (count, first solution found). Raises `NodeBudgetExceeded` past `max_nodes` search nodes.
    """
    nodes = [0]
    br, bc = BOXES[n]
    full = (1 << n) - 1
    rows, cols, boxes = [0] * n, [0] * n, [0] * n
    g = [row[:] for row in givens]
    empty = []
    for r in range(n):
        for c in range(n):
            d = g[r][c]
            b = (r // br) * (n // bc) + c // bc
            if d:
                bit = 1 << (d - 1)
                if rows[r] & bit or cols[c] & bit or boxes[b] & bit:
                    return 0, None
                rows[r] |= bit
                cols[c] |= bit
                boxes[b] |= bit
            else:
                empty.append((r, c, b))
    found: list[list[list[int]]] = []

    def search(k: int) -> int:
        if max_nodes is not None:
            nodes[0] += 1
            if nodes[0] > max_nodes:
                raise NodeBudgetExceeded(f"more than {max_nodes:,} search nodes")
        if k == len(empty):
            if not found:
                found.append([row[:] for row in g])
            return 1
        # most constrained empty cell first
        best, best_free, best_cnt = k, 0, n + 1
        for i in range(k, len(empty)):
            r, c, b = empty[i]
            free = full & ~(rows[r] | cols[c] | boxes[b])
            cnt = bin(free).count("1")
            if cnt < best_cnt:
                best, best_free, best_cnt = i, free, cnt
                if cnt <= 1:
                    break
        if best_cnt == 0:
            return 0
        empty[k], empty[best] = empty[best], empty[k]
        r, c, b = empty[k]
        total = 0
        free = best_free
        while free and total < limit:
            bit = free & -free
            free ^= bit
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
            g[r][c] = bit.bit_length()
            total += search(k + 1)
            rows[r] ^= bit
            cols[c] ^= bit
            boxes[b] ^= bit
            g[r][c] = 0
        empty[k], empty[best] = empty[best], empty[k]
        return total

    count = search(0)
    return min(count, limit), (found[0] if found else None)


@dataclass(frozen=True)
class SudokuKnobs(Knobs):
    size: int = knob(9, choices=(4, 6, 9), help="grid side: 4 (2x2 boxes), 6 (2x3 boxes) or 9 (3x3 boxes)")
    clues: int = knob(30, lo=4, hi=81, help="number of given digits (with minimal: the most allowed)")
    minimal: bool = knob(False, help="remove clues until every remaining clue is necessary")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()

    def check(self) -> None:
        lo, hi = MIN_CLUES[self.size], self.size * self.size
        if not lo <= self.clues <= hi:
            raise HardgenError(f"knob 'clues' must be in [{lo}, {hi}] for size {self.size}, got {self.clues}")


@register
class Sudoku(Family, SatEncodable):
    name = "logic.sudoku"
    version = "2"  # 2: generated on MiniCard with native at-most-one constraints; budgeted proofs, budget knobs
    Knobs = SudokuKnobs
    levels = {
        "easy": {"size": 4, "clues": 7},
        "medium": {"size": 6, "clues": 14},
        "hard": {"size": 9, "clues": 30},
        "extreme": {"size": 9, "clues": 27, "minimal": True},
    }
    description = "Complete a Sudoku grid (4x4, 6x6 or 9x9) whose givens admit exactly one solution."
    verification = ("The solved grid comes from a SAT solver (MiniCard, the rules as exactly-one constraints) run "
                    "with a random first row and "
                    "random phases; clues are removed in random order while the same solver, holding the rules "
                    "once with the clues as assumptions and the solution blocked under an activation literal, "
                    "proves no second solution exists. `gen verify` counts solutions again with an independent "
                    "backtracking search (must be exactly one, equal to the answer; past 2,000,000 search nodes "
                    "the row is invalid: uniqueness not proved within budget); responses are checked against the "
                    "rules and the givens, not by string match.")

    def generate(self, k: SudokuKnobs, rng: random.Random) -> Candidate:
        n = k.size
        with UniquenessOracle((), n ** 3, CARD_SOLVER, exactly_one_groups=rule_groups(n),
                              budget=Budget.proof_of(k)) as oracle:
            # a random full grid: a random first row as assumptions, a random digit preferred in every other cell
            first = list(range(n))
            rng.shuffle(first)
            phases = []
            for r in range(1, n):
                for c in range(n):
                    pick = rng.randrange(n)
                    phases += [var(n, r, c, d) if d == pick else -var(n, r, c, d) for d in range(n)]
            oracle.set_phases(phases)
            model = oracle.solve([var(n, 0, c, first[c]) for c in range(n)])
            if model is None:  # cannot happen: any permutation extends to a full grid
                raise Reject("no grid extends the first row")
            solution = grid_of_model(n, model)
            clues = [var(n, r, c, solution[r][c] - 1) for r in range(n) for c in range(n)]
            oracle.fix_solution(clues)
            rng.shuffle(clues)
            kept = reduce_clues(oracle, clues, k.clues, minimal=k.minimal)
            if len(kept) > k.clues:
                raise Reject(f"uniqueness needs {len(kept)} clues, more than {k.clues}")
            effort = oracle.proof_effort(kept)
        kept_cells = {(l - 1) // n for l in kept}
        givens = [[solution[r][c] if r * n + c in kept_cells else 0 for c in range(n)] for r in range(n)]
        rows = givens_rows(givens)
        br, bc = BOXES[n]
        shown = "\n".join(" ".join(row) for row in rows)
        prompt = (f"Solve this {n}x{n} Sudoku. Fill every empty cell (shown as '.') with a digit from 1 to {n} so "
                  f"that each row, each column and each {br}x{bc} box ({br} rows by {bc} columns; the boxes tile "
                  f"the grid starting from the top-left corner) contains each digit 1 to {n} exactly once. The "
                  f"given digits must stay as they are. The puzzle has exactly one solution.\n\n{shown}\n\n"
                  f"Give the completed grid inside \\boxed{{}}: {n} lines, one per row from top to bottom, each "
                  f"line holding the {n} digits of that row from left to right separated by single spaces.")
        check = {"kind": "logic.sudoku", "params": {"size": n, "box": [br, bc], "givens": rows}}
        return Candidate(prompt, format_rows(solution), check,
                         {"clues": len(kept), "minimal": k.minimal, **effort})

    def rederive(self, record: dict) -> Checks:
        p = record["check"]["params"]
        n = int(p["size"])
        givens = givens_grid(p)
        try:
            count, sol = count_solutions(givens, n, max_nodes=_sat_util.UNIQUENESS_NODES)
        except NodeBudgetExceeded:
            return over_budget_checks(_sat_util.UNIQUENESS_NODES)
        checks = Checks(unique_solution=count == 1)
        checks["rederived"] = count >= 1 and format_rows(sol) == record["answer"]
        return checks

    # ---- SatEncodable
    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        n = int(p["size"])
        return n ** 3, [list(x) for x in rules(n)] + given_clauses(givens_grid(p))

    def render_model(self, record: dict, model: list[int] | None) -> str:
        return render_grid_model(record, model)


