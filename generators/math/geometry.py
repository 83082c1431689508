"""math.geometry: coordinate geometry with exact answers (areas, distances, radii, intersections, chords)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_num, fmt_surd, fmt_tuple, linear_equation, sqrt_of_rational

TASKS = ("polygon_area", "distance", "point_line", "circumradius", "inradius", "intersection", "chord")
#: primitive Pythagorean triples (leg, leg, hypotenuse) used to glue Heronian triangles
TRIPLES = [(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (20, 21, 29), (9, 40, 41), (12, 35, 37)]


def _pt(p) -> str:
    return "(" + ", ".join(fmt_num(c) for c in p) + ")"


def _surd_of(q: Fraction) -> str:
    """Text of sqrt(q) for rational q >= 0."""
    c, m = sqrt_of_rational(q)
    return fmt_surd(c, m)


@dataclass(frozen=True)
class GeometryKnobs(Knobs):
    task: str = knob("mixed", choices=TASKS + ("mixed",), help="which question; mixed draws one per item")
    coord_max: int = knob(6, lo=2, hi=60, help="largest |coordinate| of the given points")
    vertices: int = knob(4, lo=3, hi=12, help="polygon vertices (polygon_area)")
    dims: int = knob(2, lo=2, hi=3, help="dimension for distance questions")

    def check(self) -> None:
        if self.vertices > 2 * self.coord_max:
            raise HardgenError(f"knob 'vertices' ({self.vertices}) needs 'coord_max' >= {(self.vertices + 1) // 2}"
                               f" (got {self.coord_max}): too few lattice points for a simple polygon")


@register
class Geometry(Family):
    name = "math.geometry"
    Knobs = GeometryKnobs
    levels = {
        "easy": {"task": "mixed", "coord_max": 5, "vertices": 4, "dims": 2},
        "medium": {"task": "mixed", "coord_max": 10, "vertices": 6, "dims": 2},
        "hard": {"task": "mixed", "coord_max": 20, "vertices": 8, "dims": 3},
        "extreme": {"task": "mixed", "coord_max": 40, "vertices": 12, "dims": 3},
    }
    description = ("Coordinate geometry: polygon area, distances, point-to-line distance, circumradius and inradius, "
                   "intersection of lines, chord length, with exact rational or radical answers.")
    verification = ("Answers come from closed formulas (shoelace, |cross|/|AB|, abc/4K, K/s on Heronian triangles "
                    "glued from Pythagorean triples, Cramer's rule, 2*sqrt(r^2 - d^2)). `gen verify` recomputes "
                    "each with sympy.geometry (Polygon.area, Point.distance, Line.distance, Triangle.circumradius / "
                    "inradius, intersections) and compares exactly; polygon areas are also recomputed by Pick's "
                    "theorem from a brute-force lattice-point count.")

    def generate(self, k: GeometryKnobs, rng: random.Random) -> Candidate:
        task = rng.choice(TASKS) if k.task == "mixed" else k.task
        params, question, answer, fmt_hint = getattr(self, "_" + task)(k, rng)
        params["task"] = task
        prompt = (question + f"\n\nGive the exact value inside \\boxed{{}} in simplest form, {fmt_hint}")
        return Candidate(prompt, answer, {"kind": "math", "params": params}, {"task": task})

    def _rand_point(self, k: GeometryKnobs, rng: random.Random, dims: int = 2) -> tuple[int, ...]:
        return tuple(rng.randint(-k.coord_max, k.coord_max) for _ in range(dims))

    RADICAL = "writing radicals with sqrt(), e.g. \\boxed{3*sqrt(2)/2}."

    def _polygon_area(self, k: GeometryKnobs, rng: random.Random):
        n = k.vertices
        pts = set()
        while len(pts) < n:
            pts.add(self._rand_point(k, rng))
        pts = sorted(pts)
        # order by angle around the (rational) mean point: a star-shaped, hence simple, polygon
        cx, cy = Fraction(sum(p[0] for p in pts), n), Fraction(sum(p[1] for p in pts), n)
        pts.sort(key=lambda p: math.atan2(float(p[1] - cy), float(p[0] - cx)))
        for i in range(n):
            (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % n]
            u, v = (x1 - cx, y1 - cy), (x2 - cx, y2 - cy)
            if u[0] * v[1] - u[1] * v[0] <= 0:  # equal angles or a reflex gap at the centre: not star-shaped
                raise Reject("vertices not in strict angular order around the mean point")
        twice = sum(pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1] for i in range(n))
        area = Fraction(abs(twice), 2)
        listing = ", ".join(_pt(p) for p in pts)
        q = f"A polygon has vertices, in order, {listing}. What is its area?"
        return {"vertices": [list(p) for p in pts]}, q, fmt_num(area), "e.g. \\boxed{27/2}."

    def _distance(self, k: GeometryKnobs, rng: random.Random):
        dims = rng.randint(2, k.dims)
        a, b = self._rand_point(k, rng, dims), self._rand_point(k, rng, dims)
        if a == b:
            raise Reject("same point")
        d2 = sum((x - y) ** 2 for x, y in zip(a, b))
        q = f"What is the distance between the points {_pt(a)} and {_pt(b)}?"
        return {"a": list(a), "b": list(b)}, q, _surd_of(Fraction(d2)), self.RADICAL

    def _point_line(self, k: GeometryKnobs, rng: random.Random):
        a, b, p = (self._rand_point(k, rng) for _ in range(3))
        if a == b:
            raise Reject("degenerate line")
        cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
        if cross == 0:
            raise Reject("point on the line")
        ab2 = (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2
        # the line through a and b, written A x + B y = C with integer coefficients
        A, B = b[1] - a[1], a[0] - b[0]
        C = A * a[0] + B * a[1]
        g = math.gcd(math.gcd(A, B), C)
        A, B, C = A // g, B // g, C // g
        if A < 0 or (A == 0 and B < 0):
            A, B, C = -A, -B, -C
        q = (f"What is the distance from the point {_pt(p)} to the line {linear_equation([A, B], ['x', 'y'])} "
             f"= {C}?")
        return {"point": list(p), "line": [A, B, C]}, q, _surd_of(Fraction(cross * cross, ab2)), self.RADICAL

    def _circumradius(self, k: GeometryKnobs, rng: random.Random):
        a, b, c = (self._rand_point(k, rng) for _ in range(3))
        cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        if cross == 0:
            raise Reject("collinear")
        sq = [(p[0] - r[0]) ** 2 + (p[1] - r[1]) ** 2 for p, r in ((a, b), (b, c), (c, a))]
        # R = abc / (4K) with K = |cross|/2, so R^2 = a^2 b^2 c^2 / (4 cross^2)
        r2 = Fraction(sq[0] * sq[1] * sq[2], 4 * cross * cross)
        q = f"A triangle has vertices {_pt(a)}, {_pt(b)} and {_pt(c)}. What is the radius of its circumscribed circle?"
        return {"vertices": [list(a), list(b), list(c)]}, q, _surd_of(r2), self.RADICAL

    def _inradius(self, k: GeometryKnobs, rng: random.Random):
        # glue two right triangles with a common leg h: vertices (-x1, 0), (x2, 0), (0, h); integer sides
        t1, t2 = rng.choice(TRIPLES), rng.choice(TRIPLES)
        l1, l2 = rng.sample(t1[:2], 2), rng.sample(t2[:2], 2)  # (base, height) of each
        h = math.lcm(l1[1], l2[1])
        s1, s2 = h // l1[1], h // l2[1]
        if max(s1, s2) * max(max(t1), max(t2)) > 4 * k.coord_max + 60:
            raise Reject("triangle too large for coord_max")
        x1, x2 = l1[0] * s1, l2[0] * s2
        if x1 == x2 and rng.random() < 0.5:
            raise Reject("isosceles kept half as often")
        sign = 1 if rng.random() < 0.7 else -1  # -1 puts both feet on one side: an obtuse triangle
        if sign == -1 and x1 == x2:
            raise Reject("degenerate")
        dx, dy = rng.randint(-k.coord_max, k.coord_max), rng.randint(-k.coord_max, k.coord_max)
        pts = [(-sign * x1, 0), (x2, 0), (0, h)]
        if rng.random() < 0.5:  # swap axes for variety
            pts = [(y, x) for x, y in pts]
        pts = [(x + dx, y + dy) for x, y in pts]
        sides = [t1[2] * s1, t2[2] * s2, abs(x2 + sign * x1)]
        area = Fraction(abs(x2 + sign * x1) * h, 2)
        r = area / (Fraction(sum(sides), 2))
        q = (f"A triangle has vertices {_pt(pts[0])}, {_pt(pts[1])} and {_pt(pts[2])}. What is the radius of its "
             "inscribed circle?")
        return {"vertices": [list(p) for p in pts]}, q, fmt_num(r), "e.g. \\boxed{7/2}."

    def _intersection(self, k: GeometryKnobs, rng: random.Random):
        den = rng.choice([1, 1, 2, 3, 4, 5])
        pt = tuple(Fraction(rng.randint(-k.coord_max, k.coord_max), den) for _ in range(2))
        cm = max(2, k.coord_max // 2)
        lines = []
        for _ in range(2):
            a, b = rng.randint(-cm, cm), rng.randint(-cm, cm)
            if a == 0 and b == 0:
                raise Reject("empty equation")
            c = a * pt[0] + b * pt[1]
            m = c.denominator
            lines.append((a * m, b * m, int(c * m)))
        (a1, b1, _), (a2, b2, _) = lines
        if a1 * b2 - a2 * b1 == 0:
            raise Reject("parallel lines")
        eqs = " and ".join(f"{linear_equation([a, b], ['x', 'y'])} = {c}" for a, b, c in lines)
        q = f"Where do the lines {eqs} intersect?"
        return ({"lines": [list(l) for l in lines]}, q, fmt_tuple(pt),
                "as an ordered pair (x, y) with exact fractions, e.g. \\boxed{(3/2, -1)}.")

    def _chord(self, k: GeometryKnobs, rng: random.Random):
        h, kk = self._rand_point(k, rng)
        r = rng.randint(2, max(3, k.coord_max))
        a, b = rng.randint(-5, 5), rng.randint(-5, 5)
        if a == 0 and b == 0:
            raise Reject("empty equation")
        c = a * h + b * kk + rng.randint(-r * 3, r * 3)
        s = a * a + b * b
        half2 = Fraction(r * r * s - (a * h + b * kk - c) ** 2, s)  # r^2 - d^2
        if half2 <= 0:
            raise Reject("line misses the circle")
        circle = f"(x {'-' if h >= 0 else '+'} {abs(h)})**2 + (y {'-' if kk >= 0 else '+'} {abs(kk)})**2 = {r * r}"
        q = (f"The line {linear_equation([a, b], ['x', 'y'])} = {c} cuts the circle {circle} in a chord. "
             "What is the length of the chord?")
        return {"circle": [h, kk, r], "line": [a, b, c]}, q, _surd_of(4 * half2), self.RADICAL

    # ---- independent route: sympy.geometry and Pick's theorem ---------------------------------------------
    def rederive(self, record: dict) -> dict[str, bool | None]:
        import sympy as sp
        from sympy import geometry as g

        p = record["check"]["params"]
        task = p["task"]
        ans = sp.sympify(record["answer"])

        def same(v) -> bool:
            return sp.simplify(v - ans) == 0

        if task == "polygon_area":
            V = [tuple(v) for v in p["vertices"]]
            return {"sympy_area": same(abs(g.Polygon(*[g.Point(*v) for v in V]).area)),
                    "pick_theorem": _pick_area(V) == Fraction(str(ans))}
        if task == "distance":
            return {"sympy_distance": same(g.Point(*p["a"]).distance(g.Point(*p["b"])))}
        if task == "point_line":
            A, B, C = p["line"]
            on = [g.Point(sp.Rational(C, A), 0) if A else g.Point(0, sp.Rational(C, B))]
            on.append(on[0] + g.Point(B, -A))
            return {"sympy_line_distance": same(g.Line(*on).distance(g.Point(*p["point"])))}
        if task in ("circumradius", "inradius"):
            tri = g.Triangle(*[g.Point(*v) for v in p["vertices"]])
            return {f"sympy_{task}": same(sp.Abs(getattr(tri, task)))}  # sympy's radii carry orientation
        if task == "intersection":
            x, y = sp.symbols("x y")
            sol = sp.solve([a * x + b * y - c for a, b, c in p["lines"]], [x, y], dict=True)
            got = sp.sympify(record["answer"])
            return {"sympy_solve": len(sol) == 1 and isinstance(got, (tuple, sp.Tuple)) and
                    sp.Tuple(*got) == sp.Tuple(sol[0][x], sol[0][y])}
        if task == "chord":
            h, kk, r = p["circle"]
            A, B, C = p["line"]
            on = [g.Point(sp.Rational(C, A), 0) if A else g.Point(0, sp.Rational(C, B))]
            on.append(on[0] + g.Point(B, -A))
            pts = g.Circle(g.Point(h, kk), r).intersection(g.Line(*on))
            return {"sympy_chord": len(pts) == 2 and same(pts[0].distance(pts[1]))}
        return {"rederive": None}


def _pick_area(V: list[tuple[int, int]]) -> Fraction:
    """Area by Pick's theorem, A = I + B/2 - 1, counting lattice points one by one (valid for simple polygons)."""
    n = len(V)
    boundary = sum(math.gcd(abs(V[(i + 1) % n][0] - V[i][0]), abs(V[(i + 1) % n][1] - V[i][1])) for i in range(n))
    xs, ys = [v[0] for v in V], [v[1] for v in V]
    interior = 0
    for px in range(min(xs), max(xs) + 1):
        for py in range(min(ys), max(ys) + 1):
            on_edge, inside = False, False
            for i in range(n):
                (x1, y1), (x2, y2) = V[i], V[(i + 1) % n]
                if (x2 - x1) * (py - y1) == (y2 - y1) * (px - x1) and min(x1, x2) <= px <= max(x1, x2) \
                        and min(y1, y2) <= py <= max(y1, y2):
                    on_edge = True
                    break
                if (y1 > py) != (y2 > py):  # crossing number with exact rational comparison
                    if Fraction((x2 - x1) * (py - y1), y2 - y1) + x1 > px:
                        inside = not inside
            if not on_edge and inside:
                interior += 1
    return interior + Fraction(boundary, 2) - 1
