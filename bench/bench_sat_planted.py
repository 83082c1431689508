"""Are planted instances as hard as uniform ones? Median CDCL effort of quiet-planted, naive-planted and uniform
(satisfiable-filtered) random 3-SAT at the same ratios, and the effort ratio against uniform in the same run.

    python bench/bench_sat_planted.py           # about a minute
    python bench/bench_sat_planted.py --quick   # ~15 s
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from hardgen.generators.sat._cnf import planted_clause, solve, true_count_weights, uniform_clause

BACKEND = "glucose4"
KINDS = ("quiet", "naive", "uniform")


def instance(kind: str, n: int, m: int, rng: random.Random, max_draws: int = 40) -> list[list[int]] | None:
    """One satisfiable instance of the kind; uniform ones are redrawn until satisfiable (None if too rare)."""
    if kind == "uniform":
        for _ in range(max_draws):
            clauses = [uniform_clause(n, 3, rng) for _ in range(m)]
            if solve(n, clauses, "cadical153").sat:
                return clauses
        return None
    plant = [rng.random() < 0.5 for _ in range(n)]
    w = true_count_weights(3, kind)
    return [planted_clause(n, 3, plant, w, rng) for _ in range(m)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=None, help="variables (default 150, quick 100)")
    ap.add_argument("--out", default="/tmp", help="directory for sat_planted.png")
    args = ap.parse_args()
    n = args.n or (100 if args.quick else 150)
    per = 6 if args.quick else 12
    ratios = [3.5, 4.0, 4.26, 4.5] if args.quick else [3.0, 3.5, 3.8, 4.0, 4.15, 4.26, 4.4, 4.6]
    t0 = time.perf_counter()
    table: dict[tuple[str, float], float | None] = {}
    for ratio in ratios:
        m = round(ratio * n)
        for kind in KINDS:
            effort = []
            for i in range(per):
                cl = instance(kind, n, m, random.Random(f"{kind}:{n}:{ratio}:{i}"))
                if cl is not None:
                    res = solve(n, cl, BACKEND)
                    assert res.sat
                    effort.append(res.effort["conflicts"])
            table[(kind, ratio)] = statistics.median(effort) if len(effort) >= per // 2 else None
    print(f"satisfiable random 3-SAT, n={n}, {per} instances per cell, median {BACKEND} conflicts\n")
    print(f"{'ratio':>6} " + " ".join(f"{k:>9}" for k in KINDS) + f" {'quiet/unif':>10} {'naive/unif':>10}")
    for ratio in ratios:
        vals = [table[(k, ratio)] for k in KINDS]
        u = table[("uniform", ratio)]
        rel = [f"{table[(k, ratio)] / u:>10.2f}" if u and table[(k, ratio)] is not None else f"{'n/a':>10}"
               for k in ("quiet", "naive")]
        print(f"{ratio:>6.2f} " + " ".join(f"{v:>9.0f}" if v is not None else f"{'n/a':>9}" for v in vals)
              + " " + " ".join(rel))
    print("(uniform n/a: too few satisfiable draws at that ratio)")
    print(f"\n{time.perf_counter() - t0:.1f} s")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for kind in KINDS:
        pts = [(r, table[(kind, r)]) for r in ratios if table[(kind, r)] is not None]
        ax.plot([p[0] for p in pts], [max(1, p[1]) for p in pts], marker="o", label=kind)
    ax.set_yscale("log")
    ax.set_xlabel("clauses / variables")
    ax.set_ylabel(f"median conflicts ({BACKEND})")
    ax.set_title(f"planted vs uniform satisfiable 3-SAT, n={n}")
    ax.legend()
    out = Path(args.out) / "sat_planted.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot: {out}")


if __name__ == "__main__":
    main()
