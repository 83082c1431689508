"""The end-to-end proof on a CPU: a tiny student learns math.arithmetic by SFT on teacher traces, then GRPO.

Three-term single-digit sums ("Compute 3 + 8 + 5."): the ref teacher writes worked solutions
("3 + 8 + 5 = 11 + 5 = 16"), a third of them corrupted so rejection sampling has work to do; a randomly
initialised tiny Qwen2 is fine-tuned on the verified traces, then trained with GRPO on the train split, and
every stage is scored greedily on the test split.

The test split is held out by operand multiset (`held_out_split`): every reordering of a sum falls in the same
split, so no test problem is a training problem with its terms swapped, and test rows that hardgen's
near-duplicate filter matches to a training row are dropped as well (`heldout_overlap` measures both, and must
find none). Answers are sums from 0 to 27, so test answers do occur among training answers: the task is to add
new operand combinations, not to produce unseen numbers (`answer_seen_in_train` counts it).

    python -m hardgen.stages.tiny_demo runs/demo      # about two minutes on two CPU cores

Reports: `OUT/demo.json` (test pass@1 before / after SFT / after GRPO), `OUT/eval_*/eval.{json,png}`,
`OUT/eval_compare` (after GRPO vs before, side by side).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

#: the problems: 3 single-digit terms, + only (1000 distinct problems; 360 drawn, a fifth held out)
KNOBS = {"digits": 1, "terms": 3, "ops": "+", "mul_digits": 1}


def tokenizer_corpus() -> list[str]:
    """Prompts and worked solutions of every arithmetic level: what the tiny tokenizer is fitted on."""
    from hardgen.generators.base import get_family
    from hardgen.generators.item import generate_one

    fam_cls = get_family("math.arithmetic")
    fam = fam_cls()
    texts = []
    for level in ("easy", "medium", "hard"):
        for i in range(60):
            rec = generate_one("math.arithmetic", level, fam_cls.levels[level], 0, i)
            texts += [rec["prompt"], fam.explain(rec)]
    return texts


def heldout_overlap(data: str | Path | list[dict], threshold: float = 0.8) -> dict[str, Any]:
    """How close the test split is to training: test rows whose operand multiset equals a training row's (a
    reordering: same sum), whose answer occurs among training answers, or that hardgen's near-duplicate filter
    (MinHash over the prompt minus the template's wording, as `gen select` uses it) matches to a training row.
    `clean` lists the test ids with neither an equal operand multiset nor a near-duplicate."""
    from hardgen.core.dedup import NearDuplicateIndex, boilerplate_shingles
    from hardgen.core.store import read_records

    rows = data if isinstance(data, list) else read_records(data)
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    boiler = boilerplate_shingles(r["prompt"] for r in rows)
    idx = NearDuplicateIndex(threshold)
    for r in train:
        idx.add_signature(r["id"], idx.hasher.signature(r["prompt"], boiler))

    def operands(r: dict) -> tuple:
        return tuple(sorted(r["check"]["params"]["values"])), tuple(sorted(r["check"]["params"]["ops"]))

    train_ops, train_answers = {operands(r) for r in train}, {r["answer"] for r in train}
    same_ops = {r["id"] for r in test if operands(r) in train_ops}
    near = {r["id"] for r in test if idx.query_signature(idx.hasher.signature(r["prompt"], boiler))}
    return {"test": len(test), "same_operands": len(same_ops), "near_duplicates": len(near),
            "answer_seen_in_train": sum(r["answer"] in train_answers for r in test),
            "distinct_train_answers": len(train_answers),
            "clean": [r["id"] for r in test if r["id"] not in same_ops | near]}


def operand_key(rec: dict) -> str:
    """The problem up to reordering: the sorted operands and operators (a sum's terms in any order)."""
    p = rec["check"]["params"]
    return json.dumps([sorted(p["values"]), sorted(p["ops"])])


def held_out_split(pool: str | Path, out: str | Path, test_fraction: float = 0.2, seed: int = 0) -> dict[str, Any]:
    """Write `pool`'s problems to `out` with the split decided by operand multiset instead of by problem id, then
    drop the test rows that hardgen's near-duplicate filter still matches to a training row. Returns the counts."""
    from hardgen.core.records import split_of
    from hardgen.core.store import DatasetWriter, read_records

    rows = read_records(pool)
    for r in rows:
        r["split"] = split_of(f"{seed}:{operand_key(r)}", test_fraction)
    clean = set(heldout_overlap(rows)["clean"])
    kept = [r for r in rows if r["split"] == "train" or r["id"] in clean]
    dropped, rows = len(rows) - len(kept), kept
    w = DatasetWriter(out, stage="held_out_split", params={"pool": str(pool), "test_fraction": test_fraction,
                                                           "seed": seed}, overwrite=True)
    w.write_shard("part-00000", rows)
    counts = {"rows": len(rows), "train": sum(r["split"] == "train" for r in rows),
              "test": sum(r["split"] == "test" for r in rows), "near_duplicates_dropped": dropped}
    w.finish(counts)
    return counts


def greedy(model_dir: str | Path, max_new_tokens: int = 40) -> str:
    return f"hf:{model_dir}?temperature=0&max_new_tokens={max_new_tokens}&device=cpu&batch_size=32"


def prepare_student(out: str | Path, *, n: int = 360, seed: int = 0, hidden: int = 128, sft_epochs: float = 16.0,
                    sft_lr: float = 2e-3, split_by: str = "operands") -> tuple[Path, Path, dict[str, Any]]:
    """Problems (`OUT/data`), a random tiny student (`OUT/student`) and its SFT on verified traces (`OUT/sft`).

    `split_by`: "operands" holds the test split out by operand multiset (`held_out_split`); "id" keeps the
    generator's own split by problem id (for benches that grade every problem and never score the test split).

    Returns (data dir, untrained student dir, SFT summary with `seconds` per step and the trace counts).
    """
    from hardgen.distill.sft import train_sft
    from hardgen.stages.traces import make_traces
    from hardgen.stages.generate import generate_dataset
    from hardgen.models.tiny import build_tiny_model

    out = Path(out)
    t0 = time.time()
    data = out / "data"
    if split_by not in ("operands", "id"):
        raise ValueError(f"split_by must be 'operands' or 'id', not {split_by!r}")
    generate_dataset([{"family": "math.arithmetic", "knobs": KNOBS}], n=n,
                     out=str(out / "pool" if split_by == "operands" else data), seed=seed, workers=1,
                     test_fraction=0.2, overwrite=True)
    if split_by == "operands":
        held_out_split(out / "pool", data, test_fraction=0.2, seed=seed)
    student = build_tiny_model(out / "student", corpus=tokenizer_corpus(), vocab_size=320, hidden=hidden,
                               layers=2, heads=4, kv_heads=2, max_positions=128, seed=seed, overwrite=True)
    t1 = time.time()
    traces = make_traces(str(data), "ref:noise=0.3", str(out / "traces"), k=2, mode="fixed", seed=seed,
                         overwrite=True)
    t2 = time.time()
    sft = train_sft(str(out / "traces"), str(student), str(out / "sft"), epochs=sft_epochs, lr=sft_lr,
                    batch_size=16, seed=seed, save_steps=10_000, logging_steps=50, resume=False)
    sft["seconds"] = {"setup": round(t1 - t0, 2), "traces": round(t2 - t1, 2), "sft": round(time.time() - t2, 2)}
    sft["traces"], sft["rollouts"] = traces["traces"], traces["rollouts"]
    return data, Path(student), sft


def run_tiny_demo(out: str | Path, *, n: int = 360, seed: int = 0, hidden: int = 128, sft_epochs: float = 16.0,
                  sft_lr: float = 2e-3, grpo_steps: int = 40, grpo_lr: float = 5e-5, curriculum: str = "none",
                  num_generations: int = 4, prompts_per_step: int = 8, threads: int | None = 1,
                  quiet: bool = True) -> dict[str, Any]:
    """Generate, trace, SFT, GRPO and evaluate; returns test pass@1 before, after SFT and after GRPO."""
    import torch

    from hardgen.distill.evaluate import evaluate
    from hardgen.distill.grpo import train_grpo

    if threads is not None:
        torch.set_num_threads(threads)  # tiny models: extra intra-op threads only contend on a small machine
    out = Path(out)
    t0 = time.time()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.time() - t0 - sum(timings.values()), 2)

    data, student, sft = prepare_student(out, n=n, seed=seed, hidden=hidden, sft_epochs=sft_epochs, sft_lr=sft_lr)
    timings.update(sft.pop("seconds"))
    grpo = train_grpo(str(data), str(out / "sft"), str(out / "grpo"), curriculum=curriculum, max_steps=grpo_steps,
                      lr=grpo_lr, num_generations=num_generations, prompts_per_step=prompts_per_step,
                      max_completion_length=40, seed=seed, save_steps=10_000, resume=False)
    lap("grpo")
    # how held out the test split is, measured again on what was trained on (no reordering, no near-duplicate)
    overlap = heldout_overlap(data)
    overlap.pop("clean")
    scores = {}
    for name, model in (("before", student), ("sft", out / "sft"), ("grpo", out / "grpo")):
        rep = evaluate(str(data), greedy(model), k=1, split="test", seed=seed, quiet=True,
                       out=str(out / f"eval_{name}"))
        scores[name] = rep["solvers"][greedy(model)]["overall"]["pass@1"]
    # one side-by-side report (table, JSON, PNG) of the trained student against the untrained one
    evaluate(str(data), greedy(out / "grpo"), k=1, split="test", seed=seed, quiet=quiet, compare=greedy(student),
             out=str(out / "eval_compare"))
    lap("eval")
    result = {"test_pass@1": scores, "test_problems": rep["problems"], "overlap_with_train": overlap,
              "traces": sft["traces"],
              "rejected": sft["rollouts"] - sft["traces"], "sft_steps": sft["steps"],
              "grpo_steps": grpo["steps"], "curriculum": curriculum, "seconds": timings,
              "total_seconds": round(time.time() - t0, 1)}
    (out / "demo.json").write_text(json.dumps(result, indent=1) + "\n")
    if not quiet:
        print(json.dumps(result, indent=1))
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output directory (data, student, traces, sft, grpo, eval_*)")
    ap.add_argument("--curriculum", default="none")
    ap.add_argument("--grpo-steps", type=int, default=40)
    ap.add_argument("--sft-epochs", type=float, default=16.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    run_tiny_demo(a.out, curriculum=a.curriculum, grpo_steps=a.grpo_steps, sft_epochs=a.sft_epochs, seed=a.seed,
                  quiet=False)


if __name__ == "__main__":
    main()
