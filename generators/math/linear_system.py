"""math.linear_system: a square linear system with a unique integer or rational solution."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

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
                    "re-solves the system exactly with sympy's LU solver and checks the determinant is non-zero "
                    "(uniqueness).")

    def generate(self, k: LinearSystemKnobs, rng: random.Random) -> Candidate:
        n = k.n_vars
        if k.rational:
            den = [rng.choice([1, 1, 2, 3, 4, 5]) for _ in range(n)]
        else:
            den = [1] * n
        sol = [Fraction(rng.randint(-k.sol_max, k.sol_max), d) for d in den]
        A = [[rng.randint(-k.coef_max, k.coef_max) for _ in range(n)] for _ in range(n)]
        if sp.Matrix(A).det() == 0:
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
        A, b = sp.Matrix(p["A"]), sp.Matrix(p["b"])
        unique = A.det() != 0
        if not unique:
            return {"unique_solution": False}
        x = A.LUsolve(b)
        return {"unique_solution": True, "rederived": fmt_tuple([Fraction(str(v)) for v in x]) == record["answer"]}
