"""llm.xor and llm.color, the generator's math grammars: validity proved exactly (checked here by brute force),
prompts that carry the problem, `gen verify` catching tampered rows, and conditioned sampling with in-bin grading."""

from __future__ import annotations

import itertools
import random

import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.formal_math import (gf2_solve, parse_graph, parse_system, render_graph, render_system,
                                            solve_graph, solve_system)
from hardgen.generators.grammars import GRAMMARS, grammar_of_row
from hardgen.llmgen.sample import (Condition, conditions_for, pass_bin, pass_window,
                                           sample_llm_problems)
from hardgen.generators.item import generate_one
from hardgen.models.base import Rollout, Solver
from hardgen.core.store import open_dataset
from hardgen.verifiers import score
from hardgen.stages.verify import verify_record


def brute_solutions(n: int, eqs) -> list[tuple[int, ...]]:
    """Every 0/1 assignment satisfying the parity equations, by enumeration (no solver, no algebra)."""
    return [bits for bits in itertools.product((0, 1), repeat=n)
            if all(sum(bits[v - 1] for v in vs) % 2 == rhs for vs, rhs in eqs)]


def brute_colourable(n: int, k: int, edges) -> bool:
    return any(all(c[u - 1] != c[v - 1] for u, v in edges) for c in itertools.product(range(k), repeat=n))


def test_xor_validity_is_exactly_one_solution():
    rng = random.Random(3)
    seen = {True: 0, False: 0}
    for _ in range(150):
        n = rng.randint(2, 6)
        eqs = [(tuple(sorted(rng.sample(range(1, n + 1), rng.randint(1, min(3, n))))), rng.randint(0, 1))
               for _ in range(rng.randint(1, n + 2))]
        text = render_system(eqs)
        sol = solve_system(text)
        pn = parse_system(text)[0]
        sols = brute_solutions(pn, eqs)
        assert sol.valid == (len(sols) == 1), text
        if sol.valid:
            assert tuple(int(b) for b in sol.solution) == sols[0]
            assert gf2_solve(pn, eqs)[2] == list(sols[0])  # sympy's route agrees
        seen[sol.valid] += 1
    assert seen[True] > 10 and seen[False] > 10


@pytest.mark.parametrize("text, why", [
    ("", "empty"), ("x1 + x1 = 1", "twice"), ("x1 + x2 = 2", "is not"), ("x17 = 1", "outside"),
    ("x1 + x2 + x3 + x4 + x5 + x6 = 1", "at most"), ("x1 = 1;", "is not"), ("y1 = 0", "is not"),
])
def test_xor_rejects_malformed(text, why):
    sol = solve_system(text)
    assert not sol.valid and why in sol.reason


def test_color_validity_is_colourability():
    rng = random.Random(4)
    seen = {True: 0, False: 0}
    for _ in range(120):
        n, k = rng.randint(3, 6), rng.randint(2, 3)
        pairs = [(u, v) for u in range(1, n + 1) for v in range(u + 1, n + 1)]
        edges = rng.sample(pairs, rng.randint(1, len(pairs)))
        sol = solve_graph(render_graph(k, edges))
        assert sol.valid == brute_colourable(max(max(e) for e in edges), k, edges)
        if sol.valid:
            assert all(sol.colouring[u - 1] != sol.colouring[v - 1] for u, v in edges)
        seen[sol.valid] += 1
    assert seen[True] > 10 and seen[False] > 10
    assert parse_graph("colors 3: 2-1, 1-2") == (2, 3, [(1, 2)])  # a repeated edge is one constraint
    for bad, why in [("colors 7: 1-2", "2..6"), ("colors 3: 1-1", "loop"), ("3: 1-2", "expected"),
                     ("colors 3: 1-2, 2", "not 'U-V'"), ("colors 2: 1-2, 2-3, 1-3", "not 2-colourable")]:
        assert why in solve_graph(bad).reason


@pytest.mark.parametrize("family", ["llm.xor", "llm.color"])
def test_template_rows_verify_score_and_tampering_is_caught(family):
    from hardgen.models.base import get_solver

    rows = [generate_one(family, "medium", GRAMMARS_LEVEL[family], 5, i) for i in range(4)]
    for r in rows:
        assert verify_record(r)["status"] == "valid"
        assert grammar_of_row(r)[0] == family  # a graded row trains the grammar it came from
    with get_solver("sat:cdcl@100000") as s:  # a solved response is scored correct by the family's checker
        for r, rolls in zip(rows, s.solve(rows, 1, 0)):
            assert score(r, rolls[0].text).correct is True
    r = rows[0]
    key = "equations" if family == "llm.xor" else "edges"  # the stored problem no longer matches its prompt
    bad = dict(r, check={**r["check"], "params": {**r["check"]["params"], key: r["check"]["params"][key][:-1]}})
    v = verify_record(bad)
    assert v["status"] == "invalid"


GRAMMARS_LEVEL = {"llm.xor": {"vars": 8, "extra": 2}, "llm.color": {"min_edges": 19, "max_edges": 24}}


def test_pass_bins_and_conditions():
    assert [pass_bin(x) for x in (0.0, 0.09, 0.1, 0.11, 0.3, 0.95, 1.0)] == [0.0, 0.0, 0.0, 0.2, 0.2, 1.0, 1.0]
    assert pass_window(0.2) == pytest.approx((0.1, 0.3))
    c = Condition("llm.xor", "pass=0.2", ("vars=8",), "sat:walksat@20")
    assert c.target_pass == 0.2 and "difficulty: pass rate 0.2 for sat:walksat@20" in c.prompt()
    assert Condition.parse({"family": "llm.xor", "difficulty": "pass=0.2", "solver": "sat:walksat@20"}) == \
        Condition("llm.xor", "pass=0.2", (), "sat:walksat@20")
    with pytest.raises(HardgenError, match="needs the solver"):
        Condition("llm.xor", "pass=0.2")
    with pytest.raises(HardgenError, match="one of"):
        Condition("llm.xor", "pass=0.3", (), "s")
    rows = [{"condition": {"family": "llm.xor", "difficulty": "pass=0.2", "tags": ["vars=11"], "solver": "s"}},
            {"condition": {"family": "llm.xor", "difficulty": "pass=0.6", "tags": ["vars=5"], "solver": "s"}}]
    assert {c.tags for c in conditions_for(rows, "llm.xor", 0.2, "s", 5, 0)} == {("vars=11",)}
    assert {c.tags for c in conditions_for(rows, "llm.xor", 0.8, "s", 5, 0)} == {("vars=5",)}  # nearest bin


class Scripted(Solver):
    def __init__(self, texts):
        self.texts, self.spec = texts, "scripted:test"

    def solve(self, records, k=1, seed=0):
        it = itertools.cycle(self.texts)
        return [[Rollout(next(it)) for _ in range(k)] for _ in records]


EASY = "colors 3: 1-2, 2-3"                                            # any 2-flip walk colours it: pass 1.0
DENSE = render_graph(3, [(1, 2), (1, 3), (1, 4), (2, 3), (2, 5), (3, 6), (4, 5), (4, 6), (5, 6), (1, 7), (5, 7),
                         (6, 8), (2, 8), (7, 8), (3, 9), (4, 9), (8, 9), (7, 10), (9, 10), (6, 10)])


def test_conditioned_sampling_keeps_only_in_bin_rows(tmp_path):
    train = [{"family": "llm.color", "text": "colors 3: 1-2", "condition": {
        "family": "llm.color", "difficulty": "pass=1", "tags": ["nodes=2", "colors=3"], "solver": "sat:walksat@10"}}]
    s = sample_llm_problems(Scripted([EASY, DENSE]), n=1, out=str(tmp_path / "o"), train_data=train,
                            family="llm.color", target_pass=1.0, solver="sat:walksat@10", grade_k=8, oversample=2,
                            max_rounds=1)
    rows = list(open_dataset(str(tmp_path / "o")))
    assert s["rows"] == len(rows) == 1 and s["out_of_window"] == 1
    r = rows[0]
    assert r["source"]["text"] == EASY and r["difficulty"]["target_pass"] == 1.0
    assert r["difficulty"]["grades"]["sat:walksat@10"]["pass_rate"] == 1.0
    assert "pass rate 1 for sat:walksat@10" in s["conditions"][0]
    with pytest.raises(HardgenError, match="trained on pass rates of sat:walksat@10"):
        sample_llm_problems(Scripted([EASY]), n=1, out=str(tmp_path / "x"), train_data=train, family="llm.color",
                            target_pass=0.2, solver="sat:cdcl@5")
    with pytest.raises(HardgenError, match="not a bin"):
        sample_llm_problems(Scripted([EASY]), n=1, out=str(tmp_path / "y"), family="llm.color", target_pass=0.3,
                            solver="sat:walksat@2")


def test_nothing_valid_says_why(tmp_path):
    s = sample_llm_problems(Scripted(["colors 3: 1-", "x1 = "]), n=2, out=str(tmp_path / "o"), family="llm.color",
                            max_rounds=1, oversample=1)
    assert s["rows"] == 0 and "2 of 2 samples invalid (does not parse: 2)" in s["why_none"]
    assert "train longer" in s["why_none"]


def test_cli_target_pass_without_solver_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from hardgen.cli import main

    res = CliRunner().invoke(main, ["generate", "llm", "--model", str(tmp_path), "--family", "llm.xor",
                                    "--target-pass", "0.2", "-n", "5", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "needs --solver" in res.output and "Traceback" not in res.output
