"""The formal grammars a trained LLM generator writes, behind one interface: judge a written text exactly, name
its near-duplicate items, its concept tags, and turn a graded row back into the grammar's canonical text.

`GRAMMARS[family]` for `llm.cnf` (CNF formulas), `llm.xor` (linear systems mod 2) and `llm.color` (graph
colouring). Each grammar's family is also a template family (`gen generate llm.xor --level hard`), the peer a
trained generator is measured against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from hardgen.generators.base import Candidate
from hardgen.generators import formal_math as fm
from hardgen.generators import grammar_regex as gx
from hardgen.generators.formal import (FORMAL_FAMILY, MAX_VARS, FormulaError, canonical_order, formal_candidate,
                                      formula_key, parse_formula, render_formula, solve_formula)

Items = list[tuple[int, ...]]


@dataclass(frozen=True)
class Judged:
    """The exact verdict on one written text: valid or not, why, and (when valid) the problem's record parts."""

    valid: bool
    reason: str
    candidate: Candidate | None = None
    checks: dict | None = None


@dataclass(frozen=True)
class Grammar:
    """One formal grammar: `judge(text, difficulty)` -> Judged; `items(text)` -> the constraint set used for
    near-duplicate similarity (None when it does not parse); `tags(text)` -> concept tags, the template's knobs
    including its size knob (clauses, equations, edges); `text_of(row)` -> the
    canonical text of a graded row of this grammar's kind (None when it has none)."""

    family: str
    judge: Callable[[str, dict | None], Judged]
    items: Callable[[str], Items | None]
    tags: Callable[[str], tuple[str, ...]]
    text_of: Callable[[dict], str | None]
    #: a CPU reference solver whose pass rates spread across the template's levels (the bench's default)
    reference_solver: str
    #: `pattern(tags, plant=None)` -> a regular expression every match of which the grammar's parser accepts,
    #: narrowed by a condition's tags (size, variables, width, colours): the constraint of grammar-constrained
    #: decoding; with a `plant` witness (from `plant(tags, rng)`) every match is also semantically valid except
    #: where noted (llm.xor: consistent, but a unique solution is still not guaranteed)
    pattern: Callable[..., str]
    #: `plant(tags, rng)` -> a random witness for `pattern(tags, plant=...)`: an assignment, a solution, a colouring
    plant: Callable[[tuple[str, ...], random.Random], tuple[int, ...]]


# ---------------------------------------------------------------- llm.cnf

def _cnf_judge(text: str, difficulty: dict | None = None) -> Judged:
    sol = solve_formula(text)
    if not sol.valid:
        return Judged(False, sol.reason)
    return Judged(True, sol.reason, formal_candidate(sol, difficulty),
                  {"parses": True, "satisfiable": True, "witness_satisfies": True})


def _cnf_items(text: str) -> Items | None:
    try:
        return [tuple(c) for c in parse_formula(text)[1]]
    except FormulaError:
        return None


def _cnf_tags(text: str) -> tuple[str, ...]:
    n, clauses = parse_formula(text)
    widths = sorted({len(c) for c in clauses})
    width = str(widths[0]) if len(widths) == 1 else f"{widths[0]}-{widths[-1]}"
    return (f"vars={n}", f"width={width}", f"clauses={len(formula_key(clauses))}")


def _cnf_text_of(row: dict) -> str | None:
    check = row.get("check") or {}
    if check.get("kind") != "sat" or (check.get("params") or {}).get("equations") is not None:
        return None
    p = check.get("params") or {}
    n, clauses = int(p.get("num_vars", 0)), p.get("clauses") or []
    if not (0 < n <= MAX_VARS and clauses and p.get("status", "sat") == "sat"):
        return None
    text = render_formula(canonical_order([list(c) for c in clauses]))
    return text if solve_formula(text).valid else None  # rewritten rows must pass the grammar they train


def _cnf_pattern(tags: tuple[str, ...], plant: tuple[int, ...] | None = None) -> str:
    v = gx.tag_values(tags)
    return gx.cnf_regex(gx.tag_int(v, "vars", MAX_VARS), gx.tag_range(v, "width", (1, 3)),
                        gx.tag_int(v, "clauses", None), plant)


def _cnf_plant(tags: tuple[str, ...], rng: random.Random) -> tuple[int, ...]:
    n = gx.tag_int(gx.tag_values(tags), "vars", MAX_VARS) or MAX_VARS
    return tuple(rng.randint(0, 1) for _ in range(n))


# ---------------------------------------------------------------- llm.xor

def _xor_judge(text: str, difficulty: dict | None = None) -> Judged:
    sol = fm.solve_system(text)
    if not sol.valid:
        return Judged(False, sol.reason)
    return Judged(True, sol.reason, fm.xor_candidate(sol, difficulty),
                  {"parses": True, "consistent": True, "unique": True})


def _xor_items(text: str) -> Items | None:
    try:
        return [(*vs, -1 - rhs) for vs, rhs in fm.parse_system(text)[1]]  # rhs kept apart from variable numbers
    except fm.GrammarError:
        return None


def _xor_tags(text: str) -> tuple[str, ...]:
    n, eqs = fm.parse_system(text)
    widths = sorted({len(vs) for vs, _ in eqs})
    width = str(widths[0]) if len(widths) == 1 else f"{widths[0]}-{widths[-1]}"
    return (f"vars={n}", f"width={width}", f"equations={len(set(eqs))}")


def _xor_text_of(row: dict) -> str | None:
    p = (row.get("check") or {}).get("params") or {}
    if (row.get("check") or {}).get("kind") != "sat" or p.get("equations") is None:
        return None
    text = fm.render_system(fm.canonical_system([(tuple(e[:-1]), e[-1]) for e in p["equations"]]))
    return text if fm.solve_system(text).valid else None


def _xor_pattern(tags: tuple[str, ...], plant: tuple[int, ...] | None = None) -> str:
    v = gx.tag_values(tags)
    return gx.xor_regex(gx.tag_int(v, "vars", fm.MAX_XOR_VARS), gx.tag_range(v, "width", (1, fm.MAX_XOR_WIDTH)),
                        gx.tag_int(v, "equations", None), plant)


def _xor_plant(tags: tuple[str, ...], rng: random.Random) -> tuple[int, ...]:
    n = gx.tag_int(gx.tag_values(tags), "vars", fm.MAX_XOR_VARS) or fm.MAX_XOR_VARS
    return tuple(rng.randint(0, 1) for _ in range(n))


# ---------------------------------------------------------------- llm.color

def _color_judge(text: str, difficulty: dict | None = None) -> Judged:
    sol = fm.solve_graph(text)
    if not sol.valid:
        return Judged(False, sol.reason)
    return Judged(True, sol.reason, fm.color_candidate(sol, difficulty), {"parses": True, "colourable": True})


def _color_items(text: str) -> Items | None:
    try:
        _, k, edges = fm.parse_graph(text)
    except fm.GrammarError:
        return None
    return [(0, k)] + [tuple(e) for e in edges]


def _color_tags(text: str) -> tuple[str, ...]:
    n, k, edges = fm.parse_graph(text)
    return (f"nodes={n}", f"colors={k}", f"edges={len(edges)}")


def _color_text_of(row: dict) -> str | None:
    check = row.get("check") or {}
    p = check.get("params") or {}
    if check.get("kind") != fm.COLORING_KIND or p.get("givens") or not p.get("edges"):
        return None  # a pre-coloured instance is not in the grammar
    if p.get("colors", 0) > fm.MAX_COLORS or p.get("nodes", 0) > fm.MAX_COLOR_NODES:
        return None
    text = fm.render_graph(int(p["colors"]), [tuple(e) for e in p["edges"]])
    sol = fm.solve_graph(text)
    return text if sol.valid and sol.nodes == p["nodes"] else None


def _color_pattern(tags: tuple[str, ...], plant: tuple[int, ...] | None = None) -> str:
    v = gx.tag_values(tags)
    colors = gx.tag_int(v, "colors", None if plant is None else 3)
    return gx.color_regex(gx.tag_int(v, "nodes", fm.MAX_COLOR_NODES), colors, gx.tag_int(v, "edges", None), plant)


def _color_plant(tags: tuple[str, ...], rng: random.Random) -> tuple[int, ...]:
    """A balanced random colouring (colour classes differ in size by at most one), so the fewest vertex pairs are
    excluded; 3 colours when the tags name none."""
    v = gx.tag_values(tags)
    n = gx.tag_int(v, "nodes", fm.MAX_COLOR_NODES) or fm.MAX_COLOR_NODES
    k = gx.tag_int(v, "colors", 3) or 3
    colours = [1 + i % k for i in range(n)]
    rng.shuffle(colours)
    return tuple(colours)


GRAMMARS: dict[str, Grammar] = {
    FORMAL_FAMILY: Grammar(FORMAL_FAMILY, _cnf_judge, _cnf_items, _cnf_tags, _cnf_text_of, "sat:walksat@2",
                           _cnf_pattern, _cnf_plant),
    fm.XOR_FAMILY: Grammar(fm.XOR_FAMILY, _xor_judge, _xor_items, _xor_tags, _xor_text_of, "sat:walksat@20",
                           _xor_pattern, _xor_plant),
    fm.COLOR_FAMILY: Grammar(fm.COLOR_FAMILY, _color_judge, _color_items, _color_tags, _color_text_of,
                             "sat:walksat@20", _color_pattern, _color_plant),
}


def grammar_of_row(row: dict) -> tuple[str, str] | None:
    """(family, canonical text) of the first grammar that can write a graded row, or None."""
    for g in GRAMMARS.values():
        text = g.text_of(row)
        if text is not None:
            return g.family, text
    return None
