"""Verifiers are a leaf: scoring a record imports the checker of its kind and nothing from the floors above."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hardgen.verifiers.base import CHECK_MODULES, check_kinds, get_scorer

ROOT = Path(__file__).resolve().parents[2]
ABOVE = ("hardgen.generators", "hardgen.difficulty", "hardgen.distill", "hardgen.models", "hardgen.llmgen",
         "hardgen.stages")

PROBE = """
import json, sys
from hardgen.verifiers import score
v = score({CHECK}, {RESPONSE!r})
mods = sorted(m for m in sys.modules if m.startswith("hardgen."))
print(json.dumps({{"correct": v.correct, "modules": mods}}))
"""

RECORDS = {
    "math": ({"answer": "1/2"}, "so \\boxed{0.5}", True),
    "math-no-check": ({"answer": "7"}, "Final Answer: The final answer is $7$. I hope it is correct.", True),
    "sat": ({"check": {"kind": "sat", "params": {"num_vars": 2, "clauses": [[1], [-2]], "status": "sat"}}},
            "\\boxed{10}", True),
    "graph": ({"check": {"kind": "graph.topo_order", "params": {"nodes": ["A", "B"], "directed": True,
                                                                 "edges": [["A", "B", 1]]}}}, "\\boxed{A, B}", True),
    "logic": ({"check": {"kind": "logic.nqueens", "params": {"n": 4, "placed": []}}},
              "\\boxed{. Q . .\n. . . Q\nQ . . .\n. . Q .}", True),
}


@pytest.mark.parametrize("name", list(RECORDS))
def test_scoring_imports_no_generator_difficulty_distill_or_model(name):
    rec, resp, want = RECORDS[name]
    code = PROBE.format(CHECK=json.dumps(rec).replace("null", "None").replace("true", "True"), RESPONSE=resp)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["correct"] is want
    above = [m for m in got["modules"] if m.startswith(ABOVE)]
    assert not above, above


def test_verifier_sources_import_only_core_and_verifiers():
    # the `gen verify` stage driver (it re-derives answers with the generators) lives in stages/, not here
    for path in sorted(p for p in (ROOT / "verifiers").glob("*.py") if p.name != "validity.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                assert not n.startswith(ABOVE), f"{path.name} imports {n}"


def test_every_check_kind_has_a_module_in_the_table():
    assert set(CHECK_MODULES) <= set(check_kinds())
    for kind, module in CHECK_MODULES.items():
        assert module.startswith("hardgen.verifiers."), kind
        assert callable(get_scorer(kind))
