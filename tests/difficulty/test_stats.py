"""Pass-rate statistics checked against closed forms and scipy."""

import math

import pytest
from scipy.stats import binomtest

from hardgen.difficulty.stats import (coefficient_of_variation, grade_summary, jeffreys_interval, pass_at_k,
                                      wilson_interval)
from hardgen.core.errors import HardgenError


@pytest.mark.parametrize("c,n", [(0, 10), (3, 10), (10, 10), (17, 50), (1, 1)])
def test_wilson_matches_scipy(c, n):
    ref = binomtest(c, n).proportion_ci(0.95, method="wilson")
    lo, hi = wilson_interval(c, n)
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


def test_jeffreys_pins_ends_and_contains_estimate():
    assert jeffreys_interval(0, 10)[0] == 0.0
    assert jeffreys_interval(10, 10)[1] == 1.0
    lo, hi = jeffreys_interval(4, 20)
    assert lo < 0.2 < hi


def test_pass_at_k_against_combinatorial_formula():
    for n, c, k in [(16, 3, 1), (16, 3, 4), (16, 0, 8), (16, 15, 2), (10, 10, 5)]:
        exact = 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)
    with pytest.raises(HardgenError):
        pass_at_k(4, 1, 5)


def test_cv_and_summary():
    assert coefficient_of_variation([0.5, 0.5]) == 0
    assert coefficient_of_variation([0.0, 0.0]) is None
    g = grade_summary([True, False, None, True], [10, 20, None, 30])
    assert g["k"] == 4 and g["correct"] == 2 and g["undecided"] == 1 and g["pass_rate"] == 0.5
    assert g["mean_tokens"] == 20 and set(g["pass_at"]) == {"1", "4"}
