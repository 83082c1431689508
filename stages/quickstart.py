"""The embedded default job: generate, verify, grade with the CPU solver panels, keep the hard-but-solvable window,
and report (counts per family, a pass-rate histogram, where the data is). No model, no GPU."""

from __future__ import annotations

import time
from pathlib import Path

#: (family, level) the quickstart draws from: SAT-encodable families, so the built-in CPU panels can grade them,
#: at levels where a budgeted CDCL solver solves some problems and not others
QUICKSTART_FAMILIES = (("sat.ksat", "medium"), ("sat.planted", "medium"), ("graph.hamiltonian", "hard"),
                       ("logic.coloring", "hard"))
#: the graders: CDCL with a 20-conflict budget and WalkSAT with 300 flips, 4 seeded attempts each per problem
SOLVERS, K = ("sat:cdcl@20", "sat:walksat@300"), 4
#: `gen select` keeps problems the first solver solves sometimes, at most half the time
WINDOW = "0,0.5"


def run_quickstart(out: str, n: int = 30, seed: int = 0, workers: int | None = None) -> dict:
    """Run generate → verify → grade → select → report under `out`; returns each stage's summary and a text."""
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.select import select_dataset
    from hardgen.difficulty.window import Window
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.report import make_report
    from hardgen.core.store import open_dataset
    from hardgen.stages.verify import verify_dataset

    o = Path(out)
    raw, valid, graded, hard, report = (str(o / d) for d in ("raw", "valid", "graded", "hard", "report"))
    fams = [{"family": f, "level": lvl} for f, lvl in QUICKSTART_FAMILIES]
    secs: dict[str, float] = {}
    t = time.monotonic()

    def lap(stage: str) -> None:
        nonlocal t
        secs[stage], t = round(time.monotonic() - t, 1), time.monotonic()

    g = generate_dataset(fams, n=n, out=raw, seed=seed, workers=workers, overwrite=True)
    lap("generate")
    v = verify_dataset(raw, valid, workers=workers, keep_invalid=False, overwrite=True)
    lap("verify")
    gr = grade_dataset(valid, graded, list(SOLVERS), k=K, seed=seed, workers=workers, overwrite=True)
    lap("grade")
    window = Window.parse(WINDOW)
    s = select_dataset(graded, hard, SOLVERS[0], window=window, seed=seed, overwrite=True)
    lap("select")
    rep = make_report(graded, report, dedup_sample=200)
    lap("report")

    per: dict[str, dict] = {f: {"valid": 0, "rates": {sv: [] for sv in SOLVERS}, "kept": 0}
                            for f, _ in QUICKSTART_FAMILIES}
    for r in open_dataset(graded):
        c = per[r["family"]]
        c["valid"] += 1
        for sv in SOLVERS:
            c["rates"][sv].append(r["difficulty"]["grades"][sv]["pass_rate"])
    for r in open_dataset(hard):
        per[r["family"]]["kept"] += 1
    head = f"{'family (level)':<30} {'made':>5} {'valid':>6} " + " ".join(f"{sv:>16}" for sv in SOLVERS)
    lines = ["mean pass rate per solver; kept = pass rate of " + SOLVERS[0] + f" in {window}", "",
             head + f" {'kept':>5}"]
    for (f, lvl), key in zip(QUICKSTART_FAMILIES, g["families"]):
        c = per[f]
        rates = " ".join(f"{(sum(x) / len(x) if x else 0.0):>16.2f}" for x in c["rates"].values())
        lines.append(f"{f + ' (' + lvl + ')':<30} {g['families'][key]['rows']:>5} {c['valid']:>6} {rates} "
                     f"{c['kept']:>5}")
    counts = v["counts"]
    lines += ["", f"{g['rows']} problems generated, {counts['valid']} verified valid "
                  f"({counts['invalid']} invalid, {counts['unknown']} undecided, dropped), "
                  f"{sum(t['rollouts'] for t in gr['solvers'].values())} solver rollouts, "
                  f"{s['kept']} kept in the window",
              f"hard-but-solvable set: {hard}",
              f"pass-rate histogram:   {Path(report) / rep['plots']['pass_rates']}",
              f"report:                {rep['report']}",
              "seconds: " + ", ".join(f"{k} {v:g}" for k, v in secs.items()),
              f"next: gen export {hard} --format parquet -o {o / 'export'}"]
    return {"generated": g, "verified": v, "graded": gr, "selected": s, "report": rep, "path": hard, "seconds": secs,
            "text": "\n".join(lines)}
