"""math.arithmetic: answers re-derive through Python's parser, corrupted answers fail, rows are deterministic,
the worked explanation is accepted by the checker, and bad knobs are refused."""

from __future__ import annotations

import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.math.arithmetic import evaluate_terms
from hardgen.generators.item import generate_one
from hardgen.verifiers import score

FAMILY = "math.arithmetic"
LEVELS = list(get_family(FAMILY).levels)


def _records(level: str, seed: int = 1, n: int = 30) -> list[dict]:
    return [generate_one(FAMILY, level, get_family(FAMILY).levels[level], seed, i) for i in range(n)]


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_rederives_and_explains(level: str) -> None:
    fam = get_family(FAMILY)()
    for rec in _records(level):
        assert fam.rederive(rec) == {"prompt_matches": True, "rederived": True}, rec["prompt"]
        assert score(rec, f"The answer is \\boxed{{{rec['answer']}}}.").correct is True
        assert score(rec, fam.explain(rec)).correct is True, fam.explain(rec)
        assert score(rec, f"\\boxed{{{int(rec['answer']) + 1}}}").correct is False


@pytest.mark.parametrize("level", LEVELS)
def test_corrupted_answer_or_prompt_fails_rederive(level: str) -> None:
    fam = get_family(FAMILY)()
    for rec in _records(level, seed=4, n=10):
        assert fam.rederive({**rec, "answer": str(int(rec["answer"]) + 1)})["rederived"] is False
        assert fam.rederive({**rec, "prompt": rec["prompt"].replace("Compute ", "Compute 1 + ")})["prompt_matches"] is False


def test_precedence_and_knobs_are_respected() -> None:
    assert evaluate_terms([2, 3, 4], ["+", "*"]) == 14
    assert evaluate_terms([2, 3, 4, 5], ["-", "*", "+"]) == -5
    assert evaluate_terms([7, 3], ["-"]) == 4
    for rec in _records("hard", n=40):
        p = rec["check"]["params"]
        assert len(p["values"]) == 3 and set(p["ops"]) <= {"+", "-", "*"}
        for i, op in enumerate(p["ops"]):
            if op == "*":
                assert p["values"][i] < 100 and p["values"][i + 1] < 100
    easy = _records("easy", n=40)
    assert all(0 <= v <= 9 for r in easy for v in r["check"]["params"]["values"])


def test_deterministic_and_seed_sensitive() -> None:
    a, b, c = _records("medium", seed=3), _records("medium", seed=3), _records("medium", seed=4)
    assert a == b
    assert sum(x["id"] == y["id"] for x, y in zip(a, c)) < 5


@pytest.mark.parametrize("knobs", [{"ops": "/"}, {"ops": "++"}, {"ops": ""}, {"digits": 1, "mul_digits": 2},
                                   {"terms": 1}])
def test_bad_knobs_are_refused(knobs: dict) -> None:
    with pytest.raises(HardgenError):
        get_family(FAMILY).resolve_knobs(None, knobs)


def test_gen_verify_marks_rows_valid() -> None:
    from hardgen.stages.verify import verify_record

    for level in LEVELS:
        for rec in _records(level, n=5):
            assert verify_record(rec)["status"] == "valid"
