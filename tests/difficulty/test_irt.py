"""IRT fits recover known parameters from simulated responses."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from hardgen.difficulty.irt import fit_irt, response_matrix
from hardgen.core.errors import HardgenError


def _sim(solvers=6, items=400, k=12, seed=0):
    rng = np.random.default_rng(seed)
    theta = np.linspace(-1.5, 1.5, solvers)
    b = rng.normal(0, 1.3, items)
    a = np.exp(rng.normal(0, 0.3, items))
    p = 1 / (1 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
    return theta, b, rng.binomial(k, p), np.full((solvers, items), k)


@pytest.mark.parametrize("model", ["1pl", "2pl"])
def test_recovers_difficulty_and_ability_order(model):
    theta, b, C, N = _sim()
    fit = fit_irt(C, N, model=model)
    assert spearmanr(fit.b, b).statistic > 0.93
    assert list(np.argsort(fit.theta)) == list(range(len(theta)))
    assert fit.converged


def test_missing_entries_are_ignored():
    theta, b, C, N = _sim(items=200)
    N = N.copy()
    N[0, :100] = 0
    C = np.where(N == 0, 0, C)
    fit = fit_irt(C, N, model="1pl")
    assert spearmanr(fit.b, b).statistic > 0.9


def test_bad_input_is_rejected():
    with pytest.raises(HardgenError, match="at least 2 solvers"):
        fit_irt(np.zeros((1, 5)), np.ones((1, 5)))
    with pytest.raises(HardgenError, match="correct <= trials"):
        fit_irt(np.full((2, 2), 3), np.ones((2, 2)))


def test_response_matrix_from_records():
    recs = [{"difficulty": {"grades": {"a": {"k": 4, "correct": 1}, "b": {"k": 4, "correct": 3}}}},
            {"difficulty": {"grades": {"a": {"k": 2, "correct": 2}}}}]
    names, C, N = response_matrix(recs)
    assert names == ["a", "b"]
    assert C.tolist() == [[1, 2], [3, 0]] and N.tolist() == [[4, 2], [4, 0]]
