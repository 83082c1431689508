"""The formal grammar (llm.cnf) and sampling a problem generator: exact validity, teacher votes, dedup, records."""

from __future__ import annotations

import itertools

import pytest
from pysat.solvers import Solver as PySat

from hardgen.core.errors import HardgenError
from hardgen.generators.formal import (FormulaIndex, formula_from_prompt, parse_formula, render_formula,
                                       solve_formula)
from hardgen.llmgen.sample import (Condition, DedupReference, generator_spec, majority_answer,
                                           sample_llm_problems)
from hardgen.models.base import Rollout, Solver
from hardgen.core.store import open_dataset
from hardgen.verifiers import score


class Scripted(Solver):
    """A generator/teacher that answers each prompt with the next texts of a script (cycled)."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.spec = "scripted:test"
        self.calls = 0

    def solve(self, records, k=1, seed=0):
        it = itertools.cycle(self.texts)
        out = []
        for _ in records:
            out.append([Rollout(next(it)) for _ in range(k)])
        self.calls += 1
        return out


def brute_force_sat(n: int, clauses: list[list[int]]) -> bool:
    """Satisfiability by trying every assignment: a route independent of any SAT solver."""
    for bits in itertools.product([False, True], repeat=n):
        if all(any((lit > 0) == bits[abs(lit) - 1] for lit in cl) for cl in clauses):
            return True
    return False


# ---------------------------------------------------------------- grammar

def test_parse_round_trip_and_num_vars():
    n, cl = parse_formula("  (A | !B|C)&( !D )  ")
    assert (n, cl) == (4, [[1, -2, 3], [-4]])
    assert parse_formula(render_formula(cl)) == (n, cl)


@pytest.mark.parametrize("text, why", [
    ("", "empty"), ("(A | !A)", "twice"), ("(A | A)", "twice"), ("(A | B) &", "ends after"),
    ("(A | B", "ends inside"), ("(a | B)", "unexpected character"), ("A | B", "expected '('"),
    ("(A | | B)", "expected a literal"), ("(A) (B)", "expected '&'"), ("(!!A)", "unexpected character"),
    ("()", "expected a literal"), ("(A) & x" * 3, "unexpected character"),
])
def test_parse_rejects_malformed(text, why):
    sol = solve_formula(text)
    assert not sol.valid and why in sol.reason


def test_hostile_inputs_never_crash():
    assert not solve_formula("(" * 100_000).valid          # over the size limit: refused before parsing
    assert not solve_formula("(A | B) & " * 5000 + "\x00").valid
    assert "at most" in solve_formula("(A)" + " " * 30_000).reason
    with pytest.raises(HardgenError):
        parse_formula(None)  # type: ignore[arg-type]


def test_validity_matches_brute_force():
    # 200 random small formulas: valid exactly when a brute-force search finds a model
    import random

    rng = random.Random(5)
    agree = 0
    for _ in range(200):
        n = rng.randint(2, 5)
        clauses = [sorted(rng.sample(range(1, n + 1), rng.randint(1, min(3, n))), key=abs)
                   for _ in range(rng.randint(1, 14))]
        clauses = [[v if rng.random() < 0.5 else -v for v in c] for c in clauses]
        text = render_formula(clauses)
        sol = solve_formula(text)
        assert sol.valid == brute_force_sat(max(abs(x) for c in clauses for x in c), clauses)
        if sol.valid:
            vals = sol.witness
            assert all(any((lit > 0) == vals[abs(lit) - 1] for lit in cl) for cl in clauses)
        agree += 1
    assert agree == 200


def test_repeated_clause_is_allowed_but_dedup_sees_the_set():
    sol = solve_formula("(A | B) & (A | B) & (!A)")
    assert sol.valid and len(sol.clauses) == 3
    idx = FormulaIndex(0.8)
    idx.add("t", [[1, 2], [-1]])
    assert idx.query([[2, 1], [-1], [1, 2]]) == ("t", 1.0)


def test_formula_index_threshold():
    base = [[1, 2, 3], [-1, 2, 4], [1, -3, 4], [2, -4, 5], [-2, 3, 5], [1, 4, -5], [-1, -2, -3], [3, 4, 5],
            [-3, -4, 5], [1, 2, -5]]
    idx = FormulaIndex(0.8)
    idx.add("base", base)
    one_changed = base[:-1] + [[-1, 2, 5]]        # 9 shared of 11 distinct: 0.818
    three_changed = base[:-3] + [[-1, 2, 5], [2, 3, -5], [-1, 3, -4]]
    assert idx.query(one_changed)[0] == "base"
    assert idx.query(three_changed) is None
    assert idx.similarity(three_changed)[1] == pytest.approx(7 / 13)


# ---------------------------------------------------------------- the template family and the sat panel

def test_template_rows_verify_and_tampering_is_caught():
    from hardgen.generators.item import generate_one
    from hardgen.stages.verify import verify_record

    for i in range(5):
        rec = generate_one("llm.cnf", "hard", {}, 3, i)
        assert rec["family"] == "llm.cnf" and rec["answer"] is None and rec["check"]["kind"] == "sat"
        assert verify_record(rec)["status"] == "valid"
        assert parse_formula(formula_from_prompt(rec["prompt"]))[1] == rec["check"]["params"]["clauses"]
    bad = dict(rec, check={**rec["check"], "params": {**rec["check"]["params"]}})
    bad["check"]["params"]["clauses"] = rec["check"]["params"]["clauses"][:-1]
    v = verify_record(bad)
    assert v["status"] == "invalid" and v["checks"]["prompt_formula_matches"] is False


def test_walksat_panel_grades_llm_rows():
    from hardgen.difficulty.grade import grade_rows
    from hardgen.generators.item import generate_one
    from hardgen.models.base import get_solver

    rows = [generate_one("llm.cnf", "hard", {}, 0, i) for i in range(6)]
    with get_solver("sat:walksat@2") as s, get_solver("sat:walksat@10000") as patient:
        graded, _ = grade_rows(rows, [s, patient], 8, 0, "t", None)
    for r in graded:
        assert r["difficulty"]["grades"]["sat:walksat@10000"]["pass_rate"] == 1.0  # solvable, and shown so
        assert 0.0 <= r["difficulty"]["grades"]["sat:walksat@2"]["pass_rate"] <= 1.0
    assert min(r["difficulty"]["grades"]["sat:walksat@2"]["pass_rate"] for r in graded) < 1.0


# ---------------------------------------------------------------- sampling

TRAIN = "(A | B | !C) & (!A | C | D) & (B | !D | E) & (!B | !C | !E) & (A | D | E) & (C | !D | !E)"
TRAIN_CLAUSES = parse_formula(TRAIN)[1]
REORDERED = render_formula(list(reversed([list(reversed(c)) for c in TRAIN_CLAUSES])))
NEAR = render_formula(TRAIN_CLAUSES + [[1, -2, 5]])     # 6 of 7 clauses shared: 0.857
NEW = "(!A | B | D) & (A | !B | !E) & (C | D | !E) & (!C | !D | E)"
UNSAT = "(A) & (!A | B) & (!B)"
GARBAGE = "(A | B & C"


def test_sample_records_validity_and_dedup(tmp_path):
    gen = Scripted([TRAIN, REORDERED, NEAR, NEW, UNSAT, GARBAGE, NEW])
    out = tmp_path / "llm"
    s = sample_llm_problems(gen, n=1, out=str(out), conditions=["llm.cnf:hard:vars=5,width=3"],
                            train_data=[{"family": "llm.cnf", "text": TRAIN}], oversample=7, max_rounds=1)
    assert (s["candidates"], s["valid"], s["invalid"]) == (7, 1, 2)
    # exact copy, reordered copy and the second NEW are duplicates; NEAR is a near-duplicate
    assert (s["duplicate"], s["near_duplicate"], s["duplicates_dropped"]) == (3, 1, 4)
    assert s["validity_rate"] == pytest.approx(5 / 7, abs=1e-3) and s["novelty"] == pytest.approx(1 / 5)
    rows = list(open_dataset(str(out)))
    assert len(rows) == 1
    r = rows[0]
    assert r["family"] == "llm.cnf" and r["validity"]["status"] == "valid" and r["source"]["text"] == NEW
    assert r["check"]["kind"] == "sat" and r["difficulty"]["level"] == "hard"
    assert r["source"]["condition"]["tags"] == ["vars=5", "width=3"]
    n, clauses = r["check"]["params"]["num_vars"], r["check"]["params"]["clauses"]
    with PySat(name="minisat22", bootstrap_with=clauses) as ps:  # an independent solver finds a model...
        assert ps.solve()
        bits = "".join("1" if x > 0 else "0" for x in sorted(ps.get_model(), key=abs)[:n])
    assert score(r, f"\\boxed{{{bits}}}").correct is True              # ...and the checker accepts it
    assert score(r, "\\boxed{" + "".join("1" if b == "0" else "0" for b in bits) + "}").correct in (True, False)
    # rerunning the same stage resumes: the finished shard is kept, nothing is sampled again
    again = sample_llm_problems(gen, n=1, out=str(out), conditions=["llm.cnf:hard:vars=5,width=3"],
                                train_data=[{"family": "llm.cnf", "text": TRAIN}], oversample=7, max_rounds=1)
    assert again["rows"] == 1 and gen.calls == 1


def test_free_form_majority_vote_and_agreement(tmp_path):
    gen = Scripted(["What is 1/2 + 1/4? Give a fraction.", "What is 3 - 9/4?"])
    teacher = Scripted(["so \\boxed{3/4}", "it is \\boxed{0.75}", "\\boxed{\\frac{3}{4}}", "\\boxed{1}"])
    s = sample_llm_problems(gen, n=2, out=str(tmp_path / "t"),
                            conditions=[{"family": "llm.text", "difficulty": "medium"}], teacher=teacher, k_teacher=4, agreement=0.75, oversample=1, max_rounds=1)
    rows = list(open_dataset(str(tmp_path / "t")))
    assert s["candidates"] == 2 and len(rows) == 2  # each text got 3 of 4 equivalent teacher answers
    r = rows[0]
    assert r["family"] == "llm.text" and r["check"]["kind"] == "math"
    assert r["answer"] in ("3/4", "0.75", "\\frac{3}{4}")
    assert r["difficulty"]["teacher_agreement"] == 0.75 and r["validity"]["status"] == "valid"
    assert "\\boxed" in r["prompt"]
    assert score(r, "\\boxed{3/4}").correct is True
    strict = sample_llm_problems(Scripted(["What is 1/2 + 1/4?"]), n=1, out=str(tmp_path / "s"),
                                 conditions=["llm.text:hard"], teacher=teacher, agreement=0.9, max_rounds=1,
                                 oversample=1)
    assert strict["valid"] == 0 and strict["invalid"] == 1


def test_majority_answer_groups_equivalent_forms_and_ties():
    assert majority_answer(["\\boxed{2}", "\\boxed{2.0}", "\\boxed{3}"])[:2] == ("2", 2)
    assert majority_answer(["\\boxed{2}", "\\boxed{3}"])[0] is None           # a tie has no answer
    assert majority_answer(["\\boxed{2} or \\boxed{5}", "no answer at all"]) == (None, 0, 2)


def test_conditions_and_spec_errors():
    assert Condition.parse("llm.cnf:medium:vars=6, width=3").tags == ("vars=6", "width=3")
    assert "family: llm.cnf" in Condition().prompt()
    with pytest.raises(HardgenError, match="family"):
        Condition.parse("sat.ksat:hard")
    with pytest.raises(HardgenError, match="unknown key"):
        Condition.parse({"family": "llm.cnf", "level": "hard"})
    assert generator_spec("openai:http://x/v1#m", 64, 0.7) == "openai:http://x/v1#m?max_new_tokens=64&temperature=0.7"
    assert generator_spec("hf:./m?temperature=0.2", 64, 0.9) == "hf:./m?temperature=0.2&max_new_tokens=64"
    with pytest.raises(HardgenError, match="-n"):
        sample_llm_problems(Scripted([NEW]), n=0, out="unused")


def test_dedup_reference_flags_copies_of_accepted_rows():
    ref = DedupReference(0.8)
    ref.add("a", "llm.cnf", NEW)
    assert ref.check("llm.cnf", NEW)[0] == "duplicate"
    assert ref.check("llm.cnf", TRAIN)[0] is None


def test_real_tiny_model_end_to_end(tmp_path):
    """An untrained tiny model through the hf backend: the stage runs, counts and writes what it found."""
    from hardgen.models.tiny import build_tiny_model

    model = build_tiny_model(tmp_path / "m", vocab_size=300, hidden=16, layers=1, heads=2, kv_heads=1,
                             max_positions=128, corpus=[TRAIN, NEW, Condition().prompt()])
    s = sample_llm_problems(str(model), n=4, out=str(tmp_path / "o"), max_new_tokens=24, max_rounds=1, oversample=1)
    assert s["candidates"] == 4 and s["valid"] + s["invalid"] + s["duplicates_dropped"] == 4
    assert s["rows"] == len(list(open_dataset(str(tmp_path / "o"))))


def test_constrained_sampling_writes_only_parsing_texts_of_the_requested_size(tmp_path):
    """An untrained tiny model writes noise; under its grammar's constraint (the default) every sample parses and
    has the requested number of edges, so what remains invalid is semantic (not colourable); planted, a random
    colouring drawn per sample must fit every edge, so every sample is colourable; `--constrain off` samples
    freely through the CLI and the noise does not parse."""
    import json

    from click.testing import CliRunner

    from hardgen.cli import main
    from hardgen.generators.grammars import GRAMMARS
    from hardgen.models.tiny import build_tiny_model

    pytest.importorskip("outlines_core")
    cond = "llm.color:hard:nodes=6,colors=3,edges=5"
    model = build_tiny_model(tmp_path / "m", vocab_size=300, hidden=16, layers=1, heads=2, kv_heads=1,
                             max_positions=256, corpus=["colors 3: 1-2, 2-3, 3-4, 4-6", Condition.parse(cond).prompt()])
    spec = f"hf:{model}?max_new_tokens=96"
    s = sample_llm_problems(spec, n=8, out=str(tmp_path / "on"), conditions=[cond], max_rounds=1, oversample=1,
                            train_data=[])
    assert s["candidates"] == 8 and not any(r.startswith("does not parse") for r in s["invalid_reasons"])
    assert s["validity_rate"] == pytest.approx((s["valid"] + s["duplicates_dropped"]) / 8)
    for r in open_dataset(str(tmp_path / "on")):
        text = r["source"]["text"]
        assert GRAMMARS["llm.color"].items(text) is not None and len(text.split(",")) == 5
        assert r["check"]["params"]["nodes"] <= 6 and r["check"]["params"]["colors"] == 3
    planted = sample_llm_problems(spec, n=8, out=str(tmp_path / "planted"), conditions=[cond], max_rounds=1,
                                  oversample=1, train_data=[], constrain="planted")
    assert planted["candidates"] == 8 and planted["invalid"] == 0, planted["invalid_reasons"]
    res = CliRunner().invoke(main, ["--json", "generate", "llm", "--model", spec, "--condition", cond, "-n", "4",
                                    "--constrain", "off", "-o", str(tmp_path / "off")])
    assert res.exit_code == 0, res.output
    free = json.loads(res.output[res.output.index("{"):])
    assert free["invalid_reasons"].get("does not parse", 0) >= 3
    assert json.loads((tmp_path / "off" / "manifest.json").read_text())["params"]["constrain"] == "off"
