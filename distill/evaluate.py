"""Student evaluation: pass@1 and pass@k on a split, by family and by difficulty bin; JSON, table and PNG.

Rollouts are scored by the same strict checkers as grading (`hardgen.difficulty.grade.rollouts_for`);
pass@k uses the unbiased estimator. `compare` evaluates a second solver (e.g. before training) on the same
problems with the same seed and puts both side by side.

>>> evaluate("data/valid", "hf:runs/grpo?temperature=0", k=1, out="runs/eval", compare="hf:models/tiny")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from hardgen.difficulty.grade import rollouts_for
from hardgen.difficulty.stats import pass_at_k, wilson_interval
from hardgen.core.errors import HardgenError
from hardgen.models.base import get_solver
from hardgen.core.store import open_dataset
from hardgen.verifiers import has_reference


def difficulty_bin(record: dict) -> str:
    """A row's difficulty bin: `difficulty.label` (from grading/IRT) when present, else the knob `level`."""
    d = record.get("difficulty") or {}
    return str(d.get("label") or d.get("level") or "unknown")


def _summarise(per_problem: list[tuple[int, int]], k: int) -> dict[str, Any]:
    n_problems = len(per_problem)
    if not n_problems:
        return {"problems": 0, "pass@1": None, f"pass@{k}": None}
    p1 = sum(c / n for c, n in per_problem) / n_problems
    solved_any = sum(c > 0 for c, _ in per_problem)
    out = {"problems": n_problems, "pass@1": round(p1, 6),
           # interval over problems for pass@1 treats each problem's mean as one Bernoulli draw at k = 1
           "pass@1_ci": [round(x, 6) for x in wilson_interval(round(p1 * n_problems), n_problems)],
           "solved_any": solved_any}
    if k > 1:
        out[f"pass@{k}"] = round(sum(pass_at_k(n, c, k) for c, n in per_problem) / n_problems, 6)
    return out


def evaluate_solver(rows: list[dict], solver_spec: str, k: int, seed: int) -> dict[str, Any]:
    """Scores of one solver on `rows`: overall, by family and by difficulty bin."""
    solver = get_solver(solver_spec)
    try:
        results, _ = rollouts_for(solver, rows, k, seed, "evaluate")
    finally:
        solver.close()
    per = [(sum(x["correct"] is True for x in res), len(res)) for res in results]
    groups: dict[str, dict[str, list]] = {"family": defaultdict(list), "difficulty": defaultdict(list)}
    for rec, pc in zip(rows, per):
        groups["family"][rec["family"]].append(pc)
        groups["difficulty"][difficulty_bin(rec)].append(pc)
    samples = [{"id": rec["id"], "response": res[0]["response"][:500], "correct": res[0]["correct"]}
               for rec, res in zip(rows[:5], results[:5])]
    return {"solver": solver_spec, "overall": _summarise(per, k),
            "by_family": {g: _summarise(v, k) for g, v in sorted(groups["family"].items())},
            "by_difficulty": {g: _summarise(v, k) for g, v in sorted(groups["difficulty"].items())},
            "per_problem": {rec["id"]: c for rec, (c, _) in zip(rows, per)}, "samples": samples}


def short_label(spec: str, width: int = 30) -> str:
    """A solver SPEC without its `?options`, cut to its last `width` characters, for table heads and legends."""
    base = spec.split("?", 1)[0]
    return base if len(base) <= width else "…" + base[-(width - 1):]


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table: one line per group, one pass@1 (and pass@k) column pair per solver."""
    k = report["k"]
    solvers = list(report["solvers"])
    cols = ["pass@1"] + ([f"pass@{k}"] if k > 1 else [])
    head = f"{'group':<34}{'n':>6}" + "".join(f"{(short_label(s, 24) + ' ' + c):>34}" for s in solvers for c in cols)
    lines = [head, "-" * len(head)]
    first = report["solvers"][solvers[0]]
    sections = [("all", {"all": first["overall"]}, "overall")]
    sections += [("family", first["by_family"], "by_family"), ("difficulty", first["by_difficulty"], "by_difficulty")]
    for title, groups, key in sections:
        for g in groups:
            n = groups[g]["problems"]
            cells = []
            for s in solvers:
                res = report["solvers"][s]
                stats = res["overall"] if key == "overall" else res[key].get(g, {})
                for c in cols:
                    v = stats.get(c)
                    cells.append(f"{'-' if v is None else f'{v:.3f}':>34}")
            label = g if title == "all" else f"{title}={g}"
            lines.append(f"{label:<34}{n:>6}" + "".join(cells))
    return "\n".join(lines)


def plot_report(report: dict[str, Any], path: Path) -> None:
    """Grouped bars of pass@1 by difficulty bin and by family, one bar per solver."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    solvers = list(report["solvers"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, title in ((axes[0], "by_difficulty", "pass@1 by difficulty"), (axes[1], "by_family", "pass@1 by family")):
        groups = list(report["solvers"][solvers[0]][key])
        width = 0.8 / max(1, len(solvers))
        for j, s in enumerate(solvers):
            vals = [report["solvers"][s][key].get(g, {}).get("pass@1") or 0.0 for g in groups]
            ax.bar([i + j * width for i in range(len(groups))], vals, width, label=short_label(s, 40))
        ax.set_xticks([i + width * (len(solvers) - 1) / 2 for i in range(len(groups))])
        ax.set_xticklabels(groups, rotation=20, ha="right", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(title)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def evaluate(data: str, solver_spec: str, *, k: int = 1, split: str | None = "test", out: str | None = None,
             compare: str | None = None, seed: int = 0, max_problems: int | None = None,
             quiet: bool = False) -> dict[str, Any]:
    """pass@1 / pass@k of `solver_spec` (and of `compare`, side by side) on the `split` rows of `data`.

    `split=None` uses every row. With `out`, writes `OUT/eval.json` and `OUT/eval.png`. Prints the table unless
    `quiet`. Returns the report: {k, split, problems, solvers: {spec: {overall, by_family, by_difficulty, ...}}}.
    """
    if k < 1:
        raise HardgenError(f"-k must be at least 1, got {k}")
    rows = [r for r in open_dataset(data) if split is None or r.get("split") == split]
    # a math row without a reference (an imported one whose answer could not be read) cannot be scored
    scorable = [r for r in rows if has_reference(r)]
    no_reference, rows = len(rows) - len(scorable), scorable
    if max_problems is not None:
        rows = rows[:max_problems]
    if not rows:
        raise HardgenError(f"{data} has no rows in split {split!r}; pick another split (or split=None for all)")
    specs = [solver_spec] + ([compare] if compare else [])
    report: dict[str, Any] = {"data": str(data), "split": split, "k": k, "seed": seed, "problems": len(rows),
                              "solvers": {}}
    if no_reference:
        report["skipped_no_reference"] = no_reference
    for spec in specs:
        report["solvers"][spec] = evaluate_solver(rows, spec, k, seed)
    if compare:
        a, b = (report["solvers"][s]["overall"]["pass@1"] for s in specs)
        report["delta_pass@1"] = round(a - b, 6)
    report["table"] = format_table(report)
    if not quiet:
        print(report["table"])
    if out:
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        (d / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
        plot_report(report, d / "eval.png")
        report["path"] = str(d)
    return report
