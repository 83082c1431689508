"""The Bayes-sequential stopping rule: its posterior, its promises under the prior, and the fitted prior."""

import random

import numpy as np
import pytest
from scipy.special import betainc

from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.difficulty.sequential import (JEFFREYS, PassRatePrior, fit_prior, fixed_k_error, matched_policy,
                                           p_in_window, plan)
from hardgen.difficulty.window import Window
from hardgen.core.errors import HardgenError
from hardgen.models.simulated import SimulatedSolver

W = Window()


def test_grid_posterior_matches_the_closed_form_beta_posterior():
    prior = PassRatePrior.beta(2.0, 3.0)
    for c, n in [(0, 4), (3, 10), (10, 10)]:
        exact = betainc(2 + c, 3 + n - c, 0.5)  # P(p <= 0.5) under Beta(2+c, 3+n-c)
        assert p_in_window(c, n, W, prior) == pytest.approx(exact, abs=2e-3)


def test_atom_at_zero_is_outside_an_open_lower_bound_and_grows_with_failures():
    prior = PassRatePrior.beta(1, 1, zero=0.3)
    assert prior.zero == pytest.approx(0.3)
    p_zero = [prior.posterior(0, n)[0][0] for n in (0, 4, 16)]
    assert p_zero[0] == pytest.approx(0.3) and p_zero[0] < p_zero[1] < p_zero[2]
    assert prior.posterior(1, 4)[0][0] == 0.0  # one success rules out "never solved"
    closed = Window(0, 0.5, lo_closed=True)
    assert p_in_window(0, 16, closed, prior) > p_in_window(0, 16, W, prior)


def _simulate(policy, prior, window, batch, problems, seed):
    """Run a policy on problems drawn from the prior; returns (share of wrong calls, mean rollouts)."""
    rng = np.random.default_rng(seed)
    ps = rng.choice(prior.grid, size=problems, p=prior.w / prior.w.sum())
    wrong = used = 0
    for p in ps:
        n = c = 0
        while True:
            s = policy.steps[policy.steps.index(n) + 1] - n
            c += int(rng.binomial(s, p))
            n += s
            if not policy.go[n][c]:
                break
        wrong += bool(policy.call[n][c]) != window.contains(float(p))
        used += n
    return wrong / problems, used / problems


@pytest.mark.parametrize("prior", [PassRatePrior.beta(0.5, 0.5, 0.2), PassRatePrior.beta(1, 1)])
def test_policy_keeps_its_promise_under_its_prior(prior):
    pol = matched_policy(prior, W, 16, 32, 2)
    assert pol.error <= fixed_k_error(prior, W, 16) + 1e-12
    err, used = _simulate(pol, prior, W, 2, 4000, seed=1)
    assert err == pytest.approx(pol.error, abs=0.02)
    assert used == pytest.approx(pol.rollouts, rel=0.06)
    assert pol.rollouts < 16  # fewer than fixed k on average, at no more expected error


def test_never_solved_problems_are_called_outside_below_an_open_zero():
    pol = plan(PassRatePrior.beta(1, 1), W, 32, 2, cost=1e-3)
    assert not any(pol.call[n][0] for n in pol.steps)
    closed = plan(PassRatePrior.beta(1, 1), Window(0, 0.5, lo_closed=True), 32, 2, cost=1e-3)
    assert closed.call[2][0]  # p = 0 counts as inside a closed bound: nothing to prove


def test_higher_rollout_cost_spends_fewer_rollouts_and_errs_more():
    prior = PassRatePrior.beta(0.5, 0.5, 0.2)
    runs = [plan(prior, W, 32, 2, cost) for cost in (1e-5, 1e-3, 1e-2, 0.3)]
    used = [p.rollouts for p in runs]
    errs = [p.error for p in runs]
    assert all(a >= b for a, b in zip(used, used[1:])) and used[0] > used[-1]
    assert all(a <= b + 1e-12 for a, b in zip(errs, errs[1:]))
    assert runs[-1].rollouts == 2  # only the compulsory first batch


def test_min_k_and_max_doubt_bound_where_the_rule_may_stop():
    prior = PassRatePrior.beta(0.5, 0.5, 0.2)
    pol = plan(prior, W, 32, 2, cost=0.01, min_k=6, max_doubt=0.1)
    for n in pol.steps[1:-1]:
        stops = ~pol.go[n]
        if n < 6:
            assert not stops.any()
        doubt = np.where(pol.call[n], 1 - pol.p_in[n], pol.p_in[n])
        # a problem solved at least once stops early only once its call is that sure
        assert (doubt[1:][stops[1:]] <= 0.1 + 1e-12).all()
    loose = plan(prior, W, 32, 2, cost=0.01)
    assert loose.rollouts < pol.rollouts and pol.error < loose.error


def test_fit_prior_recovers_a_pool_with_unsolvable_problems():
    rng = random.Random(0)
    counts = []
    for _ in range(3000):
        p = 0.0 if rng.random() < 0.25 else rng.betavariate(2, 5)
        counts.append((sum(rng.random() < p for _ in range(16)), 16))
    prior = fit_prior(counts)
    assert prior.zero == pytest.approx(0.25, abs=0.04)
    mean = float((prior.grid * prior.w).sum())
    assert mean == pytest.approx(0.75 * 2 / 7, abs=0.02)
    assert fit_prior(counts[:10]) is JEFFREYS  # too few problems to learn from


def test_adaptive_grading_matches_fixed_accuracy_with_fewer_rollouts():
    rows = [{"id": f"{i:05d}", "answer": "1", "check": {"kind": "math"}} for i in range(768)]
    solver = SimulatedSolver(1.8, 0.6, 0.05, sim_seed=3)  # an easy-skewed pool, 5% never solved
    solver.spec = "sim:easy"
    truth = [W.contains(solver.true_pass_rate(r)) for r in rows]
    fixed_ok = adapt_ok = used = 0
    for j in range(0, len(rows), 256):
        part = rows[j:j + 256]
        res_f, _ = rollouts_for(solver, part, 16, 0, f"f{j}")
        res_a, info = rollouts_for(solver, part, 16, 0, f"a{j}", AdaptiveConfig())
        for t, rf, ra, inf in zip(truth[j:j + 256], res_f, res_a, info):
            fixed_ok += W.contains(sum(x["correct"] is True for x in rf) / 16) == t
            adapt_ok += inf["in_window"] == t
            used += len(ra)
            assert len(ra) <= 32 and inf["window"] == str(W)
    assert adapt_ok >= fixed_ok - 0.02 * len(rows)
    assert used < 0.5 * 16 * len(rows)


def test_adaptive_config_rejects_bad_settings():
    with pytest.raises(HardgenError, match="rollout cost"):
        AdaptiveConfig(cost=2.0)
    with pytest.raises(HardgenError, match="margin"):
        AdaptiveConfig(margin=1.0)
    with pytest.raises(HardgenError, match="batch"):
        AdaptiveConfig(batch=0)
    with pytest.raises(HardgenError, match="max_doubt"):
        AdaptiveConfig(max_doubt=0.6)
    assert AdaptiveConfig().budget(16) == 32 and AdaptiveConfig(until_correct=2).budget(16) == 16
