"""logic.knights_knaves: islanders who always tell the truth (knights) or always lie (knaves); one consistent
assignment, proved by SAT and re-derived by enumerating every assignment."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

from hardgen.generators.base import Candidate, Family, Knobs, Reject, SatEncodable, knob, register
from hardgen.generators.budget import Budget, Deadline, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic._sat_util import VarCounter, prove_unique
from hardgen.verifiers.logic import Formula, evaluate

KIND = "logic.knights_knaves"
NAMES = ("Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Hank", "Iris", "Jack", "Kate", "Leo",
         "Mona", "Nick", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tina", "Uma", "Vic", "Wendy", "Xander")
#: rounds of statement replacement before a sample is rejected as not converging to a unique answer
MAX_ROUNDS = 60

# A statement is a JSON-able tree:
#   ["knight", i] / ["knave", i]                 person i is a knight / a knave
#   ["same", i, j] / ["different", i, j]         i and j are of the same / different kinds
#   ["count", op, m, kind, [i, ...]]             op in at_least/at_most/exactly, kind in knight/knave
#   ["not", f], ["and", f, g], ["or", f, g], ["implies", f, g], ["iff", f, g]


@dataclass(frozen=True)
class KnightsKnavesKnobs(Knobs):
    people: int = knob(3, lo=2, hi=12, help="number of islanders (one statement each)")
    depth: int = knob(1, lo=1, hi=4, help="nesting depth of the statements' connectives (1 = no connective)")
    counting: bool = knob(True, help="allow counting statements ('exactly two of us are knaves')")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()


# ---------------------------------------------------------------- semantics (the brute-force route)


def consistent(statements: list[Formula], knight: tuple[bool, ...] | list[bool]) -> bool:
    """Every speaker's statement is true exactly when the speaker is a knight."""
    return all(evaluate(f, knight) == knight[s] for s, f in enumerate(statements))


def brute_force_solutions(n: int, statements: list[Formula], limit: int = 2) -> list[tuple[bool, ...]]:
    out = []
    for bits in itertools.product((True, False), repeat=n):
        if consistent(statements, bits):
            out.append(bits)
            if len(out) >= limit:
                break
    return out


# ---------------------------------------------------------------- CNF (Tseitin with constant folding)

Lit = Any  # an int literal, or a Python bool for a constant


class _Tseitin:
    def __init__(self, n: int) -> None:
        self.vars = VarCounter(n)
        self.clauses: list[list[int]] = []

    def and_(self, a: Lit, b: Lit) -> Lit:
        if a is False or b is False:
            return False
        if a is True:
            return b
        if b is True:
            return a
        t = self.vars.new()
        self.clauses += [[-t, a], [-t, b], [t, -a, -b]]
        return t

    def or_(self, a: Lit, b: Lit) -> Lit:
        return self.not_(self.and_(self.not_(a), self.not_(b)))

    @staticmethod
    def not_(a: Lit) -> Lit:
        return (not a) if isinstance(a, bool) else -a

    def iff(self, a: Lit, b: Lit) -> Lit:
        if isinstance(a, bool):
            return b if a else self.not_(b)
        if isinstance(b, bool):
            return a if b else self.not_(a)
        t = self.vars.new()
        self.clauses += [[-t, -a, b], [-t, a, -b], [t, a, b], [t, -a, -b]]
        return t

    def at_least(self, lits: list[Lit], m: int) -> Lit:
        # r[c] = "at least c of the literals seen so far are true", defined in both directions
        r: list[Lit] = [True] + [False] * len(lits)
        for x in lits:
            r = [True] + [self.or_(r[c], self.and_(r[c - 1], x)) for c in range(1, len(lits) + 1)]
        return True if m <= 0 else False if m > len(lits) else r[m]

    def encode(self, f: Formula) -> Lit:
        op = f[0]
        if op == "knight":
            return f[1] + 1
        if op == "knave":
            return -(f[1] + 1)
        if op == "same":
            return self.iff(f[1] + 1, f[2] + 1)
        if op == "different":
            return self.not_(self.iff(f[1] + 1, f[2] + 1))
        if op == "count":
            _, rel, m, kind, who = f
            lits = [(i + 1) if kind == "knight" else -(i + 1) for i in who]
            if rel == "at_least":
                return self.at_least(lits, m)
            if rel == "at_most":
                return self.not_(self.at_least(lits, m + 1))
            return self.and_(self.at_least(lits, m), self.not_(self.at_least(lits, m + 1)))
        if op == "not":
            return self.not_(self.encode(f[1]))
        a, b = self.encode(f[1]), self.encode(f[2])
        if op == "and":
            return self.and_(a, b)
        if op == "or":
            return self.or_(a, b)
        if op == "implies":
            return self.or_(self.not_(a), b)
        if op == "iff":
            return self.iff(a, b)
        raise ValueError(f"unknown connective {op!r}")


def knights_cnf(n: int, statements: list[Formula]) -> tuple[int, list[list[int]]]:
    """CNF whose variable i+1 is 'person i is a knight'; each speaker is a knight iff the statement holds."""
    ts = _Tseitin(n)
    for s, f in enumerate(statements):
        lit = ts.encode(f)
        if isinstance(lit, bool):
            ts.clauses.append([s + 1] if lit else [-(s + 1)])
        else:
            ts.clauses += [[-(s + 1), lit], [s + 1, -lit]]
    return ts.vars.top, ts.clauses


# ---------------------------------------------------------------- random statements and English

def _leaf(n: int, speaker: int, rng: random.Random, counting: bool) -> Formula:
    r = rng.random()
    if n >= 2 and r < 0.25:
        i, j = rng.sample(range(n), 2)
        return [rng.choice(("same", "different")), i, j]
    if counting and n >= 3 and r < 0.45:
        who = list(range(n)) if rng.random() < 0.5 else sorted(rng.sample(range(n), rng.randint(2, n)))
        rel = rng.choice(("at_least", "at_most", "exactly"))
        m = rng.randint(1, len(who) - 1)
        return ["count", rel, m, rng.choice(("knight", "knave")), who]
    # people other than the speaker are more informative subjects
    i = rng.randrange(n) if rng.random() < 0.3 else rng.choice([p for p in range(n) if p != speaker] or [speaker])
    return [rng.choice(("knight", "knave")), i]


def random_statement(n: int, speaker: int, depth: int, rng: random.Random, counting: bool) -> Formula:
    if depth <= 1:
        return _leaf(n, speaker, rng, counting)
    op = rng.choice(("and", "or", "implies", "iff", "not", "or", "and", "implies"))
    if op == "not":
        return ["not", random_statement(n, speaker, depth - 1, rng, counting)]
    a = random_statement(n, speaker, depth - 1, rng, counting)
    b = random_statement(n, speaker, rng.randint(1, depth - 1), rng, counting)
    return [op, a, b] if rng.random() < 0.5 else [op, b, a]


_NUM = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _group(who: list[int], n: int, names: list[str], speaker: int) -> str:
    if len(who) == n:
        return "us"
    parts = ["me" if i == speaker else names[i] for i in who]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def render(f: Formula, names: list[str], speaker: int, nested: bool = False) -> str:
    """English for a statement as its speaker says it; nested compound parts go in parentheses."""
    op = f[0]
    if op in ("knight", "knave"):
        return (f"I am a {op}" if f[1] == speaker else f"{names[f[1]]} is a {op}")
    if op in ("same", "different"):
        a, b = f[1], f[2]
        if b == speaker:
            a, b = b, a
        pair = f"{names[b]} and I" if a == speaker else f"{names[a]} and {names[b]}"
        txt = f"{pair} are {'of the same kind' if op == 'same' else 'of different kinds'}"
        return f"({txt})" if nested else txt
    if op == "count":
        _, rel, m, kind, who = f
        quant = {"at_least": "at least", "at_most": "at most", "exactly": "exactly"}[rel]
        verb = "is a" if m == 1 else "are"
        noun = kind if m == 1 else kind + "s"
        txt = f"{quant} {_NUM[m]} of {_group(who, len(names), names, speaker)} {verb} {noun}"
        return f"({txt})" if nested else txt
    if op == "not":
        txt = f"it is not true that {render(f[1], names, speaker, True)}"
        return f"({txt})" if nested else txt
    a, b = render(f[1], names, speaker, True), render(f[2], names, speaker, True)
    txt = {"and": f"{a} and {b}", "or": f"{a} or {b}", "implies": f"if {a} then {b}",
           "iff": f"{a} if and only if {b}"}[op]
    return f"({txt})" if nested else txt


def _format(names: list[str], knight: list[bool] | tuple[bool, ...]) -> str:
    return ", ".join(f"{nm}: {'knight' if k else 'knave'}" for nm, k in zip(names, knight))


@register
class KnightsKnaves(Family, SatEncodable):
    name = KIND
    version = "2"  # 2: proofs budgeted on MiniSat instead of CaDiCaL; budget knobs in source.knobs
    Knobs = KnightsKnavesKnobs
    levels = {
        "easy": {"people": 3, "depth": 1},
        "medium": {"people": 4, "depth": 2},
        "hard": {"people": 6, "depth": 2},
        "extreme": {"people": 8, "depth": 3},
    }
    description = "Knights always tell the truth, knaves always lie: decide who is which from their statements."
    verification = ("A random assignment is drawn and each islander gets a random statement whose truth matches "
                    "their kind; statements are replaced until a SAT solver (MiniSat, Tseitin encoding) proves no "
                    "other assignment is consistent. `gen verify` enumerates all 2^n assignments by direct "
                    "evaluation and requires exactly one, equal to the answer; the checker evaluates every "
                    "statement under the response's assignment.")

    def generate(self, k: KnightsKnavesKnobs, rng: random.Random) -> Candidate:
        n = k.people
        names = rng.sample(NAMES, n)
        knight = [rng.random() < 0.5 for _ in range(n)]

        def statement_for(s: int) -> Formula:
            for _ in range(30):
                f = random_statement(n, s, k.depth, rng, k.counting)
                if evaluate(f, knight) == knight[s]:
                    return f
            raise Reject("no statement with the right truth value")

        statements = [statement_for(s) for s in range(n)]
        target = [(i + 1) if knight[i] else -(i + 1) for i in range(n)]
        deadline = Deadline(Budget.proof_of(k))
        for _ in range(MAX_ROUNDS):
            nv, clauses = knights_cnf(n, statements)
            unique, alt, eff = prove_unique(nv, clauses, target, budget=deadline)
            if unique:
                break
            other = [lit > 0 for lit in alt[:n]]
            # replace one statement with one the counterexample cannot satisfy
            s = rng.randrange(n)
            for _ in range(10):
                f = statement_for(s)
                if evaluate(f, other) != other[s]:
                    statements[s] = f
                    break
        else:
            raise Reject("statements did not converge to a unique assignment")
        lines = "\n".join(f"- {names[s]} says: \"{render(f, names, s)[0].upper()}{render(f, names, s)[1:]}.\""
                          for s, f in enumerate(statements))
        example = ", ".join(f"{nm}: {'knight' if i % 2 == 0 else 'knave'}" for i, nm in enumerate(names[:2]))
        prompt = (f"On an island every inhabitant is either a knight, who always tells the truth, or a knave, "
                  f"who always lies. You meet {n} inhabitants: {', '.join(names)}.\n{lines}\n\n"
                  "Exactly one assignment of kinds is consistent with these statements. Give every inhabitant's "
                  "kind inside \\boxed{} as name: kind pairs separated by commas, each person once, e.g. "
                  f"\\boxed{{{example}, ...}}.")
        check = {"kind": KIND, "params": {"names": names, "statements": statements}}
        return Candidate(prompt, _format(names, knight), check,
                         {"people": n, "depth": k.depth, "knights": sum(knight), **eff})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        sols = brute_force_solutions(len(p["names"]), p["statements"])
        return {"unique_solution": len(sols) == 1,
                "rederived": len(sols) == 1 and _format(p["names"], sols[0]) == record["answer"]}

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        return knights_cnf(len(p["names"]), p["statements"])

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "No assignment is consistent with the statements."
        names = record["check"]["params"]["names"]
        true = {lit for lit in model if lit > 0}
        return f"The answer is \\boxed{{{_format(names, [(i + 1) in true for i in range(len(names))])}}}."


