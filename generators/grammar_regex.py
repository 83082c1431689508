"""The formal grammars' languages as regular expressions, narrowed by a condition's tags, for constrained decoding.

A generator sampled under `cnf_regex(...)` (or the other two) can only write texts that its grammar's strict
parser accepts: canonical spacing, variables/vertices in range, no variable twice in a clause or equation
(literals and terms in strictly increasing order, as the canonical texts write them), no loop edge (each edge
written low-high). The tags narrow the language to the requested size: `clauses=N` / `equations=N` / `edges=N`
means exactly N clauses, equations or edges are written (a repeated one is the same constraint, so the distinct
count can be lower), `vars=N` / `nodes=N` bounds the highest variable or vertex, `width=W` or `width=L-H` the
literals per clause, `colors=K` the colours. Semantic validity (satisfiable, a unique solution, colourable) is
not a matter of syntax and is still proved by the grammar's solver.

The expressions use a portable subset (literals, escapes, `[...]`, `(?:...)`, `|`, `?`, `{m,n}`, `*`), read
the same by Python's `re`, Rust's regex-automata (outlines-core) and vLLM's structured-output backends.

>>> import re
>>> bool(re.fullmatch(color_regex(nodes=3, colors=3, edges=2), "colors 3: 1-2, 2-3"))
True
"""

from __future__ import annotations

from typing import Callable, Sequence

from hardgen.core.errors import HardgenError

#: an expression longer than this is refused: a tag combination whose language is too wide to spell out
MAX_PATTERN_CHARS = 400_000


def _alt(items: list[str]) -> str:
    if not items:
        raise HardgenError("empty alternation in a grammar pattern")
    return items[0] if len(items) == 1 else "(?:" + "|".join(items) + ")"


def _repeat(item: str, sep: str, count: int | None) -> str:
    """`item (sep item)*` with exactly `count` items (any number >= 1 when count is None)."""
    if count is None:
        return f"{item}(?:{sep}{item})*"
    if count < 1:
        raise HardgenError(f"a grammar pattern needs at least one item, got {count}")
    return item if count == 1 else f"{item}(?:{sep}{item}){{{count - 1}}}"


def increasing(names: list[str], sep: str, lo: int, hi: int, optional_prefix: str = "") -> str:
    """Sequences of `lo`..`hi` distinct names in strictly increasing order, joined by `sep`, each name optionally
    preceded by `optional_prefix` (e.g. "!"): a regular language whose expression has one branch per increasing
    prefix (sum of C(n, l) for l < hi), so it is spelled out only for the sizes the grammars allow."""
    pre = f"{optional_prefix}?" if optional_prefix else ""
    return increasing_tracked([[(pre + name, 0)] for name in names], sep, lo, hi, lambda s, b: s, lambda s: "", 0)


def increasing_tracked(forms: list[list[tuple[str, int]]], sep: str, lo: int, hi: int,
                       step: Callable[[int, int], int], finish: Callable[[int], str | None], start: int) -> str:
    """`increasing` with a small state carried along the sequence: item j is written in one of `forms[j]`, each
    (text, bit); the state goes `step(state, bit)` from `start`, and a sequence may end only where
    `finish(state)` is not None, followed by that suffix. This is how a planted witness is enforced: "some literal
    is true" (state = OR) or "the right-hand side is the parity" (state = XOR, suffix " = parity")."""
    n = len(forms)
    if not 1 <= lo <= hi or lo > n:
        raise HardgenError(f"no increasing sequence of {lo}..{hi} of {n} names")
    hi = min(hi, n)
    memo: dict[tuple[int, int, int, int], str | None] = {}
    budget = [MAX_PATTERN_CHARS]

    def seq(i: int, need: int, room: int, state: int) -> str | None:
        # continuations over forms[i:], at least `need` (>= 1) and at most `room` (>= need) more items
        key = (i, need, room, state)
        if key in memo:
            return memo[key]
        branches = []
        for j in range(i, n - need + 1):
            for text, bit in forms[j]:
                after = step(state, bit)
                end = finish(after) if need <= 1 else None
                rest = seq(j + 1, max(need - 1, 1), room - 1, after) if room > 1 and j < n - 1 else None
                if end is None and rest is None:
                    continue
                if rest is None:
                    branches.append(text + end)
                elif end is None:
                    branches.append(f"{text}{sep}{rest}")
                elif end == "":
                    branches.append(f"{text}(?:{sep}{rest})?")
                else:
                    branches.append(f"{text}(?:{end}|{sep}{rest})")
        out = _alt(branches) if branches else None
        budget[0] -= len(out or "")
        if budget[0] < 0:
            raise HardgenError(f"the grammar pattern for {lo}..{hi} of {n} distinct names is too large to spell "
                               "out; narrow the condition's tags (fewer variables or a smaller width) or sample "
                               "without the constraint")
        memo[key] = out
        return out

    out = seq(0, lo, hi, start)
    if out is None:
        raise HardgenError(f"no sequence of {lo}..{hi} of {n} names meets the constraint")
    return out


def number_alt(lo: int, hi: int) -> str:
    """Decimal integers lo..hi (no leading zeros) as an alternation, longest first so no prefix shadows."""
    return _alt([str(v) for v in range(hi, lo - 1, -1)])


def _check(pattern: str) -> str:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise HardgenError(f"the grammar pattern is {len(pattern)} characters (at most {MAX_PATTERN_CHARS}); narrow "
                           "the condition's tags or sample without the constraint")
    return pattern


def cnf_regex(vars: int = 26, width: tuple[int, int] = (1, 3), clauses: int | None = None,
              plant: Sequence[bool] | None = None) -> str:
    """llm.cnf texts "(A | !B | C) & (B | D)" over letters A..(vars), `width` literals per clause (strictly
    increasing letters), exactly `clauses` clauses (any number when None). With `plant` (a truth value per
    variable) every clause must hold a literal that the assignment makes true, so every match is satisfiable."""
    from hardgen.generators.formal import MAX_VARS, var_name

    if not 1 <= vars <= MAX_VARS:
        raise HardgenError(f"vars must be 1..{MAX_VARS}, got {vars}")
    lo, hi = max(1, width[0]), max(1, width[1])
    letters = [var_name(i) for i in range(1, vars + 1)]
    if plant is None:
        body = increasing(letters, r" \| ", lo, hi, "!")
    else:
        if len(plant) != vars:
            raise HardgenError(f"a planted assignment needs {vars} values, got {len(plant)}")
        forms = [[(x, int(bool(v))), ("!" + x, int(not v))] for x, v in zip(letters, plant)]
        body = increasing_tracked(forms, r" \| ", lo, hi, lambda s, b: s | b, lambda s: "" if s else None, 0)
    return _check(_repeat(r"\(" + body + r"\)", " & ", clauses))


def xor_regex(vars: int = 16, width: tuple[int, int] = (1, 5), equations: int | None = None,
              plant: Sequence[int] | None = None) -> str:
    """llm.xor texts "x1 + x3 = 1; x2 = 0" over x1..x(vars), `width` terms per equation (strictly increasing
    indices), exactly `equations` equations (any number when None). With `plant` (a 0/1 value per variable)
    each right-hand side must be the parity of the planted values, so every match is consistent."""
    from hardgen.generators.formal_math import MAX_XOR_VARS, MAX_XOR_WIDTH

    if not 1 <= vars <= MAX_XOR_VARS:
        raise HardgenError(f"vars must be 1..{MAX_XOR_VARS}, got {vars}")
    lo, hi = max(1, width[0]), min(MAX_XOR_WIDTH, width[1])
    names = [f"x{i}" for i in range(1, vars + 1)]
    if plant is None:
        eq = increasing(names, r" \+ ", lo, hi) + " = [01]"
    else:
        if len(plant) != vars:
            raise HardgenError(f"a planted solution needs {vars} values, got {len(plant)}")
        eq = increasing_tracked([[(x, int(v) & 1)] for x, v in zip(names, plant)], r" \+ ", lo, hi,
                                lambda s, b: s ^ b, lambda s: f" = {s}", 0)
    return _check(_repeat(eq, "; ", equations))


def color_regex(nodes: int = 40, colors: int | None = None, edges: int | None = None,
                plant: Sequence[int] | None = None) -> str:
    """llm.color texts "colors 3: 1-2, 2-3" with vertices 1..(nodes), each edge written low-high (no loops),
    `colors` colours (2..6 when None), exactly `edges` edges (any number when None). With `plant` (a colour per
    vertex; needs `colors`) only edges between differently planted vertices are allowed, so every match has a
    proper colouring."""
    from hardgen.generators.formal_math import MAX_COLOR_NODES, MAX_COLORS

    if not 2 <= nodes <= MAX_COLOR_NODES:
        raise HardgenError(f"nodes must be 2..{MAX_COLOR_NODES}, got {nodes}")
    if colors is not None and not 2 <= colors <= MAX_COLORS:
        raise HardgenError(f"colors must be 2..{MAX_COLORS}, got {colors}")
    if plant is not None and (colors is None or len(plant) != nodes):
        raise HardgenError(f"a planted colouring needs the colour count and {nodes} colours")
    edge_items = []
    for u in range(1, nodes):
        ends = [v for v in range(nodes, u, -1) if plant is None or plant[u - 1] != plant[v - 1]]
        if ends:
            edge_items.append(f"{u}-" + _alt([str(v) for v in ends]))
    edge = _alt(edge_items)
    head = f"colors {colors}: " if colors is not None else f"colors [2-{MAX_COLORS}]: "
    return _check(head + _repeat(edge, ", ", edges))


def tag_values(tags: tuple[str, ...] | list[str]) -> dict[str, str]:
    """{"vars": "6", "width": "2-3", ...} from tags such as "vars=6" (tags without "=" are ignored)."""
    out = {}
    for t in tags:
        name, eq, value = str(t).partition("=")
        if eq:
            out[name.strip()] = value.strip()
    return out


def tag_int(values: dict[str, str], name: str, default: int | None) -> int | None:
    if name not in values:
        return default
    try:
        return int(values[name])
    except ValueError:
        raise HardgenError(f"tag {name}={values[name]!r} is not a whole number") from None


def tag_range(values: dict[str, str], name: str, default: tuple[int, int]) -> tuple[int, int]:
    """A tag "width=3" or "width=2-3" as (low, high)."""
    if name not in values:
        return default
    lo, _, hi = values[name].partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        raise HardgenError(f"tag {name}={values[name]!r} is not N or L-H") from None
    if a > b:
        raise HardgenError(f"tag {name}={values[name]!r}: low exceeds high")
    return a, b
