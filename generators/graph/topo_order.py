"""graph.topo_order: a topological order of a DAG (any valid order is accepted)."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from hardgen.generators.base import Candidate, Family, Knobs, knob, register
from hardgen.generators.graph._graphs import (ParamGraph, build_dag, graph_params, random_names, render_edges,
                                              vertex_list)
from hardgen.verifiers.graph import check_topo_order


@dataclass(frozen=True)
class TopoOrderKnobs(Knobs):
    nodes: int = knob(8, lo=4, hi=200, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.25, lo=0.0, hi=1.0, help="probability of each forward arc beyond one in-arc per vertex")
    structure: str = knob("dag", choices=("dag", "grid"),
                          help="'dag': random acyclic digraph; 'grid': right/down arcs of a grid")


def kahn_order(g: ParamGraph) -> list[str] | None:
    """A topological order by Kahn's algorithm (our own), or None when the graph has a cycle."""
    indeg = {v: 0 for v in g.nodes}
    out: dict[str, list[str]] = {v: [] for v in g.nodes}
    for u, v, _ in g.edges:
        out[u].append(v)
        indeg[v] += 1
    q = deque(v for v in g.nodes if indeg[v] == 0)
    order = []
    while q:
        u = q.popleft()
        order.append(u)
        for v in out[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                q.append(v)
    return order if len(order) == len(g.nodes) else None


@register
class TopologicalOrder(Family):
    name = "graph.topo_order"
    Knobs = TopoOrderKnobs
    levels = {
        "easy": {"nodes": 8, "density": 0.25},
        "medium": {"nodes": 15, "density": 0.2},
        "hard": {"nodes": 26, "density": 0.15},
        "extreme": {"nodes": 45, "density": 0.1},
    }
    description = "Order the vertices of a directed acyclic graph so that every arc points forward."
    verification = ("The DAG is built over a hidden order, which is a valid answer by construction; `gen verify` "
                    "checks acyclicity with our own Kahn's algorithm and checks the hidden order structurally. "
                    "Responses are checked against the graph: every vertex exactly once and every arc U -> V with "
                    "U before V, so any topological order is accepted.")

    def generate(self, k: TopoOrderKnobs, rng: random.Random) -> Candidate:
        g = build_dag(k.structure, k.nodes, k.density, rng)
        names = random_names(g.n, rng)
        params = {**graph_params(names, g, weighted=False), "witness": [names[v] for v in g.meta["order"]]}
        prompt = (f"A directed acyclic graph has {g.n} vertices: {vertex_list(names)}.\n"
                  f"Its {len(g.edges)} arcs (U -> V points from U to V):\n{render_edges(names, g, weighted=False)}\n\n"
                  "Give a topological order: every vertex exactly once, such that for every arc U -> V, U comes "
                  "before V. Write the vertex names separated by commas inside \\boxed{}, e.g. \\boxed{B, A, C}.")
        return Candidate(prompt, None, {"kind": "graph.topo_order", "params": params},
                         {"nodes": g.n, "edges": len(g.edges)})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        order = kahn_order(ParamGraph.from_params(p))
        return {"acyclic": order is not None,
                "kahn_order_accepted": order is not None and check_topo_order(order, p)[0],
                "witness_accepted": check_topo_order(p["witness"], p)[0]}
