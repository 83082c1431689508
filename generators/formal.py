"""llm.cnf: the fixed formal grammar the trained LLM generator writes (CNF formulas such as "(A | !B | C) & (B | D)"),
its strict parser, its exact solver, and a programmatic writer of the same text (seed data and baseline).

Grammar (whitespace around tokens is free; nothing else is allowed):

    formula := clause ( "&" clause )*
    clause  := "(" literal ( "|" literal )* ")"
    literal := "!"? VAR          VAR := one capital letter A..Z

A formula written by a model is *valid* when it parses, no clause names a variable twice (no tautologies or
doubled literals), and it is satisfiable; satisfiability is proved by CaDiCaL and the model it returns is checked
clause by clause. A clause may repeat an earlier one: AND is idempotent, so the problem is unchanged (as in
DIMACS). The variables are A up to the highest letter used (unused ones are free).
Any satisfying assignment is a correct answer, so records carry `answer = None` and check kind `sat`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (CHECK_BACKEND, Clause, CnfFamily, effort_features, render_values,
                                         sat_check, satisfies, solve, uniform_clause)

#: the family every record written in this grammar carries (template or LLM written)
FORMAL_FAMILY = "llm.cnf"
MAX_VARS = 26
#: formulas longer than this are refused before parsing (a model that never stops must not cost a solver call)
MAX_FORMULA_CHARS = 20_000

_TOKEN = re.compile(r"\s*(?:(\()|(\))|(\|)|(&)|(!?)([A-Z]))")


class FormulaError(HardgenError):
    """A text that is not a well-formed formula of the grammar; the message says where and why."""


def var_name(i: int) -> str:
    """Variable i (1-based) -> its letter."""
    return chr(ord("A") + i - 1)


def literal_text(lit: int) -> str:
    return var_name(lit) if lit > 0 else "!" + var_name(-lit)


def render_formula(clauses: list[Clause]) -> str:
    """The grammar's canonical text of a clause list: "(A | !B | C) & (B | D)"."""
    return " & ".join("(" + " | ".join(literal_text(x) for x in cl) + ")" for cl in clauses)


def parse_formula(text: str) -> tuple[int, list[Clause]]:
    """Parse formula text strictly; returns (num_vars = index of the highest letter used, clauses).

    Raises `FormulaError` for anything outside the grammar or a clause naming a variable twice. Linear time;
    refuses texts over `MAX_FORMULA_CHARS`.

    >>> parse_formula("(A | !B) & (C)")
    (3, [[1, -2], [3]])
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"formula is {len(text)} characters; at most {MAX_FORMULA_CHARS} are allowed")
    s = text.strip()
    if not s:
        raise FormulaError("empty formula")
    clauses: list[Clause] = []
    pos, n = 0, len(s)
    # states: "clause" expects "(", "lit" expects a literal, "after_lit" expects "|" or ")", "after_clause"
    # expects "&" or the end
    state = "clause"
    current: Clause = []
    while pos < n:
        m = _TOKEN.match(s, pos)
        if m is None:
            raise FormulaError(f"unexpected character {s[pos:pos + 1]!r} at position {pos}")
        lpar, rpar, bar_, amp, neg, var = m.groups()
        at = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        pos = m.end()
        if state == "clause":
            if not lpar:
                raise FormulaError(f"expected '(' to open a clause at position {at}")
            current, state = [], "lit"
        elif state == "lit":
            if not var:
                raise FormulaError(f"expected a literal (a letter A-Z, optionally preceded by '!') at position {at}")
            v = ord(var) - ord("A") + 1
            if any(abs(x) == v for x in current):
                raise FormulaError(f"clause {len(clauses) + 1} names variable {var} twice")
            current.append(-v if neg else v)
            state = "after_lit"
        elif state == "after_lit":
            if bar_:
                state = "lit"
            elif rpar:
                clauses.append(current)
                state = "after_clause"
            else:
                raise FormulaError(f"expected '|' or ')' at position {at}")
        else:  # after_clause
            if not amp:
                raise FormulaError(f"expected '&' between clauses at position {at}")
            state = "clause"
    if state != "after_clause":
        raise FormulaError("formula ends inside a clause" if state != "clause" else "formula ends after '&'")
    num_vars = max(abs(x) for cl in clauses for x in cl)
    return num_vars, clauses


def canonical_order(clauses: list[Clause]) -> list[Clause]:
    """Literals by variable, clauses in lexicographic order of (variable, negated) pairs: the order the generator
    is trained on, so a repeated clause could only sit right after its twin (a local mistake a model can avoid)."""
    lits = [sorted(cl, key=lambda x: (abs(x), x < 0)) for cl in clauses]
    return sorted(lits, key=lambda cl: [(abs(x), x < 0) for x in cl])


def formula_key(clauses: list[Clause]) -> tuple[tuple[int, ...], ...]:
    """Order-free identity of a formula: its sorted clauses with sorted literals (same key = same problem)."""
    return tuple(sorted(tuple(sorted(cl)) for cl in clauses))


@dataclass(frozen=True)
class FormalSolution:
    """The exact verdict on one written formula: valid or not, why, and the proved witness assignment."""

    valid: bool
    reason: str
    num_vars: int = 0
    clauses: tuple[tuple[int, ...], ...] = ()
    witness: tuple[bool, ...] | None = None
    effort: dict | None = None


def solve_formula(text: str) -> FormalSolution:
    """Parse and solve a written formula exactly; validity = parses + satisfiable (witness checked clause by
    clause). Never raises for bad text: the reason says what is wrong."""
    try:
        n, clauses = parse_formula(text)
    except FormulaError as e:
        return FormalSolution(False, f"does not parse: {e}")
    res = solve(n, clauses)
    frozen = tuple(tuple(c) for c in clauses)
    if not res.sat:
        return FormalSolution(False, "unsatisfiable (proved by CaDiCaL)", n, frozen, None, res.effort)
    assert res.values is not None
    if not satisfies(clauses, res.values):  # a solver bug must never label a row
        return FormalSolution(False, "solver model fails a clause", n, frozen, None, res.effort)
    return FormalSolution(True, "parses; satisfiable (model checked clause by clause)", n, frozen,
                          tuple(res.values), res.effort)


def solver_prompt(num_vars: int, clauses: list[Clause]) -> str:
    """What a solver is shown for a formula of the grammar, with the answer format."""
    last = var_name(num_vars)
    order = ", ".join(var_name(i) for i in range(1, min(num_vars, 3) + 1)) + (f", ..., {last}" if num_vars > 3 else "")
    ex = "".join("1" if i % 3 != 1 else "0" for i in range(num_vars))
    return ("Find an assignment of the Boolean variables that makes the formula true. Each clause is in "
            "parentheses with its literals joined by \"|\" (OR); clauses are joined by \"&\" (AND); \"!\" is NOT.\n\n"
            f"Formula: {render_formula(clauses)}\n\n"
            f"Give the truth values of the {num_vars} variables {order} as a string of exactly {num_vars} "
            f"characters 0/1 in that order (1 = true, 0 = false), inside \\boxed{{}}, e.g. \\boxed{{{ex}}}. "
            "If several assignments work, give any one of them.")


_PROMPT_FORMULA = re.compile(r"^Formula: (.*)$", re.M)


def formula_from_prompt(prompt: str) -> str | None:
    """The formula line of a `solver_prompt` (None when the prompt has none)."""
    m = _PROMPT_FORMULA.search(prompt)
    return m.group(1) if m else None


def formal_candidate(sol: FormalSolution, difficulty: dict | None = None) -> Candidate:
    """The record parts (prompt, answer None, `sat` check, features) of a valid solved formula."""
    if not sol.valid or sol.witness is None:
        raise HardgenError(f"only a valid formula becomes a problem ({sol.reason})")
    clauses = [list(c) for c in sol.clauses]
    # the prompt names the variables A, B, C, ...: the checker then also reads `A=1, B=0, ...`
    check = sat_check(sol.num_vars, clauses, "sat", "bits", False, witness=render_values(list(sol.witness), "bits"),
                      names="letters")
    feats = {"n_vars": sol.num_vars, "n_clauses": len(clauses),
             "ratio": round(len(clauses) / sol.num_vars, 4), "effort": {"cadical153": sol.effort or {}},
             "status": "sat", **(difficulty or {})}
    return Candidate(solver_prompt(sol.num_vars, clauses), None, check, feats)


@dataclass(frozen=True)
class FormalKnobs(Knobs):
    vars: int = knob(6, lo=1, hi=MAX_VARS, help="variables A.. (the formula uses letters up to this one)")
    width: int = knob(3, lo=1, hi=MAX_VARS, help="literals per clause (the most, when min_width is set)")
    min_width: int = knob(0, lo=0, hi=MAX_VARS, help="fewest literals per clause; widths are drawn uniformly "
                                                    "between min_width and width (0: every clause has width)")
    min_clauses: int = knob(6, lo=1, hi=2000, help="fewest clauses")
    max_clauses: int = knob(20, lo=1, hi=2000, help="most clauses (drawn uniformly between the two)")

    def check(self) -> None:
        if self.width > self.vars:
            raise HardgenError(f"knob width ({self.width}) must not exceed vars ({self.vars})")
        if self.min_width > self.width:
            raise HardgenError(f"knob min_width ({self.min_width}) exceeds width ({self.width})")
        if self.min_clauses > self.max_clauses:
            raise HardgenError(f"knob min_clauses ({self.min_clauses}) exceeds max_clauses ({self.max_clauses})")


@register
class FormalCnf(CnfFamily):
    """Uniform random k-CNF written in the generator's grammar; unsatisfiable draws are redrawn."""

    name = FORMAL_FAMILY
    # 2: effort measured by Glucose within a budget (the SAT families' solver)
    version = "3"  # 3: check params name the variables' letters (`names: "letters"`) for the checker
    Knobs = FormalKnobs
    levels = {
        "easy": {"min_clauses": 6, "max_clauses": 10},
        "medium": {"min_clauses": 10, "max_clauses": 15},
        "hard": {"min_clauses": 15, "max_clauses": 20},
    }
    description = ("CNF formulas in the fixed grammar the trained LLM generator writes: \"(A | !B | C) & ...\" "
                   "over letters A..Z; any satisfying assignment (a 0/1 string) is correct. Rows written by a "
                   "trained generator (`gen generate llm`) carry this family too; this template draws uniform "
                   "random clauses (seed data for training the generator, and its baseline).")
    verification = ("The formula is parsed from text by a strict grammar and solved by CaDiCaL; unsatisfiable "
                    "formulas are not problems. `gen verify` re-parses the formula from the prompt and compares it "
                    "with the stored clauses, re-solves with Glucose, and checks the stored witness clause by clause.")

    def generate(self, kn: FormalKnobs, rng: random.Random) -> Candidate:
        count = rng.randint(kn.min_clauses, kn.max_clauses)
        clauses: list[Clause] = []
        seen: set[tuple[int, ...]] = set()
        tries = 0
        while len(clauses) < count:
            tries += 1
            if tries > 50 * count + 1000:
                raise Reject("could not draw enough distinct clauses")
            width = rng.randint(kn.min_width, kn.width) if kn.min_width else kn.width
            cl = sorted(uniform_clause(kn.vars, width, rng), key=abs)
            if tuple(sorted(cl)) not in seen:
                seen.add(tuple(sorted(cl)))
                clauses.append(cl)
        sol = solve_formula(render_formula(canonical_order(clauses)))
        if not sol.valid:
            raise Reject(sol.reason)
        cand = formal_candidate(sol)
        # effort of a second backend too, as the sat.* families record it
        clauses = [list(c) for c in sol.clauses]
        cand.difficulty.update(effort_features(sol.num_vars, clauses, solve(sol.num_vars, clauses)))
        return cand

    def rederive(self, record: dict) -> dict[str, bool | None]:
        checks = super().rederive(record)
        p = record["check"]["params"]
        n, clauses = self.cnf(record)
        text = formula_from_prompt(record.get("prompt", ""))
        try:
            pn, pclauses = parse_formula(text or "")
            checks["prompt_formula_matches"] = pn == n and formula_key(pclauses) == formula_key(clauses)
        except FormulaError:
            checks["prompt_formula_matches"] = False
        if p.get("witness") is not None:
            w = p["witness"]
            checks["witness_satisfies"] = len(w) == n and satisfies(clauses, [c == "1" for c in w])
        res = solve(n, clauses, CHECK_BACKEND)
        checks["satisfiable"] = res.sat
        return checks


class FormulaIndex:
    """Near-duplicate index over formulas by clause-set Jaccard similarity (exact, via an inverted index).

    Two formulas sharing at least `threshold` of their clauses (|A ∩ B| / |A ∪ B|, clauses as literal sets) are
    near-duplicates; the same clause set in another order is an exact duplicate (similarity 1).

    >>> idx = FormulaIndex(0.8)
    >>> idx.add("t0", [[1, 2], [-1, 3], [2, 3], [1, -2], [3]])
    >>> idx.query([[2, 1], [3, -1], [3, 2], [-2, 1], [3]])
    ('t0', 1.0)
    """

    def __init__(self, threshold: float = 0.8):
        if not 0 < threshold <= 1:
            raise HardgenError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.keys: list[str] = []
        self.sizes: list[int] = []
        self.by_clause: dict[tuple[int, ...], list[int]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, clauses: list[Clause] | tuple) -> None:
        j = len(self.keys)
        cs = set(formula_key([list(c) for c in clauses]))
        self.keys.append(key)
        self.sizes.append(len(cs))
        for c in sorted(cs):
            self.by_clause.setdefault(c, []).append(j)

    def similarity(self, clauses: list[Clause] | tuple) -> tuple[str, float] | None:
        """The most similar indexed formula and its Jaccard similarity (None when none shares a clause)."""
        cs = set(formula_key([list(c) for c in clauses]))
        shared: dict[int, int] = {}
        for c in cs:
            for j in self.by_clause.get(c, ()):
                shared[j] = shared.get(j, 0) + 1
        best = None
        for j, k in sorted(shared.items()):
            sim = k / (len(cs) + self.sizes[j] - k)
            if best is None or sim > best[1]:
                best = (self.keys[j], sim)
        return best

    def query(self, clauses: list[Clause] | tuple) -> tuple[str, float] | None:
        """(key, similarity) of the most similar indexed formula at or above the threshold, else None."""
        hit = self.similarity(clauses)
        return hit if hit is not None and hit[1] >= self.threshold else None
