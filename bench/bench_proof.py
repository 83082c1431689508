"""The distillation proof against an equal-budget baseline, over three seeds: what does verification add?

Per seed, the tiny demo's setup (`hardgen.stages.tiny_demo.prepare_student`: 360 `math.arithmetic` problems split
by operand multiset, so no test sum is a training sum reordered and no test row is a near-duplicate of a training
row; a random tiny Qwen2; the noisy reference teacher `ref:noise=0.3` with 2 samples per training problem,
verified traces only, 16 SFT epochs) against the same student fine-tuned the same way on the *same number* of the
teacher's traces taken without verification (the first samples in sampling order, right or wrong). All are scored
greedily on the held-out test split.

    python bench/bench_proof.py [--seeds 0 1 2] [--out runs/proof]
    python bench/bench_proof.py --overlap-only     # how held-out the demo's test split is, per seed (seconds)
    python bench/bench_proof.py --summarize        # the table and mean / sd from OUT/seed-*/proof.json
                                                   # (seeds may run as separate processes with the same --out)

This setup has no difficulty selection (one knob setting, every problem kept); the equal-budget baseline for
selection (window-selected vs randomly drawn problems) is `bench/bench_selection.py`.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def unverified_traces(data: Path, n_traces: int, out: Path, seed: int) -> int:
    """The teacher's first `n_traces` samples on the training problems, right or wrong, as a trace file."""
    from hardgen.difficulty.grade import rollouts_for
    from hardgen.models.base import get_solver
    from hardgen.core.store import read_records, write_jsonl

    train = [r for r in read_records(data) if r["split"] == "train"]
    solver = get_solver("ref:noise=0.3")
    results, _ = rollouts_for(solver, train, 2, seed, "unverified")
    rows = []
    for j in range(2):  # sample 0 of every problem first, then sample 1: spread over problems like the kept set
        for rec, res in zip(train, results):
            if len(rows) < n_traces:
                rows.append({**rec, "messages": [{"role": "user", "content": rec["prompt"]},
                                                 {"role": "assistant", "content": res[j]["response"]}],
                             "completion": res[j]["response"], "correct": res[j]["correct"]})
    write_jsonl(out, rows)
    return sum(r["correct"] is True for r in rows)


def score(data: str, model: Path, seed: int) -> float:
    from hardgen.distill.evaluate import evaluate
    from hardgen.stages.tiny_demo import greedy

    rep = evaluate(data, greedy(model), k=1, split="test", seed=seed, quiet=True)
    return rep["solvers"][greedy(model)]["overall"]["pass@1"]


def run_seed(out: Path, seed: int) -> dict:
    import torch

    from hardgen.distill.sft import train_sft
    from hardgen.stages.tiny_demo import heldout_overlap, prepare_student
    torch.set_num_threads(1)
    data, student, sft = prepare_student(out, seed=seed)
    n = sft["traces"]
    right = unverified_traces(data, n, out / "unverified.jsonl", seed)
    train_sft(str(out / "unverified.jsonl"), str(student), str(out / "sft_unverified"), epochs=16.0, lr=2e-3,
              batch_size=16, seed=seed, save_steps=10_000, logging_steps=50, resume=False)
    ov = heldout_overlap(data)
    ov.pop("clean")
    res = {"seed": seed, "traces": n, "unverified_correct": right, "overlap": ov}
    for name, model in (("before", student), ("verified", out / "sft"), ("unverified", out / "sft_unverified")):
        res[name] = {"test": score(str(data), model, seed)}
    (out / "proof.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def overlap_only(out: Path, seeds: list[int]) -> None:
    """The demo's problems per seed and how many test rows repeat training ones; no training."""
    from hardgen.stages.tiny_demo import KNOBS, held_out_split, heldout_overlap
    from hardgen.stages.generate import generate_dataset

    print(f"{'seed':>4} {'train':>6} {'test':>5} {'same operands':>14} {'near-duplicates':>16} "
          f"{'answer seen in train':>21} {'distinct train answers':>23}")
    for s in seeds:
        pool, data = out / f"seed-{s}" / "pool", out / f"seed-{s}" / "data"
        generate_dataset([{"family": "math.arithmetic", "knobs": KNOBS}], n=360, out=str(pool), seed=s, workers=1,
                         test_fraction=0.2, overwrite=True)  # exactly what prepare_student does
        counts = held_out_split(pool, data, test_fraction=0.2, seed=s)
        ov = heldout_overlap(data)
        print(f"{s:>4} {counts['train']:>6} {ov['test']:>5} {ov['same_operands']:>14} {ov['near_duplicates']:>16} "
              f"{ov['answer_seen_in_train']:>21} {ov['distinct_train_answers']:>23}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="runs/proof")
    ap.add_argument("--overlap-only", action="store_true", help="only measure the test split's overlap")
    ap.add_argument("--summarize", action="store_true", help="print the table from finished seeds' proof.json")
    a = ap.parse_args()
    if a.overlap_only:
        return overlap_only(Path(a.out), a.seeds)
    print(f"{'seed':>4} {'traces':>7} {'unverified right':>17} {'test':>5} {'same operands':>14}   "
          f"{'before':>7} {'verified':>9} {'unverified':>11}", flush=True)
    runs = []
    seeds = a.seeds
    if a.summarize:
        seeds = sorted(int(p.parent.name.split("-")[1]) for p in Path(a.out).glob("seed-*/proof.json"))
    for s in seeds:
        if a.summarize:
            r = json.loads((Path(a.out) / f"seed-{s}" / "proof.json").read_text())
        else:
            r = run_seed(Path(a.out) / f"seed-{s}", s)
        runs.append(r)
        print(f"{s:>4} {r['traces']:>7} {r['unverified_correct']:>17} {r['overlap']['test']:>5} "
              f"{r['overlap']['same_operands']:>14}   {r['before']['test']:>7.3f} {r['verified']['test']:>9.3f} "
              f"{r['unverified']['test']:>11.3f}", flush=True)
    if len(runs) > 1:
        for m in ("before", "verified", "unverified"):
            v = [r[m]["test"] for r in runs]
            print(f"{m:>10} mean {statistics.mean(v):.3f}  sd {statistics.stdev(v):.3f}  "
                  f"(min {min(v):.3f}, max {max(v):.3f})")
        diff = [r["verified"]["test"] - r["unverified"]["test"] for r in runs]
        print(f"verified - unverified, per seed: {' '.join(f'{d:+.3f}' for d in diff)}; mean {statistics.mean(diff):+.3f}"
              f"  sd {statistics.stdev(diff):.3f}")


if __name__ == "__main__":
    main()
