"""What difficulty selection adds, at equal budget: SFT on problems hardgen graded and kept in the hard-but-solvable
window against SFT on the same number of template problems drawn without selection, over three seeds.

Per seed:
1. A pool of `math.arithmetic` sums of 2, 3 and 4 one-digit terms, split by operand multiset (`tiny_demo.held_out_split`: no test problem is a reordered
   training problem, no near-duplicate crosses the split).
2. A random tiny Qwen2 warmed up by SFT on verified traces of a small random part of the training pool: the
   student whose difficulty is graded.
3. `grade`: the warmed-up student's pass rate on every other training problem (k rollouts at temperature 1), then
   the hard-but-solvable window (0, 0.75]: `selected` is the problems in it, `random` is as many problems drawn
   from the same rows without looking at the grades.
4. The noisy reference teacher's verified traces on each set, cut to the same number of traces; the same random
   student is trained from scratch, with the same settings, on the warm-up traces plus each arm's traces (so the
   arms differ only in which problems the extra teacher budget went to); greedy pass@1 on the held-out test
   split (all three sizes).

    python bench/bench_selection.py [--seeds 0 1 2] [--out runs/selection]
    python bench/bench_selection.py --summarize --out runs/selection
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

#: the pool: three problem sizes a tiny model learns to different degrees, and the share of the pool each gets
#: (two one-digit terms hold only 100 distinct problems)
SIZES = [{"digits": 1, "terms": 2, "ops": "+", "mul_digits": 1},
         {"digits": 1, "terms": 3, "ops": "+", "mul_digits": 1},
         {"digits": 1, "terms": 4, "ops": "+", "mul_digits": 1}]
SHARES = [0.25, 1.0, 1.0]
WINDOW = (0.0, 0.75)  # open below, closed above: solved sometimes, not mostly


def write_rows(path: Path, rows: list[dict]) -> str:
    from hardgen.core.store import DatasetWriter

    w = DatasetWriter(path, stage="subset", params={"rows": len(rows)}, overwrite=True)
    w.write_shard("part-00000", rows)
    w.finish({"rows": len(rows)})
    return str(path)


def traces_for(rows: list[dict], out: Path, seed: int) -> Path:
    from hardgen.stages.traces import make_traces

    make_traces(write_rows(out / "problems", rows), "ref:noise=0.3", str(out / "traces"), k=2, mode="fixed",
                seed=seed, overwrite=True)
    return out / "traces"


def combined(warm: Path, traces: Path, n: int, out: Path) -> Path:
    """The warm-up traces plus `n` of the arm's traces (a fixed shuffle), as one trace file."""
    from hardgen.core.store import read_records, write_jsonl

    rows = read_records(traces)
    random.Random(0).shuffle(rows)
    write_jsonl(out, read_records(warm) + rows[:n])
    return out


def run_seed(out: Path, seed: int, per_size: int, warm_n: int, k: int, epochs: float) -> dict:
    import torch

    from hardgen.core.store import read_records
    from hardgen.difficulty.grade import rollouts_for
    from hardgen.distill.sft import train_sft
    from hardgen.models.base import get_solver
    from hardgen.models.tiny import build_tiny_model
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.tiny_demo import greedy, held_out_split, heldout_overlap, tokenizer_corpus
    from bench_proof import score

    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    generate_dataset([{"family": "math.arithmetic", "knobs": kn, "n": int(per_size * sh)}
                      for kn, sh in zip(SIZES, SHARES)], n=per_size,
                     out=str(out / "pool"), seed=seed, workers=1, test_fraction=0.2, overwrite=True)
    split = held_out_split(out / "pool", out / "data", test_fraction=0.2, seed=seed)
    ov = heldout_overlap(out / "data")
    rows = read_records(out / "data")
    train = [r for r in rows if r["split"] == "train"]
    rng = random.Random(seed)
    rng.shuffle(train)
    warm_rows, rest = train[:warm_n], train[warm_n:]

    student = build_tiny_model(out / "student", corpus=tokenizer_corpus(), vocab_size=320, hidden=128, layers=2,
                               heads=4, kv_heads=2, max_positions=128, seed=seed, overwrite=True)
    train_sft(str(traces_for(warm_rows, out / "warm", seed)), str(student), str(out / "warm" / "sft"),
              epochs=epochs, lr=2e-3, batch_size=16, seed=seed, save_steps=10_000, logging_steps=50, resume=False)
    warm = out / "warm" / "sft"

    solver = get_solver(f"hf:{warm}?temperature=1.0&max_new_tokens=40&device=cpu&batch_size=128")
    results, _ = rollouts_for(solver, rest, k, seed, "selection")
    rates = [sum(x["correct"] is True for x in res) / k for res in results]
    selected = [r for r, p in zip(rest, rates) if WINDOW[0] < p <= WINDOW[1]]
    random_rows = rng.sample(rest, len(selected))

    arms = {}
    for name, subset in (("selected", selected), ("random", random_rows)):
        arms[name] = traces_for(subset, out / name, seed)
    n_traces = min(len(read_records(p)) for p in arms.values())
    res = {"seed": seed, "split": split, "overlap": {k_: v for k_, v in ov.items() if k_ != "clean"},
           "graded": len(rest), "selected": len(selected), "traces_each": n_traces,
           "rate_hist": {f"{b / k:.2f}": sum(1 for p in rates if p == b / k) for b in range(k + 1)},
           "sizes_selected": [sum(all(r["source"]["knobs"].get(key) == v for key, v in kn.items())
                                  for r in selected) for kn in SIZES],
           "test": {"warm": score(str(out / "data"), warm, seed)}}
    for name, traces in arms.items():  # the same random student, trained on warm-up + arm traces from scratch
        model = out / name / "sft"
        train_sft(str(combined(out / "warm" / "traces", traces, n_traces, out / name / "train.jsonl")), str(student),
                  str(model), epochs=epochs, lr=2e-3, batch_size=16, seed=seed, save_steps=10_000, logging_steps=50,
                  resume=False)
        res["test"][name] = score(str(out / "data"), model, seed)
    (out / "selection.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="runs/selection")
    ap.add_argument("--per-size", type=int, default=400, help="problems per size in the pool (the smallest gets a quarter)")
    ap.add_argument("--warm", type=int, default=300, help="training problems the warm-up SFT sees")
    ap.add_argument("--k", type=int, default=4, help="rollouts per problem when grading")
    ap.add_argument("--epochs", type=float, default=16.0)
    ap.add_argument("--summarize", action="store_true")
    a = ap.parse_args()
    seeds = a.seeds
    if a.summarize:
        seeds = sorted(int(p.parent.name.split("-")[1]) for p in Path(a.out).glob("seed-*/selection.json"))
    print(f"{'seed':>4} {'train':>6} {'test':>5} {'graded':>7} {'in window':>10} {'traces each':>12}   "
          f"{'warm-up':>8} {'selected':>9} {'random':>7}", flush=True)
    runs = []
    for s in seeds:
        d = Path(a.out) / f"seed-{s}"
        r = (json.loads((d / "selection.json").read_text()) if a.summarize
             else run_seed(d, s, a.per_size, a.warm, a.k, a.epochs))
        runs.append(r)
        t = r["test"]
        print(f"{s:>4} {r['split']['train']:>6} {r['split']['test']:>5} {r['graded']:>7} {r['selected']:>10} "
              f"{r['traces_each']:>12}   {t['warm']:>8.3f} {t['selected']:>9.3f} {t['random']:>7.3f}", flush=True)
    if len(runs) > 1:
        for m in ("warm", "selected", "random"):
            v = [r["test"][m] for r in runs]
            print(f"{m:>9} mean {statistics.mean(v):.3f}  sd {statistics.stdev(v):.3f}")
        d = [r["test"]["selected"] - r["test"]["random"] for r in runs]
        print(f"selected - random, per seed: {' '.join(f'{x:+.3f}' for x in d)}; mean {statistics.mean(d):+.3f}  "
              f"sd {statistics.stdev(d):.3f}")


if __name__ == "__main__":
    main()
