"""Grading rows: rollouts from solvers, strict scoring, pass rates with intervals, adaptive sampling.

The grade stage (`hardgen.stages.grade`) runs this over a dataset. Each graded row gets `difficulty.grades[SOLVER] = {k, correct, undecided, pass_rate, ci, pass_at, mean_tokens}`
and, with several solvers, `difficulty.cv` (spread of pass rates across solvers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hardgen.difficulty.sequential import JEFFREYS, PassRatePrior, Policy, fit_prior, matched_policy, plan
from hardgen.difficulty.stats import coefficient_of_variation, grade_summary
from hardgen.difficulty.window import Window
from hardgen.core.errors import HardgenError
from hardgen.core.specs import chunk_seed
from hardgen.models.base import Solver
from hardgen.verifiers import has_reference, score_check

@dataclass(frozen=True)
class AdaptiveConfig:
    """Sequential rollouts: draw `batch` at a time, stop a problem once its side of `window` is decided.

    The stopping rule is the Bayes-optimal one (`hardgen.difficulty.sequential`) under a pass-rate prior fitted
    to the chunk's rollouts so far (`prior="empirical"`, refitted every round) or Jeffreys' (`"jeffreys"`). With
    `cost=None` it spends as few rollouts as it can while its expected accuracy matches fixed grading with the
    k of the call; a problem may get up to `max_k` rollouts (default 2k), so borderline problems can take more
    than k while clear ones stop after a batch or two. An explicit `cost` (in wrong calls per rollout, e.g.
    0.002) trades accuracy for rollouts directly instead.
    `margin` (default 0.1) asks for 10% fewer expected wrong calls than fixed-k under the fitted prior, since the
    prior is an estimate. Two optional guards, off by default: no problem stops before `min_k` rollouts, and
    none solved at least once stops early while the probability that its call is wrong exceeds `max_doubt` (its
    side of the window must be decided, not just likely; 1 is no cap). They cost rollouts and, measured, bought
    no accuracy on the benchmark pools or a real model. With the lower bound an open 0, a problem is called
    inside only once a rollout solved it.
    `until_correct=m` is DART's mode instead: sample until m correct or `max_k` (default k) trials.
    """

    window: Window = field(default_factory=Window)
    batch: int = 2
    max_k: int | None = None
    cost: float | None = None
    margin: float = 0.1
    min_k: int = 0
    max_doubt: float = 1.0
    prior: str = "empirical"
    until_correct: int | None = None

    def __post_init__(self):
        if self.batch < 1 or (self.max_k is not None and self.max_k < 1):
            raise HardgenError(f"adaptive batch and budget must be >= 1, got {self.batch}, {self.max_k}")
        if self.cost is not None and not 0 < self.cost < 1:
            raise HardgenError(f"adaptive rollout cost must be in (0, 1), got {self.cost}")
        if not 0 < self.max_doubt <= 0.5 and self.max_doubt != 1.0:
            raise HardgenError(f"adaptive max_doubt must be in (0, 0.5] (or 1 for no cap), got {self.max_doubt}")
        if self.min_k < 0:
            raise HardgenError(f"adaptive min_k must be >= 0, got {self.min_k}")
        if not 0 <= self.margin < 1:
            raise HardgenError(f"adaptive margin must be in [0, 1), got {self.margin}")
        if self.prior not in ("jeffreys", "empirical"):
            raise HardgenError(f"adaptive prior must be jeffreys or empirical, got {self.prior!r}")
        if self.until_correct is not None and self.until_correct < 1:
            raise HardgenError(f"until_correct must be >= 1, got {self.until_correct}")

    def budget(self, k: int) -> int:
        """Most rollouts one problem may get when the call asks for k."""
        if self.max_k is not None:
            return self.max_k
        return k if self.until_correct is not None else 2 * k

    def policy(self, prior: PassRatePrior, k: int) -> Policy:
        budget = self.budget(k)
        if self.cost is not None:
            return plan(prior, self.window, budget, self.batch, self.cost, self.min_k, self.max_doubt)
        return matched_policy(prior, self.window, k, budget, self.batch, self.margin, self.min_k, self.max_doubt)


def rollouts_for(solver: Solver, rows: list[dict], k: int, seed: int, key: str,
                 adaptive: AdaptiveConfig | None = None) -> tuple[list[list[dict]], list[dict]]:
    """Rollouts for each row (dicts with response, correct, reason, tokens) and per-row adaptive info."""
    results: list[list[dict]] = [[] for _ in rows]
    info: list[dict] = [{} for _ in rows]
    if adaptive is None:
        _run_round(solver, rows, list(range(len(rows))), k, chunk_seed(seed, solver.spec, key, 0), results)
        return results, info
    budget = adaptive.budget(k)
    correct = [0] * len(rows)
    prior = JEFFREYS
    active = list(range(len(rows)))
    rnd = 0
    while active:
        n = len(results[active[0]])  # every active problem has had the same rollouts
        kk = min(adaptive.batch, budget - n)
        _run_round(solver, rows, active, kk, chunk_seed(seed, solver.spec, key, rnd), results)
        n += kk
        for i in active:
            correct[i] = sum(r["correct"] is True for r in results[i])
        if adaptive.until_correct is not None:
            still = [i for i in active if correct[i] < adaptive.until_correct and n < budget]
            for i in active:
                info[i] = {"rounds": rnd + 1,
                           "stopped": "m_correct" if correct[i] >= adaptive.until_correct else "budget"}
        else:
            if adaptive.prior == "empirical":  # every rollout so far, stopped problems included
                prior = fit_prior([(correct[i], len(results[i])) for i in range(len(rows))])
            pol = adaptive.policy(prior, k)
            still = []
            for i in active:
                c = correct[i]
                go = n < budget and bool(pol.go[n][c])
                info[i] = {"rounds": rnd + 1, "p_in_window": round(float(pol.p_in[n][c]), 4),
                           "stopped": "budget" if n >= budget else "decided", "in_window": bool(pol.call[n][c]),
                           "window": str(adaptive.window)}
                if go:
                    still.append(i)
        active = still
        rnd += 1
    return results, info


def _run_round(solver: Solver, rows: list[dict], idx: list[int], k: int, seed: int,
               results: list[list[dict]]) -> None:
    batch = [rows[i] for i in idx]
    rolls = solver.solve(batch, k, seed)
    if len(rolls) != len(batch) or any(len(r) != k for r in rolls):
        raise HardgenError(f"solver {solver.spec} returned a wrong number of rollouts")
    for i, rec, rs in zip(idx, batch, rolls):
        for ro in rs:
            v = score_check(ro.text, rec["check"], rec.get("answer"))
            results[i].append({"response": ro.text, "correct": v.correct, "reason": v.reason, "tokens": ro.tokens})


def grade_rows(rows: list[dict], solvers: list[Solver], k: int, seed: int, key: str,
               adaptive: AdaptiveConfig | None, interval_method: str = "wilson") -> tuple[list[dict], list[dict]]:
    """Grade a batch of rows with every solver; returns (graded rows, rollout lines)."""
    lines: list[dict] = []
    rows = [dict(r, difficulty=dict(r.get("difficulty") or {})) for r in rows]
    for solver in solvers:
        # a solver that cannot attempt a family (a SAT solver on an integral) leaves those rows ungraded by it
        # ...and a math row whose reference could not be read (an imported one) cannot be scored: no rollouts
        idx = [i for i, r in enumerate(rows) if solver.supports(r) and has_reference(r)]
        if not idx:
            continue
        part = [rows[i] for i in idx]
        results, info = rollouts_for(solver, part, k, seed, key, adaptive)
        for r, res, inf in zip(part, results, info):
            g = grade_summary([x["correct"] for x in res], [x["tokens"] for x in res], interval_method)
            if inf:
                g["adaptive"] = inf
            r["difficulty"].setdefault("grades", {})
            r["difficulty"]["grades"] = {**r["difficulty"]["grades"], solver.spec: g}
            lines.extend({"id": r["id"], "solver": solver.spec, "i": i, **x} for i, x in enumerate(res))
    for r in rows:
        rates = [g["pass_rate"] for g in r["difficulty"].get("grades", {}).values() if g["pass_rate"] is not None]
        if len(rates) > 1:
            r["difficulty"]["cv"] = coefficient_of_variation(rates)
    return rows, lines
