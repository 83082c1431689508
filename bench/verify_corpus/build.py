"""Build the labelled verification corpus: `python bench/verify_corpus/build.py` writes corpus.jsonl beside it.

One line per (reference, response) pair: {id, reference, response, label, category, source_style, policy, record_id}.
`label` is decided by construction from the meaning of the pair (see README.md), never by running a verifier;
`policy` names the grading convention a label depends on (null when any careful grader would agree);
`record_id` names the hardgen row (in records.jsonl) for pairs built on hardgen's own families (null for the
math pairs, which are scored as a record with no check beyond `{kind: math}`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import styles  # noqa: E402
from families import FAMILIES, family_pairs, generate_rows  # noqa: E402
from hand import HAND  # noqa: E402
from math_items import math_items  # noqa: E402

SEED = 13


def _pair(reference, response, label, category, style, policy, record=None) -> dict:
    key = json.dumps([reference, response, category], ensure_ascii=False)
    return {"id": hashlib.sha1(key.encode()).hexdigest()[:12], "reference": reference, "response": response,
            "label": bool(label), "category": category, "source_style": style, "policy": policy,
            "record_id": record["id"] if record else None}


def _needs_box(a: str) -> bool:
    """Answers with environments, line breaks or set braces are written inside \\boxed{} by models."""
    return "\\begin" in a or "\n" in a or "\\{" in a


def math_pairs(rng: random.Random) -> list[dict]:
    out = []
    for it in math_items(rng):
        ref_text, ref_style = styles.reference(rng.choice(it["refs"]), rng)
        chosen = it["ok"] if len(it["ok"]) <= 4 else [it["ok"][0]] + rng.sample(it["ok"][1:], 3)
        chosen_w = it["wrong"] if len(it["wrong"]) <= 4 else rng.sample(it["wrong"], 4)
        for variants, label in ((chosen, True), (chosen_w, False)):
            for ans, policy in variants:
                style = styles.pick_style(rng, boxed_only=_needs_box(ans))
                resp = styles.MATH_STYLES[style](ans, rng)
                out.append(_pair(ref_text, resp, label, it["category"], f"{style}/{ref_style}", policy))
    return out


def conflict_pairs(rng: random.Random) -> list[dict]:
    """Several answers, hedges, self-corrections, missing answers and `<think>` rules, over the math items."""
    out = []
    items = [it for it in math_items(rng) if it["wrong"] and not any(_needs_box(a) for a, _ in it["ok"][:1])]
    rng.shuffle(items)
    for it in items[:150]:
        ref, ref_style = styles.reference(it["refs"][0], rng)
        ok, w = it["ok"][0][0], next((a for a, p in it["wrong"] if p is None and not _needs_box(a)), None)
        if w is None:
            continue
        c = styles.cot(rng)
        case = rng.randrange(10)
        if case == 0:
            out.append(_pair(ref, f"{c}\n\nSo the answer is $\\boxed{{{ok}}}$.\n\nThe final answer is ${w}$.", False,
                             "conflict", "boxed_then_prose", None))
        elif case == 1:
            out.append(_pair(ref, f"{c} It could be $\\boxed{{{ok}}}$ or $\\boxed{{{w}}}$.", False, "conflict",
                             "two_boxes", None))
        elif case == 2:
            out.append(_pair(ref, f"{c} We get $\\boxed{{{ok}}}$. Checking once more, the result is indeed "
                                  f"$\\boxed{{{ok}}}$.", True, "conflict", "same_box_twice", None))
        elif case == 3:
            out.append(_pair(ref, f"{c}\n\nThe answer is either ${ok}$ or ${w}$; I cannot decide between them.", False,
                             "conflict", "hedge", None))
        elif case == 4:
            out.append(_pair(ref, f"{c}\n\nSo far we have $\\boxed{{{w}}}$... wait, that is wrong: I dropped a term. "
                                  f"Redoing the last step gives\n\n**Final Answer:** $\\boxed{{{ok}}}$", True,
                             "conflict", "self_correction", "last_answer_counts"))
        elif case == 5:
            out.append(_pair(ref, f"{c} Now we still need to combine the two cases, which requires computing",
                             False, "no_answer", "cut_off_no_answer", None))
        elif case == 6:
            out.append(_pair(ref, "<think>\n" + styles.thinking(rng, tentative=f"\\boxed{{{ok}}}")
                             + "\nHmm, but I should double check the second case, where", False, "think",
                             "think_cut_off", "truncated_think"))
        elif case == 7:
            out.append(_pair(ref, "<think>\n" + styles.thinking(rng, tentative=w)
                             + "\nNo wait, that is wrong.\n</think>\n\n"
                             + styles.cot(rng, (1, 2)) + f"\n\nThe answer is $\\boxed{{{ok}}}$.", True, "think",
                             "think_wrong_then_right", None))
        elif case == 8:
            out.append(_pair(ref, "<think>\n" + styles.thinking(rng, tentative=f"\\boxed{{{ok}}}") + "\n</think>\n\n"
                             + styles.cot(rng, (1, 2)) + f"\n\nThe answer is $\\boxed{{{w}}}$.", False, "think",
                             "think_right_then_wrong", None))
        else:
            out.append(_pair(ref, f"{c}\n\nThe answer is $\\boxed{{{ok} \\text{{ or }} {w}}}$.", False, "conflict",
                             "alternatives_in_box", None))
    return out


_GSM_NAMES = ["Janet", "Tom", "Maria", "Liam", "Aisha", "Kenji", "Sofia", "Omar"]
_GSM_ITEMS = ["apples", "eggs", "pencils", "tickets", "cupcakes", "marbles", "books"]


def gsm_pairs(rng: random.Random) -> list[dict]:
    """GSM8K: word problems with integer or money answers; references as the dataset writes them (`#### N`)."""
    out = []
    for _ in range(60):
        name, thing = rng.choice(_GSM_NAMES), rng.choice(_GSM_ITEMS)
        a, b, price = rng.randint(3, 60), rng.randint(2, 30), rng.choice([2, 3, 5, 12, 25, 40, 125])
        total = a * b * price
        work = (f"{name} buys {a} boxes of {thing} with {b} in each box, "
                f"so {a} * {b} = <<{a}*{b}={a * b}>>{a * b} {thing}.\n"
                f"Each costs ${price}, so the total is {a * b} * {price} = <<{a * b}*{price}={total}>>{total}.")
        ref = rng.choice([f"{work}\n#### {total}", str(total)])
        ref_style = "ref_gsm_solution" if "####" in ref else "ref_bare"
        money = f"{total:,}"
        ok = [(f"{work}\n#### {total}", "gsm8k_hashes"), (f"{work}\n#### {money}", "gsm8k_hashes_commas"),
              (f"{work}\nThe answer is {total}.", "gsm8k_answer_is"),
              (f"{work}\nSo {name} spends ${money} in total.\nThe answer is ${money}.", "gsm8k_dollar"),
              (f"{work}\n\nThe answer is **{money}**.", "bold"),
              (f"{work}\n\nTherefore, the total cost is $\\boxed{{{total}}}$.", "boxed"),
              (f"{work}\nFinal Answer: The final answer is $\\${money}$. I hope it is correct.", "minerva"),
              (f"<think>\n{styles.thinking(rng)}\n</think>\n\n{work}\n\n**Answer:** \\${money}", "r1_think")]
        wrong = [(f"{work}\n#### {total + rng.choice([-10, -1, 1, 10])}", "gsm8k_hashes"),
                 (f"{work}\nThe answer is {a * b}.", "gsm8k_intermediate"),
                 (f"{work}\n\nThe answer is $\\boxed{{{total * 10}}}$.", "boxed"),
                 (f"{work}\nSo the answer is #### {total}\nWait, I double counted, it is #### {total - a}",
                  "gsm8k_two_answers"),
                 (f"{work}\nFinal Answer: The final answer is ${total + price}$. I hope it is correct.", "minerva")]
        for variants, label in ((rng.sample(ok, 3), True), (rng.sample(wrong, 3), False)):
            for resp, style in variants:
                out.append(_pair(ref, resp, label, "gsm8k", f"{style}/{ref_style}", None))
    return out


def hardgen_pairs(rng: random.Random, n_rows: int, records: list[dict]) -> list[dict]:
    out = []
    for family, level, knobs in FAMILIES:
        for rec in generate_rows(family, level, knobs, n_rows, seed=SEED):
            records.append(rec)
            ref = rec["answer"] if rec["answer"] is not None else _witness_text(rec)
            for ans, label, policy, fmt in family_pairs(rec, rng):
                style = rng.choices(["boxed", "think", "answer_line"], weights=[6, 2, 1])[0]
                if style == "boxed":
                    resp = f"{styles.cot(rng)}\n\nFinal answer:\n\\boxed{{{ans}}}"
                elif style == "think":
                    resp = f"<think>\n{styles.thinking(rng)}\n</think>\n\nThe answer is\n\\[\n\\boxed{{{ans}}}\n\\]"
                else:
                    resp = f"{styles.cot(rng)}\n\n**Answer:** {ans}" if "\n" not in ans else \
                        f"{styles.cot(rng)}\n\n**Answer:**\n{ans}"
                out.append(_pair(ref, resp, label, f"hardgen:{rec['family']}", f"{style}/{fmt}", policy, rec))
    return out


def _witness_text(rec: dict) -> str:
    """Rows where any valid solution counts have no `answer`; the reference shown is one valid solution."""
    w = rec["check"].get("params", {}).get("witness")
    if isinstance(w, list):
        return " -> ".join(w) if rec["check"]["kind"] != "graph.topo_order" else ", ".join(w)
    return str(w)


def hand_pairs() -> list[dict]:
    return [_pair(ref, resp, label, cat, "hand", policy) for ref, resp, label, cat, policy in HAND]


def build(n_rows: int = 4) -> tuple[list[dict], list[dict]]:
    """(pairs, the hardgen records they refer to)."""
    rng = random.Random(SEED)
    records: list[dict] = []
    pairs = math_pairs(rng) + conflict_pairs(rng) + gsm_pairs(rng) + hardgen_pairs(rng, n_rows, records) + hand_pairs()
    seen, out = set(), []
    for p in pairs:
        if p["id"] not in seen:
            seen.add(p["id"])
            out.append(p)
    return out, records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=4, help="rows per hardgen family")
    ap.add_argument("-o", "--out", default=str(HERE), help="directory for corpus.jsonl and records.jsonl")
    args = ap.parse_args()
    os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
    pairs, records = build(args.rows)
    for name, rows in (("corpus.jsonl", pairs), ("records.jsonl", records)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for p in rows:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
    pos = sum(p["label"] for p in pairs)
    pol = sum(p["policy"] is not None for p in pairs)
    print(f"{len(pairs)} pairs ({pos} correct, {len(pairs) - pos} wrong; {pol} depend on a policy), "
          f"{len(records)} records -> {args.out}")


if __name__ == "__main__":
    main()
