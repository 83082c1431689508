"""The strict SAT checker: every variable exactly once, clause by clause, 'unsatisfiable' only when proven."""

from pathlib import Path

import pytest
from pysat.solvers import Solver

from hardgen.generators.sat._cnf import read_dimacs, sat_check
from hardgen.verifiers import score_check
from hardgen.verifiers.answer import boxed_contents

SATLIB = Path(__file__).resolve().parents[1] / "fixtures" / "satlib"  # shipped; origin in its README

# (x1 | x2) & (!x1 | x3) & (!x2 | !x3): models 011? no -> x1=0,x2=1,x3=0 and x1=1,x2=0,x3=1
CLAUSES = [[1, 2], [-1, 3], [-2, -3]]
BITS = sat_check(3, CLAUSES, "sat", "bits", False)
DIMACS = sat_check(3, CLAUSES, "sat", "dimacs", False)
UNSAT = sat_check(1, [[1], [-1]], "unsat", "bits", False)


def v(resp, check, answer=None):
    return score_check(resp, check, answer)


def test_accepts_both_models_in_both_formats():
    for bits, lits in (("010", "-1 2 -3"), ("101", "1 -2 3")):
        assert v(f"so \\boxed{{{bits}}}", BITS).correct is True
        assert v(f"\\boxed{{{lits}}}", DIMACS).correct is True
    assert v("\\boxed{1, -2, 3 0}", DIMACS).correct is True  # commas and a DIMACS terminating 0
    assert v("\\boxed{\\text{101}}", BITS).correct is True


@pytest.mark.parametrize("resp,reason", [
    ("\\boxed{10}", "missing"), ("\\boxed{1011}", "extra"), ("\\boxed{1a1}", "malformed"),
    ("\\boxed{110}", "clause 2"), ("<think>maybe \\boxed{101}", "cut off while thinking"),
    ("\\boxed{101} wait no \\boxed{010}", "conflicting"), ("\\boxed{unsatisfiable}", "satisfiable"),
])
def test_bits_rejections(resp, reason):
    got = v(resp, BITS)
    assert got.correct is False and reason in got.reason


@pytest.mark.parametrize("resp,reason", [
    ("\\boxed{1 -2}", "missing"), ("\\boxed{1 -2 3 4}", "extra"), ("\\boxed{1 -2 3 -1}", "contradictory"),
    ("\\boxed{1 -2 3 3}", "more than once"), ("\\boxed{1 two 3}", "malformed"), ("\\boxed{1 0 -2 3}", "0 inside"),
    ("\\boxed{1 2 3}", "clause 3"), ("\\boxed{1.5 -2 3}", "malformed"),
])
def test_dimacs_rejections(resp, reason):
    got = v(resp, DIMACS)
    assert got.correct is False and reason in got.reason


def test_unsat_answers():
    assert v("\\boxed{unsatisfiable}", UNSAT, "unsatisfiable").correct is True
    assert v("\\boxed{UNSAT}", UNSAT).correct is True
    assert v("\\boxed{1}", UNSAT).correct is False
    unknown = {**UNSAT, "params": {**UNSAT["params"], "status": None}}
    assert v("\\boxed{unsatisfiable}", unknown).correct is None


def test_repeated_identical_boxes_are_fine_and_last_box_counts():
    assert v("\\boxed{101} so the answer is \\boxed{1 0 1}", BITS).correct is True


def test_hostile_input_does_not_crash_and_is_wrong():
    huge = "\\boxed{" + "1" * 1_000_000 + "}"
    assert v(huge, BITS).correct is False
    assert v("\\boxed{" * 10000, BITS).correct is False
    assert v("{" * 50000 + "\\boxed{101}" + "}" * 3, BITS).correct is True
    assert v("\\boxed{99999999999999999999999 1 2}", DIMACS).correct is False
    assert boxed_contents("\\boxed{a{b}c} \\boxed{d}") == ["a{b}c", "d"]


@pytest.mark.parametrize("backend", ["cadical153", "glucose4"])
def test_accepts_models_from_real_solvers_on_every_uf50_file(backend):
    files = sorted(SATLIB.glob("uf50-*.cnf"))
    assert len(files) == 20
    for f in files:
        n, clauses = read_dimacs(f)
        with Solver(name=backend, bootstrap_with=clauses) as s:
            assert s.solve()
            model = [x for x in s.get_model() if abs(x) <= n]
        # solvers may omit variables that occur in no clause; any value works for those
        seen = {abs(x) for x in model}
        model += [i for i in range(1, n + 1) if i not in seen]
        for fmt in ("bits", "dimacs"):
            check = sat_check(n, clauses, "sat", fmt, False)
            vals = {abs(x): x > 0 for x in model}
            text = ("".join("1" if vals[i] else "0" for i in range(1, n + 1)) if fmt == "bits"
                    else " ".join(map(str, sorted(model, key=abs))))
            got = v(f"The model is \\boxed{{{text}}}.", check)
            assert got.correct is True, (f.name, fmt, got.reason)
        # flipping one variable that some clause depends on must be caught clause by clause
        flip = abs(clauses[0][0])
        bad = "".join(("0" if vals[i] else "1") if i == flip else ("1" if vals[i] else "0") for i in range(1, n + 1))
        sole = [cl for cl in clauses if sum((x > 0) == vals[abs(x)] for x in cl) == 1
                and any(abs(x) == flip and (x > 0) == vals[flip] for x in cl)]
        if sole:
            assert v(f"\\boxed{{{bad}}}", sat_check(n, clauses, "sat", "bits", False)).correct is False
