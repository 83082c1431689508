"""Graph response checkers: any valid solution is accepted, invalid ones are refused with a reason, no crashes."""

from __future__ import annotations

import time

import pytest

from hardgen.verifiers.answer import boxed_contents as boxed_answers, read_final_answer
from hardgen.verifiers.graph import parse_pairs, parse_sequence
from hardgen.verifiers import score_check


def boxed(ans: str) -> str:
    return f"Working it out... so the answer is \\boxed{{{ans}}}."


# A -- B -- D and A -- C -- D are both shortest (weight 2); A -- D costs 5; E hangs off D.
PATH_CHECK = {"kind": "graph.path", "params": {
    "nodes": ["A", "B", "C", "D", "E"], "directed": False,
    "edges": [["A", "B", 1], ["B", "D", 1], ["A", "C", 1], ["C", "D", 1], ["A", "D", 5], ["D", "E", 2]],
    "source": "A", "target": "D", "optimum": 2, "witness": ["A", "B", "D"]}}


@pytest.mark.parametrize("resp", [
    boxed("A -> B -> D"),
    boxed("A -> C -> D"),
    boxed("A \\to C \\to D"),
    boxed("\\text{A} \\rightarrow \\text{B} \\rightarrow \\text{D}"),
    boxed("a -> b -> d"),
    boxed("A, C, D"),
    "First \\boxed{A -> B -> D} and again \\boxed{A->B->D}",
])
def test_path_accepts_every_shortest_path(resp):
    v = score_check(resp, PATH_CHECK, None)
    assert v.correct is True, v


@pytest.mark.parametrize("resp,why", [
    (boxed("A -> D"), "not the shortest"),
    (boxed("B -> D"), "starts at B"),
    (boxed("A -> B"), "ends at B"),
    (boxed("A -> B -> E -> D"), "no edge B -- E"),
    (boxed("A -> B -> A -> C -> D"), "more than once"),
    (boxed("A -> X -> D"), "unknown vertex"),
    (boxed("A -> -> D"), "empty element"),
    (boxed(""), "empty answer"),
    ("<think>the path is \\boxed{A -> B -> D}", "cut off while thinking"),
    ("\\boxed{A -> B -> D} or maybe \\boxed{A -> C -> D}", "conflicting"),
])
def test_path_rejects_invalid_answers_with_reasons(resp, why):
    v = score_check(resp, PATH_CHECK, None)
    assert v.correct is False
    assert why in v.reason


def test_directed_path_must_follow_arc_directions():
    check = {"kind": "graph.path", "params": {
        "nodes": ["A", "B", "C"], "directed": True, "edges": [["A", "B", 1], ["C", "B", 1], ["C", "A", 1]],
        "source": "C", "target": "B", "optimum": 1}}
    assert score_check(boxed("C -> B"), check, None).correct is True
    v = score_check(boxed("C -> A -> B"), check, None)
    assert v.correct is False and "not the shortest" in v.reason
    check["params"].update(source="A", optimum=2)
    v = score_check(boxed("A -> C -> B"), check, None)
    assert v.correct is False and "no edge A -> C" in v.reason


TOPO_CHECK = {"kind": "graph.topo_order", "params": {
    "nodes": ["A", "B", "C", "D"], "directed": True, "edges": [["A", "C"], ["B", "C"], ["C", "D"]]}}


@pytest.mark.parametrize("order", ["A, B, C, D", "B, A, C, D", "B -> A -> C -> D", "A B C D"])
def test_topo_order_accepts_every_valid_order(order):
    assert score_check(boxed(order), TOPO_CHECK, None).correct is True


@pytest.mark.parametrize("order,why", [
    ("A, C, B, D", "arc B -> C"),
    ("A, B, C", "missing"),
    ("A, B, C, D, A", "more than once"),
    ("A, B, C, Z", "unknown vertex"),
])
def test_topo_order_rejects_invalid_orders(order, why):
    v = score_check(boxed(order), TOPO_CHECK, None)
    assert v.correct is False and why in v.reason


# a 4-cycle A-B-C-D-A with chord A-C: many Hamiltonian paths
HAM_CHECK = {"kind": "graph.hamiltonian", "params": {
    "nodes": ["A", "B", "C", "D"], "directed": False,
    "edges": [["A", "B"], ["B", "C"], ["C", "D"], ["A", "D"], ["A", "C"]]}}


@pytest.mark.parametrize("path", ["A -> B -> C -> D", "B -> A -> D -> C", "D -> A -> B -> C", "B -> C -> A -> D"])
def test_hamiltonian_accepts_every_hamiltonian_path(path):
    assert score_check(boxed(path), HAM_CHECK, None).correct is True


@pytest.mark.parametrize("path,why", [
    ("A -> B -> D -> C", "no edge B -- D"),
    ("A -> B -> C", "missing"),
    ("A -> B -> C -> D -> A", "more than once"),
])
def test_hamiltonian_rejects_invalid_paths(path, why):
    v = score_check(boxed(path), HAM_CHECK, None)
    assert v.correct is False and why in v.reason


def test_hamiltonian_fixed_ends():
    check = {"kind": "graph.hamiltonian", "params": {**HAM_CHECK["params"], "source": "B", "target": "D"}}
    assert score_check(boxed("B -> A -> C -> D"), check, None).correct is True
    assert score_check(boxed("B -> C -> A -> D"), check, None).correct is True
    v = score_check(boxed("A -> B -> C -> D"), check, None)
    assert v.correct is False and "starts at A" in v.reason


# a triangle with equal weights plus a pendant: three minimum spanning trees of weight 1 + 1 + 4
MST_CHECK = {"kind": "graph.spanning_tree", "params": {
    "nodes": ["A", "B", "C", "D"], "directed": False,
    "edges": [["A", "B", 1], ["B", "C", 1], ["A", "C", 1], ["C", "D", 4], ["A", "D", 6]], "optimum": 6}}


@pytest.mark.parametrize("tree", ["A-B, B-C, C-D", "A-C, B-C, C-D", "B-A, A-C, D-C", "(A, B), (A, C), (C, D)",
                                  "A -- B; B -- C; C -- D", "\\{A-B, B-C, C-D\\}"])
def test_spanning_tree_accepts_every_minimum_tree(tree):
    v = score_check(boxed(tree), MST_CHECK, None)
    assert v.correct is True, v


@pytest.mark.parametrize("tree,why", [
    ("A-B, B-C, A-D", "not the minimum"),
    ("A-B, B-C, A-C", "closes a cycle"),
    ("A-B, B-C", "do not span"),
    ("A-B, B-D, C-D", "no edge B-D"),
    ("A-B, B-A, C-D", "listed twice"),
    ("A-B, B-C, C-D, A-D", "closes a cycle"),
    ("A-B B-C C-D", "could not read"),
])
def test_spanning_tree_rejects_invalid_trees(tree, why):
    v = score_check(boxed(tree), MST_CHECK, None)
    assert v.correct is False and why in v.reason


# L1, L2 both like R1 and R2; L3 only likes R2: maximum matching size 2, several of them
MATCH_CHECK = {"kind": "graph.matching", "params": {
    "nodes": ["L1", "L2", "L3", "R1", "R2"], "left": ["L1", "L2", "L3"], "right": ["R1", "R2"],
    "directed": False, "edges": [["L1", "R1"], ["L1", "R2"], ["L2", "R1"], ["L2", "R2"], ["L3", "R2"]],
    "optimum": 2}}


@pytest.mark.parametrize("m", ["L1-R1, L2-R2", "L1-R2, L2-R1", "L3-R2, L1-R1", "R1-L2, R2-L3"])
def test_matching_accepts_every_maximum_matching(m):
    assert score_check(boxed(m), MATCH_CHECK, None).correct is True


@pytest.mark.parametrize("m,why", [
    ("L1-R1", "not maximum"),
    ("L1-R1, L2-R1", "matched twice"),
    ("L1-R1, L3-R1", "no edge L3-R1"),
    ("L1-L2", "no edge"),
    ("L1-R9", "unknown vertex"),
    ("", "not maximum"),
])
def test_matching_rejects_invalid_matchings(m, why):
    v = score_check(boxed(m), MATCH_CHECK, None)
    assert v.correct is False and why in v.reason


@pytest.mark.parametrize("check", [PATH_CHECK, TOPO_CHECK, HAM_CHECK, MST_CHECK, MATCH_CHECK])
@pytest.mark.parametrize("resp", [
    "x" * 1_000_000,
    "\\boxed{" * 100_000,
    "{" * 200_000 + "\\boxed{A}" + "}" * 200_000,
    "{" * 100_000 + "\\boxed{A}" * 100_000,
    "\\boxed{" + "A -> " * 50_000 + "D}",
    "\\boxed{" + "}" * 1000,
    "\\boxed{\\text{\\text{\\text{}}}}",
    "\\boxed{(A, B), (C}",
    "\\boxed{A\x00B}",
    "\\boxed{ℵ -> 𝔸}",
])
def test_hostile_responses_are_refused_quickly_without_crashing(check, resp):
    t = time.perf_counter()
    v = score_check(resp, check, None)
    assert v.correct is False, v
    assert v.reason and not v.reason.startswith("checker error")
    assert time.perf_counter() - t < 30  # does not hang; bench/ times it


def test_boxed_answers_handles_nesting_and_unclosed_groups():
    assert boxed_answers("\\boxed{a{b}c} x \\boxed{d}") == ["a{b}c", "d"]
    assert boxed_answers("\\boxed{\\boxed{a}}") == ["\\boxed{a}"]
    assert boxed_answers("\\boxed{a") == []
    assert boxed_answers("\\fbox{A -> B}") == ["A -> B"]
    assert read_final_answer("\\boxed{A->B} \\boxed{ A -> B }").answers == ("A->B",)


def test_parsers_name_what_they_could_not_read():
    assert parse_sequence("A -> b", ["A", "B"]) == (["A", "B"], "")
    assert parse_sequence("A -> Q", ["A", "B"])[1] == "unknown vertex 'Q'"
    assert parse_pairs("A-B, (C, D)", ["A", "B", "C", "D"])[0] is None
    assert parse_pairs("A-B, C-D", ["A", "B", "C", "D"]) == ([("A", "B"), ("C", "D")], "")
    assert parse_pairs("\\emptyset", ["A"]) == ([], "")
