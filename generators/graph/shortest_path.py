"""graph.shortest_path: a minimum-weight path between two far-apart vertices of a weighted graph."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.graph._graphs import (ParamGraph, build_dag, build_graph, dijkstra_path, far_pair,
                                              graph_params, random_names, render_edges, vertex_list)
from hardgen.verifiers.graph import check_path


@dataclass(frozen=True)
class ShortestPathKnobs(Knobs):
    nodes: int = knob(8, lo=4, hi=200, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.25, lo=0.0, hi=1.0, help="probability of each edge beyond a spanning tree "
                                                     "(of each forward pair for 'dag')")
    w_min: int = knob(1, lo=1, hi=10**6, help="smallest edge weight")
    w_max: int = knob(9, lo=1, hi=10**6, help="largest edge weight")
    structure: str = knob("random", choices=("random", "grid", "dag"), help="graph shape; 'dag' is directed")
    directed: bool = knob(False, help="one-way edges (random orientation) for 'random' and 'grid'")
    ask: str = knob("path", choices=("path", "weight"),
                    help="'path': any shortest path, checked structurally; 'weight': its total weight")

    def check(self) -> None:
        if self.w_min > self.w_max:
            raise HardgenError(f"knob 'w_min' ({self.w_min}) must not exceed 'w_max' ({self.w_max})")


def bellman_ford(g: ParamGraph, source: str) -> dict[str, int]:
    """Distances from `source` by Bellman-Ford relaxation (our own code; generation uses Dijkstra)."""
    dist: dict[str, int] = {source: 0}
    arcs = list(g.weight.items())
    for _ in range(len(g.nodes) - 1):
        changed = False
        for (u, v), w in arcs:
            if u in dist and (v not in dist or dist[u] + w < dist[v]):
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            break
    return dist


@register
class ShortestPath(Family):
    name = "graph.shortest_path"
    Knobs = ShortestPathKnobs
    levels = {
        "easy": {"nodes": 8, "density": 0.25, "w_min": 1, "w_max": 9},
        "medium": {"nodes": 14, "density": 0.2, "w_min": 1, "w_max": 20},
        "hard": {"nodes": 24, "density": 0.15, "w_min": 1, "w_max": 50, "directed": True},
        "extreme": {"nodes": 40, "density": 0.1, "w_min": 1, "w_max": 99, "directed": True},
    }
    description = "Find a minimum-weight path between two far-apart vertices of a weighted graph."
    verification = ("The optimum comes from Dijkstra's algorithm at generation (ours, tested against "
                    "networkx's); `gen verify` recomputes it by Bellman-Ford relaxation and checks the stored shortest path structurally. Responses are "
                    "checked against the graph: the path starts and ends right, repeats no vertex, follows "
                    "existing edges, and its total weight equals the optimum, so any shortest path is accepted.")

    def generate(self, k: ShortestPathKnobs, rng: random.Random) -> Candidate:
        if k.structure == "dag":
            g = build_dag("dag", k.nodes, k.density, rng, w_min=k.w_min, w_max=k.w_max)
        else:
            g = build_graph(k.structure, k.nodes, k.density, rng, directed=k.directed, w_min=k.w_min,
                            w_max=k.w_max)
        s, t, hops = far_pair(g, rng)
        if hops < 2:
            raise Reject("source and target are adjacent")
        dist, path = dijkstra_path(g, s, t)
        names = random_names(g.n, rng)
        S, T = names[s], names[t]
        params = {**graph_params(names, g, weighted=True), "source": S, "target": T, "optimum": dist,
                  "witness": [names[v] for v in path]}
        kind = "directed (each edge A -> B may be used only from A to B)" if g.directed else \
            "undirected (each edge A -- B may be used in both directions)"
        head = (f"The graph below is {kind}, with a positive integer weight on every edge.\n"
                f"Vertices ({g.n}): {vertex_list(names)}\n"
                f"Edges ({len(g.edges)}):\n{render_edges(names, g, weighted=True)}\n\n")
        if k.ask == "path":
            prompt = (head + f"Find a shortest path (one of minimum total weight) from {S} to {T}. "
                      f"Give the path as vertex names separated by ' -> ', starting with {S} and ending with "
                      f"{T}, inside \\boxed{{}}; for example \\boxed{{A -> C -> D}} is the path A, C, D.")
            check, answer = {"kind": "graph.path", "params": params}, None
        else:
            prompt = (head + f"What is the total weight of a shortest path from {S} to {T}? "
                      "Give the number inside \\boxed{}, e.g. \\boxed{17}.")
            check, answer = {"kind": "math", "params": params}, str(dist)
        return Candidate(prompt, answer, check, {"nodes": g.n, "edges": len(g.edges), "path_edges": len(path) - 1,
                                                 "optimum": dist})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        g = ParamGraph.from_params(p)
        dist = bellman_ford(g, p["source"])
        checks: dict[str, bool | None] = {"bellman_ford_optimum": dist.get(p["target"]) == p["optimum"],
                                          "witness_is_shortest": check_path(p["witness"], p)[0]}
        if record["check"]["kind"] == "math":
            checks["answer_matches"] = record["answer"] == str(dist.get(p["target"]))
        return checks
