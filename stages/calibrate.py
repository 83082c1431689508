"""The calibrate stage: the knob level whose pass rate for a solver hits a target (`hardgen.difficulty.calibrate`)."""

from __future__ import annotations

import json
from pathlib import Path

from hardgen.core.errors import HardgenError
from hardgen.stages.options import CalibrateOptions


def run(family: str, out: str | None, opts: CalibrateOptions) -> dict:
    """What `gen calibrate` calls; with `out`, the table is saved there as JSON (what `gen report -c` plots)."""
    from hardgen.difficulty.calibrate import calibrate

    sweep = None
    if opts.sweep:
        if "=" not in opts.sweep:
            raise HardgenError(f"--sweep expects KNOB=V1,V2,..., got {opts.sweep!r}")
        knob_name, vals = opts.sweep.split("=", 1)
        sweep = (knob_name.strip(), [v.strip() for v in vals.split(",") if v.strip()])
    s = calibrate(family, opts.solver, opts.target, n=opts.n, k=opts.k, seed=opts.seed, sweep=sweep,
                  exhaustive=opts.all_levels)
    if out:
        Path(out).write_text(json.dumps(s, indent=1) + "\n")
    return s
