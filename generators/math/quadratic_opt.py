"""math.quadratic_opt: optimise a quadratic in one or two variables (interval, box, linear constraint, free)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_num, fmt_tuple, join_terms, linear_equation

TASKS = ("interval", "free", "box", "constraint")


def quad_text(coefs: dict[str, int]) -> str:
    """Text of a quadratic from monomial -> integer coefficient, in a fixed monomial order."""
    order = ["x**2", "x*y", "y**2", "x", "y", "1"]
    terms = []
    for mono in order:
        c = coefs.get(mono, 0)
        if c == 0:
            continue
        if mono == "1":
            terms.append(str(c))
        else:
            terms.append(mono if c == 1 else "-" + mono if c == -1 else f"{c}*{mono}")
    return join_terms(terms)


def _min_1d(A: Fraction, B: Fraction, C: Fraction, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """(argmin, min) of A t^2 + B t + C on [lo, hi] for A > 0: the vertex clamped to the interval."""
    t = min(max(-B / (2 * A), lo), hi)
    return t, A * t * t + B * t + C


@dataclass(frozen=True)
class QuadraticOptKnobs(Knobs):
    task: str = knob("mixed", choices=TASKS + ("mixed",), help="interval (1 variable on [L, R]), free (2 variables, "
                     "no constraint), box (2 variables on a rectangle), constraint (2 variables on a line), mixed")
    coef_max: int = knob(4, lo=1, hi=30, help="largest |leading coefficient|")
    bound: int = knob(5, lo=1, hi=50, help="largest |endpoint| of intervals and boxes, and |vertex numerator|")
    vertex_den: int = knob(2, lo=1, hi=12, help="largest denominator of the chosen vertex coordinates")
    ask: str = knob("mixed", choices=("value", "point", "mixed"), help="ask for the optimal value or the optimiser")

    def check(self) -> None:
        # b = -2 a h must be an integer, so h's denominator must divide 2a for some |a| <= coef_max
        if self.vertex_den > 2 * self.coef_max:
            raise HardgenError(f"knob 'vertex_den' ({self.vertex_den}) must be <= 2 * 'coef_max' "
                               f"({2 * self.coef_max}): the vertex denominator must divide 2*a")


@register
class QuadraticOpt(Family):
    name = "math.quadratic_opt"
    Knobs = QuadraticOptKnobs
    levels = {
        "easy": {"task": "interval", "coef_max": 3, "bound": 5, "vertex_den": 1, "ask": "value"},
        "medium": {"task": "mixed", "coef_max": 4, "bound": 6, "vertex_den": 2},
        "hard": {"task": "mixed", "coef_max": 6, "bound": 8, "vertex_den": 4},
        "extreme": {"task": "box", "coef_max": 9, "bound": 12, "vertex_den": 6},
    }
    description = "Find the maximum or minimum (or the optimiser) of a quadratic on an interval, a box or a line."
    verification = ("The vertex (critical point) and definite Hessian are chosen first and the coefficients "
                    "computed from them; the optimum follows from convexity (vertex if feasible, else the clamped "
                    "vertex on the best edge; endpoints for a convex maximum; substitution on a line). `gen verify` "
                    "re-solves with sympy: every stationary point of f, of f on each edge, and of the Lagrangian, "
                    "plus the corners, is evaluated exactly and the best candidate compared with the answer.")

    def generate(self, k: QuadraticOptKnobs, rng: random.Random) -> Candidate:
        task = rng.choice(TASKS) if k.task == "mixed" else k.task
        ask = rng.choice(["value", "point"]) if k.ask == "mixed" else k.ask
        params, question, value, point = getattr(self, "_" + task)(k, rng)
        params.update({"task": task, "ask": ask})
        if ask == "value":
            answer, how = fmt_num(value), "the optimal value as an exact fraction, e.g. \\boxed{-7/4}"
        elif len(point) == 1:
            answer, how = fmt_num(point[0]), "the optimal x as an exact fraction, e.g. \\boxed{3/2}"
        else:
            answer, how = fmt_tuple(point), "the optimal point as an ordered pair, e.g. \\boxed{(1/2, -3)}"
        word = "minimum" if params["sense"] == "min" else "maximum"
        target = f"What is the {word} value of f?" if ask == "value" else f"At which point is the {word} attained?"
        prompt = f"{question} {target}\n\nGive {how}, inside \\boxed{{}}."
        return Candidate(prompt, answer, {"kind": "math", "params": params}, {"task": task, "ask": ask})

    def _vertex(self, k: QuadraticOptKnobs, rng: random.Random, a: int) -> Fraction:
        dens = [d for d in range(1, k.vertex_den + 1) if (2 * a) % d == 0]
        return Fraction(rng.randint(-k.bound * 2, k.bound * 2), rng.choice(dens))

    def _interval(self, k: QuadraticOptKnobs, rng: random.Random):
        a = rng.choice([-1, 1]) * rng.randint(1, k.coef_max)
        h = self._vertex(k, rng, a)
        c = rng.randint(-3 * k.bound, 3 * k.bound)
        b = -2 * a * h  # integer by the choice of h's denominator
        lo = rng.randint(-k.bound, k.bound - 1)
        hi = rng.randint(lo + 1, k.bound)
        f = lambda t: a * t * t + b * t + c  # noqa: E731
        sense = rng.choice(["min", "max"])
        if (sense == "min") == (a > 0):  # optimising towards the vertex: clamp it into the interval
            arg = min(max(h, Fraction(lo)), Fraction(hi))
        else:  # away from the vertex: the farther endpoint
            fl, fh = f(Fraction(lo)), f(Fraction(hi))
            if fl == fh:
                raise Reject("two optimisers")
            arg = Fraction(lo) if (fl > fh) == (sense == "max") else Fraction(hi)
        coefs = {"x**2": a, "x": int(b), "1": c}
        word = "minimum" if sense == "min" else "maximum"
        q = f"Consider f(x) = {quad_text(coefs)} on the interval {lo} <= x <= {hi}. f attains a {word} there."
        return {"f": quad_text(coefs), "sense": sense, "vars": ["x"], "box": [[lo, hi]]}, q, f(arg), (arg,)

    def _definite(self, k: QuadraticOptKnobs, rng: random.Random, sense: str):
        """Coefficients of a 2-variable quadratic with a definite Hessian and a chosen critical point."""
        a, b = rng.randint(1, k.coef_max), rng.randint(1, k.coef_max)
        c = rng.randint(-k.coef_max, k.coef_max)
        if 4 * a * b - c * c <= 0:
            raise Reject("Hessian not definite")
        den = rng.randint(1, k.vertex_den)
        h = (Fraction(rng.randint(-k.bound, k.bound), den), Fraction(rng.randint(-k.bound, k.bound), den))
        d, e = -(2 * a * h[0] + c * h[1]), -(2 * b * h[1] + c * h[0])
        if d.denominator != 1 or e.denominator != 1:
            raise Reject("non-integer linear coefficients")
        g = rng.randint(-3 * k.bound, 3 * k.bound)
        s = 1 if sense == "min" else -1
        coefs = {"x**2": s * a, "x*y": s * c, "y**2": s * b, "x": s * int(d), "y": s * int(e), "1": g}
        return coefs, h

    @staticmethod
    def _eval(coefs: dict[str, int], x: Fraction, y: Fraction) -> Fraction:
        return (coefs["x**2"] * x * x + coefs["x*y"] * x * y + coefs["y**2"] * y * y + coefs["x"] * x
                + coefs["y"] * y + coefs["1"])

    def _free(self, k: QuadraticOptKnobs, rng: random.Random):
        sense = rng.choice(["min", "max"])
        coefs, h = self._definite(k, rng, sense)
        word = "minimum" if sense == "min" else "maximum"
        q = f"Consider f(x, y) = {quad_text(coefs)} over all real x and y. f attains a global {word}."
        return {"f": quad_text(coefs), "sense": sense, "vars": ["x", "y"], "box": None}, q, self._eval(coefs, *h), h

    def _box(self, k: QuadraticOptKnobs, rng: random.Random):
        sense = rng.choice(["min", "max"])
        coefs, h = self._definite(k, rng, sense)
        box = []
        for _ in range(2):
            lo = rng.randint(-k.bound, k.bound - 1)
            box.append((lo, rng.randint(lo + 1, k.bound)))
        (x0, x1), (y0, y1) = box
        if x0 <= h[0] <= x1 and y0 <= h[1] <= y1:
            best = h
        else:
            # a strictly convex function with its vertex outside a box is optimal on the boundary: clamp on each
            # edge (a 1-D convex quadratic) and keep the best
            s = 1 if sense == "min" else -1
            cands = []
            for xv in (x0, x1):  # edges x = const: s*f = b y^2 + (c x + e) y + ...
                t, v = _min_1d(Fraction(s * coefs["y**2"]), Fraction(s * (coefs["x*y"] * xv + coefs["y"])),
                               Fraction(0), Fraction(y0), Fraction(y1))
                cands.append((Fraction(xv), t))
            for yv in (y0, y1):
                t, v = _min_1d(Fraction(s * coefs["x**2"]), Fraction(s * (coefs["x*y"] * yv + coefs["x"])),
                               Fraction(0), Fraction(x0), Fraction(x1))
                cands.append((t, Fraction(yv)))
            vals = [s * self._eval(coefs, *p) for p in cands]
            best = cands[vals.index(min(vals))]
        word = "minimum" if sense == "min" else "maximum"
        q = (f"Consider f(x, y) = {quad_text(coefs)} on the rectangle {x0} <= x <= {x1}, {y0} <= y <= {y1}. "
             f"f attains a {word} there.")
        return ({"f": quad_text(coefs), "sense": sense, "vars": ["x", "y"], "box": [list(box[0]), list(box[1])]},
                q, self._eval(coefs, *best), best)

    def _constraint(self, k: QuadraticOptKnobs, rng: random.Random):
        sense = rng.choice(["min", "max"])
        coefs, _ = self._definite(k, rng, sense)
        p, q_ = rng.randint(-k.coef_max, k.coef_max), rng.randint(-k.coef_max, k.coef_max)
        if p == 0 and q_ == 0:
            raise Reject("empty constraint")
        r = rng.randint(-2 * k.bound, 2 * k.bound)
        # parametrise the line as (x, y) = P0 + t*(q, -p) and optimise the 1-D quadratic in t
        P0 = (Fraction(r, p), Fraction(0)) if p else (Fraction(0), Fraction(r, q_))
        dx, dy = Fraction(q_), Fraction(-p)
        f0 = self._eval(coefs, *P0)
        f1 = self._eval(coefs, P0[0] + dx, P0[1] + dy)
        fm = self._eval(coefs, P0[0] - dx, P0[1] - dy)
        A, B = (f1 + fm - 2 * f0) / 2, (f1 - fm) / 2  # f(P0 + t d) = A t^2 + B t + f0
        t = -B / (2 * A)
        best = (P0[0] + t * dx, P0[1] + t * dy)
        word = "minimum" if sense == "min" else "maximum"
        q = (f"Consider f(x, y) = {quad_text(coefs)} subject to the constraint "
             f"{linear_equation([p, q_], ['x', 'y'])} = {r}. f attains a {word} on this line.")
        return ({"f": quad_text(coefs), "sense": sense, "vars": ["x", "y"], "box": None, "line": [p, q_, r]},
                q, self._eval(coefs, *best), best)

    # ---- independent route: sympy stationary points + exhaustive candidate evaluation -----------------------
    def rederive(self, record: dict) -> dict[str, bool | None]:
        import sympy as sp

        p = record["check"]["params"]
        vs = sp.symbols(" ".join(p["vars"]))
        vs = vs if isinstance(vs, tuple) else (vs,)
        f = sp.sympify(p["f"], locals={str(v): v for v in vs})
        box = p.get("box")
        cands: list[tuple] = []
        if p.get("line"):
            a, b, c = p["line"]
            lam = sp.Symbol("lam")
            L = f - lam * (a * vs[0] + b * vs[1] - c)
            for s in sp.solve([sp.diff(L, v) for v in vs] + [sp.diff(L, lam)], list(vs) + [lam], dict=True):
                cands.append(tuple(s[v] for v in vs))
        elif box is None:
            cands += [tuple(s[v] for v in vs) for s in sp.solve([sp.diff(f, v) for v in vs], list(vs), dict=True)]
        else:
            # stationary points of f restricted to every face of the box (interior, edges, corners)
            import itertools
            for fixed in itertools.product(*[[None, lo, hi] for lo, hi in box]):
                g = f.subs({v: val for v, val in zip(vs, fixed) if val is not None})
                free = [v for v, val in zip(vs, fixed) if val is None]
                sols = sp.solve([sp.diff(g, v) for v in free], free, dict=True) if free else [{}]
                for s in sols:
                    pt = tuple(sp.Integer(val) if val is not None else s.get(v) for v, val in zip(vs, fixed))
                    if all(x is not None and x.is_number for x in pt) and \
                            all(lo <= x <= hi for x, (lo, hi) in zip(pt, box)):
                        cands.append(pt)
        if not cands:
            return {"candidates": False}
        vals = [f.subs(dict(zip(vs, pt))) for pt in cands]
        best = min(vals) if p["sense"] == "min" else max(vals)
        arg = sorted({pt for pt, v in zip(cands, vals) if v == best})
        if box is None:
            # unbounded domains: the stationary point is the optimum only if the Hessian is definite the right way
            H = sp.hessian(f, vs) if len(vs) > 1 else sp.Matrix([[sp.diff(f, vs[0], 2)]])
            if p.get("line"):
                a, b, _ = p["line"]
                d = sp.Matrix([b, -a])
                curv = (d.T * H * d)[0]
                definite = curv > 0 if p["sense"] == "min" else curv < 0
            else:
                definite = H.is_positive_definite if p["sense"] == "min" else H.is_negative_definite
            if not definite:
                return {"optimum_exists": False}
        ok_unique = len(arg) == 1
        if p["ask"] == "value":
            match = sp.sympify(record["answer"]) == best
        else:
            want = arg[0] if len(arg[0]) > 1 else arg[0][0]
            got = sp.sympify(record["answer"])
            match = (tuple(got) == tuple(want)) if len(vs) > 1 else got == want
        return {"unique_optimiser": ok_unique, "candidate_search": bool(match)}
