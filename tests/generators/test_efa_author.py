"""A model writes EFA programs: accepted ones are saved, rejected ones counted by failed check, reward matches."""

import json
from pathlib import Path

from hardgen.generators.efa import check_efa
from hardgen.llmgen.efa_author import author_efas, efa_reward
from hardgen.models.base import Rollout, Solver

GOOD = (Path(__file__).resolve().parents[2] / "examples" / "efa" / "modular_inverse.py").read_text()
SEED = {"problem": "Find the integer x with 0 <= x < 40 such that 7x ≡ 1 (mod 40). "
                   "Put your final answer inside \\boxed{}.", "answer": "23"}


class ScriptedModel(Solver):
    """Returns fixed completions (a test double of a model, defined here, not in the library)."""

    def solve(self, records, k=1, seed=0):
        good = f"Sure:\n```python\n{GOOD}\n```"
        constant = "```python\n" + GOOD.replace("m = rng.randint(11, 500)", "m = 40").replace(
            "a = rng.randint(2, m - 1)", "a = 7") + "\n```"
        return [[Rollout(good), Rollout(constant), Rollout("no code here")][:k] for _ in records]


def test_author_saves_accepted_programs(tmp_path):
    s = author_efas(ScriptedModel(), [SEED], str(tmp_path), k=3)
    assert s["attempts"] == 3 and s["accepted"] == 1
    assert s["failed_checks"] == {"varied": 1, "extractable": 1}
    saved = sorted(tmp_path.glob("*.py"))
    assert len(saved) == 1 and check_efa(saved[0]).accepted
    lines = [json.loads(x) for x in (tmp_path / "report.jsonl").read_text().splitlines()]
    assert [x["accepted"] for x in lines] == [True, False, False]


def test_reward_is_one_only_for_accepted():
    comps = ScriptedModel().solve([{}], k=3)[0]
    r = efa_reward([c.text for c in comps], problem=[SEED["problem"]] * 3, answer=[SEED["answer"]] * 3)
    assert r[0] == 1.0 and 0 < r[1] < 0.5 and r[2] == 0.0
