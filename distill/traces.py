"""Teacher traces with rejection sampling: only verified-correct solutions of train-split problems are kept.

Budget allocation (how many rollouts each problem gets):
  fixed     k rollouts per problem; every correct one is kept.
  uniform   DART "Uniform": sample in rounds of k until m correct or max_k trials; keep up to m.
  prop2diff DART "Prop2Diff": harder problems get more correct traces. Difficulty d = 1 - pass rate, from the
            grades on the row (`difficulty.grades[*].pass_rate`, averaged) when present, else the teacher's
            observed pass rate in a first round of k. A problem's target is m * d / mean(d), at least 1.
Rollouts and scoring go through `hardgen.difficulty.grade.rollouts_for` (the same strict checkers as grading).

The output is a dataset directory (resumable, like every stage) whose rows are the source record plus
`messages` ([user prompt, assistant trace], TRL's conversational format), `completion` (the trace text, for
TRL's prompt/completion format), `teacher` and `sample`.

>>> make_traces("data/valid", "ref:noise=0.3", "data/traces", k=4, mode="uniform", m=2, max_k=8)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.errors import HardgenError
from hardgen.models.base import Solver, get_solver
from hardgen.progress import bar
from hardgen.store import DatasetWriter, open_dataset

MODES = ("fixed", "uniform", "prop2diff")
DEFAULT_CHUNK_ROWS = 64


def graded_pass_rate(record: dict) -> float | None:
    """Mean pass rate over the solvers that graded this row, or None when it has no grades."""
    grades = (record.get("difficulty") or {}).get("grades") or {}
    rates = [g.get("pass_rate") for g in grades.values() if isinstance(g, dict) and g.get("pass_rate") is not None]
    return sum(rates) / len(rates) if rates else None


def prop2diff_targets(difficulties: list[float], m: int) -> list[int]:
    """Correct traces wanted per problem, proportional to difficulty, averaging about `m`, each at least 1.

    >>> prop2diff_targets([0.0, 0.5, 1.0], 2)
    [1, 2, 4]
    """
    mean = sum(difficulties) / len(difficulties) if difficulties else 0.0
    if mean <= 0:  # every problem trivially easy: fall back to uniform
        return [m] * len(difficulties)
    return [max(1, math.ceil(m * d / mean - 1e-9)) if d > 0 else 1 for d in difficulties]


def trace_rows(record: dict, results: list[dict], keep: int | None, teacher: str) -> list[dict]:
    """Rows for the verified-correct rollouts of one problem (at most `keep`), in sampling order."""
    rows = []
    for j, res in enumerate(results):
        if res["correct"] is not True:
            continue
        if keep is not None and len(rows) >= keep:
            break
        rows.append({**record,
                     "messages": [{"role": "user", "content": record["prompt"]},
                                  {"role": "assistant", "content": res["response"]}],
                     "completion": res["response"], "teacher": teacher, "sample": j})
    return rows


def _rollouts(solver: Solver, rows: list[dict], mode: str, k: int, m: int, max_k: int, seed: int,
              key: str) -> tuple[list[list[dict]], list[int | None]]:
    """Rollouts per row and how many correct traces to keep per row (None = all)."""
    if mode == "fixed":
        results, _ = rollouts_for(solver, rows, k, seed, key)
        return results, [None] * len(rows)
    if mode == "uniform":
        results, _ = rollouts_for(solver, rows, k, seed, key,
                                  AdaptiveConfig(batch=k, max_k=max_k, until_correct=m))
        return results, [m] * len(rows)
    # prop2diff: difficulty from grades when every row has them, else from a first round of k teacher rollouts
    graded = [graded_pass_rate(r) for r in rows]
    results = [[] for _ in rows]
    if any(g is None for g in graded):
        results, _ = rollouts_for(solver, rows, k, seed, key + "/probe")
        rates = [sum(x["correct"] is True for x in res) / len(res) for res in results]
    else:
        rates = [float(g) for g in graded]  # type: ignore[arg-type]
    targets = prop2diff_targets([1.0 - p for p in rates], m)
    # top up each problem until it has its target of correct traces or max_k rollouts: rows with the same
    # remaining need share one DART-style adaptive call
    need: dict[tuple[int, int], list[int]] = {}
    for i, (res, t) in enumerate(zip(results, targets)):
        have = sum(x["correct"] is True for x in res)
        left = max_k - len(res)
        if have < t and left > 0:
            need.setdefault((t - have, left), []).append(i)
    for (want, left), idx in sorted(need.items()):
        more, _ = rollouts_for(solver, [rows[i] for i in idx], k, seed, f"{key}/top-up-{want}-{left}",
                               AdaptiveConfig(batch=min(k, left), max_k=left, until_correct=want))
        for i, extra in zip(idx, more):
            results[i].extend(extra)
    return results, targets


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
    writer = DatasetWriter(out, stage="traces", params=params, overwrite=overwrite, inputs=[str(data)])
    counts: Counter = Counter()
    solver = get_solver(teacher)
    try:
        with bar(total=ds.num_rows, desc="traces") as pbar:
            for chunk in ds.chunks():
                for j in range(0, len(chunk.rows), chunk_rows):
                    key = f"{chunk.key}-{j // chunk_rows:04d}"
                    rows = chunk.rows[j:j + chunk_rows]
                    pbar.update(len(rows))
                    if writer.is_done(key):
                        continue
                    usable = [r for r in rows if include_test or r.get("split") != "test"]
                    shard_counts: Counter = Counter(skipped_test=len(rows) - len(usable))
                    # a math row without a reference (an imported one whose key is unreadable) cannot be checked
                    scorable = [r for r in usable if r.get("answer") is not None
                                or (r.get("check") or {}).get("kind") != "math"]
                    shard_counts.update(skipped_no_reference=len(usable) - len(scorable))
                    usable = scorable
                    out_rows: list[dict] = []
                    by_family: dict[str, Counter] = {}
                    if usable:
                        results, keep = _rollouts(solver, usable, mode, k, m, max_k, seed, key)
                        for rec, res, kp in zip(usable, results, keep):
                            kept = trace_rows(rec, res, kp, teacher)
                            out_rows.extend(kept)
                            shard_counts.update(problems=1, rollouts=len(res), traces=len(kept),
                                                correct=sum(x["correct"] is True for x in res),
                                                undecided=sum(x["correct"] is None for x in res),
                                                unsolved=int(not kept))
                            fam = by_family.setdefault(rec["family"], Counter())
                            fam.update(problems=1, rollouts=len(res), traces=len(kept), unsolved=int(not kept))
                    writer.write_shard(key, out_rows, {**shard_counts,
                                                       "families": {f: dict(c) for f, c in by_family.items()}})
    finally:
        solver.close()
    by_family: dict[str, Counter] = {}
    for info in writer.manifest["shards"].values():  # from the manifest, so a resumed run reports every shard
        for f, c in (info.get("families") or {}).items():
            by_family.setdefault(f, Counter()).update(c)
        counts.update({c: info.get(c, 0) for c in ("skipped_test", "problems", "rollouts", "traces", "correct",
                                                   "undecided", "unsolved", "skipped_no_reference")})
    summary = {**{c: counts.get(c, 0) for c in ("problems", "rollouts", "correct", "undecided", "traces",
                                                  "unsolved", "skipped_test")},
               "acceptance": counts["correct"] / counts["rollouts"] if counts["rollouts"] else 0.0,
               "families": {f: dict(c) for f, c in sorted(by_family.items())}, "rows": writer.rows_written}
    if counts.get("skipped_no_reference"):
        summary["skipped_no_reference"] = counts["skipped_no_reference"]
    if counts["problems"] == 0:
        writer.finish(summary)
        raise HardgenError(f"{data} has no train-split problems (skipped {counts['skipped_test']} test rows); "
                           "traces are only made for training problems (include_test=True overrides)")
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary
