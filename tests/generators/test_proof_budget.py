"""Budgets on the puzzles' generation-side uniqueness proofs: shown by `gen list`, stop a solve instead of
hanging, and a draw that runs out is redrawn with a new seed and counted, never written unproved."""

from __future__ import annotations

import json

import pytest
from pysat.examples.genhard import PHP

from hardgen.generators.base import OverBudget
from hardgen.generators.budget import PROOF_CONFLICTS, Budget, Deadline, limited_solve
from hardgen.generators.logic._grid import UniquenessOracle
from hardgen.generators.logic._sat_util import ClueSelector, prove_unique
from hardgen.stages.generate import generate_dataset
from hardgen.stages.verify import verify_record
from hardgen.core.store import open_dataset

PUZZLES = ["logic.sudoku", "logic.futoshiki", "logic.kakuro", "logic.nonogram", "logic.zebra", "logic.coloring",
           "logic.knights_knaves"]


def hard_formula() -> tuple[int, list[list[int]]]:
    """Pigeonhole 11 into 10: unsatisfiable, and minutes of CDCL search (far past any budget used here)."""
    php = PHP(10)
    return php.nv, php.clauses


@pytest.mark.parametrize("family", PUZZLES)
def test_every_puzzle_lists_its_proof_budget_with_the_default(cli, family):
    info = json.loads(cli("--json", "list", family).output)[0]
    knobs = {k["name"]: k for k in info["knobs"]}
    assert knobs["proof_conflicts"]["default"] == PROOF_CONFLICTS
    assert "proof_seconds" in knobs
    assert "proof_conflicts" in cli("list", family).output


def test_a_conflict_budget_stops_each_helper_with_over_budget():
    nv, clauses = hard_formula()
    with UniquenessOracle(clauses, nv, budget=Budget(conflicts=50)) as oracle:
        with pytest.raises(OverBudget, match="no solution found within budget"):
            oracle.solve()
    with pytest.raises(OverBudget, match="uniqueness not proved within budget .50 conflicts per solve"):
        prove_unique(nv, clauses, [1], budget=Budget(conflicts=50))
    with ClueSelector(clauses, [1], nv, budget=Budget(conflicts=50)) as sel:
        with pytest.raises(OverBudget):
            sel.alternative([])


def test_a_time_budget_stops_a_solve_that_has_no_conflict_limit():
    nv, clauses = hard_formula()
    with UniquenessOracle(clauses, nv, budget=Budget(conflicts=None, seconds=0.05)) as oracle:
        with pytest.raises(OverBudget, match="0.05 s per row"):
            oracle.solve()
    deadline = Deadline(Budget(conflicts=None, seconds=0.0))  # a row's seconds already spent: no call starts
    from pysat.solvers import Solver
    with Solver(name="minisat22", bootstrap_with=[[1, 2]]) as s:
        assert limited_solve(s, deadline) is None


def test_a_forked_child_still_stops_a_solve_on_time():
    import os

    nv, clauses = hard_formula()
    with UniquenessOracle([[1]], 1, budget=Budget(conflicts=None, seconds=5.0)) as warm:
        warm.solve()  # the parent's watchdog thread is running now
    pid = os.fork()
    if pid == 0:  # child: exit 0 only if the time budget stopped the solve
        code = 1
        try:
            with UniquenessOracle(clauses, nv, budget=Budget(conflicts=None, seconds=0.05)) as oracle:
                oracle.solve()
        except OverBudget:
            code = 0
        finally:
            os._exit(code)
    import signal
    import time

    deadline = time.monotonic() + 20  # without its own watchdog the child would search for minutes
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's solve was not stopped by its time budget")
    assert os.waitstatus_to_exitcode(done[1]) == 0


def test_within_its_budget_a_solve_answers_as_an_unbudgeted_one():
    with UniquenessOracle([[1, 2], [-1, -2]], 2, budget=Budget(conflicts=10, seconds=5.0)) as oracle:
        oracle.fix_solution([1])
        assert oracle.second_solution([]) is not None
        assert oracle.second_solution([1]) is None


def test_draws_over_budget_are_redrawn_and_counted_and_every_written_row_is_proved(tmp_path):
    # a one-conflict budget turns away the draws whose proof needs a conflict (about half at this level)
    out = tmp_path / "kk"
    summary = generate_dataset(["logic.knights_knaves"], 20, str(out), level="easy",
                               knobs={"proof_conflicts": 1}, workers=1)
    assert summary["rows"] == 20
    assert summary["over_budget"] == summary["families"]["logic.knights_knaves"]["over_budget"] > 0
    rows = list(open_dataset(out))
    assert all(r["source"]["knobs"]["proof_conflicts"] == 1 for r in rows)
    assert all(verify_record(r)["status"] == "valid" for r in rows)


def test_the_default_budget_writes_the_rows_an_unlimited_one_writes(tmp_path):
    ids = []
    for knobs in ({}, {"proof_conflicts": 10**9, "proof_seconds": 86_400.0}):
        out = tmp_path / f"z{len(ids)}"
        summary = generate_dataset(["logic.zebra"], 5, str(out), level="medium", knobs=knobs, workers=1)
        assert "over_budget" not in summary
        ids.append([r["id"] for r in open_dataset(out)])
    assert ids[0] == ids[1]  # budget knobs are left out of the seed, and the default never stops these proofs


def test_a_budget_no_draw_can_meet_is_a_one_line_error_not_a_hang(cli, tmp_path):
    res = cli("generate", "logic.sudoku", "--level", "hard", "-n", 1, "--knob", "proof_conflicts=1",
              "-o", tmp_path / "s", "--workers", 1, expect=2)
    assert res.output.startswith("error: ") and "uniqueness not proved within budget" in res.output
    assert "Traceback" not in res.output


def test_the_cli_says_how_many_draws_were_redrawn(cli, tmp_path):
    res = cli("generate", "logic.knights_knaves", "--level", "easy", "-n", 10, "--knob", "proof_conflicts=1",
              "-o", tmp_path / "k", "--workers", 1)
    assert "ran past their proof budget and were redrawn with new seeds" in res.output


def test_budget_knobs_are_user_checked(cli, tmp_path):
    res = cli("generate", "logic.futoshiki", "-n", 1, "--knob", "proof_conflicts=0", "-o", tmp_path / "f", expect=2)
    assert "proof_conflicts" in res.output
