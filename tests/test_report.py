"""Reports on a small real run: every section's plot is a real image, missing data skips a section with a note."""

import json
from pathlib import Path

import numpy as np
import pytest

from hardgen.core.errors import HardgenError
from hardgen.stages.report import make_report, near_duplicate_stats, stage_lineage


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """generate (math + SAT at several knob settings) → verify → grade (two simulated solvers) → select → irt."""
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.irt import irt_dataset
    from hardgen.stages.select import select_dataset
    from hardgen.difficulty.window import Window
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    d = tmp_path_factory.mktemp("run")
    fams = [{"family": "math.modular", "level": lv, "n": 12} for lv in ("easy", "medium")]
    # unique SAT instances carry a reference answer, so the simulated solvers can grade them too
    fams += [{"family": "sat.ksat", "knobs": {"n": 12, "ratio": r, "unique": True}, "n": 12} for r in (3.0, 4.26)]
    generate_dataset(fams, n=12, out=str(d / "gen"), seed=3, workers=1)
    verify_dataset(str(d / "gen"), str(d / "ver"), workers=1)
    grade_dataset(str(d / "ver"), str(d / "grade"), ["sim:0.5,0.5", "sim:1,1@2"], k=4)
    select_dataset(str(d / "grade"), str(d / "sel"), "sim:0.5,0.5", Window(0.0, 0.9), dedup_threshold=0.8)
    irt_dataset(str(d / "sel"), str(d / "irt"))
    calib = {"family": "sat.ksat", "solver": "sat:cdcl@10", "target": 0.4, "monotone": True,
             "table": [{"level": "ratio=3.0", "knobs": {}, "pass_rate": 0.9, "ci": [0.7, 0.97], "problems": 8, "k": 2},
                       {"level": "ratio=4.26", "knobs": {}, "pass_rate": 0.45, "ci": [0.25, 0.66], "problems": 8,
                        "k": 2}],
             "best": {"level": "ratio=4.26", "pass_rate": 0.45}}
    (d / "calib.json").write_text(json.dumps(calib))
    return d


def _assert_real_png(path: Path) -> None:
    from PIL import Image

    assert path.stat().st_size > 8_000, f"{path.name} is suspiciously small"
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        arr = np.asarray(im.convert("L"), dtype=float)
    assert arr.shape[0] > 200 and arr.shape[1] > 300
    assert arr.std() > 5, f"{path.name} is (almost) one colour"
    assert (arr < 128).mean() > 0.005, f"{path.name} has almost nothing drawn"


def test_full_report_has_every_section_and_real_plots(run, tmp_path):
    res = make_report(run / "irt", tmp_path / "rep", calibration=run / "calib.json")
    expected = {"counts", "validity", "pass_rates", "level_curves", "calibration", "irt", "sat_effort",
                "near_duplicates"}
    assert set(res["plots"]) == expected, res["skipped"]
    assert res["skipped"] == {}
    for name in res["plots"].values():
        _assert_real_png(tmp_path / "rep" / name)
    md = (tmp_path / "rep" / "report.md").read_text()
    for heading in ("## Stage lineage", "## Problems per family and difficulty level", "## Validity",
                    "## Pass rates per solver", "## Pass rate by knob level", "## Calibration",
                    "## IRT: item difficulty against solver ability (Wright map)",
                    "## SAT solver effort against clause ratio", "## Near-duplicates within families"):
        assert heading in md
    assert "Skipped" not in md
    for name in res["plots"].values():
        assert f"]({name})" in md
    # the lineage lists every stage in order, and θ comes from the irt stage's manifest
    assert [e["stage"] for e in res["lineage"]] == ["generate", "verify", "grade", "select", "irt"]
    manifest = json.loads((run / "irt" / "manifest.json").read_text())
    assert res["theta"] == pytest.approx(manifest["summary"]["theta"])
    for solver in ("sim:0.5,0.5", "sim:1,1@2"):
        assert solver in md
    assert "ratio=3" in md and "ratio=4.26" in md  # the knob sweep reads as levels
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["rows"] == res["rows"]


def test_theta_found_from_a_downstream_stage(run, tmp_path):
    """A dataset made after `gen irt` still finds θ by following the manifests' inputs upstream."""
    from hardgen.stages.select import select_dataset
    from hardgen.difficulty.window import Window

    select_dataset(str(run / "irt"), str(tmp_path / "after"), "sim:1,1@2", Window(0.0, 1.0), dedup_threshold=None)
    res = make_report(tmp_path / "after", tmp_path / "rep")
    assert res["theta"] and "irt" in res["plots"]


def test_missing_data_skips_sections_with_a_note(run, tmp_path):
    res = make_report(run / "gen", tmp_path / "rep")
    assert {"pass_rates", "level_curves", "irt", "calibration", "validity"} <= set(res["skipped"])
    assert {"counts", "sat_effort", "near_duplicates"} <= set(res["plots"])
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "_Skipped: no row has grades" in md
    assert "gen irt" in md and "gen verify" in md  # the notes say which stage would provide the data
    for name in res["plots"].values():
        _assert_real_png(tmp_path / "rep" / name)


def test_plain_record_file_without_manifest(tmp_path):
    """A bare JSONL file: no lineage, no grades, no SAT rows; sections skip and nothing crashes."""
    rows = [{"id": f"r{i}", "family": "math.x", "prompt": f"What is {i} + {i * 7}?", "answer": str(8 * i),
             "check": {"kind": "math"}} for i in range(5)]
    f = tmp_path / "rows.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = make_report(f, tmp_path / "rep")
    assert {"lineage", "validity", "pass_rates", "irt", "sat_effort"} <= set(res["skipped"])
    assert res["rows"] == 5
    assert "_Skipped: the data is a plain record file" in (tmp_path / "rep" / "report.md").read_text()


def test_irt_rows_without_irt_stage_still_plot_b(run, tmp_path):
    """Rows copied out of their stage directory keep `b`; the map then says θ was not found."""
    from hardgen.core.store import read_records, write_jsonl

    write_jsonl(tmp_path / "rows.jsonl", read_records(run / "irt"))
    res = make_report(tmp_path / "rows.jsonl", tmp_path / "rep")
    assert "irt" in res["plots"] and res["theta"] == {}
    assert "No `irt` stage found" in (tmp_path / "rep" / "report.md").read_text()


def test_bad_calibration_input_is_a_clear_error(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a table"}')
    with pytest.raises(HardgenError, match="gen calibrate"):
        make_report(run / "gen", tmp_path / "rep", calibration=bad)
    with pytest.raises(HardgenError, match="cannot read calibration"):
        make_report(run / "gen", tmp_path / "rep", calibration=tmp_path / "missing.json")


def test_lineage_survives_a_moved_input(run, tmp_path):
    """Inputs recorded as paths that no longer resolve end the chain instead of failing."""
    import shutil

    shutil.copytree(run / "irt", tmp_path / "irt")
    m = json.loads((tmp_path / "irt" / "manifest.json").read_text())
    m["inputs"] = [str(tmp_path / "gone")]
    (tmp_path / "irt" / "manifest.json").write_text(json.dumps(m))
    chain = stage_lineage(tmp_path / "irt")
    assert [e["stage"] for e in chain] == ["irt"] and chain[0]["missing_input"].endswith("gone")


def test_near_duplicate_counts_pairs_exactly():
    base = "Compute the sum of the numbers {} and then report the remainder modulo 97 of that sum."
    texts = [base.format("1 2 3 4 5 6 7 8")] * 3 + [base.format(" ".join(str(i * 13 + j) for j in range(8)))
                                                    for i in range(1, 9)]
    st = near_duplicate_stats({"f": texts})["f"]
    assert st["rows"] == 11
    assert st["pairs"]["0.9"] == 3  # the three copies pair up 3 ways; the distinct rows do not reach 0.9
    assert st["rows_with_partner"]["0.9"] == 3
    assert max(st["max_sim"][3:]) < 0.9
