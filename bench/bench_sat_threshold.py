"""The easy-hard-easy curve of random 3-SAT: median solver effort and the satisfiable share against the
clause/variable ratio, for several n. Prints a table and writes a PNG.

    python bench/bench_sat_threshold.py             # about a minute and a half
    python bench/bench_sat_threshold.py --quick     # ~15 s
    python bench/bench_sat_threshold.py --out /tmp  # where the PNG goes (default /tmp)
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from hardgen.generators.sat._cnf import solve, uniform_clause

#: Glucose keeps classic search statistics even when an instance is easy (CaDiCaL's lucky phases report 0)
BACKEND = "glucose4"


def curve(n: int, ratios: list[float], per_point: int, seed: int) -> list[dict]:
    rows = []
    for ratio in ratios:
        m = round(ratio * n)
        conflicts, decisions, sat, secs = [], [], 0, []
        for i in range(per_point):
            rng = random.Random(f"{seed}:{n}:{ratio}:{i}")
            clauses = [uniform_clause(n, 3, rng) for _ in range(m)]
            t = time.perf_counter()
            res = solve(n, clauses, BACKEND)
            secs.append(time.perf_counter() - t)
            conflicts.append(res.effort["conflicts"])
            decisions.append(res.effort["decisions"])
            sat += res.sat
        rows.append({"n": n, "ratio": ratio, "sat_share": sat / per_point,
                     "conflicts": statistics.median(conflicts), "decisions": statistics.median(decisions),
                     "ms": 1000 * statistics.median(secs)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="/tmp", help="directory for sat_threshold.png")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.quick:
        sizes, per_point = [100, 150], 6
        ratios = [2.0, 3.0, 3.5, 4.0, 4.25, 4.5, 5.0, 6.0, 7.0]
    else:
        sizes, per_point = [100, 150, 200], 12
        ratios = [2.0, 2.5, 3.0, 3.5, 3.75, 4.0, 4.15, 4.25, 4.35, 4.5, 4.75, 5.0, 5.5, 6.0, 7.0, 8.0]
    t0 = time.perf_counter()
    table = [row for n in sizes for row in curve(n, ratios, per_point, args.seed)]
    print(f"random 3-SAT, {per_point} instances per point, effort by {BACKEND} (medians)\n")
    print(f"{'n':>4} {'ratio':>6} {'SAT share':>9} {'conflicts':>10} {'decisions':>10} {'ms':>8}")
    for r in table:
        print(f"{r['n']:>4} {r['ratio']:>6.2f} {r['sat_share']:>9.2f} {r['conflicts']:>10.0f} {r['decisions']:>10.0f} "
              f"{r['ms']:>8.1f}")
    for n in sizes:
        peak = max((r for r in table if r["n"] == n), key=lambda r: r["conflicts"])
        ends = [r for r in table if r["n"] == n and r["ratio"] in (ratios[0], ratios[-1])]
        print(f"n={n}: effort peaks at ratio {peak['ratio']:.2f} ({peak['conflicts']:.0f} conflicts), "
              f"{peak['conflicts'] / max(1, max(e['conflicts'] for e in ends)):.0f}x the ends of the sweep")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed; no plot written")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax2 = ax.twinx()
    for n in sizes:
        rs = [r for r in table if r["n"] == n]
        ax.plot([r["ratio"] for r in rs], [max(1, r["conflicts"]) for r in rs], marker="o", label=f"conflicts n={n}")
        ax2.plot([r["ratio"] for r in rs], [r["sat_share"] for r in rs], ls="--", alpha=0.6, label=f"SAT share n={n}")
    ax.set_yscale("log")
    ax.set_xlabel("clauses / variables")
    ax.set_ylabel(f"median conflicts ({BACKEND})")
    ax2.set_ylabel("fraction satisfiable")
    ax.axvline(4.267, color="grey", lw=0.8)
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
    ax.set_title("random 3-SAT: easy-hard-easy")
    out = Path(args.out) / "sat_threshold.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"\nplot: {out}   ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
