"""The grade stage: rollouts from solvers, strict scoring, pass rates with intervals, adaptive sampling.

Rollouts (responses, verdicts, token counts) go to `OUT/rollouts/part-NNNNN.jsonl` beside the graded shards;
each graded row gets `difficulty.grades[SOLVER] = {k, correct, undecided, pass_rate, ci, pass_at, mean_tokens}`
and, with several solvers, `difficulty.cv` (spread of pass rates across solvers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hardgen.difficulty.sequential import JEFFREYS, PassRatePrior, Policy, fit_prior, matched_policy, plan
from hardgen.difficulty.stats import coefficient_of_variation, grade_summary
from hardgen.difficulty.window import Window
from hardgen.errors import HardgenError
from hardgen.models.base import Solver, check_spec, get_solver
from hardgen.progress import bar
from hardgen.store import DatasetWriter, open_dataset
from hardgen.verifiers import score_check

DEFAULT_CHUNK_ROWS = 64
#: adaptive grading fits its prior per chunk: bigger chunks fit it better (256 rows measured as enough)
ADAPTIVE_CHUNK_ROWS = 256


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


def _derive_seed(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def rollouts_for(solver: Solver, rows: list[dict], k: int, seed: int, key: str,
                 adaptive: AdaptiveConfig | None = None) -> tuple[list[list[dict]], list[dict]]:
    """Rollouts for each row (dicts with response, correct, reason, tokens) and per-row adaptive info."""
    results: list[list[dict]] = [[] for _ in rows]
    info: list[dict] = [{} for _ in rows]
    if adaptive is None:
        _run_round(solver, rows, list(range(len(rows))), k, _derive_seed(seed, solver.spec, key, 0), results)
        return results, info
    budget = adaptive.budget(k)
    correct = [0] * len(rows)
    prior = JEFFREYS
    active = list(range(len(rows)))
    rnd = 0
    while active:
        n = len(results[active[0]])  # every active problem has had the same rollouts
        kk = min(adaptive.batch, budget - n)
        _run_round(solver, rows, active, kk, _derive_seed(seed, solver.spec, key, rnd), results)
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


#: solvers built in this process, by SPEC: a worker process builds each one once, not once per chunk
_WORKER_SOLVERS: dict[str, Solver] = {}


@dataclass(frozen=True)
class GradeTask:
    rows: list
    solvers: tuple
    k: int
    seed: int
    key: str
    adaptive: AdaptiveConfig | None
    interval_method: str


def _grade_task(t: GradeTask) -> tuple[list[dict], list[dict]]:
    built = []
    for spec in t.solvers:
        if spec not in _WORKER_SOLVERS:
            _WORKER_SOLVERS[spec] = get_solver(spec)
        built.append(_WORKER_SOLVERS[spec])
    return grade_rows(t.rows, built, t.k, t.seed, t.key, t.adaptive, t.interval_method)


def _solver_totals(rows: list[dict], solvers: list[str]) -> dict[str, dict[str, int]]:
    """Rollouts, correct rollouts and graded problems per solver over some graded rows."""
    totals = {spec: {"rollouts": 0, "correct": 0, "problems": 0} for spec in solvers}
    for r in rows:
        for spec, g in r["difficulty"].get("grades", {}).items():
            if spec in totals:
                totals[spec]["rollouts"] += g["k"]
                totals[spec]["correct"] += g["correct"]
                totals[spec]["problems"] += 1
    return totals


def grade_dataset(src: str, out: str, solvers: list[str], k: int = 8, seed: int = 0,
                  adaptive: AdaptiveConfig | None = None, interval_method: str = "wilson",
                  chunk_rows: int | None = None, overwrite: bool = False, keep_rollouts: bool = True,
                  workers: int | None = 1, engine: str = "local") -> dict:
    """Grade every row of `src` with each solver; write graded rows and rollouts to `out` (resumable).

    By default chunks are graded in this process (model backends parallelise inside: batching, concurrent HTTP).
    `workers > 1` or `engine="ray"` spread chunks over processes or a Ray cluster, each building the solvers once —
    for CPU solver panels, or one model replica per worker. Rows are the same either way.

    >>> grade_dataset("data/valid", "data/graded", ["sat:cdcl@200"], k=4)  # doctest: +SKIP
    """
    from hardgen.engine import map_ordered

    if not solvers:
        raise HardgenError("name at least one --solver")
    if k < 1:
        raise HardgenError(f"-k must be at least 1, got {k}")
    if chunk_rows is None:
        bayes = adaptive is not None and adaptive.until_correct is None
        chunk_rows = ADAPTIVE_CHUNK_ROWS if bayes else DEFAULT_CHUNK_ROWS
    if chunk_rows < 1:
        raise HardgenError(f"chunk rows must be at least 1, got {chunk_rows}")
    ds = open_dataset(src)
    params = {"src": str(src), "solvers": solvers, "k": k, "seed": seed, "interval": interval_method,
              "adaptive": None if adaptive is None else {**adaptive.__dict__, "window": str(adaptive.window)}}
    writer = DatasetWriter(out, stage="grade", params=params, overwrite=overwrite, inputs=[str(src)])
    totals = {s: {"rollouts": 0, "correct": 0, "problems": 0} for s in solvers}
    for spec in solvers:  # a bad SPEC is an error now, not in a worker later
        check_spec(spec)
    keys: list[str] = []

    def tasks():
        for chunk in ds.chunks():
            for j in range(0, len(chunk.rows), chunk_rows):
                key = f"{chunk.key}-{j // chunk_rows:04d}"
                rows = chunk.rows[j:j + chunk_rows]
                if writer.is_done(key):
                    continue
                keys.append(key)
                yield GradeTask(rows, tuple(solvers), k, seed, key, adaptive, interval_method)

    in_process = (workers or 1) == 1 and engine == "local"
    try:
        with bar(total=ds.num_rows, desc="grade") as pbar:
            pbar.update(sum(writer.manifest["shards"][n]["rows"] for n in writer.manifest["shards"]))
            for i, (graded, rollout_lines) in enumerate(map_ordered(_grade_task, tasks(), workers, engine=engine)):
                if keep_rollouts:
                    writer.write_side("rollouts", keys[i], rollout_lines)
                writer.write_shard(keys[i], graded, {"rollouts": len(rollout_lines),
                                                     "totals": _solver_totals(graded, solvers)})
                pbar.update(len(graded))
    finally:
        if in_process:
            for spec in solvers:
                built = _WORKER_SOLVERS.pop(spec, None)
                if built is not None:
                    built.close()
    # per-shard totals live in the manifest, so a resumed run summarises without rereading finished shards
    for key, info in sorted(writer.manifest["shards"].items()):
        shard_totals = info.get("totals") or _solver_totals(list(writer.done_rows(key)), solvers)
        for spec, t in shard_totals.items():
            for field_name, v in t.items():
                totals[spec][field_name] += v
    summary = {"solvers": totals, "rows": writer.rows_written}
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary


def _scorable(record: dict) -> bool:
    return record.get("answer") is not None or (record.get("check") or {}).get("kind") != "math"


def grade_rows(rows: list[dict], solvers: list[Solver], k: int, seed: int, key: str,
               adaptive: AdaptiveConfig | None, interval_method: str = "wilson") -> tuple[list[dict], list[dict]]:
    """Grade a batch of rows with every solver; returns (graded rows, rollout lines)."""
    lines: list[dict] = []
    rows = [dict(r, difficulty=dict(r.get("difficulty") or {})) for r in rows]
    for solver in solvers:
        # a solver that cannot attempt a family (a SAT solver on an integral) leaves those rows ungraded by it
        # ...and a math row whose reference could not be read (an imported one) cannot be scored: no rollouts
        idx = [i for i, r in enumerate(rows) if solver.supports(r) and _scorable(r)]
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
