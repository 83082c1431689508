"""sat.dimacs: problems from DIMACS CNF files (e.g. SATLIB), one row per file, labelled by a CDCL solver."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (LABEL_SECONDS, FORMATS, Budget, CnfFamily, cnf_prompt, effort_conflicts_knob,
                                         effort_seconds_knob, make_unique_by_adding, measure, read_dimacs,
                                         recheck_conflicts_knob, recheck_seconds_knob, solved_candidate)


@dataclass(frozen=True)
class DimacsKnobs(Knobs):
    path: str = knob("", help="a .cnf file or a directory of .cnf files (set by `gen generate --from`)")
    format: str = knob("bits", choices=FORMATS, help="answer format: 'bits' (0/1 string) or 'dimacs' (signed ints)")
    unique: bool = knob(False, help="add cutting clauses so a satisfiable file has exactly one model")
    effort_conflicts: int = effort_conflicts_knob()
    effort_seconds: float = effort_seconds_knob(LABEL_SECONDS)
    recheck_conflicts: int = recheck_conflicts_knob()
    recheck_seconds: float = recheck_seconds_knob(LABEL_SECONDS)


def cnf_files(path: str) -> list[Path]:
    """The files a `path` knob names: the file itself, or a directory's *.cnf files sorted by name."""
    if not path:
        raise HardgenError("sat.dimacs needs the knob 'path': `gen generate sat.dimacs --from DIR_OR_FILE`")
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix == ".cnf")
        if not files:
            raise HardgenError(f"no .cnf files in directory {p}")
        return files
    raise HardgenError(f"DIMACS path {p} does not exist")


@register
class Dimacs(CnfFamily):
    name = "sat.dimacs"
    # 2: labelled by Glucose within a budget (unsettled files get status 'unknown')
    version = "2"
    Knobs = DimacsKnobs
    # files fix the formula; the levels choose how the answer is asked for
    levels = {
        "easy": {"format": "dimacs"},
        "medium": {"format": "bits"},
        "hard": {"format": "bits", "unique": True},
    }
    description = ("Existing DIMACS CNF files (SATLIB and the like) as problems: each file becomes one row asking "
                   "for a satisfying assignment or 'unsatisfiable'.")
    verification = ("Glucose labels each file satisfiable or unsatisfiable within the effort budget (a file it "
                    "cannot settle gets status 'unknown' and is invalid); `gen verify` checks a stored model "
                    "clause by clause, re-solves with MiniSat (a different solver) within the re-check budget "
                    "and requires the same label; unique instances are proved unique again with a blocking clause.")

    def size(self, kn: DimacsKnobs) -> int:
        return len(cnf_files(kn.path))

    def generate(self, kn: DimacsKnobs, rng: random.Random) -> Candidate:
        return self.generate_at(kn, 0, rng)

    def generate_at(self, kn: DimacsKnobs, index: int, rng: random.Random) -> Candidate:
        files = cnf_files(kn.path)
        if not 0 <= index < len(files):
            raise HardgenError(f"sat.dimacs index {index} is past the {len(files)} file(s) under {kn.path}")
        f = files[index]
        num_vars, clauses = read_dimacs(f)
        if num_vars == 0:
            raise HardgenError(f"{f}: the formula has no variables")
        if any(not c for c in clauses):
            raise HardgenError(f"{f}: the formula has an empty clause (trivially unsatisfiable)")
        budget = Budget.effort_of(kn)
        res = measure(num_vars, clauses, budget)
        extra: dict = {"file": f.name}
        if res.sat and kn.unique:
            assert res.values is not None
            width = max(1, min(3, num_vars))
            added = make_unique_by_adding(num_vars, clauses, res.values, width, rng,
                                          max_cuts=max(50, 2 * len(clauses)), budget=budget)
            if added is None:
                raise Reject("uniqueness not proved within budget")
            clauses = clauses + added
            extra["cut_clauses"] = len(added)
            res = measure(num_vars, clauses, budget)
            if not res.sat:
                raise Reject("the cut instance was not re-solved within budget")
        prompt = cnf_prompt(num_vars, clauses, kn.format, allow_unsat=True)
        return solved_candidate(num_vars, clauses, kn.format, bool(kn.unique and res.sat), True, prompt, res, extra)
