"""math.recurrence: linear recurrences with constant coefficients (order 1-3, optional polynomial forcing),
built from chosen characteristic roots; asks for a far term or the closed-form coefficients."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from math import comb

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._compose_api import Step, param_record, param_value, take_param
from hardgen.generators.math._fmt import fmt_tuple, signed_term

QUERIES = ("value", "closed_form")


@dataclass(frozen=True)
class RecurrenceKnobs(Knobs):
    order: int = knob(2, lo=1, hi=3, help="order of the recurrence (number of characteristic roots)")
    root_max: int = knob(3, lo=1, hi=6, help="largest |characteristic root| (roots are non-zero integers)")
    repeated: bool = knob(False, help="allow a repeated characteristic root (terms n^j r^n)")
    forcing_degree: int = knob(-1, lo=-1, hi=2, help="degree of the polynomial forcing term; -1 for none")
    coef_max: int = knob(4, lo=1, hi=20, help="largest |coefficient| in the closed form")
    index_max: int = knob(20, lo=5, hi=200, help="largest index N asked for a_N")
    query: str = knob("any", choices=("any",) + QUERIES, help="ask for a_N, or for the closed-form coefficients")

    def check(self) -> None:
        # root 1 is excluded when there is forcing, so its polynomial part stays separate from the homogeneous part
        avail = 2 * self.root_max - (1 if self.forcing_degree >= 0 else 0)
        if avail < self.order and not self.repeated:
            raise HardgenError(f"knob 'root_max' = {self.root_max} leaves {avail} usable roots for 'order' = "
                               f"{self.order}; raise root_max or set repeated")
        if self.index_max < self.order + 2:
            raise HardgenError(f"knob 'index_max' must exceed 'order' + 1, got {self.index_max}")


def _poly_mul_linear(c: list[int], r: int) -> list[int]:
    """Coefficients (highest first) of c(x) * (x - r)."""
    out = c + [0]
    for i in range(len(c)):
        out[i + 1] -= r * c[i]
    return out


def _format_sum(terms: list[tuple[int, str]]) -> str:
    text = "".join(signed_term(c, b) for c, b in terms)
    if not text:
        return "0"
    return text[3:] if text.startswith(" + ") else "-" + text[3:]


def _npow(j: int) -> str:
    return "" if j == 0 else ("n" if j == 1 else f"n^{j}")


@dataclass(frozen=True)
class _Instance:
    roots: list[tuple[int, int]]          # (root, multiplicity)
    homog: list[tuple[int, int, int]]     # (coefficient, j, root): c * n^j * r^n
    forcing: list[int]                    # q_0, q_1, ...: the polynomial part of the closed form
    s: list[int]                          # a_n = s_1 a_{n-1} + ... + s_k a_{n-k} + f(n)
    f: list[int]                          # f_0, f_1, ... coefficients of f(n) in powers of n

    def closed(self, n: int) -> int:
        return sum(c * n ** j * r ** n for c, j, r in self.homog) + sum(q * n ** i for i, q in enumerate(self.forcing))


def _build(k: RecurrenceKnobs, rng: random.Random) -> _Instance:
    pool = [r for r in range(-k.root_max, k.root_max + 1) if r != 0 and not (r == 1 and k.forcing_degree >= 0)]
    mults: list[int] = []
    left = k.order
    while left:
        m = rng.randint(2, left) if (k.repeated and left >= 2 and rng.random() < 0.5) else 1
        mults.append(m)
        left -= m
    if len(mults) > len(pool):
        raise Reject("not enough distinct roots")
    roots = list(zip(rng.sample(pool, len(mults)), mults))
    homog = []
    for r, m in roots:
        for j in range(m):
            c = rng.randint(-k.coef_max, k.coef_max)
            if j == m - 1 and c == 0:
                c = rng.choice([-1, 1]) * rng.randint(1, k.coef_max)  # keeps every root's multiplicity exact
            homog.append((c, j, r))
    forcing = [rng.randint(-k.coef_max, k.coef_max) for _ in range(k.forcing_degree + 1)]
    if forcing and forcing[-1] == 0:
        forcing[-1] = rng.randint(1, k.coef_max)
    charp = [1]
    for r, m in roots:
        for _ in range(m):
            charp = _poly_mul_linear(charp, r)
    s = [-c for c in charp[1:]]
    # f(n) = q(n) - sum_j s_j q(n - j), expanded in powers of n
    f = list(forcing)
    for j, sj in enumerate(s, start=1):
        for i, qi in enumerate(forcing):
            for t in range(i + 1):
                f[t] -= sj * qi * comb(i, t) * (-j) ** (i - t)
    return _Instance(roots, homog, forcing, s, f)


def _statement(inst: _Instance, initial: list[int]) -> str:
    k = len(inst.s)
    terms = [(sj, f"a_{{n-{j}}}") for j, sj in enumerate(inst.s, start=1)]
    terms += [(fi, _npow(i)) for i, fi in enumerate(inst.f)]
    init = ", ".join(f"a_{i} = {v}" for i, v in enumerate(initial))
    return f"a_n = {_format_sum(terms)} for n ≥ {k}, with {init}"


def iterate(s: list[int], f: list[int], initial: list[int], N: int) -> list[int]:
    """a_0..a_N by running the recurrence with exact integers."""
    a = list(initial)
    k = len(s)
    for n in range(k, N + 1):
        a.append(sum(sj * a[n - j] for j, sj in enumerate(s, start=1)) + sum(fi * n ** i for i, fi in enumerate(f)))
    return a[: N + 1]


def _basis_text(basis: list[tuple[int, int | None]]) -> str:
    """`c_1·2^n + c_2·n·2^n + c_3 + c_4·n` for basis (j, r) = n^j r^n, r None for the polynomial part."""
    parts = []
    for i, (j, r) in enumerate(basis, start=1):
        factors = [f"c_{i}"]
        if j:
            factors.append(_npow(j))
        if r is not None:
            factors.append(f"({r})^n" if r < 0 else f"{r}^n")
        parts.append("·".join(factors))
    return " + ".join(parts)


def solve_exact(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan over the rationals for a square system; None when singular."""
    n = len(rows)
    M = [list(r) + [b] for r, b in zip(rows, rhs)]
    for col in range(n):
        piv = next((i for i in range(col, n) if M[i][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        for i in range(n):
            if i != col and M[i][col] != 0:
                fac = M[i][col] / M[col][col]
                M[i] = [a - fac * b for a, b in zip(M[i], M[col])]
    return [M[i][n] / M[i][i] for i in range(n)]


@register
class Recurrence(Family):
    name = "math.recurrence"
    version = "2"  # 2: closed-form rows list the constants c_1, c_2, ... as `check.params.vars`
    Knobs = RecurrenceKnobs
    levels = {
        "easy": {"order": 1, "root_max": 3, "forcing_degree": 0, "coef_max": 3, "index_max": 10},
        "medium": {"order": 2, "root_max": 3, "coef_max": 4, "index_max": 15},
        "hard": {"order": 2, "root_max": 4, "repeated": True, "forcing_degree": 1, "coef_max": 5, "index_max": 25},
        "extreme": {"order": 3, "root_max": 4, "repeated": True, "forcing_degree": 2, "coef_max": 6,
                    "index_max": 40},
    }
    description = ("A linear recurrence with constant coefficients (order 1-3, optional polynomial forcing term) and "
                   "initial values; find a_N for a large N, or the coefficients of its closed form.")
    verification = ("The closed form (characteristic roots, their coefficients, the polynomial part) is chosen first "
                    "and the recurrence, forcing term and initial values derived from it; answers are evaluated from "
                    "the closed form. `gen verify` runs the recurrence forward with exact integers for a_N, and for "
                    "closed-form questions solves for the coefficients exactly from iterated terms (Gauss-Jordan "
                    "over the rationals) and checks the fit on further terms.")

    def generate(self, k: RecurrenceKnobs, rng: random.Random) -> Candidate:
        query = rng.choice(QUERIES) if k.query == "any" else k.query
        inst = _build(k, rng)
        order = len(inst.s)
        initial = [inst.closed(n) for n in range(order)]
        rec = _statement(inst, initial)
        params = {"s": inst.s, "f": inst.f, "initial": initial, "query": query}
        if query == "value":
            N = rng.randint(max(order + 1, k.index_max // 2), k.index_max)
            prompt = (f"A sequence satisfies {rec}.\n\nCompute a_{N}.\n\n"
                      "Give the exact integer inside \\boxed{}, e.g. \\boxed{-1234}.")
            params["N"] = N
            return Candidate(prompt, str(inst.closed(N)), {"kind": "math", "params": params},
                             {"order": order, "query": query})
        basis = [(j, r) for _, j, r in inst.homog] + [(i, None) for i in range(len(inst.forcing))]
        coefs = [c for c, _, _ in inst.homog] + list(inst.forcing)
        names = ", ".join(f"c_{i}" for i in range(1, len(basis) + 1))
        example = "(3, -1/2" + ", 0" * (len(basis) - 2) + ")"
        prompt = (f"A sequence satisfies {rec}.\n\nThere are unique constants {names} such that\n"
                  f"a_n = {_basis_text(basis)}\nfor all n ≥ 0. Find them.\n\n"
                  f"Give the ordered tuple ({names}) inside \\boxed{{}}, e.g. \\boxed{{{example}}}."
                  if len(basis) > 1 else
                  f"A sequence satisfies {rec}.\n\nThere is a unique constant c_1 such that a_n = {_basis_text(basis)} "
                  "for all n ≥ 0. Find c_1.\n\nGive the exact value inside \\boxed{}, e.g. \\boxed{-2}.")
        params["basis"] = [[j, r] for j, r in basis]
        # the prompt names the constants: `c_1 = 3, c_2 = -1` binds to them (and `c_2 = -1, c_1 = 3` too)
        params["vars"] = [f"c_{i}" for i in range(1, len(basis) + 1)]
        answer = fmt_tuple(coefs) if len(basis) > 1 else str(coefs[0])
        return Candidate(prompt, answer, {"kind": "math", "params": params}, {"order": order, "query": query})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        if p["query"] == "value":
            return {"iterated": str(iterate(p["s"], p["f"], p["initial"], p["N"])[-1]) == record["answer"]}
        basis = [(j, r) for j, r in p["basis"]]
        m = len(basis)
        seq = iterate(p["s"], p["f"], p["initial"], 2 * m + 3)

        def row(n: int) -> list[Fraction]:
            return [Fraction(n ** j * (r ** n if r is not None else 1)) for j, r in basis]

        sol = solve_exact([row(n) for n in range(m)], [Fraction(v) for v in seq[:m]])
        if sol is None:
            return {"unique_coefficients": False}
        fits = all(sum(c * x for c, x in zip(sol, row(n))) == seq[n] for n in range(m, len(seq)))
        text = fmt_tuple(sol) if m > 1 else str(sol[0])
        return {"unique_coefficients": True, "fits_further_terms": fits, "rederived": text == record["answer"]}

    # ---- composition: the index N comes from the given value
    def compose_step(self, k: RecurrenceKnobs, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step:
        inst = _build(k, rng)
        order = len(inst.s)
        initial = [inst.closed(n) for n in range(order)]
        par = take_param(rng, given_name, given_value, "N", order + 1, max(order + 2, min(k.index_max, 20)))
        text = f"{par.preamble}A sequence satisfies {_statement(inst, initial)}. Compute a_{{{par.shown}}}."
        return Step(text, inst.closed(par.value),
                    {"s": inst.s, "f": inst.f, "initial": initial, "param": param_record(par)})

    def rederive_step(self, params: dict, given_value: int | None) -> int:
        N = param_value(params["param"], given_value)
        return iterate(params["s"], params["f"], params["initial"], N)[-1]
