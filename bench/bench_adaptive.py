"""Adaptive vs fixed-k rollouts on problems with known pass rates, and the best any adaptive rule could do.

A Bernoulli solver gives every problem a known true pass rate p, drawn from a spread of pass rates that looks
like a real pool: Beta shapes, logit-normal (IRT) shapes, with or without a spike of problems the solver never
solves, and spreads outside the family the adaptive rule fits (Beta plus atoms at 0 and 1): two humps, and
point masses inside (0, 1). The `prior fits` column says which is which. Fixed grading draws k=16 rollouts per problem and calls a problem inside the window (0, 0.5] when its
observed pass rate is; adaptive grading (`--adaptive`: batches of 2, up to 32, the Bayes-optimal stopping rule
under a prior fitted to each chunk of 256 problems) decides for itself. Both are scored against the truth.

The `bound` column is the optimal rule's rollouts when it is handed the *true* spread instead of fitting one:
no adaptive rule with the same batches and budget can match fixed-k accuracy with fewer rollouts on average.

    python bench/bench_adaptive.py [--problems 4000]

`--tiny DIR` runs the same comparison with a real model instead: a tiny Qwen2 student built here and fine-tuned
briefly on `math.arithmetic` traces (hardgen.stages.tiny_demo), sampled at temperature 1 on 360 problems. Its
true pass rates are unknown, so "truth" is the pass rate of 128 further rollouts per problem (itself an estimate:
the accuracy figures carry that noise, for both methods alike); fixed and adaptive grading are each run 3 times
with fresh rollouts and averaged. One run per `--sft-epochs` value (default 6, 10,
16, 24: from a student that rarely solves to one that nearly always does); about 2 minutes each on two CPU cores.

    python bench/bench_adaptive.py --tiny runs/adaptive-tiny
"""

from __future__ import annotations

import argparse
import random

import numpy as np

from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.difficulty.sequential import PassRatePrior, matched_policy
from hardgen.difficulty.window import Window
from hardgen.models.simulated import SimulatedSolver, _unit


class LogitNormalSolver(SimulatedSolver):
    """IRT-shaped pool: logit p ~ Normal(mu, sigma), plus shares of problems never (p=0) or always (p=1) solved."""

    def __init__(self, mu: float, sigma: float, zero: float = 0.0, one: float = 0.0, sim_seed: int = 0):
        super().__init__(1.0, 1.0, zero, sim_seed)
        self.mu, self.sigma, self.one = mu, sigma, one

    def true_pass_rate(self, record: dict) -> float:
        from scipy.stats import norm

        u = _unit("zero", self.sim_seed, record["id"])
        if u < self.zero:
            return 0.0
        if u < self.zero + self.one:
            return 1.0
        v = min(max(_unit("p", self.sim_seed, record["id"]), 1e-12), 1 - 1e-12)
        return float(1 / (1 + np.exp(-(self.mu + self.sigma * norm.ppf(v)))))


def logit_normal_prior(mu: float, sigma: float, zero: float, one: float) -> PassRatePrior:
    from scipy.stats import norm

    def cdf(p):
        with np.errstate(divide="ignore"):
            return norm.cdf((np.log(p) - np.log1p(-p) - mu) / sigma)

    return PassRatePrior.from_cdf(cdf, zero, one)


class MixtureSolver(SimulatedSolver):
    """A pool that is a mixture: components (weight, p) for a point mass at p, or (weight, (a, b)) for Beta(a, b).
    Neither a point mass inside (0, 1) nor two separate humps is a Beta plus atoms at 0 and 1, the family the
    adaptive rule fits, so these pools test it where its prior cannot match."""

    def __init__(self, components: list[tuple[float, float | tuple[float, float]]], sim_seed: int = 0):
        super().__init__(1.0, 1.0, 0.0, sim_seed)
        total = sum(w for w, _ in components)
        self.components = [(w / total, c) for w, c in components]

    def true_pass_rate(self, record: dict) -> float:
        from scipy.stats import beta

        u, acc = _unit("component", self.sim_seed, record["id"]), 0.0
        for w, c in self.components:
            acc += w
            if u < acc:
                break
        if not isinstance(c, tuple):
            return float(c)
        v = min(max(_unit("p", self.sim_seed, record["id"]), 1e-12), 1 - 1e-12)
        return float(beta.ppf(v, *c))

    def prior(self) -> PassRatePrior:
        """The same mixture on the prior grid (point masses at 0 and 1 as atoms, inside ones as steps)."""
        from scipy.stats import beta

        zero = sum(w for w, c in self.components if not isinstance(c, tuple) and c == 0)
        one = sum(w for w, c in self.components if not isinstance(c, tuple) and c == 1)
        inner = [(w, c) for w, c in self.components if isinstance(c, tuple) or 0 < c < 1]
        rest = sum(w for w, _ in inner)

        def cdf(p):
            return sum(w * (beta.cdf(p, *c) if isinstance(c, tuple) else (p >= c).astype(float))
                       for w, c in inner) / rest

        return PassRatePrior.from_cdf(cdf, zero, one)


def mixture(components, seed: int = 1):
    return lambda: MixtureSolver(components, sim_seed=seed), lambda: MixtureSolver(components, sim_seed=seed).prior()


#: name → (solver, the same spread as a prior on the grid, whether the fitted prior's family holds the spread:
#: "yes" (a Beta plus atoms at 0 and 1, what `fit_prior` fits), "near" (a smooth one-humped shape it can only
#: approximate), "no" (two humps, or point masses inside (0, 1)))
SPREADS = {
    "uniform Beta(1,1)": (lambda: SimulatedSolver(1, 1, 0, sim_seed=1), lambda: PassRatePrior.beta(1, 1)),
    "easy Beta(1.8,.6) +5% p=0": (lambda: SimulatedSolver(1.8, 0.6, 0.05, sim_seed=1),
                                  lambda: PassRatePrior.beta(1.8, 0.6, 0.05)),
    "IRT logitN(0,2)": (lambda: LogitNormalSolver(0, 2, sim_seed=1), lambda: logit_normal_prior(0, 2, 0, 0)),
    "IRT logitN(1,2) +10% p=0 +20% p=1": (lambda: LogitNormalSolver(1, 2, 0.1, 0.2, sim_seed=1),
                                          lambda: logit_normal_prior(1, 2, 0.1, 0.2)),
    "U Beta(.5,.5) +20% p=0": (lambda: SimulatedSolver(0.5, 0.5, 0.2, sim_seed=1),
                               lambda: PassRatePrior.beta(0.5, 0.5, 0.2)),
    "hard Beta(.6,1.8) +30% p=0": (lambda: SimulatedSolver(0.6, 1.8, 0.3, sim_seed=1),
                                   lambda: PassRatePrior.beta(0.6, 1.8, 0.3)),
    "bimodal Beta(4,16)+Beta(16,4)": mixture([(0.5, (4.0, 16.0)), (0.5, (16.0, 4.0))]),
    "bimodal at the edge .35/.65 humps": mixture([(0.5, (35.0, 65.0)), (0.5, (65.0, 35.0))]),
    "discrete p in {.05,.3,.6,.95}": mixture([(0.25, 0.05), (0.25, 0.3), (0.25, 0.6), (0.25, 0.95)]),
    "discrete 40% p=0 + 60% p=.45": mixture([(0.4, 0.0), (0.6, 0.45)]),
}
#: whether the fitted prior family (Beta + atoms at 0 and 1) holds each spread
MATCHES = {"uniform Beta(1,1)": "yes", "easy Beta(1.8,.6) +5% p=0": "yes", "IRT logitN(0,2)": "near",
           "IRT logitN(1,2) +10% p=0 +20% p=1": "near", "U Beta(.5,.5) +20% p=0": "yes",
           "hard Beta(.6,1.8) +30% p=0": "yes", "bimodal Beta(4,16)+Beta(16,4)": "no",
           "bimodal at the edge .35/.65 humps": "no", "discrete p in {.05,.3,.6,.95}": "no",
           "discrete 40% p=0 + 60% p=.45": "no"}


def fake_rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": f"{rng.getrandbits(64):016x}", "answer": "7", "check": {"kind": "math"}} for _ in range(n)]


def run(n: int, chunk: int = 256, k: int = 16, batch: int = 2, max_k: int = 32, only: str = "") -> None:
    window = Window()
    rows = fake_rows(n)
    cfg = AdaptiveConfig(window=window, batch=batch, max_k=max_k)
    print(f"window {window}, fixed k={k}; adaptive batches of {batch} up to {max_k}; {n} problems per spread\n")
    print(f"{'spread':<36}{'prior fits':>11}{'fixed acc':>10}{'adaptive acc':>13}{'rollouts':>10}{'bound':>8}")
    for name, (make, true_prior) in SPREADS.items():
        if only and only not in name:
            continue
        solver = make()
        solver.spec = f"bench:{name}"
        truth = [window.contains(solver.true_pass_rate(r)) for r in rows]
        fixed_ok = adapt_ok = used = 0
        for j in range(0, n, chunk):
            part = rows[j:j + chunk]
            res_f, _ = rollouts_for(solver, part, k, seed=0, key=f"f{j}")
            res_a, info = rollouts_for(solver, part, k, seed=0, key=f"a{j}", adaptive=cfg)
            for t, rf, ra, inf in zip(truth[j:j + chunk], res_f, res_a, info):
                fixed_ok += window.contains(sum(x["correct"] is True for x in rf) / len(rf)) == t
                adapt_ok += inf["in_window"] == t
                used += len(ra)
        bound = matched_policy(true_prior(), window, k, max_k, batch).rollouts / k
        print(f"{name:<36}{MATCHES[name]:>11}{fixed_ok / n:>10.3f}{adapt_ok / n:>13.3f}{used / (k * n):>10.1%}"
              f"{bound:>8.1%}", flush=True)


def run_tiny(workdir: str, sft_epochs: float, k: int = 16, truth_k: int = 128, repeats: int = 3) -> dict:
    """Train a tiny student for `sft_epochs`, then grade its 360 problems three ways; writes and returns figures."""
    import json
    import time
    from pathlib import Path

    import torch

    from hardgen.stages.tiny_demo import prepare_student
    from hardgen.models.base import get_solver
    from hardgen.core.store import open_dataset

    torch.set_num_threads(2)
    window = Window()
    # every problem is graded and none is scored as held out, so the split does not matter here; the generator's
    # own split keeps the data the README's figures were measured on
    data, _, sft = prepare_student(workdir, sft_epochs=sft_epochs, split_by="id")
    rows = [r for chunk in open_dataset(str(data)).chunks() for r in chunk.rows]
    solver = get_solver(f"hf:{Path(workdir) / 'sft'}?temperature=1.0&max_new_tokens=40&device=cpu&batch_size=256")
    t = time.time()
    res_t, _ = rollouts_for(solver, rows, truth_k, seed=1, key="truth")
    t_truth = time.time() - t
    p_true = [sum(x["correct"] is True for x in r) / truth_k for r in res_t]
    truth = [window.contains(p) for p in p_true]
    cfg = AdaptiveConfig(window=window)
    fixed_ok = ada_ok = used = 0
    t_fixed = t_ada = 0.0
    for rep in range(repeats):  # fresh rollouts each time: averages out the sampling noise of both methods
        t = time.time()
        res_f, _ = rollouts_for(solver, rows, k, seed=2 + rep, key="fixed")
        t_fixed += time.time() - t
        t = time.time()
        res_a, info = rollouts_for(solver, rows, k, seed=2 + rep, key="adaptive", adaptive=cfg)
        t_ada += time.time() - t
        fixed_ok += sum(window.contains(sum(x["correct"] is True for x in r) / k) == tr for r, tr in zip(res_f, truth))
        ada_ok += sum(i["in_window"] == tr for i, tr in zip(info, truth))
        used += sum(len(r) for r in res_a)
    n = len(rows) * repeats
    hist = np.histogram(p_true, bins=[0, 1e-9, 0.25, 0.5 + 1e-9, 0.75, 1 + 1e-9])[0].tolist()
    out = {"problems": len(rows), "sft_epochs": sft_epochs, "sft_steps": sft["steps"], "pass_rate_bins": hist,
           "in_window_truth": sum(truth), "fixed_k": k, "repeats": repeats, "truth_k": truth_k,
           "fixed_accuracy": round(fixed_ok / n, 3),
           "adaptive_accuracy": round(ada_ok / n, 3), "adaptive_rollouts_share": round(used / (k * n), 3),
           "seconds": {"truth": round(t_truth, 1), "fixed": round(t_fixed, 1), "adaptive": round(t_ada, 1)}}
    Path(workdir, "adaptive_tiny.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--max-k", type=int, default=32)
    ap.add_argument("--spreads", default="", help="only spreads whose name contains this (e.g. bimodal)")
    ap.add_argument("--tiny", metavar="DIR", help="run with a tiny fine-tuned model instead (writes DIR)")
    ap.add_argument("--sft-epochs", type=float, nargs="+", default=[6, 10, 16, 24],
                    help="with --tiny: how long the student trains (one run per value, each in DIR/epochs-E)")
    a = ap.parse_args()
    if a.tiny:
        print(f"{'SFT epochs':>10}{'p=0':>6}{'(0,.25)':>9}{'[.25,.5]':>9}{'(.5,.75)':>9}{'[.75,1]':>9}"
              f"{'fixed acc':>11}{'adaptive acc':>14}{'rollouts':>10}")
        for e in a.sft_epochs:
            r = run_tiny(f"{a.tiny}/epochs-{e:g}", e)
            bins = "".join(f"{b:>{w}}" for b, w in zip(r["pass_rate_bins"], (6, 9, 9, 9, 9)))
            print(f"{e:>10g}{bins}{r['fixed_accuracy']:>11.3f}{r['adaptive_accuracy']:>14.3f}"
                  f"{r['adaptive_rollouts_share']:>10.1%}", flush=True)
    else:
        run(a.problems, batch=a.batch, max_k=a.max_k, only=a.spreads)
