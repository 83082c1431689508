"""The discrete math families (polynomial roots, modular, counting, number theory, recurrences, composition):
every level re-derives by its independent route, rows are deterministic, and the checks can fail."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.math._compose_api import Composable
from hardgen.generators.item import generate_one

FAMILIES = ["math.polynomial_roots", "math.modular", "math.counting", "math.number_theory", "math.recurrence",
            "math.compose"]
CASES = [(f, lvl) for f in FAMILIES for lvl in get_family(f).levels]
N_ITEMS = 25


def _records(family: str, level: str, seed: int = 1, n: int = N_ITEMS) -> list[dict]:
    return [generate_one(family, level, get_family(family).levels[level], seed, i) for i in range(n)]


def _corrupt(answer: str) -> str:
    """A wrong answer of the same shape: the first component of a tuple, or the number itself, plus one."""
    if answer.startswith("("):
        parts = answer[1:-1].split(", ")
        parts[0] = str(Fraction(parts[0]) + 1)
        return "(" + ", ".join(parts) + ")"
    return str(Fraction(answer) + 1)


@pytest.mark.parametrize("family,level", CASES)
def test_every_level_rederives(family: str, level: str) -> None:
    fam = get_family(family)()
    for rec in _records(family, level):
        checks = fam.rederive(rec)
        assert checks and all(v is True for v in checks.values()), (rec["prompt"], rec["answer"], checks)
        assert "\\boxed{}" in rec["prompt"]
        # canonical answers are plain integers, reduced fractions or tuples of them
        for part in rec["answer"].strip("()").split(", "):
            assert str(Fraction(part)) == part


@pytest.mark.parametrize("family,level", CASES)
def test_corrupted_answer_fails_rederive(family: str, level: str) -> None:
    fam = get_family(family)()
    for rec in _records(family, level, seed=5, n=8):
        bad = {**rec, "answer": _corrupt(rec["answer"])}
        assert False in fam.rederive(bad).values(), (rec["prompt"], bad["answer"])


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic_and_seed_sensitive(family: str) -> None:
    level = "medium"
    knobs = get_family(family).levels[level]
    a = [generate_one(family, level, knobs, 3, i) for i in range(10)]
    b = [generate_one(family, level, knobs, 3, i) for i in range(10)]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    c = [generate_one(family, level, knobs, 4, i) for i in range(10)]
    assert sum(x["prompt"] != y["prompt"] for x, y in zip(a, c)) >= 9
    assert len({r["prompt"] for r in a}) >= 9


@pytest.mark.parametrize("family,knobs,name", [
    ("math.polynomial_roots", {"degree": 9}, "degree"),
    ("math.polynomial_roots", {"degree": 6, "root_max": 2}, "root_max"),
    ("math.polynomial_roots", {"query": "discriminant"}, "query"),
    ("math.modular", {"modulus_max": 5}, "modulus_max"),
    ("math.modular", {"congruences": 5, "modulus_max": 20}, "congruences"),
    ("math.counting", {"scale": 5}, "scale"),
    ("math.counting", {"kind": "catalan"}, "kind"),
    ("math.number_theory", {"digits": 2, "prime_factors": 4}, "prime_factors"),
    ("math.number_theory", {"factorial_max": 10**6}, "factorial_max"),
    ("math.recurrence", {"order": 3, "root_max": 1}, "root_max"),
    ("math.recurrence", {"forcing_degree": 3}, "forcing_degree"),
    ("math.compose", {"depth": 7}, "depth"),
    ("math.compose", {"steps": "modular+geometry"}, "steps"),
])
def test_knob_validation_names_the_knob(family: str, knobs: dict, name: str) -> None:
    with pytest.raises(HardgenError, match=repr(name)):
        get_family(family).Knobs.build(knobs)


def test_compose_steps_knob_restricts_families_and_chains_rederivation() -> None:
    fam = get_family("math.compose")()
    knobs = {"depth": 4, "steps": "counting+number_theory", "step_level": "medium"}
    for i in range(10):
        rec = generate_one("math.compose", None, knobs, 2, i)
        steps = rec["check"]["params"]["steps"]
        assert len(steps) == 4 and {s["family"] for s in steps} <= {"math.counting", "math.number_theory"}
        assert "Let " in rec["prompt"] and " mod " in rec["prompt"]
        assert all(fam.rederive(rec).values())
        # a wrong intermediate answer is caught even when the final answer is untouched
        bad = json.loads(json.dumps(rec))
        bad["check"]["params"]["steps"][1]["answer"] = str(int(steps[1]["answer"]) + 1)
        assert fam.rederive(bad)["intermediates"] is False


@pytest.mark.parametrize("family", FAMILIES[:5])
def test_families_implement_composable(family: str) -> None:
    fam = get_family(family)()
    assert isinstance(fam, Composable)
    knobs = get_family(family).resolve_knobs("medium")
    rng = random.Random(9)
    for given in (None, 0, -17, 10**30 + 7):
        step = fam.compose_step(knobs, rng, None if given is None else "A", given)
        assert isinstance(step.answer, int)
        assert fam.rederive_step(json.loads(json.dumps(step.params)), given) == step.answer
        if given is not None:
            assert "Let " in step.statement and "A mod " in step.statement


def test_polynomial_rederive_reads_only_coefficients() -> None:
    rec = generate_one("math.polynomial_roots", "hard", get_family("math.polynomial_roots").levels["hard"], 1, 0)
    assert set(rec["check"]["params"]) == {"coefficients", "query", "arg"}


def test_cli_generate_then_verify_all_valid(cli, tmp_path) -> None:
    from hardgen.core.store import open_dataset

    raw, ver = tmp_path / "raw", tmp_path / "ver"
    cli("generate", "math.polynomial_roots", "math.modular", "-n", "200", "--seed", "7", "--level", "hard",
        "-o", raw, "-w", "1")
    cli("verify", raw, "-o", ver, "-w", "1")
    rows = list(open_dataset(str(ver)))
    assert len(rows) == 400
    bad = [(r["family"], r["answer"], r["validity"]) for r in rows if r["validity"]["status"] != "valid"]
    assert not bad, bad[:5]
