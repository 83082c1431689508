"""graph.dag_paths: count the directed paths from a source to a target in a DAG."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.graph._graphs import (ParamGraph, build_dag, graph_params, random_names, render_edges,
                                              vertex_list)

#: `gen verify` also enumerates the paths one by one when there are at most this many
ENUMERATION_LIMIT = 20_000


@dataclass(frozen=True)
class DagPathsKnobs(Knobs):
    nodes: int = knob(8, lo=4, hi=200, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.3, lo=0.0, hi=1.0, help="probability of each forward arc beyond one in-arc per vertex")
    structure: str = knob("dag", choices=("dag", "grid"),
                          help="'dag': random acyclic digraph; 'grid': right/down arcs of a grid, corner to corner")


def walk_count(g: ParamGraph, s: str, t: str) -> tuple[int, bool]:
    """Paths s -> t counted as walks by length (sum over k of (A^k)[s][t], a vector times the adjacency matrix
    k times; our own, independent of the topological DP used at generation). In a DAG walks are paths, and the
    vector must vanish within n steps; the flag says whether it did (i.e. no cycle is reachable from s)."""
    out: dict[str, list[str]] = {v: [] for v in g.nodes}
    for u, v, _ in g.edges:
        out[u].append(v)
    vec = {s: 1}
    total = 0
    for _ in range(len(g.nodes)):
        nxt: dict[str, int] = {}
        for u, c in vec.items():
            for v in out[u]:
                nxt[v] = nxt.get(v, 0) + c
        vec = nxt
        total += vec.get(t, 0)
        if not vec:
            return total, True
    return total, not vec


def enumerate_paths(g: ParamGraph, s: str, t: str, limit: int) -> int | None:
    """Number of s -> t paths by explicit depth-first enumeration; None once it passes `limit`.

    Only vertices that reach t are entered, so every branch ends at t and the work is bounded by the count.
    Call it on acyclic graphs only.
    """
    out: dict[str, list[str]] = {v: [] for v in g.nodes}
    back: dict[str, list[str]] = {v: [] for v in g.nodes}
    for u, v, _ in g.edges:
        out[u].append(v)
        back[v].append(u)
    reach_t, todo = {t}, [t]
    while todo:
        for u in back[todo.pop()]:
            if u not in reach_t:
                reach_t.add(u)
                todo.append(u)
    out = {u: [v for v in vs if v in reach_t] for u, vs in out.items()}
    count = 0
    stack = [s]
    while stack:
        u = stack.pop()
        if u == t:
            count += 1
            if count > limit:
                return None
            continue
        stack.extend(out[u])
    return count


@register
class DagPaths(Family):
    name = "graph.dag_paths"
    Knobs = DagPathsKnobs
    levels = {
        "easy": {"nodes": 7, "density": 0.3},
        "medium": {"nodes": 10, "density": 0.35},
        "hard": {"nodes": 14, "density": 0.4},
        "extreme": {"nodes": 20, "density": 0.4},
    }
    description = "Count the directed paths from a source to a target in a directed acyclic graph."
    verification = ("The count comes from a dynamic program over the hidden topological order at generation; "
                    "`gen verify` recounts it as walks by length (powers of the adjacency matrix, which must "
                    "vanish: acyclic) and, when there are at most 20,000 paths, by enumerating them one by one. "
                    "Responses are integers compared exactly.")

    def generate(self, k: DagPathsKnobs, rng: random.Random) -> Candidate:
        g = build_dag(k.structure, k.nodes, k.density, rng)
        s, t = 0, g.n - 1
        ins: list[list[int]] = [[] for _ in range(g.n)]
        for u, v, _ in g.edges:
            ins[v].append(u)
        ways = [0] * g.n
        ways[s] = 1
        for v in g.meta["order"][1:]:  # arcs go forward in this order, so predecessors are final
            ways[v] = sum(ways[u] for u in ins[v])
        if ways[t] < 2:
            raise Reject("fewer than two paths")
        names = random_names(g.n, rng)
        S, T = names[s], names[t]
        params = {**graph_params(names, g, weighted=False), "source": S, "target": T}
        prompt = (f"A directed acyclic graph has {g.n} vertices: {vertex_list(names)}.\n"
                  f"Its {len(g.edges)} arcs (U -> V points from U to V):\n{render_edges(names, g, weighted=False)}\n\n"
                  f"How many different directed paths lead from {S} to {T}? A path follows arcs in their "
                  "direction; two paths are different when their sequences of arcs differ. "
                  "Give the number inside \\boxed{}, e.g. \\boxed{15}.")
        return Candidate(prompt, str(ways[t]), {"kind": "math", "params": params},
                         {"nodes": g.n, "edges": len(g.edges), "paths": ways[t]})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        g = ParamGraph.from_params(p)
        count, acyclic = walk_count(g, p["source"], p["target"])
        checks: dict[str, bool | None] = {"acyclic_from_source": acyclic,
                                          "walk_count": record["answer"] == str(count)}
        if acyclic and count <= ENUMERATION_LIMIT:
            listed = enumerate_paths(g, p["source"], p["target"], ENUMERATION_LIMIT)
            checks["enumerated"] = listed is not None and record["answer"] == str(listed)
        return checks
