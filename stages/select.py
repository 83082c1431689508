"""The select stage: keep the hard-but-solvable rows of a graded dataset (`hardgen.difficulty.select` decides)."""

from __future__ import annotations

from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset
from hardgen.difficulty.select import difficulty_label, parse_target, select_rows
from hardgen.difficulty.window import Window
from hardgen.stages.options import SelectOptions
from hardgen.stages.runner import Shard, StageRun, input_tasks


def select_dataset(src: str, out: str, solver: str, window: Window = Window(), require_solvable: bool = True,
                   dedup_threshold: float | None = 0.8, balance_families: bool = False,
                   target: dict[str, float] | None = None, max_rows: int | None = None, seed: int = 0,
                   overwrite: bool = False) -> dict:
    """Write the rows of `src` that `select_rows` keeps to `out`, in input order, each with `difficulty.label`."""
    ds = open_dataset(src)
    params = {"src": str(src), "solver": solver, "window": str(window), "require_solvable": require_solvable,
              "dedup_threshold": dedup_threshold, "balance_families": balance_families, "target": target,
              "max_rows": max_rows, "seed": seed}
    # only what selection needs is held in memory: ids, families, grades, prompts
    slim = ({"id": r["id"], "family": r["family"], "split": r.get("split"), "prompt": r["prompt"],
             "validity": r.get("validity"), "difficulty": {"grades": (r.get("difficulty") or {}).get("grades", {})}}
            for r in ds)
    keep, summary = select_rows(slim, solver, window, require_solvable, dedup_threshold, balance_families, target,
                                max_rows, seed)
    if summary["dropped"]["not_graded"] == summary["input"] and summary["input"]:
        raise HardgenError(f"no row of {src} has grades from solver {solver!r}; run `gen grade --solver {solver}` "
                           "first, or name a solver the data was graded with")
    with StageRun("select", out, params, src=src, overwrite=overwrite, total=ds.num_rows) as run:
        run.run(_label_kept, input_tasks(ds, payload=lambda rows, _key: (rows, keep, solver)))
        return run.finish(summary)


def _label_kept(task: tuple[list[dict], set[str], str]) -> Shard:
    rows, keep, solver = task
    kept = []
    for r in rows:
        if r["id"] in keep:
            r["difficulty"]["label"] = difficulty_label(r["difficulty"]["grades"][solver]["pass_rate"])
            kept.append(r)
    return Shard(kept)


def run(src: str, out: str, opts: SelectOptions, overwrite: bool = False) -> dict:
    """The select stage with its settings: what `gen select` and `gen run` call."""
    target = parse_target(",".join(f"{k}={v}" for k, v in opts.target.items())) if opts.target else None
    return select_dataset(src, out, opts.solver, Window.parse(opts.window), opts.require_solvable, opts.dedup or None,
                          opts.balance_families, target, opts.max_rows, opts.seed, overwrite)
