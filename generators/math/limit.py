"""math.limit: limits with exact answers by construction (rational functions, 0/0 forms, sin(ax)/bx, e-limits,
conjugates), checked by sympy.limit and by high-precision evaluation near the point."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_num, fmt_surd, squarefree_split
from hardgen.generators.math.integral import nonzero, poly_mul, poly_text

FORMS = {
    "rational": ["rational_inf", "removable"],
    "transcendental": ["small_angle", "exp_limit"],
    "algebraic": ["conjugate_zero", "conjugate_point", "conjugate_inf", "sqrt_ratio"],
}
FORMS["mixed"] = FORMS["rational"] + FORMS["transcendental"] + FORMS["algebraic"]


def _ax(a: int) -> str:
    return "x" if a == 1 else "-x" if a == -1 else f"{a}*x"


def _signed(c: int) -> str:
    return f"+ {c}" if c >= 0 else f"- {-c}"


def _poly_eval(coefs: list[int], x: Fraction) -> Fraction:
    return sum((Fraction(c) * x ** i for i, c in enumerate(coefs)), Fraction(0))


def _rand_poly(rng: random.Random, deg: int, cmax: int) -> list[int]:
    coefs = [rng.randint(-cmax, cmax) for _ in range(deg)] + [nonzero(rng, cmax)]
    return coefs


# factors that vanish at x = 0: (text builder, order of vanishing, leading coefficient)
def _small_factor(kind: str, a: int) -> tuple[str, int, Fraction]:
    if kind == "sin":
        return f"sin({_ax(a)})", 1, Fraction(a)
    if kind == "tan":
        return f"tan({_ax(a)})", 1, Fraction(a)
    if kind == "atan":
        return f"atan({_ax(a)})", 1, Fraction(a)
    if kind == "expm1":
        return f"(exp({_ax(a)}) - 1)", 1, Fraction(a)
    if kind == "log1p":
        return f"log(1 {'+' if a > 0 else '-'} {_ax(abs(a))})", 1, Fraction(a)
    if kind == "versine":
        return f"(1 - cos({_ax(a)}))", 2, Fraction(a * a, 2)
    raise ValueError(kind)


SMALL = ["sin", "tan", "atan", "expm1", "log1p", "versine"]


@dataclass(frozen=True)
class LimitKnobs(Knobs):
    forms: str = knob("mixed", choices=tuple(FORMS), help="rational (at infinity, removable 0/0), transcendental "
                      "(sin(ax)/(bx)-type products, (1+a/x)**(bx)), algebraic (conjugate / sqrt forms), mixed")
    factors: int = knob(1, lo=1, hi=3, help="vanishing factors in 0/0 forms (also the multiplicity of the "
                        "removable root)")
    degree_max: int = knob(2, lo=1, hi=6, help="largest polynomial degree")
    coef_max: int = knob(5, lo=1, hi=30, help="largest |integer coefficient|")

    def check(self) -> None:
        if self.forms in ("rational", "mixed") and self.factors > self.degree_max:
            raise HardgenError(f"knob 'factors' ({self.factors}) must be <= 'degree_max' ({self.degree_max}) for "
                               f"forms={self.forms}: the removable factor (x - r)**factors must fit the degree")


@register
class Limit(Family):
    name = "math.limit"
    Knobs = LimitKnobs
    levels = {
        "easy": {"forms": "rational", "factors": 1, "degree_max": 2, "coef_max": 5},
        "medium": {"forms": "mixed", "factors": 1, "degree_max": 3, "coef_max": 6},
        "hard": {"forms": "mixed", "factors": 2, "degree_max": 4, "coef_max": 8},
        "extreme": {"forms": "transcendental", "factors": 3, "degree_max": 4, "coef_max": 9},
    }
    description = ("Compute a limit exactly (rational functions, removable 0/0, small-angle products, e-limits, "
                   "conjugates).")
    verification = ("Each form is built from its answer (leading coefficients, a cancelled factor (x - r)**m, "
                    "first-order terms of vanishing factors, exp(ab) for (1 + a/x)**(bx), conjugate derivatives). "
                    "`gen verify` recomputes the limit with sympy.limit (both sides at a finite point) and evaluates "
                    "the expression with mpmath at 80 digits at distance 1e-20 / 1e-25 from the point (or at "
                    "1e20 / 1e25 towards infinity), requiring agreement with the answer to 1e-9.")

    def generate(self, k: LimitKnobs, rng: random.Random) -> Candidate:
        form = rng.choice(FORMS[k.forms])
        expr, point, value = getattr(self, "_" + form)(k, rng)
        if isinstance(value, Fraction) and value == 0 and rng.random() < 0.8:
            raise Reject("zero limit (kept rarely)")
        answer = value if isinstance(value, str) else fmt_num(value)
        where = {"oo": "x -> oo (plus infinity)", "-oo": "x -> -oo (minus infinity)"}.get(point, f"x -> {point}")
        prompt = (f"Compute the limit as {where} of\n\n    {expr}\n\n"
                  "The expression is written in SymPy/Python notation (** is a power, log is the natural logarithm, "
                  "exp(x) is e**x). The limit exists and is finite. Give its exact value inside \\boxed{}, "
                  "e.g. \\boxed{-3/2}, \\boxed{sqrt(3)/6} or \\boxed{exp(2/3)}.")
        check = {"kind": "math", "params": {"expr": expr, "var": "x", "point": point, "form": form}}
        return Candidate(prompt, answer, check, {"form": form})

    # ---- forms: each returns (expression text, point text, exact value as Fraction or text)
    def _rational_inf(self, k: LimitKnobs, rng: random.Random):
        d = rng.randint(1, k.degree_max)
        dq = d if rng.random() < 0.85 else rng.randint(d, k.degree_max + 1)
        p, q = _rand_poly(rng, d, k.coef_max), _rand_poly(rng, dq, k.coef_max)
        value = Fraction(p[-1], q[-1]) if dq == d else Fraction(0)
        return f"({poly_text(p)})/({poly_text(q)})", rng.choice(["oo", "-oo"]), value

    def _removable(self, k: LimitKnobs, rng: random.Random):
        m = k.factors
        r = rng.randint(-4, 4)
        p1 = _rand_poly(rng, rng.randint(0, k.degree_max - m), k.coef_max)
        q1 = _rand_poly(rng, rng.randint(0, k.degree_max - m), k.coef_max)
        pv, qv = _poly_eval(p1, Fraction(r)), _poly_eval(q1, Fraction(r))
        if qv == 0 or pv == 0:
            raise Reject("the cancelled root is not simple in the denominator / numerator")
        root = [1]
        for _ in range(m):
            root = poly_mul(root, [-r, 1])
        num, den = poly_mul(root, p1), poly_mul(root, q1)
        return f"({poly_text(num)})/({poly_text(den)})", str(r), pv / qv

    def _small_angle(self, k: LimitKnobs, rng: random.Random):
        num = [_small_factor(rng.choice(SMALL), nonzero(rng, k.coef_max)) for _ in range(k.factors)]
        den = [_small_factor(rng.choice(SMALL), nonzero(rng, k.coef_max)) for _ in range(rng.randint(0, k.factors))]
        order = sum(o for _, o, _ in num) - sum(o for _, o, _ in den)
        c = nonzero(rng, k.coef_max)
        value = Fraction(1, c)
        for _, _, lead in num:
            value *= lead
        for _, _, lead in den:
            value /= lead
        num_t = [t for t, _, _ in num]
        den_t = [str(c)] if c != 1 or order <= 0 else []
        if order > 0:
            den_t.append("x" if order == 1 else f"x**{order}")
        elif order < 0:
            num_t.append("x" if order == -1 else f"x**{-order}")
        den_s = "*".join(den_t + [t for t, _, _ in den])
        expr = "*".join(num_t) + (f"/({den_s})" if "*" in den_s else f"/{den_s}")
        return expr, "0", value

    def _exp_limit(self, k: LimitKnobs, rng: random.Random):
        a, b = nonzero(rng, k.coef_max), nonzero(rng, k.coef_max)
        variant = rng.randrange(3)
        if variant == 0:  # (1 + a/x)**(b*x) -> e^(ab)
            expr, point, e = f"(1 {_signed(a)}/x)**({_ax(b)})", "oo", Fraction(a * b)
        elif variant == 1:  # (1 + a*x)**(b/x) at 0 -> e^(ab)
            expr, point, e = f"(1 {'+' if a > 0 else '-'} {_ax(abs(a))})**({b}/x)", "0", Fraction(a * b)
        else:  # ((x + a)/(x + c))**(b*x) -> e^(b(a - c))
            c = rng.randint(-k.coef_max, k.coef_max)
            if c == a:
                raise Reject("base is identically 1")
            expr, point, e = f"(({poly_text([a, 1])})/({poly_text([c, 1])}))**({_ax(b)})", "oo", Fraction(b * (a - c))
        return expr, point, f"exp({fmt_num(e)})"

    def _conjugate_zero(self, k: LimitKnobs, rng: random.Random):
        # (sqrt(a x + s^2) - s)/(b x) -> a / (2 s b)
        s, a, b = rng.randint(1, 6), nonzero(rng, k.coef_max), nonzero(rng, k.coef_max)
        den = "x" if b == 1 else f"({_ax(b)})"
        return f"(sqrt({_ax(a)} + {s * s}) - {s})/{den}", "0", Fraction(a, 2 * s * b)

    def _conjugate_point(self, k: LimitKnobs, rng: random.Random):
        # (sqrt(p x + q) - sqrt(u x + v))/(x - r) with p r + q = u r + v = s^2 -> (p - u)/(2 s)
        r, s = rng.randint(-4, 4), rng.randint(1, 5)
        p, u = rng.sample([i for i in range(-k.coef_max, k.coef_max + 1) if i], 2)
        q, v = s * s - p * r, s * s - u * r
        den = "x" if r == 0 else "x " + _signed(-r)
        return (f"(sqrt({poly_text([q, p])}) - sqrt({poly_text([v, u])}))/({den})",
                str(r), Fraction(p - u, 2 * s))

    def _conjugate_inf(self, k: LimitKnobs, rng: random.Random):
        # sqrt(m^2 x^2 + a x + c) - m x -> a / (2 m) at +oo
        m, a, c = rng.randint(1, 4), nonzero(rng, k.coef_max), rng.randint(-k.coef_max, k.coef_max)
        inner = poly_text([c, a, m * m])
        return f"sqrt({inner}) - {_ax(m)}", "oo", Fraction(a, 2 * m)

    def _sqrt_ratio(self, k: LimitKnobs, rng: random.Random):
        # sqrt(n x^2 + a x + c)/(d x + e) -> sqrt(n)/d at +oo
        n, a, c = rng.randint(1, 12), rng.randint(-k.coef_max, k.coef_max), rng.randint(0, k.coef_max)
        d, e = nonzero(rng, k.coef_max), rng.randint(-k.coef_max, k.coef_max)
        kk, m = squarefree_split(n)
        return f"sqrt({poly_text([c, a, n])})/({poly_text([e, d])})", "oo", fmt_surd(Fraction(kk, d), m)

    def rederive(self, record: dict) -> dict[str, bool | None]:
        import mpmath
        import sympy as sp

        p = record["check"]["params"]
        x = sp.Symbol(p["var"])
        expr = sp.sympify(p["expr"], locals={p["var"]: x})
        ans = sp.sympify(record["answer"])
        point = sp.sympify(p["point"])
        out: dict[str, bool | None] = {}
        x_real = sp.Symbol(p["var"], real=True)
        e_real = expr.subs(x, x_real)
        if point.is_infinite:
            lims = [sp.limit(e_real, x_real, point)]
        else:
            lims = [sp.limit(e_real, x_real, point, dir=d) for d in ("+", "-")]
        out["sympy_limit"] = all(lim.is_finite and sp.simplify(lim - ans) == 0 for lim in lims)
        with mpmath.workdps(80):
            fn = sp.lambdify(x, expr, modules="mpmath")
            target = mpmath.mpf(sp.N(ans, 85))
            if point.is_infinite:
                sgn = 1 if point == sp.oo else -1
                xs = [sgn * mpmath.mpf(10) ** 20, sgn * mpmath.mpf(10) ** 25]
            else:
                x0 = mpmath.mpf(sp.N(point, 85))
                xs = [x0 + h for h in (mpmath.mpf(10) ** -20, -mpmath.mpf(10) ** -20, mpmath.mpf(10) ** -25)]
            tol = mpmath.mpf("1e-9") * max(1, abs(target))
            vals = [fn(xi) for xi in xs]
            out["numeric"] = all(abs(mpmath.re(v) - target) <= tol and abs(mpmath.im(v)) <= tol for v in vals)
        return out
