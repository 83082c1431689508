"""Responses to hardgen's own family rows: correct answers in the encodings models use, and near-miss wrong ones.

Labels come from the problem, not from any hardgen checker: SAT assignments are evaluated clause by clause here,
paths and orders are walked over the row's own graph, and grid, Zebra, colouring and knights-and-knaves puzzles
state that their solution is unique, so the reference is the only right answer and any changed cell is wrong.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import sympy

from math_items import frac_tex, rounded

#: (family, level or None, knobs)
FAMILIES = [("sat.planted", "easy", {}), ("sat.saturn", "easy", {}), ("sat.ksat", "easy", {}), ("llm.cnf", None, {}),
            ("logic.sudoku", None, {}), ("logic.sudoku", None, {"size": 4, "clues": 8}), ("logic.futoshiki", None, {}),
            ("logic.knights_knaves", None, {}), ("logic.nqueens", None, {}), ("logic.coloring", None, {}),
            ("logic.zebra", None, {}), ("graph.shortest_path", "easy", {}), ("graph.topo_order", None, {}),
            ("graph.hamiltonian", None, {}), ("math.linear_system", None, {}),
            ("math.linear_system", None, {"n_vars": 3}),
            ("math.recurrence", None, {}), ("math.arithmetic", None, {}), ("math.probability", None, {}),
            ("math.geometry", None, {}), ("math.integral", None, {}), ("math.modular", None, {}),
            ("graph.max_flow", None, {}), ("math.polynomial_roots", None, {})]


def generate_rows(family: str, level: str | None, knobs: dict, n: int, seed: int) -> list[dict]:
    """Rows exactly as a user gets them from `gen generate`."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["gen", "generate", family, "-n", str(n), "--seed", str(seed), "-o", tmp + "/out"]
        if level:
            cmd += ["--level", level]
        for k, v in knobs.items():
            cmd += ["--knob", f"{k}={v}"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr[-500:]}")
        shards = sorted(Path(tmp, "out", "shards").glob("*.jsonl"))
        rows = [json.loads(x) for p in shards for x in p.read_text().splitlines()]
    return [{k: r[k] for k in ("id", "family", "prompt", "answer", "check")} for r in rows]


# ---- SAT -------------------------------------------------------------------------------------------------------

def sat_value(clauses: list[list[int]], assign: dict[int, bool]) -> bool:
    return all(any(assign[abs(lit)] == (lit > 0) for lit in c) for c in clauses)


def _letter(i: int) -> str:
    """Variable names for letter-named formulas: A..Z, then AA, AB, ..."""
    i -= 1
    if i < 26:
        return chr(65 + i)
    return chr(65 + i // 26 - 1) + chr(65 + i % 26)


def sat_encodings(bits: str, letters: bool) -> list[tuple[str, str | None]]:
    lits = [str(i + 1) if b == "1" else f"-{i + 1}" for i, b in enumerate(bits)]
    name = (lambda i: _letter(i + 1)) if letters else (lambda i: f"x{i + 1}")
    out = [(bits, None), (",".join(bits), None), (" ".join(bits), None), ("v " + " ".join(lits) + " 0", None),
           (" ".join(lits), "signed_literals"), (", ".join(f"{name(i)}={b}" for i, b in enumerate(bits)), None),
           (", ".join(f"{name(i)}: {'True' if b == '1' else 'False'}" for i, b in enumerate(bits)), None)]
    if not letters:
        out.append((", ".join(f"x_{{{i + 1}}} = {b}" for i, b in enumerate(bits)), None))
    return out


def sat_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    """(answer text, label, policy, format name)."""
    p = rec["check"]["params"]
    clauses, n = p["clauses"], p["num_vars"]
    letters = "A" in rec["prompt"] and "x1" not in rec["prompt"]
    if p.get("status") == "unsat":
        bits = "".join(rng.choice("01") for _ in range(n))
        assert not sat_value(clauses, {i + 1: b == "1" for i, b in enumerate(bits)})
        return [("unsatisfiable", True, None, "unsat_word"), ("\\text{unsatisfiable}", True, None, "unsat_text"),
                ("UNSATISFIABLE", True, None, "unsat_caps"), (bits, False, None, "bits_for_unsat"),
                ("satisfiable", False, None, "sat_word")]
    bits = p["witness"]
    assign = {i + 1: b == "1" for i, b in enumerate(bits)}
    assert sat_value(clauses, assign)
    out = [(a, True, pol, "enc") for a, pol in sat_encodings(bits, letters)]
    breaking = [v for v in range(1, n + 1) if not sat_value(clauses, {**assign, v: not assign[v]})]
    v = rng.choice(breaking)
    flipped = "".join(("0" if b == "1" else "1") if i + 1 == v else b for i, b in enumerate(bits))
    encs = sat_encodings(flipped, letters)
    out += [(a, False, pol, "flip") for a, pol in rng.sample(encs, 3)]
    out.append((bits[:-1], False, None, "partial_bits"))
    full = sat_encodings(bits, letters)
    named = full[5][0].split(", ")
    out.append((", ".join(named[:-1]), False, None, "partial_names"))
    other = named[0].split("=")[0] + "=" + ("0" if bits[0] == "1" else "1")
    out.append((", ".join(named + [other]), False, None, "name_twice"))
    out.append(("v " + " ".join(full[3][0].split()[1:-2]) + " 0", False, None, "dimacs_missing_var"))
    out.append((bits + ("0" if rng.random() < 0.5 else "1"), False, None, "extra_bit"))
    out.append((f"{bits} \\text{{ or }} {flipped}", False, None, "alternatives"))
    return out


# ---- grids -----------------------------------------------------------------------------------------------------

def _grid(ans: str) -> list[list[str]]:
    return [row.split() for row in ans.strip().splitlines()]


def grid_encodings(g: list[list[str]]) -> list[tuple[str, str | None]]:
    rows = [" ".join(r) for r in g]
    numeric = all(c.isdigit() for r in g for c in r)
    out = [("\n".join(rows), None), ("\\\\\n".join(rows), None),
           ("\\begin{array}{" + "c" * len(g[0]) + "}\n" + " \\\\\n".join(" & ".join(r) for r in g) + "\n\\end{array}",
            None)]
    if numeric:
        out += [("\n".join("".join(r) for r in g), None), (json.dumps([[int(c) for c in r] for r in g]), None),
                ("\n".join(",".join(r) for r in g), None), (", ".join("".join(r) for r in g), None)]
    else:
        out += [("\n".join("".join(r) for r in g), None)]
    return out


def grid_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    g = _grid(rec["answer"])
    out = [(a, True, pol, "enc") for a, pol in grid_encodings(g)]
    n = len(g)
    # swap two different cells of one row: rows stay permutations, the (unique) solution changes
    w = [r[:] for r in g]
    r = rng.randrange(n)
    i, j = rng.sample([k for k in range(len(w[r]))], 2)
    while w[r][i] == w[r][j]:
        i, j = rng.sample(range(len(w[r])), 2)
    w[r][i], w[r][j] = w[r][j], w[r][i]
    out += [(a, False, pol, "swapped_cells") for a, pol in rng.sample(grid_encodings(w), 2)]
    w2 = [r[:] for r in g]
    w2[-1] = w2[-1][:-1]
    out.append(("\n".join(" ".join(r) for r in w2), False, None, "missing_cell"))
    out.append(("\n".join(" ".join(r) for r in g[:-1]), False, None, "missing_row"))
    return out


def queens_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    g = _grid(rec["answer"])
    placed = {tuple(x) for x in rec["check"]["params"]["placed"]}
    out = [(a, True, pol, "enc") for a, pol in grid_encodings(g)]
    cols = {r: row.index("Q") for r, row in enumerate(g)}
    movable = [r for r in cols if (r, cols[r]) not in placed]
    r = rng.choice(movable)
    r2 = rng.choice([x for x in cols if x != r])
    w = [row[:] for row in g]
    w[r][cols[r]] = "."
    w[r][cols[r2]] = "Q"  # shares a column with row r2's queen: attacked
    out += [(a, False, pol, "moved_queen") for a, pol in grid_encodings(w)[:2]]
    coords = ", ".join(f"({rr + 1}, {cols[rr] + 1})" for rr in sorted(cols))
    out.append((coords, True, "queen_coordinates", "coordinates"))
    return out


# ---- named assignments -----------------------------------------------------------------------------------------

def kk_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    items = [x.split(": ") for x in rec["answer"].split(", ")]
    flip = {"knight": "knave", "knave": "knight"}

    def enc(its):
        perm = its[:]
        rng.shuffle(perm)
        sent = ", ".join(f"{n} is a {k}" for n, k in its[:-1]) + f", and {its[-1][0]} is a {its[-1][1]}"
        return [(", ".join(f"{n}: {k}" for n, k in its), None), (", ".join(f"{n}: {k}" for n, k in perm), None),
                (sent, None), ("; ".join(f"{n} = {k.capitalize()}" for n, k in its), None),
                ("\\text{" + ", ".join(f"{n}: {k}" for n, k in its) + "}", None),
                (", ".join(f"{n} - {k}" for n, k in its), None)]

    out = [(a, True, pol, "enc") for a, pol in enc(items)]
    i = rng.randrange(len(items))
    w = [[n, flip[k]] if j == i else [n, k] for j, (n, k) in enumerate(items)]
    out += [(a, False, pol, "one_flipped") for a, pol in rng.sample(enc(w), 3)]
    out.append((", ".join(f"{n}: {k}" for n, k in items[:-1]), False, None, "person_missing"))
    n0, k0 = items[0]
    out.append((", ".join(f"{n}: {k}" for n, k in items) + f", {n0}: {flip[k0]}", False, None, "person_twice"))
    out.append((", ".join(f"{n}: {k}" for n, k in items[:-1]) + f", {items[-1][0]}: knight or knave", False, None,
                "alternatives"))
    return out


def coloring_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    items = [x.split(":") for x in rec["answer"].split(", ")]
    k = rec["check"]["params"]["colors"]

    def enc(its):
        return [(", ".join(f"{v}:{c}" for v, c in its), None), (", ".join(f"{v}: {c}" for v, c in its), None),
                (", ".join(f"{v}={c}" for v, c in its), None),
                ("; ".join(f"vertex {v}: colour {c}" for v, c in its), None),
                (", ".join(f"{v} \\to {c}" for v, c in its), None)]

    out = [(a, True, p, "enc") for a, p in enc(items)]
    givens = {str(v) for v, _ in rec["check"]["params"]["givens"]}
    free = [i for i, (v, _) in enumerate(items) if v not in givens] or [0]
    i = rng.choice(free)
    w = [[v, str((int(c) % k) + 1)] if j == i else [v, c] for j, (v, c) in enumerate(items)]
    out += [(a, False, p, "one_changed") for a, p in rng.sample(enc(w), 2)]
    out.append((", ".join(f"{v}:{c}" for v, c in items[:-1]), False, None, "vertex_missing"))
    out.append((" ".join(c for _, c in items), False, "bare_colour_list", "bare_colours"))
    return out


def zebra_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    houses = [h.split(": ", 1) for h in rec["answer"].split("; ")]
    vals = [[h, v.split(", ")] for h, v in houses]

    def enc(vs):
        return [("; ".join(f"{h}: {', '.join(v)}" for h, v in vs), None),
                ("\n".join(f"House {h}: {', '.join(v)}" for h, v in vs), None),
                ("; ".join(f"{h}: {', '.join(v)}" for h, v in vs[::-1]), None)]

    out = [(a, True, p, "enc") for a, p in enc(vals)]
    w = [[h, v[:]] for h, v in vals]
    c = rng.randrange(len(w[0][1]))
    a, b = rng.sample(range(len(w)), 2)
    w[a][1][c], w[b][1][c] = w[b][1][c], w[a][1][c]
    out += [(x, False, p, "two_swapped") for x, p in enc(w)[:2]]
    out.append(("; ".join(f"{h}: {', '.join(v)}" for h, v in vals[:-1]), False, None, "house_missing"))
    return out


# ---- graphs ----------------------------------------------------------------------------------------------------

def _adj(p: dict) -> dict:
    adj: dict = {}
    for e in p["edges"]:
        u, v, wt = e[0], e[1], (e[2] if len(e) > 2 else 1)
        adj.setdefault(u, {})[v] = wt
        if not p.get("directed"):
            adj.setdefault(v, {})[u] = wt
    return adj


def _path_weight(adj: dict, path: list[str]) -> int | None:
    tot = 0
    for u, v in zip(path, path[1:]):
        if v not in adj.get(u, {}):
            return None
        tot += adj[u][v]
    return tot


def path_encodings(path: list[str]) -> list[tuple[str, str | None]]:
    return [(" -> ".join(path), None), (" \\to ".join(path), None), (" \\rightarrow ".join(path), None),
            (" → ".join(path), None), (", ".join(path), None), ("-".join(path), None)]


def shortest_path_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    p = rec["check"]["params"]
    adj = _adj(p)
    s, t, opt = p["source"], p["target"], p["optimum"]
    wit = p["witness"]
    assert _path_weight(adj, wit) == opt
    out = [(a, True, pol, "enc") for a, pol in path_encodings(wit)]
    longer = None
    stack = [[s]]
    while stack and longer is None:  # a simple s-t path that is valid but not shortest
        cur = stack.pop()
        for nb in sorted(adj.get(cur[-1], {})):
            if nb in cur:
                continue
            nxt = cur + [nb]
            if nb == t:
                if _path_weight(adj, nxt) > opt:
                    longer = nxt
                    break
            elif len(nxt) < 9:
                stack.append(nxt)
    if longer:
        out += [(a, False, pol, "not_shortest") for a, pol in path_encodings(longer)[:2]]
    skip = [s, t] if t not in adj.get(s, {}) else None
    if skip:
        out.append((" -> ".join(skip), False, None, "not_a_path"))
    out.append((" -> ".join(wit[::-1]), False, None, "reversed"))  # must start at the source
    out.append((" -> ".join(wit[:-1]), False, None, "stops_early"))
    return out


def topo_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    p = rec["check"]["params"]
    order = p["witness"]
    arcs = {(u, v) for u, v, *_ in p["edges"]}
    pos = {v: i for i, v in enumerate(order)}
    assert all(pos[u] < pos[v] for u, v in arcs)
    out = [(", ".join(order), True, None, "enc"), (" ".join(order), True, None, "enc"),
           (" -> ".join(order), True, None, "enc"), (",".join(order), True, None, "enc")]
    u, v = sorted(arcs)[rng.randrange(len(arcs))]
    w = order[:]
    i, j = pos[u], pos[v]
    w[i], w[j] = w[j], w[i]
    out += [(", ".join(w), False, None, "arc_backwards"), (" -> ".join(w), False, None, "arc_backwards")]
    out.append((", ".join(order[:-1]), False, None, "vertex_missing"))
    out.append((", ".join(order + [order[0]]), False, None, "vertex_twice"))
    return out


def hamiltonian_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    p = rec["check"]["params"]
    adj = _adj(p)
    wit = p["witness"]
    ends = p.get("start"), p.get("end")

    def valid(path):
        ok_ends = (ends[0] is None or path[0] == ends[0]) and (ends[1] is None or path[-1] == ends[1])
        return sorted(path) == sorted(p["nodes"]) and _path_weight(adj, path) is not None and ok_ends

    assert valid(wit)
    out = [(a, True, pol, "enc") for a, pol in path_encodings(wit)[:4]]
    rev = wit[::-1]
    out.append((" -> ".join(rev), valid(rev), None, "reversed"))
    for _ in range(50):
        i, j = sorted(rng.sample(range(len(wit)), 2))
        w = wit[:]
        w[i], w[j] = w[j], w[i]
        if not valid(w):
            out.append((" -> ".join(w), False, None, "two_swapped"))
            break
    out.append((" -> ".join(wit[:-1]), False, None, "vertex_missing"))
    return out


# ---- math families ---------------------------------------------------------------------------------------------

def _tex(e) -> str:
    return sympy.latex(e)


def tuple_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    vals = [sympy.nsimplify(x) for x in sympy.sympify(rec["answer"])]
    names = rec["check"].get("params", {}).get("vars")
    if names:
        prompt_names, pol = names, None
    elif "c_1" in rec["prompt"]:  # the prompt names the unknowns c_1, c_2, ...
        prompt_names, pol = [f"c_{i + 1}" for i in range(len(vals))], "prompt_names"
    else:
        prompt_names, pol = ["x", "y", "z"][:len(vals)], "default_names"
    t = "(" + ", ".join(_tex(v) for v in vals) + ")"
    plain = "(" + ", ".join(str(v) for v in vals) + ")"
    pairs = [f"{n} = {_tex(v)}" for n, v in zip(prompt_names, vals)]
    out = [(t, True, None, "tuple"), (plain, True, None, "tuple_plain"),
           ("\\left" + t[:-1] + "\\right)", True, None, "tuple"),
           (", ".join(pairs), True, pol, "named"), ("; ".join(pairs), True, pol, "named"),
           (" \\text{ and } ".join(pairs), True, pol, "named"),
           ("(" + ", ".join(prompt_names) + ") = " + t, True, pol, "named_tuple")]
    if vals != vals[::-1]:  # (-3, -5, -3) reversed is the same tuple
        out.append(("(" + ", ".join(_tex(v) for v in vals[::-1]) + ")", False, None, "reversed"))
        out.append((", ".join(f"{n} = {_tex(v)}" for n, v in zip(prompt_names[::-1], vals)), False, None,
                    "names_swapped"))
    out.append((", ".join(f"{prompt_names[0]} = {_tex(v)}" for v in vals), False, None, "name_twice"))
    out.append((" \\text{ or } ".join(pairs), False, None, "or"))
    out.append(("(" + ", ".join(_tex(v) for v in vals[:-1] + [vals[-1] + 1]) + ")", False, None, "last_off_by_one"))
    return out


def number_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    v = sympy.sympify(rec["answer"])
    if isinstance(v, (tuple, sympy.Tuple)):
        return tuple_pairs(rec, rng)
    out = [(rec["answer"], True, None, "as_given"), (_tex(v), True, None, "latex")]
    if v.is_Rational and not v.is_Integer:
        out += [(f"{v.p}/{v.q}", True, None, "slash"),
                (frac_tex(Fraction(int(v.p), int(v.q)), "\\dfrac"), True, None, "dfrac"),
                (_tex(1 / v), v == 1 / v, None, "reciprocal")]
        x = float(v)
        out.append((rounded(x, 5), True, "rounded_decimal", "decimal"))
    elif v.is_Integer:
        iv = int(v)
        out += [(f"{iv:,}" if abs(iv) >= 1000 else f"{iv}.0", True, None, "int_format"),
                (str(iv + 1), False, None, "off_by_one"), (str(iv * 10 + rng.randint(0, 9)), False, None,
                                                           "extra_digit")]
        j = [str(d) for d in sympy.factorint(abs(iv), multiple=True)] if abs(iv) > 3 else []
        if len(j) >= 2:
            out.append((" ".join(j), False, None, "juxtaposed_factors"))
    else:
        x = float(v)
        out.append((rounded(x, 6), True, "rounded_decimal", "decimal"))
        out.append((_tex(v + 1), False, None, "plus_one"))
    if v != 0:
        out.append((_tex(-v), False, None, "sign"))
    out.append((f"{_tex(v)} \\text{{ or }} {_tex(v + 1)}", False, None, "alternatives"))
    return [o for o in out if o[0]]


PAIR_FNS = {"sat": sat_pairs, "logic.sudoku": grid_pairs, "logic.futoshiki": grid_pairs, "logic.nqueens": queens_pairs,
            "logic.knights_knaves": kk_pairs, "logic.coloring": coloring_pairs, "logic.zebra": zebra_pairs,
            "graph.path": shortest_path_pairs, "graph.topo_order": topo_pairs, "graph.hamiltonian": hamiltonian_pairs,
            "math": number_pairs}


def family_pairs(rec: dict, rng: random.Random) -> list[tuple[str, bool, str | None, str]]:
    kind = rec["check"]["kind"]
    fn = PAIR_FNS.get(kind) or PAIR_FNS.get(rec["family"])
    return fn(rec, rng)
