"""Strict SAT answer checking (check kind `sat`): the final assignment must give every variable exactly once and
make every clause true; "unsatisfiable" is right only for a proven-unsatisfiable instance.

The final answer comes from `verifiers.answer`. Accepted encodings, whatever the record's `format` (each is
complete and unambiguous, so no reading of one can mean another assignment):
  bits            `101`, `1 0 1`, `1,0,1`, `[1, 0, 1]` (one value per variable, in order);
  literals        `1 -2 3`, DIMACS `v 1 -2 3 0` lines, `x1 ¬x2 x3`, `x_1, \\neg x_2, x_3`;
  name = value    `x1=1, x2=0, x3=1`, `x_1 = T`, and for rows whose params say `names: "letters"`
                  (Saturn's A, B, ..., Z, AA, ...) `A=1, B=0, C=1`.
Anything partial (a variable missing), repeated, contradictory or with extra variables is wrong.
"""

from __future__ import annotations

import re

from hardgen.verifiers.answer import decode_final
from hardgen.verifiers.base import Verdict, register_check

UNSAT_WORDS = frozenset({"unsatisfiable", "unsat"})
_WRAPPER = re.compile(r"\\(?:text|mathrm|texttt|textbf|mathtt|mathbf)\s*\{([^{}]*)\}")
_INT = re.compile(r"[+-]?\d{1,12}")
_NEG = re.compile(r"\\neg\s*|\\lnot\s*|¬|!|~")
_XVAR = re.compile(r"(?<![A-Za-z])[xX]_?\{?(\d{1,12})\}?")
_VLINE = re.compile(r"(?m)^\s*v\s+")
_NAMED = re.compile(r"^\s*([A-Za-z]{1,6}|[xX]_?\{?\d{1,12}\}?)\s*(?:=|:|\\to|->|is)\s*"
                    r"(1|0|true|false|t|f|\\top|\\bot|⊤|⊥)\s*$", re.I)
_TRUE = frozenset({"1", "true", "t", "\\top", "⊤"})


def _normalise(box: str) -> str:
    s = box
    for _ in range(3):  # \text{\textbf{...}} nests a little at most
        s = _WRAPPER.sub(r"\1", s)
    s = s.replace("$", "").replace("\\{", "").replace("\\}", "")
    for sp in ("\\,", "\\;", "\\ ", "\\quad"):
        s = s.replace(sp, " ")
    return s.strip()


def letter_index(name: str) -> int:
    """Saturn's letter names: A..Z are 1..26, then AA = 27, AB = 28, ... (spreadsheet columns)."""
    i = 0
    for ch in name.upper():
        i = i * 26 + ord(ch) - ord("A") + 1
    return i


def _assign(pairs: list[tuple[int, bool]], num_vars: int) -> tuple[list[bool] | None, str]:
    values: list[bool | None] = [None] * num_vars
    for v, val in pairs:
        if v < 1 or v > num_vars:
            return None, f"extra variable {v}: the formula has {num_vars} variables"
        if values[v - 1] is not None:
            if values[v - 1] == val:
                return None, f"variable {v} is given more than once"
            return None, f"contradictory assignment: variable {v} is given both true and false"
        values[v - 1] = val
    missing = [i + 1 for i, x in enumerate(values) if x is None]
    if missing:
        head = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        return None, f"missing variables: {len(missing)} not assigned ({head})"
    return [bool(x) for x in values], ""


_NAME = r"(?:[A-Za-z]{1,6}|[xX]_?\{?\d{1,12}\}?)"
#: `(x_1, x_2, x_3) = (1, 0, 1)`: names and values as two tuples of the same length
_TUPLES = re.compile(rf"^\(\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*\)\s*=\s*\(([^()]*)\)$")
#: one `NAME = value` entry, where entries are separated by spaces only (`x1=1 x2=0 x3=1`)
_ENTRY = re.compile(rf"{_NAME}\s*(?:=|:|\\to|->)\s*(?:1|0|true|false|t|f|\\top|\\bot|⊤|⊥)(?![A-Za-z0-9])", re.I)


def _named(text: str, num_vars: int, letters: bool) -> tuple[list[bool] | None, str]:
    m = _TUPLES.match(text)
    if m:
        names = [x.strip() for x in m.group(1).split(",")]
        vals = [x.strip() for x in m.group(2).split(",")]
        if len(names) != len(vals):
            return None, f"{len(names)} names but {len(vals)} values"
        text = ", ".join(f"{a}={b}" for a, b in zip(names, vals))
    items = [it for it in re.split(r"[,;\n]|\\land|\\wedge|∧|\band\b", text) if it.strip()]
    if len(items) == 1 and len(_ENTRY.findall(items[0])) > 1 and not _ENTRY.sub("", items[0]).strip():
        items = _ENTRY.findall(items[0])  # `x1=1 x2=0 x3=1`: entries separated by spaces
    pairs = []
    for it in items:
        m = _NAMED.match(it)
        if not m:
            return None, f"malformed entry {it.strip()[:30]!r}: expected NAME = 0/1"
        name = m.group(1)
        xm = _XVAR.fullmatch(name)
        if xm:
            v = int(xm.group(1))
        elif letters:
            v = letter_index(name)
        else:
            return None, f"unknown variable name {name[:20]!r}: expected x1..x{num_vars}"
        pairs.append((v, m.group(2).lower() in _TRUE))
    return _assign(pairs, num_vars)


def _literals(text: str, num_vars: int) -> tuple[list[bool] | None, str]:
    s = _XVAR.sub(r"\1", _NEG.sub("-", _VLINE.sub(" ", text)))
    tokens = [t for t in re.split(r"[\s,]+", s.strip().strip("[]()").strip()) if t]
    if tokens and tokens[-1] == "0":  # DIMACS model lines end in 0
        tokens = tokens[:-1]
    pairs = []
    for tok in tokens:
        tok = re.sub(r"^-\s*", "-", tok)
        if not _INT.fullmatch(tok):
            return None, f"malformed literal {tok[:20]!r}: expected a signed variable number"
        lit = int(tok)
        if lit == 0:
            return None, "malformed assignment: 0 inside the list of literals"
        pairs.append((abs(lit), lit > 0))
    return _assign(pairs, num_vars)


_TRUTH_WORD = {"true": "1", "false": "0"}


def _bits(text: str, num_vars: int) -> tuple[list[bool] | None, str]:
    words = [w for w in re.split(r"[\s,\[\]()]+", text) if w]
    if words and all(w.lower() in _TRUTH_WORD for w in words):  # `True, False, True`: one word per variable
        text = "".join(_TRUTH_WORD[w.lower()] for w in words)
    bits = re.sub(r"[\s,\[\]()]+", "", text)
    bad = sorted(set(bits) - {"0", "1"})
    if bad:
        return None, f"malformed bit string: character(s) {''.join(bad)[:10]!r} are not 0 or 1"
    if len(bits) < num_vars:
        return None, f"missing values: {len(bits)} bits given for {num_vars} variables"
    if len(bits) > num_vars:
        return None, f"extra values: {len(bits)} bits given for {num_vars} variables"
    return [b == "1" for b in bits], ""


def parse_assignment(text: str, num_vars: int, fmt: str, letters: bool = False) -> tuple[list[bool] | None, str]:
    """Decode an assignment in any encoding of the module docstring; (values, "") or (None, why it is not one).

    `fmt` ("bits" or "dimacs") is the record's requested format: it decides which reading's complaint is
    reported when no reading works. `letters` allows Saturn's letter names (A, B, ..., AA, ...).
    """
    if fmt not in ("bits", "dimacs"):
        return None, f"unknown answer format {fmt!r} in the record"
    if len(text) > 24 * num_vars + 64:
        return None, f"answer is {len(text)} characters, too long for {num_vars} variables"
    text = _normalise(text).rstrip(".").strip()
    if not text:
        return None, "empty answer"
    if re.search(r"[=:]|->|\\to|\bis\b", text):
        return _named(text, num_vars, letters)
    bits_only = not re.sub(r"[\s,\[\]()01]", "", re.sub(r"(?i)\b(?:true|false)\b", "", text))
    if bits_only:
        vals, why = _bits(text, num_vars)
        if vals is not None or fmt == "bits":
            return vals, why
    vals, why = _literals(text, num_vars)
    if vals is None and fmt == "bits":
        return _bits(text, num_vars)
    return vals, why


def first_false_clause(clauses: list[list[int]], values: list[bool]) -> int | None:
    """Index of the first clause `values` makes false, or None when all are true."""
    for i, cl in enumerate(clauses):
        if not any((lit > 0) == values[abs(lit) - 1] for lit in cl):
            return i
    return None


@register_check("sat")
def score_sat(response: str, check: dict, answer: str | None) -> Verdict:
    """Score a response to a `sat` record.

    Every final answer (`verifiers.answer`) must decode to the same assignment (`101` and `1 0 1` agree; answers
    that disagree are wrong). An assignment is checked clause by clause; `unsatisfiable` is correct only when the
    instance is proven unsatisfiable. For unique instances any satisfying assignment is the unique one, so no
    comparison with `answer` is needed.
    """
    p = check.get("params", check)
    n = int(p["num_vars"])
    clauses = p["clauses"]
    status = p.get("status")
    fmt = p.get("format", "bits")
    letters = p.get("names") == "letters"

    def decode(text: str):
        t = _normalise(text)
        if t.lower().rstrip(".") in UNSAT_WORDS:
            return "unsat", ""
        vals, why = parse_assignment(t, n, fmt, letters)
        return (tuple(vals) if vals is not None else None), why

    got, why = decode_final(response, decode, 24 * n + 4096)
    if got is None:
        return Verdict(False, why)
    if got == "unsat":
        if status == "unsat":
            return Verdict(True, "instance is proven unsatisfiable")
        if status == "sat":
            return Verdict(False, "answered unsatisfiable, but the instance is satisfiable")
        return Verdict(None, "the instance's satisfiability is not known")
    values = list(got)
    bad = first_false_clause(clauses, values)
    if bad is not None:
        return Verdict(False, f"clause {bad + 1} {clauses[bad]} is false under the assignment")
    if status == "unsat":
        # a clause-by-clause check outranks the stored label: the record is wrong, the response is right
        return Verdict(True, "satisfies every clause (the record's 'unsat' label is wrong)")
    return Verdict(True, "satisfies every clause")
