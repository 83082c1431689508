"""The grade stage: rollouts from solvers, strict scoring, pass rates with intervals, adaptive sampling.

Rollouts (responses, verdicts, token counts) go to `OUT/rollouts/part-NNNNN.jsonl` beside the graded shards;
each graded row gets `difficulty.grades[SOLVER] = {k, correct, undecided, pass_rate, ci, pass_at, mean_tokens}`
and, with several solvers, `difficulty.cv` (spread of pass rates across solvers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hardgen.difficulty.stats import coefficient_of_variation, grade_summary
from hardgen.difficulty.window import Window
from hardgen.errors import HardgenError
from hardgen.models.base import Solver, check_spec, get_solver
from hardgen.progress import bar
from hardgen.store import DatasetWriter, open_dataset
from hardgen.verifiers import score_check

DEFAULT_CHUNK_ROWS = 64


@dataclass(frozen=True)
class AdaptiveConfig:
    """Sequential rollouts: draw `batch` at a time, stop a problem once its side of `window` is decided.

    A problem stops when spending the rest of its budget is expected to raise the probability of classifying it
    right by less than `min_gain` (value of information under the posterior predictive: Beta prior, binomial
    likelihood), or when `max_k` rollouts are spent. With `min_gain=None` it stops instead once the call is right
    with posterior probability >= `confidence`. With a
    lower bound of 0 (open), a problem counts as inside only once a rollout has solved it.
    `until_correct=m` is DART's mode instead: sample until m correct or `max_k` trials.
    `prior`: `"jeffreys"` (Beta(1/2, 1/2)) or `"empirical"` (a zero-inflated Beta fitted to the first round of
    the whole chunk: it learns how many problems look unsolvable, so never-solved ones can stop early too).
    """

    window: Window = field(default_factory=Window)
    batch: int = 4
    max_k: int = 16
    confidence: float = 0.9
    prior: str = "empirical"
    until_correct: int | None = None
    min_gain: float | None = 0.03

    def __post_init__(self):
        if self.batch < 1 or self.max_k < 1:
            raise HardgenError(f"adaptive batch and budget must be >= 1, got {self.batch}, {self.max_k}")
        if not 0.5 < self.confidence < 1:
            raise HardgenError(f"adaptive confidence must be in (0.5, 1), got {self.confidence}")
        if self.prior not in ("jeffreys", "empirical"):
            raise HardgenError(f"adaptive prior must be jeffreys or empirical, got {self.prior!r}")
        if self.until_correct is not None and self.until_correct < 1:
            raise HardgenError(f"until_correct must be >= 1, got {self.until_correct}")


@dataclass(frozen=True)
class PassRatePrior:
    """Zero-inflated Beta prior over pass rates: p = 0 (unsolvable) with probability `zero`, else Beta(a, b)."""

    a: float = 0.5
    b: float = 0.5
    zero: float = 0.0


JEFFREYS = PassRatePrior()


def fit_prior(counts: list[tuple[int, int]]) -> PassRatePrior:
    """Maximum-likelihood zero-inflated Beta-binomial fit to per-problem (correct, n) from a first round.

    Regularised towards Jeffreys so a small or degenerate chunk cannot produce an overconfident prior.
    """
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import betaln, expit, gammaln

    counts = [(c, n) for c, n in counts if n]
    if len(counts) < 16:
        return JEFFREYS
    C = np.array([c for c, _ in counts], float)
    N = np.array([n for _, n in counts], float)
    logcomb = gammaln(N + 1) - gammaln(C + 1) - gammaln(N - C + 1)

    def nll(x):
        la, lb, lz = x
        a, b, z = np.exp(la), np.exp(lb), expit(lz)
        bb = np.exp(logcomb + betaln(a + C, b + N - C) - betaln(a, b))
        lik = (1 - z) * bb + z * (C == 0)
        # weak priors: log a, log b ~ N(log 0.5, 1); logit zero ~ N(-2, 1.5)
        pen = 0.5 * ((la - np.log(0.5)) ** 2 + (lb - np.log(0.5)) ** 2) + 0.5 * ((lz + 2) / 1.5) ** 2
        return -float(np.log(np.maximum(lik, 1e-300)).sum()) + pen

    res = minimize(nll, np.array([np.log(0.5), np.log(0.5), -2.0]), method="Nelder-Mead",
                   options={"xatol": 1e-3, "fatol": 1e-3, "maxiter": 400})
    la, lb, lz = res.x
    return PassRatePrior(float(np.exp(la)), float(np.exp(lb)), float(expit(lz)))


def p_in_window(correct: int, n: int, window: Window, prior: PassRatePrior = JEFFREYS) -> float:
    """Posterior probability that the pass rate lies in `window` after `correct` of `n` rollouts."""
    import math

    from scipy.special import betainc, betaln

    a, b = prior.a + correct, prior.b + n - correct
    mass = lambda x: float(betainc(a, b, x)) if x > 0 else 0.0  # noqa: E731  P(p <= x | p > 0, data)
    beta_in = mass(window.hi) - mass(window.lo)
    zero_in = window.lo == 0 and window.lo_closed  # does p = 0 count as inside?
    if correct > 0 or prior.zero == 0:
        return beta_in
    # no success yet: weigh "unsolvable" against "solvable but unlucky"
    w_beta = (1 - prior.zero) * math.exp(betaln(a, b) - betaln(prior.a, prior.b))
    w_zero = prior.zero
    return (w_beta * beta_in + w_zero * zero_in) / (w_beta + w_zero)


def _decision(c: int, n: int, window: Window, prior: PassRatePrior) -> tuple[bool, float]:
    """(call it inside?, probability that call is right). With an open lower bound at 0, "inside" means shown
    solvable, so a problem never solved is called outside."""
    p_in = p_in_window(c, n, window, prior)
    if c == 0 and window.lo == 0 and not window.lo_closed:
        return False, 1.0 - p_in
    return p_in >= 0.5, max(p_in, 1.0 - p_in)


def decision_gain(c: int, n: int, remaining: int, window: Window, prior: PassRatePrior = JEFFREYS) -> float:
    """Expected rise in the probability of classifying the problem right if `remaining` more rollouts were drawn
    (value of information under the posterior predictive); 0 when nothing is left to learn."""
    import math

    from scipy.special import betaln
    from scipy.stats import betabinom

    if remaining <= 0:
        return 0.0
    _, now = _decision(c, n, window, prior)
    a, b = prior.a + c, prior.b + n - c
    w0 = 0.0
    if c == 0 and prior.zero > 0:  # posterior weight of "unsolvable"
        wb = (1 - prior.zero) * math.exp(betaln(a, b) - betaln(prior.a, prior.b))
        w0 = prior.zero / (prior.zero + wb)
    pmf = (1 - w0) * betabinom.pmf(range(remaining + 1), remaining, a, b)
    pmf[0] += w0
    later = sum(float(q) * _decision(c + j, n + remaining, window, prior)[1] for j, q in enumerate(pmf))
    return later - now


def _derive_seed(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def rollouts_for(solver: Solver, rows: list[dict], k: int, seed: int, key: str,
                 adaptive: AdaptiveConfig | None = None) -> tuple[list[list[dict]], list[dict]]:
    """Rollouts for each row (dicts with response, correct, reason, tokens) and per-row adaptive info."""
    results: list[list[dict]] = [[] for _ in rows]
    info: list[dict] = [{} for _ in rows]
    if adaptive is None:
        plan = [(list(range(len(rows))), k)]
        for idx, kk in plan:
            _run_round(solver, rows, idx, kk, _derive_seed(seed, solver.spec, key, 0), results)
        return results, info
    active = list(range(len(rows)))
    prior = JEFFREYS
    rnd = 0
    while active:
        kk = min(adaptive.batch, adaptive.max_k - len(results[active[0]]))
        _run_round(solver, rows, active, kk, _derive_seed(seed, solver.spec, key, rnd), results)
        if rnd == 0 and adaptive.prior == "empirical":
            prior = fit_prior([(sum(r["correct"] is True for r in results[i]), len(results[i]))
                                     for i in range(len(rows))])
        still = []
        for i in active:
            n = len(results[i])
            c = sum(r["correct"] is True for r in results[i])
            if adaptive.until_correct is not None:
                done = c >= adaptive.until_correct
                info[i] = {"rounds": rnd + 1, "stopped": "m_correct" if done else "budget"}
            else:
                p_in = p_in_window(c, n, adaptive.window, prior)
                inside, p_right = _decision(c, n, adaptive.window, prior)
                if adaptive.min_gain is not None:
                    # stop once the rest of the budget is not expected to change the call enough
                    done = decision_gain(c, n, adaptive.max_k - n, adaptive.window, prior) < adaptive.min_gain
                else:
                    done = p_right >= adaptive.confidence
                info[i] = {"rounds": rnd + 1, "p_in_window": round(p_in, 4),
                           "stopped": "decided" if done else "budget", "in_window": inside}
            if not done and n < adaptive.max_k:
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
                  chunk_rows: int = DEFAULT_CHUNK_ROWS, overwrite: bool = False, keep_rollouts: bool = True,
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


def grade_rows(rows: list[dict], solvers: list[Solver], k: int, seed: int, key: str,
               adaptive: AdaptiveConfig | None, interval_method: str = "wilson") -> tuple[list[dict], list[dict]]:
    """Grade a batch of rows with every solver; returns (graded rows, rollout lines)."""
    lines: list[dict] = []
    rows = [dict(r, difficulty=dict(r.get("difficulty") or {})) for r in rows]
    for solver in solvers:
        # a solver that cannot attempt a family (a SAT solver on an integral) leaves those rows ungraded by it
        idx = [i for i, r in enumerate(rows) if solver.supports(r)]
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
