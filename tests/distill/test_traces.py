"""Teacher traces: the ref teacher, rejection sampling (only verified traces kept), the three budget modes,
train-split only, and resumability."""

from __future__ import annotations

import pytest

from hardgen.distill.traces import prop2diff_targets
from hardgen.stages.traces import make_traces
from hardgen.core.errors import HardgenError
from hardgen.models.base import get_solver
from hardgen.core.store import DatasetWriter, read_records
from hardgen.verifiers import score


def test_ref_teacher_writes_verified_solutions_and_noise_breaks_them(arith_data: str) -> None:
    recs = read_records(arith_data)
    clean = get_solver("ref:").solve(recs, k=2)
    assert all(score(r, ro.text).correct is True for r, rs in zip(recs, clean) for ro in rs)
    # arithmetic uses its family's worked solution; linear systems get the generic derivation
    arith = next(i for i, r in enumerate(recs) if r["family"] == "math.arithmetic")
    linsys = next(i for i, r in enumerate(recs) if r["family"] == "math.linear_system")
    assert " = " in clean[arith][0].text and clean[arith][0].text.endswith(f"\\boxed{{{recs[arith]['answer']}}}.")
    assert "step by step" in clean[linsys][0].text
    broken = get_solver("ref:noise=1").solve(recs, k=1)
    assert all(score(r, rs[0].text).correct is False for r, rs in zip(recs, broken))
    noisy = get_solver("ref:noise=0.5&seed=2")
    a, b = noisy.solve(recs, k=4, seed=1), noisy.solve(recs, k=4, seed=1)
    assert [[x.text for x in rs] for rs in a] == [[x.text for x in rs] for rs in b]
    share = sum(ro.meta["noised"] for rs in a for ro in rs) / (4 * len(recs))
    assert 0.35 < share < 0.65


@pytest.mark.parametrize("spec", ["ref:noise=2", "ref:temperature=1", "ref:noise=abc"])
def test_ref_teacher_bad_specs(spec: str) -> None:
    with pytest.raises(HardgenError):
        get_solver(spec)


def test_fixed_mode_keeps_only_verified_train_traces(arith_data: str, tmp_path) -> None:
    s = make_traces(arith_data, "ref:noise=0.5", str(tmp_path / "tr"), k=3, mode="fixed", seed=1)
    rows = read_records(tmp_path / "tr")
    src = read_records(arith_data)
    n_test = sum(r["split"] == "test" for r in src)
    assert n_test > 0 and s["skipped_test"] == n_test and s["problems"] == len(src) - n_test
    assert s["rollouts"] == 3 * s["problems"]
    assert 0 < s["traces"] == s["correct"] == len(rows) < s["rollouts"]  # something was rejected
    for r in rows:
        assert r["split"] == "train"
        assert [m["role"] for m in r["messages"]] == ["user", "assistant"]
        assert r["messages"][0]["content"] == r["prompt"] and r["messages"][1]["content"] == r["completion"]
        assert score(r, r["completion"]).correct is True
        assert r["teacher"] == "ref:noise=0.5" and r["family"] and "level" in r["difficulty"]
    # resumable: the same call again redoes nothing and reports the same totals
    again = make_traces(arith_data, "ref:noise=0.5", str(tmp_path / "tr"), k=3, mode="fixed", seed=1)
    assert {k: again[k] for k in ("traces", "rollouts")} == {k: s[k] for k in ("traces", "rollouts")}
    assert len(read_records(tmp_path / "tr")) == len(rows)


def test_uniform_mode_samples_until_m_correct_or_budget(arith_data: str, tmp_path) -> None:
    s = make_traces(arith_data, "ref:noise=0.6", str(tmp_path / "u"), k=2, mode="uniform", m=2, max_k=6)
    rows = read_records(tmp_path / "u")
    per: dict[str, int] = {}
    for r in rows:
        per[r["id"]] = per.get(r["id"], 0) + 1
    assert max(per.values()) == 2
    assert s["rollouts"] <= 6 * s["problems"]
    assert s["traces"] == len(rows) and s["problems"] - s["unsolved"] == len(per)
    assert sum(v == 2 for v in per.values()) > len(per) / 2


def test_prop2diff_gives_harder_problems_more_traces(arith_data: str, tmp_path) -> None:
    src = [r for r in read_records(arith_data) if r["split"] == "train"][:20]
    for i, r in enumerate(src):  # graded rows: the first half easy (pass rate .9), the rest hard (.1)
        r["difficulty"]["grades"] = {"s": {"pass_rate": 0.9 if i < 10 else 0.1}}
    w = DatasetWriter(tmp_path / "graded", stage="grade", params={})
    w.write_shard("part-00000", src)
    w.finish()
    make_traces(str(tmp_path / "graded"), "ref:", str(tmp_path / "p"), k=2, mode="prop2diff", m=2, max_k=8)
    counts: dict[str, int] = {}
    for r in read_records(tmp_path / "p"):
        counts[r["id"]] = counts.get(r["id"], 0) + 1
    easy = [counts[r["id"]] for r in src[:10]]
    hard = [counts[r["id"]] for r in src[10:]]
    assert set(easy) == {1} and set(hard) == {4}  # targets 2 * d / mean(d): 0.1/0.5 -> 1, 0.9/0.5 -> 4
    assert prop2diff_targets([0.0, 0.0], 3) == [3, 3]


def test_only_test_rows_or_bad_args_are_refused(arith_data: str, tmp_path) -> None:
    test_rows = [r for r in read_records(arith_data) if r["split"] == "test"]
    w = DatasetWriter(tmp_path / "t", stage="x", params={})
    w.write_shard("part-00000", test_rows)
    w.finish()
    with pytest.raises(HardgenError, match="no train-split problems"):
        make_traces(str(tmp_path / "t"), "ref:", str(tmp_path / "o"))
    with pytest.raises(HardgenError, match="budget mode"):
        make_traces(arith_data, "ref:", str(tmp_path / "o2"), mode="greedy")
    with pytest.raises(HardgenError, match="max_k"):
        make_traces(arith_data, "ref:", str(tmp_path / "o3"), mode="uniform", k=4, max_k=2)
