"""IRT recovery on simulated responses: 8 solvers × 2,000 items, 2PL ground truth, k rollouts per pair.

Prints the Spearman correlation of fitted and true item difficulty b (goal >= 0.95) and of solver ability θ,
for the 1PL and 2PL fits, and the fit time.

    python bench/bench_irt.py [--k 16]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import spearmanr

from hardgen.difficulty.irt import fit_irt


def simulate(solvers: int, items: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    theta = np.sort(rng.normal(0, 1.2, solvers))
    b = rng.normal(0, 1.5, items)
    a = np.exp(rng.normal(0, 0.3, items))
    p = 1 / (1 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
    return theta, b, a, rng.binomial(k, p), np.full((solvers, items), k)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--solvers", type=int, default=8)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--k", type=int, default=16)
    args = ap.parse_args()
    theta, b, a, C, N = simulate(args.solvers, args.items, args.k)
    print(f"{args.solvers} solvers × {args.items} items, k={args.k} rollouts per pair")
    print(f"{'model':<6}{'spearman b':>12}{'spearman θ':>12}{'pearson a':>11}{'seconds':>9}")
    for model in ("1pl", "2pl"):
        t = time.perf_counter()
        fit = fit_irt(C, N, model=model)
        dt = time.perf_counter() - t
        rb = spearmanr(fit.b, b).statistic
        rt = spearmanr(fit.theta, theta).statistic
        ra = np.corrcoef(fit.a, a)[0, 1] if model == "2pl" else float("nan")
        print(f"{model:<6}{rb:>12.4f}{rt:>12.4f}{ra:>11.3f}{dt:>9.2f}")


if __name__ == "__main__":
    main()
