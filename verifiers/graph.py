"""Structural response checkers for the graph.* families: paths, orders, spanning trees and matchings.

Each check reads the graph from `check["params"]` and the final `\\boxed{}` answer from the response, and
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

from typing import Callable

from hardgen.generators.graph._graphs import ParamGraph, _DSU, final_answer, parse_pairs, parse_sequence
from hardgen.verifiers.base import Verdict, register_check

Result = tuple[bool, str]


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
    dsu = _DSU(len(g.nodes))
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
        ans, why = final_answer(response)
        if ans is None:
            return Verdict(False, why)
        params = check["params"]
        parsed, why = parse(ans, params["nodes"])
        if parsed is None:
            return Verdict(False, f"malformed answer: {why}")
        ok, why = check_fn(parsed, params)
        return Verdict(ok, why)

    score.__doc__ = f"Score a boxed answer with `{check_fn.__name__}` (any valid solution is accepted)."
    return score


score_path = register_check("graph.path")(_scorer(parse_sequence, check_path))
score_topo_order = register_check("graph.topo_order")(_scorer(parse_sequence, check_topo_order))
score_hamiltonian = register_check("graph.hamiltonian")(_scorer(parse_sequence, check_hamiltonian))
score_spanning_tree = register_check("graph.spanning_tree")(_scorer(parse_pairs, check_spanning_tree))
score_matching = register_check("graph.matching")(_scorer(parse_pairs, check_matching))
