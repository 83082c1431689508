"""CPU solver panels: SPEC parsing, correct-by-verifier rollouts, seeded variety, and a budget ladder."""

import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.models.base import get_solver
from hardgen.models.cpu_solvers import walksat
from hardgen.verifiers import score


def make(family, level=None, index=0, **knobs):
    fam = get_family(family)
    return generate_one(family, level, fam.resolve_knobs(level, knobs).as_dict(), 0, index)


def solved_share(spec, records, k=1):
    with get_solver(spec) as s:
        rolls = s.solve(records, k=k, seed=3)
    verdicts = [score(r, ro.text).correct for r, rs in zip(records, rolls) for ro in rs]
    return sum(v is True for v in verdicts) / len(verdicts)


def test_spec_parsing():
    assert get_solver("sat:cdcl@100").budget == 100
    w = get_solver("sat:walksat@500,p=0.3")
    assert (w.max_flips, w.noise) == (500, 0.3)
    for bad in ("sat:cdcl@0", "sat:cdcl@x", "sat:walksat@10,q=1", "sat:walksat@10,p=2", "sat:dpll@3"):
        with pytest.raises(HardgenError):
            get_solver(bad)


def test_cdcl_ladder_on_easy_and_hard_mix():
    records = [make("sat.ksat", "easy", i) for i in range(4)] + [make("sat.ksat", "hard", i) for i in range(6)]
    shares = [solved_share(f"sat:cdcl@{b}", records) for b in (1, 30, 100_000)]
    assert shares[0] < shares[2] and shares[0] <= shares[1] <= shares[2]
    assert shares[2] == 1.0  # enough budget decides every instance, including UNSAT ones
    assert shares[0] >= 0.3  # most easy instances fall even to a tiny budget


def test_walksat_ladder_and_it_never_claims_unsat():
    records = [make("sat.planted", "easy", i) for i in range(4)] + [make("sat.planted", "medium", i)
                                                                     for i in range(4)]
    low, mid, high = (solved_share(f"sat:walksat@{b}", records, k=2) for b in (3, 300, 200_000))
    assert low < mid < high and high >= 0.85  # WalkSAT run lengths are heavy-tailed on quiet instances
    unsat = make("sat.ksat", n=20, ratio=9.0)
    assert unsat["answer"] == "unsatisfiable"
    with get_solver("sat:walksat@2000") as s:
        r = s.solve([unsat], k=1)[0][0]
    assert r.meta["status"] == "unknown" and score(unsat, r.text).correct is False
    with get_solver("sat:cdcl@100000") as s:
        r = s.solve([unsat], k=1)[0][0]
    assert score(unsat, r.text).correct is True


def test_rollouts_vary_across_k_and_repeat_for_a_seed():
    rec = make("sat.ksat", n=40, ratio=2.0)  # far below threshold: very many models
    for spec in ("sat:cdcl@100000", "sat:walksat@100000"):
        with get_solver(spec) as s:
            a = s.solve([rec], k=6, seed=1)[0]
            b = s.solve([rec], k=6, seed=1)[0]
        assert [r.text for r in a] == [r.text for r in b]
        assert len({r.text for r in a}) > 1, spec
        assert all(score(rec, r.text).correct for r in a)


def test_panels_work_on_every_sat_family_format():
    recs = [make("sat.saturn", "medium"), make("sat.planted", "easy", format="dimacs"),
            make("sat.saturn", "saturn_3_5_5")]
    for spec in ("sat:cdcl@1000", "sat:walksat@5000"):
        assert solved_share(spec, recs) == 1.0


def test_walksat_function_and_non_encodable_family():
    import random

    vals, flips = walksat(3, [[1, 2], [-1, 3], [-2, -3]], 1000, 0.5, random.Random(0))
    assert vals in ([False, True, False], [True, False, True])
    assert walksat(1, [[]], 10, 0.5, random.Random(0))[0] is None
    lin = make("math.linear_system", "easy")
    with pytest.raises(HardgenError, match="SAT-encodable"):
        get_solver("sat:cdcl@10").solve([lin])
