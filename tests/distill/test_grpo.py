"""GRPO: reward functions, the curriculum sampler/callback inside TRL's trainer (state logged every step and saved
with checkpoints), resume, and errors before training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardgen.distill.curriculum import make_curriculum
from hardgen.distill.grpo import correctness_reward, format_reward, train_grpo
from hardgen.core.errors import HardgenError
from hardgen.core.store import read_records


def test_format_reward_wants_exactly_one_box() -> None:
    comps = ["\\boxed{1}", "no box", "\\boxed{1} or \\boxed{2}", [{"role": "assistant", "content": "\\boxed{3}"}]]
    assert format_reward(comps) == [1.0, 0.0, 0.0, 1.0]


def test_correctness_reward_is_strict_and_reports_groups(arith_data: str) -> None:
    recs = [r for r in read_records(arith_data) if r["family"] == "math.arithmetic"][:2]
    cur = make_curriculum("sec", recs)
    fn = correctness_reward(cur)
    good = [f"\\boxed{{{recs[0]['answer']}}}", "\\boxed{x}", f"\\boxed{{{recs[1]['answer']}}}",
            f"\\boxed{{{recs[1]['answer']}}}"]
    rewards = fn(good, check=[json.dumps(recs[0]["check"])] * 2 + [recs[1]["check"]] * 2,
                 answer=[recs[0]["answer"]] * 2 + [recs[1]["answer"]] * 2, hardgen_index=[0, 0, 1, 1])
    assert rewards == [1.0, 0.0, 1.0, 1.0]
    assert cur.pending == [(0, [1.0, 0.0]), (1, [1.0, 1.0])]


def test_grpo_with_curriculum_logs_saves_and_resumes(arith_data: str, tiny_student: str, tmp_path: Path) -> None:
    out = tmp_path / "grpo"
    kw = dict(curriculum="sec", arms="family", num_generations=2, prompts_per_step=2, max_completion_length=8,
              save_steps=2, format_weight=0.1, lr=1e-4)
    first = train_grpo(arith_data, tiny_student, str(out), max_steps=2, **kw)
    assert first["steps"] == 2 and first["config"]["categories"] == ["math.arithmetic", "math.linear_system"]
    lines = [json.loads(x) for x in (out / "curriculum.jsonl").read_text().splitlines()]
    assert [x["global_step"] for x in lines] == [1, 2]
    assert all(abs(sum(x["probabilities"].values()) - 1) < 1e-4 and x["groups"] == 2 for x in lines)
    state = json.loads((out / "checkpoints" / "checkpoint-2" / "curriculum_state.json").read_text())
    assert state["name"] == "sec" and state["step"] == 2 and set(state["values"]) == set(first["config"]["categories"])
    second = train_grpo(arith_data, tiny_student, str(out), max_steps=3, **kw)
    assert second["resumed_from"].endswith("checkpoint-2") and second["steps"] == 3
    lines = [json.loads(x) for x in (out / "curriculum.jsonl").read_text().splitlines()]
    assert [x["global_step"] for x in lines] == [1, 2, 3] and lines[-1]["step"] == 3
    assert (out / "model.safetensors").exists() and first["history"]


def test_grpo_errors_before_training(arith_data: str, tiny_student: str, tmp_path: Path) -> None:
    with pytest.raises(HardgenError, match="unknown curriculum"):
        train_grpo(arith_data, tiny_student, str(tmp_path / "a"), curriculum="hardest-first")
    with pytest.raises(HardgenError, match="at least 2"):
        train_grpo(arith_data, tiny_student, str(tmp_path / "b"), num_generations=1)
    with pytest.raises(HardgenError, match="does not exist"):
        train_grpo(arith_data, str(tmp_path / "nope"), str(tmp_path / "c"))
    res = train_grpo(arith_data, tiny_student, str(tmp_path / "d"), curriculum="gated", dry_run=True,
                     curriculum_options={"epsilon": 0.7})
    assert res["dry_run"] and res["config"]["categories"] == ["easy", "medium", "hard"]  # gated levels, easy first
    assert res["config"]["curriculum_options"] == {"epsilon": 0.7} and not (tmp_path / "d").exists()
