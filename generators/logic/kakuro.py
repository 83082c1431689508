"""logic.kakuro: fill white cells with 1-9 so each run has distinct digits with the given sum; unique by SAT."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import lru_cache

from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, Deadline, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic import _sat_util
from hardgen.generators.logic._grid import UniquenessOracle, at_most_one, exactly_one, format_rows
from hardgen.verifiers.logic import _puzzle
from hardgen.generators.logic._sat_util import NodeBudgetExceeded, over_budget_checks

DIGITS = range(1, 10)
#: fillings proposed for one pattern before the sample is given up
MAX_REPAIRS = 80

Cell = tuple[int, int]


@lru_cache(maxsize=None)
def combos(length: int, total: int) -> tuple[frozenset[int], ...]:
    """Sets of `length` distinct digits 1-9 adding up to `total`."""
    return tuple(frozenset(c) for c in itertools.combinations(DIGITS, length) if sum(c) == total)


def var(n: int, r: int, c: int, d: int) -> int:
    """Variable "white cell (r, c) holds digit d" (d in 1..9)."""
    return (r * n + c) * 9 + d


def runs_of(white: list[list[bool]]) -> tuple[list[list[Cell]], list[list[Cell]]]:
    """Maximal horizontal and vertical segments of white cells (across runs, down runs)."""
    n = len(white)
    across, down = [], []
    for r in range(n):
        seg: list[Cell] = []
        for c in range(n + 1):
            if c < n and white[r][c]:
                seg.append((r, c))
            elif seg:
                across.append(seg)
                seg = []
    for c in range(n):
        seg = []
        for r in range(n + 1):
            if r < n and white[r][c]:
                seg.append((r, c))
            elif seg:
                down.append(seg)
                seg = []
    return across, down


def settle(white: list[list[bool]]) -> None:
    """Blacken white cells lying in a run of length one (across or down) until none is left; in place."""
    n = len(white)
    changed = True
    while changed:
        changed = False
        for r in range(n):
            for c in range(n):
                if not white[r][c]:
                    continue
                h = (c > 0 and white[r][c - 1]) or (c + 1 < n and white[r][c + 1])
                v = (r > 0 and white[r - 1][c]) or (r + 1 < n and white[r + 1][c])
                if not (h and v):
                    white[r][c] = False
                    changed = True


def keep_largest_region(white: list[list[bool]]) -> None:
    """Blacken every white region but the largest (first in row-major order on ties); in place.

    Removing whole regions leaves every remaining run intact, so runs stay two cells or longer.
    """
    n = len(white)
    seen: set[Cell] = set()
    regions = []
    for start in ((r, c) for r in range(n) for c in range(n) if white[r][c]):
        if start in seen:
            continue
        region, stack = [start], [start]
        seen.add(start)
        while stack:
            r, c = stack.pop()
            for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= rr < n and 0 <= cc < n and white[rr][cc] and (rr, cc) not in seen:
                    seen.add((rr, cc))
                    stack.append((rr, cc))
                    region.append((rr, cc))
        regions.append(region)
    if len(regions) > 1:
        best = max(range(len(regions)), key=lambda i: (len(regions[i]), -i))
        for i, region in enumerate(regions):
            if i != best:
                for r, c in region:
                    white[r][c] = False


#: patterns drawn per sample before it is given up (drawing one is cheap)
PATTERN_TRIES = 200


def random_pattern(n: int, black_pct: int, min_white: int, rng: random.Random) -> list[list[bool]]:
    """A white/black pattern: random black cells, then cells in one-cell runs blackened, then the largest region
    kept; redrawn until it has at least `min_white` white cells."""
    cells = [(r, c) for r in range(n) for c in range(n)]
    for _ in range(PATTERN_TRIES):
        white = [[True] * n for _ in range(n)]
        for r, c in rng.sample(cells, round(n * n * black_pct / 100)):
            white[r][c] = False
        settle(white)
        keep_largest_region(white)
        if sum(map(sum, white)) >= min_white:
            return white
    raise Reject(f"no pattern with {min_white} white cells in {PATTERN_TRIES} draws")


def fill_rules(n: int, white: list[list[bool]], runs: list[list[Cell]]) -> list[list[int]]:
    """One digit per white cell, no digit twice in a run."""
    cl: list[list[int]] = []
    for r in range(n):
        for c in range(n):
            if white[r][c]:
                cl += exactly_one([var(n, r, c, d) for d in DIGITS])
    for run in runs:
        for d in DIGITS:
            cl += at_most_one([var(n, r, c, d) for r, c in run])
    return cl


def sum_rules(n: int, runs: list[list[Cell]], sums: list[int], top: int) -> tuple[list[list[int]], int]:
    """Each run's digits form one of the digit sets with its sum (a selector per set); returns (clauses, top var).

    Digits in no allowed set are ruled out; with the run's digits distinct, "every digit of the chosen set
    appears" makes the run's digits exactly that set, hence the sum.
    """
    cl: list[list[int]] = []
    for run, total in zip(runs, sums):
        options = combos(len(run), total)
        if not options:
            cl.append([])
            continue
        allowed = frozenset().union(*options)
        for r, c in run:
            cl += [[-var(n, r, c, d)] for d in DIGITS if d not in allowed]
        sel = list(range(top + 1, top + 1 + len(options)))
        top += len(options)
        cl += exactly_one(sel)
        for s, opt in zip(sel, options):
            for d in sorted(opt):
                cl.append([-s] + [var(n, r, c, d) for r, c in run])
    return cl, top


@lru_cache(maxsize=None)
def single_sets(length: int) -> tuple[frozenset[int], ...]:
    """Digit sets of a run length whose sum no other set of that length has (e.g. {1, 2} for 3, {8, 9} for 17)."""
    out = []
    for total in range(1, 46):
        opts = combos(length, total)
        if len(opts) == 1:
            out.append(opts[0])
    return tuple(out)


def single_set_rules(n: int, runs: list[list[Cell]], top: int) -> tuple[list[list[int]], list[int], int]:
    """Per run a switch literal that, when assumed, makes the run's digits one of `single_sets`.

    Returns (clauses, switch literal per run, top variable). With the run's digits distinct, "every digit of the
    chosen set appears" pins the run's digits to that set.
    """
    cl: list[list[int]] = []
    switches = []
    for run in runs:
        top += 1
        sw = top
        switches.append(sw)
        picks = []
        for opt in single_sets(len(run)):
            top += 1
            picks.append(top)
            for d in sorted(opt):
                cl.append([-top] + [var(n, r, c, d) for r, c in run])
        cl.append([-sw] + picks)
    return cl, switches, top


def swap_block(n: int, runs: list[list[Cell]], cell_runs: dict[Cell, list[int]], digits: dict[Cell, int],
               alt: list[int]) -> list[int]:
    """A clause every filling must satisfy unless it admits the same swap as `alt` does for `digits`.

    `alt` (a model) is a second filling with the sums of `digits`; it differs on the cells D. A filling F that
    equals `digits` on D, and whose other cells in the runs through D avoid the digits `alt` puts on D, is
    ambiguous too: F with D's digits replaced by `alt`'s keeps every sum and every run distinct. So each unique
    filling differs from `digits` on D or puts one of those digits on such a cell; the clause says exactly that.
    """
    def alt_digit(cell: Cell) -> int:
        return next(d for d in DIGITS if alt[var(n, *cell, d) - 1] > 0)

    differ = [cell for cell in sorted(digits) if alt_digit(cell) != digits[cell]]
    clause = [-var(n, *cell, digits[cell]) for cell in differ]
    touched = sorted({i for cell in differ for i in cell_runs[cell]})
    in_d = set(differ)
    for i in touched:
        moved = sorted({alt_digit(cell) for cell in runs[i] if cell in in_d})
        clause += [var(n, *cell, d) for cell in runs[i] if cell not in in_d for d in moved]
    return clause


def set_selector_rules(n: int, runs: list[list[Cell]], top: int
                       ) -> tuple[list[list[int]], list[dict[int, list[int]]], int]:
    """Per run a selector for every digit set of its length; a chosen set's digits all appear in the run.

    Returns (clauses, per run {sum: selectors of the sets with that sum}, top variable). Assuming the selectors
    of every other sum false pins a run to its sum, so one solver answers for any sums (as assumptions).
    """
    cl: list[list[int]] = []
    by_sum: list[dict[int, list[int]]] = []
    for run in runs:
        sels: dict[int, list[int]] = {}
        chosen = []
        for opt in itertools.combinations(DIGITS, len(run)):
            top += 1
            sels.setdefault(sum(opt), []).append(top)
            chosen.append(top)
            for d in opt:
                cl.append([-top] + [var(n, r, c, d) for r, c in run])
        cl.append(chosen)
        by_sum.append(sels)
    return cl, by_sum, top


def count_solutions(white: list[list[bool]], runs: list[list[Cell]], sums: list[int], limit: int = 2,
                    max_nodes: int | None = None) -> tuple[int, dict[Cell, int] | None]:
    """Solutions up to `limit` by plain backtracking over digit sets (independent of the SAT route); raises
    `NodeBudgetExceeded` past `max_nodes` search nodes."""
    nodes = [0]
    cell_runs: dict[Cell, list[int]] = {}
    for i, run in enumerate(runs):
        for cell in run:
            cell_runs.setdefault(cell, []).append(i)
    options = [combos(len(run), total) for run, total in zip(runs, sums)]
    if any(not o for o in options):
        return 0, None
    cells = sorted(cell_runs)
    used = [frozenset()] * len(runs)
    value: dict[Cell, int] = {}
    found: list[dict[Cell, int]] = []

    def search(i: int) -> int:
        if max_nodes is not None:
            nodes[0] += 1
            if nodes[0] > max_nodes:
                raise NodeBudgetExceeded(f"more than {max_nodes:,} search nodes")
        if i == len(cells):
            if not found:
                found.append(dict(value))
            return 1
        cell = cells[i]
        total = 0
        for d in DIGITS:
            ok = True
            for j in cell_runs[cell]:
                u = used[j] | {d}
                if d in used[j] or not any(u <= o for o in options[j]):
                    ok = False
                    break
            if not ok:
                continue
            saved = [used[j] for j in cell_runs[cell]]
            for j in cell_runs[cell]:
                used[j] = used[j] | {d}
            value[cell] = d
            total += search(i + 1)
            for j, s in zip(cell_runs[cell], saved):
                used[j] = s
            del value[cell]
            if total >= limit:
                break
        return total

    count = search(0)
    return min(count, limit), (found[0] if found else None)


def pattern_rows(white: list[list[bool]]) -> list[str]:
    return ["".join("_" if w else "#" for w in row) for row in white]


def answer_rows(n: int, white: list[list[bool]], digits: dict[Cell, int]) -> str:
    return format_rows([[digits[(r, c)] if white[r][c] else "#" for c in range(n)] for r in range(n)])


@dataclass(frozen=True)
class KakuroKnobs(Knobs):
    size: int = knob(6, lo=3, hi=9, help="side of the square grid")
    black: int = knob(25, lo=0, hi=60, help="percent of cells drawn black before runs of one cell are blackened")
    min_white: int = knob(12, lo=4, hi=81, help="fewest white cells a puzzle may keep")
    single: int = knob(50, lo=0, hi=100, help="percent of runs whose sum must have a single digit set (easier)")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()


@register
class Kakuro(Family, SatEncodable):
    name = "logic.kakuro"
    version = "2"  # 2: budget knobs (proof_conflicts, proof_seconds) in source.knobs; proofs budgeted
    Knobs = KakuroKnobs
    levels = {
        "easy": {"size": 4, "black": 20, "min_white": 8, "single": 50},
        "medium": {"size": 5, "black": 30, "min_white": 12, "single": 50},
        "hard": {"size": 6, "black": 35, "min_white": 16, "single": 40},
        "extreme": {"size": 7, "black": 35, "min_white": 22, "single": 35},
    }
    description = "Fill a Kakuro grid: distinct digits 1-9 in every run, adding up to the run's sum; one solution."
    verification = ("A random black pattern (every white cell in an across and a down run of two or more cells) is "
                    "filled by a SAT solver with random phases. A second solver holding the rules once, with the "
                    "sums as assumptions and the filling blocked under an activation literal, looks for another "
                    "filling with the same sums; each one found becomes a clause ruling out every filling that "
                    "would admit the same swap, and the filler proposes again until the filling is proved unique. "
                    "`gen verify` counts solutions again by plain backtracking over digit sets (exactly one, equal "
                    "to the answer); responses are checked against the pattern, distinctness and every sum.")

    def generate(self, k: KakuroKnobs, rng: random.Random) -> Candidate:
        n = k.size
        white = random_pattern(n, k.black, k.min_white, rng)
        across, down = runs_of(white)
        runs = across + down
        whites = [(r, c) for r in range(n) for c in range(n) if white[r][c]]
        cell_runs: dict[Cell, list[int]] = {}
        for i, run in enumerate(runs):
            for cell in run:
                cell_runs.setdefault(cell, []).append(i)
        # counterexample-guided search: the filler proposes a filling, a second solver looks for another filling
        # with the same sums; each one found rules out every filling that would admit the same swap
        extra, switches, top = single_set_rules(n, runs, 9 * n * n)
        single = [sw for sw in switches if rng.random() < k.single / 100]
        base = fill_rules(n, white, runs)
        selectors, by_sum, top_check = set_selector_rules(n, runs, 9 * n * n)
        deadline = Deadline(Budget.proof_of(k))  # one row's seconds, shared by both solvers
        with UniquenessOracle(base + extra, top, budget=deadline) as filler, \
                UniquenessOracle(base + selectors, top_check, budget=deadline) as checker:
            filler.set_phases([var(n, r, c, d) if d == pick else -var(n, r, c, d)
                               for r, c in whites for pick in [rng.randint(1, 9)] for d in DIGITS])
            for attempt in range(MAX_REPAIRS):
                model = filler.solve(single)
                if model is None:
                    raise Reject("no filling left under the single-set runs and the ruled-out swaps")
                digits = {(r, c): next(d for d in DIGITS if model[var(n, r, c, d) - 1] > 0) for r, c in whites}
                sums = [sum(digits[cell] for cell in run) for run in runs]
                lits = [var(n, r, c, digits[(r, c)]) for r, c in whites]
                # the checker holds the rules once: sums are assumptions (selectors of other sums off), and this
                # filling is blocked under its own activation literal
                act = top_check + 1 + attempt
                checker.solver.add_clause([-act] + [-l for l in lits])
                pinned = [-sel for sels, total in zip(by_sum, sums) for t, group in sels.items() if t != total
                          for sel in group]
                # an alternative close to the filling differs on few cells, which makes a short clause
                checker.set_phases(lits)
                before = checker.solver.accum_stats()
                found = checker.solver.solve(assumptions=[act, *pinned])
                after = checker.solver.accum_stats()
                checker.solver.add_clause([-act])
                if not found:
                    effort = {"proof_conflicts": after["conflicts"] - before["conflicts"],
                              "proof_decisions": after["decisions"] - before["decisions"],
                              "proposals": attempt + 1}
                    break
                filler.solver.add_clause(swap_block(n, runs, cell_runs, digits, checker.solver.get_model()))
            else:
                raise Reject(f"no unique filling after {MAX_REPAIRS} proposals")
        across_spec = [[run[0][0], run[0][1], run[-1][1], s] for run, s in zip(across, sums[:len(across)])]
        down_spec = [[run[0][1], run[0][0], run[-1][0], s] for run, s in zip(down, sums[len(across):])]
        grid = "\n".join(" ".join(row) for row in pattern_rows(white))
        listed_a = "\n".join(f"  row {r + 1}, columns {a + 1}-{b + 1}: sum {s}" for r, a, b, s in across_spec)
        listed_d = "\n".join(f"  column {c + 1}, rows {a + 1}-{b + 1}: sum {s}" for c, a, b, s in down_spec)
        prompt = (f"Solve this Kakuro puzzle on a {n}x{n} grid. '#' is a black cell; '_' is a white cell to fill "
                  "with a digit from 1 to 9. Each run (a maximal horizontal or vertical line of white cells) must "
                  "hold distinct digits that add up to its sum, listed below (rows and columns numbered from 1 "
                  f"at the top left). The puzzle has exactly one solution.\n\n{grid}\n\n"
                  f"Across runs:\n{listed_a}\nDown runs:\n{listed_d}\n\n"
                  f"Give the completed grid inside \\boxed{{}}: {n} lines, one per row from top to bottom, each "
                  f"line holding the {n} cells of that row from left to right separated by single spaces, '#' for "
                  "a black cell and the digit for a white cell.")
        check = {"kind": "logic.kakuro",
                 "params": {"size": n, "pattern": pattern_rows(white), "across": across_spec, "down": down_spec}}
        return Candidate(prompt, answer_rows(n, white, digits), check,
                         {"white_cells": len(digits), "runs": len(runs), **effort})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        n = int(p["size"])
        white, runs, sums = _puzzle(p)
        across, down = runs_of(white)
        consistent = across + down == runs
        try:
            count, sol = count_solutions(white, runs, sums, max_nodes=_sat_util.UNIQUENESS_NODES)
        except NodeBudgetExceeded:
            checks = over_budget_checks(_sat_util.UNIQUENESS_NODES)
            checks["runs_match_pattern"] = consistent
            return checks
        return {"runs_match_pattern": consistent, "unique_solution": count == 1,
                "rederived": count >= 1 and answer_rows(n, white, sol) == record["answer"]}

    # ---- SatEncodable
    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        n = int(p["size"])
        white, runs, sums = _puzzle(p)
        rules, top = sum_rules(n, runs, sums, 9 * n * n)
        return top, rules + fill_rules(n, white, runs)

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "The puzzle has no solution."
        p = record["check"]["params"]
        n = int(p["size"])
        white, _, _ = _puzzle(p)
        pos = {l for l in model if l > 0}
        digits = {(r, c): next((d for d in DIGITS if var(n, r, c, d) in pos), 0)
                  for r in range(n) for c in range(n) if white[r][c]}
        return f"\\boxed{{{answer_rows(n, white, digits)}}}"


