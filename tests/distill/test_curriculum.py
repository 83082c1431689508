"""Curricula as plain objects: each one's sampling responds to the rewards it is shown as its paper says, and
its state survives a save/load round trip (what a resumed GRPO run relies on)."""

from __future__ import annotations

import json

import pytest

from hardgen.distill.curriculum import CURRICULA, make_curriculum, mean_abs_advantage
from hardgen.core.errors import HardgenError

LEVELS = ("easy", "medium", "hard")


def _rows(per_level: int = 10, graded: bool = False) -> list[dict]:
    rows = []
    for li, lvl in enumerate(LEVELS):
        for i in range(per_level):
            d = {"level": lvl}
            if graded:
                d["grades"] = {"s": {"pass_rate": 0.9 - 0.3 * li - 0.01 * i}}
            rows.append({"id": f"{lvl}-{i}", "family": "math.a" if i % 2 else "math.b", "difficulty": d})
    return rows


def _level(rows: list[dict], i: int) -> str:
    return rows[i]["difficulty"]["level"]


def test_mean_abs_advantage_is_zero_when_groups_agree_and_peaks_at_half() -> None:
    assert mean_abs_advantage([1, 1, 1, 1]) == 0.0
    assert mean_abs_advantage([0, 0, 0, 0]) == 0.0
    assert mean_abs_advantage([1, 0, 1, 0]) > mean_abs_advantage([1, 0, 0, 0]) > 0


def test_sec_learns_to_prefer_the_arm_with_large_advantages() -> None:
    rows = _rows()
    cur = make_curriculum("sec", rows, seed=1, options={"alpha": 0.5, "tau": 0.1})
    assert cur.categories == list(LEVELS)
    for _ in range(6):
        for i in cur.draw(6):
            # medium problems are solved half the time (big advantages); easy always, hard never (none)
            cur.observe(i, {"easy": [1, 1, 1, 1], "medium": [1, 0, 1, 0], "hard": [0, 0, 0, 0]}[_level(rows, i)])
        state = cur.step_end()
    assert state["probabilities"]["medium"] > 0.9
    assert state["values"]["medium"] > 0.5 and state["values"]["easy"] == 0.0
    drawn = [_level(rows, i) for i in cur.draw(40)]
    assert drawn.count("medium") > 30


def test_gated_advances_only_when_level_pass_rate_exceeds_epsilon() -> None:
    rows = _rows()
    cur = make_curriculum("gated", rows, seed=0, options={"epsilon": 0.6, "window": 4})
    assert {_level(rows, i) for i in cur.draw(20)} == {"easy"}
    for i in cur.draw(4):
        cur.observe(i, [1, 0, 0, 0])  # 25%: stays
    assert cur.step_end()["level"] == "easy"
    for i in cur.draw(4):
        cur.observe(i, [1, 1, 1, 0])  # the window now averages 75% > 60%: advance
    state = cur.step_end()
    assert state["level"] == "medium" and state["advanced_at"] == [2]
    assert {_level(rows, i) for i in cur.draw(20)} == {"medium"}


def test_static_pool_grows_from_easiest_to_all() -> None:
    rows = _rows(graded=True)
    cur = make_curriculum("static", rows, seed=0, total_steps=10, options={"start": 0.3})
    assert {_level(rows, i) for i in cur.draw(50)} == {"easy"}
    for _ in range(10):
        cur.step_end()
    assert {_level(rows, i) for i in cur.draw(200)} == set(LEVELS)


def test_dump_tries_every_arm_then_exploits_advantage() -> None:
    rows = _rows()
    cur = make_curriculum("dump", rows, seed=0, options={"c": 0.05, "tau": 0.05})
    first = {_level(rows, i) for i in cur.draw(3)}
    assert first  # untried arms have a huge bonus: the first draws cover them quickly
    for _ in range(5):
        for i in cur.draw(9):
            cur.observe(i, {"easy": [1, 1, 1, 1], "medium": [0, 0, 0, 0], "hard": [1, 0, 0, 1]}[_level(rows, i)])
        state = cur.step_end()
    assert all(state["pulls"][a] > 0 for a in LEVELS)
    assert max(state["probabilities"], key=state["probabilities"].get) == "hard"


def test_balanced_drops_groups_that_agree_and_refills() -> None:
    rows = _rows()
    cur = make_curriculum("balanced", rows, seed=0, options={"cooldown": 1})
    batch = cur.draw(30)  # one full pass
    agreed = set(batch[:20])
    for i in batch:
        cur.observe(i, [1, 1, 1, 1] if i in agreed else [1, 0, 1, 0])
    state = cur.step_end()
    assert state["sitting_out"] == 20 and state["filtered_total"] == 20
    nxt = cur.draw(10)
    assert not set(nxt) & agreed and len(set(nxt)) == 10


@pytest.mark.parametrize("name", list(CURRICULA))
def test_state_round_trip_reproduces_future_draws(name: str) -> None:
    rows = _rows()
    a = make_curriculum(name, rows, seed=5, total_steps=20)
    for _ in range(3):
        for i in a.draw(4):
            a.observe(i, [1, 0, 0, 1] if _level(rows, i) == "medium" else [1, 1, 1, 1])
        a.step_end()
    saved = json.loads(json.dumps(a.state_dict()))
    b = make_curriculum(name, rows, seed=99, total_steps=20)
    b.load_state_dict(saved)
    assert a.draw(12) == b.draw(12)
    assert a.state() == b.state()


def test_bad_curriculum_names_and_options_are_refused() -> None:
    with pytest.raises(HardgenError, match="unknown curriculum"):
        make_curriculum("nope", _rows())
    with pytest.raises(HardgenError, match="bad option"):
        make_curriculum("sec", _rows(), options={"gamma": 1})
    with pytest.raises(HardgenError):
        make_curriculum("gated", _rows(), options={"epsilon": 2})
    with pytest.raises(HardgenError, match="not 'sec'"):
        make_curriculum("sec", _rows()).load_state_dict(make_curriculum("dump", _rows()).state_dict())
