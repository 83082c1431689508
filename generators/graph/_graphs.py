"""Shared machinery for the graph.* families: random graphs by structure, prompt rendering, independent algorithms
(answer parsing and checking live in `hardgen.verifiers.graph`).

Graphs are built over integer vertices 0..n-1 (integers hash the same in every process, so nothing depends on
string-hash order) and only named when a prompt or check spec is written. Names are drawn at random from a
pool (`A`..`Z`, then `A1`..`Z1`, ...), so vertex names never leak the construction (e.g. a planted order).

Structures (the `structure` knob) and what `density` means for each:
  - "random": a random spanning tree plus every other vertex pair with probability `density`;
  - "grid":   a rows x cols grid; a random spanning tree of it plus every other grid edge with probability `density`;
  - "dag":    vertices in a hidden order 0..n-1; each vertex gets one random earlier in-neighbour (so vertex 0
              reaches every vertex) plus every other forward pair with probability `density`.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
import re
from collections import deque
from dataclasses import dataclass, field

from hardgen.core.errors import HardgenError
from hardgen.verifiers.graph import DSU, ParamGraph  # noqa: F401  (families import them from here too)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: the structures a family may offer in its `structure` knob
STRUCTURES = ("random", "grid", "dag")


# ---------------------------------------------------------------- construction

@dataclass
class Graph:
    """A simple graph over vertices 0..n-1; `edges` holds (u, v, w) with w the weight (1 when unweighted)."""

    n: int
    edges: list[tuple[int, int, int]]
    directed: bool
    #: structure facts a family may use: grid rows/cols, the hidden topological order of a DAG
    meta: dict = field(default_factory=dict)

    def adjacency(self) -> list[list[int]]:
        """Out-neighbours of each vertex (both directions when undirected), in edge order."""
        adj: list[list[int]] = [[] for _ in range(self.n)]
        for u, v, _ in self.edges:
            adj[u].append(v)
            if not self.directed:
                adj[v].append(u)
        return adj


def node_name(i: int) -> str:
    """The i-th name of the pool: A..Z, A1..Z1, A2..Z2, ..."""
    return LETTERS[i % 26] + (str(i // 26) if i >= 26 else "")


@functools.lru_cache(maxsize=8192)  # names recur across problems; sorting calls this per edge
def name_key(name: str) -> tuple[int, str]:
    """Sort key putting names in pool order (A < B < ... < Z < A1 < ...), so listings read naturally."""
    m = re.fullmatch(r"([A-Z]+)(\d*)", name)
    if not m:
        return (10**9, name)
    return (int(m.group(2) or 0), m.group(1))


def random_names(n: int, rng: random.Random) -> list[str]:
    """n distinct names drawn from the pool (at least the 26 letters), in random order: name of vertex i."""
    pool = [node_name(i) for i in range(max(n, 26))]
    return rng.sample(pool, n)


def _random_tree(order: list[int], rng: random.Random) -> list[tuple[int, int]]:
    """A random spanning tree: each vertex after the first is attached to a random earlier one."""
    return [(order[rng.randrange(i)], order[i]) for i in range(1, len(order))]


def random_pairs(n: int, density: float, rng: random.Random) -> list[tuple[int, int]]:
    """Undirected connected random graph: a random spanning tree plus each other pair with prob. `density`."""
    order = list(range(n))
    rng.shuffle(order)
    tree = _random_tree(order, rng)
    have = {(min(u, v), max(u, v)) for u, v in tree}
    pairs = [(min(u, v), max(u, v)) for u, v in tree]
    for u in range(n):
        for v in range(u + 1, n):
            if (u, v) not in have and rng.random() < density:
                pairs.append((u, v))
    return pairs


def grid_shape(nodes: int) -> tuple[int, int]:
    """Rows and columns of the grid closest to `nodes` vertices (at least 2 x 2)."""
    rows = max(2, math.isqrt(nodes))
    cols = max(2, round(nodes / rows))
    return rows, cols


def grid_edge_list(rows: int, cols: int) -> list[tuple[int, int]]:
    """All edges of a rows x cols grid; vertex r*cols+c; right and down neighbours."""
    out = []
    for r in range(rows):
        for c in range(cols):
            v = r * cols + c
            if c + 1 < cols:
                out.append((v, v + 1))
            if r + 1 < rows:
                out.append((v, v + cols))
    return out


def grid_pairs(rows: int, cols: int, density: float, rng: random.Random) -> list[tuple[int, int]]:
    """A connected subgraph of the grid: a random spanning tree plus each other grid edge with prob. `density`."""
    cand = grid_edge_list(rows, cols)
    shuffled = cand[:]
    rng.shuffle(shuffled)
    dsu = DSU(rows * cols)
    tree = {e for e in shuffled if dsu.union(*e)}
    return [e for e in cand if e in tree or rng.random() < density]


def dag_pairs(n: int, density: float, rng: random.Random) -> list[tuple[int, int]]:
    """Forward arcs u -> v (u < v in the hidden order): one random in-arc per vertex, others with prob. `density`."""
    arcs = []
    for v in range(1, n):
        first = rng.randrange(v)
        for u in range(v):
            if u == first or rng.random() < density:
                arcs.append((u, v))
    return arcs


def grid_dag_pairs(rows: int, cols: int, density: float, rng: random.Random) -> list[tuple[int, int]]:
    """Right/down arcs of a grid: each cell but the corner keeps one random in-arc, others with prob. `density`."""
    cand = grid_edge_list(rows, cols)
    ins: dict[int, list[tuple[int, int]]] = {}
    for u, v in cand:
        ins.setdefault(v, []).append((u, v))
    keep = {rng.choice(ins[v]) for v in sorted(ins)}
    return [e for e in cand if e in keep or rng.random() < density]


def build_graph(structure: str, nodes: int, density: float, rng: random.Random, *, directed: bool = False,
                w_min: int = 1, w_max: int = 1) -> Graph:
    """A random graph of the given structure with integer weights in [w_min, w_max].

    "dag" is always directed (arcs follow the hidden order 0..n-1); a directed "random" or "grid" graph orients
    each edge at random, adding the reverse arc too with probability `density` / 2.
    """
    if structure == "random":
        pairs = random_pairs(nodes, density, rng)
        n, meta = nodes, {}
    elif structure == "grid":
        rows, cols = grid_shape(nodes)
        n, meta = rows * cols, {"rows": rows, "cols": cols}
        pairs = grid_pairs(rows, cols, density, rng)
    elif structure == "dag":
        n, meta = nodes, {"order": list(range(nodes))}
        pairs = dag_pairs(nodes, density, rng)
        directed = True
    else:
        raise HardgenError(f"structure must be one of {list(STRUCTURES)}, got {structure!r}")
    arcs: list[tuple[int, int]] = []
    if directed and structure != "dag":
        for u, v in pairs:
            if rng.random() < 0.5:
                u, v = v, u
            arcs.append((u, v))
            if rng.random() < density / 2:
                arcs.append((v, u))
    else:
        arcs = pairs
    edges = [(u, v, rng.randint(w_min, w_max)) for u, v in arcs]
    return Graph(n, edges, bool(directed), meta)


def build_dag(structure: str, nodes: int, density: float, rng: random.Random, *, w_min: int = 1,
              w_max: int = 1) -> Graph:
    """A DAG whose vertex 0 reaches every vertex: "dag" (random order) or "grid" (right/down arcs)."""
    if structure == "dag":
        return build_graph("dag", nodes, density, rng, w_min=w_min, w_max=w_max)
    if structure == "grid":
        rows, cols = grid_shape(nodes)
        arcs = grid_dag_pairs(rows, cols, density, rng)
        edges = [(u, v, rng.randint(w_min, w_max)) for u, v in arcs]
        return Graph(rows * cols, edges, True, {"rows": rows, "cols": cols, "order": list(range(rows * cols))})
    raise HardgenError(f"a DAG structure must be 'dag' or 'grid', got {structure!r}")


def bfs_hops(adj: list[list[int]], s: int) -> list[int]:
    """Hop distance from s to every vertex (-1 when unreachable)."""
    dist = [-1] * len(adj)
    dist[s] = 0
    q = deque([s])
    while q:
        u = q.popleft()
        for v in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                q.append(v)
    return dist


def dijkstra_path(g: Graph, s: int, t: int) -> tuple[int, list[int]]:
    """Weight and vertices of a minimum-weight path s -> t (t must be reachable; weights positive).

    Ties are broken as networkx's `single_source_dijkstra` breaks them (neighbours in edge-insertion order, a
    first-in heap counter, a predecessor replaced only on a strictly shorter distance), so rows made before this
    replaced networkx are unchanged; `tests/generators/test_graphs.py` compares the two on random graphs.

    >>> dijkstra_path(Graph(3, [(0, 1, 1), (1, 2, 1), (0, 2, 5)], False), 0, 2)
    (2, [0, 1, 2])
    """
    adj: list[dict[int, int]] = [{} for _ in range(g.n)]
    for u, v, w in g.edges:
        adj[u][v] = w
        if not g.directed:
            adj[v][u] = w
    dist: dict[int, int] = {}
    seen = {s: 0}
    pred: dict[int, int] = {}
    fringe = [(0, 0, s)]
    pushed = 1
    while fringe:
        d, _, v = heapq.heappop(fringe)
        if v in dist:
            continue
        dist[v] = d
        if v == t:
            break
        for u, w in adj[v].items():
            du = d + w
            if u not in dist and (u not in seen or du < seen[u]):
                seen[u] = du
                heapq.heappush(fringe, (du, pushed, u))
                pushed += 1
                pred[u] = v
    if t not in dist:
        raise ValueError(f"vertex {t} is not reachable from {s}")
    path = [t]
    while path[-1] != s:
        path.append(pred[path[-1]])
    path.reverse()
    return dist[t], path


def far_pair(g: Graph, rng: random.Random, tries: int = 4) -> tuple[int, int, int]:
    """A source/target pair far apart in hops (the best of a few random sources): (s, t, hops)."""
    adj = g.adjacency()
    best = (0, 0, 0)
    cands = list(range(g.n))
    rng.shuffle(cands)
    for s in cands[:tries]:
        dist = bfs_hops(adj, s)
        far = max(dist)
        if far > best[2]:
            t = rng.choice([v for v in range(g.n) if dist[v] == far])
            best = (s, t, far)
    return best


# ---------------------------------------------------------------- rendering

def edge_text(u: str, v: str, directed: bool, w: int | None = None, label: str = "weight") -> str:
    """`A -> B (weight 3)` / `A -- B (weight 3)`; no parenthesis when unweighted."""
    arrow = "->" if directed else "--"
    return f"{u} {arrow} {v}" + (f" ({label} {w})" if w is not None else "")


def render_edges(names: list[str], g: Graph, *, weighted: bool, label: str = "weight") -> str:
    """One edge per line, sorted by endpoint names (names are random, so the order leaks nothing)."""
    rows = []
    for u, v, w in g.edges:
        a, b = names[u], names[v]
        if not g.directed and name_key(b) < name_key(a):
            a, b = b, a
        rows.append(((name_key(a), name_key(b)), edge_text(a, b, g.directed, w if weighted else None, label)))
    rows.sort()
    return "\n".join(f"  {t}" for _, t in rows)


def vertex_list(names: list[str]) -> str:
    return ", ".join(sorted(names, key=name_key))


def graph_params(names: list[str], g: Graph, *, weighted: bool) -> dict:
    """The graph as plain JSON for a check spec: sorted vertex names and [u, v(, w)] edges by name."""
    edges = []
    for u, v, w in g.edges:
        a, b = names[u], names[v]
        if not g.directed and name_key(b) < name_key(a):
            a, b = b, a
        edges.append([a, b, w] if weighted else [a, b])
    edges.sort(key=lambda e: (name_key(e[0]), name_key(e[1])))
    return {"nodes": sorted(names, key=name_key), "directed": g.directed, "edges": edges}


# ---------------------------------------------------------------- reading a check spec back

# ---------------------------------------------------------------- independent algorithms for rederive

def edmonds_karp(n: int, arcs: list[tuple[int, int, int]], s: int, t: int) -> tuple[int, list[bool]]:
    """Maximum s-t flow by shortest augmenting paths (our own code, independent of networkx).

    Returns (value, source_side) where source_side[v] says whether v is reachable from s in the final residual
    graph: the arcs leaving that side form a minimum cut, whose capacity must equal the value.
    """
    res: list[dict[int, int]] = [{} for _ in range(n)]
    for u, v, c in arcs:
        res[u][v] = res[u].get(v, 0) + c
        res[v].setdefault(u, 0)
    value = 0
    while True:
        parent = [-1] * n
        parent[s] = s
        q = deque([s])
        while q and parent[t] < 0:
            u = q.popleft()
            for v, c in res[u].items():
                if c > 0 and parent[v] < 0:
                    parent[v] = u
                    q.append(v)
        if parent[t] < 0:
            return value, [p >= 0 for p in parent]
        push, v = None, t
        while v != s:
            u = parent[v]
            push = res[u][v] if push is None else min(push, res[u][v])
            v = u
        v = t
        while v != s:
            u = parent[v]
            res[u][v] -= push
            res[v][u] += push
            v = u
        value += push


def cut_capacity(arcs: list[tuple[int, int, int]], side: list[bool]) -> int:
    """Total capacity of the arcs leaving the source side."""
    return sum(c for u, v, c in arcs if side[u] and not side[v])
