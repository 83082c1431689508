"""graph.mst: a minimum spanning tree of a connected weighted undirected graph (its weight, or its edges)."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

import networkx as nx

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.graph._graphs import (ParamGraph, build_graph, graph_params, name_key, random_names,
                                              render_edges, vertex_list)
from hardgen.verifiers.graph import check_spanning_tree


@dataclass(frozen=True)
class MSTKnobs(Knobs):
    nodes: int = knob(7, lo=4, hi=200, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.35, lo=0.0, hi=1.0, help="probability of each edge beyond a spanning tree")
    w_min: int = knob(1, lo=1, hi=10**6, help="smallest edge weight")
    w_max: int = knob(9, lo=1, hi=10**6, help="largest edge weight")
    structure: str = knob("random", choices=("random", "grid"), help="graph shape")
    ask: str = knob("weight", choices=("weight", "edges"),
                    help="'weight': the tree's total weight; 'edges': any minimum spanning tree, checked structurally")

    def check(self) -> None:
        if self.w_min > self.w_max:
            raise HardgenError(f"knob 'w_min' ({self.w_min}) must not exceed 'w_max' ({self.w_max})")


def prim_weight(g: ParamGraph) -> int | None:
    """Minimum spanning tree weight by Prim's algorithm (our own; generation uses networkx Kruskal).

    None when the graph is disconnected.
    """
    adj: dict[str, list[tuple[int, str]]] = {v: [] for v in g.nodes}
    for u, v, w in g.edges:
        adj[u].append((w, v))
        adj[v].append((w, u))
    start = g.nodes[0]
    seen = {start}
    heap = [(w, name_key(v), v) for w, v in adj[start]]
    heapq.heapify(heap)
    total = 0
    while heap and len(seen) < len(g.nodes):
        w, _, v = heapq.heappop(heap)
        if v in seen:
            continue
        seen.add(v)
        total += w
        for w2, x in adj[v]:
            if x not in seen:
                heapq.heappush(heap, (w2, name_key(x), x))
    return total if len(seen) == len(g.nodes) else None


@register
class MinimumSpanningTree(Family):
    name = "graph.mst"
    Knobs = MSTKnobs
    levels = {
        "easy": {"nodes": 7, "density": 0.35, "w_min": 1, "w_max": 9},
        "medium": {"nodes": 12, "density": 0.3, "w_min": 1, "w_max": 20},
        "hard": {"nodes": 20, "density": 0.25, "w_min": 1, "w_max": 50, "ask": "edges"},
        "extreme": {"nodes": 36, "density": 0.2, "w_min": 1, "w_max": 99, "ask": "edges"},
    }
    description = "Find a minimum spanning tree of a weighted undirected graph: its total weight or its edge set."
    verification = ("The weight comes from networkx Kruskal at generation; `gen verify` recomputes it with our "
                    "own Prim. An edge-set response is checked structurally: n-1 distinct graph edges, no cycle "
                    "(hence spanning), total weight equal to the minimum, so any minimum spanning tree is accepted.")

    def generate(self, k: MSTKnobs, rng: random.Random) -> Candidate:
        g = build_graph(k.structure, k.nodes, k.density, rng, w_min=k.w_min, w_max=k.w_max)
        if len(g.edges) < g.n + 1:
            raise Reject("graph is (nearly) a tree already")
        G = nx.Graph()
        G.add_weighted_edges_from(g.edges)
        tree = sorted(nx.minimum_spanning_edges(G, algorithm="kruskal", data=True))
        total = sum(d["weight"] for _, _, d in tree)
        names = random_names(g.n, rng)
        witness = sorted((sorted((names[u], names[v]), key=name_key) for u, v, _ in tree),
                         key=lambda e: (name_key(e[0]), name_key(e[1])))
        params = {**graph_params(names, g, weighted=True), "optimum": total}
        head = (f"An undirected graph has {g.n} vertices: {vertex_list(names)}.\n"
                f"Its {len(g.edges)} weighted edges (A -- B joins A and B in both directions):\n"
                f"{render_edges(names, g, weighted=True)}\n\n")
        if k.ask == "weight":
            prompt = (head + "What is the total weight of a minimum spanning tree of this graph? "
                      "Give the number inside \\boxed{}, e.g. \\boxed{42}.")
            check, answer = {"kind": "math", "params": params}, str(total)
        else:
            prompt = (head + f"Give the edges of a minimum spanning tree (exactly {g.n - 1} edges of minimum total "
                      "weight connecting all vertices), each written U-V, separated by commas, inside \\boxed{}; "
                      "for example \\boxed{A-B, B-C, C-D}.")
            params["witness"] = witness
            check, answer = {"kind": "graph.spanning_tree", "params": params}, None
        return Candidate(prompt, answer, check, {"nodes": g.n, "edges": len(g.edges), "optimum": total})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        weight = prim_weight(ParamGraph.from_params(p))
        checks: dict[str, bool | None] = {"prim_weight": weight is not None and weight == p["optimum"]}
        if record["check"]["kind"] == "math":
            checks["answer_matches"] = record["answer"] == str(weight)
        else:
            checks["witness_is_minimum_tree"] = check_spanning_tree([tuple(e) for e in p["witness"]], p)[0]
        return checks
