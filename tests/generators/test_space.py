"""Distinct-problem space: the sampling estimate recovers a known space, reads the same ids `gen generate` writes,
and drives `gen list FAMILY` and the -n warning from the stored table."""

import json

import pytest

from hardgen.generators.base import get_family
from hardgen.generators.logic.nqueens import all_solutions
from hardgen.generators.space import (SpaceEstimate, estimate_space, iter_ids, repeated_pairs, space_estimate,
                                      space_warning)


def test_repeated_pairs_counts_pairs():
    assert repeated_pairs(["a", "b", "c"]) == 0
    assert repeated_pairs(["a", "a", "a", "b", "b"]) == 3 + 1


def test_estimate_recovers_a_space_counted_exactly():
    """logic.nqueens easy (6x6, 2 queens given, unique completion) has a small space we can count outright:
    every solution, every pair of its queens whose completion is unique. The draws are not uniform over it, so
    the effective size is at most that count and of the same order."""
    sols, on_square = all_solutions(6)
    n, everything = 6, (1 << len(sols)) - 1
    exact = set()
    for sol in sols:
        for a in range(n):
            for b in range(a + 1, n):
                bits = on_square[a * n + sol[a]] & on_square[b * n + sol[b]] & everything
                if bits.bit_count() == 1:
                    exact.add((sol, a, b))
    ids = [i for _, i in zip(range(1500), iter_ids("logic.nqueens", "easy", 7))]
    assert len(set(ids)) == len(exact)  # 1,500 draws find every puzzle: the space is what we counted
    est = estimate_space("logic.nqueens", "easy", draws=1500)
    assert est.draws == 1500 and est.effective is not None
    assert 0.5 * len(exact) <= est.effective <= len(exact) * 1.1


def test_a_large_space_gives_only_a_lower_bound():
    est = estimate_space("math.linear_system", "hard", draws=400)
    assert est.repeats == 0 and est.effective is None
    assert est.lower == pytest.approx(400 * 399 / 2 / 3.689, rel=0.01)  # Poisson 97.5% bound on 0 events
    assert est.describe().startswith("> 22,000 (400 draws")


def test_iter_ids_are_the_ids_gen_generate_writes(cli, tmp_path):
    cli("generate", "logic.nqueens", "--level", "hard", "-n", 40, "--seed", 8, "-o", tmp_path / "d",
        "--workers", 1)
    from hardgen.core.store import read_records

    rows = read_records(tmp_path / "d")
    kept: list[str] = []
    for i in iter_ids("logic.nqueens", "hard", 8):
        if i not in kept:
            kept.append(i)
        if len(kept) == 40:
            break
    assert [r["id"] for r in rows] == kept


def test_stored_table_drives_list_and_warning(cli, tmp_path, monkeypatch):
    est = space_estimate("logic.nqueens", "easy")
    assert est is not None and est.effective is not None and est.effective < 100
    knobs = get_family("logic.nqueens").resolve_knobs("easy").as_dict()
    w = space_warning("logic.nqueens", knobs, 50)
    assert w and "level 'easy' has about" in w and "estimated by sampling" in w and "share about" in w
    assert space_warning("logic.nqueens", {**knobs, "placed": 3}, 50) is None  # custom knobs: no estimate
    assert space_warning("math.linear_system", get_family("math.linear_system").resolve_knobs("hard").as_dict(),
                         1000) is None
    r = cli("generate", "logic.nqueens", "--level", "easy", "-n", 5, "-o", tmp_path / "q", "--workers", 1)
    assert "warning: logic.nqueens at level 'easy' has about" in r.output  # CliRunner mixes stderr in
    r = cli("generate", "math.modular", "--level", "hard", "-n", 5, "-o", tmp_path / "m", "--workers", 1)
    assert "warning" not in r.output
    out = cli("list", "logic.nqueens").output
    assert "distinct problems" in out and f"easy       {est.describe()}" in out
    info = json.loads(cli("--json", "list", "logic.nqueens").output)[0]
    assert info["space"]["easy"]["draws"] == est.draws


def test_a_stale_version_shows_no_figure(monkeypatch):
    from hardgen.generators import _space_table

    entry = _space_table.SPACE["logic.nqueens"]["easy"]
    monkeypatch.setitem(_space_table.SPACE["logic.nqueens"], "easy", {**entry, "version": "0"})
    assert space_estimate("logic.nqueens", "easy") is None
    assert isinstance(SpaceEstimate("f", "1", "x", 10, 1).effective, float)
