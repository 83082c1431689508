"""Item response theory on rollout counts: 1PL (Rasch) and 2PL fits of item difficulty, discrimination and
solver ability, by MAP estimation with a binomial likelihood (numpy + scipy L-BFGS).

    P(solver s solves item i) = sigmoid(a_i * (theta_s - b_i))      (1PL: a_i = 1)

Priors keep the fit identified with few solvers: theta ~ N(0, 1), b ~ N(0, prior_b_sd^2), log a ~ N(0, 0.5^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hardgen.errors import HardgenError


@dataclass(frozen=True)
class IRTFit:
    """Fitted parameters: `theta` per solver, `b` (difficulty) and `a` (discrimination) per item."""

    model: str
    theta: np.ndarray
    b: np.ndarray
    a: np.ndarray
    neg_log_posterior: float
    converged: bool
    iterations: int

    def p_correct(self) -> np.ndarray:
        """Model probability for every (solver, item) pair."""
        return _sigmoid(self.a[None, :] * (self.theta[:, None] - self.b[None, :]))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def fit_irt(correct: np.ndarray, trials: np.ndarray, model: str = "2pl", prior_b_sd: float = 3.0,
            max_iter: int = 2000, tol: float = 1e-7) -> IRTFit:
    """Fit 1PL or 2PL to a (solvers × items) matrix of correct counts out of `trials` (0 trials = missing).

    >>> rng = np.random.default_rng(0)
    >>> theta, b = np.array([-1.0, 0.0, 1.0]), rng.normal(size=50)
    >>> p = 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    >>> fit = fit_irt(rng.binomial(20, p), np.full((3, 50), 20), model="1pl")
    >>> bool(np.corrcoef(fit.b, b)[0, 1] > 0.9)
    True
    """
    from scipy.optimize import minimize

    if model not in ("1pl", "2pl"):
        raise HardgenError(f"unknown IRT model {model!r}; expected 1pl or 2pl")
    C = np.asarray(correct, dtype=float)
    N = np.asarray(trials, dtype=float)
    if C.ndim != 2 or C.shape != N.shape:
        raise HardgenError(f"correct and trials must be matrices of one shape, got {C.shape} and {N.shape}")
    if (C < 0).any() or (C > N).any():
        raise HardgenError("need 0 <= correct <= trials everywhere")
    S, I = C.shape
    if S < 2 or I < 2:
        raise HardgenError(f"IRT needs at least 2 solvers and 2 items, got {S} × {I}")
    two = model == "2pl"

    def unpack(x):
        theta, b = x[:S], x[S:S + I]
        loga = x[S + I:] if two else np.zeros(I)
        return theta, b, loga

    def f(x):
        theta, b, loga = unpack(x)
        a = np.exp(loga)
        z = a[None, :] * (theta[:, None] - b[None, :])
        # -log-likelihood: c·softplus(-z) + (n-c)·softplus(z)
        nll = float((C * _softplus(-z) + (N - C) * _softplus(z)).sum())
        nll += 0.5 * float((theta ** 2).sum()) + 0.5 * float((b ** 2).sum()) / prior_b_sd ** 2
        g_z = N * _sigmoid(z) - C  # d nll / dz
        g_theta = (g_z * a[None, :]).sum(axis=1) + theta
        g_b = -(g_z * a[None, :]).sum(axis=0) + b / prior_b_sd ** 2
        grads = [g_theta, g_b]
        if two:
            nll += 0.5 * float((loga ** 2).sum()) / 0.25
            g_loga = (g_z * z).sum(axis=0) + loga / 0.25
            grads.append(g_loga)
        return nll, np.concatenate(grads)

    # start from the logit of smoothed pass rates: fast, monotone in the data
    p_item = (C.sum(0) + 0.5) / (N.sum(0) + 1.0)
    p_solver = (C.sum(1) + 0.5) / (N.sum(1) + 1.0)
    x0 = np.concatenate([np.log(p_solver / (1 - p_solver)), -np.log(p_item / (1 - p_item))]
                        + ([np.zeros(I)] if two else []))
    res = minimize(f, x0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "gtol": tol})
    theta, b, loga = unpack(res.x)
    return IRTFit(model=model, theta=theta, b=b, a=np.exp(loga), neg_log_posterior=float(res.fun),
                  converged=bool(res.success), iterations=int(res.nit))


def response_matrix(records: list[dict], solvers: list[str] | None = None
                    ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(solvers, correct, trials) from the per-solver grades that `gen grade` writes on each record."""
    if solvers is None:
        names: set[str] = set()
        for r in records:
            names.update((r.get("difficulty") or {}).get("grades", {}))
        solvers = sorted(names)
    C = np.zeros((len(solvers), len(records)))
    N = np.zeros((len(solvers), len(records)))
    for j, r in enumerate(records):
        grades = (r.get("difficulty") or {}).get("grades", {})
        for i, s in enumerate(solvers):
            g = grades.get(s)
            if g:
                C[i, j], N[i, j] = g["correct"], g["k"]
    return solvers, C, N


def irt_dataset(src: str, out: str, model: str = "2pl", solvers: list[str] | None = None,
                overwrite: bool = False) -> dict:
    """Fit IRT on the grades of `src` and write each row with `difficulty.irt = {b, a}`; θ per solver in the summary.

    Two streaming passes: the first collects only the count matrix, the second writes rows.
    """
    from hardgen.progress import bar
    from hardgen.store import DatasetWriter, open_dataset

    ds = open_dataset(src)
    slim = [{"difficulty": {"grades": (r.get("difficulty") or {}).get("grades", {})}} for r in ds]
    names, C, N = response_matrix(slim, solvers)
    del slim
    if len(names) < 2:
        raise HardgenError(f"IRT needs grades from at least 2 solvers; {src} has {len(names)} "
                           "(grade with several --solver options)")
    fit = fit_irt(C, N, model=model)
    writer = DatasetWriter(out, stage="irt", params={"src": str(src), "model": model, "solvers": names},
                           overwrite=overwrite, inputs=[str(src)])
    j = 0
    with bar(total=ds.num_rows, desc="irt") as pbar:
        for chunk in ds.chunks():
            for r in chunk.rows:
                r["difficulty"] = dict(r.get("difficulty") or {})
                if N[:, j].any():  # an item no solver attempted has only the prior to say: no b is written
                    r["difficulty"]["irt"] = {"model": model, "b": round(float(fit.b[j]), 5),
                                              "a": round(float(fit.a[j]), 5)}
                j += 1
            if not writer.is_done(chunk.key):
                writer.write_shard(chunk.key, chunk.rows)
            pbar.update(len(chunk.rows))
    summary = {"model": model, "theta": {s: round(float(t), 5) for s, t in zip(names, fit.theta)},
               "items": int(N.any(axis=0).sum()), "converged": fit.converged, "iterations": fit.iterations}
    if not N.any(axis=0).all():
        summary["ungraded"] = int((~N.any(axis=0)).sum())
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary
