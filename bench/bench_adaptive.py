"""Adaptive vs fixed-k rollouts on simulated problems with known pass rates.

A Bernoulli solver (`sim:ALPHA,BETA`) gives every problem a known true pass rate p. Fixed grading draws k=16
rollouts per problem and calls a problem inside the window (0, 0.5] when its observed pass rate is; adaptive
grading draws batches of 4 and stops once the posterior decides. Both are scored against the truth.

    python bench/bench_adaptive.py [--problems 2000]
"""

from __future__ import annotations

import argparse
import random

from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.difficulty.window import Window
from hardgen.models.simulated import SimulatedSolver

#: realistic spreads of pass rates for one solver over a problem pool (U-shaped, hard-skewed, easy-skewed)
#: (alpha, beta, share of unsolvable problems with p = 0)
SPREADS = {"U-shaped Beta(.5,.5)+20% p=0": (0.5, 0.5, 0.2), "hard Beta(.6,1.8)+30% p=0": (0.6, 1.8, 0.3),
           "easy Beta(1.8,.6)+5% p=0": (1.8, 0.6, 0.05), "uniform Beta(1,1)": (1.0, 1.0, 0.0)}


def fake_rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": f"{rng.getrandbits(64):016x}", "answer": "7", "check": {"kind": "math"}} for _ in range(n)]


def run(n: int, chunk: int = 256) -> None:
    window = Window()
    rows = fake_rows(n)
    print(f"{'spread':<28}{'fixed k=16 acc':>15}{'adaptive acc':>14}{'rollouts used':>15}")
    for name, (a, b, z) in SPREADS.items():
        solver = SimulatedSolver(a, b, z, sim_seed=1)
        solver.spec = f"sim:{a},{b},{z}@1"
        truth = [window.contains(solver.true_pass_rate(r)) for r in rows]
        fixed_ok = adapt_ok = used = 0
        for j in range(0, n, chunk):
            part = rows[j:j + chunk]
            res_f, _ = rollouts_for(solver, part, 16, seed=0, key=f"f{j}")
            res_a, info = rollouts_for(solver, part, 16, seed=0, key=f"a{j}", adaptive=AdaptiveConfig(window=window))
            for t, rf, ra, inf in zip(truth[j:j + chunk], res_f, res_a, info):
                p_hat = sum(x["correct"] is True for x in rf) / len(rf)
                fixed_ok += window.contains(p_hat) == t
                adapt_ok += inf["in_window"] == t
                used += len(ra)
        print(f"{name:<28}{fixed_ok / n:>15.3f}{adapt_ok / n:>14.3f}{used / (16 * n):>14.1%}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--problems", type=int, default=2000)
    run(ap.parse_args().problems)
