"""The distillation proof against an equal-budget baseline, over three seeds: what does verification add?

Per seed, the tiny demo's setup (`hardgen.stages.tiny_demo.prepare_student`: 360 `math.arithmetic` problems, a
random tiny Qwen2, the noisy reference teacher `ref:noise=0.3` with 2 samples per training problem, verified
traces only, 16 SFT epochs) against the same student fine-tuned the same way on the *same number* of the
teacher's traces taken without verification (the first samples in sampling order, right or wrong). Both are
scored greedily on the test split, and on its clean part: test rows that are neither a reordering of a training
problem (same operands, hence same answer) nor matched by hardgen's near-duplicate filter.

    python bench/bench_proof.py [--seeds 0 1 2] [--out runs/proof]
    python bench/bench_proof.py --overlap-only     # how held-out the demo's test split is, per seed (seconds)
    python bench/bench_proof.py --summarize        # the table and mean / sd from OUT/seed-*/proof.json
                                                   # (seeds may run as separate processes with the same --out)

This setup has no difficulty selection (one knob setting, every problem kept), so "template problems without
difficulty selection" is the same data here; that baseline needs a family where selection changes the set.
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
    from hardgen.core.store import read_records, write_jsonl

    torch.set_num_threads(1)
    data, student, sft = prepare_student(out, seed=seed)
    n = sft["traces"]
    right = unverified_traces(data, n, out / "unverified.jsonl", seed)
    train_sft(str(out / "unverified.jsonl"), str(student), str(out / "sft_unverified"), epochs=16.0, lr=2e-3,
              batch_size=16, seed=seed, save_steps=10_000, logging_steps=50, resume=False)
    ov = heldout_overlap(data)
    clean = set(ov.pop("clean"))
    write_jsonl(out / "test_clean.jsonl", [r for r in read_records(data) if r["id"] in clean])
    res = {"seed": seed, "traces": n, "unverified_correct": right, "overlap": ov, "clean_test": len(clean)}
    for name, model in (("before", student), ("verified", out / "sft"), ("unverified", out / "sft_unverified")):
        res[name] = {"test": score(str(data), model, seed), "clean": score(str(out / "test_clean.jsonl"), model, seed)}
    (out / "proof.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def overlap_only(out: Path, seeds: list[int]) -> None:
    """The demo's problems per seed and how many test rows repeat training ones; no training."""
    from hardgen.stages.tiny_demo import KNOBS, heldout_overlap
    from hardgen.stages.generate import generate_dataset

    print(f"{'seed':>4} {'test':>5} {'same operands':>14} {'near-duplicates':>16} {'answer seen in train':>21} "
          f"{'distinct train answers':>23} {'clean':>6}")
    for s in seeds:
        data = out / f"seed-{s}" / "data"
        generate_dataset([{"family": "math.arithmetic", "knobs": KNOBS}], n=360, out=str(data), seed=s, workers=1,
                         test_fraction=0.2, overwrite=True)  # exactly what prepare_student generates
        ov = heldout_overlap(data)
        print(f"{s:>4} {ov['test']:>5} {ov['same_operands']:>14} {ov['near_duplicates']:>16} "
              f"{ov['answer_seen_in_train']:>21} {ov['distinct_train_answers']:>23} {len(ov['clean']):>6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="runs/proof")
    ap.add_argument("--overlap-only", action="store_true", help="only measure the test split's overlap")
    ap.add_argument("--summarize", action="store_true", help="print the table from finished seeds' proof.json")
    a = ap.parse_args()
    if a.overlap_only:
        return overlap_only(Path(a.out), a.seeds)
    print(f"{'seed':>4} {'traces':>7} {'unverified right':>17} {'test':>5} {'clean':>6}   "
          f"{'before test/clean':>18} {'verified test/clean':>20} {'unverified test/clean':>22}", flush=True)
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
        cells = "".join(f"{r[m]['test']:>11.3f}/{r[m]['clean']:<.3f}" for m in ("before", "verified", "unverified"))
        print(f"{s:>4} {r['traces']:>7} {r['unverified_correct']:>17} {r['overlap']['test']:>5} {r['clean_test']:>6}"
              f"   {cells}", flush=True)
    if len(runs) > 1:
        for m in ("before", "verified", "unverified"):
            for part in ("test", "clean"):
                v = [r[m][part] for r in runs]
                print(f"{m:>10} {part:<5} mean {statistics.mean(v):.3f}  sd {statistics.stdev(v):.3f}  "
                      f"(min {min(v):.3f}, max {max(v):.3f})")


if __name__ == "__main__":
    main()
