"""Same rows: every family's generated rows and every stage's output on a fixed seed match tests/golden/golden.json.

A change that alters rows on purpose regenerates the goldens (`python tests/golden/make_golden.py`) in the same
commit and bumps the version of each family whose rows changed.
"""

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "golden"
GOLDEN = json.loads((HERE / "golden.json").read_text())
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


def test_every_family_has_a_golden():
    missing = sorted(set(make_golden.families()) - set(GOLDEN["families"]))
    assert not missing, f"no golden rows for {missing}: run tests/golden/make_golden.py"


@pytest.mark.parametrize("family", sorted(GOLDEN["families"]))
def test_family_rows_unchanged(family, tmp_path):
    want = GOLDEN["families"][family]
    version = make_golden.families().get(family)
    if version is None:
        pytest.fail(f"{family} is gone: regenerate tests/golden/golden.json")
    got = make_golden.family_digest(family, tmp_path)
    if version != want["version"]:
        assert got != want["sha256"], f"{family} bumped its version without changing rows"
        pytest.fail(f"{family} is at version {version}, the goldens at {want['version']}: regenerate them")
    assert got == want["sha256"], (f"{family} (version {version}) writes different rows than the goldens: bump its "
                                   "version and regenerate tests/golden/golden.json if that is intended")


def test_stage_outputs_unchanged(tmp_path):
    got = make_golden.pipeline_digests(tmp_path)
    diff = [s for s in GOLDEN["pipeline"] if got.get(s) != GOLDEN["pipeline"][s]]
    assert not diff, f"stages whose rows changed: {diff}"
