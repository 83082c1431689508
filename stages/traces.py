"""The traces stage: the teacher's verified-correct solutions for a dataset's training problems, resumable."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset
from hardgen.distill.traces import DEFAULT_CHUNK_ROWS, MODES, trace_rollouts, trace_rows
from hardgen.models.base import get_solver
from hardgen.verifiers import has_reference
from hardgen.stages.options import TracesOptions
from hardgen.stages.runner import Shard, StageRun, add_counts, input_tasks

COUNTS = ("problems", "rollouts", "correct", "undecided", "traces", "unsolved", "skipped_test", "skipped_no_reference")


def make_traces(data: str, teacher: str, out: str, *, k: int = 4, mode: str = "fixed", m: int = 1,
                max_k: int = 16, seed: int = 0, include_test: bool = False, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                overwrite: bool = False) -> dict[str, Any]:
    """Write the teacher's verified-correct traces for the train-split problems of `data` to `out`.

    `teacher` is a solver SPEC (`ref:noise=0.3`, `hf:PATH`, `openai:URL#MODEL`, ...). Test-split rows are
    skipped (and counted) unless `include_test=True`: traces of test problems would leak into training.
    Returns a summary: problems, rollouts spent, traces kept, problems left without a trace, by family.
    """
    if mode not in MODES:
        raise HardgenError(f"unknown trace budget mode {mode!r}; expected one of {', '.join(MODES)}")
    if k < 1 or m < 1 or max_k < 1:
        raise HardgenError(f"k, m and max_k must be >= 1, got k={k}, m={m}, max_k={max_k}")
    if mode != "fixed" and max_k < k:
        raise HardgenError(f"max_k ({max_k}) must be at least k ({k}) in mode {mode!r}")
    if chunk_rows < 1:
        raise HardgenError(f"chunk rows must be at least 1, got {chunk_rows}")
    ds = open_dataset(data)
    params = {"src": str(data), "teacher": teacher, "k": k, "mode": mode, "m": m, "max_k": max_k, "seed": seed,
              "include_test": include_test}
    solver = get_solver(teacher)

    def trace_shard(task: tuple[list[dict], str]) -> Shard:
        rows, key = task
        usable = [r for r in rows if include_test or r.get("split") != "test"]
        shard_counts: Counter = Counter(skipped_test=len(rows) - len(usable))
        # a math row without a reference (an imported one whose key is unreadable) cannot be checked
        scorable = [r for r in usable if has_reference(r)]
        shard_counts.update(skipped_no_reference=len(usable) - len(scorable))
        usable = scorable
        out_rows: list[dict] = []
        by_family: dict[str, Counter] = {}
        if usable:
            results, keep = trace_rollouts(solver, usable, mode, k, m, max_k, seed, key)
            for rec, res, kp in zip(usable, results, keep):
                kept = trace_rows(rec, res, kp, teacher)
                out_rows.extend(kept)
                shard_counts.update(problems=1, rollouts=len(res), traces=len(kept),
                                    correct=sum(x["correct"] is True for x in res),
                                    undecided=sum(x["correct"] is None for x in res), unsolved=int(not kept))
                fam = by_family.setdefault(rec["family"], Counter())
                fam.update(problems=1, rollouts=len(res), traces=len(kept), unsolved=int(not kept))
        return Shard(out_rows, {**shard_counts, "families": {f: dict(c) for f, c in by_family.items()}})

    with StageRun("traces", out, params, src=data, overwrite=overwrite, total=ds.num_rows) as run:
        try:  # in this process: the teacher (a model) is built once and batches inside
            run.run(trace_shard, input_tasks(ds, chunk_rows, lambda rows, key: (rows, key)))
        finally:
            solver.close()
        # from the manifest, so a resumed run reports every shard
        counts = add_counts({c: info.get(c, 0) for c in COUNTS} for info in run.metas())
        by_family = add_counts(info.get("families") for info in run.metas())
        summary = {**{c: counts.get(c, 0) for c in COUNTS},
                   "acceptance": counts["correct"] / counts["rollouts"] if counts["rollouts"] else 0.0,
                   "families": dict(sorted(by_family.items())), "rows": run.rows_written}
        done = run.finish(summary)
    if counts["problems"] == 0:
        raise HardgenError(f"{data} has no train-split problems (skipped {counts['skipped_test']} test rows); "
                           "traces are only made for training problems (include_test=True overrides)")
    return done


def run(src: str, out: str, opts: TracesOptions, overwrite: bool = False) -> dict:
    """The traces stage with its settings: what `gen distill traces` and `gen run` call."""
    return make_traces(src, opts.teacher, out, k=opts.k, mode=opts.mode, m=opts.m, max_k=opts.max_k, seed=opts.seed,
                       include_test=opts.include_test, overwrite=overwrite)
