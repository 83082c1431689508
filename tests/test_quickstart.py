"""The one-command main job: generate → verify → grade with CPU panels → select the window → report."""

import json

from hardgen.stages.quickstart import QUICKSTART_FAMILIES, SOLVERS, WINDOW, run_quickstart
from hardgen.difficulty.window import Window
from hardgen.core.store import read_records


def test_quickstart_grades_selects_and_reports(tmp_path):
    res = run_quickstart(str(tmp_path / "qs"), n=6, seed=1, workers=1)
    graded = read_records(tmp_path / "qs" / "graded")
    hard = read_records(tmp_path / "qs" / "hard")
    assert {r["family"] for r in graded} == {f for f, _ in QUICKSTART_FAMILIES}
    assert all(r["validity"]["status"] == "valid" for r in graded)
    assert all(set(r["difficulty"]["grades"]) == set(SOLVERS) for r in graded)
    # what was kept is exactly the graded rows inside the window for the first solver
    win = Window.parse(WINDOW)
    inside = [r["id"] for r in graded if win.contains(r["difficulty"]["grades"][SOLVERS[0]]["pass_rate"])]
    assert [r["id"] for r in hard] == inside and res["selected"]["kept"] == len(hard)
    assert (tmp_path / "qs" / "report" / "pass_rates.png").stat().st_size > 1000
    text = res["text"]
    for f, lvl in QUICKSTART_FAMILIES:
        line = next(x for x in text.splitlines() if x.startswith(f"{f} ({lvl})"))
        kept = sum(r["family"] == f for r in hard)
        assert line.split()[-1] == str(kept) and line.split()[2] == "6"
    assert f"{len(hard)} kept in the window" in text and "pass_rates.png" in text
    json.dumps(res, default=str)
