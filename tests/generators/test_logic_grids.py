"""Grid logic families: uniqueness proved by an independent SAT encoding, varied solutions, strict checkers."""

from __future__ import annotations

import pytest
from pysat.card import CardEnc, EncType
from pysat.formula import IDPool
from pysat.solvers import Solver

from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one
from hardgen.verifiers import score
from hardgen.stages.verify import verify_record

FAMILIES = ["logic.sudoku", "logic.futoshiki", "logic.nqueens", "logic.kakuro"]


def make(family: str, level: str | None = None, index: int = 0, **knobs) -> dict:
    fam = get_family(family)
    values = fam.resolve_knobs(level, knobs).as_dict()
    return generate_one(family, level, values, run_seed=11, index=index)


def grid_of(text: str) -> list[list[str]]:
    return [row.split() for row in text.splitlines()]


def boxed(grid: list[list[object]]) -> str:
    return "Final answer: \\boxed{" + "\n".join(" ".join(map(str, r)) for r in grid) + "}"


# ---------------------------------------------------------------- an independent encoding, written for the test

class Model:
    """Order-free "cell value" encoding with sequential-counter cardinality (the generators use pairwise)."""

    def __init__(self) -> None:
        self.pool = IDPool()
        self.clauses: list[list[int]] = []

    def x(self, *key) -> int:
        return self.pool.id(key)

    def exactly(self, lits: list[int], k: int = 1) -> None:
        enc = CardEnc.equals(lits=lits, bound=k, encoding=EncType.seqcounter, vpool=self.pool)
        self.clauses += enc.clauses

    def solutions(self, decision: list[int], limit: int = 2) -> list[set[int]]:
        """Up to `limit` distinct solutions, projected on the decision variables (CaDiCaL)."""
        out = []
        wanted = set(decision)
        with Solver(name="cadical153", bootstrap_with=self.clauses) as s:
            while len(out) < limit and s.solve():
                m = [l for l in s.get_model() if abs(l) in wanted]
                out.append({l for l in m if l > 0})
                s.add_clause([-l for l in m])  # a further solution must differ on a decision variable
        return out


def latin_model(n: int, givens: list[str], boxes: tuple[int, int] | None = None) -> tuple[Model, list[int]]:
    m = Model()
    cells = [(r, c) for r in range(n) for c in range(n)]
    for r, c in cells:
        m.exactly([m.x(r, c, v) for v in range(1, n + 1)])
    groups = [[(r, c) for c in range(n)] for r in range(n)] + [[(r, c) for r in range(n)] for c in range(n)]
    if boxes:
        br, bc = boxes
        groups += [[(r0 + i, c0 + j) for i in range(br) for j in range(bc)]
                   for r0 in range(0, n, br) for c0 in range(0, n, bc)]
    for g in groups:
        for v in range(1, n + 1):
            m.exactly([m.x(r, c, v) for r, c in g])
    for r, row in enumerate(givens):
        for c, ch in enumerate(row):
            if ch != ".":
                m.clauses.append([m.x(r, c, int(ch))])
    decision = [m.x(r, c, v) for r, c in cells for v in range(1, n + 1)]
    return m, decision


def decode(m: Model, sol: set[int], n: int) -> str:
    return "\n".join(" ".join(str(next(v for v in range(1, n + 1) if m.x(r, c, v) in sol)) for c in range(n))
                     for r in range(n))


def sudoku_solutions(params: dict) -> tuple[list[str], Model]:
    n = params["size"]
    m, dec = latin_model(n, params["givens"], tuple(params["box"]))
    return [decode(m, s, n) for s in m.solutions(dec)], m


def futoshiki_solutions(params: dict) -> list[str]:
    n = params["size"]
    m, dec = latin_model(n, params["givens"])
    for r1, c1, r2, c2 in params["less"]:
        for i in range(1, n + 1):
            for j in range(1, i + 1):
                m.clauses.append([-m.x(r1, c1, i), -m.x(r2, c2, j)])
    return [decode(m, s, n) for s in m.solutions(dec)]


def nqueens_solutions(params: dict) -> list[str]:
    n = params["n"]
    m = Model()
    q = {(r, c): m.x(r, c) for r in range(n) for c in range(n)}
    for i in range(n):
        m.exactly([q[i, c] for c in range(n)])
        m.exactly([q[r, i] for r in range(n)])
    for d in range(-n, 2 * n):
        for line in ([q[r, c] for (r, c) in q if r + c == d], [q[r, c] for (r, c) in q if r - c == d]):
            if len(line) > 1:
                m.clauses += CardEnc.atmost(lits=line, bound=1, encoding=EncType.seqcounter, vpool=m.pool).clauses
    for r, c in params["placed"]:
        m.clauses.append([q[r, c]])
    sols = m.solutions(list(q.values()))
    return ["\n".join(" ".join("Q" if q[r, c] in s else "." for c in range(n)) for r in range(n)) for s in sols]


def kakuro_solutions(params: dict) -> list[str]:
    """Sums by partial-sum chains (the generator uses digit-set selectors)."""
    n = params["size"]
    white = [[ch == "_" for ch in row] for row in params["pattern"]]
    m = Model()
    cells = [(r, c) for r in range(n) for c in range(n) if white[r][c]]
    for r, c in cells:
        m.exactly([m.x(r, c, v) for v in range(1, 10)])
    runs = [([(r, c) for c in range(a, b + 1)], s) for r, a, b, s in params["across"]]
    runs += [([(r, c) for r in range(a, b + 1)], s) for c, a, b, s in params["down"]]
    for i, (run, total) in enumerate(runs):
        for v in range(1, 10):
            m.clauses += CardEnc.atmost(lits=[m.x(r, c, v) for r, c in run], bound=1, encoding=EncType.seqcounter,
                                        vpool=m.pool).clauses
        m.clauses.append([m.x("p", i, 0, 0)])
        for k, (r, c) in enumerate(run):
            for t in range(0, 9 * k + 1):
                for v in range(1, 10):  # partial sum t and digit v give partial sum t + v
                    m.clauses.append([-m.x("p", i, k, t), -m.x(r, c, v), m.x("p", i, k + 1, t + v)])
        m.clauses += [[-m.x("p", i, len(run), t)] for t in range(0, 9 * len(run) + 1) if t != total]
    decision = [m.x(r, c, v) for r, c in cells for v in range(1, 10)]
    out = []
    for sol in m.solutions(decision):
        out.append("\n".join(" ".join(str(next(v for v in range(1, 10) if m.x(r, c, v) in sol)) if white[r][c]
                                       else "#" for c in range(n)) for r in range(n)))
    return out


def independent_solutions(rec: dict) -> list[str]:
    p = rec["check"]["params"]
    if rec["family"] == "logic.sudoku":
        return sudoku_solutions(p)[0]
    if rec["family"] == "logic.futoshiki":
        return futoshiki_solutions(p)
    if rec["family"] == "logic.kakuro":
        return kakuro_solutions(p)
    return nqueens_solutions(p)


# ---------------------------------------------------------------- uniqueness and variety

@pytest.mark.parametrize("family,level", [(f, lvl) for f in FAMILIES for lvl in ("easy", "medium", "hard")]
                         + [("logic.sudoku", "extreme"), ("logic.nqueens", "extreme"), ("logic.kakuro", "extreme")])
def test_unique_solution_by_independent_solver(family, level):
    for index in range(2):
        rec = make(family, level, index)
        sols = independent_solutions(rec)
        assert sols == [rec["answer"]], f"{family} {level} #{index}: {len(sols)} solutions"


def test_independent_solver_sees_a_second_solution_when_clues_are_missing():
    # the test's own solver can fail: with one row of givens only, a 4x4 Sudoku has several solutions
    params = {"size": 4, "box": [2, 2], "givens": ["1234", "....", "....", "...."]}
    assert len(sudoku_solutions(params)[0]) == 2


@pytest.mark.parametrize("family,level", [("logic.sudoku", "hard"), ("logic.futoshiki", "medium"),
                                          ("logic.nqueens", "medium"), ("logic.kakuro", "easy")])
def test_solutions_vary_across_seeds(family, level):
    answers = {make(family, level, i)["answer"] for i in range(12)}
    assert len(answers) >= 10


def test_futoshiki_givens_and_inequality_counts_follow_knobs():
    rec = make("logic.futoshiki", index=3, size=5, inequalities=7, givens=5)
    p = rec["check"]["params"]
    assert len(p["less"]) == 7
    assert sum(ch != "." for row in p["givens"] for ch in row) == 5


@pytest.mark.parametrize("size", [4, 6])
def test_minimal_sudoku_every_clue_is_necessary(size):
    for index in range(2):
        rec = make("logic.sudoku", index=index, size=size, clues=size * size, minimal=True)
        givens = rec["check"]["params"]["givens"]
        positions = [(r, c) for r in range(size) for c in range(size) if givens[r][c] != "."]
        assert rec["difficulty"]["clues"] == len(positions)
        for r, c in positions:
            fewer = [row if i != r else row[:c] + "." + row[c + 1:] for i, row in enumerate(givens)]
            sols, _ = sudoku_solutions({**rec["check"]["params"], "givens": fewer})
            assert len(sols) == 2, f"clue ({r},{c}) of a minimal puzzle is not necessary"


@pytest.mark.parametrize("family", FAMILIES)
def test_all_levels_generate_valid_deterministic_records(family):
    fam = get_family(family)
    for level in fam.levels:
        rec = make(family, level, index=5)
        assert rec == make(family, level, index=5)
        v = verify_record(rec)
        assert v["status"] == "valid", (level, v)
        assert "\\boxed{}" in rec["prompt"]


@pytest.mark.parametrize("family", FAMILIES)
def test_cnf_and_render_model_round_trip(family):
    fam = get_family(family)()
    rec = make(family, "medium", index=2)
    nv, clauses = fam.cnf(rec)
    with Solver(name="glucose4", bootstrap_with=clauses) as s:
        assert s.solve()
        model = s.get_model()
    assert all(abs(l) <= nv for cl in clauses for l in cl)
    assert score(rec, fam.render_model(rec, model)).correct is True
    assert score(rec, fam.render_model(rec, None)).correct is False


# ---------------------------------------------------------------- checkers

def test_sudoku_checker_checks_rules_and_givens():
    rec = make("logic.sudoku", "medium", index=1)
    n = 6
    sol = [list(map(int, r)) for r in grid_of(rec["answer"])]
    givens = rec["check"]["params"]["givens"]
    assert score(rec, boxed(sol)).correct is True
    assert score(rec, "\\boxed{" + "\n".join("".join(map(str, r)) for r in sol) + "}").correct is True
    # a grid breaking a rule but keeping every given: swap two empty cells of one row (columns now repeat)
    r = next(i for i, row in enumerate(givens) if sum(ch == "." for ch in row) >= 2)
    a, b = [c for c in range(n) if givens[r][c] == "."][:2]
    bad = [row[:] for row in sol]
    bad[r][a], bad[r][b] = bad[r][b], bad[r][a]
    v = score(rec, boxed(bad))
    assert v.correct is False and ("column" in v.reason or "box" in v.reason)
    # a valid Sudoku that ignores the givens: relabel the digits
    relabel = [[n + 1 - d for d in row] for row in sol]
    v = score(rec, boxed(relabel))
    assert v.correct is False and "given" in v.reason


def test_futoshiki_checker_checks_inequalities():
    rec = make("logic.futoshiki", index=4, size=4, inequalities=6, givens=2)
    sol = [list(map(int, r)) for r in grid_of(rec["answer"])]
    assert score(rec, boxed(sol)).correct is True
    # Latin squares keeping the givens made by permuting columns: each other one must break an inequality
    import itertools
    givens = rec["check"]["params"]["givens"]
    tried, other = 0, None
    for perm in itertools.permutations(range(4)):
        cand = [[sol[r][perm[c]] for c in range(4)] for r in range(4)]
        keeps = all(ch == "." or int(ch) == cand[r][c] for r, row in enumerate(givens) for c, ch in enumerate(row))
        if keeps and cand != sol:
            v = score(rec, boxed(cand))
            assert v.correct is False and "smaller" in v.reason
            tried, other = tried + 1, cand
    # the checker reads the signs, not the answer: drop them and a differing Latin square passes
    if other is not None:
        loose = {**rec, "check": {**rec["check"], "params": {**rec["check"]["params"], "less": []}}}
        assert score(loose, boxed(other)).correct is True
    vals = [row[:] for row in sol]
    vals[0][0], vals[0][1] = vals[0][1], vals[0][0]
    assert score(rec, boxed(vals)).correct is False


def test_nqueens_checker_checks_attacks_and_placed_queens():
    rec = make("logic.nqueens", "medium", index=0)
    n = rec["check"]["params"]["n"]
    sol = grid_of(rec["answer"])
    assert score(rec, boxed(sol)).correct is True
    assert score(rec, "\\boxed{" + "\n".join("".join(r) for r in sol) + "}").correct is True
    # another solution of the empty board ignores the pre-placed queens
    from hardgen.generators.logic.nqueens import all_solutions, draw
    other = next(s for s in all_solutions(n)[0] if draw(n, dict(enumerate(s))) != rec["answer"])
    v = score(rec, "\\boxed{" + draw(n, dict(enumerate(other))) + "}")
    assert v.correct is False and "pre-placed" in v.reason
    # a queen on every row and column but attacking on a diagonal: the main diagonal
    diag = [["Q" if r == c else "." for c in range(n)] for r in range(n)]
    placed = rec["check"]["params"]["placed"]
    v = score({**rec, "check": {**rec["check"], "params": {"n": n, "placed": []}}}, boxed(diag))
    assert v.correct is False and "diagonal" in v.reason
    assert placed  # the real record has pre-placed queens


def test_independent_kakuro_solver_sees_ambiguity():
    # a 2x2 block with both rows summing to 3 and both columns to 3: 1 2 / 2 1 and 2 1 / 1 2
    params = {"size": 2, "pattern": ["__", "__"], "across": [[0, 0, 1, 3], [1, 0, 1, 3]],
              "down": [[0, 0, 1, 3], [1, 0, 1, 3]]}
    assert len(kakuro_solutions(params)) == 2


def test_kakuro_checker_checks_sums_distinctness_and_black_cells():
    rec = make("logic.kakuro", "medium", index=2)
    grid = grid_of(rec["answer"])
    assert score(rec, boxed(grid)).correct is True
    r, c = next((r, c) for r, row in enumerate(grid) for c, t in enumerate(row) if t != "#")
    wrong_sum = [row[:] for row in grid]
    wrong_sum[r][c] = str(int(grid[r][c]) % 9 + 1)
    v = score(rec, boxed(wrong_sum))
    assert v.correct is False and ("adds up" in v.reason or "repeats" in v.reason)
    rb, cb = next((r, c) for r, row in enumerate(grid) for c, t in enumerate(row) if t == "#")
    filled_black = [row[:] for row in grid]
    filled_black[rb][cb] = "5"
    v = score(rec, boxed(filled_black))
    assert v.correct is False and "black" in v.reason
    # every run with the right sum but a repeated digit: rejected for the repeat
    toy = {"check": {"kind": "logic.kakuro", "params": {
        "size": 2, "pattern": ["__", "__"], "across": [[0, 0, 1, 4], [1, 0, 1, 4]],
        "down": [[0, 0, 1, 4], [1, 0, 1, 4]]}}, "answer": None}
    v = score(toy, "\\boxed{2 2\n2 2}")
    assert v.correct is False and "repeats" in v.reason
    assert score(toy, "\\boxed{1 3\n3 1}").correct is True


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("response", [
    "", "no box here", "\\boxed{}", "\\boxed{1 2\n3 4}", "\\boxed{" + "x " * 10_000 + "}",
    "\\boxed{" * 5000, "a" * 1_000_000, "\\boxed{{{{{{}", "\\boxed{\u0661\u0662}",
])
def test_checkers_reject_malformed_text_without_crashing(family, response):
    rec = make(family, "easy", index=0)
    v = score(rec, response)
    assert v.correct is False and v.reason


@pytest.mark.parametrize("family", FAMILIES)
def test_conflicting_boxed_answers_are_wrong(family):
    rec = make(family, "easy", index=0)
    right = "\\boxed{" + rec["answer"] + "}"
    wrong_rows = rec["answer"].splitlines()
    wrong = "\\boxed{" + "\n".join(wrong_rows[1:] + wrong_rows[:1]) + "}"
    assert score(rec, right + " or " + right).correct is True
    assert score(rec, right + " or maybe " + wrong).correct is False


def test_sudoku_uniqueness_past_the_search_budget_is_invalid_with_that_reason(monkeypatch):
    import hardgen.generators.logic._sat_util as sat_util

    rec = generate_one("logic.sudoku", "hard", get_family("logic.sudoku").resolve_knobs("hard").as_dict(), 0, 0)
    assert verify_record(rec)["status"] == "valid"
    monkeypatch.setattr(sat_util, "UNIQUENESS_NODES", 5)  # far fewer nodes than any 9x9 proof needs
    v = verify_record(rec)
    assert v["status"] == "invalid" and v["checks"]["unique_solution"] is False
    assert "uniqueness not proved within budget" in v["reason"]


def test_futoshiki_uniqueness_past_the_solver_budget_is_invalid_with_that_reason(monkeypatch):
    import hardgen.generators.logic.futoshiki as futoshiki
    from hardgen.generators.sat._cnf import Budget

    rec = generate_one("logic.futoshiki", "hard", get_family("logic.futoshiki").resolve_knobs("hard").as_dict(), 0, 0)
    assert verify_record(rec)["status"] == "valid"
    monkeypatch.setattr(futoshiki, "UNIQUENESS_BUDGET", Budget(conflicts=1, seconds=10.0))
    v = verify_record(rec)
    assert v["status"] == "invalid" and v["checks"]["unique_solution"] is False
    assert "uniqueness not proved within budget" in v["reason"]


def test_kakuro_uniqueness_past_the_node_budget_is_invalid_with_that_reason(monkeypatch):
    import hardgen.generators.logic._sat_util as sat_util

    rec = generate_one("logic.kakuro", "easy", get_family("logic.kakuro").resolve_knobs("easy").as_dict(), 0, 0)
    assert verify_record(rec)["status"] == "valid"
    monkeypatch.setattr(sat_util, "UNIQUENESS_NODES", 2)
    v = verify_record(rec)
    assert v["status"] == "invalid" and "uniqueness not proved within budget" in v["reason"]
