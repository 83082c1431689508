"""hardgen's scorer against Math-Verify on the independent labelled corpus in bench/verify_corpus/, in one run.

    python bench/bench_math_verify.py [--limit N] [--show N] [--category PREFIX]

The corpus (see bench/verify_corpus/README.md) holds (reference, response, label) pairs whose labels were decided
from the meaning of each pair when it was built, never by a verifier. hardgen scores each pair with
`hardgen.verifiers.score` on a record: hardgen's own family rows keep their real `check`; math pairs use
`{check: {kind: math}, answer: reference}`. Math-Verify runs at its best setting: the reference parsed with LaTeX and
expression extraction (wrapped in `$...$` when it has no math delimiters, as its README asks for LaTeX gold), the
response parsed with its default extraction (LaTeX + expressions, boxed answers, anchors such as "final answer is",
and extraction without an anchor for un-boxed text), then `verify(gold, answer)`.

Prints per category and overall, for both: agreement with the labels, precision, recall, false positives, the
undecided share (hardgen: verdict None; Math-Verify: nothing extracted from the reference or the response, which
it scores False) and throughput. Pairs whose label depends on a grading convention (`policy`) are reported apart.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "verify_corpus"


def load(limit: int = 0, category: str = "") -> tuple[list[dict], dict[str, dict]]:
    pairs = [json.loads(x) for x in (CORPUS / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    records = {r["id"]: r for r in (json.loads(x) for x in (CORPUS / "records.jsonl").read_text(encoding="utf-8")
                                    .splitlines() if x.strip())}
    if category:
        pairs = [p for p in pairs if p["category"].startswith(category)]
    if limit:  # ids are content hashes: sorting by them is a fixed sample spread over every category
        pairs = sorted(pairs, key=lambda p: p["id"])[:limit]
    return pairs, records


def hardgen_record(p: dict, records: dict[str, dict]) -> dict:
    if p["record_id"]:
        return records[p["record_id"]]
    return {"id": p["id"], "family": "math", "prompt": "", "answer": p["reference"], "check": {"kind": "math"}}


def run_hardgen(pairs: list[dict], records: dict[str, dict]) -> tuple[list, list, float]:
    """(verdicts, reasons, seconds)."""
    from hardgen.verifiers import score

    recs = [hardgen_record(p, records) for p in pairs]
    t0 = time.perf_counter()
    got = [score(r, p["response"]) for r, p in zip(recs, pairs)]
    dt = time.perf_counter() - t0
    return [v.correct for v in got], [v.reason for v in got], dt


def reason_class(reason: str) -> str:
    """A verdict's reason with the quoted text and numbers taken out, so that reasons group into classes."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\([^)]*\)|\d+", "_", reason)[:80]


def _mv_gold(ref: str):
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    cfg = [LatexExtractionConfig(), ExprExtractionConfig()]
    has_math = any(d in ref for d in ("$", "\\(", "\\[", "\\boxed"))
    gold = parse(ref if has_math else f"${ref}$", extraction_config=cfg)
    if not gold:
        gold = parse(ref, extraction_config=cfg) if not has_math else parse(f"${ref}$", extraction_config=cfg)
    return gold


def run_math_verify(pairs: list[dict]) -> tuple[list, list, float]:
    """(verdicts, nothing-extracted flags, seconds)."""
    from math_verify import parse, verify

    verdicts, undecided = [], []
    t0 = time.perf_counter()
    for p in pairs:
        try:
            gold = _mv_gold(p["reference"])
            ans = parse(p["response"])
            undecided.append(not gold or not ans)
            verdicts.append(bool(verify(gold, ans)))
        except Exception:
            undecided.append(True)
            verdicts.append(False)
    return verdicts, undecided, time.perf_counter() - t0


def stats(labels: list[bool], verdicts: list, undecided: list[bool]) -> dict:
    n = len(labels)
    tp = sum(v is True and y for v, y in zip(verdicts, labels))
    fp = sum(v is True and not y for v, y in zip(verdicts, labels))
    pos = sum(labels)
    said = tp + fp
    return {"n": n, "agree": sum((v is True) == y and v is not None for v, y in zip(verdicts, labels)) / n if n else 0,
            "precision": tp / said if said else float("nan"), "recall": tp / pos if pos else float("nan"),
            "fp": fp, "fn": pos - tp, "undecided": sum(undecided) / n if n else 0}


def group(cat: str) -> str:
    if cat.startswith("hardgen:"):
        fam = cat.split(":", 1)[1]
        return "hardgen:" + fam.split(".")[0] if not fam.startswith("math.") else "hardgen:math"
    if cat.startswith("hand:"):
        return "hand"
    return cat


def _row(name: str, s: dict) -> str:
    return (f"{name:<12} {s['n']:>5} {s['agree']:>7.3f} {s['precision']:>7.3f} {s['recall']:>7.3f} {s['fp']:>4} "
            f"{s['fn']:>4} {s['undecided']:>6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="score a fixed sample of N pairs (0: all)")
    ap.add_argument("--category", default="", help="only categories starting with this")
    ap.add_argument("--show", type=int, default=0,
                    help="print up to N pairs where a scorer disagrees with the label")
    ap.add_argument("--reasons", type=int, default=0,
                    help="print hardgen's N most common reasons where it is wrong or undecided (failure classes)")
    ap.add_argument("--json", help="also write the per-pair verdicts here")
    args = ap.parse_args()
    pairs, records = load(args.limit, args.category)
    # warm both (imports, caches, our worker) outside the timed runs
    run_hardgen(pairs[:3], records)
    run_math_verify(pairs[:3])
    ours, reasons, t_ours = run_hardgen(pairs, records)
    mv, mv_und, t_mv = run_math_verify(pairs)
    ours_und = [v is None for v in ours]
    n = len(pairs)
    amb = [p["policy"] is not None for p in pairs]
    print(f"corpus: {n} pairs ({sum(p['label'] for p in pairs)} correct, {n - sum(p['label'] for p in pairs)} wrong); "
          f"{n - sum(amb)} unambiguous, {sum(amb)} depend on a policy (reported apart)")
    print(f"throughput: hardgen {n / t_ours:,.1f} responses/s, Math-Verify {n / t_mv:,.1f} responses/s "
          f"(ratio {t_mv / t_ours:.1f}x)\n")

    header = (f"{'category':<24} | {'hardgen: n  agree   prec  recall   FP   FN  undec':<52} | "
              "Math-Verify: agree prec recall FP FN undec")
    print("unambiguous pairs by category")
    print(header)
    groups = defaultdict(list)
    for i, p in enumerate(pairs):
        if not amb[i]:
            groups[group(p["category"])].append(i)
    for g in sorted(groups):
        idx = groups[g]
        lab = [pairs[i]["label"] for i in idx]
        so = stats(lab, [ours[i] for i in idx], [ours_und[i] for i in idx])
        sm = stats(lab, [mv[i] for i in idx], [mv_und[i] for i in idx])
        print(f"{g:<24} | {_row('', so)} | {_row('', sm)[13:]}")
    idx = [i for i in range(n) if not amb[i]]
    lab = [pairs[i]["label"] for i in idx]
    so = stats(lab, [ours[i] for i in idx], [ours_und[i] for i in idx])
    sm = stats(lab, [mv[i] for i in idx], [mv_und[i] for i in idx])
    print(f"{'ALL unambiguous':<24} | {_row('', so)} | {_row('', sm)[13:]}")
    by_ref = defaultdict(list)
    for i in idx:
        ref_style = pairs[i]["source_style"].rsplit("/", 1)[-1]
        if ref_style.startswith("ref_"):
            by_ref[ref_style].append(i)
    print("templated math and GSM8K pairs by how the reference is written:")
    for k in sorted(by_ref):
        ids = by_ref[k]
        lab = [pairs[i]["label"] for i in ids]
        so = stats(lab, [ours[i] for i in ids], [ours_und[i] for i in ids])
        sm = stats(lab, [mv[i] for i in ids], [mv_und[i] for i in ids])
        print(f"  {k:<22} | {_row('', so)} | {_row('', sm)[13:]}")
    st = [i for i in idx if pairs[i]["label"] and pairs[i]["category"].startswith("hardgen:")
          and not pairs[i]["category"].startswith("hardgen:math")]
    if st:
        fn_ours, fn_mv = sum(ours[i] is not True for i in st), sum(not mv[i] for i in st)
        print(f"structured correct answers rejected (false negatives): hardgen {fn_ours}/{len(st)} "
              f"({fn_ours / len(st):.1%}), Math-Verify {fn_mv}/{len(st)} ({fn_mv / len(st):.1%})")

    print("\npairs that depend on a policy (label = the convention stated in bench/verify_corpus/README.md)")
    print(f"{'policy':<24} {'n':>4} {'label':>6}  hardgen agrees  Math-Verify agrees")
    pol = defaultdict(list)
    for i, p in enumerate(pairs):
        if amb[i]:
            pol[p["policy"]].append(i)
    for k in sorted(pol):
        idx = pol[k]
        labs = {pairs[i]["label"] for i in idx}
        print(f"{k:<24} {len(idx):>4} {'/'.join(sorted('T' if x else 'F' for x in labs)):>6}  "
              f"{sum((ours[i] is True) == pairs[i]['label'] and ours[i] is not None for i in idx):>14}  "
              f"{sum(mv[i] == pairs[i]['label'] for i in idx):>18}")

    if args.reasons:
        classes = defaultdict(list)
        for i, p in enumerate(pairs):
            if not amb[i] and (ours[i] is None or ours[i] != p["label"]):
                kind = "undecided" if ours[i] is None else "accepted wrong" if ours[i] else "rejected right"
                classes[(kind, reason_class(reasons[i]))].append(i)
        print("\nhardgen's failure classes (unambiguous pairs):")
        for (kind, cls), ids in sorted(classes.items(), key=lambda kv: -len(kv[1]))[:args.reasons]:
            cats = Counter(group(pairs[i]["category"]) for i in ids).most_common(3)
            print(f"{len(ids):>5}  {kind:<14} {cls:<80} e.g. {', '.join(f'{c} {n}' for c, n in cats)}")
    if args.show:
        shown = 0
        for i, p in enumerate(pairs):
            if ((ours[i] is True) != p["label"] or ours[i] is None or mv[i] != p["label"]) and shown < args.show:
                shown += 1
                tail = p["response"][-160:].replace("\n", " | ")
                print(f"\n[{p['category']} / {p['source_style']} / policy={p['policy']}] label={p['label']} "
                      f"hardgen={ours[i]} math-verify={mv[i]}\n  ref={p['reference'][-120:]!r}\n  resp=...{tail!r}")
    if args.json:
        with open(args.json, "w") as f:
            for i, p in enumerate(pairs):
                f.write(json.dumps({"id": p["id"], "label": p["label"], "hardgen": ours[i], "reason": reasons[i],
                                    "math_verify": mv[i],
                                    "math_verify_nothing_extracted": mv_und[i]}) + "\n")


if __name__ == "__main__":
    main()
