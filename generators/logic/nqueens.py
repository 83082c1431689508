"""logic.nqueens: complete an n-queens board from pre-placed queens; the completion is proved unique."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from pysat.solvers import Solver

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.logic._grid import GEN_SOLVER, at_most_one, exactly_one


def var(n: int, r: int, c: int) -> int:
    """Variable "a queen stands on (r, c)" (0-based)."""
    return r * n + c + 1


@lru_cache(maxsize=None)
def rules(n: int) -> tuple[tuple[int, ...], ...]:
    """One queen per row and per column, at most one per diagonal (direct encoding); cached per n."""
    cl: list[list[int]] = []
    for i in range(n):
        cl += exactly_one([var(n, i, c) for c in range(n)])
        cl += exactly_one([var(n, r, i) for r in range(n)])
    for s in range(2 * n - 1):
        cl += at_most_one([var(n, r, s - r) for r in range(n) if 0 <= s - r < n])
        cl += at_most_one([var(n, r, r - (s - n + 1)) for r in range(n) if 0 <= r - (s - n + 1) < n])
    return tuple(tuple(x) for x in cl)


@lru_cache(maxsize=None)
def all_solutions(n: int) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Every n-queens solution, enumerated by the SAT solver until it proves no further one exists.

    Returns (solutions as column-per-row tuples in sorted order, and per square r * n + c the set of solutions
    with a queen there as a bitset over solution indices). The solutions containing some pre-placed queens are
    the AND of their squares' bitsets, so a completion is unique exactly when that AND has one bit; the
    enumeration ends with an UNSAT answer, so the list is complete by the solver's proof.
    """
    sols = []
    with Solver(name=GEN_SOLVER, bootstrap_with=rules(n)) as s:
        while s.solve():
            pos = [l for l in s.get_model()[: n * n] if l > 0]
            sols.append(tuple((l - 1) % n for l in sorted(pos)))
            s.add_clause([-l for l in pos])
    sols.sort()
    on_square = [0] * (n * n)
    for i, sol in enumerate(sols):
        for r, c in enumerate(sol):
            on_square[r * n + c] |= 1 << i
    return tuple(sols), tuple(on_square)


def _containing(on_square: tuple[int, ...], squares, everything: int) -> int:
    """Bitset of the solutions that have a queen on every one of `squares`."""
    out = everything
    for sq in squares:
        out &= on_square[sq]
    return out


def count_completions(n: int, placed: dict[int, int], limit: int = 2) -> tuple[int, list[int] | None]:
    """Completions of the pre-placed queens {row: col} up to `limit`, by plain backtracking (independent route)."""
    cols = diag = anti = 0
    for r, c in placed.items():
        if cols >> c & 1 or diag >> (r + c) & 1 or anti >> (r - c + n) & 1:
            return 0, None
        cols |= 1 << c
        diag |= 1 << (r + c)
        anti |= 1 << (r - c + n)
    board = [placed.get(r, -1) for r in range(n)]
    found: list[list[int]] = []

    def search(r: int, cols: int, diag: int, anti: int) -> int:
        if r == n:
            if not found:
                found.append(board[:])
            return 1
        if r in placed:
            return search(r + 1, cols, diag, anti)
        total = 0
        for c in range(n):
            if cols >> c & 1 or diag >> (r + c) & 1 or anti >> (r - c + n) & 1:
                continue
            board[r] = c
            total += search(r + 1, cols | 1 << c, diag | 1 << (r + c), anti | 1 << (r - c + n))
            if total >= limit:
                break
        board[r] = -1
        return total

    count = search(0, cols, diag, anti)
    return min(count, limit), (found[0] if found else None)


@lru_cache(maxsize=None)
def _row_texts(n: int) -> tuple[str, ...]:
    """Row texts with a queen in column 0..n-1, then the empty row (drawing is the hot path of generation)."""
    return tuple(" ".join("Q" if j == c else "." for j in range(n)) for c in range(n)) + (" ".join("." * n),)


def draw(n: int, queens: dict[int, int]) -> str:
    """The board: one line per row, squares 'Q' or '.' separated by spaces."""
    rows = _row_texts(n)
    return "\n".join(rows[queens.get(r, n)] for r in range(n))


@dataclass(frozen=True)
class NQueensKnobs(Knobs):
    n: int = knob(8, lo=4, hi=10, help="board side and number of queens (all solutions are enumerated)")
    placed: int = knob(3, lo=1, hi=9, help="queens already on the board; their completion is unique")

    def check(self) -> None:
        if self.placed >= self.n:
            raise HardgenError(f"knob 'placed' must be below n={self.n} (something must be left to place), "
                               f"got {self.placed}")


@register
class NQueens(Family, SatEncodable):
    name = "logic.nqueens"
    Knobs = NQueensKnobs
    levels = {
        "easy": {"n": 6, "placed": 2},
        "medium": {"n": 8, "placed": 4},
        "hard": {"n": 8, "placed": 3},
        "extreme": {"n": 10, "placed": 4},
    }
    description = "Place the remaining queens on an n x n board so that no two attack; the completion is unique."
    verification = ("All n-queens solutions are enumerated once per n by a SAT solver until it proves no other "
                    "exists; a random solution is drawn and queens are kept (random order, then every kept queen "
                    "checked necessary unless more are asked for) until it is the only solution containing them. "
                    "`gen verify` counts completions again by plain backtracking (exactly one, equal to the "
                    "answer); responses are checked against the rules and the pre-placed queens.")

    def generate(self, k: NQueensKnobs, rng: random.Random) -> Candidate:
        n = k.n
        sols, on_square = all_solutions(n)
        everything = (1 << len(sols)) - 1
        sol = sols[rng.randrange(len(sols))]
        order = list(range(n))
        rng.shuffle(order)
        # add queens of the solution until it is the only solution containing them
        compatible = everything
        placed: list[int] = []
        for r in order:
            compatible &= on_square[r * n + sol[r]]
            placed.append(r)
            if compatible & (compatible - 1) == 0:
                break
        # drop queens that are not needed (each is tested once; later drops only admit more completions)
        for r in list(placed):
            if len(placed) <= k.placed:
                break
            rest = [q * n + sol[q] for q in placed if q != r]
            if _containing(on_square, rest, everything).bit_count() == 1:
                placed.remove(r)
        if len(placed) > k.placed:
            raise Reject(f"a unique completion needs {len(placed)} queens here, more than {k.placed}")
        # more queens than needed were asked for: add further queens of the solution
        for r in order:
            if len(placed) >= k.placed:
                break
            if r not in placed:
                placed.append(r)
        queens = {r: sol[r] for r in sorted(placed)}
        squares = [r * n + c for r, c in queens.items()]
        # solutions agreeing with all pre-placed queens but one: how close the puzzle is to ambiguity
        near = sum(_containing(on_square, squares[:i] + squares[i + 1:], everything).bit_count() - 1
                   for i in range(len(squares)))
        prompt = (f"Place {n - len(queens)} more queens on this {n}x{n} chessboard so that it holds {n} queens in "
                  "total and no two queens attack each other: no two share a row, a column or a diagonal. 'Q' "
                  f"is a queen already placed (it must stay), '.' an empty square. There is exactly one way to "
                  f"do it.\n\n{draw(n, queens)}\n\n"
                  f"Give the full board inside \\boxed{{}}: {n} lines, one per row from top to bottom, each line "
                  f"holding the {n} squares of that row from left to right as 'Q' or '.' separated by single "
                  "spaces.")
        check = {"kind": "logic.nqueens", "params": {"n": n, "placed": [[r, c] for r, c in queens.items()]}}
        return Candidate(prompt, draw(n, dict(enumerate(sol))), check,
                         {"placed": len(queens), "to_place": n - len(queens), "board_solutions": len(sols),
                          "near_solutions": near})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        n = int(p["n"])
        count, sol = count_completions(n, {int(r): int(c) for r, c in p["placed"]})
        return {"unique_solution": count == 1,
                "rederived": count >= 1 and draw(n, dict(enumerate(sol))) == record["answer"]}

    # ---- SatEncodable
    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        n = int(p["n"])
        return n * n, [list(x) for x in rules(n)] + [[var(n, r, c)] for r, c in p["placed"]]

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "No placement exists."
        n = int(record["check"]["params"]["n"])
        queens = {(l - 1) // n: (l - 1) % n for l in model if 0 < l <= n * n}
        return f"\\boxed{{{draw(n, queens)}}}"


