"""logic.coloring: graph k-colouring whose pre-coloured vertices pin down exactly one proper colouring."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, Deadline, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic._sat_util import ClueSelector, exactly_one, prove_unique

KIND = "logic.coloring"


@dataclass(frozen=True)
class ColoringKnobs(Knobs):
    nodes: int = knob(10, lo=3, hi=60, help="number of vertices")
    colors: int = knob(3, lo=2, hi=8, help="number of colours k")
    density: float = knob(0.4, lo=0.05, hi=1.0,
                          help="probability of an edge between two vertices of different planted colours")
    extra_givens: int = knob(0, lo=0, hi=60,
                             help="pre-coloured vertices added beyond an irredundant set (makes it easier)")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()

    def check(self) -> None:
        if self.colors > self.nodes:
            raise HardgenError(f"knob 'colors' ({self.colors}) must not exceed 'nodes' ({self.nodes})")


def _var(v: int, c: int, k: int) -> int:
    """SAT variable 'vertex v (0-based) has colour c (0-based)'."""
    return v * k + c + 1


def coloring_cnf(n: int, k: int, edges: list[list[int]], givens: list[list[int]]) -> tuple[int, list[list[int]]]:
    """CNF over x[v][c] (vertices and colours 1-based in the arguments): one colour each, edges proper, givens."""
    clauses: list[list[int]] = []
    for v in range(n):
        clauses += exactly_one([_var(v, c, k) for c in range(k)])
    for u, v in edges:
        for c in range(k):
            clauses.append([-_var(u - 1, c, k), -_var(v - 1, c, k)])
    for v, c in givens:
        clauses.append([_var(v - 1, c - 1, k)])
    return n * k, clauses


def _format(colouring: list[int]) -> str:
    return ", ".join(f"{v + 1}:{c}" for v, c in enumerate(colouring))


def _decode(model: list[int], n: int, k: int) -> list[int]:
    true = {lit for lit in model if lit > 0}
    return [next((c + 1 for c in range(k) if _var(v, c, k) in true), 0) for v in range(n)]


def count_colourings(n: int, k: int, edges: list[list[int]], givens: list[list[int]], limit: int = 2
                     ) -> tuple[int, list[int] | None]:
    """Independent route: backtracking with forward checking (most constrained vertex first) counts proper
    colourings respecting the givens, stopping at `limit`. Returns (count, first colouring found)."""
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        adj[u - 1].add(v - 1)
        adj[v - 1].add(u - 1)
    domains = [set(range(1, k + 1)) for _ in range(n)]
    colour = [0] * n
    for v, c in givens:
        if c not in domains[v - 1]:
            return 0, None
        domains[v - 1] = {c}
    found: list[list[int]] = []
    count = 0

    def search() -> None:
        nonlocal count
        if count >= limit:
            return
        todo = [v for v in range(n) if colour[v] == 0]
        if not todo:
            count += 1
            if not found:
                found.append(list(colour))
            return
        v = min(todo, key=lambda u: (len(domains[u]), -len(adj[u]), u))
        for c in sorted(domains[v]):
            removed = []
            ok = True
            for u in adj[v]:
                if colour[u] == 0 and c in domains[u]:
                    domains[u].discard(c)
                    removed.append(u)
                    if not domains[u]:
                        ok = False
            if ok:
                colour[v] = c
                search()
                colour[v] = 0
            for u in removed:
                domains[u].add(c)
            if count >= limit:
                return

    search()
    return count, (found[0] if found else None)


@register
class GraphColoring(Family, SatEncodable):
    name = KIND
    version = "2"  # 2: proofs budgeted on MiniSat instead of CaDiCaL; budget knobs in source.knobs
    Knobs = ColoringKnobs
    levels = {
        "easy": {"nodes": 8, "colors": 3, "density": 0.45},
        "medium": {"nodes": 14, "colors": 3, "density": 0.35},
        "hard": {"nodes": 22, "colors": 4, "density": 0.35},
        "extreme": {"nodes": 32, "colors": 5, "density": 0.3},
    }
    description = "Colour a graph with k colours, given some pre-coloured vertices; exactly one colouring fits."
    verification = ("A proper colouring is planted and edges are drawn only between different colours; "
                    "pre-coloured vertices are added until a SAT solver (MiniSat) proves no other colouring "
                    "exists (the planted one is blocked), then redundant ones are dropped. `gen verify` counts "
                    "colourings with an independent backtracking search and requires exactly one, equal to the "
                    "answer; the checker verifies every edge, the givens and the colour range.")

    def generate(self, k: ColoringKnobs, rng: random.Random) -> Candidate:
        n, nc = k.nodes, k.colors
        # every colour appears at least once, so k is really needed to describe the answer
        planted = [c % nc + 1 for c in range(nc)] + [rng.randint(1, nc) for _ in range(n - nc)]
        rng.shuffle(planted)
        edges = [[u + 1, v + 1] for u in range(n) for v in range(u + 1, n)
                 if planted[u] != planted[v] and rng.random() < k.density]
        if not edges:
            raise Reject("no edges")
        num_vars, base = coloring_cnf(n, nc, edges, [])
        target = [_var(v, c, nc) * (1 if planted[v] == c + 1 else -1) for v in range(n) for c in range(nc)]
        deadline = Deadline(Budget.proof_of(k))
        with ClueSelector(base, target, num_vars, budget=deadline) as sel:
            for v in range(n):
                sel.add([[_var(v, planted[v] - 1, nc)]])
            active: list[int] = []
            alt = sel.alternative(active)
            while alt is not None:
                # pre-colour a vertex the counterexample gets wrong: each step rules that model out
                other = _decode(alt, n, nc)
                wrong = [v for v in range(n) if other[v] != planted[v] and v not in active]
                active.append(rng.choice(wrong))
                alt = sel.alternative(active)
            active = sel.minimise(active, rng)
        rest = [v for v in range(n) if v not in active]
        rng.shuffle(rest)
        given_vs = sorted(active + rest[: k.extra_givens])
        givens = [[v + 1, planted[v]] for v in given_vs]
        nv, clauses = coloring_cnf(n, nc, edges, givens)
        unique, _, eff = prove_unique(nv, clauses, target, budget=deadline)
        if not unique:  # never emit an unproved puzzle
            raise RuntimeError("givens do not force a unique colouring: the selector logic is broken")
        edge_txt = ", ".join(f"{u}-{v}" for u, v in edges)
        given_txt = "\n".join(f"- vertex {v} has colour {c}" for v, c in givens)
        example = ", ".join(f"{v}:{(v % nc) + 1}" for v in range(1, min(n, 3) + 1))
        prompt = (f"A graph has {n} vertices numbered 1 to {n} and these {len(edges)} edges:\n{edge_txt}\n\n"
                  f"Colour every vertex with one of the colours 1 to {nc} so that the two ends of every edge "
                  f"have different colours. Some vertices are already coloured:\n{given_txt}\n\n"
                  "Exactly one colouring satisfies these rules. Give the colour of every vertex inside "
                  "\\boxed{} as vertex:colour pairs separated by commas, listing each vertex once, e.g. "
                  f"\\boxed{{{example}, ...}}.")
        check = {"kind": KIND, "params": {"nodes": n, "colors": nc, "edges": edges, "givens": givens}}
        return Candidate(prompt, _format(planted), check,
                         {"nodes": n, "colors": nc, "edges": len(edges), "givens": len(givens), **eff})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        count, sol = count_colourings(p["nodes"], p["colors"], p["edges"], p["givens"])
        return {"unique_solution": count == 1,
                "rederived": count == 1 and sol is not None and _format(sol) == record["answer"]}

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        return coloring_cnf(p["nodes"], p["colors"], p["edges"], p["givens"])

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "No colouring satisfies the constraints."
        p = record["check"]["params"]
        return f"The answer is \\boxed{{{_format(_decode(model, p['nodes'], p['colors']))}}}."


