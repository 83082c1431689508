"""logic.zebra: Einstein/zebra puzzles (houses x attributes) with an irredundant clue set proved unique by SAT."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.generators.base import Candidate, Family, Knobs, SatEncodable, knob, register
from hardgen.generators.budget import Budget, Deadline, proof_conflicts_knob, proof_seconds_knob
from hardgen.generators.logic import _sat_util
from hardgen.generators.logic._sat_util import (ClueSelector, NodeBudgetExceeded, exactly_one, over_budget_checks,
                                                prove_unique)
from hardgen.verifiers.logic import holds

KIND = "logic.zebra"
MAX_HOUSES = 6
#: (category, values, phrase for "the person with this value"); the name category is always used
CATEGORIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("name", ("Alice", "Bob", "Carol", "David", "Emma", "Felix"), "{v}"),
    ("color", ("red", "green", "blue", "yellow", "white", "purple"), "the owner of the {v} house"),
    ("pet", ("dog", "cat", "bird", "fish", "horse", "zebra"), "the person who keeps the {v}"),
    ("drink", ("tea", "coffee", "milk", "water", "juice", "cocoa"), "the {v} drinker"),
    ("nationality", ("Brit", "Swede", "Dane", "German", "Norwegian", "Spaniard"), "the {v}"),
    ("hobby", ("chess", "painting", "gardening", "cycling", "reading", "baking"), "the person who enjoys {v}"),
    ("food", ("pizza", "sushi", "pasta", "tacos", "curry", "salad"), "the person who eats {v}"),
    ("car", ("Ford", "Toyota", "BMW", "Tesla", "Volvo", "Fiat"), "the {v} driver"),
)
_PHRASE = {c: p for c, _, p in CATEGORIES}
#: clue types per `clue_types` knob value; position clues keep every set able to reach uniqueness
CLUE_SETS = {
    "basic": ("same", "not_same", "at"),
    "standard": ("same", "not_same", "at", "next_to", "directly_left", "directly_right"),
    "full": ("same", "not_same", "at", "not_at", "next_to", "directly_left", "directly_right", "left_of",
             "right_of"),
}
#: relative frequency of each clue type when sampling; rarer position clues make the puzzles less direct
_WEIGHT = {"same": 4, "not_same": 2, "at": 1, "not_at": 1, "next_to": 2, "directly_left": 2, "directly_right": 2,
           "left_of": 2, "right_of": 2}
#: random clue draws per step before falling back to a position clue that refutes the counterexample
_MAX_DRAWS = 200

# A clue is a JSON list: [type, item_a, item_b] with items [category, value], or ["at"/"not_at", item, house]
# (houses 1-based). directly_left: a is in the house immediately left of b's; left_of: somewhere left.


@dataclass(frozen=True)
class ZebraKnobs(Knobs):
    houses: int = knob(4, lo=2, hi=MAX_HOUSES, help="number of houses (people)")
    attributes: int = knob(4, lo=2, hi=len(CATEGORIES), help="number of attributes per house, the name included")
    clue_types: str = knob("standard", choices=tuple(CLUE_SETS),
                           help="basic: same/not-same/position; standard: + next-to, directly left/right; "
                                "full: + somewhere left/right, not-in-house")
    question: str = knob("grid", choices=("grid", "name"),
                         help="grid: give the whole solution; name: who has one given attribute value")
    proof_conflicts: int = proof_conflicts_knob()
    proof_seconds: float = proof_seconds_knob()


def _var(c: int, v: int, h: int, n: int) -> int:
    """SAT variable 'value v of category c is in house h' (all 0-based)."""
    return (c * n + v) * n + h + 1


def _index(categories: list) -> dict[tuple[str, str], tuple[int, int]]:
    return {(cat, val): (c, v) for c, (cat, vals) in enumerate(categories) for v, val in enumerate(vals)}


def clue_cnf(clue: list, n: int, idx: dict) -> list[list[int]]:
    """Clauses of one clue over the x(c, v, h) variables."""
    t = clue[0]
    ca, va = idx[tuple(clue[1])]
    a = [_var(ca, va, h, n) for h in range(n)]
    if t in ("at", "not_at"):
        h = clue[2] - 1
        return [[a[h]]] if t == "at" else [[-a[h]]]
    cb, vb = idx[tuple(clue[2])]
    b = [_var(cb, vb, h, n) for h in range(n)]
    if t in ("directly_right", "right_of"):  # mirror onto the left-hand forms
        a, b = b, a
        t = "directly_left" if t == "directly_right" else "left_of"
    if t == "same":
        return [c for h in range(n) for c in ([-a[h], b[h]], [a[h], -b[h]])]
    if t == "not_same":
        return [[-a[h], -b[h]] for h in range(n)]
    if t == "next_to":
        return [[-a[h]] + [b[g] for g in (h - 1, h + 1) if 0 <= g < n] for h in range(n)]
    if t == "directly_left":
        return [[-a[h]] + ([b[h + 1]] if h + 1 < n else []) for h in range(n)]
    if t == "left_of":
        return [[-a[h]] + b[h + 1:] for h in range(n)]
    raise ValueError(f"unknown clue type {t!r}")


def zebra_cnf(n: int, categories: list, clues: list) -> tuple[int, list[list[int]]]:
    """Every value in exactly one house, every house exactly one value per category, plus the clues."""
    m = len(categories)
    clauses: list[list[int]] = []
    for c in range(m):
        for v in range(n):
            clauses += exactly_one([_var(c, v, h, n) for h in range(n)])
        for h in range(n):
            clauses += exactly_one([_var(c, v, h, n) for v in range(n)])
    idx = _index(categories)
    for cl in clues:
        clauses += clue_cnf(cl, n, idx)
    return m * n * n, clauses


def _random_clue(types: tuple[str, ...], weights: list[int], categories: list, grid: list[list[int]],
                 rng: random.Random) -> list:
    """A random clue that is true of the solution `grid[c][h]` (value index of category c in house h)."""
    n, m = len(grid[0]), len(categories)

    def item(c: int, h: int) -> list:
        return [categories[c][0], categories[c][1][grid[c][h]]]

    t = rng.choices(types, weights)[0]
    if t in ("at", "not_at"):
        c, h = rng.randrange(m), rng.randrange(n)
        if t == "at":
            return ["at", item(c, h), h + 1]
        return ["not_at", item(c, h), rng.choice([g for g in range(n) if g != h]) + 1]
    if t == "same":
        c1, c2 = rng.sample(range(m), 2)
        h = rng.randrange(n)
        return ["same", item(c1, h), item(c2, h)]
    if t == "not_same":
        c1, c2 = rng.sample(range(m), 2)
        h1, h2 = rng.sample(range(n), 2)
        return ["not_same", item(c1, h1), item(c2, h2)]
    c1, c2 = rng.randrange(m), rng.randrange(m)
    if t == "next_to":
        h = rng.randrange(n - 1)
        pair = [h, h + 1] if rng.random() < 0.5 else [h + 1, h]
        if c1 == c2 and pair[0] == pair[1]:
            c2 = (c1 + 1) % m
        return ["next_to", item(c1, pair[0]), item(c2, pair[1])]
    if t in ("directly_left", "directly_right"):
        h = rng.randrange(n - 1)
        ha, hb = (h, h + 1) if t == "directly_left" else (h + 1, h)
        return [t, item(c1, ha), item(c2, hb)]
    ha, hb = sorted(rng.sample(range(n), 2))
    if t == "right_of":
        ha, hb = hb, ha
    return [t, item(c1, ha), item(c2, hb)]


def _phrase(item: list) -> str:
    return _PHRASE[item[0]].format(v=item[1])


def render_clue(clue: list) -> str:
    t = clue[0]
    a = _phrase(clue[1])
    if t in ("at", "not_at"):
        txt = f"{a} {'lives' if t == 'at' else 'does not live'} in house {clue[2]}"
    else:
        b_item = clue[2]
        if t in ("same", "not_same") and b_item[0] == "name" and clue[1][0] != "name":
            a, b = _phrase(b_item), _phrase(clue[1])  # "Alice is the tea drinker" reads better
        else:
            b = _phrase(b_item)
        txt = {"same": f"{a} is {b}", "not_same": f"{a} is not {b}", "next_to": f"{a} lives next to {b}",
               "directly_left": f"{a} lives directly left of {b}",
               "directly_right": f"{a} lives directly right of {b}",
               "left_of": f"{a} lives somewhere to the left of {b}",
               "right_of": f"{a} lives somewhere to the right of {b}"}[t]
    return txt[0].upper() + txt[1:] + "."


def _format_grid(categories: list, grid: list[list[int]]) -> str:
    n = len(grid[0])
    return "; ".join(f"{h + 1}: " + ", ".join(categories[c][1][grid[c][h]] for c in range(len(categories)))
                     for h in range(n))


def count_solutions(n: int, categories: list, clues: list, limit: int = 2,
                    max_nodes: int | None = None) -> tuple[int, dict | None]:
    """Independent route: a constraint search over each value's house (domains 1..n, all-different per category,
    forward checking on the clues), stopping at `limit` solutions. Returns (count, first house_of found); raises
    `NodeBudgetExceeded` past `max_nodes` search nodes."""
    nodes = 0
    items = [(cat, val) for cat, vals in categories for val in vals]
    dom: dict[tuple[str, str], set[int]] = {it: set(range(1, n + 1)) for it in items}
    binary: dict[tuple[str, str], list[tuple[list, tuple[str, str]]]] = {it: [] for it in items}
    for cl in clues:
        a = tuple(cl[1])
        if cl[0] in ("at", "not_at"):
            dom[a] = {h for h in dom[a] if holds(cl, {a: h})}
        else:
            b = tuple(cl[2])
            binary[a].append((cl, b))
            binary[b].append((cl, a))
    house_of: dict[tuple[str, str], int] = {}
    found: list[dict] = []
    count = 0

    def consistent_with(x: tuple[str, str], hx: int, y: tuple[str, str], hy: int, cl: list) -> bool:
        return holds(cl, {x: hx, y: hy})

    def search() -> None:
        nonlocal count, nodes
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise NodeBudgetExceeded(f"more than {max_nodes:,} search nodes")
        free = [it for it in items if it not in house_of]
        if not free:
            if all(holds(cl, house_of) for cl in clues):
                count += 1
                if not found:
                    found.append(dict(house_of))
            return
        x = min(free, key=lambda it: (len(dom[it]), items.index(it)))
        for hx in sorted(dom[x]):
            house_of[x] = hx
            pruned: list[tuple[tuple[str, str], int]] = []
            ok = True
            for y in free:
                if y == x:
                    continue
                for h in list(dom[y]):
                    bad = y[0] == x[0] and h == hx  # all different within a category
                    if not bad:
                        for cl, other in binary[y]:
                            if other == x and not consistent_with(y, h, x, hx, cl):
                                bad = True
                                break
                    if bad:
                        dom[y].discard(h)
                        pruned.append((y, h))
                if not dom[y]:
                    ok = False
                    break
            if ok:
                search()
            for y, h in pruned:
                dom[y].add(h)
            del house_of[x]
            if count >= limit:
                return

    search()
    return count, (found[0] if found else None)


@register
class Zebra(Family, SatEncodable):
    name = KIND
    version = "2"  # 2: proofs budgeted on MiniSat instead of CaDiCaL; budget knobs in source.knobs
    Knobs = ZebraKnobs
    levels = {
        "easy": {"houses": 3, "attributes": 3, "clue_types": "basic"},
        "medium": {"houses": 4, "attributes": 4, "clue_types": "standard"},
        "hard": {"houses": 5, "attributes": 5, "clue_types": "full"},
        "extreme": {"houses": 6, "attributes": 6, "clue_types": "full"},
    }
    description = "Einstein/zebra puzzle: houses in a row, attributes per house, clues that fix one arrangement."
    verification = ("A random arrangement is drawn; true clues that rule out the current alternative solution "
                    "are added until a SAT solver (MiniSat, with the arrangement blocked) proves it unique, then "
                    "every clue whose removal keeps it unique is dropped. `gen verify` counts arrangements with an "
                    "independent forward-checking constraint search and requires exactly one, equal to the "
                    "answer; the grid checker verifies every clue and that each value is used once.")

    def generate(self, k: ZebraKnobs, rng: random.Random) -> Candidate:
        n, m = k.houses, k.attributes
        picked = [CATEGORIES[0]] + rng.sample(CATEGORIES[1:], m - 1)
        categories = [[cat, sorted(rng.sample(vals, n))] for cat, vals, _ in picked]
        grid = [rng.sample(range(n), n) for _ in range(m)]
        types = CLUE_SETS[k.clue_types]
        weights = [_WEIGHT[t] for t in types]
        house_of = {(categories[c][0], categories[c][1][grid[c][h]]): h + 1 for c in range(m) for h in range(n)}
        num_vars, base = zebra_cnf(n, categories, [])
        target = [_var(c, v, h, n) * (1 if grid[c][h] == v else -1)
                  for c in range(m) for v in range(n) for h in range(n)]
        idx = _index(categories)
        clues: list[list] = []
        deadline = Deadline(Budget.proof_of(k))
        with ClueSelector(base, target, num_vars, budget=deadline) as sel:
            alt = sel.alternative([])
            while alt is not None:
                true = {lit for lit in alt if lit > 0}
                other = {(categories[c][0], categories[c][1][v]): h + 1
                         for c in range(m) for v in range(n) for h in range(n) if _var(c, v, h, n) in true}
                # a clue true of the answer and false of the counterexample: every step removes that model
                for _ in range(_MAX_DRAWS):
                    cl = _random_clue(types, weights, categories, grid, rng)
                    if not holds(cl, other):
                        break
                else:  # rare: fall back to placing one item the counterexample misplaces
                    c, v = rng.choice([(c, v) for (cat, val), (c, v) in idx.items()
                                       if other[(cat, val)] != house_of[(cat, val)]])
                    cl = ["at", [categories[c][0], categories[c][1][v]], house_of[(categories[c][0],
                                                                                categories[c][1][v])]]
                clues.append(cl)
                sel.add(clue_cnf(cl, n, idx))
                alt = sel.alternative(range(len(clues)))
            keep = sel.minimise(list(range(len(clues))), rng)
        clues = [clues[i] for i in keep]
        rng.shuffle(clues)
        nv, clauses = zebra_cnf(n, categories, clues)
        unique, _, eff = prove_unique(nv, clauses, target, budget=deadline)
        if not unique:  # never emit an unproved puzzle
            raise RuntimeError("zebra clue set is not unique: the selector logic is broken")
        attr_lines = "\n".join(f"- {cat}: {', '.join(vals)}" for cat, vals in categories)
        clue_lines = "\n".join(f"{i + 1}. {render_clue(cl)}" for i, cl in enumerate(clues))
        head = (f"There are {n} houses in a row, numbered 1 (leftmost) to {n} (rightmost), with one person in "
                f"each. Every person has a different value of each attribute:\n{attr_lines}\n\n"
                "\"Directly left of\" means in the house numbered one less; \"next to\" means in an adjacent "
                f"house.\n\nClues:\n{clue_lines}\n\n")
        params: dict = {"houses": n, "categories": categories, "clues": clues}
        if k.question == "name":
            c = rng.randrange(1, m)
            v = rng.randrange(n)
            target_item = [categories[c][0], categories[c][1][v]]
            ans = categories[0][1][grid[0][house_of[tuple(target_item)] - 1]]
            prompt = head + (f"What is the name of {_phrase(target_item)}? Give only the name inside \\boxed{{}}, "
                             f"e.g. \\boxed{{{categories[0][1][0]}}}.")
            params["ask"] = target_item
        else:
            ans = _format_grid(categories, grid)
            order = ", ".join(cat for cat, _ in categories)
            ex = "; ".join(f"{h + 1}: " + ", ".join("..." for _ in categories) for h in range(min(n, 2)))
            prompt = head + ("Give the full solution inside \\boxed{} as one entry per house separated by "
                             f"semicolons, each entry the house number, a colon, then its values in the order "
                             f"{order}, separated by commas, e.g. \\boxed{{{ex}; ...}}.")
        check = {"kind": KIND, "params": params}
        counts: dict[str, int] = {}
        for cl in clues:
            counts[cl[0]] = counts.get(cl[0], 0) + 1
        return Candidate(prompt, ans, check, {"houses": n, "attributes": m, "clues": len(clues),
                                              "clue_types": counts, **eff})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        try:
            count, sol = count_solutions(p["houses"], p["categories"], p["clues"], max_nodes=_sat_util.UNIQUENESS_NODES)
        except NodeBudgetExceeded:
            return over_budget_checks(_sat_util.UNIQUENESS_NODES)
        out: dict[str, bool | None] = {"unique_solution": count == 1}
        if count != 1 or sol is None:
            out["rederived"] = False
            return out
        if "ask" in p:
            h = sol[tuple(p["ask"])]
            name = next(v for (cat, v), hh in sol.items() if cat == "name" and hh == h)
            out["rederived"] = name == record["answer"]
        else:
            grid = [[0] * p["houses"] for _ in p["categories"]]
            for c, (cat, vals) in enumerate(p["categories"]):
                for v, val in enumerate(vals):
                    grid[c][sol[(cat, val)] - 1] = v
            out["rederived"] = _format_grid(p["categories"], grid) == record["answer"]
        return out

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        p = record["check"]["params"]
        return zebra_cnf(p["houses"], p["categories"], p["clues"])

    def render_model(self, record: dict, model: list[int] | None) -> str:
        if model is None:
            return "No arrangement satisfies the clues."
        p = record["check"]["params"]
        n, cats = p["houses"], p["categories"]
        true = {lit for lit in model if lit > 0}
        grid = [[next((v for v in range(n) if _var(c, v, h, n) in true), 0) for h in range(n)]
                for c in range(len(cats))]
        if "ask" in p:
            c, v = _index(cats)[tuple(p["ask"])]
            h = next((hh for hh in range(n) if grid[c][hh] == v), 0)
            return f"The answer is \\boxed{{{cats[0][1][grid[0][h]]}}}."
        return f"The answer is \\boxed{{{_format_grid(cats, grid)}}}."


