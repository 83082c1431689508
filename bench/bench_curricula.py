"""Curricula for GRPO on the same budget: held-out pass@1 of a tiny student after SFT + GRPO, per curriculum.

One SFT student is trained on teacher traces of math.arithmetic sums in three difficulty bins (2, 3 and 4
single-digit terms); then each curriculum (and the no-curriculum baseline, TRL's uniform order) runs GRPO from
that same student with the same steps, prompts per step, generations and seed. Every model is scored greedily
on the held-out test split. Ratios are against the baseline in the same run.

    python bench/bench_curricula.py [--steps 80] [--out /tmp/bench_curricula]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

BINS = {"easy": 2, "medium": 3, "hard": 4}  # level -> number of single-digit terms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/bench_curricula")
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--sft-epochs", type=float, default=12.0)
    ap.add_argument("--curricula", default="none,static,gated,sec,dump,balanced")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    import torch

    from hardgen.distill.evaluate import evaluate
    from hardgen.distill.grpo import train_grpo
    from hardgen.distill.sft import train_sft
    from hardgen.stages.tiny_demo import greedy, tokenizer_corpus
    from hardgen.stages.traces import make_traces
    from hardgen.stages.generate import generate_dataset
    from hardgen.models.tiny import build_tiny_model

    torch.set_num_threads(1)
    out = Path(a.out)
    t0 = time.time()
    entries = [{"family": "math.arithmetic", "level": lvl, "n": 40 if terms == 2 else 200,
                "knobs": {"digits": 1, "terms": terms, "ops": "+", "mul_digits": 1}} for lvl, terms in BINS.items()]
    generate_dataset(entries, n=200, out=str(out / "data"), seed=a.seed, workers=1, test_fraction=0.2,
                     overwrite=True)
    student = build_tiny_model(out / "student", corpus=tokenizer_corpus(), vocab_size=320, hidden=128, layers=2,
                               heads=4, kv_heads=2, max_positions=128, seed=a.seed, overwrite=True)
    make_traces(str(out / "data"), "ref:noise=0.3", str(out / "traces"), k=2, seed=a.seed, overwrite=True)
    train_sft(str(out / "traces"), str(student), str(out / "sft"), epochs=a.sft_epochs, lr=2e-3, batch_size=16,
              seed=a.seed, save_steps=10_000, resume=False)
    setup_s = time.time() - t0

    def score(model: Path) -> dict:
        rep = evaluate(str(out / "data"), greedy(model), k=1, split="test", seed=a.seed, quiet=True)
        res = rep["solvers"][greedy(model)]
        return {"all": res["overall"]["pass@1"], **{b: res["by_difficulty"][b]["pass@1"] for b in BINS}}

    rows = {"sft (start)": {**score(out / "sft"), "seconds": 0.0}}
    for name in a.curricula.split(","):
        t = time.time()
        res = train_grpo(str(out / "data"), str(out / "sft"), str(out / f"grpo_{name}"), curriculum=name,
                         max_steps=a.steps, lr=1e-4, num_generations=4, prompts_per_step=8,
                         max_completion_length=48, seed=a.seed, save_steps=10_000, resume=False)
        rows[name] = {**score(out / f"grpo_{name}"), "seconds": round(time.time() - t, 1)}
        last = [json.loads(x) for x in Path(res["curriculum_log"]).read_text().splitlines()][-1]
        rows[name]["final_state"] = {k: v for k, v in last.items() if k in ("level", "values", "probabilities", "ucb",
                                                                          "competence", "active_share")}
    base = rows.get("none", {}).get("all")
    print(f"setup (data, tiny model, traces, SFT): {setup_s:.1f} s; GRPO {a.steps} steps x 8 prompts x 4 "
          "generations per curriculum; test pass@1 (greedy)")
    head = f"{'curriculum':<13}{'all':>8}" + "".join(f"{b:>8}" for b in BINS) + f"{'vs none':>9}{'GRPO s':>8}"
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        ratio = f"{r['all'] / base:.2f}x" if base else "-"
        print(f"{name:<13}{r['all']:>8.3f}" + "".join(f"{r[b]:>8.3f}" for b in BINS) + f"{ratio:>9}{r['seconds']:>8}")
    for name, r in rows.items():
        if "final_state" in r and r["final_state"]:
            print(f"  {name} final state: {json.dumps(r['final_state'])}")
    (out / "bench.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
