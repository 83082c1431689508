"""Benchmark: hardgen's math scorer against Math-Verify on a labelled corpus (throughput and agreement).

Run: `python bench/bench_math_verify.py [--limit N] [--show N]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from math_corpus import build_corpus  # noqa: E402

from hardgen.verifiers.math import clear_cache, score_math  # noqa: E402


def run_ours(pairs: list[dict]) -> tuple[list, float]:
    clear_cache()
    t0 = time.perf_counter()
    out = [score_math(p["response"], {"kind": "math"}, p["gold"]).correct for p in pairs]
    return out, time.perf_counter() - t0


def run_math_verify(pairs: list[dict]) -> tuple[list, float]:
    from math_verify import parse, verify

    t0 = time.perf_counter()
    out = []
    for p in pairs:
        try:
            out.append(bool(verify(parse("$" + p["gold"] + "$"), parse(p["response"]))))
        except Exception:
            out.append(False)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--show", type=int, default=1000, help="disagreements to print")
    args = ap.parse_args()
    pairs = build_corpus()
    if args.limit:
        pairs = pairs[:args.limit]
    # warm both (imports, our worker start) outside the timed runs
    score_math("\\boxed{\\sqrt{8}}", {"kind": "math"}, "2\\sqrt{2}")
    run_math_verify(pairs[:3])
    ours, t_ours = run_ours(pairs)
    mv, t_mv = run_math_verify(pairs)
    n = len(pairs)
    print(f"pairs: {n} ({sum(p['truth'] for p in pairs)} correct by construction)")
    print(f"hardgen     : {n / t_ours:9.1f} pairs/s  accuracy vs truth {sum((o is True) == p['truth'] for o, p in zip(ours, pairs)) / n:.4f}"
          f"  undecided {sum(o is None for o in ours)}")
    print(f"math-verify : {n / t_mv:9.1f} pairs/s  accuracy vs truth {sum(m == p['truth'] for m, p in zip(mv, pairs)) / n:.4f}")
    print(f"throughput ratio (hardgen / math-verify): {t_mv / t_ours:.1f}x")
    dis = [(p, o, m) for p, o, m in zip(pairs, ours, mv) if (o is True) != m]
    mv_right = [d for d in dis if d[2] == d[0]["truth"]]
    print(f"disagreements: {len(dis)}; math-verify right in {len(mv_right)}, hardgen right in "
          f"{sum((d[1] is True) == d[0]['truth'] for d in dis)}")
    by_cat = Counter((d[0]["category"], "ours right" if (d[1] is True) == d[0]["truth"] else "mv right") for d in dis)
    for (cat, who), k in sorted(by_cat.items()):
        print(f"  {cat:10} {who:10} {k}")
    for p, o, m in dis[:args.show]:
        tail = p["response"][-70:].replace("\n", " ")
        right = "hardgen" if (o is True) == p["truth"] else "math-verify"
        print(f"[{p['category']}] gold={p['gold']!r} resp=...{tail!r} ours={o} mv={m} truth={p['truth']} "
              f"right={right}")


if __name__ == "__main__":
    main()
