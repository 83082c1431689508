"""Property tests: adding names, words, juxtaposed tokens or alternatives to an answer never makes it accepted
when the plain answer is not (the accepted set of a reference does not grow), for every family."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardgen.generators.sat._cnf import sat_check
from hardgen.verifiers import score_check
from hardgen.verifiers.math import score_math

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
M = {"kind": "math"}
WORDS = st.sampled_from(["apples", "so", "the answer", "units", "maybe", "total", "\\text{ways}", "x", "n", "and"])
NAMES = st.sampled_from(["x", "y", "z", "a", "b", "c", "p", "q", "n", "t"])
small = st.integers(-20, 20)


def ok(resp: str, check: dict, gold: str | None) -> bool:
    v = score_check(f"\\boxed{{{resp}}}", check, gold) if check["kind"] != "math" else score_math(
        f"\\boxed{{{resp}}}", check, gold)
    return v.correct is True


@SETTINGS
@given(gold=small, a=st.integers(0, 999), b=st.integers(0, 999))
def test_math_juxtaposed_numbers(gold, a, b):
    # `a b` is accepted only as a digit group (`1 000`), never as a product or a concatenation of two values
    if ok(f"{a} {b}", M, str(gold)):
        assert len(str(b)) == 3 and int(f"{a}{b:03d}") == gold


@SETTINGS
@given(gold=small, ans=small, word=WORDS, before=st.booleans())
def test_math_words(gold, ans, word, before):
    resp = f"{word} {ans}" if before else f"{ans} {word}"
    if ok(resp, M, str(gold)):
        assert ok(str(ans), M, str(gold))


@SETTINGS
@given(gold=small, ans=small, other=small, sep=st.sampled_from([" or ", " \\text{ or } ", ", ", " \\lor "]))
def test_math_alternatives(gold, ans, other, sep):
    if ok(f"{ans}{sep}{other}", M, str(gold)):
        assert ok(str(ans), M, str(gold)) and ok(str(other), M, str(gold))


@SETTINGS
@given(u=small, v=small, pairs=st.lists(st.tuples(NAMES, small), min_size=1, max_size=4),
       sep=st.sampled_from([", ", "; ", " \\text{ and } ", " \\text{ or } "]))
def test_math_names_bind_in_order(u, v, pairs, sep):
    resp = sep.join(f"{n} = {val}" for n, val in pairs)
    if ok(resp, M, f"({u}, {v})"):
        got = dict(pairs)
        assert len(pairs) == 2 and len(got) == 2 and "or" not in sep
        assert (got.get("x"), got.get("y")) == (u, v) or (got.get("a"), got.get("b")) == (u, v)


CLAUSES = [[1, 2], [-1, 3], [-2, -3]]
SAT = sat_check(3, CLAUSES, "sat", "dimacs", False)
assignment = st.lists(st.booleans(), min_size=3, max_size=3)


def lits(vals) -> str:
    return " ".join(str(i + 1) if b else str(-(i + 1)) for i, b in enumerate(vals))


@SETTINGS
@given(vals=assignment, other=assignment, extra=st.integers(-5, 5), word=WORDS,
       how=st.sampled_from(["token", "alternative", "word", "name"]))
def test_sat_decorations(vals, other, extra, word, how):
    base = lits(vals)
    resp = {"token": f"{base} {extra}", "alternative": f"{base} \\text{{ or }} {lits(other)}",
            "word": f"{word} {base}", "name": f"{word} = {base}"}[how]
    if ok(resp, SAT, None):
        assert ok(base, SAT, None)
        if how == "alternative":
            assert ok(lits(other), SAT, None)


GRAPH = {"kind": "graph.path", "params": {"nodes": ["A", "B", "C", "D"], "directed": False, "source": "A",
                                          "target": "D", "optimum": 2,
                                          "edges": [["A", "B", 1], ["B", "D", 1], ["A", "C", 1], ["C", "D", 2]]}}
path = st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=5)


@SETTINGS
@given(seq=path, other=path, word=WORDS, how=st.sampled_from(["token", "alternative", "word"]))
def test_graph_decorations(seq, other, word, how):
    base = " -> ".join(seq)
    resp = {"token": f"{base} {other[0]}", "alternative": f"{base} or {' -> '.join(other)}",
            "word": f"{base} {word}"}[how]
    if ok(resp, GRAPH, None):
        assert ok(base, GRAPH, None)


KK = {"kind": "logic.knights_knaves",
      "params": {"names": ["Kate", "Leo"], "statements": [["knave", 1], ["same", 0, 1]]}}  # Kate knight, Leo knave
role = st.sampled_from(["knight", "knave"])


@SETTINGS
@given(r1=role, r2=role, name=st.sampled_from(["Kate", "Leo", "Zed"]), r3=role, word=WORDS,
       how=st.sampled_from(["name", "alternative", "word"]))
def test_knights_decorations(r1, r2, name, r3, word, how):
    base = f"Kate: {r1}, Leo: {r2}"
    resp = {"name": f"{base}, {name}: {r3}", "alternative": f"{base} or Kate: {r3}",
            "word": f"{base}, {word}"}[how]
    if ok(resp, KK, None):
        assert ok(base, KK, None)


def test_the_properties_can_fail():
    # the properties are not vacuous: each family accepts its right answer and rejects its decorated forms
    assert ok("1 -2 3", SAT, None) and not ok("1 -2 3 \\text{ or } -1 2 -3", SAT, None)
    assert ok("A -> B -> D", GRAPH, None) and not ok("A -> B -> D or A -> C -> D", GRAPH, None)
    assert ok("Kate: knight, Leo: knave", KK, None) and not ok("Kate: knight, Leo: knave, Zed: knave", KK, None)
    assert ok("x = 1, y = 2", M, "(1, 2)") and not ok("x = 1 \\text{ or } y = 2", M, "(1, 2)")


@SETTINGS
@given(gold=small, ans=small, name=NAMES, two=st.booleans())
def test_math_names_on_a_single_value(gold, ans, name, two):
    resp = f"{name} = {ans}" + (f", {name} = {ans + 1}" if two else "")
    if ok(resp, M, str(gold)):
        assert not two and ok(str(ans), M, str(gold))


SUDOKU = {"kind": "logic.sudoku", "params": {"size": 4, "box": [2, 2], "givens": ["1...", "..1.", ".1..", "...1"]}}
SOLVED = [[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 1]]


@SETTINGS
@given(r=st.integers(0, 3), c=st.integers(0, 3), d=st.integers(1, 4),
       extra=st.sampled_from(["", " 4", "\n1 2 3 4", ", maybe"]), alt=st.booleans())
def test_sudoku_decorations(r, c, d, extra, alt):
    grid = [row[:] for row in SOLVED]
    grid[r][c] = d
    base = "\n".join(" ".join(map(str, row)) for row in grid)
    resp = base + extra + (" \\text{ or } " + "\n".join(" ".join(map(str, row)) for row in SOLVED) if alt else "")
    if ok(resp, SUDOKU, None):
        assert ok(base, SUDOKU, None) and extra == "" and not alt


def test_the_sudoku_property_can_fail():
    base = "\n".join(" ".join(map(str, row)) for row in SOLVED)
    assert ok(base, SUDOKU, None) and not ok(base + " 4", SUDOKU, None) and not ok(base + "\n1 2 3 4", SUDOKU, None)
