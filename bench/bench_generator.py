"""The conditioned trained problem generator against its peer, the template of the same grammar at its best level.

Per seed: a graded seed set of the grammar's template over all its levels; a tiny Qwen2 built on its text; SFT on
the hard part with each problem paired with its measured condition (pass-rate bin of the reference solver), then
RFT rounds (samples relabelled with the bin they measured in). Each round's model is asked for every requested
bin (same number of samples per bin) and measured: validity (parses and proved), novelty against the training
texts AND against the template's own output (clause/edge/equation-set Jaccard < 0.8), mean measured pass rate,
and the in-window yield (valid, novel problems whose measured pass rate is in the requested bin, per 1,000
samples). The peer: the template at each level with the same reference solver, rollouts and seeds; per bin the
level with the highest in-window yield is shown. Spearman: requested bin vs measured pass rate over the valid
samples. Mean and spread (min..max) over seeds.

`--constrain off,grammar,planted` (default) runs one arm per mode on the same seed sets, tiny models and peers:
the loop and its measurements sampled freely (off), under grammar-constrained decoding (grammar: the generator
can only write texts its grammar parses, of the size its condition asks for), or planted (also admitting a
random witness drawn per sample). The table printed after each seed is cumulative.

    python bench/bench_generator.py --family llm.color --seeds 3 --rounds 2 --constrain off,grammar,planted
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def template_rows(family: str, level: str, n: int, seed: int, reference: str, k: int) -> list[dict]:
    from hardgen.difficulty.grade import grade_rows
    from hardgen.generators.base import get_family
    from hardgen.generators.item import generate_one
    from hardgen.models.base import get_solver

    knobs = get_family(family).levels[level]
    rows = [generate_one(family, level, knobs, seed, i) for i in range(n)]
    with get_solver(reference) as s:
        graded, _ = grade_rows(rows, [s], k, seed, "peer", None)
    return graded


def template_yield(rows: list[dict], reference: str, target: float) -> float:
    from hardgen.llmgen.sample import in_window

    return 1000 * sum(in_window(r["difficulty"]["grades"][reference]["pass_rate"], target) for r in rows) / len(rows)


def run_seed(family: str, reference: str, seed: int, args, work: str) -> dict:
    from hardgen.stages.generator import formal_seed_set
    from hardgen.llmgen.train import generator_corpus
    from hardgen.generators.base import get_family
    from hardgen.models.tiny import build_tiny_model

    levels = list(get_family(family).levels)
    graded = formal_seed_set(f"{work}/seed", n=args.seed_rows, seed=100 + seed, reference_solver=reference, k=args.k,
                             family=family, levels=levels)
    tiny = build_tiny_model(f"{work}/tiny", vocab_size=320, hidden=64, layers=2, heads=4, kv_heads=2,
                            max_positions=512, corpus=generator_corpus(graded), seed=seed)
    # the template's own output (every level, this seed): the peer and the second novelty reference
    peer = {lv: template_rows(family, lv, args.peer_rows, 200 + seed, reference, args.k) for lv in levels}
    out = {"peer": {}, "arms": {}}
    for t in args.bins:
        best = max(levels, key=lambda lv: template_yield(peer[lv], reference, t))
        out["peer"][t] = (best, template_yield(peer[best], reference, t))
    for arm in args.arms:
        out["arms"][arm] = run_arm(family, reference, seed, args, work, graded, tiny, peer, arm)
    return out


def run_arm(family: str, reference: str, seed: int, args, work: str, graded: str, tiny, peer: dict,
            constrain: str) -> dict:
    """One training loop (SFT + RFT rounds) and each round's measurement under one constraint mode (off, grammar,
    planted; the loop's RFT sampling and the measurement alike)."""
    from hardgen.llmgen.train import bin_metrics, sample_and_assess, spearman, train_generator, _measured
    from hardgen.generators.grammars import GRAMMARS
    from hardgen.llmgen.sample import DedupReference, conditions_for, load_train_texts_full

    gen_dir = f"{work}/gen-{constrain}"
    t0 = time.perf_counter()
    s = train_generator(graded, str(tiny), gen_dir, method="rft", rounds=args.rounds, k=args.k,
                        samples_per_round=args.samples, reference_solver=reference, seed=seed,
                        hard_fraction=args.hard_fraction, epochs=args.epochs, constrain=constrain)
    train_texts = [r["text"] for r in load_train_texts_full(gen_dir)]
    tref = DedupReference(0.8)
    for lv, rows in peer.items():
        for i, r in enumerate(rows):
            tref.add(f"{lv}-{i}", family, GRAMMARS[family].text_of(r) or "", training=True)
    template_novel_vs_train = DedupReference(0.8)
    for i, t in enumerate(train_texts):
        template_novel_vs_train.add(f"t{i}", family, t, training=True)
    peer_rows = [r for rows in peer.values() for r in rows]
    peer_novelty = sum(template_novel_vs_train.check(family, GRAMMARS[family].text_of(r) or "")[0] is None
                       for r in peer_rows) / len(peer_rows)
    full = load_train_texts_full(gen_dir)
    out = {"rounds": {}, "peer_novelty_vs_train": peer_novelty, "hard_mean": s["hard_mean_pass_rate"]}
    for rnd in range(args.rounds + 1):
        model_dir = f"{gen_dir}/rounds/round-{rnd}"
        ref = DedupReference(0.8)
        for i, r in enumerate(full):
            ref.add(f"train-{i}", family, r["text"], training=True)
        conds = [c for t in args.bins
                 for c in conditions_for(full, family, t, reference, args.per_bin, derive(seed, rnd, t))]
        assessed = sample_and_assess(model_dir, conds, len(conds), ref, reference_solver=reference, k=args.k,
                                     seed=derive(seed, "eval", rnd), temperature=0.8, top_p=0.95, max_new_tokens=256,
                                     constrain=constrain)
        bins = bin_metrics(assessed, reference)
        for a in assessed:
            if a.status == "valid":
                a.extras["vs_template"] = tref.check(family, a.text)[0] is None
        for t in args.bins:
            lab = f"pass={t:g}"
            group = [a for a in assessed if a.condition.difficulty == lab and a.status == "valid"]
            bins.setdefault(lab, {})["novel_vs_template"] = (sum(a.extras["vs_template"] for a in group) / len(group)
                                                             if group else None)
        pairs = [(a.condition.target_pass, _measured(a, reference)) for a in assessed
                 if _measured(a, reference) is not None]
        reasons: dict[str, int] = {}
        for a in assessed:
            if a.status == "invalid":
                head = a.reason.split(":")[0].split(" (")[0]
                reasons[head] = reasons.get(head, 0) + 1
        size_hits = [size_matches(family, a) for a in assessed if a.status != "invalid"]
        out["rounds"][rnd] = {"bins": bins, "spearman": spearman([p[0] for p in pairs], [p[1] for p in pairs]),
                              "valid": sum(a.status == "valid" for a in assessed), "samples": len(assessed),
                              "invalid_reasons": reasons,
                              "size_match": sum(size_hits) / len(size_hits) if size_hits else None}
    out["seconds"] = time.perf_counter() - t0
    return out


def size_matches(family: str, a) -> bool:
    """Whether a well-formed text has the size its condition asked for (the size tag: clauses, equations, edges)."""
    from hardgen.generators.grammars import GRAMMARS

    want = {t.split("=")[0]: t for t in a.condition.tags}
    got = {t.split("=")[0]: t for t in GRAMMARS[family].tags(a.text)}
    size = next((k for k in ("clauses", "equations", "edges") if k in want), None)
    return size is not None and want[size] == got.get(size)


def derive(*parts) -> int:
    from hardgen.core.specs import derive_seed

    return derive_seed("bench-generator", *parts)


def fmt(values: list, digits: int = 3) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "no valid samples"
    m = statistics.mean(vals)
    if len(vals) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} [{min(vals):.{digits}f}..{max(vals):.{digits}f}]"


def report(results: list[dict], args, reference: str, elapsed: float) -> None:
    seeds = len(results)
    print(f"\n{args.family}: reference {reference}, k={args.k}, {seeds} seed(s) done of {args.seeds}, "
          f"{args.seed_rows} seed rows, SFT {args.epochs:g} epochs + {args.rounds} RFT round(s) of {args.samples} "
          f"samples, {args.per_bin} samples per bin; {elapsed:.0f}s so far. Mean [min..max] over seeds.")
    for arm in args.arms:
        rs = [r["arms"][arm] for r in results]
        print(f"-- constrained decoding: {arm} (RFT sampling and measurement); arm time per seed "
              f"{fmt([r['seconds'] for r in rs], 0)} s")
        print(f"template novelty vs the generator's training texts: {fmt([r['peer_novelty_vs_train'] for r in rs])}")
        head = (f"{'round':>5} {'bin':>5} | {'validity':>22} {'novel/train':>22} {'novel/template':>22} "
                f"{'measured pass':>22} {'yield/1000':>24} | {'template best level':>19} {'yield/1000':>24}")
        print(head)
        for rnd in range(args.rounds + 1):
            for t in args.bins:
                lab = f"pass={t:g}"
                b = [r["rounds"][rnd]["bins"].get(lab, {}) for r in rs]
                peer = [r["peer"][t] for r in results]
                levels = sorted({p[0] for p in peer})
                print(f"{rnd:>5} {t:>5g} | {fmt([x.get('validity_rate') for x in b]):>22} "
                      f"{fmt([x.get('novelty') for x in b]):>22} {fmt([x.get('novel_vs_template') for x in b]):>22} "
                      f"{fmt([x.get('mean_pass_rate') for x in b]):>22} "
                      f"{fmt([x.get('yield_per_1000') for x in b], 1):>24} | "
                      f"{'/'.join(levels):>19} {fmt([p[1] for p in peer], 1):>24}")
            print(f"{rnd:>5} Spearman(requested, measured) {fmt([r['rounds'][rnd]['spearman'] for r in rs])}; "
                  f"well-formed texts of the requested size {fmt([r['rounds'][rnd]['size_match'] for r in rs])}")
            reasons: dict[str, int] = {}
            for r in rs:
                for k, v in r["rounds"][rnd]["invalid_reasons"].items():
                    reasons[k] = reasons.get(k, 0) + v
            total = sum(r["rounds"][rnd]["samples"] for r in rs)
            print(f"{rnd:>5} invalid samples by reason (all seeds, of {total}): "
                  + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])) or "none"))
    sys.stdout.flush()


def main() -> None:
    import torch

    from hardgen.generators.grammars import GRAMMARS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="llm.color", choices=sorted(GRAMMARS))
    ap.add_argument("--reference", default=None, help="reference solver SPEC (default: the grammar's CPU panel)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--epochs", type=float, default=20)
    ap.add_argument("--samples", type=int, default=64, help="samples per RFT round")
    ap.add_argument("--per-bin", type=int, default=32, help="evaluation samples per requested bin")
    ap.add_argument("--bins", default="0.2,0.4,0.6")
    ap.add_argument("--seed-rows", type=int, default=160)
    ap.add_argument("--peer-rows", type=int, default=32, help="template rows per level")
    ap.add_argument("--hard-fraction", type=float, default=0.75)
    ap.add_argument("--constrain", default="off,grammar,planted",
                    help="comma-separated constraint modes, one arm each on the same seed sets, tiny models and "
                         "peers: off (free), grammar (texts the grammar parses, of the requested size), planted "
                         "(also admitting a random witness per sample)")
    ap.add_argument("-k", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    args.bins = [float(b) for b in args.bins.split(",")]
    from hardgen.llmgen.sample import constraint_mode

    args.arms = [constraint_mode(m.strip()) for m in args.constrain.split(",") if m.strip()]
    torch.set_num_threads(args.threads)
    reference = args.reference or GRAMMARS[args.family].reference_solver
    t0 = time.perf_counter()
    results = []
    for seed in range(args.seeds):
        with tempfile.TemporaryDirectory() as work:
            results.append(run_seed(args.family, reference, seed, args, work))
        report(results, args, reference, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
