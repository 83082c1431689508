"""THE PROOF: a tiny student trained on generated data (SFT on verified teacher traces, then GRPO) scores higher
on a test split held out by operand multiset (no test sum is a reordered training sum) than before training.
Fixed seed; about a minute on two idle CPU cores."""

from __future__ import annotations

import json

from hardgen.core.store import read_records


def test_sft_then_grpo_beats_the_untrained_student_on_held_out_problems(tmp_path) -> None:
    from hardgen.stages.tiny_demo import operand_key, run_tiny_demo

    res = run_tiny_demo(tmp_path / "demo", seed=0)
    scores = res["test_pass@1"]
    # held out for real: no test problem reached the traces or GRPO's prompts
    data = read_records(tmp_path / "demo" / "data")
    test_ids = {r["id"] for r in data if r["split"] == "test"}
    assert len(test_ids) == res["test_problems"] >= 50
    assert not test_ids & {r["id"] for r in read_records(tmp_path / "demo" / "traces")}
    assert res["rejected"] > 0  # the noisy teacher's wrong traces were rejected, not trained on
    # the untrained student never answers; after SFT + GRPO it solves most held-out sums
    assert scores["before"] <= 0.05
    assert scores["grpo"] >= scores["before"] + 0.5, scores
    assert scores["sft"] >= scores["before"] + 0.5, scores
    # held out by operand multiset: no test sum is a training sum reordered, none is a near-duplicate of one
    ov = res["overlap_with_train"]
    assert ov["test"] == res["test_problems"] and ov["same_operands"] == 0 and ov["near_duplicates"] == 0
    train_keys = {operand_key(r) for r in data if r["split"] == "train"}
    assert not {operand_key(r) for r in data if r["split"] == "test"} & train_keys
    log = [json.loads(x) for x in (tmp_path / "demo" / "grpo" / "curriculum.jsonl").read_text().splitlines()]
    assert len(log) == res["grpo_steps"] > 0
