"""math.integral / limit / probability / geometry / quadratic_opt: every level re-derives, is deterministic, and
rejects bad knobs and corrupted answers."""

import math
from fractions import Fraction

import pytest
import sympy as sp

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one

FAMILIES = ["math.integral", "math.limit", "math.probability", "math.geometry", "math.quadratic_opt"]
#: items re-derived per (family, level); sympy.limit and quadrature dominate the runtime
SAMPLES = {"math.integral": 14, "math.limit": 10, "math.probability": 16, "math.geometry": 16,
           "math.quadratic_opt": 12}
CASES = [(fam, lvl) for fam in FAMILIES for lvl in get_family(fam).levels]


def _records(fam: str, level: str, n: int, seed: int = 3) -> list[dict]:
    knobs = get_family(fam).levels[level]
    return [generate_one(fam, level, knobs, seed, i) for i in range(n)]


@pytest.mark.parametrize("fam,level", CASES)
def test_every_level_rederives(fam, level):
    recs = _records(fam, level, SAMPLES[fam])
    family = get_family(fam)()
    for r in recs:
        assert "\\boxed{" in r["prompt"]
        sp.sympify(r["answer"])  # canonical answers are plain sympy text
        checks = family.rederive(r)
        assert checks and all(v is True for v in checks.values()), (r["prompt"], r["answer"], checks)
    assert len({r["prompt"] for r in recs}) >= len(recs) - 1  # no collapse onto a handful of problems


@pytest.mark.parametrize("fam", FAMILIES)
def test_deterministic_and_seed_sensitive(fam):
    level = "hard"
    knobs = get_family(fam).levels[level]
    a = [generate_one(fam, level, knobs, 11, i) for i in range(6)]
    b = [generate_one(fam, level, knobs, 11, i) for i in range(6)]
    c = [generate_one(fam, level, knobs, 12, i) for i in range(6)]
    assert a == b
    assert len({r["prompt"] for r in a} & {r["prompt"] for r in c}) <= 1


def _corrupt(answer: str) -> str:
    v = sp.sympify(answer)
    if isinstance(v, (tuple, sp.Tuple)):
        return str(tuple([v[0] + 1, *v[1:]]))
    return str(v + sp.Rational(1, 7))


@pytest.mark.parametrize("fam", FAMILIES)
def test_corrupted_answer_fails_rederive(fam):
    family = get_family(fam)()
    for r in _records(fam, "medium", 5, seed=5):
        bad = dict(r, answer=_corrupt(r["answer"]))
        checks = family.rederive(bad)
        assert any(v is False for v in checks.values()), (r["answer"], bad["answer"], checks)


@pytest.mark.parametrize("fam,bad,name", [
    ("math.integral", {"coef_max": 0}, "coef_max"),
    ("math.integral", {"forms": "poly", "pieces": 5, "degree_max": 2}, "pieces"),
    ("math.integral", {"forms": "nonsense"}, "forms"),
    ("math.limit", {"factors": 4}, "factors"),
    ("math.limit", {"forms": "rational", "factors": 3, "degree_max": 2}, "factors"),
    ("math.probability", {"size": 9}, "size"),
    ("math.probability", {"scenario": "dice", "size": 5, "sample_cap": 1000}, "sample_cap"),
    ("math.geometry", {"vertices": 12, "coord_max": 3}, "vertices"),
    ("math.geometry", {"dims": 4}, "dims"),
    ("math.quadratic_opt", {"vertex_den": 9, "coef_max": 2}, "vertex_den"),
    ("math.quadratic_opt", {"ask": "both"}, "ask"),
    ("math.quadratic_opt", {"bound": "many"}, "bound"),
])
def test_knob_errors_name_the_knob(fam, bad, name):
    with pytest.raises(HardgenError, match=name):
        get_family(fam).resolve_knobs("easy", bad)


def test_integral_exact_algebra():
    from hardgen.generators.math import integral as I

    for r in [Fraction(n, d) for d in (1, 2, 3, 4, 6) for n in range(-13, 14)]:
        for fn, ref in ((I.ex_sin_pi, math.sin), (I.ex_cos_pi, math.cos)):
            got = float(sp.sympify(I.ex_text(fn(r))))
            assert abs(got - ref(float(r) * math.pi)) < 1e-12, (fn.__name__, r)
    # log(12) - log(3) collapses over primes to 2*log(2)
    assert I.ex_text(I.ex_sub(I.ex_log(12), I.ex_log(3))) == "2*log(2)"
    # sqrt(2)*sqrt(6) = 2*sqrt(3); (sqrt(3)/2)**2 = 3/4
    assert I.ex_text(I.ex_mul(I.ex_sqrt(2), I.ex_sqrt(6))) == "2*sqrt(3)"
    assert I.ex_text(I.ex_pow(I.ex_sqrt(Fraction(3, 4)), 2)) == "3/4"
    assert I.ex_text(I.ex_add(I.ex_rat(Fraction(-1, 2)), I.ex_pi(Fraction(3, 4)), I.ex_exp(-2))) == \
        "-1/2 + exp(-2) + 3*pi/4"


def test_integral_matches_sympy_integrate_on_small_cases():
    """Beyond quadrature: sympy's own integrate agrees on the basic forms (kept to a few: it is slow)."""
    x = sp.Symbol("x")
    for r in _records("math.integral", "medium", 4, seed=21):
        p = r["check"]["params"]
        f = sp.sympify(p["integrand"], locals={"x": x})
        exact = sp.integrate(f, (x, sp.sympify(p["lower"]), sp.sympify(p["upper"])))
        assert abs(sp.N(exact - sp.sympify(r["answer"]), 30)) < 1e-20, (p, r["answer"], exact)


def test_fmt_helpers():
    from hardgen.generators.math._fmt import fmt_surd, join_terms, prime_factors, sqrt_of_rational, squarefree_split

    assert squarefree_split(72) == (6, 2) and squarefree_split(0) == (0, 1) and squarefree_split(1) == (1, 1)
    assert prime_factors(360) == [(2, 3), (3, 2), (5, 1)]
    assert fmt_surd(Fraction(3, 2), 2) == "3*sqrt(2)/2" and fmt_surd(-1, 5) == "-sqrt(5)" and fmt_surd(4, 1) == "4"
    assert sqrt_of_rational(Fraction(9, 2)) == (Fraction(3, 2), 2)
    assert join_terms(["x", "-2", "3*y"]) == "x - 2 + 3*y" and join_terms([]) == "0"


def test_probability_formula_spot_values():
    """Textbook values pin the formulas: two dice sum to 7 with probability 1/6; 4 dice with 2 showing..."""
    from hardgen.generators.math.probability import dice_sum_count, prob_no_run

    assert Fraction(dice_sum_count(2, 6, 7), 36) == Fraction(1, 6)
    assert dice_sum_count(3, 6, 10) == 27
    # no run of 2 heads in 3 fair flips: HTH, THT, TTH, HTT, TTT -> 5/8
    assert prob_no_run(3, 2, Fraction(1, 2)) == Fraction(5, 8)


def test_geometry_pick_detects_nonsimple_polygon():
    """Pick's count is the independent route: a self-intersecting 'bow tie' does not match its shoelace area."""
    from hardgen.generators.math.geometry import _pick_area

    assert _pick_area([(0, 0), (4, 0), (4, 4), (0, 4)]) == 16
    rec = {"answer": "0", "check": {"params": {"task": "polygon_area", "vertices": [[0, 0], [4, 4], [4, 0], [0, 4]]}}}
    checks = get_family("math.geometry")().rederive(rec)
    assert checks["pick_theorem"] is False
