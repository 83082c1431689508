"""Shared machinery for the graph.* families: random graphs by structure, prompt rendering, answer parsing.

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
import math
import random
import re
from collections import deque
from dataclasses import dataclass, field

from hardgen.core.errors import HardgenError

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: the structures a family may offer in its `structure` knob
STRUCTURES = ("random", "grid", "dag")
#: boxed answers longer than this are refused unread (a valid answer on these graphs is far shorter)
MAX_ANSWER_CHARS = 100_000


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


class _DSU:
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
    dsu = _DSU(rows * cols)
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


# ---------------------------------------------------------------- parsing responses

_BOX_TOKENS = re.compile(r"\\boxed\s*\{|\\fbox\s*\{|\{|\}")


def boxed_answers(text: str) -> list[str]:
    """Contents of every outermost \\boxed{...} (or \\fbox{...}) in `text`, in order; one linear pass."""
    out: list[str] = []
    stack: list[int | None] = []  # start offset of a boxed group's content, None for a plain brace
    open_boxes = 0  # boxed groups on the stack; only a group closing with none left open is outermost
    for m in _BOX_TOKENS.finditer(text):
        tok = m.group()
        if tok == "}":
            if not stack:
                continue
            start = stack.pop()
            if start is not None:
                open_boxes -= 1
                if open_boxes == 0:
                    out.append(text[start:m.start()])
        elif tok == "{":
            stack.append(None)
        else:
            stack.append(m.end())
            open_boxes += 1
    return out


def final_answer(response: str) -> tuple[str | None, str]:
    """The boxed final answer, or (None, reason): none given, several different ones, or absurdly long."""
    boxes = boxed_answers(response)
    if not boxes:
        return None, "no \\boxed{} answer"
    distinct = {re.sub(r"\s+", "", b) for b in boxes}
    if len(distinct) > 1:
        return None, f"{len(distinct)} different \\boxed{{}} answers"
    ans = boxes[-1]
    if len(ans) > MAX_ANSWER_CHARS:
        return None, f"boxed answer is {len(ans)} characters long"
    return ans, ""


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
    """Vertex names separated by `->` (or commas, or spaces when neither is used), or (None, reason)."""
    s = clean_latex(answer)
    if not s:
        return None, "empty answer"
    if "->" in s:
        parts = s.split("->")
    elif "," in s:
        parts = s.split(",")
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
