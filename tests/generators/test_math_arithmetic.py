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


def test_linear_system_exact_routes_agree_with_sympy() -> None:
    import random
    from fractions import Fraction

    import sympy as sp

    from hardgen.generators.math.linear_system import int_determinant, solve_cramer, solve_exact

    rng = random.Random(0)
    for _ in range(500):
        n = rng.randint(1, 5)
        A = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(n)]
        b = [rng.randint(-5, 5) for _ in range(n)]
        det = sp.Matrix(A).det()
        assert int_determinant(A) == det
        x = solve_exact([[Fraction(v) for v in row] for row in A], [Fraction(v) for v in b])
        assert solve_cramer(A, b) == x
        if det == 0:
            assert x is None
        else:
            assert x == [Fraction(str(v)) for v in sp.Matrix(A).LUsolve(sp.Matrix(b))]


def test_linear_system_rows_verify_and_a_wrong_answer_is_caught() -> None:
    from hardgen.stages.verify import verify_record

    for level in ("easy", "hard", "extreme"):
        rec = generate_one("math.linear_system", level,
                           get_family("math.linear_system").resolve_knobs(level).as_dict(), 3, 0)
        assert verify_record(rec)["status"] == "valid"
        rec["answer"] = "(0, 0)" if rec["answer"] != "(0, 0)" else "(1, 0)"
        assert verify_record(rec)["checks"]["rederived"] is False
