"""The grade stage: rollouts from solvers over a dataset, graded rows beside their rollouts, resumable.

Rollouts (responses, verdicts, token counts) go to `OUT/rollouts/part-NNNNN.jsonl` beside the graded shards;
what each graded row gets is described in `hardgen.difficulty.grade`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset
from hardgen.difficulty.grade import AdaptiveConfig, grade_rows
from hardgen.difficulty.window import Window
from hardgen.models.base import Solver, check_spec, get_solver
from hardgen.stages.options import GradeOptions
from hardgen.stages.runner import Shard, StageRun, add_counts, input_tasks

DEFAULT_CHUNK_ROWS = 64
#: adaptive grading fits its prior per chunk: bigger chunks fit it better (256 rows measured as enough)
ADAPTIVE_CHUNK_ROWS = 256


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
    keep_rollouts: bool = True


def _grade_task(t: GradeTask) -> Shard:
    built = []
    for spec in t.solvers:
        if spec not in _WORKER_SOLVERS:
            _WORKER_SOLVERS[spec] = get_solver(spec)
        built.append(_WORKER_SOLVERS[spec])
    graded, lines = grade_rows(t.rows, built, t.k, t.seed, t.key, t.adaptive, t.interval_method)
    # per-shard totals live in the manifest, so a resumed run summarises without rereading finished shards
    meta = {"rollouts": len(lines), "totals": _solver_totals(graded, list(t.solvers))}
    return Shard(graded, meta, {"rollouts": lines} if t.keep_rollouts else {})


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
    if not solvers:
        raise HardgenError("name at least one --solver")
    if k < 1:
        raise HardgenError(f"-k must be at least 1, got {k}")
    if chunk_rows is None:
        bayes = adaptive is not None and adaptive.until_correct is None
        chunk_rows = ADAPTIVE_CHUNK_ROWS if bayes else DEFAULT_CHUNK_ROWS
    if chunk_rows < 1:
        raise HardgenError(f"chunk rows must be at least 1, got {chunk_rows}")
    for spec in solvers:  # a bad SPEC is an error now, not in a worker later
        check_spec(spec)
    ds = open_dataset(src)
    params = {"src": str(src), "solvers": solvers, "k": k, "seed": seed, "interval": interval_method,
              "adaptive": None if adaptive is None else {**adaptive.__dict__, "window": str(adaptive.window)}}
    payload = lambda rows, key: GradeTask(rows, tuple(solvers), k, seed, key, adaptive, interval_method,
                                          keep_rollouts)
    in_process = (workers or 1) == 1 and engine == "local"
    with StageRun("grade", out, params, src=src, overwrite=overwrite, total=ds.num_rows) as run:
        try:
            run.run(_grade_task, input_tasks(ds, chunk_rows, payload), workers=workers, engine=engine)
        finally:
            if in_process:
                for spec in solvers:
                    built = _WORKER_SOLVERS.pop(spec, None)
                    if built is not None:
                        built.close()
        totals = add_counts(m["totals"] for m in run.metas())
        zero = {"rollouts": 0, "correct": 0, "problems": 0}
        return run.finish({"solvers": {s: {**zero, **totals.get(s, {})} for s in solvers},
                           "rows": run.rows_written})


def run(src: str, out: str, opts: GradeOptions, overwrite: bool = False) -> dict:
    """The grade stage with its settings: what `gen grade` and `gen run` call."""
    ada = None
    if opts.adaptive or opts.until_correct:
        ada = AdaptiveConfig(window=Window.parse(opts.window), batch=opts.batch, max_k=opts.max_k,
                             cost=opts.rollout_cost, max_doubt=opts.max_doubt, until_correct=opts.until_correct)
    return grade_dataset(src, out, list(opts.solvers), k=opts.k, seed=opts.seed, adaptive=ada,
                         interval_method=opts.interval, overwrite=overwrite, workers=opts.workers or 1,
                         engine=opts.engine)
