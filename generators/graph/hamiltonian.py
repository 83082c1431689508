"""graph.hamiltonian: a path through every vertex exactly once, in a graph with a planted Hamiltonian path.

Instances are SAT-encodable (vertex-at-position variables), so the built-in CPU SAT solver panels solve them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pysat.solvers import Solver as SatSolver

from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, limited_solve
from hardgen.generators.graph._graphs import (Graph, ParamGraph, graph_params, grid_edge_list,
                                              grid_shape, random_names, render_edges, vertex_list)
from hardgen.verifiers.answer import read_final_answer
from hardgen.verifiers.base import Checks
from hardgen.verifiers.graph import check_hamiltonian, parse_sequence

#: the budget of `gen verify`'s own SAT search for a path (generated rows of every level need a few hundred
#: conflicts at most)
RECHECK = Budget(conflicts=1_000_000, seconds=30.0)


@dataclass(frozen=True)
class HamiltonianKnobs(Knobs):
    nodes: int = knob(8, lo=4, hi=60, help="number of vertices (a grid rounds it to rows x cols)")
    density: float = knob(0.2, lo=0.0, hi=1.0, help="probability of each edge beyond the planted path "
                                                    "(of each other grid edge for 'grid')")
    structure: str = knob("random", choices=("random", "grid"),
                          help="'random': planted path plus random edges; 'grid': a random Hamiltonian path "
                               "of a grid plus some of the other grid edges")
    fixed_ends: bool = knob(False, help="the path must start and end at two named vertices")


def grid_hamiltonian_path(rows: int, cols: int, rng: random.Random) -> list[int]:
    """A random Hamiltonian path of the rows x cols grid: a snake scrambled by backbite moves.

    A backbite move joins one end to a grid neighbour further along the path and reverses the prefix in
    between; every move keeps a Hamiltonian path, and many moves mix the shape far from the snake.
    """
    path = [r * cols + (c if r % 2 == 0 else cols - 1 - c) for r in range(rows) for c in range(cols)]
    n = rows * cols
    for _ in range(20 * n):
        if rng.random() < 0.5:
            path.reverse()
        head = path[0]
        r, c = divmod(head, cols)
        nbrs = [(r + dr) * cols + (c + dc) for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0))
                if 0 <= r + dr < rows and 0 <= c + dc < cols]
        x = rng.choice(nbrs)
        if x == path[1]:
            continue
        i = path.index(x)
        path = path[:i][::-1] + path[i:]
    return path


def _var(v: int, p: int, n: int) -> int:
    return v * n + p + 1


@register
class HamiltonianPath(Family, SatEncodable):
    name = "graph.hamiltonian"
    Knobs = HamiltonianKnobs
    levels = {
        "easy": {"nodes": 8, "density": 0.2},
        "medium": {"nodes": 12, "density": 0.15},
        "hard": {"nodes": 18, "density": 0.12, "fixed_ends": True},
        "extreme": {"nodes": 30, "density": 0.08, "fixed_ends": True},
    }
    description = "Find a path that visits every vertex of an undirected graph exactly once (a Hamiltonian path)."
    verification = ("A Hamiltonian path is planted, so one exists by construction; `gen verify` checks the planted "
                    "path structurally and also solves the SAT encoding (vertex-at-position variables) with "
                    "CaDiCaL and checks the decoded path. Responses are checked against the graph: every vertex "
                    "exactly once, consecutive vertices adjacent, and the named endpoints when fixed, so any "
                    "Hamiltonian path is accepted.")

    def generate(self, k: HamiltonianKnobs, rng: random.Random) -> Candidate:
        if k.structure == "random":
            n = k.nodes
            path = list(range(n))
            rng.shuffle(path)
            on_path = {(min(a, b), max(a, b)) for a, b in zip(path, path[1:])}
            pairs = [(u, v) for u in range(n) for v in range(u + 1, n)
                     if (u, v) in on_path or rng.random() < k.density]
        else:
            rows, cols = grid_shape(k.nodes)
            n = rows * cols
            path = grid_hamiltonian_path(rows, cols, rng)
            on_path = {(min(a, b), max(a, b)) for a, b in zip(path, path[1:])}
            pairs = [e for e in grid_edge_list(rows, cols) if e in on_path or rng.random() < k.density]
        if len(pairs) == n - 1:
            raise Reject("the graph is the planted path itself")
        g = Graph(n, [(u, v, 1) for u, v in pairs], False)
        names = random_names(n, rng)
        params = {**graph_params(names, g, weighted=False), "witness": [names[v] for v in path]}
        ends = ""
        if k.fixed_ends:
            params["source"], params["target"] = names[path[0]], names[path[-1]]
            ends = f" It must start at {params['source']} and end at {params['target']}."
        prompt = (f"An undirected graph has {n} vertices: {vertex_list(names)}.\n"
                  f"Its {len(pairs)} edges (A -- B joins A and B in both directions):\n"
                  f"{render_edges(names, g, weighted=False)}\n\n"
                  "Find a Hamiltonian path: a path that visits every vertex exactly once, moving only along "
                  f"edges.{ends} Write the vertices in order separated by ' -> ' inside \\boxed{{}}; for "
                  "example \\boxed{A -> C -> B -> D}.")
        return Candidate(prompt, None, {"kind": "graph.hamiltonian", "params": params},
                         {"nodes": n, "edges": len(pairs), "avg_degree": round(2 * len(pairs) / n, 2)})

    # ---- SAT encoding: x(v, p) says vertex v sits at position p of the path
    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        g = ParamGraph.from_params(p)
        n = len(g.nodes)
        idx = g.index()
        nbrs: list[list[int]] = [[] for _ in range(n)]
        for a, b, _ in g.edges:
            nbrs[idx[a]].append(idx[b])
            nbrs[idx[b]].append(idx[a])
        clauses: list[list[int]] = []
        for pos in range(n):  # each position holds exactly one vertex
            clauses.append([_var(v, pos, n) for v in range(n)])
            for v in range(n):
                for u in range(v + 1, n):
                    clauses.append([-_var(v, pos, n), -_var(u, pos, n)])
        for v in range(n):  # each vertex sits at exactly one position
            clauses.append([_var(v, pos, n) for pos in range(n)])
            for pos in range(n):
                for q in range(pos + 1, n):
                    clauses.append([-_var(v, pos, n), -_var(v, q, n)])
        for v in range(n):  # the next position holds a neighbour
            for pos in range(n - 1):
                clauses.append([-_var(v, pos, n)] + [_var(u, pos + 1, n) for u in nbrs[v]])
        if p.get("source"):
            clauses.append([_var(idx[p["source"]], 0, n)])
        if p.get("target"):
            clauses.append([_var(idx[p["target"]], n - 1, n)])
        return n * n, clauses

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "The graph has no Hamiltonian path."
        nodes = record["check"]["params"]["nodes"]
        n = len(nodes)
        true = {x for x in model if x > 0}
        seq = []
        for pos in range(n):
            at = [nodes[v] for v in range(n) if _var(v, pos, n) in true]
            seq.append(at[0] if at else "?")
        return f"The Hamiltonian path is \\boxed{{{' -> '.join(seq)}}}."

    def rederive(self, record: dict) -> Checks:
        """The planted path is checked edge by edge; a SAT solver, within `RECHECK` (a hand-made row could
        otherwise stall the stage), finds a path of its own and the checker must accept it. Past the budget the
        planted path alone proves the row, and the notes say the re-solve ran out."""
        p = record["check"]["params"]
        _, clauses = self.cnf(record)
        checks = Checks()
        with SatSolver(name="minisat22", bootstrap_with=clauses) as s:
            res = limited_solve(s, RECHECK)
            model = s.get_model() if res else None
        checks.notes["resolve"] = {"backend": "minisat22", "budget": RECHECK.as_dict(),
                                   "outcome": {True: "path", False: "no path", None: "budget ran out"}[res]}
        if res is not None:
            sat_ok = False
            if model is not None:
                ans = read_final_answer(self.render_model(record, model)).answer
                seq, _ = parse_sequence(ans or "", p["nodes"])
                sat_ok = seq is not None and check_hamiltonian(seq, p)[0]
            checks["sat_solution_accepted"] = sat_ok
        checks["planted_path_accepted"] = check_hamiltonian(p["witness"], p)[0]
        return checks
