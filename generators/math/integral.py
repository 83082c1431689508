"""math.integral: exact definite integrals built from a chosen antiderivative, checked by numerical quadrature."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_num, join_terms, prime_factors, squarefree_split

# ---------------------------------------------------------------------------------------------------------------
# Exact values: a finite sum of rational multiples of monomials pi**i * exp(j) * sqrt(m) * log(p).
# Plain dicts of Fractions keep generation free of sympy (it is the slow part of every peer generator); the
# value is rendered once as sympy-parsable text, and `rederive` parses that text with sympy independently.
# key = (pi power, exp power, square-free m, prime p or 0 for no log factor)
# ---------------------------------------------------------------------------------------------------------------
Key = tuple[int, int, int, int]
Exact = dict[Key, Fraction]
ONE: Key = (0, 0, 1, 0)


def ex_rat(q: Fraction | int) -> Exact:
    q = Fraction(q)
    return {ONE: q} if q else {}


def ex_add(*vals: Exact) -> Exact:
    out: Exact = {}
    for v in vals:
        for k, c in v.items():
            s = out.get(k, 0) + c
            if s:
                out[k] = s
            else:
                out.pop(k, None)
    return out


def ex_scale(v: Exact, q: Fraction | int) -> Exact:
    q = Fraction(q)
    return {k: c * q for k, c in v.items()} if q else {}


def ex_sub(a: Exact, b: Exact) -> Exact:
    return ex_add(a, ex_scale(b, -1))


def ex_mul(a: Exact, b: Exact) -> Exact:
    out: Exact = {}
    for (pa, ea, ma, la), ca in a.items():
        for (pb, eb, mb, lb), cb in b.items():
            if la and lb:  # never built: logs only enter linearly
                raise ValueError("product of two logarithms is outside the exact-value algebra")
            k, m = squarefree_split(ma * mb)
            key = (pa + pb, ea + eb, m, la or lb)
            s = out.get(key, 0) + ca * cb * k
            if s:
                out[key] = s
            else:
                out.pop(key, None)
    return out


def ex_pow(v: Exact, n: int) -> Exact:
    out = ex_rat(1)
    for _ in range(n):
        out = ex_mul(out, v)
    return out


def ex_pi(r: Fraction | int) -> Exact:
    r = Fraction(r)
    return {(1, 0, 1, 0): r} if r else {}


def ex_exp(j: int) -> Exact:
    return {(0, j, 1, 0): Fraction(1)} if j else ex_rat(1)


def ex_sqrt(q: Fraction | int) -> Exact:
    """sqrt of a rational q >= 0 (denominator rationalised)."""
    q = Fraction(q)
    k, m = squarefree_split(q.numerator * q.denominator)
    return {(0, 0, m, 0): Fraction(k, q.denominator)} if k else {}


def ex_log(q: Fraction | int) -> Exact:
    """log of a rational q > 0 split over primes, so log(4) - log(2) collapses to log(2)."""
    q = Fraction(q)
    out: Exact = {}
    for p, e in prime_factors(q.numerator):
        out[(0, 0, 1, p)] = out.get((0, 0, 1, p), 0) + e
    for p, e in prime_factors(q.denominator):
        out[(0, 0, 1, p)] = out.get((0, 0, 1, p), 0) - e
    return {k: Fraction(c) for k, c in out.items() if c}


_SIN_DEG = {0: ex_rat(0), 30: ex_rat(Fraction(1, 2)), 45: ex_sqrt(Fraction(1, 2)), 60: ex_sqrt(Fraction(3, 4)),
            90: ex_rat(1)}


def ex_sin_pi(r: Fraction) -> Exact:
    """sin(r*pi) for r a multiple of 1/4 or 1/6."""
    deg = r * 180 % 360
    if deg.denominator != 1 or int(deg) % 15 or int(deg) % 30 and int(deg) % 45:
        raise ValueError(f"sin({r}*pi) is not tabulated")
    d = int(deg)
    sign = 1
    if d >= 180:
        d, sign = d - 180, -1
    if d > 90:
        d = 180 - d
    return ex_scale(_SIN_DEG[d], sign)


def ex_cos_pi(r: Fraction) -> Exact:
    return ex_sin_pi(r + Fraction(1, 2))


def _term_text(key: Key, c: Fraction) -> str:
    pi_p, e_p, m, lp = key
    factors = []
    if m != 1:
        factors.append(f"sqrt({m})")
    if pi_p:
        factors.append("pi" if pi_p == 1 else f"pi**{pi_p}")
    if e_p:
        factors.append(f"exp({e_p})")
    if lp:
        factors.append(f"log({lp})")
    if not factors:
        return fmt_num(c)
    num, den = abs(c.numerator), c.denominator
    body = "*".join(factors) if num == 1 else f"{num}*" + "*".join(factors)
    return ("-" if c < 0 else "") + body + ("" if den == 1 else f"/{den}")


def ex_text(v: Exact) -> str:
    """Canonical sympy-parsable text: rational part first, then terms in a fixed key order."""
    return join_terms(_term_text(k, v[k]) for k in sorted(v, key=lambda key: (key != ONE, key)))


# ---------------------------------------------------------------------------------------------------------------
# Integrand pieces: each returns (integrand term text, antiderivative evaluated at a limit).
# Rational-mode limits are Fractions t; trig-mode limits are Fractions r meaning r*pi.
# ---------------------------------------------------------------------------------------------------------------
Piece = tuple[str, Callable[[Fraction], Exact]]


def _coef_term(c: int, body: str) -> str:
    """`c*body` with 1 and -1 folded in."""
    return body if c == 1 else "-" + body if c == -1 else f"{c}*{body}"


def _sx(s: int) -> str:
    """`s*x` with 1 and -1 folded in."""
    return "x" if s == 1 else "-x" if s == -1 else f"{s}*x"


def _lin(p: int, var: str = "x") -> str:
    return var if p == 0 else f"{var} + {p}" if p > 0 else f"{var} - {-p}"


def poly_text(coefs: list[int]) -> str:
    """Text of sum(coefs[i] * x**i)."""
    terms = []
    for i in range(len(coefs) - 1, -1, -1):
        c = coefs[i]
        if c == 0:
            continue
        if i == 0:
            terms.append(str(c))
        else:
            terms.append(_coef_term(c, "x" if i == 1 else f"x**{i}"))
    return join_terms(terms)


def poly_mul(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def nonzero(rng: random.Random, m: int) -> int:
    return rng.choice([-1, 1]) * rng.randint(1, m)


def _monomials(rng: random.Random, k: "IntegralKnobs", count: int, trig: bool) -> Piece:
    """A polynomial with `count` distinct-degree monomials; its antiderivative at t (or t*pi)."""
    degs = sorted(rng.sample(range(k.degree_max + 1), count), reverse=True)
    coefs = {d: nonzero(rng, k.coef_max) for d in degs}
    arr = [coefs.get(i, 0) for i in range(max(degs) + 1)]

    def F(t: Fraction) -> Exact:
        if trig:
            return ex_add(*(ex_scale({(d + 1, 0, 1, 0): t ** (d + 1)}, Fraction(c, d + 1)) for d, c in coefs.items()))
        return ex_rat(sum(Fraction(c, d + 1) * t ** (d + 1) for d, c in coefs.items()))

    return poly_text(arr), F


def _shift_positive(rng: random.Random, a: int, lo: int = 1) -> int:
    """p with a + p in [lo, lo + 3]: keeps log / sqrt arguments positive on [a, b]."""
    return lo - a + rng.randint(0, 3)


def _piece(kind: str, rng: random.Random, k: "IntegralKnobs", a: int, b: int) -> Piece:
    c = nonzero(rng, k.coef_max)
    if kind == "exp":
        s = nonzero(rng, 2)
        return _coef_term(c, f"exp({_sx(s)})"), \
            lambda t: ex_scale(ex_exp(int(s * t)), Fraction(c, s))
    if kind == "recip":
        p = _shift_positive(rng, a)
        return f"{c}/{_lin(p) if p == 0 else '(' + _lin(p) + ')'}", lambda t: ex_scale(ex_log(t + p), c)
    if kind == "inv_sqrt":
        p = _shift_positive(rng, a)
        return f"{c}/sqrt({_lin(p)})", lambda t: ex_scale(ex_sqrt(t + p), 2 * c)
    if kind == "sqrt":
        p = _shift_positive(rng, a, lo=0)
        return _coef_term(c, f"sqrt({_lin(p)})"), \
            lambda t: ex_scale(ex_sqrt(t + p), Fraction(2 * c, 3) * (t + p))
    if kind == "partial_fractions":
        n = rng.choice([2, 2, 3])
        shifts = sorted(rng.sample(range(1 - a, 1 - a + 5), n))
        cs = [nonzero(rng, k.coef_max) for _ in range(n)]
        den, num = [1], [0] * n
        for p in shifts:
            den = poly_mul(den, [p, 1])
        for i, ci in enumerate(cs):
            part = [ci]
            for j, p in enumerate(shifts):
                if j != i:
                    part = poly_mul(part, [p, 1])
            num = [x + y for x, y in zip(num, part + [0] * (n - len(part)))]
        while len(num) > 1 and num[-1] == 0:
            num.pop()
        ntext = poly_text(num)
        ntext = ntext if len(num) == 1 else f"({ntext})"
        # no factor cancels: num(-p_i) = c_i * prod(p_j - p_i) != 0 for distinct shifts
        return f"{ntext}/({poly_text(den)})", \
            lambda t: ex_add(*(ex_scale(ex_log(t + p), ci) for p, ci in zip(shifts, cs)))
    if kind == "atan":  # limits were chosen in {0, +-m} so atan(t/m) is a multiple of pi/4
        m = max(abs(a), abs(b))
        return f"{c}/(x**2 + {m * m})", lambda t: ex_pi(Fraction(c, m) * Fraction(1, 4) * (t / m))
    if kind == "subst_exp":
        s = rng.choice([-1, 1])
        return _coef_term(c, f"x*exp({'-' if s < 0 else ''}x**2)"), \
            lambda t: ex_scale(ex_exp(int(s * t * t)), Fraction(c, 2 * s))
    if kind == "subst_log":
        m = rng.randint(1, 9)
        return _coef_term(c, f"x/(x**2 + {m})"), lambda t: ex_scale(ex_log(t * t + m), Fraction(c, 2))
    if kind == "subst_sqrt":
        m = rng.randint(1, 9)
        return _coef_term(c, f"x/sqrt(x**2 + {m})"), lambda t: ex_scale(ex_sqrt(t * t + m), c)
    if kind == "parts_exp":
        s = nonzero(rng, 2)
        body = f"x*exp({_sx(s)})"
        return _coef_term(c, body), \
            lambda t: ex_scale(ex_exp(int(s * t)), c * (t / s - Fraction(1, s * s)))
    if kind == "parts_x2exp":
        return _coef_term(c, "x**2*exp(x)"), lambda t: ex_scale(ex_exp(int(t)), c * (t * t - 2 * t + 2))
    if kind == "parts_log":
        p = _shift_positive(rng, a)
        return _coef_term(c, f"log({_lin(p)})"), \
            lambda t: ex_add(ex_scale(ex_log(t + p), c * (t + p)), ex_rat(-c * (t + p)))
    if kind == "parts_xlog":
        p = _shift_positive(rng, a)
        u = f"({_lin(p)})" if p else "x"
        return _coef_term(c, f"{u}*log({_lin(p)})"), \
            lambda t: ex_add(ex_scale(ex_log(t + p), c * (t + p) ** 2 / 2), ex_rat(-c * (t + p) ** 2 / 4))
    # ---- trig mode: t is r meaning r*pi
    s = rng.randint(1, 3)
    arg = "x" if s == 1 else f"{s}*x"
    if kind == "sin":
        return _coef_term(c, f"sin({arg})"), lambda r: ex_scale(ex_cos_pi(s * r), Fraction(-c, s))
    if kind == "cos":
        return _coef_term(c, f"cos({arg})"), lambda r: ex_scale(ex_sin_pi(s * r), Fraction(c, s))
    if kind == "parts_xsin":  # F = c(-x cos(sx)/s + sin(sx)/s^2)
        return _coef_term(c, f"x*sin({arg})"), lambda r: ex_add(
            ex_scale(ex_mul(ex_pi(r), ex_cos_pi(s * r)), Fraction(-c, s)),
            ex_scale(ex_sin_pi(s * r), Fraction(c, s * s)))
    if kind == "parts_xcos":  # F = c(x sin(sx)/s + cos(sx)/s^2)
        return _coef_term(c, f"x*cos({arg})"), lambda r: ex_add(
            ex_scale(ex_mul(ex_pi(r), ex_sin_pi(s * r)), Fraction(c, s)),
            ex_scale(ex_cos_pi(s * r), Fraction(c, s * s)))
    if kind == "subst_sincos":  # c sin(x) cos(x)^n -> -c cos^(n+1)/(n+1)
        n = rng.randint(1, 4)
        return _coef_term(c, f"sin(x)*cos(x)**{n}"), \
            lambda r: ex_scale(ex_pow(ex_cos_pi(r), n + 1), Fraction(-c, n + 1))
    if kind == "subst_cossin":
        n = rng.randint(1, 4)
        return _coef_term(c, f"cos(x)*sin(x)**{n}"), \
            lambda r: ex_scale(ex_pow(ex_sin_pi(r), n + 1), Fraction(c, n + 1))
    if kind == "sin_squared":  # c sin^2 x -> c(x/2 - sin(2x)/4)
        return _coef_term(c, "sin(x)**2"), \
            lambda r: ex_add(ex_pi(Fraction(c, 2) * r), ex_scale(ex_sin_pi(2 * r), Fraction(-c, 4)))
    if kind == "cos_squared":
        return _coef_term(c, "cos(x)**2"), \
            lambda r: ex_add(ex_pi(Fraction(c, 2) * r), ex_scale(ex_sin_pi(2 * r), Fraction(c, 4)))
    raise ValueError(f"unknown piece kind {kind!r}")


FORMS = {
    "poly": [],
    "basic": ["exp", "recip", "inv_sqrt", "sqrt"],
    "advanced": ["partial_fractions", "atan", "subst_exp", "subst_log", "subst_sqrt", "parts_exp", "parts_x2exp",
                 "parts_log", "parts_xlog"],
    "trig": ["sin", "cos", "parts_xsin", "parts_xcos", "subst_sincos", "subst_cossin", "sin_squared", "cos_squared"],
}
FORMS["mixed"] = FORMS["basic"] + FORMS["advanced"]
TRIG_LIMITS = [Fraction(n, d) for n, d in [(-1, 2), (-1, 3), (-1, 4), (-1, 6), (0, 1), (1, 6), (1, 4), (1, 3),
                                           (1, 2), (2, 3), (3, 4), (5, 6), (1, 1)]]


def limit_text(t: Fraction, trig: bool) -> str:
    if not trig:
        return fmt_num(t)
    if t == 0:
        return "0"
    num = "pi" if abs(t.numerator) == 1 else f"{abs(t.numerator)}*pi"
    return ("-" if t < 0 else "") + num + ("" if t.denominator == 1 else f"/{t.denominator}")


@dataclass(frozen=True)
class IntegralKnobs(Knobs):
    forms: str = knob("basic", choices=tuple(FORMS), help="pool of integrand pieces: poly (monomials only), basic "
                      "(exp, 1/(x+p), sqrt), advanced (partial fractions, atan, substitution, by parts), trig "
                      "(limits at multiples of pi), mixed (basic + advanced)")
    pieces: int = knob(2, lo=1, hi=7, help="number of pieces summed in the integrand (monomials for forms=poly)")
    add_poly: bool = knob(False, help="add a polynomial part to a non-poly integrand")
    degree_max: int = knob(3, lo=0, hi=8, help="largest polynomial degree")
    coef_max: int = knob(5, lo=1, hi=50, help="largest |integer coefficient|")
    bound: int = knob(3, lo=1, hi=6, help="largest |integration limit| (rational-limit forms)")

    def check(self) -> None:
        if self.forms == "poly" and self.pieces > self.degree_max + 1:
            raise HardgenError(f"knob 'pieces' ({self.pieces}) exceeds the distinct monomials allowed by "
                               f"'degree_max' ({self.degree_max}): need pieces <= degree_max + 1 when forms=poly")
        if self.forms != "poly" and self.pieces > 4:
            raise HardgenError(f"knob 'pieces' must be <= 4 unless forms=poly, got {self.pieces}")


@register
class Integral(Family):
    name = "math.integral"
    Knobs = IntegralKnobs
    levels = {
        "easy": {"forms": "poly", "pieces": 3, "degree_max": 3, "coef_max": 6, "bound": 3},
        "medium": {"forms": "basic", "pieces": 2, "add_poly": True, "degree_max": 2, "coef_max": 6, "bound": 3},
        "hard": {"forms": "advanced", "pieces": 2, "degree_max": 2, "coef_max": 6, "bound": 3},
        "trig": {"forms": "trig", "pieces": 2, "add_poly": True, "degree_max": 2, "coef_max": 6},
        "extreme": {"forms": "mixed", "pieces": 4, "add_poly": True, "degree_max": 3, "coef_max": 9, "bound": 4},
    }
    description = ("Evaluate a definite integral exactly (polynomials, exponentials, logs, radicals, partial "
                   "fractions, substitution and integration-by-parts forms, trigonometric integrands on pi-limits).")
    verification = ("The antiderivative is chosen first and the integrand is its derivative; the exact value "
                    "F(b) - F(a) is computed in an exact algebra of rationals, pi, exp, sqrt and log. `gen verify` "
                    "parses the integrand and answer with sympy and integrates numerically with mpmath "
                    "(tanh-sinh quadrature at 40 digits), requiring agreement to 1e-12 relative; polynomial "
                    "integrals are also integrated symbolically by sympy.")

    def generate(self, k: IntegralKnobs, rng: random.Random) -> Candidate:
        trig = k.forms == "trig"
        pool = FORMS[k.forms]
        # distinct piece kinds while the pool allows, so the sum does not repeat a form
        kinds = [] if k.forms == "poly" else rng.sample(pool, k.pieces) if k.pieces <= len(pool) else \
            [rng.choice(pool) for _ in range(k.pieces)]
        if trig:
            a, b = sorted(rng.sample(TRIG_LIMITS, 2))
        elif "atan" in kinds:
            m = rng.randint(1, k.bound)
            a, b = rng.choice([(0, m), (-m, 0), (-m, m)])
        else:
            a = rng.randint(-k.bound, k.bound - 1)
            b = rng.randint(a + 1, k.bound)
        a, b = Fraction(a), Fraction(b)
        parts: list[Piece] = []
        if k.forms == "poly":
            parts.append(_monomials(rng, k, k.pieces, trig=False))
        else:
            if k.add_poly:
                parts.append(_monomials(rng, k, rng.randint(1, min(2, k.degree_max + 1)), trig))
            parts.extend(_piece(kind, rng, k, int(a), int(b)) for kind in kinds)
        integrand = join_terms(t for t, _ in parts)
        value = ex_add(*(ex_sub(F(b), F(a)) for _, F in parts))
        if not value:
            raise Reject("integral is zero")
        answer = ex_text(value)
        lo, hi = limit_text(a, trig), limit_text(b, trig)
        prompt = (f"Evaluate the definite integral\n\n    integral from x = {lo} to x = {hi} of  {integrand}  dx\n\n"
                  "The integrand is written in SymPy/Python notation (** is a power, log is the natural logarithm, "
                  "exp(x) is e**x). Give the exact value inside \\boxed{}, simplified, using fractions, sqrt(), pi, "
                  "exp() and log() as needed, e.g. \\boxed{3/4 + 2*log(2) - pi/6}.")
        check = {"kind": "math", "params": {"integrand": integrand, "var": "x", "lower": lo, "upper": hi,
                                            "pieces": kinds}}
        return Candidate(prompt, answer, check, {"forms": k.forms, "pieces": len(parts), "answer_terms": len(value)})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        import mpmath
        import sympy as sp

        p = record["check"]["params"]
        x = sp.Symbol(p["var"])
        f = sp.sympify(p["integrand"], locals={p["var"]: x})
        lo, hi = sp.sympify(p["lower"]), sp.sympify(p["upper"])
        ans = sp.sympify(record["answer"])
        out: dict[str, bool | None] = {}
        with mpmath.workdps(40):
            fn = sp.lambdify(x, f, modules="mpmath")
            q = mpmath.quad(fn, [mpmath.mpf(sp.N(lo, 45)), mpmath.mpf(sp.N(hi, 45))])
            v = mpmath.mpf(sp.N(ans, 45))
            out["quadrature"] = bool(abs(q - v) <= mpmath.mpf("1e-12") * max(abs(v), mpmath.mpf("1e-8")))
        if f.is_polynomial(x):  # symbolic integration is fast and exact here
            out["sympy_integrate"] = sp.simplify(sp.integrate(f, (x, lo, hi)) - ans) == 0
        return out
