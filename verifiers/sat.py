"""Strict SAT answer checking (check kind `sat`): the boxed assignment must name every variable exactly once and
make every clause true; "unsatisfiable" is right only for a proven-unsatisfiable instance."""

from __future__ import annotations

import re

from hardgen.verifiers.base import Verdict, register_check

UNSAT_WORDS = frozenset({"unsatisfiable", "unsat"})
_BOXED = re.compile(r"\\boxed\s*\{")
_WRAPPER = re.compile(r"\\(?:text|mathrm|texttt|textbf|mathtt)\s*\{([^{}]*)\}")
_INT = re.compile(r"[+-]?\d{1,12}")


def boxed_contents(text: str) -> list[str]:
    """The contents of every complete `\\boxed{...}` in `text`, in order, braces balanced; linear time.

    >>> boxed_contents(r"first \\boxed{1 0} then \\boxed{{a}b}")
    ['1 0', '{a}b']
    """
    opens = [m.end() - 1 for m in _BOXED.finditer(text)]
    if not opens:
        return []
    # one pass pairs every brace with its partner, so nested or many boxes cost no rescans
    close_of: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            close_of[stack.pop()] = i
    return [text[o + 1:close_of[o]] for o in opens if o in close_of]


def _normalise(box: str) -> str:
    s = box
    for _ in range(3):  # \text{\textbf{...}} nests a little at most
        s = _WRAPPER.sub(r"\1", s)
    return s.replace("$", "").strip()


def parse_assignment(text: str, num_vars: int, fmt: str) -> tuple[list[bool] | None, str]:
    """Decode an assignment in `bits` or `dimacs` format; returns (values, "") or (None, why it is not one)."""
    if len(text) > 24 * num_vars + 64:
        return None, f"answer is {len(text)} characters, too long for {num_vars} variables"
    if fmt == "bits":
        bits = re.sub(r"\s+", "", text)
        bad = sorted(set(bits) - {"0", "1"})
        if bad:
            return None, f"malformed bit string: character(s) {''.join(bad)[:10]!r} are not 0 or 1"
        if len(bits) < num_vars:
            return None, f"missing values: {len(bits)} bits given for {num_vars} variables"
        if len(bits) > num_vars:
            return None, f"extra values: {len(bits)} bits given for {num_vars} variables"
        return [b == "1" for b in bits], ""
    if fmt == "dimacs":
        tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
        if tokens and tokens[-1] == "0":  # DIMACS model lines end in 0
            tokens = tokens[:-1]
        values: list[bool | None] = [None] * num_vars
        for tok in tokens:
            if not _INT.fullmatch(tok):
                return None, f"malformed literal {tok[:20]!r}: expected a signed variable number"
            lit = int(tok)
            if lit == 0:
                return None, "malformed assignment: 0 inside the list of literals"
            v = abs(lit)
            if v > num_vars:
                return None, f"extra variable {v}: the formula has {num_vars} variables"
            if values[v - 1] is not None:
                if values[v - 1] == (lit > 0):
                    return None, f"variable {v} is given more than once"
                return None, f"contradictory assignment: variable {v} is given both true and false"
            values[v - 1] = lit > 0
        missing = [i + 1 for i, x in enumerate(values) if x is None]
        if missing:
            head = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
            return None, f"missing variables: {len(missing)} not assigned ({head})"
        return [bool(x) for x in values], ""
    return None, f"unknown answer format {fmt!r} in the record"


def first_false_clause(clauses: list[list[int]], values: list[bool]) -> int | None:
    """Index of the first clause `values` makes false, or None when all are true."""
    for i, cl in enumerate(clauses):
        if not any((lit > 0) == values[abs(lit) - 1] for lit in cl):
            return i
    return None


@register_check("sat")
def score_sat(response: str, check: dict, answer: str | None) -> Verdict:
    """Score a response to a `sat` record.

    The last `\\boxed{}` is the answer (several boxes that disagree are wrong). An assignment is decoded strictly
    in the record's format and checked clause by clause; `unsatisfiable` is correct only when the instance is
    proven unsatisfiable. For unique instances any satisfying assignment is the unique one, so no comparison with
    `answer` is needed.
    """
    p = check.get("params", check)
    n = int(p["num_vars"])
    clauses = p["clauses"]
    status = p.get("status")
    boxes = [_normalise(b) for b in boxed_contents(response)]
    if not boxes:
        return Verdict(False, "no \\boxed{} answer")
    fmt = p.get("format", "bits")
    # boxes conflict when they mean different things ("101" and "1 0 1" agree), so decode each one
    meanings = set()
    for b in boxes[-64:]:
        if b.lower().rstrip(".") in UNSAT_WORDS:
            meanings.add("unsat")
        else:
            vals, _ = parse_assignment(b, n, fmt)
            meanings.add(tuple(vals) if vals is not None else re.sub(r"\s+", " ", b).strip())
    if len(meanings) > 1:
        return Verdict(False, f"{len(meanings)} conflicting \\boxed{{}} answers")
    got = boxes[-1]
    if got.lower().rstrip(".") in UNSAT_WORDS:
        if status == "unsat":
            return Verdict(True, "instance is proven unsatisfiable")
        if status == "sat":
            return Verdict(False, "answered unsatisfiable, but the instance is satisfiable")
        return Verdict(None, "the instance's satisfiability is not known")
    values, why = parse_assignment(got, n, fmt)
    if values is None:
        return Verdict(False, why)
    bad = first_false_clause(clauses, values)
    if bad is not None:
        return Verdict(False, f"clause {bad + 1} {clauses[bad]} is false under the assignment")
    if status == "unsat":
        # a clause-by-clause check outranks the stored label: the record is wrong, the response is right
        return Verdict(True, "satisfies every clause (the record's 'unsat' label is wrong)")
    return Verdict(True, "satisfies every clause")
