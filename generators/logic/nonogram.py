"""logic.nonogram: a picture grid from row and column run-length clues, with a SAT-proved unique solution."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from pysat.solvers import Solver

from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, Deadline, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic._sat_util import VarCounter, exactly_one, prove_unique
from hardgen.verifiers.logic import runs

KIND = "logic.nonogram"
#: cell flips tried (each guided by a second solution) before a sample is rejected as not unique
MAX_REPAIRS = 60
#: search nodes the SAT-free re-derivation may visit before handing over to the automaton encoding
SEARCH_NODES = 3000


@dataclass(frozen=True)
class NonogramKnobs(Knobs):
    rows: int = knob(8, lo=2, hi=20, help="grid height")
    cols: int = knob(8, lo=2, hi=20, help="grid width")
    density: float = knob(0.55, lo=0.3, hi=0.85,
                          help="probability that a cell of the hidden picture is filled (repairs for uniqueness "
                               "fill a few more)")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()


def _line_clauses(cells: list[int], clue: list[int], vc: VarCounter) -> list[list[int]]:
    """One line: block b starts at exactly one feasible position, blocks keep order with a gap, and a cell is
    filled exactly when some block covers it."""
    if not clue:
        return [[-x] for x in cells]
    L, K = len(cells), len(clue)
    clauses: list[list[int]] = []
    starts: list[dict[int, int]] = []
    for b in range(K):
        lo = sum(clue[i] + 1 for i in range(b))
        hi = L - sum(clue[i] + 1 for i in range(b + 1, K)) - clue[b]
        starts.append({p: vc.new() for p in range(lo, hi + 1)})
        clauses += exactly_one(list(starts[b].values()))
    for b in range(K - 1):
        for p, s in starts[b].items():
            clauses.append([-s] + [t for q, t in starts[b + 1].items() if q >= p + clue[b] + 1])
    for i, x in enumerate(cells):
        cover = [s for b in range(K) for p, s in starts[b].items() if p <= i < p + clue[b]]
        clauses.append([-x] + cover)
        clauses += [[-s, x] for s in cover]
    return clauses


def nonogram_cnf(row_clues: list[list[int]], col_clues: list[list[int]]) -> tuple[int, list[list[int]]]:
    """CNF whose variable r*C + c + 1 is 'cell (r, c) is filled' (auxiliary block-start variables follow)."""
    R, C = len(row_clues), len(col_clues)
    vc = VarCounter(R * C)
    clauses: list[list[int]] = []
    for r in range(R):
        clauses += _line_clauses([r * C + c + 1 for c in range(C)], row_clues[r], vc)
    for c in range(C):
        clauses += _line_clauses([r * C + c + 1 for r in range(R)], col_clues[c], vc)
    return vc.top, clauses


# ---------------------------------------------------------------- independent route: line solving + branching

@lru_cache(maxsize=4096)
def line_patterns(clue: tuple[int, ...], length: int) -> tuple[int, ...]:
    """Every line of `length` whose runs are `clue`, as bitmasks (bit i set = cell i filled)."""
    if not clue:
        return (0,)
    out = []
    first, rest = clue[0], clue[1:]
    need_rest = sum(rest) + len(rest)
    block = (1 << first) - 1
    for p in range(length - need_rest - first + 1):
        head = block << p
        if rest:
            shift = p + first + 1
            out.extend(head | (tail << shift) for tail in line_patterns(rest, length - shift))
        else:
            out.append(head)
    return tuple(out)


class SearchBudgetExceeded(Exception):
    """The line-solving search visited more nodes than allowed."""


def count_nonogram_solutions(row_clues: list[list[int]], col_clues: list[list[int]], limit: int = 2,
                             max_nodes: int | None = None) -> tuple[int, list[list[int]] | None]:
    """Count grids meeting the clues (up to `limit`) without SAT: every line keeps the placements of its clue
    that agree with the known cells, cells common to all of a line's placements become known (propagated to
    the crossing lines), and when nothing is forced the search branches on a cell of the line with the fewest
    placements left. Returns (count, first grid found); raises `SearchBudgetExceeded` past `max_nodes` nodes."""
    R, C = len(row_clues), len(col_clues)
    lines = [list(line_patterns(tuple(cl), C)) for cl in row_clues] + \
            [list(line_patterns(tuple(cl), R)) for cl in col_clues]
    # line i < R is row i (bit c = column c); line R + c is column c (bit r = row r)
    found: list[list[list[int]]] = []
    nodes = 0

    def cross(i: int) -> tuple[int, int]:
        return (R, C) if i < R else (0, R)  # (first crossing line, count) for a row / a column

    def set_cells(known: list[int], val: list[int], i: int, k_mask: int, v_mask: int, dirty: set[int]) -> None:
        """Record cells of line i known in k_mask with values v_mask, and on the crossing lines."""
        new = k_mask & ~known[i]
        if not new:
            return
        known[i] |= new
        val[i] |= v_mask & new
        base, n = cross(i)
        pos = i if i < R else i - R
        j = 0
        while new:
            if new & 1:
                x = base + j
                known[x] |= 1 << pos
                if (v_mask >> j) & 1:
                    val[x] |= 1 << pos
                dirty.add(x)
            new >>= 1
            j += 1

    def propagate(cands: list[list[int]], known: list[int], val: list[int], dirty: set[int]) -> bool:
        while dirty:
            i = dirty.pop()
            k, v = known[i], val[i]
            keep = [p for p in cands[i] if p & k == v]
            if not keep:
                return False
            cands[i] = keep
            all_and, any_or = -1, 0
            for p in keep:
                all_and &= p
                any_or |= p
            width = C if i < R else R
            full = (1 << width) - 1
            forced = (all_and | ~any_or) & full  # filled in every placement, or empty in every placement
            set_cells(known, val, i, forced, all_and & full, dirty)
        return True

    def search(cands: list[list[int]], known: list[int], val: list[int], dirty: set[int]) -> int:
        nonlocal nodes
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise SearchBudgetExceeded(f"more than {max_nodes} search nodes")
        if not propagate(cands, known, val, dirty):
            return 0
        open_lines = [i for i in range(R + C) if len(cands[i]) > 1]
        if not open_lines:  # every line has one placement left, agreeing on every cell: a solution
            if not found:
                found.append([[(cands[r][0] >> c) & 1 for c in range(C)] for r in range(R)])
            return 1
        # branch on one cell of the most constrained line, the one that splits its placements most evenly
        i = min(open_lines, key=lambda x: len(cands[x]))
        width = C if i < R else R
        unknown = [j for j in range(width) if not (known[i] >> j) & 1]
        j = min(unknown, key=lambda b: abs(2 * sum((p >> b) & 1 for p in cands[i]) - len(cands[i])))
        total = 0
        for v in (1, 0):
            c2, k2, v2 = list(cands), known[:], val[:]
            d2: set[int] = {i}
            set_cells(k2, v2, i, 1 << j, v << j, d2)
            total += search(c2, k2, v2, d2)
            if total >= limit:
                break
        return total

    n = search(lines, [0] * (R + C), [0] * (R + C), set(range(R + C)))
    return min(n, limit), (found[0] if found else None)


def _automaton_clauses(cells: list[int], clue: list[int], vc: VarCounter) -> list[list[int]]:
    """One line as a deterministic automaton over the tokens 1^l1 0 1^l2 ... 1^lk: state j = j tokens read;
    state variables per prefix length, exactly one per layer, a start state, transitions, an accepting end."""
    tokens = []
    for b, length in enumerate(clue):
        tokens += [1] * length + ([0] if b + 1 < len(clue) else [])
    T = len(tokens)
    # extra zeros are allowed before the first block, after the last, and after each mandatory gap zero
    idle = [j == 0 or j == T or tokens[j - 1] == 0 for j in range(T + 1)]
    L = len(cells)
    q = [[vc.new() for _ in range(T + 1)] for _ in range(L + 1)]
    clauses: list[list[int]] = [[q[0][0]], [q[L][T]]]
    for layer in q:
        clauses += exactly_one(layer)
    for i, x in enumerate(cells):
        for j in range(T + 1):
            on = j + 1 if j < T and tokens[j] == 1 else None
            off = j + 1 if j < T and tokens[j] == 0 else (j if idle[j] else None)
            clauses.append([-q[i][j], -x] + ([q[i + 1][on]] if on is not None else []))
            clauses.append([-q[i][j], x] + ([q[i + 1][off]] if off is not None else []))
    return clauses


def count_by_automaton(row_clues: list[list[int]], col_clues: list[list[int]], limit: int = 2
                       ) -> tuple[int, list[list[int]] | None]:
    """Second route for puzzles the search finds too slow: a different CNF (each line a run-length automaton,
    not the generator's block-start encoding) solved by a different solver (Glucose), each found grid blocked
    until `limit` grids are found or none is left. Returns (count, first grid)."""
    R, C = len(row_clues), len(col_clues)
    vc = VarCounter(R * C)
    clauses: list[list[int]] = []
    for r, cl in enumerate(row_clues):
        clauses += _automaton_clauses([r * C + c + 1 for c in range(C)], list(cl), vc)
    for c, cl in enumerate(col_clues):
        clauses += _automaton_clauses([r * C + c + 1 for r in range(R)], list(cl), vc)
    grids: list[list[list[int]]] = []
    with Solver(name="glucose4", bootstrap_with=clauses) as solver:
        while len(grids) < limit and solver.solve():
            true = {lit for lit in solver.get_model() if lit > 0}
            grid = [[1 if (r * C + c + 1) in true else 0 for c in range(C)] for r in range(R)]
            grids.append(grid)
            solver.add_clause([-(r * C + c + 1) if grid[r][c] else (r * C + c + 1)
                               for r in range(R) for c in range(C)])
    return len(grids), (grids[0] if grids else None)


def _format(grid: list[list[int]]) -> str:
    return "/".join("".join("#" if x else "." for x in row) for row in grid)


@register
class Nonogram(Family, SatEncodable):
    name = KIND
    version = "2"  # 2: proofs budgeted on MiniSat instead of CaDiCaL; budget knobs in source.knobs
    Knobs = NonogramKnobs
    levels = {
        "easy": {"rows": 5, "cols": 5},
        "medium": {"rows": 8, "cols": 8},
        "hard": {"rows": 12, "cols": 12, "density": 0.5},
        "extreme": {"rows": 15, "cols": 15, "density": 0.5},
    }
    description = "Fill a nonogram: shade cells so every row and column shows its run-length clue."
    verification = ("A random picture is drawn and its clues read off; while a SAT solver (MiniSat, block-start "
                    "encoding, the picture blocked) finds a second solution, some cells that it fills and the "
                    "picture leaves empty are filled and the clues recomputed; samples that do not become unique "
                    "are rejected. `gen verify` counts solutions with an independent line solver plus branching "
                    "(past a node budget: a run-length automaton encoding solved by Glucose) and requires exactly "
                    "one, equal to the answer; the checker verifies every row and column clue on the response.")

    def generate(self, k: NonogramKnobs, rng: random.Random) -> Candidate:
        R, C = k.rows, k.cols
        grid = [[1 if rng.random() < k.density else 0 for _ in range(C)] for _ in range(R)]
        deadline = Deadline(Budget.proof_of(k))
        for _ in range(MAX_REPAIRS):
            row_clues = [runs(row) for row in grid]
            col_clues = [runs([grid[r][c] for r in range(R)]) for c in range(C)]
            nv, clauses = nonogram_cnf(row_clues, col_clues)
            target = [(r * C + c + 1) * (1 if grid[r][c] else -1) for r in range(R) for c in range(C)]
            unique, alt, eff = prove_unique(nv, clauses, target, budget=deadline)
            if unique:
                break
            true = {lit for lit in alt if lit > 0}
            diff = [(r, c) for r in range(R) for c in range(C) if ((r * C + c + 1) in true) != bool(grid[r][c])]
            # ambiguity lives in sparse regions: fill cells the second solution fills (an eighth of them per
            # round), which converges in a few rounds where flipping one random cell does not
            pool = [(r, c) for r, c in diff if not grid[r][c]] or diff
            for r, c in rng.sample(pool, max(1, len(pool) // 8)):
                grid[r][c] ^= 1
        else:
            raise Reject("picture did not become unique")
        if not any(any(row) for row in grid):
            raise Reject("empty picture")
        fmt = lambda cl: " ".join(map(str, cl)) if cl else "0"
        row_txt = "\n".join(f"Row {r + 1}: {fmt(cl)}" for r, cl in enumerate(row_clues))
        col_txt = "\n".join(f"Column {c + 1}: {fmt(cl)}" for c, cl in enumerate(col_clues))
        prompt = (f"Solve this {R}x{C} nonogram. Each clue lists, in order, the lengths of the runs of filled "
                  "cells in that row (left to right) or column (top to bottom); runs are separated by at least "
                  "one empty cell, and 0 means the line is empty.\n\n"
                  f"{row_txt}\n\n{col_txt}\n\nExactly one grid satisfies all clues. Give it inside \\boxed{{}} "
                  "as its rows from top to bottom, separated by '/', with '#' for a filled cell and '.' for an "
                  "empty one, e.g. \\boxed{#..#/.##./....} for a 3x4 grid.")
        check = {"kind": KIND, "params": {"rows": row_clues, "cols": col_clues}}
        filled = sum(map(sum, grid))
        return Candidate(prompt, _format(grid), check,
                         {"rows": R, "cols": C, "filled": filled, "clue_numbers": sum(map(len, row_clues + col_clues)),
                          **eff})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        try:
            count, sol = count_nonogram_solutions(p["rows"], p["cols"], max_nodes=SEARCH_NODES)
        except SearchBudgetExceeded:
            count, sol = count_by_automaton(p["rows"], p["cols"])
        return {"unique_solution": count == 1,
                "rederived": count == 1 and sol is not None and _format(sol) == record["answer"]}

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        return nonogram_cnf(p["rows"], p["cols"])

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "No grid satisfies the clues."
        p = record["check"]["params"]
        R, C = len(p["rows"]), len(p["cols"])
        true = {lit for lit in model if lit > 0}
        grid = [[1 if (r * C + c + 1) in true else 0 for c in range(C)] for r in range(R)]
        return f"The answer is \\boxed{{{_format(grid)}}}."


