"""Benchmark: what `gen import` gets right about someone else's problem set, against the usual ways of doing it.

Part 1, reference reading. A worked solution's final answer becomes the row's key; the key is right when a
solver response giving the gold answer (`\\boxed{gold}`) is then scored as the solution deserved (correct when
the solution's final answer is a correct rewrite of gold, wrong when it is a wrong value or several conflicting
answers). Corpus: bench/math_corpus.py (solutions are its responses, truth known by construction). Compared in
the same run: hardgen (`read_reference` + its math scorer), Math-Verify (`verify(parse(solution),
parse("\\boxed{gold}"))`, its documented gold/answer use), and the common last-`\\boxed{}` + exact-text rule.

Part 2, decontamination. A benchmark of problems drawn from hardgen's math families, a pool of other problems of
the same families (templated: a hard case, since unrelated problems share wording), and copies of benchmark
problems edited the ways leaked problems are (a "Problem 12." prefix, case and spacing, an appended sentence, one
number changed). Rules compared: exact text after case/space normalisation, any shared 8-gram (open-r1's
decontamination rule), and hardgen's containment rule (share of one benchmark problem's own 8-grams, those no
other benchmark problem has, found in the row >= 0.5).

Run: `python bench/bench_import.py [--bench 150 --pool 1500]`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from math_corpus import build_corpus  # noqa: E402

from hardgen.stages.imports import BenchmarkNgrams, read_reference  # noqa: E402
from hardgen.verifiers.math import score_math  # noqa: E402
from hardgen.verifiers.answer import read_final_answer  # noqa: E402

MATH_FAMILIES = ["math.arithmetic", "math.compose", "math.counting", "math.geometry", "math.integral", "math.limit",
                 "math.linear_system", "math.modular", "math.number_theory", "math.polynomial_roots",
                 "math.probability", "math.quadratic_opt", "math.recurrence"]


def _verdicts_ours(pairs):
    out = []
    for p in pairs:
        key, _ = read_reference(p["response"], "solution")
        out.append(None if key is None else score_math(f"\\boxed{{{p['gold']}}}", {"kind": "math"}, key).correct)
    return out


def _verdicts_math_verify(pairs):
    from math_verify import parse, verify

    out = []
    for p in pairs:
        try:
            key = parse(p["response"])
            out.append(None if not key else bool(verify(key, parse(f"\\boxed{{{p['gold']}}}"))))
        except Exception:
            out.append(None)
    return out


def _verdicts_last_box(pairs):
    out = []
    for p in pairs:
        boxes = read_final_answer(p["response"], "boxed").answers
        out.append(None if not boxes else re.sub(r"\s+", "", boxes[-1].rstrip(".")) == re.sub(r"\s+", "", p["gold"]))
    return out


def part_references() -> None:
    pairs = build_corpus()
    print(f"reference reading: {len(pairs)} solutions ({sum(p['truth'] for p in pairs)} whose final answer is right)")
    print(f"{'rule':<28}{'key right':>10}{'key wrong':>10}{'no key':>8}{'  right when read':>18}{'  s':>7}")
    res = {}
    for name, fn in (("hardgen", _verdicts_ours), ("math-verify", _verdicts_math_verify),
                     ("last-box", _verdicts_last_box)):
        t0 = time.perf_counter()
        v = res[name] = fn(pairs)
        dt = time.perf_counter() - t0
        right = sum(x is not None and x == p["truth"] for x, p in zip(v, pairs))
        wrong = sum(x is not None and x != p["truth"] for x, p in zip(v, pairs))
        none = sum(x is None for x in v)
        print(f"{name:<28}{right:>10}{wrong:>10}{none:>8}{right / max(right + wrong, 1):>18.3f}{dt:>7.1f}")
    # a wrong key is worse than no key: no key leaves the row unknown and ungraded, a wrong one grades against it
    print("\nby category, key wrong / no key (of rows; 'several' = conflicting or repeated final answers):")
    print(f"{'category':<14}" + "".join(f"{n:>16}" for n in res) + f"{'rows':>7}")
    for c in sorted({p["category"] for p in pairs}):
        idx = [i for i, p in enumerate(pairs) if p["category"] == c]
        cells = [f"{sum(v[i] is not None and v[i] != pairs[i]['truth'] for i in idx)} / "
                 f"{sum(v[i] is None for i in idx)}" for v in res.values()]
        print(f"{c:<14}" + "".join(f"{x:>16}" for x in cells) + f"{len(idx):>7}")


def _edit(text: str, rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["prefix", "case_space", "append", "number"])
    if kind == "prefix":
        return f"Problem {rng.randint(1, 40)}. {text}", kind
    if kind == "case_space":
        return "  ".join(text.upper().split(" ")), kind
    if kind == "append":
        return text + " Show your work and simplify fully.", kind
    nums = list(re.finditer(r"\d+", text))
    if not nums:
        return f"Problem 1. {text}", "prefix"
    m = rng.choice(nums)
    return text[:m.start()] + str(int(m.group()) + 1) + text[m.end():], kind


def part_contamination(n_bench: int, n_pool: int) -> None:
    from hardgen.generators.item import generate_one

    rng = random.Random(0)
    per = max(1, (n_bench + n_pool) // len(MATH_FAMILIES) + 1)
    texts: list[str] = []
    for fam in MATH_FAMILIES:
        for i in range(per):
            texts.append(generate_one(fam, rng.choice(["easy", "medium", "hard"]), {}, 11, i)["prompt"])
    texts = list(dict.fromkeys(texts))
    rng.shuffle(texts)
    bench, pool = texts[:n_bench], texts[n_bench:n_bench + n_pool]
    leaked = [_edit(b, rng) for b in rng.sample(bench, min(len(bench), max(1, n_bench // 2)))]
    norm = lambda t: " ".join(t.lower().split())  # noqa: E731
    exact = {norm(b) for b in bench}
    idx = BenchmarkNgrams(8)
    for b in bench:
        idx.add(b)
    grams = {}  # every benchmark 8-gram, for the any-overlap rule
    for b in bench:
        grams.update(dict.fromkeys(idx.grams(b)))
    rules = {"exact text": lambda t: norm(t) in exact,
             "any shared 8-gram": lambda t: any(x in grams for x in idx.grams(t)),
             "hardgen containment>=0.5": lambda t: idx.overlap(t) >= 0.5}
    kinds = sorted({k for _, k in leaked})
    print(f"\ndecontamination: {len(bench)} benchmark problems, {len(pool)} clean problems, {len(leaked)} leaked "
          f"copies ({', '.join(f'{k} {sum(1 for _, x in leaked if x == k)}' for k in kinds)})")
    print(f"{'rule':<26}{'caught':>8}" + "".join(f"{k:>12}" for k in kinds) + f"{'false pos':>11}{'FP rate':>9}")
    for name, rule in rules.items():
        caught = [rule(t) for t, _ in leaked]
        by = [sum(c for c, (_, k) in zip(caught, leaked) if k == kind) for kind in kinds]
        fp = sum(rule(t) for t in pool)
        print(f"{name:<26}{sum(caught):>8}" + "".join(f"{b:>12}" for b in by) + f"{fp:>11}{fp / len(pool):>9.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", type=int, default=150)
    ap.add_argument("--pool", type=int, default=1500)
    ap.add_argument("--skip-references", action="store_true", help="only the decontamination part")
    args = ap.parse_args()
    score_math("\\boxed{\\sqrt{8}}", {"kind": "math"}, "2\\sqrt{2}")  # start the proof worker outside the timing
    if not args.skip_references:
        part_references()
    part_contamination(args.bench, args.pool)


if __name__ == "__main__":
    main()
