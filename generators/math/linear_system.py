"""math.linear_system: a square linear system with a unique integer or rational solution."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_tuple, linear_equation

VARS = "xyzwuvpq"


@dataclass(frozen=True)
class LinearSystemKnobs(Knobs):
    n_vars: int = knob(2, lo=2, hi=8, help="number of unknowns (and equations)")
    coef_max: int = knob(5, lo=1, hi=100, help="largest |coefficient| in the equations")
    sol_max: int = knob(5, lo=1, hi=1000, help="largest |numerator| of a solution component")
    rational: bool = knob(False, help="allow non-integer rational solutions")


@register
class LinearSystem(Family):
    name = "math.linear_system"
    Knobs = LinearSystemKnobs
    levels = {
        "easy": {"n_vars": 2, "coef_max": 5, "sol_max": 5},
        "medium": {"n_vars": 3, "coef_max": 9, "sol_max": 12},
        "hard": {"n_vars": 4, "coef_max": 15, "sol_max": 30, "rational": True},
        "extreme": {"n_vars": 6, "coef_max": 30, "sol_max": 100, "rational": True},
    }
    description = "Solve a square system of linear equations with a unique solution."
    verification = ("The solution is chosen first and the right-hand sides computed from it; `gen verify` "
                    "re-solves the system exactly by Gauss-Jordan elimination over fractions (a singular matrix "
                    "has no pivot: not unique) and requires the stored answer; the generator rejects singular "
                    "matrices by an integer (Bareiss) determinant, a different route.")

    def generate(self, k: LinearSystemKnobs, rng: random.Random) -> Candidate:
        n = k.n_vars
        if k.rational:
            den = [rng.choice([1, 1, 2, 3, 4, 5]) for _ in range(n)]
        else:
            den = [1] * n
        sol = [Fraction(rng.randint(-k.sol_max, k.sol_max), d) for d in den]
        A = [[rng.randint(-k.coef_max, k.coef_max) for _ in range(n)] for _ in range(n)]
        if int_determinant(A) == 0:
            raise Reject("singular matrix")
        if any(all(a == 0 for a in row) for row in A):
            raise Reject("empty equation")
        b = [sum(Fraction(a) * x for a, x in zip(row, sol)) for row in A]
        # clear denominators so every equation has integer coefficients
        rows = []
        for row, rhs in zip(A, b):
            m = rhs.denominator
            rows.append(([a * m for a in row], int(rhs * m)))
        names = list(VARS[:n])
        eqs = "\n".join(linear_equation(r, names) + f" = {rhs}" for r, rhs in rows)
        answer = fmt_tuple(sol)
        prompt = (f"Solve the system of equations for {', '.join(names)}:\n{eqs}\n\n"
                  f"Give the solution as an ordered tuple ({', '.join(names)}) inside \\boxed{{}}, "
                  "with exact fractions where needed, e.g. \\boxed{(1, -2/3)}.")
        check = {"kind": "math", "params": {"A": [r for r, _ in rows], "b": [rhs for _, rhs in rows],
                                            "vars": names}}
        return Candidate(prompt, answer, check, {"n_vars": n})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        if all(type(v) is int for row in p["A"] for v in row) and all(type(v) is int for v in p["b"]):
            x = solve_cramer(p["A"], p["b"])  # integer systems (every level): a few integer determinants
        else:
            x = solve_exact([[Fraction(str(v)) for v in row] for row in p["A"]], [Fraction(str(v)) for v in p["b"]])
        if x is None:
            return {"unique_solution": False}
        return {"unique_solution": True, "rederived": fmt_tuple(x) == record["answer"]}


def int_determinant(A: list[list[int]]) -> int:
    """The determinant of an integer matrix by Bareiss' fraction-free elimination: exact, integers throughout.

    >>> int_determinant([[2, 1], [4, 2]]), int_determinant([[1, 2], [3, 4]])
    (0, -2)
    """
    m = [list(row) for row in A]
    n, sign, prev = len(m), 1, 1
    for k in range(n - 1):
        if m[k][k] == 0:
            swap = next((r for r in range(k + 1, n) if m[r][k] != 0), None)
            if swap is None:
                return 0
            m[k], m[swap] = m[swap], m[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                m[i][j] = (m[i][j] * m[k][k] - m[i][k] * m[k][j]) // prev
        prev = m[k][k]
    return sign * m[n - 1][n - 1] if n else 1


def solve_cramer(A: list[list[int]], b: list[int]) -> list[Fraction] | None:
    """The unique solution of an integer system A x = b by Cramer's rule over integer determinants (Bareiss), or
    None when A is singular or not square; the same fractions as `solve_exact`, without Fraction arithmetic on
    the way (one reduction per unknown).

    >>> solve_cramer([[2, 1], [1, -1]], [5, 1])
    [Fraction(2, 1), Fraction(1, 1)]
    """
    n = len(A)
    if any(len(row) != n for row in A) or len(b) != n:
        return None
    det = int_determinant(A)
    if det == 0:
        return None
    return [Fraction(int_determinant([row[:i] + [rhs] + row[i + 1:] for row, rhs in zip(A, b)]), det)
            for i in range(n)]


def solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """The unique solution of A x = b by Gauss-Jordan elimination over exact fractions, or None when A is
    singular. A second route beside the generator's (which builds b from a chosen x), and ~100x cheaper per row
    than sympy's LU on these small systems.

    >>> solve_exact([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(-1)]], [Fraction(5), Fraction(1)])
    [Fraction(2, 1), Fraction(1, 1)]
    """
    n = len(A)
    if any(len(row) != n for row in A) or len(b) != n:
        return None
    m = [list(row) + [rhs] for row, rhs in zip(A, b)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        inv = 1 / m[col][col]
        m[col] = [v * inv for v in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [a - f * c for a, c in zip(m[r], m[col])]
    return [m[r][n] for r in range(n)]
