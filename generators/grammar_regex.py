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
    n = len(names)
    if not 1 <= lo <= hi or lo > n:
        raise HardgenError(f"no increasing sequence of {lo}..{hi} of {n} names")
    hi = min(hi, n)
    pre = f"{optional_prefix}?" if optional_prefix else ""
    memo: dict[tuple[int, int, int], str] = {}
    budget = [MAX_PATTERN_CHARS]

    def seq(i: int, need: int, room: int) -> str:
        # sequences over names[i:], at least `need` (>= 1) and at most `room` (>= need) long
        key = (i, need, room)
        if key in memo:
            return memo[key]
        branches = []
        for j in range(i, n - need + 1):
            lit = pre + names[j]
            if room == 1 or j == n - 1:
                branches.append(lit)
                continue
            rest = seq(j + 1, max(need - 1, 1), room - 1) if n - j - 1 >= max(need - 1, 1) else None
            if rest is None:
                branches.append(lit)
            elif need <= 1:
                branches.append(f"{lit}(?:{sep}{rest})?")
            else:
                branches.append(f"{lit}{sep}{rest}")
        out = _alt(branches)
        budget[0] -= len(out)
        if budget[0] < 0:
            raise HardgenError(f"the grammar pattern for {lo}..{hi} of {n} distinct names is too large to spell "
                               "out; narrow the condition's tags (fewer variables or a smaller width) or sample "
                               "without the constraint")
        memo[key] = out
        return out

    return seq(0, lo, hi)


def number_alt(lo: int, hi: int) -> str:
    """Decimal integers lo..hi (no leading zeros) as an alternation, longest first so no prefix shadows."""
    return _alt([str(v) for v in range(hi, lo - 1, -1)])


def _check(pattern: str) -> str:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise HardgenError(f"the grammar pattern is {len(pattern)} characters (at most {MAX_PATTERN_CHARS}); narrow "
                           "the condition's tags or sample without the constraint")
    return pattern


def cnf_regex(vars: int = 26, width: tuple[int, int] = (1, 3), clauses: int | None = None) -> str:
    """llm.cnf texts "(A | !B | C) & (B | D)" over letters A..(vars), `width` literals per clause (strictly
    increasing letters), exactly `clauses` clauses (any number when None)."""
    from hardgen.generators.formal import MAX_VARS, var_name

    if not 1 <= vars <= MAX_VARS:
        raise HardgenError(f"vars must be 1..{MAX_VARS}, got {vars}")
    lo, hi = width
    letters = [var_name(i) for i in range(1, vars + 1)]
    clause = r"\(" + increasing(letters, r" \| ", max(1, lo), max(1, hi), "!") + r"\)"
    return _check(_repeat(clause, " & ", clauses))


def xor_regex(vars: int = 16, width: tuple[int, int] = (1, 5), equations: int | None = None) -> str:
    """llm.xor texts "x1 + x3 = 1; x2 = 0" over x1..x(vars), `width` terms per equation (strictly increasing
    indices), exactly `equations` equations (any number when None)."""
    from hardgen.generators.formal_math import MAX_XOR_VARS, MAX_XOR_WIDTH

    if not 1 <= vars <= MAX_XOR_VARS:
        raise HardgenError(f"vars must be 1..{MAX_XOR_VARS}, got {vars}")
    lo, hi = max(1, width[0]), min(MAX_XOR_WIDTH, width[1])
    names = [f"x{i}" for i in range(1, vars + 1)]
    eq = increasing(names, r" \+ ", lo, hi) + " = [01]"
    return _check(_repeat(eq, "; ", equations))


def color_regex(nodes: int = 40, colors: int | None = None, edges: int | None = None) -> str:
    """llm.color texts "colors 3: 1-2, 2-3" with vertices 1..(nodes), each edge written low-high (no loops),
    `colors` colours (2..6 when None), exactly `edges` edges (any number when None)."""
    from hardgen.generators.formal_math import MAX_COLOR_NODES, MAX_COLORS

    if not 2 <= nodes <= MAX_COLOR_NODES:
        raise HardgenError(f"nodes must be 2..{MAX_COLOR_NODES}, got {nodes}")
    if colors is not None and not 2 <= colors <= MAX_COLORS:
        raise HardgenError(f"colors must be 2..{MAX_COLORS}, got {colors}")
    edge = _alt([f"{u}-{number_alt(u + 1, nodes)}" for u in range(1, nodes)])
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
