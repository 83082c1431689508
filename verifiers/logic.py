"""Checkers of the logic.* families (Sudoku, Futoshiki, N-queens, Kakuro, colouring, knights and knaves, nonogram,
zebra): answer text -> structure, and the puzzle's rules checked over the record's `check["params"]`.

The final answer comes from `verifiers.answer` (one reader for every family); a checker accepts any complete,
exact, unambiguous encoding of a solution and nothing partial: a grid as rows of cells (space-, comma- or
`&`-separated, `|` between boxes, or one run of characters per row; rows on lines (rule lines such as
`------+------` skipped), `\\\\`-separated or `;`-separated, or the rows as
runs on one line, `1243, 4312, 3124, 2431`), as JSON rows `[[1,2],[3,4]]`, or as a LaTeX array/matrix; colourings
as `1:2`, `vertex 1: colour 2` or `1 \\to 2`; knights and knaves as `Kate: knave`, `Kate - knave`,
`Kate (knave)`, `Kate is a knave` or in groups (`Knights: Kate, Ann; Knaves: Bob`). N-queens answers are boards: a list of queen coordinates is not read, because (row, column)
and (column, row), 0- and 1-based, are all in use and a transposed solution is itself a valid board of other
queens, so no reading is unambiguous. Generators import these (the rules are shared with their rederive
routes); nothing here imports a generator.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from hardgen.verifiers.answer import decode_final
from hardgen.verifiers.base import Verdict, register_check

#: final answers longer than this are rejected before parsing (a checker must stay fast on hostile input)
MAX_ANSWER_CHARS = 20_000
BOXES = {4: (2, 2), 6: (2, 3), 9: (3, 3)}
Cell = tuple[int, int]
#: a knights-and-knaves statement: a JSON-able tree such as ["and", ["knight", 0], ["knave", 2]]
Formula = list
#: `Kate: knave`, `Kate = knave`, `Kate is a knave`, `Kate - knave`, `Kate -> knave`, `Kate \\to knave`
_ITEM = re.compile(r"^\s*([A-Za-z]+)\s*(?::|=|\bis\s+an?\b|\bis\b|->|→|\\to\b|\\rightarrow\b|[-–—])\s*"
                   r"(?:an?\s+)?(knight|knave)s?\s*\.?\s*$", re.IGNORECASE)
#: `3:2`, `v3 = 2`, `vertex 3: colour 2`, `3 -> 2`, `3 \\to 2`, `vertex 3 is colour 2`
_PAIR = re.compile(r"^\s*(?:v(?:ertex)?\s*)?(\d{1,4})\s*(?:[:=]|->|→|\\to\b|\\mapsto\b|\\rightarrow\b|\bis\b|\bhas\b)"
                   r"\s*(?:colou?r\s*)?(\d{1,3})\s*$", re.IGNORECASE)
_HOUSE = re.compile(r"^\s*(?:house\s*)?(\d{1,2})\s*[:=]\s*(.*)$", re.IGNORECASE | re.DOTALL)


# ---------------------------------------------------------------- answer text

_TEXT_COMMANDS = ("\\text{", "\\mathrm{", "\\textbf{", "\\texttt{")


def strip_latex_text(s: str) -> str:
    """Unwrap `\\text{...}` / `\\mathrm{...}` a model may put inside a box, and turn `\\,` / `~` into spaces.

    One linear pass with a brace stack, so hostile nesting cannot make it quadratic.
    """
    if not any(c in s for c in _TEXT_COMMANDS):  # nothing to unwrap: the pass below would copy every character
        return s.replace("\\,", " ").replace("~", " ").replace("\\ ", " ")
    out: list[str] = []
    stack: list[bool] = []  # True: this brace group was opened by a text command and is unwrapped
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\":
            cmd = next((c for c in _TEXT_COMMANDS if s.startswith(c, i)), None)
            if cmd is not None:
                stack.append(True)
                i += len(cmd)
                continue
        if ch == "{":
            stack.append(False)
        elif ch == "}" and stack:
            if stack.pop():
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out).replace("\\,", " ").replace("~", " ").replace("\\ ", " ")


_ENV = re.compile(r"\\(?:begin|end)\s*\{[a-zA-Z*]+\}(?:\s*\{[lcr|\s]*\})?|\\hline|\\(?:left|right)\s*[\[\]()|.]?")


def grid_rows(body: str) -> list[list[str]] | None:
    """The rows of cells an answer writes, in any encoding the module docstring lists; None when unreadable."""
    s = strip_latex_text(body.replace("\\\\", "\n")).strip()
    if s.startswith("[") and s.endswith("]") and "\\" not in s:
        try:
            rows = json.loads(s)
        except ValueError:
            rows = None
        if isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows):
            if all(isinstance(x, (int, str)) and not isinstance(x, bool) for r in rows for x in r):
                return [[str(x).strip() for x in r] for r in rows]
            return None
    s = _ENV.sub(" ", s).replace("$", "")
    out = []
    for line in _ROW_SPLIT.split(s):
        line = line.strip().strip(",").strip()
        if _RULE_LINE.fullmatch(line):  # `------+-------+------` between a Sudoku's bands draws, it holds no cells
            continue
        if line.startswith(("[", "(")) and line.endswith(("]", ")")):
            line = line[1:-1]
        if not line:
            continue
        toks = [t for t in _CELL_SPLIT.split(line) if t]
        if len(toks) == 1:
            toks = list(toks[0])
        out.append(toks)
    return out


_ROW_SPLIT = re.compile(r"\n|\\\\|;")
#: cells are separated by spaces, commas, `&` or the `|` drawn between a Sudoku's boxes
_CELL_SPLIT = re.compile(r"[\s,&|]+")
_RULE_LINE = re.compile(r"[-=_+|\s]*[-=_]{3}[-=_+|\s]*")  # `- - -` may be a row of empty cells; `---` is a rule


def parse_grid(body: str, rows: int, cols: int) -> tuple[list[list[str]] | None, str]:
    """An answer as `rows` rows of `cols` cells (see `grid_rows` for the encodings), or (None, reason).

    A row without separators is split into characters (so "1234" and "1 2 3 4" read the same).
    """
    grid = grid_rows(body)
    if grid is None:
        return None, "unreadable grid"
    if len(grid) == 1 and rows > 1 and cols > 1:
        # `1243, 4312, 3124, 2431`: the rows as runs of cells on one line, comma- or space-separated; complete and
        # unambiguous when there are exactly `rows` runs of exactly `cols` cells each
        if len(grid[0]) == rows and all(len(t) == cols for t in grid[0]):
            grid = [list(t) for t in grid[0]]
    if len(grid) != rows:
        return None, f"expected {rows} rows, got {len(grid)}"
    for i, toks in enumerate(grid):
        if len(toks) != cols:
            return None, f"row {i + 1} has {len(toks)} cells, expected {cols}"
    return grid, ""


def parse_digit_grid(body: str, n: int, lo: int = 1, hi: int | None = None) -> tuple[list[list[int]] | None, str]:
    """An n x n grid of single digits in lo..hi (hi defaults to n), or (None, reason)."""
    hi = n if hi is None else hi
    cells, why = parse_grid(body, n, n)
    if cells is None:
        return None, why
    out = []
    for r, row in enumerate(cells):
        vals = []
        for c, tok in enumerate(row):
            if len(tok) != 1 or not ("0" <= tok <= "9") or not lo <= int(tok) <= hi:
                return None, f"cell ({r + 1},{c + 1}) is {tok[:20]!r}, expected a digit {lo}..{hi}"
            vals.append(int(tok))
        out.append(vals)
    return out, ""


def first_latin_violation(grid: Sequence[Sequence[int]], n: int) -> str | None:
    """The first row or column of an n x n grid that is not a permutation of 1..n, described; None if all are."""
    full = set(range(1, n + 1))
    for r in range(n):
        if set(grid[r]) != full:
            return f"row {r + 1} does not hold each of 1..{n} once"
    for c in range(n):
        if {grid[r][c] for r in range(n)} != full:
            return f"column {c + 1} does not hold each of 1..{n} once"
    return None


def givens_grid(params: dict) -> list[list[int]]:
    """The givens of a digit puzzle (`params["givens"]`: one string per row, '.' for an empty cell)."""
    n = int(params["size"])
    return [[0 if ch == "." else int(ch) for ch in params["givens"][r]] for r in range(n)]


def read_digit_answer(response: str, params: dict, noun: str = "digit") -> tuple[list[list[int]] | None, str]:
    """The final n×n grid of a response, checked for shape and for keeping every given; (None, reason) if not."""
    n = int(params["size"])
    grid, why = decode_final(response, lambda t: parse_digit_grid(t, n), MAX_ANSWER_CHARS)
    if grid is None:
        return None, why
    for r, row in enumerate(givens_grid(params)):
        for c, d in enumerate(row):
            if d and grid[r][c] != d:
                return None, f"cell ({r + 1},{c + 1}) is {grid[r][c]}, but the given {noun} is {d}"
    return grid, ""


def units(n: int, box: tuple[int, int] | None = None) -> list[list[tuple[int, int]]]:
    """Rows, columns and boxes (`box` = rows, cols of a box; the standard shape for n when omitted) of an n x n
    Sudoku, each a list of cells."""
    br, bc = box or BOXES[n]
    out = [[(r, c) for c in range(n)] for r in range(n)]
    out += [[(r, c) for r in range(n)] for c in range(n)]
    for r0 in range(0, n, br):
        for c0 in range(0, n, bc):
            out.append([(r0 + i, c0 + j) for i in range(br) for j in range(bc)])
    return out


def rule_violation(grid: list[list[int]], n: int, box: tuple[int, int] | None = None) -> str | None:
    """The first row, column or box of a filled grid that does not hold each digit once; None when all do."""
    full = set(range(1, n + 1))
    for i, u in enumerate(units(n, box)):
        if {grid[r][c] for r, c in u} != full:
            kind = ("row", "column", "box")[min(i // n, 2)]
            return f"{kind} {i % n + 1} does not hold each of 1..{n} once"
    return None


# ---------------------------------------------------------------- the grid checkers

@register_check("logic.sudoku")
def check_sudoku(response: str, check: dict, answer: str | None) -> Verdict:
    """Accept a completed grid that obeys the Sudoku rules and keeps every given digit."""
    p = check["params"]
    n = int(p["size"])
    grid, why = read_digit_answer(response, p, "digit")
    if grid is None:
        return Verdict(False, why)
    bad = rule_violation(grid, n, tuple(p["box"]) if p.get("box") else None)
    if bad:
        return Verdict(False, bad)
    return Verdict(True, "grid obeys the rules and the givens")


@register_check("logic.futoshiki")
def check_futoshiki(response: str, check: dict, answer: str | None) -> Verdict:
    """Accept a completed grid that is a Latin square, keeps the givens and satisfies every inequality."""
    p = check["params"]
    n = int(p["size"])
    grid, why = read_digit_answer(response, p, "number")
    if grid is None:
        return Verdict(False, why)
    bad = first_latin_violation(grid, n)
    if bad:
        return Verdict(False, bad)
    for r1, c1, r2, c2 in p["less"]:
        if not grid[r1][c1] < grid[r2][c2]:
            return Verdict(False, f"cell ({r1 + 1},{c1 + 1}) must be smaller than cell ({r2 + 1},{c2 + 1})")
    return Verdict(True, "grid obeys the rules, the givens and the inequalities")


def _queen_row(q: tuple[int, int]) -> int:
    return q[0]


def _queen_col(q: tuple[int, int]) -> int:
    return q[1]


def _queen_sum(q: tuple[int, int]) -> int:
    return q[0] + q[1]


def _queen_diff(q: tuple[int, int]) -> int:
    return q[0] - q[1]


@register_check("logic.nqueens")
def check_nqueens(response: str, check: dict, answer: str | None) -> Verdict:
    """Accept a board with n non-attacking queens that keeps every pre-placed queen."""
    n = int(check["params"]["n"])
    cells, why = decode_final(response, lambda t: parse_grid(t, n, n), MAX_ANSWER_CHARS)
    if cells is None:
        return Verdict(False, why)
    queens = []
    for r, row in enumerate(cells):
        for c, tok in enumerate(row):
            if tok not in ("Q", "."):
                return Verdict(False, f"square ({r + 1},{c + 1}) is {tok[:20]!r}, expected 'Q' or '.'")
            if tok == "Q":
                queens.append((r, c))
    if len(queens) != n:
        return Verdict(False, f"{len(queens)} queens on the board, expected {n}")
    for r, c in check["params"]["placed"]:
        if cells[r][c] != "Q":
            return Verdict(False, f"the pre-placed queen at ({r + 1},{c + 1}) is missing")
    if all(len({key(q) for q in queens}) == n for key in (_queen_row, _queen_col, _queen_sum, _queen_diff)):
        return Verdict(True, f"{n} non-attacking queens including the pre-placed ones")
    for kind, key in (("row", _queen_row), ("column", _queen_col), ("diagonal", _queen_sum), ("diagonal", _queen_diff)):
        seen: dict[int, tuple[int, int]] = {}
        for q in queens:
            if key(q) in seen:
                a = seen[key(q)]
                return Verdict(False, f"queens at ({a[0] + 1},{a[1] + 1}) and ({q[0] + 1},{q[1] + 1}) share a {kind}")
            seen[key(q)] = q
    return Verdict(True, f"{n} non-attacking queens including the pre-placed ones")


def _puzzle(p: dict) -> tuple[list[list[bool]], list[list[Cell]], list[int]]:
    """(white cells, runs as cell lists across then down, sums) from check params."""
    white = [[ch == "_" for ch in row] for row in p["pattern"]]
    runs = [[(r, c) for c in range(a, b + 1)] for r, a, b, _ in p["across"]]
    runs += [[(r, c) for r in range(a, b + 1)] for c, a, b, _ in p["down"]]
    sums = [s for *_, s in p["across"]] + [s for *_, s in p["down"]]
    return white, runs, sums


@register_check("logic.kakuro")
def check_kakuro(response: str, check: dict, answer: str | None) -> Verdict:
    """Accept a grid that keeps the black cells and fills every run with distinct digits of the right sum."""
    p = check["params"]
    n = int(p["size"])
    cells, why = decode_final(response, lambda t: parse_grid(t, n, n), MAX_ANSWER_CHARS)
    if cells is None:
        return Verdict(False, why)
    white, runs, sums = _puzzle(p)
    grid: dict[Cell, int] = {}
    for r in range(n):
        for c in range(n):
            tok = cells[r][c]
            if not white[r][c]:
                if tok != "#":
                    return Verdict(False, f"cell ({r + 1},{c + 1}) is black and must be '#', got {tok[:20]!r}")
            elif len(tok) != 1 or not "1" <= tok <= "9":
                return Verdict(False, f"cell ({r + 1},{c + 1}) must hold a digit 1-9, got {tok[:20]!r}")
            else:
                grid[(r, c)] = int(tok)
    for run, total in zip(runs, sums):
        vals = [grid[cell] for cell in run]
        where = f"run starting at ({run[0][0] + 1},{run[0][1] + 1})"
        if len(set(vals)) != len(vals):
            return Verdict(False, f"{where} repeats a digit")
        if sum(vals) != total:
            return Verdict(False, f"{where} adds up to {sum(vals)}, not {total}")
    return Verdict(True, "every run holds distinct digits with the right sum")


# ---------------------------------------------------------------- graph colouring

def parse_colouring(text: str, n: int, k: int) -> tuple[list[int] | None, str]:
    """`1:2, 2:1, ...` -> colour per vertex; (None, reason) on any malformed, missing or repeated entry."""
    items = [s for s in re.split(r"[,;\n]", strip_latex_text(text)) if s.strip()]
    if len(items) != n:
        return None, f"expected {n} vertex:colour pairs, got {len(items)}"
    colour = [0] * n
    for it in items:
        m = _PAIR.match(it)
        if not m:
            return None, f"malformed entry {it.strip()[:40]!r}"
        v, c = int(m.group(1)), int(m.group(2))
        if not 1 <= v <= n:
            return None, f"no vertex {v}"
        if colour[v - 1]:
            return None, f"vertex {v} coloured twice"
        if not 1 <= c <= k:
            return None, f"colour {c} not in 1..{k}"
        colour[v - 1] = c
    return colour, ""


@register_check("logic.coloring")
def check_coloring(response: str, check: dict, answer: str | None) -> Verdict:
    """Correct iff the final colouring lists every vertex once, uses colours 1..k, keeps the givens, and no edge
    joins two vertices of the same colour."""
    p = check["params"]
    colour, why = decode_final(response, lambda t: parse_colouring(t, p["nodes"], p["colors"]), MAX_ANSWER_CHARS)
    if colour is None:
        return Verdict(False, why)
    for v, c in p["givens"]:
        if colour[v - 1] != c:
            return Verdict(False, f"vertex {v} is pre-coloured {c}, response gives {colour[v - 1]}")
    for u, v in p["edges"]:
        if colour[u - 1] == colour[v - 1]:
            return Verdict(False, f"edge {u}-{v} joins two vertices of colour {colour[u - 1]}")
    return Verdict(True, "proper colouring respecting the givens")


# ---------------------------------------------------------------- knights and knaves

def evaluate(f: Formula, knight: tuple[bool, ...] | list[bool]) -> bool:
    """Truth of a statement under an assignment (True = knight)."""
    op = f[0]
    if op == "knight":
        return knight[f[1]]
    if op == "knave":
        return not knight[f[1]]
    if op == "same":
        return knight[f[1]] == knight[f[2]]
    if op == "different":
        return knight[f[1]] != knight[f[2]]
    if op == "count":
        _, rel, m, kind, who = f
        c = sum(1 for i in who if knight[i] == (kind == "knight"))
        return c >= m if rel == "at_least" else c <= m if rel == "at_most" else c == m
    if op == "not":
        return not evaluate(f[1], knight)
    a, b = evaluate(f[1], knight), evaluate(f[2], knight)
    if op == "and":
        return a and b
    if op == "or":
        return a or b
    if op == "implies":
        return (not a) or b
    if op == "iff":
        return a == b
    raise ValueError(f"unknown connective {op!r}")


_ITEM_PAREN = re.compile(r"^\s*([A-Za-z]+)\s*\(\s*(knight|knave)s?\s*\)\s*\.?\s*$", re.IGNORECASE)
#: `Knights: Alice, Carol` -- a kind, then the names of that kind, up to the next kind (or the end)
_GROUP = re.compile(r"\b(?:the\s+)?(knights?|knaves?)\s*(?::|=|\bare\b|\bis\b)\s*", re.IGNORECASE)


def _grouped_kinds(text: str) -> str | None:
    """`Knights: Alice, Carol. Knaves: Bob` -> `Alice: knight, Carol: knight, Bob: knave`; None when the text is
    not written as groups (anything before the first group, or a group without names, is not this form)."""
    marks = list(_GROUP.finditer(text))
    if not marks or text[:marks[0].start()].strip(" \n*"):
        return None
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        kind = "knight" if m.group(1).lower().startswith("knight") else "knave"
        body = re.sub(r"\b(?:none|nobody|no one)\b", "", text[m.end():end], flags=re.IGNORECASE)
        members = [w for w in re.split(r"[,;\n.]|\band\b|\s+", body) if w.strip(" *")]
        if not members and not re.search(r"\b(?:none|nobody|no one)\b", text[m.end():end], re.IGNORECASE):
            return None
        out += [f"{w.strip(' *')}: {kind}" for w in members]
    return ", ".join(out)


def parse_assignment(text: str, names: list[str]) -> tuple[list[bool] | None, str]:
    """`Alice: knight, Bob: knave` (or `Alice is a knight and Bob is a knave.`) -> [True, False]; (None, reason)
    unless every person appears exactly once. Groups (`Knights: Alice, Carol; Knaves: Bob`) and `Alice (knight)`
    read the same way."""
    text = strip_latex_text(text)
    grouped = _grouped_kinds(text)
    if grouped is not None:
        text = grouped
    items = [s for s in re.split(r"[,;\n]|\band\b|(?<=[a-z])\.\s", text) if s.strip(" .")]
    if len(items) != len(names):
        return None, f"expected {len(names)} name: role entries, got {len(items)}"
    index = {nm.lower(): i for i, nm in enumerate(names)}
    out: list[bool | None] = [None] * len(names)
    for it in items:
        m = _ITEM.match(it) or _ITEM_PAREN.match(it)
        if not m:
            return None, f"malformed entry {it.strip()[:40]!r}"
        i = index.get(m.group(1).lower())
        if i is None:
            return None, f"unknown person {m.group(1)[:20]!r}"
        if out[i] is not None:
            return None, f"{names[i]} listed twice"
        out[i] = m.group(2).lower() == "knight"
    return [bool(x) for x in out], ""


@register_check("logic.knights_knaves")
def check_knights_knaves(response: str, check: dict, answer: str | None) -> Verdict:
    """Correct iff the final assignment names every inhabitant once and makes each statement true exactly when
    its speaker is a knight (the puzzle has one such assignment)."""
    p = check["params"]
    knight, why = decode_final(response, lambda t: parse_assignment(t, p["names"]), MAX_ANSWER_CHARS)
    if knight is None:
        return Verdict(False, why)
    for s, f in enumerate(p["statements"]):
        if evaluate(f, knight) != knight[s]:
            role = "knight" if knight[s] else "knave"
            return Verdict(False, f"{p['names'][s]} as a {role} cannot make that statement")
    return Verdict(True, "consistent with every statement")


# ---------------------------------------------------------------- nonogram

def runs(line: list[int] | tuple[int, ...] | str) -> list[int]:
    """Run lengths of filled cells (1 or '#'); an empty line has no runs."""
    out, cur = [], 0
    for x in line:
        if x == 1 or x == "#":
            cur += 1
        elif cur:
            out.append(cur)
            cur = 0
    if cur:
        out.append(cur)
    return out


def parse_nonogram(text: str, R: int, C: int) -> tuple[list[str] | None, str]:
    """Rows of '#' and '.' (or 1 and 0) -> list of row strings, or (None, reason).

    Rows are separated by line breaks, `\\\\` or '/' (cells within a row may then be spaced or comma-separated),
    or, on a single line without those, by spaces; JSON rows `[[1,0],[0,1]]` are read too.
    """
    t = strip_latex_text(text.replace("\\\\", "\n")).strip()
    if t.startswith("[") and t.endswith("]"):
        grid = grid_rows(t)
        rows = ["".join(r) for r in grid] if grid else []
    elif re.search(r"[\n/]", t):
        rows = [re.sub(r"[\s,&]+", "", r) for r in re.split(r"[\n/]", t)]
        rows = [r for r in rows if r]
    else:
        rows = [r for r in re.split(r"\s+", t) if r]
    if rows and all(set(r) <= {"0", "1"} for r in rows):
        rows = [r.replace("1", "#").replace("0", ".") for r in rows]
    if len(rows) != R:
        return None, f"expected {R} rows, got {len(rows)}"
    for i, row in enumerate(rows):
        if len(row) != C or set(row) - {"#", "."}:
            return None, f"row {i + 1} must be {C} characters of '#' and '.'"
    return rows, ""


@register_check("logic.nonogram")
def check_nonogram(response: str, check: dict, answer: str | None) -> Verdict:
    """Correct iff the final grid has the right shape and every row and column shows its clue."""
    p = check["params"]
    R, C = len(p["rows"]), len(p["cols"])
    rows, why = decode_final(response, lambda t: parse_nonogram(t, R, C), MAX_ANSWER_CHARS)
    if rows is None:
        return Verdict(False, why)
    for r in range(R):
        if runs(rows[r]) != list(p["rows"][r]):
            return Verdict(False, f"row {r + 1} shows {runs(rows[r]) or [0]}, clue is {p['rows'][r] or [0]}")
    for c in range(C):
        col = [rows[r][c] for r in range(R)]
        if runs(col) != list(p["cols"][c]):
            return Verdict(False, f"column {c + 1} shows {runs(col) or [0]}, clue is {p['cols'][c] or [0]}")
    return Verdict(True, "every row and column clue holds")


# ---------------------------------------------------------------- zebra

def holds(clue: list, house_of: dict[tuple[str, str], int]) -> bool:
    """Truth of a clue given each item's house (1-based)."""
    t = clue[0]
    ha = house_of[tuple(clue[1])]
    if t == "at":
        return ha == clue[2]
    if t == "not_at":
        return ha != clue[2]
    hb = house_of[tuple(clue[2])]
    return {"same": ha == hb, "not_same": ha != hb, "next_to": abs(ha - hb) == 1, "directly_left": hb == ha + 1,
            "directly_right": ha == hb + 1, "left_of": ha < hb, "right_of": ha > hb}[t]


def parse_houses(text: str, n: int, categories: list) -> tuple[dict | None, str]:
    """`1: Alice, red, dog; 2: ...` -> {(category, value): house}; (None, reason) unless every house appears once
    with one value of each category, in the stated order, each value used once."""
    entries = [e for e in re.split(r"[;\n]", strip_latex_text(text)) if e.strip()]
    if len(entries) != n:
        return None, f"expected {n} house entries, got {len(entries)}"
    lookup = [{val.lower(): val for val in vals} for _, vals in categories]
    house_of: dict[tuple[str, str], int] = {}
    seen_houses: set[int] = set()
    for e in entries:
        mt = _HOUSE.match(e)
        if not mt:
            return None, f"malformed house entry {e.strip()[:40]!r}"
        h = int(mt.group(1))
        if not 1 <= h <= n or h in seen_houses:
            return None, f"house {h} is out of range or repeated"
        seen_houses.add(h)
        vals = [v.strip().lower() for v in mt.group(2).split(",")]
        if len(vals) != len(categories):
            return None, f"house {h}: expected {len(categories)} values, got {len(vals)}"
        for c, v in enumerate(vals):
            if v not in lookup[c]:
                return None, f"house {h}: {v[:20]!r} is not a {categories[c][0]}"
            key = (categories[c][0], lookup[c][v])
            if key in house_of:
                return None, f"{key[1]} appears in two houses"
            house_of[key] = h
    return house_of, ""


@register_check("logic.zebra")
def check_zebra(response: str, check: dict, answer: str | None) -> Verdict:
    """Grid questions: correct iff the final grid uses each value once and satisfies every clue. Name questions:
    correct iff the final name equals the proved unique answer."""
    p = check["params"]
    if "ask" in p:
        if answer is None:
            return Verdict(None, "record has no reference name")
        got, why = decode_final(response, lambda t: (" ".join(strip_latex_text(t).split()).strip(" ."), ""),
                                MAX_ANSWER_CHARS)
        if got is None:
            return Verdict(False, why)
        names = {v.lower() for v in p["categories"][0][1]}
        if got.lower() not in names:
            return Verdict(False, f"{got[:20]!r} is not one of the names")
        return Verdict(got.lower() == answer.lower(), "name matches" if got.lower() == answer.lower()
                       else f"expected {answer}, got {got}")
    house_of, why = decode_final(response, lambda t: parse_houses(t, p["houses"], p["categories"]), MAX_ANSWER_CHARS)
    if house_of is None:
        return Verdict(False, why)
    for i, cl in enumerate(p["clues"]):
        if not holds(cl, house_of):
            return Verdict(False, f"clue {i + 1} {cl} is violated")
    return Verdict(True, "every clue holds")
