"""The graph.* families: every level and structure generates valid problems, rederived independently."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import networkx as nx
import pytest
from pysat.solvers import Solver as SatSolver

from hardgen.core.errors import HardgenError
from hardgen.generators.base import SatEncodable, get_family
from hardgen.generators.graph._graphs import build_dag, build_graph, cut_capacity, dijkstra_path, edmonds_karp, far_pair
from hardgen.generators.graph.hamiltonian import grid_hamiltonian_path
from hardgen.generators.item import generate_one
from hardgen.verifiers import score
from hardgen.stages.verify import verify_record

FAMILIES = ["graph.shortest_path", "graph.max_flow", "graph.mst", "graph.matching", "graph.topo_order",
            "graph.dag_paths", "graph.hamiltonian"]
LEVELS = [(f, lvl) for f in FAMILIES for lvl in ("easy", "medium", "hard", "extreme")]


def _records(family: str, level: str | None, knobs: dict, n: int, seed: int = 0) -> list[dict]:
    return [generate_one(family, level, knobs, seed, i) for i in range(n)]


@pytest.mark.parametrize("family,level", LEVELS)
def test_every_level_generates_valid_problems(family, level):
    fam = get_family(family)
    n = 2 if (family == "graph.hamiltonian" and level == "extreme") else 6
    recs = _records(family, level, fam.levels[level], n)
    for r in recs:
        v = verify_record(r)
        assert v["status"] == "valid", (r["id"], v)
        assert "\\boxed{" in r["prompt"]
        assert r["check"]["kind"] in ("math", "graph.path", "graph.topo_order", "graph.hamiltonian",
                                      "graph.spanning_tree", "graph.matching")
        # structural kinds accept any solution: no single reference answer is stored
        assert (r["answer"] is None) == (r["check"]["kind"] != "math")
    assert len({r["id"] for r in recs}) == len(recs)


STRUCTURES = [
    ("graph.shortest_path", {"structure": "grid", "nodes": 12}),
    ("graph.shortest_path", {"structure": "dag", "nodes": 12}),
    ("graph.shortest_path", {"structure": "random", "directed": True, "ask": "weight"}),
    ("graph.shortest_path", {"structure": "grid", "directed": True, "nodes": 16, "density": 0.5}),
    ("graph.max_flow", {"structure": "random", "nodes": 10}),
    ("graph.max_flow", {"structure": "grid", "nodes": 12, "density": 0.5}),
    ("graph.mst", {"structure": "grid", "nodes": 12, "density": 0.6}),
    ("graph.mst", {"ask": "edges"}),
    ("graph.matching", {"structure": "grid", "nodes": 12, "density": 0.5}),
    ("graph.matching", {"structure": "grid", "nodes": 16, "density": 0.5, "ask": "pairs"}),
    ("graph.topo_order", {"structure": "grid", "nodes": 12}),
    ("graph.dag_paths", {"structure": "grid", "nodes": 16, "density": 0.7}),
    ("graph.hamiltonian", {"structure": "grid", "nodes": 16, "density": 0.3}),
    ("graph.hamiltonian", {"structure": "grid", "nodes": 20, "density": 0.3, "fixed_ends": True}),
]


@pytest.mark.parametrize("family,knobs", STRUCTURES)
def test_structures_and_answer_modes_are_valid(family, knobs):
    for r in _records(family, None, knobs, 4, seed=5):
        v = verify_record(r)
        assert v["status"] == "valid", (r["id"], v)


@pytest.mark.parametrize("family", FAMILIES)
def test_generation_is_deterministic_and_seed_sensitive(family):
    knobs = get_family(family).levels["medium"]
    a = generate_one(family, "medium", knobs, 11, 3)
    b = generate_one(family, "medium", knobs, 11, 3)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    others = {generate_one(family, "medium", knobs, s, 3)["id"] for s in (12, 13, 14)}
    assert a["id"] not in others


def test_rows_do_not_depend_on_string_hash_seed():
    """Same rows under different PYTHONHASHSEED: nothing iterates a set of names into the output."""
    code = ("import json;from hardgen.generators.item import generate_one;from hardgen.generators.base import "
            "get_family;fams=%r;print(json.dumps([generate_one(f,'hard',get_family(f).levels['hard'],7,i)"
            " for f in fams for i in range(2)],sort_keys=True))" % FAMILIES)
    outs = []
    for hs in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hs}
        outs.append(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                   check=True).stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


@pytest.mark.parametrize("family", ["graph.shortest_path", "graph.max_flow", "graph.mst", "graph.matching",
                                    "graph.dag_paths"])
def test_rederive_catches_a_wrong_numeric_answer(family):
    knobs = {**get_family(family).levels["easy"]}
    knobs.update({"ask": "weight"} if family in ("graph.shortest_path", "graph.mst") else
                 {"ask": "size"} if family == "graph.matching" else {})
    r = generate_one(family, None, knobs, 2, 0)
    assert r["check"]["kind"] == "math"
    r["answer"] = str(int(r["answer"]) + 1)
    v = verify_record(r)
    assert v["status"] == "invalid"


@pytest.mark.parametrize("family", ["graph.shortest_path", "graph.mst", "graph.matching"])
def test_rederive_catches_a_wrong_optimum(family):
    r = generate_one(family, "hard", get_family(family).levels["hard"], 2, 0)
    r["check"]["params"]["optimum"] += 1
    checks = get_family(family)().rederive(r)
    assert False in checks.values()


def test_rederive_catches_a_cycle_and_a_bad_witness():
    r = generate_one("graph.topo_order", "easy", get_family("graph.topo_order").levels["easy"], 2, 0)
    p = r["check"]["params"]
    first, last = p["witness"][0], p["witness"][-1]
    bad = json.loads(json.dumps(r))
    bad["check"]["params"]["edges"].append([last, first])  # closes a cycle through the whole order
    checks = get_family("graph.topo_order")().rederive(bad)
    assert checks["acyclic"] is False and checks["witness_accepted"] is False
    swapped = json.loads(json.dumps(r))
    w = swapped["check"]["params"]["witness"]
    e = swapped["check"]["params"]["edges"][0]
    i, j = w.index(e[0]), w.index(e[1])
    w[i], w[j] = w[j], w[i]
    assert get_family("graph.topo_order")().rederive(swapped)["witness_accepted"] is False


def test_hamiltonian_is_sat_encodable_and_solved_by_a_cpu_solver():
    fam_cls = get_family("graph.hamiltonian")
    fam = fam_cls()
    assert isinstance(fam, SatEncodable)
    for r in _records("graph.hamiltonian", "hard", fam_cls.levels["hard"], 3, seed=4):
        nv, clauses = fam.cnf(r)
        assert nv == len(r["check"]["params"]["nodes"]) ** 2
        assert all(0 < abs(x) <= nv for c in clauses for x in c)
        with SatSolver(name="minisat22", bootstrap_with=clauses) as s:
            assert s.solve()
            model = s.get_model()
        assert score(r, fam.render_model(r, model)).correct is True
        assert score(r, fam.render_model(r, None)).correct is False


def test_hamiltonian_cnf_is_unsat_without_a_path():
    """A star with 3 leaves has no Hamiltonian path: the encoding must say so."""
    rec = {"check": {"kind": "graph.hamiltonian",
                     "params": {"nodes": ["A", "B", "C", "D"], "directed": False,
                                "edges": [["A", "B"], ["A", "C"], ["A", "D"]], "witness": []}}}
    _, clauses = get_family("graph.hamiltonian")().cnf(rec)
    with SatSolver(name="cadical153", bootstrap_with=clauses) as s:
        assert not s.solve()


@pytest.mark.parametrize("rows,cols", [(2, 2), (3, 4), (5, 5), (6, 7)])
def test_grid_hamiltonian_path_visits_every_cell_along_grid_edges(rows, cols):
    for seed in range(5):
        path = grid_hamiltonian_path(rows, cols, random.Random(seed))
        assert sorted(path) == list(range(rows * cols))
        for a, b in zip(path, path[1:]):
            (ra, ca), (rb, cb) = divmod(a, cols), divmod(b, cols)
            assert abs(ra - rb) + abs(ca - cb) == 1


def test_own_edmonds_karp_agrees_with_networkx_and_its_cut_is_tight():
    rng = random.Random(3)
    for _ in range(40):
        g = build_graph("random", rng.randint(4, 14), rng.random() * 0.5, rng, directed=True, w_min=1, w_max=20)
        s, t = 0, g.n - 1
        G = nx.DiGraph()
        G.add_nodes_from(range(g.n))
        G.add_weighted_edges_from(g.edges, weight="capacity")
        value, side = edmonds_karp(g.n, g.edges, s, t)
        assert value == nx.maximum_flow_value(G, s, t)
        assert side[s] and not side[t] and cut_capacity(g.edges, side) == value


def test_own_dijkstra_returns_networkx_path_and_weight_with_its_tie_breaking():
    # small weight ranges make many equal-weight paths, so a different tie-break would show as another path
    rng = random.Random(5)
    for i in range(300):
        structure = ("random", "grid", "dag")[i % 3]
        if structure == "dag":
            g = build_dag("dag", rng.randint(4, 30), rng.random() * 0.4, rng, w_min=1, w_max=rng.choice((1, 3, 50)))
        else:
            g = build_graph(structure, rng.randint(4, 30), rng.random() * 0.4, rng, directed=rng.random() < 0.5,
                            w_min=1, w_max=rng.choice((1, 3, 50)))
        s, t, _ = far_pair(g, rng)
        G = nx.DiGraph() if g.directed else nx.Graph()
        G.add_weighted_edges_from(g.edges)
        assert dijkstra_path(g, s, t) == nx.single_source_dijkstra(G, s, t, weight="weight")


@pytest.mark.parametrize("family,knobs,msg", [
    ("graph.shortest_path", {"w_min": 9, "w_max": 3}, "w_min"),
    ("graph.max_flow", {"w_min": 9, "w_max": 3}, "w_min"),
    ("graph.mst", {"structure": "dag"}, "structure"),
    ("graph.topo_order", {"structure": "random"}, "structure"),
    ("graph.hamiltonian", {"nodes": 500}, "nodes"),
])
def test_bad_knobs_are_user_errors(family, knobs, msg):
    with pytest.raises(HardgenError, match=msg):
        get_family(family).Knobs.build(knobs)


def test_hamiltonian_resolve_is_budgeted(tmp_path, monkeypatch):
    """gen verify's own SAT search for a path runs within a budget: past it, the planted path alone decides the
    row and the notes say the re-solve ran out (a hand-made huge row cannot stall the stage)."""
    import hardgen.generators.graph.hamiltonian as ham
    from hardgen.core.store import read_records
    from hardgen.generators.budget import Budget
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_record

    generate_dataset(["graph.hamiltonian"], n=3, out=str(tmp_path / "d"), level="hard", workers=1)
    row = read_records(tmp_path / "d")[0]
    full = verify_record(row)
    assert full["status"] == "valid" and full["checks"]["sat_solution_accepted"] is True
    assert full["notes"]["resolve"]["outcome"] == "path"
    monkeypatch.setattr(ham, "RECHECK", Budget(conflicts=None, seconds=0.0))  # spent before it starts
    cut = verify_record(row)
    assert cut["notes"]["resolve"]["outcome"] == "budget ran out"
    assert cut["status"] == "valid" and "sat_solution_accepted" not in cut["checks"]
    bad = json.loads(json.dumps(row))
    w = bad["check"]["params"]["witness"]
    bad["check"]["params"]["witness"] = w[::-1][:1] + w[1:]  # a path that repeats a vertex
    assert verify_record(bad)["status"] == "invalid"
