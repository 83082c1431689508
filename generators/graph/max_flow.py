"""graph.max_flow: the maximum flow value between two vertices of a capacitated directed network."""

from __future__ import annotations

import random
from dataclasses import dataclass

import networkx as nx
from networkx.algorithms.flow import preflow_push

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.graph._graphs import (ParamGraph, build_dag, build_graph, cut_capacity, edmonds_karp,
                                              far_pair, graph_params, random_names, render_edges, vertex_list)


@dataclass(frozen=True)
class MaxFlowKnobs(Knobs):
    nodes: int = knob(6, lo=4, hi=200, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.3, lo=0.0, hi=1.0, help="probability of each arc beyond a spanning tree "
                                                    "(of each forward pair for 'dag')")
    w_min: int = knob(1, lo=1, hi=10**6, help="smallest arc capacity")
    w_max: int = knob(9, lo=1, hi=10**6, help="largest arc capacity")
    structure: str = knob("dag", choices=("random", "grid", "dag"),
                          help="'dag': layered-ish acyclic network from the first to the last vertex; "
                               "'random'/'grid': randomly oriented arcs between far-apart vertices")

    def check(self) -> None:
        if self.w_min > self.w_max:
            raise HardgenError(f"knob 'w_min' ({self.w_min}) must not exceed 'w_max' ({self.w_max})")


@register
class MaxFlow(Family):
    name = "graph.max_flow"
    Knobs = MaxFlowKnobs
    levels = {
        "easy": {"nodes": 6, "density": 0.3, "w_min": 1, "w_max": 9},
        "medium": {"nodes": 10, "density": 0.3, "w_min": 1, "w_max": 20},
        "hard": {"nodes": 16, "density": 0.25, "w_min": 1, "w_max": 50},
        "extreme": {"nodes": 25, "density": 0.2, "w_min": 1, "w_max": 99, "structure": "random"},
    }
    description = "Compute the maximum flow value from a source to a sink in a directed network with capacities."
    verification = ("The value comes from networkx preflow-push at generation; `gen verify` recomputes it with "
                    "our own Edmonds-Karp (shortest augmenting paths) and checks the certificate: the minimum cut "
                    "read off its final residual graph has capacity equal to the flow value (max-flow/min-cut), "
                    "which proves the value optimal. Responses are integers compared exactly.")

    def generate(self, k: MaxFlowKnobs, rng: random.Random) -> Candidate:
        if k.structure == "dag":
            g = build_dag("dag", k.nodes, k.density, rng, w_min=k.w_min, w_max=k.w_max)
            s, t = 0, g.n - 1
            if any(u == s and v == t for u, v, _ in g.edges):
                raise Reject("source and sink are adjacent")
        else:
            g = build_graph(k.structure, k.nodes, k.density, rng, directed=True, w_min=k.w_min, w_max=k.w_max)
            s, t, hops = far_pair(g, rng)
            if hops < 2:
                raise Reject("sink is unreachable or adjacent to the source")
        G = nx.DiGraph()
        G.add_weighted_edges_from(g.edges, weight="capacity")
        value = nx.maximum_flow_value(G, s, t, capacity="capacity", flow_func=preflow_push)
        names = random_names(g.n, rng)
        S, T = names[s], names[t]
        params = {**graph_params(names, g, weighted=True), "source": S, "sink": T}
        prompt = (f"A directed network has {g.n} vertices: {vertex_list(names)}.\n"
                  f"Each arc A -> B (capacity c) can carry at most c units of flow, only from A to B:\n"
                  f"{render_edges(names, g, weighted=True, label='capacity')}\n\n"
                  f"Flow is conserved at every vertex other than the source {S} and the sink {T}. "
                  f"What is the maximum total flow that can be sent from {S} to {T}? "
                  "Give the number inside \\boxed{}, e.g. \\boxed{12}.")
        return Candidate(prompt, str(value), {"kind": "math", "params": params},
                         {"nodes": g.n, "edges": len(g.edges), "max_flow": value})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        g = ParamGraph.from_params(p)
        idx = g.index()
        arcs = [(idx[u], idx[v], w) for u, v, w in g.edges]
        value, side = edmonds_karp(len(g.nodes), arcs, idx[p["source"]], idx[p["sink"]])
        return {"edmonds_karp_value": record["answer"] == str(value),
                "min_cut_certificate": (not side[idx[p["sink"]]]) and cut_capacity(arcs, side) == value}
