"""The trained LLM problem generator against its peer, the programmatic writer of the same grammar (llm.cnf).

A tiny Qwen2 is built on the grammar's text, SFT-trained on the hardest half of a graded llm.cnf seed set, then
given rounds of rejection fine-tuning. Per round it prints the three generator figures: validity rate (parses and
proved satisfiable), novelty (share of well-formed outputs that are not near-duplicates, clause-set Jaccard >= 0.8,
of any text trained on), and the mean pass rate of the reference solver (WalkSAT with a 2-flip budget, 16
rollouts). The peer is the template family drawing uniform random formulas over the seed set's clause range and
over its hard half; the ratio column is the generator's mean pass rate over the peer's (lower = harder).
Optionally GRPO (`--grpo-steps N`) from the SFT model with reward = validity x hardness - near-duplicate penalty.

    python bench/bench_generator.py [--rounds 3] [--samples 256] [--seed-rows 300] [--grpo-steps 0]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REFERENCE = "sat:walksat@2"


def peer_pass_rate(n: int, knobs: dict, seed: int, k: int) -> tuple[float, float]:
    """Mean reference pass rate of `n` template problems and their rows per second (generation only)."""
    from hardgen.difficulty.grade import grade_rows
    from hardgen.generators.item import generate_one
    from hardgen.models.base import get_solver

    t = time.perf_counter()
    rows = [generate_one("llm.cnf", None, knobs, seed, i) for i in range(n)]
    rate = n / (time.perf_counter() - t)
    with get_solver(REFERENCE) as s:
        graded, _ = grade_rows(rows, [s], k, seed, "peer", None)
    return sum(r["difficulty"]["grades"][REFERENCE]["pass_rate"] for r in graded) / n, rate


def main() -> None:
    import torch

    from hardgen.llmgen.train import formal_seed_set, generator_corpus, train_generator
    from hardgen.models.tiny import build_tiny_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=256, help="problems sampled per round")
    ap.add_argument("--seed-rows", type=int, default=300)
    ap.add_argument("--grpo-steps", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    k = 16
    with tempfile.TemporaryDirectory() as work:
        t0 = time.perf_counter()
        graded = formal_seed_set(f"{work}/seed", n=args.seed_rows, seed=1, reference_solver=REFERENCE, k=8)
        tiny = build_tiny_model(f"{work}/tiny", vocab_size=320, hidden=64, layers=2, heads=4, kv_heads=2,
                                max_positions=512, corpus=generator_corpus(graded), seed=0)
        t1 = time.perf_counter()
        s = train_generator(graded, str(tiny), f"{work}/rft", method="rft", rounds=args.rounds, k=k,
                            samples_per_round=args.samples, reference_solver=REFERENCE, seed=0)
        t2 = time.perf_counter()
        peer_all, peer_rate = peer_pass_rate(args.samples, {}, 7, k)
        peer_hard, _ = peer_pass_rate(args.samples, {"min_clauses": 13}, 7, k)
        print(f"seed set {args.seed_rows} rows, hard half mean pass {s['hard_mean_pass_rate']:.3f}; "
              f"setup {t1 - t0:.1f}s, SFT + {args.rounds} RFT rounds {t2 - t1:.1f}s")
        print(f"peer (template, same grammar): all clauses mean pass {peer_all:.3f}, 13+ clauses {peer_hard:.3f}, "
              f"{peer_rate:.0f} problems/s")
        print(f"{'round':>5}{'validity':>10}{'novelty':>9}{'pass rate':>11}{'clauses':>9}{'/peer all':>11}"
              f"{'/peer hard':>12}")
        for r in s["rounds"]:
            p = r["mean_pass_rate"]
            print(f"{r['round']:>5}{r['validity_rate']:>10.3f}{r['novelty']:>9.3f}{p:>11.3f}{r['mean_clauses']:>9}"
                  f"{p / peer_all:>11.3f}{p / peer_hard:>12.3f}")
        if args.grpo_steps:
            g = train_generator(graded, f"{work}/rft/rounds/round-0", f"{work}/grpo", method="grpo", epochs=0,
                                grpo_steps=args.grpo_steps, num_generations=8, samples_per_round=args.samples,
                                reference_solver=REFERENCE, k=k)
            for r in g["rounds"]:
                print(f"grpo {r['round']:>2}{r['validity_rate']:>10.3f}{r['novelty']:>9.3f}"
                      f"{r['mean_pass_rate']:>11.3f}{r['mean_clauses']:>9}")
            rewards = [h["reward"] for h in g["rounds"][-1]["history"]]
            if rewards:
                half = max(1, len(rewards) // 2)
                print(f"grpo mean reward first half {sum(rewards[:half]) / half:.3f}, "
                      f"second half {sum(rewards[half:]) / max(1, len(rewards) - half):.3f}")


if __name__ == "__main__":
    main()
