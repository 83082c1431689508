"""Regenerate tests/golden/golden.json: the rows every stage writes on a fixed seed, as hashes.

Run it (python tests/golden/make_golden.py) only in a commit that changes rows on purpose, and bump the version
of every family whose rows changed in the same commit; `tests/test_golden.py` compares against this file.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
N, SEED = 3, 11
#: families that need an input file or a program, made elsewhere in the suite
SKIP_PREFIXES = ("sat.dimacs", "efa")
PIPE_FAMILIES = ["math.modular", "math.linear_system", "logic.sudoku", "logic.knights_knaves"]
SOLVERS = ["sat:cdcl@200", "sim:0.5,0.5"]


def _digest(path: Path) -> str:
    from hardgen.core.store import open_dataset

    h = hashlib.sha256()
    for r in open_dataset(path):
        h.update(json.dumps(r, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()


def _stage_api():
    """The stage functions, wherever this version of hardgen keeps them (the layout before the stage layer first,
    so that the goldens can be made from a checkout of it)."""
    try:
        from hardgen.generators.run import generate_dataset
    except ImportError:
        from hardgen.stages.generate import generate_dataset
    try:
        from hardgen.verifiers.validity import verify_dataset
    except ImportError:
        from hardgen.stages.verify import verify_dataset
    try:
        from hardgen.difficulty.grade import grade_dataset
    except ImportError:
        from hardgen.stages.grade import grade_dataset
    try:
        from hardgen.difficulty.select import select_dataset
    except ImportError:
        from hardgen.stages.select import select_dataset
    try:
        from hardgen.difficulty.irt import irt_dataset
    except ImportError:
        from hardgen.stages.irt import irt_dataset
    return generate_dataset, verify_dataset, grade_dataset, select_dataset, irt_dataset


def families() -> dict[str, str]:
    try:
        from hardgen.generators.base import load_families
    except ImportError:
        raise
    return {name: cls.version for name, cls in load_families().items() if not name.startswith(SKIP_PREFIXES)}


def family_digest(name: str, tmp: Path) -> str:
    generate_dataset = _stage_api()[0]
    out = tmp / name
    generate_dataset([name], n=N, out=str(out), seed=SEED, workers=1)
    return _digest(out)


def pipeline_digests(tmp: Path) -> dict[str, str]:
    """generate → verify → grade → select → irt on a small mix; a hash of each stage's rows."""
    from hardgen.difficulty.window import Window

    generate_dataset, verify_dataset, grade_dataset, select_dataset, irt_dataset = _stage_api()
    generate_dataset(PIPE_FAMILIES, n=6, out=str(tmp / "gen"), seed=SEED, level="easy", workers=1)
    verify_dataset(str(tmp / "gen"), str(tmp / "ver"), workers=1)
    grade_dataset(str(tmp / "ver"), str(tmp / "grd"), SOLVERS, k=4, seed=SEED)
    select_dataset(str(tmp / "grd"), str(tmp / "sel"), SOLVERS[1], Window.parse("0,1"), True, 0.8, False, None,
                   None, SEED)
    irt_dataset(str(tmp / "grd"), str(tmp / "irt"))
    return {stage: _digest(tmp / stage) for stage in ("gen", "ver", "grd", "sel", "irt")}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        fams = families()
        out = {"n": N, "seed": SEED,
               "families": {f: {"version": v, "sha256": family_digest(f, tmp)} for f, v in sorted(fams.items())},
               "pipeline": pipeline_digests(tmp)}
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "golden.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}: {len(out['families'])} families")


if __name__ == "__main__":
    import os

    os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
    main()
