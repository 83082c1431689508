"""Benchmark: scoring throughput of hardgen's math checker (answer reader + equivalence) against Math-Verify.

Both score the same (reference, response) pairs, one at a time, in one process, after a warm-up: the model-style
pairs of `math_corpus` plus responses in the conventions models use (Minerva "Final Answer", GSM8K `####`,
`<think>` blocks, unboxed prose), de-duplicated so that no scorer profits from a cache hit on a repeated pair.
Math-Verify runs at its fastest setting found here (its parse/verify timeouts on and off are both timed; the
faster is reported). Only throughput is compared: the labels of `math_corpus` follow hardgen's own rules, so an
agreement figure on them would be circular (bench/bench_math_verify.py reports agreement on independent labels).

Run: `python bench/bench_verifier_speed.py [--limit N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from math_corpus import build_corpus  # noqa: E402

from hardgen.verifiers.math import clear_cache, score_math  # noqa: E402

CONVENTIONS = [
    ("7", "Working it out step by step.\nFinal Answer: The final answer is $7$. I hope it is correct."),
    ("72", "Natalia sold 48/2 = 24 clips in May.\nAltogether she sold 48+24 = 72 clips.\n#### 72"),
    ("3", "<think>Let me try small cases: 1, 2, 3. It must be 3.</think>\nThe answer is **3**."),
    ("34", "We check every n up to 40.\nThe largest $n$ is 34."),
    ("9", "Combining the two results:\n\\[ 9 \\]"),
    ("\\frac{4}{3}", "So the ratio is \\boxed{\\frac{4}{3} \\approx 1.33}."),
    ("(3,2)", "Solving the system gives $(p,q)=(3,2)$, so \\boxed{(p,q)=(3,2)}."),
    ("x \\in [-2,7]", "The solution set is \\boxed{[-2,7]}."),
    ("11111100", "The number is \\boxed{11,\\! 111,\\! 100}."),
    ("\\frac{15}{4}", "It takes \\boxed{3\\frac{3}{4}} hours."),
]


def pairs_to_score(limit: int) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for p in build_corpus():
        seen.setdefault((p["gold"], p["response"]), None)
    for g, r in CONVENTIONS:
        seen.setdefault((g, r), None)
    out = list(seen)
    return out[:limit] if limit else out


def run_ours(pairs: list[tuple[str, str]]) -> tuple[float, list[float]]:
    clear_cache()  # every pair is new to the pair cache, as on a stream of fresh rollouts
    lat = []
    t0 = time.perf_counter()
    for g, r in pairs:
        t = time.perf_counter()
        score_math(r, {"kind": "math"}, g)
        lat.append(time.perf_counter() - t)
    return time.perf_counter() - t0, lat


def run_math_verify(pairs: list[tuple[str, str]], timeouts: bool) -> tuple[float, list[float]]:
    from math_verify import parse, verify

    kw_p = {} if timeouts else {"parsing_timeout": None}
    kw_v = {} if timeouts else {"timeout_seconds": None}
    lat = []
    t0 = time.perf_counter()
    for g, r in pairs:
        t = time.perf_counter()
        try:
            verify(parse("$" + g + "$", **kw_p), parse(r, **kw_p), **kw_v)
        except Exception:  # noqa: BLE001 - a crash counts as a (slow or fast) wrong verdict, as in its own use
            pass
        lat.append(time.perf_counter() - t)
    return time.perf_counter() - t0, lat


def pct(lat: list[float], q: float) -> float:
    return sorted(lat)[min(len(lat) - 1, int(q * len(lat)))] * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="score only the first N pairs")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per scorer; the best is reported")
    args = ap.parse_args()
    pairs = pairs_to_score(args.limit)
    score_math("\\boxed{\\sqrt{8}}", {"kind": "math"}, "2\\sqrt{2}")  # start the proof worker outside the timing
    run_math_verify(pairs[:5], True)
    results = {}
    for name, fn in (("hardgen", lambda: run_ours(pairs)), ("math-verify (timeouts on)",
                     lambda: run_math_verify(pairs, True)), ("math-verify (timeouts off)",
                                                             lambda: run_math_verify(pairs, False))):
        runs = [fn() for _ in range(args.repeat)]
        results[name] = min(runs, key=lambda x: x[0])
    n = len(pairs)
    print(f"pairs: {n} distinct (reference, response) pairs, best of {args.repeat} runs each, one process")
    for name, (t, lat) in results.items():
        print(f"{name:27}: {n / t:9.1f} pairs/s   median {statistics.median(lat) * 1e3:7.3f} ms   "
              f"p99 {pct(lat, 0.99):8.3f} ms   max {max(lat) * 1e3:8.1f} ms")
    best_mv = min(t for name, (t, _) in results.items() if name.startswith("math-verify"))
    print(f"throughput ratio (hardgen / best math-verify): {best_mv / results['hardgen'][0]:.1f}x")


if __name__ == "__main__":
    main()
