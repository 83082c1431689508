"""The embedded default job: generate a few hundred problems from several families, verify them, summarise."""

from __future__ import annotations

from pathlib import Path

from hardgen.generators.base import load_families

#: families the quickstart draws from, when installed (all ship with hardgen)
QUICKSTART_FAMILIES = ("math.linear_system", "math.polynomial_roots", "math.modular", "math.counting",
                       "math.probability", "math.compose", "sat.ksat", "logic.sudoku", "graph.shortest_path")


def run_quickstart(out: str, n: int = 60, seed: int = 0, workers: int | None = None) -> dict:
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    fams = [f for f in QUICKSTART_FAMILIES if f in load_families()]
    raw, valid = Path(out) / "raw", Path(out) / "valid"
    g = generate_dataset(fams, n=n, out=str(raw), seed=seed, level="medium", workers=workers, overwrite=True)
    v = verify_dataset(str(raw), str(valid), workers=workers, overwrite=True)
    lines = [f"{'family':<24} {'rows':>5} {'valid':>6} {'invalid':>8}"]
    for f in fams:
        c = v["by_family"].get(f, {"valid": 0, "invalid": 0, "unknown": 0})
        lines.append(f"{f:<24} {g['families'][f]['rows']:>5} {c['valid']:>6} {c['invalid'] + c['unknown']:>8}")
    c = v["counts"]
    lines.append("")
    lines.append(f"{g['rows']} problems generated, {c['valid']} verified valid, "
                 f"{c['invalid']} invalid, {c['unknown']} undecided")
    lines.append(f"dataset: {valid}   (next: gen export {valid} --format parquet -o {Path(out) / 'export'})")
    return {"generated": g, "verified": v, "path": str(valid), "text": "\n".join(lines)}
