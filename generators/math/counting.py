"""math.counting: combinatorial counts (restricted permutations, subsets, lattice paths, distributions,
inclusion-exclusion) answered by formula or DP and re-derived by explicit enumeration."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, permutations, product
from math import comb, factorial, gcd

from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._compose_api import Step, param_record, param_value, take_param

KINDS = ("fixed_points", "forbidden_positions", "no_adjacent", "subset_sum", "lattice", "bounded_balls", "onto",
         "divisibility")
_FORMAT = "Give the answer as a single integer inside \\boxed{}, e.g. \\boxed{42}."

# Size per scale tier (1..4) for each kind; the top tier is the largest that explicit enumeration in `rederive`
# still covers in about 50 ms on one core.
PERM_N = {1: (4, 5), 2: (5, 6), 3: (6, 7), 4: (7, 8)}
WORD_LEN = {1: (4, 5), 2: (5, 6), 3: (6, 7), 4: (7, 8)}
SUBSET_N = {1: (6, 8), 2: (8, 11), 3: (11, 14), 4: (14, 16)}
LATTICE_STEPS = {1: (4, 6), 2: (6, 8), 3: (8, 12), 4: (12, 16)}
BOXES = {1: (2, 3), 2: (3, 3), 3: (3, 4), 4: (4, 5)}
#: (balls, boxes) pairs whose k^n functions enumerate within each tier's budget
ONTO = {t: tuple((n, k) for n in range(3, 17) for k in range(2, 6) if n >= k and k ** n <= cap)
        for t, cap in {1: 300, 2: 5000, 3: 20000, 4: 70000}.items()}
RANGE_N = {1: (50, 200), 2: (200, 2000), 3: (2000, 20000), 4: (20000, 60000)}


@dataclass(frozen=True)
class CountingKnobs(Knobs):
    kind: str = knob("any", choices=("any",) + KINDS, help="which counting question is asked")
    scale: int = knob(2, lo=1, hi=4, help="instance size tier (elements, grid size, balls, range); tier 4 is the "
                                          "largest that explicit enumeration checks in ~50 ms")
    restrictions: int = knob(1, lo=1, hi=4, help="number of constraints: blocked lattice points, forbidden "
                                                 "divisors (restrictions+1), extra forbidden positions, or "
                                                 "fixed points (up to restrictions-1)")


def derangements(n: int) -> int:
    d0, d1 = 1, 0
    if n == 0:
        return 1
    for m in range(2, n + 1):
        d0, d1 = d1, (m - 1) * (d0 + d1)
    return d1


def fixed_point_count(n: int, k: int) -> int:
    """Permutations of n with exactly k fixed points: C(n, k) * D(n - k)."""
    return comb(n, k) * derangements(n - k)


def forbidden_count(n: int, pairs: list[tuple[int, int]]) -> int:
    """Permutations with p(i) != v for every forbidden pair (i, v): inclusion-exclusion over the subsets of pairs
    that can hold at once (distinct positions and values), each leaving (n - |T|)! completions."""
    total = 0
    for r in range(len(pairs) + 1):
        for sub in combinations(pairs, r):
            if len({i for i, _ in sub}) == r and len({v for _, v in sub}) == r:
                total += (-1) ** r * factorial(n - r)
    return total


def onto_min(n: int, k: int, least: int) -> int:
    """Distinct balls into k distinct boxes with at least `least` in each: DP choosing box by box which balls."""
    f = [1] + [0] * n  # f[b] = ways to fill the boxes so far with exactly b balls
    for _ in range(k):
        f = [sum(comb(b, s) * f[b - s] for s in range(least, b + 1)) for b in range(n + 1)]
    return f[n]


def no_adjacent_count(counts: tuple[int, ...]) -> int:
    """Arrangements of a multiset with no two equal letters adjacent: DP over (remaining counts, last letter)."""

    @lru_cache(maxsize=None)
    def go(rem: tuple[int, ...], last: int) -> int:
        if not any(rem):
            return 1
        total = 0
        for i, c in enumerate(rem):
            if c and i != last:
                total += go(rem[:i] + (c - 1,) + rem[i + 1:], i)
        return total

    return go(tuple(counts), -1)


def subset_count(n: int, size: int | None, mod: int, target: int) -> int:
    """Subsets of {1..n} (of the given size, or any size) whose sum is target mod `mod`: DP over (size, sum mod)."""
    dp = [[0] * mod for _ in range(n + 1)]
    dp[0][0] = 1
    for x in range(1, n + 1):
        for s in range(x, 0, -1):
            row, prev = dp[s], dp[s - 1]
            for r in range(mod):
                row[(r + x) % mod] += prev[r]
    if size is None:
        return sum(dp[s][target % mod] for s in range(n + 1))
    return dp[size][target % mod]


def lattice_dp(w: int, h: int, blocked: set[tuple[int, int]]) -> int:
    """Monotone paths (0,0) -> (w,h) avoiding blocked points: grid DP."""
    f = [[0] * (h + 1) for _ in range(w + 1)]
    for x in range(w + 1):
        for y in range(h + 1):
            if (x, y) in blocked:
                continue
            if x == 0 and y == 0:
                f[x][y] = 1
            else:
                f[x][y] = (f[x - 1][y] if x else 0) + (f[x][y - 1] if y else 0)
    return f[w][h]


def lattice_chain(w: int, h: int, blocked: list[tuple[int, int]]) -> int:
    """The same count by inclusion-exclusion over the first blocked point hit (binomials only, no grid)."""
    pts = sorted(blocked) + [(w, h)]

    def paths(a: tuple[int, int], b: tuple[int, int]) -> int:
        dx, dy = b[0] - a[0], b[1] - a[1]
        return comb(dx + dy, dx) if dx >= 0 and dy >= 0 else 0

    first: list[int] = []  # paths reaching pts[i] that avoid every earlier blocked point
    for i, p in enumerate(pts):
        first.append(paths((0, 0), p) - sum(first[j] * paths(pts[j], p) for j in range(i)))
    return first[-1]


def bounded_balls(n: int, k: int, lo: int, hi: int) -> int:
    """Identical balls into k distinct boxes with lo..hi balls each: inclusion-exclusion over boxes above hi."""
    n -= k * lo
    span = hi - lo + 1
    total = 0
    for j in range(k + 1):
        r = n - j * span
        if r < 0:
            break
        total += (-1) ** j * comb(k, j) * comb(r + k - 1, k - 1)
    return total


def onto(n: int, k: int) -> int:
    """Surjections from n distinct balls onto k distinct boxes: sum (-1)^j C(k, j) (k - j)^n."""
    return sum((-1) ** j * comb(k, j) * (k - j) ** n for j in range(k + 1))


def coprime_to_all(N: int, divisors: list[int]) -> int:
    """Integers in [1, N] divisible by none of `divisors`: inclusion-exclusion over subsets with lcms."""
    total = 0
    for r in range(len(divisors) + 1):
        for sub in combinations(divisors, r):
            L = 1
            for d in sub:
                L = L // gcd(L, d) * d
            total += (-1) ** r * (N // L)
    return total


# ---- explicit enumeration (the rederive side)
def enum_fixed_points(n: int, k: int) -> int:
    return sum(1 for p in permutations(range(n)) if sum(1 for i, v in enumerate(p) if i == v) == k)


def _multiset_perms(counts: list[int], prefix: list[int], out: list[tuple[int, ...]]) -> None:
    if not any(counts):
        out.append(tuple(prefix))
        return
    for i, c in enumerate(counts):
        if c:
            counts[i] -= 1
            prefix.append(i)
            _multiset_perms(counts, prefix, out)
            prefix.pop()
            counts[i] += 1


def enum_forbidden(n: int, pairs: list[tuple[int, int]]) -> int:
    """Visit every valid permutation one by one (backtracking position by position, skipping forbidden values)."""
    banned = [set() for _ in range(n + 1)]
    for i, v in pairs:
        banned[i].add(v)
    used = [False] * (n + 1)

    def place(i: int) -> int:
        if i > n:
            return 1
        count = 0
        for v in range(1, n + 1):
            if not used[v] and v not in banned[i]:
                used[v] = True
                count += place(i + 1)
                used[v] = False
        return count

    return place(1)


def enum_no_adjacent(counts: list[int]) -> int:
    words: list[tuple[int, ...]] = []
    _multiset_perms(list(counts), [], words)
    return sum(1 for w in words if all(a != b for a, b in zip(w, w[1:])))


def enum_subsets(n: int, size: int | None, mod: int, target: int) -> int:
    sizes = range(n + 1) if size is None else (size,)
    return sum(1 for s in sizes for c in combinations(range(1, n + 1), s) if sum(c) % mod == target % mod)


def enum_lattice(w: int, h: int, blocked: set[tuple[int, int]]) -> int:
    total = 0
    for ups in combinations(range(w + h), h):
        x = y = 0
        ok = True
        up = set(ups)
        for i in range(w + h):
            if i in up:
                y += 1
            else:
                x += 1
            if (x, y) in blocked:
                ok = False
                break
        total += ok
    return total


def enum_bounded_balls(n: int, k: int, lo: int, hi: int) -> int:
    return sum(1 for t in product(range(lo, hi + 1), repeat=k) if sum(t) == n)


def enum_onto(n: int, k: int, least: int = 1) -> int:
    return sum(1 for f in product(range(k), repeat=n) if min(f.count(b) for b in range(k)) >= least)


def enum_divisibility(N: int, divisors: list[int]) -> int:
    return sum(1 for x in range(1, N + 1) if all(x % d for d in divisors))


@register
class Counting(Family):
    name = "math.counting"
    Knobs = CountingKnobs
    levels = {
        "easy": {"scale": 1, "restrictions": 1},
        "medium": {"scale": 2, "restrictions": 2},
        "hard": {"scale": 3, "restrictions": 3},
        "extreme": {"scale": 4, "restrictions": 4},
    }
    description = ("Combinatorial counting: permutations with a given number of fixed points or forbidden "
                   "positions, arrangements of a word with no two equal letters adjacent, subsets with a sum "
                   "condition, lattice paths avoiding blocked points, balls into boxes (bounded or onto), and "
                   "inclusion-exclusion over divisibility.")
    verification = ("The answer comes from a formula or DP (derangement recurrence, memoised multiset DP, subset "
                    "DP over sums mod d, grid DP, inclusion-exclusion over forbidden pairs or boxes). `gen verify` "
                    "counts the objects one by one by explicit enumeration (itertools permutations, combinations, "
                    "products, backtracking, or a loop over the range); every level is sized so enumeration stays "
                    "near 50 ms. Lattice paths are also re-counted by a binomial inclusion-exclusion over blocked "
                    "points.")

    def generate(self, k: CountingKnobs, rng: random.Random) -> Candidate:
        # fixed-point questions have few distinct instances per tier, so "any" draws them half as often
        kind = rng.choices(KINDS, weights=[1] + [2] * (len(KINDS) - 1))[0] if k.kind == "any" else k.kind
        text, answer, params = getattr(self, f"_gen_{kind}")(k, rng)
        if answer <= 0:
            raise Reject("empty count")
        params["type"] = kind
        return Candidate(f"{text}\n\n{_FORMAT}", str(answer), {"kind": "math", "params": params},
                         {"type": kind, "scale": k.scale})

    def _gen_fixed_points(self, k: CountingKnobs, rng: random.Random):
        n = rng.randint(*PERM_N[k.scale])
        fp = rng.randint(0, min(k.restrictions - 1, n - 2))
        what = "no fixed points (no i is mapped to itself)" if fp == 0 else \
            f"exactly {fp} fixed point{'s' if fp > 1 else ''} (values i with p(i) = i)"
        text = f"How many permutations p of {{1, 2, ..., {n}}} have {what}?"
        return text, fixed_point_count(n, fp), {"n": n, "k": fp}

    def _gen_forbidden_positions(self, k: CountingKnobs, rng: random.Random):
        n = rng.randint(*PERM_N[k.scale])
        cells = [(i, v) for i in range(1, n + 1) for v in range(1, n + 1)]
        pairs = sorted(rng.sample(cells, min(len(cells), n - 2 + k.restrictions)))
        rules = ", ".join(f"p({i}) ≠ {v}" for i, v in pairs)
        text = f"How many permutations p of {{1, 2, ..., {n}}} satisfy all of: {rules}?"
        return text, forbidden_count(n, pairs), {"n": n, "pairs": [list(q) for q in pairs]}

    def _gen_no_adjacent(self, k: CountingKnobs, rng: random.Random):
        length = rng.randint(*WORD_LEN[k.scale])
        letters = rng.randint(2, min(4, length - 1))
        counts = [1] * letters
        for _ in range(length - letters):
            counts[rng.randrange(letters)] += 1
        counts.sort(reverse=True)
        # the letters are drawn and shuffled only for the surface of the prompt; the count depends on `counts`
        alphabet = rng.sample("ABCDEGHKLMNPRST", letters)
        chars = [alphabet[i] for i, c in enumerate(counts) for _ in range(c)]
        rng.shuffle(chars)
        word = "".join(chars)
        text = (f"How many distinct arrangements of the letters of the word {word} have no two identical letters "
                "next to each other?")
        return text, no_adjacent_count(tuple(counts)), {"counts": counts}

    def _gen_subset_sum(self, k: CountingKnobs, rng: random.Random):
        n = rng.randint(*SUBSET_N[k.scale])
        mod = rng.randint(3, 3 + 2 * k.restrictions)
        target = rng.randint(0, mod - 1)
        size = rng.randint(2, n - 2) if rng.random() < 0.5 else None
        which = f"{size}-element subsets" if size else "subsets (including the empty set)"
        cond = "a multiple of %d" % mod if target == 0 else f"congruent to {target} modulo {mod}"
        text = f"How many {which} of {{1, 2, ..., {n}}} have an element sum that is {cond}?"
        return text, subset_count(n, size, mod, target), {"n": n, "size": size, "mod": mod, "target": target}

    def _gen_lattice(self, k: CountingKnobs, rng: random.Random):
        steps = rng.randint(*LATTICE_STEPS[k.scale])
        w = rng.randint(2, steps - 2)
        h = steps - w
        inner = [(x, y) for x in range(w + 1) for y in range(h + 1) if (x, y) not in ((0, 0), (w, h))]
        blocked = sorted(rng.sample(inner, min(k.restrictions, len(inner))))
        pts = ", ".join(f"({x}, {y})" for x, y in blocked)
        text = (f"A path goes from (0, 0) to ({w}, {h}) using unit steps right (x+1) or up (y+1). How many such "
                f"paths avoid all of the blocked points {pts}?")
        return text, lattice_dp(w, h, set(blocked)), {"w": w, "h": h, "blocked": [list(b) for b in blocked]}

    def _gen_bounded_balls(self, k: CountingKnobs, rng: random.Random):
        boxes = rng.randint(*BOXES[k.scale])
        lo = rng.randint(0, 2)
        hi = lo + rng.randint(2, 3 + k.scale)
        n = rng.randint(boxes * lo + 1, boxes * hi - 1)
        text = (f"In how many ways can {n} identical balls be put into {boxes} distinct boxes so that every box "
                f"holds at least {lo} and at most {hi} balls?")
        return text, bounded_balls(n, boxes, lo, hi), {"n": n, "boxes": boxes, "lo": lo, "hi": hi}

    def _gen_onto(self, k: CountingKnobs, rng: random.Random):
        n, boxes = rng.choice(ONTO[k.scale])
        least = rng.randint(1, max(1, n // boxes))
        what = "no box is empty" if least == 1 else f"every box gets at least {least} balls"
        text = f"In how many ways can {n} distinct balls be put into {boxes} distinct boxes so that {what}?"
        value = onto(n, boxes) if least == 1 else onto_min(n, boxes, least)
        return text, value, {"n": n, "boxes": boxes, "least": least}

    def _gen_divisibility(self, k: CountingKnobs, rng: random.Random):
        N = rng.randint(*RANGE_N[k.scale])
        divs = sorted(rng.sample(range(2, 16 + 4 * k.scale), k.restrictions + 1))
        if any(b % a == 0 for i, a in enumerate(divs) for b in divs[i + 1:]):
            raise Reject("a divisor divides another: redundant condition")
        text = (f"How many integers n with 1 ≤ n ≤ {N} are divisible by none of {', '.join(map(str, divs))}?")
        return text, coprime_to_all(N, divs), {"N": N, "divisors": divs}

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        got = self._enumerate(p)
        checks = {"enumeration": str(got) == record["answer"]}
        if p["type"] == "lattice":
            blocked = [tuple(b) for b in p["blocked"]]
            checks["inclusion_exclusion"] = str(lattice_chain(p["w"], p["h"], blocked)) == record["answer"]
        return checks

    def _enumerate(self, p: dict) -> int:
        t = p["type"]
        if t == "fixed_points":
            return enum_fixed_points(p["n"], p["k"])
        if t == "no_adjacent":
            return enum_no_adjacent(p["counts"])
        if t == "subset_sum":
            return enum_subsets(p["n"], p["size"], p["mod"], p["target"])
        if t == "lattice":
            return enum_lattice(p["w"], p["h"], {tuple(b) for b in p["blocked"]})
        if t == "bounded_balls":
            return enum_bounded_balls(p["n"], p["boxes"], p["lo"], p["hi"])
        if t == "onto":
            return enum_onto(p["n"], p["boxes"], p.get("least", 1))
        if t == "forbidden_positions":
            return enum_forbidden(p["n"], [tuple(q) for q in p["pairs"]])
        if t == "divisibility":
            return enum_divisibility(p["N"], p["divisors"])
        raise ValueError(f"unknown counting type {t!r}")

    # ---- composition: the size of the instance comes from the given value
    def compose_step(self, k: CountingKnobs, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step:
        choice = rng.randrange(3)
        if choice == 0:
            par = take_param(rng, given_name, given_value, "n", 3, 7)
            text = (f"{par.preamble}How many permutations of {{1, 2, ..., {par.shown}}} have no fixed points?")
            return Step(text, derangements(par.value), {"type": "fixed_points", "k": 0, "param": param_record(par)})
        if choice == 1:
            boxes, lo, hi = rng.randint(3, 4), rng.randint(0, 1), 0
            hi = lo + rng.randint(3, 5)
            par = take_param(rng, given_name, given_value, "n", boxes * lo + 1, boxes * hi - 1)
            text = (f"{par.preamble}In how many ways can {par.shown} identical balls be put into {boxes} distinct "
                    f"boxes so that every box holds at least {lo} and at most {hi} balls?")
            return Step(text, bounded_balls(par.value, boxes, lo, hi),
                        {"type": "bounded_balls", "boxes": boxes, "lo": lo, "hi": hi, "param": param_record(par)})
        divs = sorted(rng.sample([2, 3, 5, 7, 11, 13], rng.randint(2, 3)))
        par = take_param(rng, given_name, given_value, "N", 100, 999)
        text = (f"{par.preamble}How many integers n with 1 ≤ n ≤ {par.shown} are divisible by none of "
                f"{', '.join(map(str, divs))}?")
        return Step(text, coprime_to_all(par.value, divs),
                    {"type": "divisibility", "divisors": divs, "param": param_record(par)})

    def rederive_step(self, params: dict, given_value: int | None) -> int:
        v = param_value(params["param"], given_value)
        key = {"fixed_points": "n", "bounded_balls": "n", "divisibility": "N"}[params["type"]]
        return self._enumerate({**params, key: v})
