"""The irt stage: fit IRT on a graded dataset and write each row with its item parameters."""

from __future__ import annotations

from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset
from hardgen.difficulty.irt import fit_irt, response_matrix
from hardgen.stages.options import IrtOptions
from hardgen.stages.runner import Shard, StageRun, input_tasks


def irt_dataset(src: str, out: str, model: str = "2pl", solvers: list[str] | None = None,
                overwrite: bool = False) -> dict:
    """Fit IRT on the grades of `src` and write each row with `difficulty.irt = {b, a}`; θ per solver in the summary.

    Two streaming passes: the first collects only the count matrix, the second writes rows.
    """
    ds = open_dataset(src)
    slim = [{"difficulty": {"grades": (r.get("difficulty") or {}).get("grades", {})}} for r in ds]
    names, C, N = response_matrix(slim, solvers)
    del slim
    if len(names) < 2:
        raise HardgenError(f"IRT needs grades from at least 2 solvers; {src} has {len(names)} "
                           "(grade with several --solver options)")
    fit = fit_irt(C, N, model=model)
    attempted = N.any(axis=0)  # an item no solver attempted has only the prior to say: no b is written for it
    item_params = iter([{"model": model, "b": round(float(b), 5), "a": round(float(a), 5)} if seen else None
                        for b, a, seen in zip(fit.b, fit.a, attempted)])

    def with_irt(rows: list[dict]) -> Shard:  # in this process, in row order: item j is the j-th row
        for r in rows:
            r["difficulty"] = dict(r.get("difficulty") or {})
            irt = next(item_params)
            if irt is not None:
                r["difficulty"]["irt"] = irt
        return Shard(rows)

    params = {"src": str(src), "model": model, "solvers": names}
    with StageRun("irt", out, params, src=src, overwrite=overwrite, total=ds.num_rows) as run:
        # every shard advances the item counter, finished ones too, so payloads are built for all of them
        run.run(_as_is, input_tasks(ds, payload=lambda rows, _key: with_irt(rows)), workers=1)
        summary = {"model": model, "theta": {s: round(float(t), 5) for s, t in zip(names, fit.theta)},
                   "items": int(attempted.sum()), "converged": fit.converged, "iterations": fit.iterations}
        if not attempted.all():
            summary["ungraded"] = int((~attempted).sum())
        return run.finish(summary)


def _as_is(shard: Shard) -> Shard:
    return shard


def run(src: str, out: str, opts: IrtOptions, overwrite: bool = False) -> dict:
    """The irt stage with its settings: what `gen irt` and `gen run` call."""
    return irt_dataset(src, out, model=opts.model, overwrite=overwrite)
