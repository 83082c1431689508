"""The eval stage: pass@1 / pass@k of a solver by family and difficulty bin (`hardgen.distill.evaluate`)."""

from __future__ import annotations

from hardgen.stages.options import EvalOptions


def run(src: str, out: str | None, opts: EvalOptions, overwrite: bool = False) -> dict:
    """What `gen eval` and `gen run` call; with `out`, eval.json and eval.png are written there."""
    from hardgen.distill.evaluate import evaluate

    return evaluate(src, opts.solver, k=opts.k, split=None if opts.split == "all" else opts.split, out=out,
                    compare=opts.compare, seed=opts.seed, max_problems=opts.max_problems, quiet=True)
