"""Structural response checkers for the graph.* families: paths, orders, spanning trees and matchings.

Each check reads the graph from `check["params"]` and the final answer from the response (`verifiers.answer`), and
accepts ANY valid solution (any shortest path, any topological order, any minimum spanning tree, any maximum
matching, any Hamiltonian path). The `check_*` functions are pure and usable alone:

>>> params = {"nodes": ["A", "B", "C"], "directed": True, "edges": [["A", "B", 1], ["B", "C", 2], ["A", "C", 3]],
...           "source": "A", "target": "C", "optimum": 3}
>>> check_path(["A", "B", "C"], params)
(True, 'shortest path of weight 3')
>>> check_path(["A", "C", "B"], params)[0]
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from hardgen.verifiers.answer import decode_final
from hardgen.verifiers.base import Verdict, register_check

Result = tuple[bool, str]
#: final answers longer than this are refused unread (a valid answer on these graphs is far shorter)
MAX_ANSWER_CHARS = 100_000


class DSU:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True



@dataclass
class ParamGraph:
    """A graph read from a check spec: names, and an edge-weight lookup (both directions when undirected)."""

    nodes: list[str]
    directed: bool
    weight: dict[tuple[str, str], int]
    edges: list[tuple[str, str, int]]

    @classmethod
    def from_params(cls, params: dict) -> "ParamGraph":
        nodes = [str(x) for x in params["nodes"]]
        directed = bool(params.get("directed", False))
        weight: dict[tuple[str, str], int] = {}
        edges = []
        for e in params["edges"]:
            u, v = str(e[0]), str(e[1])
            w = int(e[2]) if len(e) > 2 else 1
            edges.append((u, v, w))
            weight[(u, v)] = w
            if not directed:
                weight[(v, u)] = w
        return cls(nodes, directed, weight, edges)

    def index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.nodes)}



# ---------------------------------------------------------------- parsing answers

_LATEX_ARROWS = re.compile(r"\\(?:longrightarrow|rightarrow|to)(?![A-Za-z])|→|⟶")
_LATEX_WRAP = re.compile(r"\\(?:text|mathrm|mathit|mathbf|textbf|texttt|operatorname)\s*\{([^{}]*)\}")
_LATEX_SPACE = re.compile(r"\\[,;:! ]|\\quad|\\qquad|~|\$|\\left|\\right")


def clean_latex(s: str) -> str:
    """Strip the LaTeX a model may wrap names in: $, \\text{..}, \\mathrm{..}, spacing; arrows become `->`."""
    s = _LATEX_WRAP.sub(r"\1", s)
    s = _LATEX_WRAP.sub(r"\1", s)  # one level of nesting, e.g. \text{\textbf{A}}
    s = _LATEX_ARROWS.sub("->", s)
    s = _LATEX_SPACE.sub(" ", s)
    return s.strip()


def _lookup(token: str, known: dict[str, str]) -> str | None:
    return known.get(token.strip().upper())


def name_lookup(nodes: list[str]) -> dict[str, str]:
    """Upper-cased name -> name; names are upper-case letters and digits, so `a1` reads as `A1`."""
    return {v.upper(): v for v in nodes}


def parse_sequence(answer: str, nodes: list[str]) -> tuple[list[str] | None, str]:
    """Vertex names separated by `->`/`→` (or commas, or dashes, or spaces when none is used; a list may be in
    brackets), or (None, reason)."""
    s = clean_latex(answer)
    if s[:1] in "([" and s[-1:] in ")]":  # [A, B, D] or (A, B, D)
        s = s[1:-1].strip()
    if not s:
        return None, "empty answer"
    if "->" in s:
        parts = s.split("->")
    elif "," in s:
        parts = s.split(",")
    elif re.search(r"\s*(?:-{1,2}|–|—)\s*", s):  # A - B - D: names never hold a dash
        parts = re.split(r"\s*(?:-{1,2}|–|—)\s*", s)
    else:
        parts = s.split()
    known = name_lookup(nodes)
    out = []
    for p in parts:
        p = p.strip()
        if not p:
            return None, "empty element in the vertex sequence"
        v = _lookup(p, known)
        if v is None:
            return None, f"unknown vertex {p[:40]!r}"
        out.append(v)
    return out, ""


_PAIR_PAREN = re.compile(r"[\(\[]\s*([A-Za-z0-9_]+)\s*,\s*([A-Za-z0-9_]+)\s*[\)\]]")
_PAIR_DASH = re.compile(r"([A-Za-z0-9_]+)\s*(?:-{1,2}>?|–|—|<->|:|\s)\s*([A-Za-z0-9_]+)")


def parse_pairs(answer: str, nodes: list[str]) -> tuple[list[tuple[str, str]] | None, str]:
    """Vertex pairs, written `A-B, C-D` (also `A -- B`, `A: B`, `;` separators) or `(A, B), (C, D)`."""
    s = clean_latex(answer)
    s = re.sub(r"^\\?\{|\\?\}$", "", s).strip()  # set braces around the list
    if s in ("", "\\emptyset", "\\varnothing", "∅"):
        return [], ""
    raw: list[tuple[str, str]] = []
    if "(" in s or "[" in s:
        rest = _PAIR_PAREN.sub("", s)
        if re.sub(r"[\s,;]", "", rest):
            return None, f"could not read {rest.strip()[:40]!r} as a pair (U, V)"
        raw = [(m.group(1), m.group(2)) for m in _PAIR_PAREN.finditer(s)]
    else:
        for part in re.split(r"[,;]", s):
            part = part.strip()
            if not part:
                return None, "empty element in the pair list"
            m = _PAIR_DASH.fullmatch(part)
            if not m:
                return None, f"could not read {part[:40]!r} as a pair U-V"
            raw.append((m.group(1), m.group(2)))
    known = name_lookup(nodes)
    out = []
    for a, b in raw:
        u, v = _lookup(a, known), _lookup(b, known)
        if u is None or v is None:
            return None, f"unknown vertex {(a if u is None else b)[:40]!r}"
        out.append((u, v))
    return out, ""




def _walk(seq: list[str], g: ParamGraph) -> tuple[int | None, str]:
    """Total weight of the walk `seq` if every step is an edge (respecting direction), else (None, reason)."""
    total = 0
    for a, b in zip(seq, seq[1:]):
        w = g.weight.get((a, b))
        if w is None:
            return None, f"no edge {a} {'->' if g.directed else '--'} {b}"
        total += w
    return total, ""


def _no_repeats(seq: list[str]) -> str:
    seen: set[str] = set()
    for v in seq:
        if v in seen:
            return f"vertex {v} appears more than once"
        seen.add(v)
    return ""


def check_path(seq: list[str], params: dict) -> Result:
    """A simple path from `source` to `target` along edges of the graph, of total weight `optimum`."""
    g = ParamGraph.from_params(params)
    if not seq:
        return False, "empty path"
    if seq[0] != params["source"]:
        return False, f"path starts at {seq[0]}, not at {params['source']}"
    if seq[-1] != params["target"]:
        return False, f"path ends at {seq[-1]}, not at {params['target']}"
    rep = _no_repeats(seq)
    if rep:
        return False, rep
    total, why = _walk(seq, g)
    if total is None:
        return False, why
    if total != int(params["optimum"]):
        return False, f"path weight {total} is not the shortest ({params['optimum']})"
    return True, f"shortest path of weight {total}"


def check_topo_order(seq: list[str], params: dict) -> Result:
    """Every vertex exactly once, and every arc u -> v has u before v."""
    g = ParamGraph.from_params(params)
    rep = _no_repeats(seq)
    if rep:
        return False, rep
    present = set(seq)
    missing = [v for v in g.nodes if v not in present]
    if missing:
        return False, f"{len(missing)} vertices missing (e.g. {missing[0]})"
    pos = {v: i for i, v in enumerate(seq)}
    for u, v, _ in g.edges:
        if pos[u] > pos[v]:
            return False, f"arc {u} -> {v} but {v} comes before {u}"
    return True, f"valid topological order of {len(seq)} vertices"


def check_hamiltonian(seq: list[str], params: dict) -> Result:
    """Every vertex exactly once, consecutive vertices adjacent; fixed endpoints when the spec names them."""
    g = ParamGraph.from_params(params)
    rep = _no_repeats(seq)
    if rep:
        return False, rep
    if len(seq) != len(g.nodes):
        present = set(seq)
        missing = [v for v in g.nodes if v not in present]
        return False, f"{len(missing)} vertices missing (e.g. {missing[0]})"
    if params.get("source") and seq[0] != params["source"]:
        return False, f"path starts at {seq[0]}, not at {params['source']}"
    if params.get("target") and seq[-1] != params["target"]:
        return False, f"path ends at {seq[-1]}, not at {params['target']}"
    total, why = _walk(seq, g)
    if total is None:
        return False, why
    return True, f"Hamiltonian path through all {len(seq)} vertices"


def check_spanning_tree(pairs: list[tuple[str, str]], params: dict) -> Result:
    """n-1 distinct edges of the graph forming no cycle (so spanning), of total weight `optimum`."""
    g = ParamGraph.from_params(params)
    idx = g.index()
    seen: set[tuple[str, str]] = set()
    dsu = DSU(len(g.nodes))
    total = 0
    for a, b in pairs:
        key = (a, b) if a <= b else (b, a)
        if key in seen:
            return False, f"edge {a}-{b} listed twice"
        seen.add(key)
        w = g.weight.get((a, b))
        if w is None:
            return False, f"no edge {a}-{b} in the graph"
        if not dsu.union(idx[a], idx[b]):
            return False, f"edge {a}-{b} closes a cycle"
        total += w
    if len(pairs) != len(g.nodes) - 1:
        return False, f"{len(pairs)} edges do not span {len(g.nodes)} vertices (a spanning tree has {len(g.nodes) - 1})"
    if total != int(params["optimum"]):
        return False, f"spanning tree weight {total} is not the minimum ({params['optimum']})"
    return True, f"minimum spanning tree of weight {total}"


def check_matching(pairs: list[tuple[str, str]], params: dict) -> Result:
    """Edges of the bipartite graph (either order), no vertex twice, and `optimum` of them."""
    g = ParamGraph.from_params(params)
    used: set[str] = set()
    for a, b in pairs:
        if (a, b) not in g.weight:
            return False, f"no edge {a}-{b} in the graph"
        for v in (a, b):
            if v in used:
                return False, f"vertex {v} is matched twice"
            used.add(v)
    if len(pairs) != int(params["optimum"]):
        return False, f"matching of size {len(pairs)} is not maximum ({params['optimum']})"
    return True, f"maximum matching of size {len(pairs)}"


def _scorer(parse: Callable, check_fn: Callable[..., Result]):
    def score(response: str, check: dict, answer: str | None) -> Verdict:
        params = check["params"]

        def decode(text: str):
            parsed, why = parse(text, params["nodes"])
            return parsed, f"malformed answer: {why}"

        parsed, why = decode_final(response, decode, MAX_ANSWER_CHARS)
        if parsed is None:
            return Verdict(False, why)
        ok, why = check_fn(parsed, params)
        return Verdict(ok, why)

    score.__doc__ = f"Score a final answer with `{check_fn.__name__}` (any valid solution is accepted)."
    return score


score_path = register_check("graph.path")(_scorer(parse_sequence, check_path))
score_topo_order = register_check("graph.topo_order")(_scorer(parse_sequence, check_topo_order))
score_hamiltonian = register_check("graph.hamiltonian")(_scorer(parse_sequence, check_hamiltonian))
score_spanning_tree = register_check("graph.spanning_tree")(_scorer(parse_pairs, check_spanning_tree))
score_matching = register_check("graph.matching")(_scorer(parse_pairs, check_matching))
