"""Structured answers: every complete, exact, unambiguous encoding is accepted; partial or ambiguous ones are not."""

import json

import pytest

from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.generators.sat._cnf import sat_check
from hardgen.verifiers import score, score_check


def make(family: str, level: str | None = "easy", index: int = 0) -> dict:
    fam = get_family(family)
    return generate_one(family, level, fam.resolve_knobs(level, {}).as_dict(), 7, index)


# (x1 | x2) & (!x1 | x3) & (!x2 | !x3): the models are 010 and 101
CLAUSES = [[1, 2], [-1, 3], [-2, -3]]


@pytest.mark.parametrize("fmt", ["bits", "dimacs"])
@pytest.mark.parametrize("resp", [
    "\\boxed{101}", "\\boxed{1 0 1}", "\\boxed{1,0,1}", "\\boxed{[1, 0, 1]}", "\\boxed{1 -2 3}", "\\boxed{1, -2, 3 0}",
    "\\boxed{v 1 -2 3 0}", "The model:\nv 1 -2 3 0\n\\boxed{1 -2 3}", "\\boxed{x1 \\neg x2 x3}",
    "\\boxed{x_1, \\lnot x_2, x_3}", "\\boxed{x1=1, x2=0, x3=1}", "\\boxed{x_1 = T, x_2 = F, x_3 = T}",
    "\\boxed{x_{1}=\\text{true}, x_{2}=\\text{false}, x_{3}=\\text{true}}",
])
def test_sat_encodings_accepted(fmt, resp):
    v = score_check(resp, sat_check(3, CLAUSES, "sat", fmt, False), None)
    assert v.correct is True, v.reason


@pytest.mark.parametrize("resp", [
    "\\boxed{10}", "\\boxed{1 -2}", "\\boxed{x1=1, x2=0}", "\\boxed{x1=1, x2=0, x3=1, x4=0}",
    "\\boxed{x1=1, x1=0, x3=1}", "\\boxed{x1=1, x2=0, x2=0, x3=1}", "\\boxed{A=1, B=0, C=1}",
    "\\boxed{1 -2 3} \\boxed{-1 2 -3}", "\\boxed{x1=1 or x2=0, x3=1}", "\\boxed{x1=1, x2=?, x3=1}",
])
def test_sat_partial_or_ambiguous_rejected(resp):
    v = score_check(resp, sat_check(3, CLAUSES, "sat", "bits", False), None)
    assert v.correct is False, v.reason


def test_saturn_letter_names():
    rec = make("sat.saturn")
    n = rec["check"]["params"]["num_vars"]
    bits = rec["answer"] if rec["answer"] else None
    assert bits is not None and len(bits) == n
    names = [chr(ord("A") + i) for i in range(n)]
    assert score(rec, "\\boxed{" + ", ".join(f"{a}={b}" for a, b in zip(names, bits)) + "}").correct is True
    assert score(rec, "\\boxed{" + ", ".join(f"{a}={b}" for a, b in zip(names[:-1], bits)) + "}").correct is False
    assert score(rec, "\\boxed{" + ",".join(bits) + "}").correct is True


def _grid_text(answer: str) -> list[list[str]]:
    return [row.split() for row in answer.splitlines()]


@pytest.mark.parametrize("family", ["logic.sudoku", "logic.futoshiki"])
def test_digit_grid_encodings(family):
    rec = make(family)
    g = _grid_text(rec["answer"].replace("\\boxed{", "").rstrip("}")) if "\\boxed" in rec["answer"] \
        else _grid_text(rec["answer"])
    ints = [[int(x) for x in row] for row in g]
    encodings = [
        json.dumps(ints), "\n".join(",".join(r) for r in g), "\n".join(", ".join(r) for r in g),
        "\\begin{array}{" + "c" * len(g) + "}" + " \\\\ ".join(" & ".join(r) for r in g) + "\\end{array}",
        "\\left[\\begin{matrix}" + " \\\\ ".join(" & ".join(r) for r in g) + "\\end{matrix}\\right]",
        "\n".join("".join(r) for r in g), "; ".join(" ".join(r) for r in g),
    ]
    for enc in encodings:
        v = score(rec, f"Solved.\n\\boxed{{{enc}}}")
        assert v.correct is True, (enc, v.reason)
    partial = [json.dumps(ints[:-1]), json.dumps([r[:-1] for r in ints]), "\n".join(",".join(r) for r in g[1:]),
               json.dumps([[str(x) for x in r] for r in ints])[:-2] + "]"]
    for enc in partial:
        assert score(rec, f"\\boxed{{{enc}}}").correct is False, enc


def test_knights_sentences():
    rec = make("logic.knights_knaves", "medium")
    entries = rec["answer"].split(", ")
    sentences = [e.replace(": ", " is a ") for e in entries]
    assert score(rec, "\\boxed{" + ". ".join(s.capitalize() if False else s for s in sentences) + ".}").correct
    assert score(rec, "\\boxed{" + ", ".join(sentences) + "}").correct
    assert score(rec, "\\boxed{" + " and ".join(sentences) + "}").correct
    assert score(rec, "\\boxed{" + ", ".join(sentences[:-1]) + "}").correct is False  # someone missing
    both = sentences + [sentences[0].replace("knight", "knave") if "knight" in sentences[0]
                        else sentences[0].replace("knave", "knight")]
    assert score(rec, "\\boxed{" + ", ".join(both) + "}").correct is False  # someone twice, both ways


def test_nonogram_encodings():
    rec = make("logic.nonogram")
    rows = rec["answer"].split("/")
    R, C = len(rows), len(rows[0])
    bits = [[1 if ch == "#" else 0 for ch in r] for r in rows]
    accepted = ["\n".join(rows), " ".join(rows), "\n".join(" ".join(r) for r in rows),
                " \\\\ ".join(rows), json.dumps(bits), "\n".join("".join(map(str, b)) for b in bits)]
    for enc in accepted:
        v = score(rec, f"\\boxed{{{enc}}}")
        assert v.correct is True, (enc, v.reason)
    for enc in ["/".join(rows[:-1]), "/".join(r[:-1] for r in rows), json.dumps(bits[:-1])]:
        assert score(rec, f"\\boxed{{{enc}}}").correct is False, enc
    assert R == len(rec["check"]["params"]["rows"]) and C == len(rec["check"]["params"]["cols"])


PATH = {"kind": "graph.path", "params": {"nodes": ["A", "B", "C", "D"], "directed": False, "source": "A",
                                         "target": "D", "optimum": 2,
                                         "edges": [["A", "B", 1], ["B", "D", 1], ["A", "C", 1], ["C", "D", 2]]}}


@pytest.mark.parametrize("resp,ok", [
    ("A -> B -> D", True), ("A \\to B \\to D", True), ("A → B → D", True), ("A, B, D", True), ("[A, B, D]", True),
    ("A - B - D", True), ("A B D", True), ("(A, B, D)", True),
    ("A -> B", False), ("[A, B]", False), ("A - B - C - D", False), ("A -> B -> D -> B", False),
])
def test_graph_path_encodings(resp, ok):
    v = score_check(f"The shortest path is \\boxed{{{resp}}}.", PATH, None)
    assert v.correct is ok, v.reason
