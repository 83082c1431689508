"""The labelled verification corpus (bench/verify_corpus) is well formed, large, balanced and covers every style.

These tests check the corpus itself, not any verifier's score on it (that is bench/bench_math_verify.py's job).
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "bench" / "verify_corpus"
FIELDS = {"id", "reference", "response", "label", "category", "source_style", "policy", "record_id"}


@pytest.fixture(scope="module")
def pairs():
    return [json.loads(x) for x in (CORPUS / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def records():
    return {r["id"]: r for r in (json.loads(x) for x in (CORPUS / "records.jsonl").read_text(encoding="utf-8")
                                 .splitlines() if x.strip())}


def test_schema(pairs, records):
    ids = set()
    for p in pairs:
        assert set(p) == FIELDS, p
        assert isinstance(p["reference"], str) and p["reference"].strip()
        assert isinstance(p["response"], str)
        assert isinstance(p["label"], bool)
        assert isinstance(p["category"], str) and isinstance(p["source_style"], str)
        assert p["policy"] is None or re.fullmatch(r"[a-z_]+", p["policy"])
        assert p["id"] not in ids
        ids.add(p["id"])
        if p["category"].startswith("hardgen:"):
            rec = records[p["record_id"]]
            assert p["category"] == "hardgen:" + rec["family"]
            assert {"id", "family", "prompt", "answer", "check"} <= set(rec) and "kind" in rec["check"]
        else:
            assert p["record_id"] is None


def test_size_and_label_balance(pairs):
    unambiguous = [p for p in pairs if p["policy"] is None]
    assert len(pairs) >= 1500 and len(unambiguous) >= 1500
    share = sum(p["label"] for p in unambiguous) / len(unambiguous)
    assert 0.4 <= share <= 0.6, share
    # policy-dependent pairs are a minority, counted apart
    assert len(pairs) - len(unambiguous) <= 0.15 * len(pairs)


def test_every_group_has_positives_and_near_miss_negatives(pairs):
    by = Counter((p["category"], p["label"]) for p in pairs if p["policy"] is None)
    cats = {c for c, _ in by if not c.startswith("hand:") and c not in ("no_answer", "conflict", "think")}
    for c in cats:
        assert by[(c, True)] >= 4 and by[(c, False)] >= 4, (c, by[(c, True)], by[(c, False)])


def test_covers_the_writing_styles_and_families(pairs):
    styles = Counter(p["source_style"].split("/")[0] for p in pairs)
    for s in ("minerva", "numina", "numina_unboxed", "openthoughts", "qwen", "r1_think", "gsm8k_hashes",
              "think_cut_off", "boxed_then_prose", "hand"):
        assert styles[s] > 0, s
    fams = {p["category"].split(":", 1)[1] for p in pairs if p["category"].startswith("hardgen:")}
    assert {"sat.planted", "sat.saturn", "logic.sudoku", "logic.knights_knaves", "graph.shortest_path",
            "math.linear_system"} <= fams
    assert sum("</think>" in p["response"] for p in pairs) >= 100
    assert any("<think>" in p["response"] and "</think>" not in p["response"] and not p["label"] for p in pairs)


def test_same_reference_has_both_labels(pairs):
    """Near misses: for most references in the corpus a wrong response sits next to a right one."""
    by_ref = {}
    for p in pairs:
        by_ref.setdefault((p["reference"], p["record_id"]), set()).add(p["label"])
    both = sum(len(v) == 2 for v in by_ref.values())
    assert both >= 0.5 * len(by_ref)
