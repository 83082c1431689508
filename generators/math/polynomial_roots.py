"""math.polynomial_roots: a symmetric function of the roots of a polynomial built from chosen rational roots."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import gcd, prod

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._compose_api import Step, param_record, param_value, take_param
from hardgen.generators.math._fmt import fmt_num, polynomial

QUERIES = ("power_sum", "elementary", "reciprocal_sum", "shifted_product", "squared_differences")


@dataclass(frozen=True)
class PolynomialRootsKnobs(Knobs):
    degree: int = knob(3, lo=2, hi=6, help="degree of the polynomial (number of roots with multiplicity)")
    root_max: int = knob(5, lo=1, hi=12, help="largest |numerator| of a root")
    rational: bool = knob(False, help="allow non-integer rational roots (then the polynomial is not monic)")
    den_max: int = knob(3, lo=2, hi=6, help="largest root denominator when `rational` is set")
    repeated: bool = knob(False, help="allow repeated roots")
    power_max: int = knob(3, lo=2, hi=8, help="largest exponent m asked in a power-sum question")
    query: str = knob("any", choices=("any",) + QUERIES, help="which symmetric function is asked")

    def check(self) -> None:
        # distinct non-zero integer roots need 2*root_max values to choose from
        if not self.repeated and not self.rational and 2 * self.root_max < self.degree:
            raise HardgenError(f"knob 'root_max' = {self.root_max} leaves too few distinct non-zero integer roots "
                               f"for 'degree' = {self.degree}; raise root_max, or set repeated/rational")


def _root_names(n: int, letter: str = "r") -> str:
    return ", ".join(f"{letter}_{i}" for i in range(1, n + 1))


#: how a problem is worded: the variable, the polynomial's name, the roots' letter, the sentence and the verb.
#: Drawn per item so two runs rarely share a text even where the knobs allow few polynomials; the mathematics
#: (polynomial, query, argument: the `check`) and so the level's difficulty are the same in every wording.
VARIABLES, POLY_NAMES, ROOT_LETTERS = ("x", "t", "z", "y"), ("P", "f", "g", "Q"), ("r", "a", "s")
VERBS = ("Compute", "Find", "Determine", "Evaluate")
STATEMENTS = (
    "Let {name}({var}) = {poly}, and let {roots} be the roots of {name}, listed with multiplicity.",
    "The equation {poly} = 0 has roots {roots} (listed with multiplicity).",
    "Let {roots} be the roots, counted with multiplicity, of the polynomial {name}({var}) = {poly}.",
)


def _poly_from_roots(roots: list[Fraction]) -> list[int]:
    """Integer coefficients (highest first, content removed) of prod (q x - p) over roots p/q."""
    coefs = [1]
    for r in roots:
        p, q = r.numerator, r.denominator
        new = [0] * (len(coefs) + 1)
        for i, c in enumerate(coefs):
            new[i] += c * q
            new[i + 1] -= c * p
        coefs = new
    g = 0
    for c in coefs:
        g = gcd(g, c)
    return [c // g for c in coefs]


def _listed(term: str, n: int, sep: str) -> str:
    """`term` with i = 1..n joined by `sep`, shortened with an ellipsis past three terms."""
    items = [term.replace("#", str(i)) for i in (range(1, n + 1) if n <= 3 else (1, 2))]
    if n > 3:
        items += ["...", term.replace("#", str(n))]
    return sep.join(items)


def _question(query: str, n: int, arg: int | str, r: str = "r") -> str:
    """Text of what is asked; `arg` is the exponent m, the index k, or the shift t (a number or a symbol);
    `r` is the roots' letter."""
    if query == "power_sum":
        return _listed(f"{r}_#^{arg}", n, " + ")
    if query == "elementary":
        return (f"the elementary symmetric polynomial e_{arg}({r}_1, ..., {r}_{n}), the sum of the products of the "
                f"roots taken {arg} at a time")
    if query == "reciprocal_sum":
        return _listed(f"1/{r}_#", n, " + ")
    if query == "shifted_product":
        return "the product " + _listed(f"({arg} - {r}_#)", n, "").replace("...", " ... ")
    return f"the sum of ({r}_i - {r}_j)^2 over all pairs of indices i < j"


def _by_construction(query: str, roots: list[Fraction], arg: int) -> Fraction:
    if query == "power_sum":
        return sum((r ** arg for r in roots), Fraction(0))
    if query == "elementary":
        return sum((prod(c, start=Fraction(1)) for c in combinations(roots, arg)), Fraction(0))
    if query == "reciprocal_sum":
        return sum((1 / r for r in roots), Fraction(0))
    if query == "shifted_product":
        return prod((arg - r for r in roots), start=Fraction(1))
    return sum(((a - b) ** 2 for a, b in combinations(roots, 2)), Fraction(0))


def from_coefficients(query: str, coefs: list[int], arg: int) -> Fraction:
    """The asked quantity from the coefficients alone: Vieta, Newton's identities, Horner (never the roots)."""
    n = len(coefs) - 1
    lead = Fraction(coefs[0])
    e = [Fraction(1)] + [(-1) ** k * Fraction(coefs[k]) / lead for k in range(1, n + 1)]

    def ek(k: int) -> Fraction:
        return e[k] if 0 <= k <= n else Fraction(0)

    def power_sums(m: int) -> list[Fraction]:
        # Newton: p_m = sum_{i=1}^{m-1} (-1)^(i-1) e_i p_{m-i} + (-1)^(m-1) m e_m
        p = [Fraction(n)]
        for mm in range(1, m + 1):
            s = sum(((-1) ** (i - 1) * ek(i) * p[mm - i] for i in range(1, mm)), Fraction(0))
            p.append(s + (-1) ** (mm - 1) * mm * ek(mm))
        return p

    if query == "power_sum":
        return power_sums(arg)[arg]
    if query == "elementary":
        return ek(arg)
    if query == "reciprocal_sum":
        if e[n] == 0:
            raise ValueError("zero root: reciprocal sum undefined")
        return e[n - 1] / e[n]
    if query == "shifted_product":
        val = Fraction(0)
        for c in coefs:  # Horner: P(t) / leading = prod (t - r_i)
            val = val * arg + c
        return val / lead
    p = power_sums(2)
    return (n - 1) * p[2] - 2 * ek(2)


@register
class PolynomialRoots(Family):
    name = "math.polynomial_roots"
    version = "2"  # v2: worded in several ways (variable, names, sentence, verb) at the same knobs
    Knobs = PolynomialRootsKnobs
    levels = {
        "easy": {"degree": 2, "root_max": 6, "power_max": 2},
        "medium": {"degree": 3, "root_max": 6, "power_max": 3},
        "hard": {"degree": 4, "root_max": 7, "rational": True, "den_max": 3, "repeated": True, "power_max": 4},
        "extreme": {"degree": 6, "root_max": 9, "rational": True, "den_max": 5, "repeated": True, "power_max": 6},
    }
    description = ("A polynomial with integer coefficients whose roots are rational (possibly repeated); compute a "
                   "symmetric function of its roots: a power sum, e_k, the reciprocal sum, prod (t - r_i), or the "
                   "sum of squared differences.")
    verification = ("The roots are chosen first and the polynomial expanded from them; the answer is computed from "
                    "the roots with exact fractions. `gen verify` recomputes it from the coefficients alone "
                    "(Vieta's formulas, Newton's identities, Horner evaluation of P(t)), never reading the roots.")

    def _roots(self, k: PolynomialRootsKnobs, rng: random.Random, nonzero: bool, integer: bool) -> list[Fraction]:
        roots: list[Fraction] = []
        for _ in range(100 * k.degree):
            if len(roots) == k.degree:
                break
            if k.repeated and roots and rng.random() < 0.3:
                roots.append(rng.choice(roots))
                continue
            den = rng.randint(2, k.den_max) if (k.rational and not integer and rng.random() < 0.5) else 1
            r = Fraction(rng.randint(-k.root_max, k.root_max), den)
            if (nonzero and r == 0) or (r in roots and not k.repeated):
                continue
            roots.append(r)
        if len(roots) != k.degree:
            raise Reject("could not draw the roots")
        return roots

    def _pick(self, k: PolynomialRootsKnobs, rng: random.Random, query: str, degree: int) -> int:
        if query == "power_sum":
            return rng.randint(2, k.power_max)
        if query == "elementary":
            return rng.randint(2, degree) if degree > 2 else rng.randint(1, 2)
        if query == "shifted_product":
            return rng.choice([t for t in range(-6, 7) if t != 0])
        return 0

    def generate(self, k: PolynomialRootsKnobs, rng: random.Random) -> Candidate:
        query = rng.choice(QUERIES) if k.query == "any" else k.query
        roots = self._roots(k, rng, nonzero=(query == "reciprocal_sum"), integer=False)
        arg = self._pick(k, rng, query, k.degree)
        if query == "shifted_product" and Fraction(arg) in roots:
            raise Reject("shift is a root: the product is trivially 0")
        coefs = _poly_from_roots(roots)
        value = _by_construction(query, roots, arg)
        n = k.degree
        var, name, r = rng.choice(VARIABLES), rng.choice(POLY_NAMES), rng.choice(ROOT_LETTERS)
        statement = rng.choice(STATEMENTS).format(name=name, var=var, poly=polynomial(coefs, var),
                                                  roots=_root_names(n, r))
        prompt = (f"{statement}\n\n{rng.choice(VERBS)} {_question(query, n, arg, r)}.\n\n"
                  "Give the exact value inside \\boxed{}, as an integer or a reduced fraction p/q, "
                  "e.g. \\boxed{-7/2}.")
        check = {"kind": "math", "params": {"coefficients": coefs, "query": query, "arg": arg}}
        return Candidate(prompt, fmt_num(value), check,
                         {"degree": n, "query": query, "repeated_roots": len(set(roots)) < n})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        coefs = [int(c) for c in p["coefficients"]]
        if coefs[0] == 0:
            return {"rederived": False}
        return {"rederived": fmt_num(from_coefficients(p["query"], coefs, int(p["arg"]))) == record["answer"]}

    # ---- composition: monic integer-root polynomials, so power sums and shifted products are integers
    def compose_step(self, k: PolynomialRootsKnobs, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step:
        roots = self._roots(k, rng, nonzero=False, integer=True)
        coefs = _poly_from_roots(roots)
        n = len(roots)
        if rng.random() < 0.5:
            query, par = "power_sum", take_param(rng, given_name, given_value, "m", 2, max(3, k.power_max))
        else:
            query, par = "shifted_product", take_param(rng, given_name, given_value, "t", -5, 5)
        value = _by_construction(query, roots, par.value)
        text = (f"{par.preamble}Let P(x) = {polynomial(coefs)} with roots {_root_names(n)} (listed with "
                f"multiplicity). Compute {_question(query, n, par.shown)}.")
        return Step(text, int(value), {"coefficients": coefs, "query": query, "param": param_record(par)})

    def rederive_step(self, params: dict, given_value: int | None) -> int:
        v = from_coefficients(params["query"], [int(c) for c in params["coefficients"]],
                              param_value(params["param"], given_value))
        if v.denominator != 1:
            raise ValueError(f"composed step value {v} is not an integer")
        return int(v)
