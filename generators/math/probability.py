"""math.probability: exact probabilities (dice, urns, cards, coins, Bayes) by formula, checked by enumeration."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from math import comb, prod

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._fmt import fmt_num

SCENARIOS = ("dice", "urn", "cards", "coins", "bayes")
COLORS = ("red", "blue", "green", "white")
SUITS = ("hearts", "diamonds", "clubs", "spades")
OPS = {"==": "exactly", ">=": "at least", "<=": "at most"}


def _cmp(op: str, v: int, t: int) -> bool:
    return v == t if op == "==" else v >= t if op == ">=" else v <= t


# ---- formulas (generate side) --------------------------------------------------------------------------------
def dice_sum_count(n: int, s: int, t: int) -> int:
    """Ways n dice with faces 1..s sum to t (inclusion-exclusion over dice exceeding s)."""
    if t < n or t > n * s:
        return 0
    return sum((-1) ** j * comb(n, j) * comb(t - j * s - 1, n - 1) for j in range(n + 1) if t - j * s - 1 >= n - 1)


def face_sum_counts(n: int, faces: list[int]) -> dict[int, int]:
    """Ways n dice whose faces are `faces` reach each sum (generating-function convolution)."""
    dist = {0: 1}
    for _ in range(n):
        nxt: dict[int, int] = {}
        for total, ways in dist.items():
            for f in faces:
                nxt[total + f] = nxt.get(total + f, 0) + ways
        dist = nxt
    return dist


def compositions(counts: list[int], k: int):
    """Vectors x with 0 <= x_j <= counts[j] and sum k."""
    if len(counts) == 1:
        if k <= counts[0]:
            yield (k,)
        return
    for x in range(min(k, counts[0]) + 1):
        for rest in compositions(counts[1:], k - x):
            yield (x,) + rest


def prob_no_run(n: int, length: int, p: Fraction, streak: int = 0) -> Fraction:
    """P(no run of `length` heads in n more flips), starting with a current head streak (Markov chain on streak)."""
    state = {streak: Fraction(1)}
    for _ in range(n):
        nxt: dict[int, Fraction] = {}
        for s, w in state.items():
            if s + 1 < length:
                nxt[s + 1] = nxt.get(s + 1, 0) + w * p
            nxt[0] = nxt.get(0, 0) + w * (1 - p)
        state = nxt
    return sum(state.values(), Fraction(0))


def binom_prob(n: int, h: int, p: Fraction) -> Fraction:
    return comb(n, h) * p ** h * (1 - p) ** (n - h) if 0 <= h <= n else Fraction(0)


@dataclass(frozen=True)
class ProbabilityKnobs(Knobs):
    scenario: str = knob("mixed", choices=SCENARIOS + ("mixed",), help="dice, urn (without replacement), cards, "
                         "coins, bayes (which urn was chosen), or mixed")
    size: int = knob(2, lo=1, hi=5, help="scale of the experiment (dice, balls, cards drawn, flips)")
    conditional: bool = knob(False, help="condition on a second event (dice, urn, coins; bayes always is)")
    sample_cap: int = knob(50000, lo=1000, hi=500000, help="largest sample space allowed, so `gen verify` can "
                           "enumerate every outcome")

    def check(self) -> None:
        # the largest experiment a size promises (size+1 six-sided dice, 3+2*size flips) must fit the cap, or the
        # size knob would be silently ignored
        need = {"dice": 6 ** (self.size + 1), "coins": 2 ** (3 + 2 * self.size)}
        need["mixed"] = max(need.values())
        if need.get(self.scenario, 0) > self.sample_cap:
            raise HardgenError(f"knob 'sample_cap' ({self.sample_cap}) is too small for 'size' {self.size} with "
                               f"scenario={self.scenario}: its largest experiment has {need[self.scenario]} outcomes")


@register
class Probability(Family):
    name = "math.probability"
    Knobs = ProbabilityKnobs
    levels = {
        "easy": {"scenario": "mixed", "size": 1},
        "medium": {"scenario": "mixed", "size": 2, "conditional": True},
        "hard": {"scenario": "mixed", "size": 3, "conditional": True},
        "extreme": {"scenario": "mixed", "size": 5, "conditional": True, "sample_cap": 100000},
    }
    description = "Exact probability of an event (dice sums, urns, cards, coin runs, Bayes), optionally conditional."
    verification = ("The probability is computed by formula (inclusion-exclusion for dice sums, hypergeometric "
                    "sums, binomials and a streak Markov chain for coins, Bayes' rule). `gen verify` enumerates the "
                    "whole sample space (labelled balls and cards, every die roll and flip sequence) with exact "
                    "Fractions and recomputes the (conditional) probability.")

    def generate(self, k: ProbabilityKnobs, rng: random.Random) -> Candidate:
        scen = rng.choice(SCENARIOS) if k.scenario == "mixed" else k.scenario
        params, text, value = getattr(self, "_" + scen)(k, rng)
        if value <= 0 or value >= 1:
            raise Reject("certain or impossible event")
        params["scenario"] = scen
        prompt = (text + "\n\nGive the probability as an exact reduced fraction inside \\boxed{}, e.g. "
                  "\\boxed{5/36}.")
        return Candidate(prompt, fmt_num(value), {"kind": "math", "params": params},
                         {"scenario": scen, "conditional": params.get("given") is not None})

    # ---- scenarios: (params, problem text, probability)
    def _dice(self, k: ProbabilityKnobs, rng: random.Random):
        s = rng.choice([4, 6, 6, 8])
        n = rng.randint(2, k.size + 1)
        while s ** n > k.sample_cap:
            n -= 1
        op = rng.choice(list(OPS))
        t = rng.randint(n + 1, n * s - 1)
        space = s ** n
        hit = [v for v in range(n, n * s + 1) if _cmp(op, v, t)]
        n_event = sum(dice_sum_count(n, s, v) for v in hit)
        text = f"{n} fair {s}-sided dice (faces 1 to {s}) are rolled."
        params = {"dice": n, "sides": s, "op": op, "total": t, "given": None}
        if k.conditional:
            v = rng.randint(1, s)
            nov = face_sum_counts(n, [f for f in range(1, s + 1) if f != v])
            both = n_event - sum(c for tot, c in nov.items() if _cmp(op, tot, t))
            params["given"] = {"shows": v}
            text += (f" Given that at least one die shows a {v}, what is the probability that the sum is "
                     f"{OPS[op]} {t}?")
            return params, text, Fraction(both, space - (s - 1) ** n)
        text += f" What is the probability that the sum is {OPS[op]} {t}?"
        return params, text, Fraction(n_event, space)

    def _urn(self, k: ProbabilityKnobs, rng: random.Random):
        m = rng.choice([2, 3]) if k.size < 3 else rng.choice([2, 3, 4])
        counts = [rng.randint(1, 2 + k.size) for _ in range(m)]
        total = sum(counts)
        if total < 3:
            raise Reject("urn too small")
        draw = rng.randint(2, min(total - 1, 1 + k.size))
        if comb(total, draw) > k.sample_cap:
            raise Reject("sample space too large")
        names = list(COLORS[:m])
        kind = rng.choice(["exactly", "each_color", "same_color"] if not k.conditional else ["exactly", "same_color"])
        event = {"type": kind}
        if kind == "exactly":
            event["color"] = rng.randrange(m)
            event["count"] = rng.randint(1, min(draw, counts[event["color"]]))
        given = None
        if k.conditional:
            given = {"at_least_one": rng.choice([j for j in range(m) if j != event.get("color")])}

        def holds(x: tuple[int, ...]) -> bool:
            if kind == "exactly":
                return x[event["color"]] == event["count"]
            if kind == "each_color":
                return all(x)
            return max(x) == draw

        def ways(x: tuple[int, ...]) -> int:
            return prod(comb(c, xi) for c, xi in zip(counts, x))

        comps = list(compositions(counts, draw))
        n_event = sum(ways(x) for x in comps if holds(x) and (given is None or x[given["at_least_one"]] > 0))
        n_given = sum(ways(x) for x in comps if given is None or x[given["at_least_one"]] > 0)
        desc = ", ".join(f"{c} {nm}" for c, nm in zip(counts, names))
        text = f"An urn holds {desc} balls. {draw} balls are drawn at random without replacement."
        if kind == "exactly":
            q = f"exactly {event['count']} of the drawn balls are {names[event['color']]}"
        elif kind == "each_color":
            q = "every colour appears among the drawn balls"
        else:
            q = "all drawn balls have the same colour"
        if given is not None:
            text += (f" Given that at least one drawn ball is {names[given['at_least_one']]}, what is the probability "
                     f"that {q}?")
        else:
            text += f" What is the probability that {q}?"
        params = {"colors": names, "counts": counts, "draw": draw, "event": event, "given": given}
        return params, text, Fraction(n_event, n_given)

    def _cards(self, k: ProbabilityKnobs, rng: random.Random):
        ranks = rng.randint(3, 13)
        draw = rng.randint(2, 1 + k.size)
        while comb(4 * ranks, draw) > k.sample_cap:
            ranks -= 1
        if ranks < draw:
            raise Reject("deck too small")
        space = comb(4 * ranks, draw)
        kind = rng.choice(["same_suit", "distinct_ranks", "has_rank", "exactly_suit"])
        event: dict = {"type": kind}
        if kind == "same_suit":
            n_event, q = 4 * comb(ranks, draw), "all drawn cards have the same suit"
        elif kind == "distinct_ranks":
            n_event, q = comb(ranks, draw) * 4 ** draw, "no two drawn cards have the same rank"
        elif kind == "has_rank":
            event["rank"] = rng.randint(1, ranks)
            n_event, q = space - comb(4 * ranks - 4, draw), f"at least one drawn card has rank {event['rank']}"
        else:
            event["suit"], event["count"] = rng.randrange(4), rng.randint(1, draw)
            n_event = comb(ranks, event["count"]) * comb(3 * ranks, draw - event["count"])
            q = f"exactly {event['count']} of the drawn cards are {SUITS[event['suit']]}"
        text = (f"A deck has {4 * ranks} cards: ranks 1 to {ranks} in each of the four suits (hearts, diamonds, "
                f"clubs, spades). {draw} cards are drawn at random without replacement. What is the probability "
                f"that {q}?")
        return {"ranks": ranks, "draw": draw, "event": event, "given": None}, text, Fraction(n_event, space)

    def _coins(self, k: ProbabilityKnobs, rng: random.Random):
        n = rng.randint(2 + k.size, 3 + 2 * k.size)
        while 2 ** n > k.sample_cap:
            n -= 1
        p = Fraction(1, 2) if k.size <= 2 else rng.choice([Fraction(1, 2), Fraction(1, 3), Fraction(2, 3),
                                                          Fraction(1, 4), Fraction(3, 5)])
        kind = rng.choice(["exactly", "at_least", "run"])
        given = rng.choice(["at_least_one", "first_heads"]) if k.conditional else None
        event: dict = {"type": kind}
        if kind == "run":
            event["length"] = rng.randint(2, max(2, n // 2))
        else:
            event["heads"] = rng.randint(1, n - 1)

        def p_event(flips: int, shift: int) -> Fraction:
            """P(event) over `flips` flips when `shift` heads (a head streak of `shift`) are already in."""
            if kind == "exactly":
                return binom_prob(flips, event["heads"] - shift, p)
            if kind == "at_least":
                return sum((binom_prob(flips, h, p) for h in range(max(0, event["heads"] - shift), flips + 1)),
                           Fraction(0))
            return 1 - prob_no_run(flips, event["length"], p, shift)

        if given is None:
            value = p_event(n, 0)
        elif given == "at_least_one":  # every event here needs a head, so event and condition = event
            value = p_event(n, 0) / (1 - (1 - p) ** n)
        else:
            value = p_event(n - 1, 1)
        coin = "a fair coin" if p == Fraction(1, 2) else "a biased coin"
        if kind == "exactly":
            q = f"exactly {event['heads']} heads appear"
        elif kind == "at_least":
            q = f"at least {event['heads']} heads appear"
        else:
            q = f"there is a run of at least {event['length']} consecutive heads"
        text = f"You flip {coin} {n} times."
        if p != Fraction(1, 2):
            text += f" On each flip it lands heads with probability {p}, independently."
        if given is not None:
            cond = "at least one flip is heads" if given == "at_least_one" else "the first flip is heads"
            text += f" Given that {cond}, what is the probability that {q}?"
        else:
            text += f" What is the probability that {q}?"
        return {"flips": n, "p": fmt_num(p), "event": event, "given": given}, text, value

    def _bayes(self, k: ProbabilityKnobs, rng: random.Random):
        m = rng.randint(2, min(4, 1 + k.size))
        urns = [[rng.randint(0, 2 + 2 * k.size), rng.randint(1, 2 + 2 * k.size)] for _ in range(m)]
        draws = 1 if k.size < 3 else rng.choice([1, 2])
        if draws == 2 and any(r + b < 2 for r, b in urns):
            raise Reject("urn too small for two draws")
        if rng.random() < 0.5:
            weights = [Fraction(1, m)] * m
        else:
            raw = [rng.randint(1, 4) for _ in range(m)]
            weights = [Fraction(w, sum(raw)) for w in raw]
        target = rng.randrange(m)

        def p_red(r: int, b: int) -> Fraction:
            return Fraction(r, r + b) if draws == 1 else Fraction(r * (r - 1), (r + b) * (r + b - 1))

        joint = [w * p_red(r, b) for w, (r, b) in zip(weights, urns)]
        if sum(joint) == 0:
            raise Reject("observation impossible")
        value = joint[target] / sum(joint)
        desc = "; ".join(f"urn {i + 1} holds {r} red and {b} blue balls" for i, (r, b) in enumerate(urns))
        pick = ("one urn is chosen uniformly at random" if len(set(weights)) == 1 else
                "one urn is chosen at random, urn i with probability " +
                ", ".join(f"{fmt_num(w)} for urn {i + 1}" for i, w in enumerate(weights)))
        obs = "one ball is drawn from it and it is red" if draws == 1 else \
            "two balls are drawn from it without replacement and both are red"
        text = (f"There are {m} urns: {desc}. First {pick}; then {obs}. What is the probability that urn "
                f"{target + 1} was chosen?")
        params = {"urns": urns, "weights": [fmt_num(w) for w in weights], "draws": draws, "target": target,
                  "given": "red"}
        return params, text, value

    # ---- independent route: enumerate every outcome -------------------------------------------------------
    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        scen = p["scenario"]
        num, den = Fraction(0), Fraction(0)  # P(event and given), P(given)
        if scen == "dice":
            for roll in itertools.product(range(1, p["sides"] + 1), repeat=p["dice"]):
                if p["given"] is not None and p["given"]["shows"] not in roll:
                    continue
                den += 1
                num += _cmp(p["op"], sum(roll), p["total"])
        elif scen == "urn":
            balls = [c for c, n in enumerate(p["counts"]) for _ in range(n)]
            ev, g = p["event"], p["given"]
            for pick in itertools.combinations(range(len(balls)), p["draw"]):
                cols = [balls[i] for i in pick]
                if g is not None and g["at_least_one"] not in cols:
                    continue
                den += 1
                if ev["type"] == "exactly":
                    num += cols.count(ev["color"]) == ev["count"]
                elif ev["type"] == "each_color":
                    num += len(set(cols)) == len(p["counts"])
                else:
                    num += len(set(cols)) == 1
        elif scen == "cards":
            deck = [(r, s) for r in range(1, p["ranks"] + 1) for s in range(4)]
            ev = p["event"]
            for hand in itertools.combinations(deck, p["draw"]):
                den += 1
                if ev["type"] == "same_suit":
                    num += len({s for _, s in hand}) == 1
                elif ev["type"] == "distinct_ranks":
                    num += len({r for r, _ in hand}) == len(hand)
                elif ev["type"] == "has_rank":
                    num += any(r == ev["rank"] for r, _ in hand)
                else:
                    num += sum(s == ev["suit"] for _, s in hand) == ev["count"]
        elif scen == "coins":
            ph = Fraction(p["p"])
            ev = p["event"]
            for seq in itertools.product((0, 1), repeat=p["flips"]):
                if p["given"] == "at_least_one" and not any(seq):
                    continue
                if p["given"] == "first_heads" and not seq[0]:
                    continue
                w = ph ** sum(seq) * (1 - ph) ** (len(seq) - sum(seq))
                den += w
                if ev["type"] == "exactly":
                    ok = sum(seq) == ev["heads"]
                elif ev["type"] == "at_least":
                    ok = sum(seq) >= ev["heads"]
                else:
                    ok = "1" * ev["length"] in "".join(map(str, seq))
                num += w if ok else 0
        elif scen == "bayes":
            for u, ((r, b), w) in enumerate(zip(p["urns"], p["weights"])):
                balls = ["red"] * r + ["blue"] * b
                seqs = list(itertools.permutations(range(len(balls)), p["draws"]))
                for seq in seqs:
                    if all(balls[i] == "red" for i in seq):
                        pw = Fraction(w) / len(seqs)
                        den += pw
                        num += pw if u == p["target"] else 0
        else:
            return {"enumeration": None}
        if den == 0:
            return {"enumeration": False}
        return {"enumeration": fmt_num(num / den) == record["answer"]}
