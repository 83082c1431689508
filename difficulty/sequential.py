"""Bayes-sequential grading: a pass-rate prior learnt from the pool, and the stopping rule that is optimal under it.

A problem's pass rate p gets a prior: a discrete distribution on a grid of 200 cells plus the exact ends p = 0
(never solved: the solver cannot do it) and p = 1. `fit_prior` fits it to the pool's rollouts so far by maximum
likelihood: a Beta over the cells plus shares of never- and always-solved problems, weakly penalised. (A
nonparametric grid fit was tried: from a few rollouts per problem it comes out spiky, stops too early and lost
1.5–3 points of accuracy on simulated pools.) The fit stays valid while problems stop at different times: the
stopping rule depends only on observed rollouts, so the likelihood is unchanged by it. After c correct of n
rollouts a problem's posterior is prior × p^c (1-p)^(n-c).

The stopping rule is found by backward induction over the states (n, c): at each one, either stop and make the
Bayes call about the window, or pay `cost` per rollout for another batch — whichever has the lower expected loss
(probability of a wrong call + cost × rollouts). Under the prior no rule that sees the same rollouts makes fewer
wrong calls for as few rollouts. `matched_policy` picks the largest cost for which the rule's expected error is no
worse (by a margin) than grading with a fixed k under the same prior: the accuracy of k rollouts each, for as
few as possible.

With the window's lower bound open at 0 (the default `(0, 0.5]`), a problem is called inside only once a
rollout has solved it, as `gen select` reads an observed pass rate of 0; the rule knows this and samples
never-solved problems until calling them outside is safe enough. (Calling them by the posterior instead would
save many rollouts on pools with few unsolvable problems, but it leans entirely on the fitted share of unsolvable
problems, which a few rollouts per problem cannot pin down: on pools with 20–30% unsolvable it lost 10–20 points
of accuracy.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hardgen.difficulty.window import Window

#: grid cells between the two exact ends
CELLS = 200


def _grid(cells: int = CELLS) -> np.ndarray:
    return np.concatenate([[0.0], (np.arange(cells) + 0.5) / cells, [1.0]])


@dataclass(frozen=True)
class PassRatePrior:
    """A discrete prior over pass rates: `weights` on the grid 0, cell midpoints, 1 (see `grid`)."""

    weights: tuple[float, ...]

    @cached_property
    def grid(self) -> np.ndarray:
        return _grid(len(self.weights) - 2)

    @cached_property
    def w(self) -> np.ndarray:
        return np.asarray(self.weights, float)

    @property
    def zero(self) -> float:
        """Prior share of problems the solver never solves."""
        return float(self.w[0])

    @classmethod
    def from_cdf(cls, cdf, zero: float = 0.0, one: float = 0.0, cells: int = CELLS) -> "PassRatePrior":
        """A continuous spread given by its CDF (a vectorised function of p), put on the cells, with extra
        atoms `zero` at p = 0 and `one` at p = 1."""
        mass = np.diff(cdf(np.linspace(0, 1, cells + 1))) * (1 - zero - one)
        return cls(tuple(float(x) for x in np.concatenate([[zero], mass, [one]])))

    @classmethod
    def beta(cls, a: float, b: float, zero: float = 0.0, one: float = 0.0, cells: int = CELLS) -> "PassRatePrior":
        """Beta(a, b) spread over the cells, with extra atoms `zero` at p = 0 and `one` at p = 1."""
        from scipy.special import betainc

        return cls.from_cdf(lambda p: betainc(a, b, p), zero, one, cells)

    def posterior(self, c: np.ndarray | int, n: int) -> np.ndarray:
        """Posterior weights after `c` correct of `n` rollouts; one row per value of c."""
        c = np.atleast_1d(np.asarray(c, float))[:, None]
        g = self.grid[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = np.where(c > 0, c * np.log(g), 0.0) + np.where(n - c > 0, (n - c) * np.log1p(-g), 0.0)
        ll = np.where(self.w[None, :] > 0, ll, -np.inf)
        u = np.exp(ll - ll.max(axis=1, keepdims=True)) * self.w[None, :]
        return u / u.sum(axis=1, keepdims=True)

    def inside(self, window: Window) -> np.ndarray:
        return np.array([window.contains(float(p)) for p in self.grid])


JEFFREYS = PassRatePrior.beta(0.5, 0.5)


def fit_prior(counts: list[tuple[int, int]], cells: int = CELLS) -> PassRatePrior:
    """Maximum-likelihood prior from per-problem (correct, n): Beta(a, b) plus atoms at p = 0 and p = 1.

    The beta-binomial likelihood takes any mix of n, so the fit can use every rollout drawn so far. Weak
    penalties (log a, log b ~ N(log 1/2, 2); atom logits ~ N(-3, 3)) keep a small or degenerate pool from an
    overconfident prior; fewer than 16 graded problems give Jeffreys'. Smooth by construction: a nonparametric
    fit to a few rollouts per problem is spiky, and a spiky prior stops sampling too early.
    """
    from scipy.optimize import minimize
    from scipy.special import betaln, softmax

    counts = [(c, n) for c, n in counts if n]
    if len(counts) < 16:
        return JEFFREYS
    pairs, mult = np.unique(np.array(counts, float), axis=0, return_counts=True)
    C, N = pairs[:, 0], pairs[:, 1]

    def nll(x):
        la, lb, l0, l1 = x
        a, b = np.exp(la), np.exp(lb)
        share = softmax([0.0, l0, l1])
        lik = share[0] * np.exp(betaln(a + C, b + N - C) - betaln(a, b)) + share[1] * (C == 0) + share[2] * (C == N)
        pen = ((la - np.log(0.5)) ** 2 + (lb - np.log(0.5)) ** 2) / 8 + ((l0 + 3) ** 2 + (l1 + 3) ** 2) / 18
        return -float((mult * np.log(np.maximum(lik, 1e-300))).sum()) + pen

    best = None
    for x0 in ([np.log(0.5), np.log(0.5), -3.0, -3.0], [0.0, 0.0, -1.0, -1.0]):
        r = minimize(nll, np.array(x0), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-4, "maxiter": 2000})
        if best is None or r.fun < best.fun:
            best = r
    la, lb, l0, l1 = best.x
    share = softmax([0.0, l0, l1])
    return PassRatePrior.beta(float(np.exp(la)), float(np.exp(lb)), float(share[1]), float(share[2]), cells)


def p_in_window(correct: int, n: int, window: Window, prior: PassRatePrior = JEFFREYS) -> float:
    """Posterior probability that the pass rate lies in `window` after `correct` of `n` rollouts."""
    return float(prior.posterior(correct, n)[0][prior.inside(window)].sum())


def forced_out(window: Window) -> bool:
    """Is a never-solved problem called outside whatever its posterior says? Yes below an open lower bound 0."""
    return window.lo == 0 and not window.lo_closed


@dataclass
class Policy:
    """The optimal stopping rule for one prior, window, budget and cost.

    `go[n][c]`: draw another batch at state (n, c); `call[n][c]`: the call if stopping there; `p_in[n][c]`:
    posterior probability of being inside. `error` and `rollouts`: expected wrong-call probability and expected
    rollouts per problem from the start, under the prior.
    """

    steps: list[int]
    go: dict[int, np.ndarray]
    call: dict[int, np.ndarray]
    p_in: dict[int, np.ndarray]
    error: float
    rollouts: float
    cost: float


def _schedule(max_k: int, batch: int) -> list[int]:
    return list(range(0, max_k, batch)) + [max_k]


def _stop_tables(prior: PassRatePrior, window: Window, steps: list[int]):
    """Per step n: posterior P(inside), the stopping call and its error for every c, and next-batch predictives."""
    from scipy.stats import binom

    inside = prior.inside(window)
    tables = {}
    for i, n in enumerate(steps):
        post = prior.posterior(np.arange(n + 1), n)
        p_in = post[:, inside].sum(axis=1)
        call = p_in >= 0.5
        if forced_out(window):
            call[0] = False
        err = np.where(call, 1 - p_in, p_in)
        pred = None
        if i + 1 < len(steps):
            s = steps[i + 1] - n
            pred = post @ binom.pmf(np.arange(s + 1)[None, :], s, prior.grid[:, None])  # (n+1) × (s+1)
        tables[n] = (p_in, call, err, pred)
    return tables


def plan(prior: PassRatePrior, window: Window, max_k: int, batch: int, cost: float, min_k: int = 0,
         max_doubt: float = 1.0, _tables=None) -> Policy:
    """Backward induction: the policy minimising P(wrong call) + cost × rollouts under `prior`.

    The first batch is always drawn; `error` and `rollouts` count it.
    """
    steps = _schedule(max_k, batch)
    tables = _tables or _stop_tables(prior, window, steps)
    go, call, pin = {}, {}, {}
    V = E = R = None  # value, error and rollouts-to-go at the next step, per c
    error, rollouts = float(tables[0][2][0]), 0.0
    for i in range(len(steps) - 1, -1, -1):
        n = steps[i]
        p_in, c_call, err, pred = tables[n]
        if pred is None:
            g = np.zeros(n + 1, bool)
            v, e, r = err, err, np.zeros(n + 1)
        else:
            s = steps[i + 1] - n
            idx = np.arange(n + 1)[:, None] + np.arange(s + 1)[None, :]
            cont_v = cost * s + (pred * V[idx]).sum(axis=1)
            cont_e = (pred * E[idx]).sum(axis=1)
            cont_r = s + (pred * R[idx]).sum(axis=1)
            if i == 0:
                error, rollouts = float(cont_e[0]), float(cont_r[0])
            doubt = err > max_doubt
            if forced_out(window):
                doubt[0] = False  # never solved: outside by definition; how long to keep trying is the cost's call
            g = (cont_v < err) | (n < min_k) | doubt
            v, e, r = np.where(g, cont_v, err), np.where(g, cont_e, err), np.where(g, cont_r, 0.0)
        go[n], call[n], pin[n] = g, c_call, p_in
        V, E, R = v, e, r
    return Policy(steps, go, call, pin, error, rollouts, cost)


def fixed_k_error(prior: PassRatePrior, window: Window, k: int) -> float:
    """Expected share of wrong calls when every problem gets k rollouts and is called by its observed pass rate."""
    from scipy.stats import binom

    inside = prior.inside(window)
    c = np.arange(k + 1)
    rule = np.array([window.contains(x / k) for x in c])
    pm = binom.pmf(c[None, :], k, prior.grid[:, None])
    return float((prior.w * (pm * (rule[None, :] != inside[:, None])).sum(axis=1)).sum())


def matched_policy(prior: PassRatePrior, window: Window, k: int, max_k: int, batch: int,
                   margin: float = 0.0, min_k: int = 0, max_doubt: float = 1.0) -> Policy:
    """The cheapest optimal policy whose expected error under `prior` is no worse than fixed-k grading's.

    `margin` asks for that much less expected error (a share of fixed-k's) to allow for an estimated prior.
    """
    target = fixed_k_error(prior, window, k) * (1 - margin)
    tables = _stop_tables(prior, window, _schedule(max_k, batch))
    lo, hi = -14.0, 0.0  # log cost
    best = plan(prior, window, max_k, batch, float(np.exp(lo)), min_k, max_doubt, _tables=tables)
    if best.error > target:  # even near-free rollouts cannot match: spend the budget
        return best
    for _ in range(28):
        mid = (lo + hi) / 2
        p = plan(prior, window, max_k, batch, float(np.exp(mid)), min_k, max_doubt, _tables=tables)
        if p.error <= target:
            lo, best = mid, p
        else:
            hi = mid
    return best
