"""logic.coloring / knights_knaves / zebra / nonogram: uniqueness proved independently, varied solutions,
strict checkers, SAT round trips."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysat.solvers import Solver

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.verifiers import score
from hardgen.stages.verify import verify_record

FAMILIES = ("logic.coloring", "logic.knights_knaves", "logic.zebra", "logic.nonogram")


def boxed(text: str) -> str:
    return f"The answer is \\boxed{{{text}}}."


def make(name: str, level: str | None = None, index: int = 0, seed: int = 0, **knobs) -> dict:
    fam = get_family(name)
    vals = fam.resolve_knobs(level, knobs).as_dict()
    return generate_one(name, level, vals, seed, index)


def second_solution_exists(record: dict) -> bool:
    """A second SAT route: the family's CNF, a different solver (Glucose), the reference answer's model blocked."""
    fam = get_family(record["family"])()
    nv, clauses = fam.cnf(record)
    with Solver(name="glucose4", bootstrap_with=clauses) as s:
        assert s.solve(), "the puzzle must be satisfiable"
        model = s.get_model()
        # the rendered model must be the reference answer, and blocking the decision variables must leave nothing
        assert score(record, fam.render_model(record, model)).correct
        assert fam.render_model(record, model) == boxed(record["answer"])
        decision = _decision_vars(record)
        s.add_clause([-lit for lit in model[:decision]])
        return s.solve()


def _decision_vars(record: dict) -> int:
    p = record["check"]["params"]
    fam = record["family"]
    if fam == "logic.coloring":
        return p["nodes"] * p["colors"]
    if fam == "logic.knights_knaves":
        return len(p["names"])
    if fam == "logic.zebra":
        return len(p["categories"]) * p["houses"] ** 2
    return len(p["rows"]) * len(p["cols"])


# ---------------------------------------------------------------- every level generates, verifies, round-trips

@pytest.mark.parametrize("name", FAMILIES)
def test_all_levels_generate_valid_unique(name):
    fam_cls = get_family(name)
    for level in fam_cls.levels:
        for i in range(2 if level == "extreme" else 3):
            rec = make(name, level, index=i)
            v = verify_record(rec)
            assert v["status"] == "valid", (level, v)
            assert v["checks"]["unique_solution"] is True and v["checks"]["rederived"] is True
            assert not second_solution_exists(rec)
            assert isinstance(rec["difficulty"]["conflicts"], int)
            assert "\\boxed{" in rec["prompt"]


@pytest.mark.parametrize("name", FAMILIES)
def test_deterministic_and_varied(name):
    a = make(name, "medium", index=3, seed=11)
    b = make(name, "medium", index=3, seed=11)
    assert a == b
    answers = {make(name, "medium", index=i, seed=5)["answer"] for i in range(8)}
    assert len(answers) >= 4, answers


# ---------------------------------------------------------------- brute-force uniqueness, written here

def test_coloring_unique_by_enumeration():
    for i in range(4):
        rec = make("logic.coloring", nodes=7, colors=3, density=0.5, index=i)
        p = rec["check"]["params"]
        given_map = {v: c for v, c in p["givens"]}
        sols = []
        for cols in itertools.product(range(1, 4), repeat=7):
            if all(cols[v - 1] == c for v, c in given_map.items()) and \
                    all(cols[u - 1] != cols[v - 1] for u, v in p["edges"]):
                sols.append(", ".join(f"{v + 1}:{c}" for v, c in enumerate(cols)))
        assert sols == [rec["answer"]]


def _kk_eval(f, k):
    op = f[0]
    if op in ("knight", "knave"):
        return k[f[1]] == (op == "knight")
    if op in ("same", "different"):
        return (k[f[1]] == k[f[2]]) == (op == "same")
    if op == "count":
        c = [k[i] == (f[3] == "knight") for i in f[4]].count(True)
        return {"at_least": c >= f[2], "at_most": c <= f[2], "exactly": c == f[2]}[f[1]]
    if op == "not":
        return not _kk_eval(f[1], k)
    a, b = _kk_eval(f[1], k), _kk_eval(f[2], k)
    return {"and": a and b, "or": a or b, "implies": b or not a, "iff": a == b}[op]


@pytest.mark.parametrize("level", ["easy", "medium", "hard", "extreme"])
def test_knights_unique_by_enumeration(level):
    for i in range(3):
        rec = make("logic.knights_knaves", level, index=i)
        p = rec["check"]["params"]
        n = len(p["names"])
        sols = [ks for ks in itertools.product((True, False), repeat=n)
                if all(_kk_eval(f, ks) == ks[s] for s, f in enumerate(p["statements"]))]
        assert len(sols) == 1
        want = ", ".join(f"{nm}: {'knight' if x else 'knave'}" for nm, x in zip(p["names"], sols[0]))
        assert want == rec["answer"]


def test_zebra_unique_by_enumeration():
    for i in range(4):
        rec = make("logic.zebra", houses=3, attributes=3, clue_types="full", index=i)
        p = rec["check"]["params"]
        sols = []
        for perms in itertools.product(itertools.permutations(range(3)), repeat=3):
            house = {(cat, vals[v]): perms[c][v] + 1 for c, (cat, vals) in enumerate(p["categories"])
                     for v in range(3)}
            ok = True
            for cl in p["clues"]:
                a = house[tuple(cl[1])]
                b = cl[2] if cl[0] in ("at", "not_at") else house[tuple(cl[2])]
                ok = {"at": a == b, "not_at": a != b, "same": a == b, "not_same": a != b,
                      "next_to": abs(a - b) == 1, "directly_left": b == a + 1, "directly_right": a == b + 1,
                      "left_of": a < b, "right_of": a > b}[cl[0]]
                if not ok:
                    break
            if ok:
                sols.append(house)
        assert len(sols) == 1
        resp = "; ".join(f"{h}: " + ", ".join(next(val for (cat2, val), hh in sols[0].items()
                                                   if cat2 == cat and hh == h) for cat, _ in p["categories"])
                         for h in range(1, 4))
        assert resp == rec["answer"]


def test_nonogram_unique_by_enumeration():
    def runs(line):
        return [len(r) for r in "".join(line).split(".") if r]

    for i in range(3):
        rec = make("logic.nonogram", rows=4, cols=4, index=i)
        p = rec["check"]["params"]
        sols = []
        for bits in itertools.product("#.", repeat=16):
            g = [bits[r * 4:(r + 1) * 4] for r in range(4)]
            if all(runs(g[r]) == p["rows"][r] for r in range(4)) and \
                    all(runs([g[r][c] for r in range(4)]) == p["cols"][c] for c in range(4)):
                sols.append("/".join("".join(row) for row in g))
        assert sols == [rec["answer"]]


# ---------------------------------------------------------------- checkers: accept the reference, reject the rest

HOSTILE = ["", "no box here", "\\boxed{", "\\boxed{}", "\\boxed{{{{}}}}", "\\boxed{" + "{" * 5000,
           "\\boxed{" + "x" * 300_000 + "}", "\\boxed{\\text{}}", "\\boxed{1:1}" * 3, "\\boxed{\x00\uffff}",
           "\\boxed{\\text{" + "}" * 50]


@pytest.mark.parametrize("name", FAMILIES)
def test_checker_rejects_malformed(name):
    rec = make(name, "easy")
    for bad in HOSTILE:
        v = score(rec, bad)
        assert v.correct is False, (bad[:30], v)
        assert v.reason
    assert score(rec, 12345).correct is False
    assert score(rec, boxed(rec["answer"]) + " or maybe " + boxed("something else")).correct is False
    # the same answer boxed twice is one answer
    assert score(rec, boxed(rec["answer"]) + "\nso: " + boxed(rec["answer"])).correct is True


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_checkers_never_crash(text):
    for name in FAMILIES:
        rec = _CACHE.setdefault(name, make(name, "easy"))
        for resp in (text, boxed(text)):
            v = score(rec, resp)
            assert v.correct in (True, False) and not v.reason.startswith("checker error")


_CACHE: dict[str, dict] = {}


def test_coloring_checker_rules():
    rec = make("logic.coloring", "medium")
    p = rec["check"]["params"]
    assert score(rec, boxed(rec["answer"])).correct
    pairs = [x.split(":") for x in rec["answer"].split(", ")]
    cols = {int(v): int(c) for v, c in pairs}
    # any order, optional spaces and a \text wrapper are fine
    shuffled = ", ".join(f"{v} : {cols[v]}" for v in sorted(cols, reverse=True))
    assert score(rec, boxed("\\text{" + shuffled + "}")).correct
    u, w = p["edges"][0]
    bad = dict(cols)
    bad[u] = cols[w]
    v = score(rec, boxed(", ".join(f"{x}:{bad[x]}" for x in sorted(bad))))
    assert v.correct is False
    out_of_range = dict(cols)
    out_of_range[1] = p["colors"] + 1
    assert score(rec, boxed(", ".join(f"{x}:{out_of_range[x]}" for x in sorted(cols)))).correct is False
    assert score(rec, boxed(rec["answer"] + ", 1:1")).correct is False  # vertex listed twice
    assert score(rec, boxed(rec["answer"].rsplit(", ", 1)[0])).correct is False  # vertex missing
    # swapping two colour classes keeps the colouring proper but breaks the givens
    swapped = {x: {1: 2, 2: 1}.get(c, c) for x, c in cols.items()}
    assert score(rec, boxed(", ".join(f"{x}:{swapped[x]}" for x in sorted(cols)))).correct is False


def test_knights_checker_rules():
    rec = make("logic.knights_knaves", "medium")
    names = rec["check"]["params"]["names"]
    assert score(rec, boxed(rec["answer"])).correct
    assert score(rec, boxed(rec["answer"].upper())).correct  # case of names and kinds does not matter
    entries = rec["answer"].split(", ")
    flipped = entries[0].replace("knight", "KNAVE") if "knight" in entries[0] else entries[0].replace("knave", "knight")
    assert score(rec, boxed(", ".join([flipped] + entries[1:]))).correct is False
    assert score(rec, boxed(", ".join(entries[:-1]))).correct is False
    assert score(rec, boxed(", ".join(entries + entries[:1]))).correct is False
    assert score(rec, boxed(", ".join(entries[:-1] + [f"Zorro: knight"]))).correct is False
    # "Kate is a knave" sentences are a complete, unambiguous encoding
    assert score(rec, boxed(", ".join(e.replace(":", " is a") for e in entries))).correct is True
    assert score(rec, boxed(" and ".join(e.replace(":", " is a") for e in entries) + ".")).correct is True
    assert score(rec, boxed(", ".join(e.replace(":", " is a") for e in entries[:-1]))).correct is False
    assert score(rec, boxed(", ".join(f"{n}: knight" for n in names))).correct is (rec["answer"].count("knave") == 0)


def test_zebra_checker_rules():
    rec = make("logic.zebra", "medium")
    assert score(rec, boxed(rec["answer"])).correct
    houses = rec["answer"].split("; ")
    assert score(rec, boxed("\n".join(reversed(houses)))).correct  # houses are numbered, order is free
    assert score(rec, boxed("; ".join("House " + h for h in houses))).correct
    # swap the names of houses 1 and 2: a permutation of valid values that must violate some clue
    vals = [h.split(": ")[1].split(", ") for h in houses]
    vals[0][0], vals[1][0] = vals[1][0], vals[0][0]
    swapped = "; ".join(f"{i + 1}: {', '.join(v)}" for i, v in enumerate(vals))
    assert score(rec, boxed(swapped)).correct is False
    dup = "; ".join(f"{i + 1}: {', '.join([vals[0][0]] + v[1:])}" for i, v in enumerate(vals))
    assert score(rec, boxed(dup)).correct is False
    assert score(rec, boxed("; ".join(houses[:-1]))).correct is False
    assert score(rec, boxed(rec["answer"].replace("1:", "9:", 1))).correct is False

    q = make("logic.zebra", "medium", question="name", index=2)
    assert q["check"]["params"]["ask"] and q["answer"] in q["check"]["params"]["categories"][0][1]
    assert score(q, boxed(q["answer"])).correct
    assert score(q, boxed(f"\\text{{{q['answer'].lower()}}}")).correct
    other = next(n for n in q["check"]["params"]["categories"][0][1] if n != q["answer"])
    assert score(q, boxed(other)).correct is False
    assert score(q, boxed("Nobody")).correct is False


def test_nonogram_checker_rules():
    rec = make("logic.nonogram", "medium")
    assert score(rec, boxed(rec["answer"])).correct
    assert score(rec, boxed(rec["answer"].replace("/", "\n"))).correct
    rows = rec["answer"].split("/")
    flip = rows[0][0].translate(str.maketrans("#.", ".#")) + rows[0][1:]
    assert score(rec, boxed("/".join([flip] + rows[1:]))).correct is False
    assert score(rec, boxed("/".join(rows[:-1]))).correct is False
    assert score(rec, boxed("/".join(r.replace(".", "0") for r in rows))).correct is False
    assert score(rec, boxed("/".join(r + "." for r in rows))).correct is False


# ---------------------------------------------------------------- knobs and SAT interface

def test_knob_errors():
    with pytest.raises(HardgenError):
        get_family("logic.coloring").resolve_knobs(None, {"nodes": 3, "colors": 5})
    with pytest.raises(HardgenError):
        get_family("logic.zebra").resolve_knobs(None, {"clue_types": "weird"})
    with pytest.raises(HardgenError):
        get_family("logic.nonogram").resolve_knobs(None, {"rows": 50})


@pytest.mark.parametrize("name", FAMILIES)
def test_render_model_unsat(name):
    fam = get_family(name)()
    rec = make(name, "easy")
    assert score(rec, fam.render_model(rec, None)).correct is False


def test_zebra_clue_types_respected():
    for kind, allowed in (("basic", {"same", "not_same", "at"}),
                          ("standard", {"same", "not_same", "at", "next_to", "directly_left", "directly_right"})):
        for i in range(3):
            rec = make("logic.zebra", houses=4, attributes=4, clue_types=kind, index=i)
            assert {cl[0] for cl in rec["check"]["params"]["clues"]} <= allowed


def test_non_unique_puzzles_are_caught():
    """The independent routes and the second-solution check must notice a puzzle with two answers."""
    col = make("logic.coloring", "easy")
    col["check"]["params"]["givens"] = []
    kk = make("logic.knights_knaves", "easy")
    kk["check"]["params"]["statements"] = [["knight", s] for s in range(len(kk["check"]["params"]["names"]))]
    zb = make("logic.zebra", "easy")
    zb["check"]["params"]["clues"] = zb["check"]["params"]["clues"][1:]
    ng = make("logic.nonogram", rows=2, cols=2)
    ng["check"]["params"] = {"rows": [[1], [1]], "cols": [[1], [1]]}
    ng["answer"] = "#./.#"
    for rec in (col, kk, zb, ng):
        v = verify_record(rec)
        assert v["status"] == "invalid" and v["checks"]["unique_solution"] is False, rec["family"]
        fam = get_family(rec["family"])()
        nv, clauses = fam.cnf(rec)
        with Solver(name="glucose4", bootstrap_with=clauses) as s:
            assert s.solve()
            s.add_clause([-lit for lit in s.get_model()[:_decision_vars(rec)]])
            assert s.solve(), rec["family"]


def test_nonogram_second_route_agrees(monkeypatch):
    """Past its node budget the SAT-free search hands over to the automaton encoding; both must agree."""
    from hardgen.generators.logic import nonogram

    rec = make("logic.nonogram", "hard")
    p = rec["check"]["params"]
    assert nonogram.count_nonogram_solutions(p["rows"], p["cols"])[0] == 1
    n, grid = nonogram.count_by_automaton(p["rows"], p["cols"])
    assert n == 1 and "/".join("".join("#" if x else "." for x in row) for row in grid) == rec["answer"]
    assert nonogram.count_by_automaton([[1], [1]], [[1], [1]])[0] == 2
    assert nonogram.count_by_automaton([[2], [0]], [[1], [0]])[0] == 0
    monkeypatch.setattr(nonogram, "SEARCH_NODES", 0)
    assert get_family("logic.nonogram")().rederive(rec) == {"unique_solution": True, "rederived": True}
    with pytest.raises(nonogram.SearchBudgetExceeded):
        nonogram.count_nonogram_solutions(p["rows"], p["cols"], max_nodes=0)


def test_zebra_uniqueness_past_the_node_budget_is_invalid_with_that_reason(monkeypatch):
    import hardgen.generators.logic._sat_util as sat_util
    from hardgen.generators.base import get_family
    from hardgen.generators.item import generate_one
    from hardgen.stages.verify import verify_record

    rec = generate_one("logic.zebra", "medium", get_family("logic.zebra").resolve_knobs("medium").as_dict(), 0, 0)
    assert verify_record(rec)["status"] == "valid"
    monkeypatch.setattr(sat_util, "UNIQUENESS_NODES", 2)
    v = verify_record(rec)
    assert v["status"] == "invalid" and "uniqueness not proved within budget" in v["reason"]
