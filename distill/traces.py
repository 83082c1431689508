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

from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.models.base import Solver

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


def trace_rollouts(solver: Solver, rows: list[dict], mode: str, k: int, m: int, max_k: int, seed: int,
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


