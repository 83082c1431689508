"""Pass-rate statistics: intervals (Wilson, Jeffreys), the unbiased pass@k estimator, spread across solvers."""

from __future__ import annotations

import math
from typing import Sequence

from hardgen.core.errors import HardgenError


def wilson_interval(correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    >>> [round(x, 3) for x in wilson_interval(3, 10)]
    [0.108, 0.603]
    """
    _check(correct, n)
    if n == 0:
        return (0.0, 1.0)
    z = _z(confidence)
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def jeffreys_interval(correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Jeffreys interval: quantiles of Beta(correct + 1/2, n - correct + 1/2); ends pinned at 0/1 when c = 0/n.

    >>> [round(x, 3) for x in jeffreys_interval(3, 10)]
    [0.093, 0.606]
    """
    from scipy.stats import beta

    _check(correct, n)
    if n == 0:
        return (0.0, 1.0)
    a = (1 - confidence) / 2
    lo = 0.0 if correct == 0 else float(beta.ppf(a, correct + 0.5, n - correct + 0.5))
    hi = 1.0 if correct == n else float(beta.ppf(1 - a, correct + 0.5, n - correct + 0.5))
    return (lo, hi)


INTERVALS = {"wilson": wilson_interval, "jeffreys": jeffreys_interval}


def interval(correct: int, n: int, method: str = "wilson", confidence: float = 0.95) -> tuple[float, float]:
    if method not in INTERVALS:
        raise HardgenError(f"unknown interval method {method!r}; expected one of {', '.join(INTERVALS)}")
    return INTERVALS[method](correct, n, confidence)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c correct (Chen et al. 2021): 1 - C(n-c, k) / C(n, k).

    >>> round(pass_at_k(10, 3, 1), 6), round(pass_at_k(10, 3, 5), 4)
    (0.3, 0.9167)
    """
    _check(c, n)
    if k < 1 or k > n:
        raise HardgenError(f"pass@k needs 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    # product form: stable for large n
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """std / mean of per-solver pass rates (DeepDistill's spread); None when the mean is 0."""
    if not values:
        return None
    m = sum(values) / len(values)
    if m == 0:
        return None
    var = sum((v - m) ** 2 for v in values) / len(values)
    return math.sqrt(var) / m


def grade_summary(verdicts: Sequence[bool | None], tokens: Sequence[int | None] = (), method: str = "wilson",
                  ks: Sequence[int] = (1, 4, 8, 16)) -> dict:
    """Per-problem, per-solver grade: `{k, correct, undecided, pass_rate, ci, pass_at, mean_tokens}`.

    Undecided rollouts (`None`) count as not correct, and are reported.
    """
    n = len(verdicts)
    c = sum(1 for v in verdicts if v is True)
    lo, hi = interval(c, n, method)
    toks = [t for t in tokens if t is not None]
    return {
        "k": n, "correct": c, "undecided": sum(1 for v in verdicts if v is None),
        "pass_rate": c / n if n else None, "ci": [round(lo, 6), round(hi, 6)], "ci_method": method,
        "pass_at": {str(k): round(pass_at_k(n, c, k), 6) for k in ks if k <= n},
        "mean_tokens": (sum(toks) / len(toks)) if toks else None,
    }


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise HardgenError(f"confidence must be in (0, 1), got {confidence}")
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _check(c: int, n: int) -> None:
    if n < 0 or c < 0 or c > n:
        raise HardgenError(f"need 0 <= correct <= n, got correct={c}, n={n}")
