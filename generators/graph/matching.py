"""graph.matching: a maximum matching of a bipartite graph (its size, or the matched pairs)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import networkx as nx

from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.graph._graphs import ParamGraph, edmonds_karp, grid_pairs, grid_shape
from hardgen.verifiers.graph import check_matching


@dataclass(frozen=True)
class MatchingKnobs(Knobs):
    nodes: int = knob(8, lo=4, hi=200, help="total vertices on both sides (a grid rounds it to rows x cols)")
    density: float = knob(0.3, lo=0.0, hi=1.0, help="'random': probability of each left-right edge; "
                                                    "'grid': probability of each grid edge beyond a spanning tree")
    structure: str = knob("random", choices=("random", "grid"),
                          help="'random': random bipartite graph; 'grid': a connected subgraph of a grid, "
                               "sides by checkerboard colour")
    ask: str = knob("size", choices=("size", "pairs"),
                    help="'size': the maximum matching size; 'pairs': any maximum matching, checked structurally")


def _bipartite(k: MatchingKnobs, rng: random.Random) -> tuple[int, int, list[tuple[int, int]]]:
    """(left count, right count, edges (l, r)) with left vertices 0..nl-1 and right vertices nl..nl+nr-1."""
    if k.structure == "random":
        nl = k.nodes // 2
        nr = k.nodes - nl
        edges = [(u, nl + v) for u in range(nl) for v in range(nr) if rng.random() < k.density]
        return nl, nr, edges
    rows, cols = grid_shape(k.nodes)
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    left = [i for i, (r, c) in enumerate(cells) if (r + c) % 2 == 0]
    right = [i for i, (r, c) in enumerate(cells) if (r + c) % 2 == 1]
    new_id = {v: i for i, v in enumerate(left + right)}
    edges = []
    for a, b in grid_pairs(rows, cols, k.density, rng):
        if new_id[a] >= len(left):
            a, b = b, a
        edges.append((new_id[a], new_id[b]))
    return len(left), len(right), edges


#: wording of a 'size' question, drawn after the graph so the graph is drawn exactly as in version 1: the sides'
#: letters, the opening sentence and the question. The graph, the answer and the check's meaning do not change.
SIDE_LETTERS = (("L", "R"), ("A", "B"), ("U", "V"), ("X", "Y"), ("P", "Q"))
OPENINGS = (
    "A bipartite graph has left vertices {left} and right vertices {right}.\nIts {m} edges (each joins a left "
    "vertex to a right vertex):\n{lines}\n\n",
    "Consider the bipartite graph with parts {{{left}}} and {{{right}}} and these {m} edges:\n{lines}\n\n",
    "The vertices {left} form one side of a bipartite graph and {right} the other. Its {m} edges are:\n{lines}\n\n",
)
SIZE_QUESTIONS = (
    "How many edges does a maximum matching have?",
    "What is the largest number of edges in a matching of this graph?",
    "What is the size of a maximum matching?",
)


@register
class BipartiteMatching(Family):
    name = "graph.matching"
    version = "2"  # v2: 'size' questions worded in one of 45 ways (side letters, opening, question)
    Knobs = MatchingKnobs
    levels = {
        "easy": {"nodes": 8, "density": 0.35},
        "medium": {"nodes": 14, "density": 0.25},
        "hard": {"nodes": 24, "density": 0.15, "ask": "pairs"},
        "extreme": {"nodes": 40, "density": 0.1, "ask": "pairs"},
    }
    description = "Find a maximum matching in a bipartite graph: its size, or the matched pairs."
    verification = ("The size comes from networkx Hopcroft-Karp at generation; `gen verify` recomputes it as a "
                    "unit-capacity maximum flow with our own Edmonds-Karp, whose minimum cut certifies it. A pairs "
                    "response is checked structurally: every pair an edge, no vertex twice, as many pairs as the "
                    "maximum, so any maximum matching is accepted.")

    def generate(self, k: MatchingKnobs, rng: random.Random) -> Candidate:
        nl, nr, edges = _bipartite(k, rng)
        G = nx.Graph()
        G.add_nodes_from(range(nl + nr))
        G.add_edges_from(edges)
        mate = nx.bipartite.hopcroft_karp_matching(G, top_nodes=range(nl))
        pairs = sorted((u, mate[u]) for u in range(nl) if u in mate)
        if len(pairs) < 2:
            raise Reject("maximum matching has fewer than two edges")
        left_no, right_no = list(range(1, nl + 1)), list(range(1, nr + 1))
        rng.shuffle(left_no)
        rng.shuffle(right_no)
        name = [f"L{i}" for i in left_no] + [f"R{i}" for i in right_no]
        edges_named = sorted(([name[u], name[v]] for u, v in edges), key=lambda e: (int(e[0][1:]), int(e[1][1:])))
        left = [f"L{i}" for i in range(1, nl + 1)]
        right = [f"R{i}" for i in range(1, nr + 1)]
        params = {"nodes": left + right, "left": left, "right": right, "directed": False, "edges": edges_named,
                  "optimum": len(pairs)}
        lines = "\n".join(f"  {a} -- {b}" for a, b in edges_named)
        head = (f"A bipartite graph has left vertices {', '.join(left)} and right vertices {', '.join(right)}.\n"
                f"Its {len(edges)} edges (each joins a left vertex to a right vertex):\n{lines}\n\n"
                "A matching is a set of edges no two of which share a vertex.\n")
        if k.ask == "size":
            a, b = rng.choice(SIDE_LETTERS)
            rename = {**{f"L{i}": f"{a}{i}" for i in range(1, nl + 1)}, **{f"R{i}": f"{b}{i}" for i in range(1, nr + 1)}}
            left, right = [rename[v] for v in left], [rename[v] for v in right]
            edges_named = [[rename[u], rename[v]] for u, v in edges_named]
            params.update(nodes=left + right, left=left, right=right, edges=edges_named)
            lines = "\n".join(f"  {u} -- {v}" for u, v in edges_named)
            head = rng.choice(OPENINGS).format(left=", ".join(left), right=", ".join(right), m=len(edges),
                                               lines=lines) + "A matching is a set of edges no two of which share a vertex.\n"
            prompt = head + rng.choice(SIZE_QUESTIONS) + " Give the number inside \\boxed{}, e.g. \\boxed{3}."
            check, answer = {"kind": "math", "params": params}, str(len(pairs))
        else:
            params["witness"] = sorted(([name[u], name[v]] for u, v in pairs), key=lambda e: int(e[0][1:]))
            prompt = head + ("Give a maximum matching (one with as many edges as possible) as its edges, each "
                             "written L-R, separated by commas, inside \\boxed{}; for example \\boxed{L1-R2, L3-R1}.")
            check, answer = {"kind": "graph.matching", "params": params}, None
        return Candidate(prompt, answer, check, {"nodes": nl + nr, "edges": len(edges), "optimum": len(pairs)})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        g = ParamGraph.from_params(p)
        idx = g.index()
        n = len(g.nodes)
        src, snk = n, n + 1
        arcs = [(src, idx[v], 1) for v in p["left"]] + [(idx[v], snk, 1) for v in p["right"]]
        arcs += [(idx[u], idx[v], 1) for u, v, _ in g.edges]
        size, _ = edmonds_karp(n + 2, arcs, src, snk)
        checks: dict[str, bool | None] = {"max_flow_size": size == p["optimum"]}
        if record["check"]["kind"] == "math":
            checks["answer_matches"] = record["answer"] == str(size)
        else:
            checks["witness_is_maximum"] = check_matching([tuple(e) for e in p["witness"]], p)[0]
        return checks
