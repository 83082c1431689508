"""Evaluation: pass@1/pass@k by family and difficulty bin on one split, side-by-side comparison, JSON and PNG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardgen.distill.evaluate import difficulty_bin, evaluate
from hardgen.core.errors import HardgenError
from hardgen.core.store import read_records


def test_scores_split_groups_and_compare(arith_data: str, tmp_path: Path, capsys) -> None:
    rep = evaluate(arith_data, "ref:", k=2, split="test", out=str(tmp_path / "ev"), compare="ref:noise=1")
    n_test = sum(r["split"] == "test" for r in read_records(arith_data))
    good, bad = rep["solvers"]["ref:"], rep["solvers"]["ref:noise=1"]
    assert rep["problems"] == n_test == good["overall"]["problems"]
    assert good["overall"]["pass@1"] == 1.0 and good["overall"]["pass@2"] == 1.0
    assert bad["overall"]["pass@1"] == 0.0 and rep["delta_pass@1"] == 1.0
    assert sum(g["problems"] for g in good["by_family"].values()) == n_test
    assert set(good["by_difficulty"]) <= {"medium", "hard", "easy"}
    printed = capsys.readouterr().out
    assert "family=math.arithmetic" in printed and "ref:noise=1 pass@1" in printed
    saved = json.loads((tmp_path / "ev" / "eval.json").read_text())
    assert saved["solvers"]["ref:"]["overall"] == good["overall"]
    png = (tmp_path / "ev" / "eval.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_noisy_solver_pass_at_k_exceeds_pass_at_1(arith_data: str) -> None:
    rep = evaluate(arith_data, "ref:noise=0.5", k=4, split=None, quiet=True)
    o = rep["solvers"]["ref:noise=0.5"]["overall"]
    assert 0.3 < o["pass@1"] < 0.7 and o["pass@4"] > o["pass@1"] + 0.2


def test_bins_and_errors(arith_data: str) -> None:
    assert difficulty_bin({"difficulty": {"label": "hard", "level": "easy"}}) == "hard"
    assert difficulty_bin({"difficulty": {"level": "easy"}}) == "easy"
    assert difficulty_bin({}) == "unknown"
    with pytest.raises(HardgenError, match="no rows in split"):
        evaluate(arith_data, "ref:", split="validation")
