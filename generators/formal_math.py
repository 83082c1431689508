"""llm.xor and llm.color: two more formal grammars the trained LLM generator writes, each parsed strictly, solved
exactly by hardgen and rendered to a natural-language prompt; their template families are the generator's peers.

llm.xor, a linear system over GF(2) (parity conditions on 0/1 switches):

    system   := equation ( ";" equation )*
    equation := term ( "+" term )* "=" ( "0" | "1" )        term := "x" N   (N = 1..16, no variable twice)

It is valid when every variable x1..xn (n = the highest index used) is determined: the system has exactly one
solution. CaDiCaL solves the CNF encoding and a blocking clause proves there is no second solution; `gen verify`
re-derives it by sympy's row reduction over GF(2) (rank n, consistent) and compares the solutions.

llm.color, a graph and a number of colours:

    graph := "colors" K ":" edge ( "," edge )*                 edge := N "-" N   (K = 2..6, N = 1..40, no loops)

It is valid when the graph (vertices 1..n, n = the highest vertex named) has a proper K-colouring: CaDiCaL finds
one and networkx checks it edge by edge; `gen verify` re-solves with Glucose and counts colourings with an
independent backtracking search. Any proper colouring is a correct answer (answer None). Repeated edges are the
same constraint and are kept once (as a CNF formula may repeat a clause).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.logic.coloring import KIND as COLORING_KIND
from hardgen.generators.logic.coloring import _decode as decode_colouring
from hardgen.generators.logic.coloring import coloring_cnf, count_colourings
from hardgen.generators.sat._cnf import (CHECK_BACKEND, Clause, CnfFamily, other_solution, render_values, sat_check,
                                         satisfies, solve)

XOR_FAMILY = "llm.xor"
COLOR_FAMILY = "llm.color"
MAX_XOR_VARS = 16
MAX_XOR_WIDTH = 5  # an equation of width w is 2^(w-1) clauses
MAX_COLOR_NODES = 40
MAX_COLORS = 6
MAX_TEXT_CHARS = 5_000


class GrammarError(HardgenError):
    """A text outside a formal grammar; the message says where and why."""


# ---------------------------------------------------------------- llm.xor

Equation = tuple[tuple[int, ...], int]  # (sorted variable indices, right-hand side 0/1)

_EQ = re.compile(r"^\s*(x\d+(?:\s*\+\s*x\d+)*)\s*=\s*([01])\s*$")


def parse_system(text: str) -> tuple[int, list[Equation]]:
    """Parse an llm.xor system strictly: (n = highest variable index, equations).

    >>> parse_system("x1 + x3 = 1; x2 = 0; x1 + x2 + x3 = 0")
    (3, [((1, 3), 1), ((2,), 0), ((1, 2, 3), 0)])
    """
    if not isinstance(text, str):
        raise GrammarError(f"a system must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise GrammarError(f"system is {len(text)} characters; at most {MAX_TEXT_CHARS} are allowed")
    parts = text.strip().split(";")
    if not text.strip():
        raise GrammarError("empty system")
    eqs: list[Equation] = []
    for i, part in enumerate(parts, 1):
        m = _EQ.match(part)
        if m is None:
            raise GrammarError(f"equation {i} ({part.strip()[:40]!r}) is not 'xI + xJ + ... = 0 or 1'")
        vs = [int(t.strip()[1:]) for t in m.group(1).split("+")]
        if any(not 1 <= v <= MAX_XOR_VARS for v in vs):
            raise GrammarError(f"equation {i} names a variable outside x1..x{MAX_XOR_VARS}")
        if len(set(vs)) != len(vs):
            raise GrammarError(f"equation {i} names a variable twice")
        if len(vs) > MAX_XOR_WIDTH:
            raise GrammarError(f"equation {i} has {len(vs)} terms; at most {MAX_XOR_WIDTH} are allowed")
        eqs.append((tuple(sorted(vs)), int(m.group(2))))
    return max(v for vs, _ in eqs for v in vs), eqs


def render_system(eqs: list[Equation]) -> str:
    return "; ".join(" + ".join(f"x{v}" for v in vs) + f" = {rhs}" for vs, rhs in eqs)


def canonical_system(eqs: list[Equation]) -> list[Equation]:
    """Equations once each, in sorted order: the order the generator is trained on."""
    return sorted(set(eqs))


def xor_clauses(eqs: list[Equation]) -> list[Clause]:
    """CNF of the system: per equation, one clause forbidding each assignment of its variables of wrong parity."""
    clauses: list[Clause] = []
    for vs, rhs in eqs:
        for mask in range(1 << len(vs)):
            if bin(mask).count("1") % 2 != rhs:  # this assignment (bit set = true) violates the equation
                clauses.append([-v if mask >> j & 1 else v for j, v in enumerate(vs)])
    return clauses


def gf2_solve(n: int, eqs: list[Equation]) -> tuple[int, bool, list[int] | None]:
    """(rank, consistent, the unique solution or None) by sympy's row reduction over GF(2): a route independent of
    the SAT encoding."""
    from sympy import GF
    from sympy.polys.matrices import DomainMatrix

    field = GF(2)
    rows = [[field(1 if v in vs else 0) for v in range(1, n + 1)] + [field(rhs)] for vs, rhs in eqs]
    red, pivots = DomainMatrix(rows, (len(rows), n + 1), field).rref()
    consistent = n not in pivots
    rank = len([p for p in pivots if p < n])
    if not consistent or rank < n:
        return rank, consistent, None
    mat = red.to_Matrix()
    sol = [0] * n
    for r, col in enumerate(pivots):
        sol[col] = int(mat[r, n]) % 2
    return rank, True, sol


@dataclass(frozen=True)
class XorSolution:
    valid: bool
    reason: str
    num_vars: int = 0
    equations: tuple[Equation, ...] = ()
    solution: tuple[bool, ...] | None = None


def solve_system(text: str) -> XorSolution:
    """Parse and solve a written system exactly; valid = parses and exactly one solution (CaDiCaL finds it, a
    blocking clause proves it unique). Never raises for bad text."""
    try:
        n, eqs = parse_system(text)
    except GrammarError as e:
        return XorSolution(False, f"does not parse: {e}")
    eqs = canonical_system(eqs)
    clauses = xor_clauses(eqs)
    res = solve(n, clauses)
    if not res.sat:
        return XorSolution(False, "inconsistent: no solution (proved by CaDiCaL)", n, tuple(eqs))
    assert res.values is not None
    if not satisfies(clauses, res.values):
        return XorSolution(False, "solver model fails an equation", n, tuple(eqs))
    if other_solution(n, clauses, res.values) is not None:
        return XorSolution(False, "not unique: a second solution exists (some variable is not determined)", n,
                           tuple(eqs))
    return XorSolution(True, "parses; exactly one solution (CaDiCaL, second solution blocked)", n, tuple(eqs),
                       tuple(res.values))


def xor_prompt(n: int, eqs: list[Equation]) -> str:
    lines = "\n".join(" + ".join(f"x{v}" for v in vs) + f" = {rhs} (mod 2)" for vs, rhs in eqs)
    ex = "".join("1" if i % 3 != 1 else "0" for i in range(n))
    return (f"Each of the switches x1, ..., x{n} is 0 or 1. Every condition below says whether the sum of some "
            "switches is even (= 0) or odd (= 1), i.e. it is an equation modulo 2:\n\n"
            f"{lines}\n\nExactly one setting satisfies all the conditions. Give the values of x1, ..., x{n} as a "
            f"string of exactly {n} characters 0/1 in that order inside \\boxed{{}}, e.g. \\boxed{{{ex}}}.")


_XOR_LINE = re.compile(r"^(x\d+(?: \+ x\d+)*) = ([01]) \(mod 2\)$", re.M)


def system_from_prompt(prompt: str) -> str:
    return "; ".join(f"{m.group(1)} = {m.group(2)}" for m in _XOR_LINE.finditer(prompt))


def xor_candidate(sol: XorSolution, difficulty: dict | None = None) -> Candidate:
    if not sol.valid or sol.solution is None:
        raise HardgenError(f"only a valid system becomes a problem ({sol.reason})")
    eqs = list(sol.equations)
    clauses = xor_clauses(eqs)
    bits = render_values(list(sol.solution), "bits")
    check = sat_check(sol.num_vars, clauses, "sat", "bits", True, witness=bits,
                      equations=[[*vs, rhs] for vs, rhs in eqs])
    feats = {"n_vars": sol.num_vars, "n_equations": len(eqs), "n_clauses": len(clauses),
             "mean_width": round(sum(len(vs) for vs, _ in eqs) / len(eqs), 3), "status": "sat", **(difficulty or {})}
    return Candidate(xor_prompt(sol.num_vars, eqs), bits, check, feats)


@dataclass(frozen=True)
class XorKnobs(Knobs):
    vars: int = knob(8, lo=1, hi=MAX_XOR_VARS, help="variables x1..xN")
    width: int = knob(3, lo=1, hi=MAX_XOR_WIDTH, help="most variables per equation")
    min_width: int = knob(2, lo=1, hi=MAX_XOR_WIDTH, help="fewest variables per equation")
    extra: int = knob(2, lo=0, hi=40, help="equations beyond the number of variables")

    def check(self) -> None:
        if self.width > self.vars or self.min_width > self.width:
            raise HardgenError(f"knobs need min_width ({self.min_width}) <= width ({self.width}) <= vars "
                               f"({self.vars})")


@register
class FormalXor(CnfFamily):
    """Random parity systems with a unique solution, written in the llm.xor grammar."""

    name = XOR_FAMILY
    Knobs = XorKnobs
    levels = {"easy": {"vars": 5, "extra": 2}, "medium": {"vars": 8, "extra": 2},
              "hard": {"vars": 11, "extra": 2}, "extreme": {"vars": 14, "extra": 2}}
    description = ("Linear systems modulo 2 (\"x1 + x3 + x4 = 1; ...\") with exactly one solution: the grammar the "
                   "trained LLM generator writes (`gen generate llm --family llm.xor`); this template draws random "
                   "equations until the system is determined (seed data and baseline).")
    verification = ("Parsed by a strict grammar; CaDiCaL solves the CNF encoding and a blocking clause proves the "
                    "solution unique. `gen verify` re-parses the system from the prompt, re-solves by sympy's row "
                    "reduction over GF(2) (rank = number of variables) and compares the solution with the answer.")

    def generate(self, kn: XorKnobs, rng: random.Random) -> Candidate:
        for _ in range(200):
            eqs = set()
            for _ in range(kn.vars + kn.extra):
                w = rng.randint(kn.min_width, kn.width)
                eqs.add((tuple(sorted(rng.sample(range(1, kn.vars + 1), w))), 0))
            # right-hand sides from a planted solution, so the system is consistent by construction
            plant = [rng.random() < 0.5 for _ in range(kn.vars)]
            full = [(vs, sum(plant[v - 1] for v in vs) % 2) for vs, _ in eqs]
            sol = solve_system(render_system(canonical_system(full)))
            if sol.valid and sol.num_vars == kn.vars:
                return xor_candidate(sol)
        raise Reject("could not draw a determined system in 200 tries")

    def rederive(self, record: dict) -> dict[str, bool | None]:
        checks = super().rederive(record)
        p = record["check"]["params"]
        eqs = [(tuple(e[:-1]), e[-1]) for e in p.get("equations") or []]
        try:
            pn, peqs = parse_system(system_from_prompt(record.get("prompt", "")))
            checks["prompt_system_matches"] = (pn == p["num_vars"] and canonical_system(peqs) == eqs
                                               and xor_clauses(eqs) == p["clauses"])
        except GrammarError:
            checks["prompt_system_matches"] = False
        rank, consistent, sol = gf2_solve(int(p["num_vars"]), eqs)
        checks["gf2_unique_solution"] = consistent and sol is not None
        if sol is not None:
            checks["gf2_matches_answer"] = "".join(map(str, sol)) == record.get("answer")
        return checks


# ---------------------------------------------------------------- llm.color

_GRAPH = re.compile(r"^\s*colors\s*(\d+)\s*:(.*)$", re.S)
_EDGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def parse_graph(text: str) -> tuple[int, int, list[tuple[int, int]]]:
    """Parse an llm.color text strictly: (nodes = highest vertex, colours, distinct edges (u < v) in order).

    >>> parse_graph("colors 3: 1-2, 2-3, 3-1, 1-2")
    (3, 3, [(1, 2), (2, 3), (1, 3)])
    """
    if not isinstance(text, str):
        raise GrammarError(f"a graph must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise GrammarError(f"graph is {len(text)} characters; at most {MAX_TEXT_CHARS} are allowed")
    m = _GRAPH.match(text)
    if m is None:
        raise GrammarError("expected 'colors K: U-V, U-V, ...'")
    k = int(m.group(1))
    if not 2 <= k <= MAX_COLORS:
        raise GrammarError(f"colors must be 2..{MAX_COLORS}, got {k}")
    edges: list[tuple[int, int]] = []
    for i, part in enumerate(m.group(2).split(","), 1):
        e = _EDGE.match(part)
        if e is None:
            raise GrammarError(f"edge {i} ({part.strip()[:20]!r}) is not 'U-V'")
        u, v = int(e.group(1)), int(e.group(2))
        if not (1 <= u <= MAX_COLOR_NODES and 1 <= v <= MAX_COLOR_NODES):
            raise GrammarError(f"edge {i} names a vertex outside 1..{MAX_COLOR_NODES}")
        if u == v:
            raise GrammarError(f"edge {i} is a loop ({u}-{v})")
        edge = (min(u, v), max(u, v))
        if edge not in edges:
            edges.append(edge)
    return max(v for e in edges for v in e), k, edges


def render_graph(k: int, edges: list[tuple[int, int]]) -> str:
    return f"colors {k}: " + ", ".join(f"{u}-{v}" for u, v in sorted(edges))


@dataclass(frozen=True)
class ColorSolution:
    valid: bool
    reason: str
    nodes: int = 0
    colors: int = 0
    edges: tuple[tuple[int, int], ...] = ()
    colouring: tuple[int, ...] | None = None


def solve_graph(text: str) -> ColorSolution:
    """Parse and colour a written graph exactly; valid = parses and K-colourable (CaDiCaL's colouring checked edge
    by edge on the networkx graph). Never raises for bad text."""
    import networkx as nx

    try:
        n, k, edges = parse_graph(text)
    except GrammarError as e:
        return ColorSolution(False, f"does not parse: {e}")
    edges = sorted(edges)
    nv, clauses = coloring_cnf(n, k, [list(e) for e in edges], [])
    res = solve(nv, clauses)
    if not res.sat:
        return ColorSolution(False, f"not {k}-colourable (proved by CaDiCaL)", n, k, tuple(edges))
    assert res.values is not None
    colour = decode_colouring([i + 1 if b else -(i + 1) for i, b in enumerate(res.values)], n, k)
    g = nx.Graph()
    g.add_nodes_from(range(1, n + 1))
    g.add_edges_from(edges)
    if not all(1 <= c <= k for c in colour) or any(colour[u - 1] == colour[v - 1] for u, v in g.edges):
        return ColorSolution(False, "solver colouring is not proper", n, k, tuple(edges))
    return ColorSolution(True, f"parses; {k}-colourable (CaDiCaL colouring checked on every edge)", n, k,
                         tuple(edges), tuple(colour))


def color_prompt(n: int, k: int, edges: list[tuple[int, int]]) -> str:
    ex = ", ".join(f"{v}:{1 + v % 2}" for v in range(1, min(n, 3) + 1))
    return (f"Colour the vertices 1, ..., {n} of the graph below with the colours 1, ..., {k} so that the two ends "
            "of every edge get different colours.\n\n"
            f"Edges: {', '.join(f'{u}-{v}' for u, v in edges)}\n\n"
            f"Give the colour of all {n} vertices as vertex:colour pairs separated by commas inside \\boxed{{}}, "
            f"e.g. \\boxed{{{ex}, ...}}. Any proper colouring is correct.")


_EDGES_LINE = re.compile(r"^Edges: (.*)$", re.M)
_COLOURS_IN_PROMPT = re.compile(r"with the colours 1, \.\.\., (\d+) ")


def graph_from_prompt(prompt: str) -> str:
    m, c = _EDGES_LINE.search(prompt), _COLOURS_IN_PROMPT.search(prompt)
    return f"colors {c.group(1)}: {m.group(1)}" if m and c else ""


def color_candidate(sol: ColorSolution, difficulty: dict | None = None) -> Candidate:
    if not sol.valid or sol.colouring is None:
        raise HardgenError(f"only a valid graph becomes a problem ({sol.reason})")
    edges = [list(e) for e in sol.edges]
    check = {"kind": COLORING_KIND, "params": {"nodes": sol.nodes, "colors": sol.colors, "edges": edges,
                                               "givens": [], "witness": list(sol.colouring)}}
    feats = {"nodes": sol.nodes, "colors": sol.colors, "n_edges": len(edges),
             "mean_degree": round(2 * len(edges) / sol.nodes, 3), **(difficulty or {})}
    return Candidate(color_prompt(sol.nodes, sol.colors, list(sol.edges)), None, check, feats)


@dataclass(frozen=True)
class ColorKnobs(Knobs):
    nodes: int = knob(12, lo=2, hi=MAX_COLOR_NODES, help="vertices 1..N")
    colors: int = knob(3, lo=2, hi=MAX_COLORS, help="colours K")
    min_edges: int = knob(14, lo=1, hi=780, help="fewest edges")
    max_edges: int = knob(28, lo=1, hi=780, help="most edges (drawn uniformly between the two)")

    def check(self) -> None:
        if self.min_edges > self.max_edges:
            raise HardgenError(f"knob min_edges ({self.min_edges}) exceeds max_edges ({self.max_edges})")
        if self.max_edges > self.nodes * (self.nodes - 1) // 2:
            raise HardgenError(f"knob max_edges ({self.max_edges}) exceeds the {self.nodes}-vertex graph's "
                               f"{self.nodes * (self.nodes - 1) // 2} possible edges")


@register
class FormalColor(Family, SatEncodable):
    """Uniform random graphs with a proper K-colouring, written in the llm.color grammar."""

    name = COLOR_FAMILY
    Knobs = ColorKnobs
    # 3 colours, edges at about 1.5-2.2 per vertex; measured pass rates of sat:walksat@20 (8 rollouts, 24 rows):
    # easy 0.85, medium 0.60, hard 0.33, extreme 0.08
    levels = {"easy": {"nodes": 6, "min_edges": 7, "max_edges": 10},
              "medium": {"nodes": 8, "min_edges": 11, "max_edges": 15},
              "hard": {"nodes": 10, "min_edges": 16, "max_edges": 21},
              "extreme": {"nodes": 13, "min_edges": 24, "max_edges": 29}}
    description = ("Graph colouring specs (\"colors 3: 1-2, 2-3, ...\"): the grammar the trained LLM generator "
                   "writes (`gen generate llm --family llm.color`); this template draws uniform random graphs and "
                   "redraws the ones with no proper colouring (seed data and baseline). Any proper colouring counts.")
    verification = ("Parsed by a strict grammar; CaDiCaL finds a colouring, checked edge by edge on the networkx "
                    "graph. `gen verify` re-parses the graph from the prompt, re-solves with Glucose, counts "
                    "colourings with an independent backtracking search, and checks the stored colouring.")

    def generate(self, kn: ColorKnobs, rng: random.Random) -> Candidate:
        pairs = [(u, v) for u in range(1, kn.nodes + 1) for v in range(u + 1, kn.nodes + 1)]
        for _ in range(200):
            edges = rng.sample(pairs, rng.randint(kn.min_edges, kn.max_edges))
            sol = solve_graph(render_graph(kn.colors, edges))
            if sol.valid and sol.nodes == kn.nodes:
                return color_candidate(sol)
        raise Reject("could not draw a colourable graph in 200 tries")

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        return coloring_cnf(p["nodes"], p["colors"], p["edges"], p["givens"])

    def render_model(self, record: dict, model: list[int] | None) -> str:
        p = record["check"]["params"]
        if model is None:
            return "No proper colouring exists."
        colour = decode_colouring(model, p["nodes"], p["colors"])
        return "\\boxed{" + ", ".join(f"{v}:{c}" for v, c in enumerate(colour, 1)) + "}"

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        n, k, edges = p["nodes"], p["colors"], [tuple(e) for e in p["edges"]]
        checks: dict[str, bool | None] = {}
        try:
            pn, pk, pedges = parse_graph(graph_from_prompt(record.get("prompt", "")))
            checks["prompt_graph_matches"] = (pn, pk, sorted(pedges)) == (n, k, sorted(edges))
        except GrammarError:
            checks["prompt_graph_matches"] = False
        nv, clauses = coloring_cnf(n, k, [list(e) for e in edges], [])
        res = solve(nv, clauses, CHECK_BACKEND)
        checks["colourable_glucose"] = res.sat
        count, _ = count_colourings(n, k, [list(e) for e in edges], [], limit=1)
        checks["colourable_backtracking"] = count >= 1
        w = p.get("witness")
        if w is not None:
            checks["witness_proper"] = (len(w) == n and all(1 <= c <= k for c in w)
                                        and all(w[u - 1] != w[v - 1] for u, v in edges))
        return checks
