"""Grading, adaptive sampling, selection and calibration on real generated problems with a simulated solver."""

import json

import pytest

from hardgen.core.dedup import NearDuplicateIndex
from hardgen.difficulty.grade import AdaptiveConfig, rollouts_for
from hardgen.difficulty.select import parse_target, select_rows
from hardgen.difficulty.sequential import p_in_window
from hardgen.difficulty.window import Window
from hardgen.core.errors import HardgenError
from hardgen.models.simulated import SimulatedSolver


@pytest.fixture(scope="module")
def valid_data(tmp_path_factory):
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    d = tmp_path_factory.mktemp("grade")
    generate_dataset(["math.linear_system"], n=150, out=str(d / "raw"), seed=5, workers=1)
    verify_dataset(str(d / "raw"), str(d / "valid"), workers=1)
    return d


def test_window_parse_and_bounds():
    w = Window.parse("0,0.5")
    assert not w.contains(0.0) and w.contains(0.5) and w.contains(0.01) and not w.contains(0.51)
    w = Window.parse("[0.2,0.6)")
    assert w.contains(0.2) and not w.contains(0.6)
    with pytest.raises(HardgenError):
        Window.parse("0.6,0.2")
    with pytest.raises(HardgenError):
        Window.parse("(0.3,0.3)")


def test_grade_cli_writes_grades_and_rollouts_and_resumes(cli, valid_data):
    out = valid_data / "graded"
    cli("grade", valid_data / "valid", "--solver", "sim:0.5,0.5", "-k", 6, "-o", out)
    rows = [json.loads(x) for p in sorted((out / "shards").glob("*.jsonl")) for x in p.read_text().splitlines()]
    assert len(rows) == 150
    g = rows[0]["difficulty"]["grades"]["sim:0.5,0.5"]
    assert g["k"] == 6 and 0 <= g["correct"] <= 6 and g["ci"][0] <= g["pass_rate"] <= g["ci"][1]
    rollouts = [json.loads(x) for p in sorted((out / "rollouts").glob("*.jsonl")) for x in p.read_text().splitlines()]
    assert len(rollouts) == 150 * 6
    # verdicts come from the real verifier: the simulated correct rollouts carry the reference answer
    per_id = {}
    for r in rollouts:
        per_id.setdefault(r["id"], []).append(r["correct"])
    assert all(sum(v is True for v in per_id[r["id"]]) == r["difficulty"]["grades"]["sim:0.5,0.5"]["correct"]
               for r in rows)
    # rerun: finished shards are kept byte for byte
    before = {p.name: p.read_bytes() for p in (out / "shards").glob("*")}
    cli("grade", valid_data / "valid", "--solver", "sim:0.5,0.5", "-k", 6, "-o", out)
    assert before == {p.name: p.read_bytes() for p in (out / "shards").glob("*")}


def test_grade_errors(cli, valid_data):
    r = cli("grade", valid_data / "valid", "--solver", "nope:x", "-o", valid_data / "e1", expect=2)
    assert "unknown solver backend 'nope'" in r.output
    r = cli("grade", valid_data / "valid", "--solver", "sim:0.5,0.5", "-k", 0, "-o", valid_data / "e2", expect=2)
    assert "-k must be at least 1" in r.output
    r = cli("select", valid_data / "valid", "--solver", "sim:1,1", "--window", "0.5,0.1", "-o", valid_data / "e3",
            expect=2)
    assert "window bounds" in r.output


def test_adaptive_stops_decided_problems_early():
    rows = [{"id": f"{i:04d}", "answer": "1", "check": {"kind": "math"}} for i in range(200)]
    easy = SimulatedSolver(30, 1, sim_seed=2)  # p ≈ 0.97: clearly outside (0, 0.5]
    easy.spec = "sim:easy"
    res, info = rollouts_for(easy, rows, 16, 0, "k", AdaptiveConfig())
    assert sum(len(r) for r in res) < 0.4 * 16 * len(rows)
    assert sum(not i["in_window"] for i in info) > 0.95 * len(rows)
    # DART mode: stop as soon as m are correct
    res, info = rollouts_for(easy, rows, 16, 0, "k", AdaptiveConfig(until_correct=2, batch=2))
    assert all(len(r) <= 4 for r in res[:50]) and info[0]["stopped"] == "m_correct"


def test_posterior_in_window_is_monotone_in_successes():
    w = Window()
    ps = [p_in_window(c, 16, w) for c in range(17)]
    assert all(a >= b for a, b in zip(ps[1:], ps[2:]))  # more successes → less likely to be hard
    assert ps[16] < 0.01 and ps[2] > 0.95


def _rec(i, p, split="train", prompt=None, valid=True, family="f"):
    return {"id": f"r{i}", "family": family, "split": split, "prompt": prompt or f"Problem number {i} asks {i * 7}",
            "validity": {"status": "valid" if valid else "unknown"},
            "difficulty": {"grades": {"s": {"pass_rate": p, "correct": int(p * 8), "k": 8}}}}


def test_select_window_solvability_and_dedup():
    recs = [_rec(0, 0.0), _rec(1, 0.25), _rec(2, 0.5), _rec(3, 0.75), _rec(4, 0.25, valid=False),
            _rec(5, 0.25, split="test", prompt="Find the remainder when 2^100 is divided by 7 please."),
            _rec(6, 0.25, prompt="Find the remainder when 2^100 is divided by 7 please ."),
            _rec(7, 0.125)]
    recs[4]["difficulty"]["grades"]["other"] = {"pass_rate": 0.5, "correct": 4, "k": 8}
    keep, s = select_rows(recs, "s")
    assert keep == {"r1", "r2", "r4", "r5", "r7"}
    assert s["dropped"]["outside_window"] == 2 and s["dropped"]["train_near_test"] == 1
    keep, _ = select_rows(recs, "s", window=Window.parse("[0,0.5]"))
    assert "r0" in keep
    recs[4]["difficulty"]["grades"].pop("other")
    keep, s = select_rows(recs, "s")
    assert "r4" not in keep and s["dropped"]["not_solvable"] == 1


def test_select_target_mix_and_family_balance():
    recs = [_rec(i, 0.1 if i % 3 else 0.3, family="a" if i < 60 else "b") for i in range(90)]
    keep, s = select_rows(recs, "s", target=parse_target("very_hard=0.5,hard=0.5"), dedup_threshold=None)
    assert s["labels"]["very_hard"] == s["labels"]["hard"] == 30
    keep, s = select_rows(recs, "s", balance_families=True, dedup_threshold=None)
    assert s["families"] == {"a": 30, "b": 30}
    with pytest.raises(HardgenError, match="unknown difficulty label"):
        parse_target("impossible=1")


def test_near_duplicate_index_ignores_unrelated_texts():
    idx = NearDuplicateIndex(0.8)
    idx.add("a", "Let x be the number of ways to arrange 5 books on a shelf with two fixed.")
    assert idx.query("Let x be the number of ways to arrange 5 books on a shelf with two fixed!") == "a"
    assert idx.query("Compute the integral of x^2 from 0 to 3.") is None


def test_select_keeps_the_adaptive_call_for_the_same_window():
    # 3 of 4 observed (0.75) but the grader, seeing the pool, called it inside (0, 0.5]; 1 of 4 called outside
    a, b, c = _rec(0, 0.75), _rec(1, 0.25), _rec(2, 0.75)
    a["difficulty"]["grades"]["s"]["adaptive"] = {"in_window": True, "window": "(0, 0.5]"}
    b["difficulty"]["grades"]["s"]["adaptive"] = {"in_window": False, "window": "(0, 0.5]"}
    c["difficulty"]["grades"]["s"]["adaptive"] = {"in_window": True, "window": "(0, 0.3]"}  # another window
    keep, s = select_rows([a, b, c], "s", dedup_threshold=None)
    assert keep == {"r0"} and s["dropped"]["outside_window"] == 2


def test_grade_cli_adaptive_spends_less_and_records_its_calls(cli, valid_data):
    out = valid_data / "graded-ada"
    cli("grade", valid_data / "valid", "--solver", "sim:1.8,0.6,0.05", "-k", 16, "--adaptive", "-o", out)
    rows = [json.loads(x) for p in sorted((out / "shards").glob("*.jsonl")) for x in p.read_text().splitlines()]
    grades = [r["difficulty"]["grades"]["sim:1.8,0.6,0.05"] for r in rows]
    assert len(rows) == 150 and max(g["k"] for g in grades) <= 32
    assert sum(g["k"] for g in grades) < 0.6 * 16 * 150
    assert all(g["adaptive"]["window"] == "(0, 0.5]" and isinstance(g["adaptive"]["in_window"], bool) for g in grades)
    assert all(not g["adaptive"]["in_window"] for g in grades if g["correct"] == 0)
    # an explicit rollout cost trades accuracy for rollouts; the budget caps every problem
    out2 = valid_data / "graded-ada-cheap"
    cli("grade", valid_data / "valid", "--solver", "sim:1.8,0.6,0.05", "-k", 16, "--adaptive", "--max-k", 8,
        "--rollout-cost", 0.02, "-o", out2)
    rows2 = [json.loads(x) for p in sorted((out2 / "shards").glob("*.jsonl")) for x in p.read_text().splitlines()]
    ks = [r["difficulty"]["grades"]["sim:1.8,0.6,0.05"]["k"] for r in rows2]
    assert max(ks) <= 8 and sum(ks) < sum(g["k"] for g in grades)
    r = cli("grade", valid_data / "valid", "--solver", "sim:1,1", "--adaptive", "--rollout-cost", 3, "-o",
            valid_data / "e4", expect=2)
    assert "rollout cost must be in (0, 1)" in r.output
