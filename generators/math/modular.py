"""math.modular: modular powers, inverses, linear congruences and CRT systems (coprime or not)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from math import gcd

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._compose_api import Step, param_record, param_value, take_param

KINDS = ("power", "inverse", "crt", "linear")
_FORMAT = "Give the answer as a single integer inside \\boxed{}, e.g. \\boxed{17}."


@dataclass(frozen=True)
class ModularKnobs(Knobs):
    kind: str = knob("any", choices=("any",) + KINDS, help="which question is asked")
    modulus_max: int = knob(100, lo=10, hi=100000, help="largest modulus")
    exponent_digits: int = knob(3, lo=1, hi=40, help="decimal digits of the exponent in a^b mod m")
    congruences: int = knob(2, lo=2, hi=5, help="congruences in a CRT system")
    coprime: bool = knob(True, help="CRT moduli pairwise coprime; when false some share a factor (still consistent)")

    def check(self) -> None:
        # enough room for `congruences` distinct moduli >= 3 (pairwise coprime ones need primes up to ~30)
        if self.congruences > 3 and self.modulus_max < 30:
            raise HardgenError(f"knob 'congruences' = {self.congruences} needs 'modulus_max' >= 30, "
                               f"got {self.modulus_max}")


def _lcm(a: int, b: int) -> int:
    return a // gcd(a, b) * b


def _crt_pair(r1: int, m1: int, r2: int, m2: int) -> tuple[int, int]:
    """Combine x = r1 (mod m1), x = r2 (mod m2) for coprime moduli (construction side of a composed step)."""
    t = (r2 - r1) * pow(m1, -1, m2) % m2
    return r1 + m1 * t, m1 * m2


def power_by_cycle(a: int, b: int, m: int) -> int:
    """a^b mod m by walking a^0, a^1, ... until a residue repeats, then indexing into the cycle (no pow)."""
    seen: dict[int, int] = {}
    seq: list[int] = []
    x, k = 1 % m, 0
    while x not in seen:
        if k == b:
            return x
        seen[x] = k
        seq.append(x)
        x = x * a % m
        k += 1
    start = seen[x]
    period = k - start
    return seq[start + (b - start) % period]


def _congruence_lines(moduli: list[int], residues: list[int], rhs: list[str] | None = None) -> str:
    rhs = rhs or [str(r) for r in residues]
    return "\n".join(f"x ≡ {r} (mod {m})" for r, m in zip(rhs, moduli))


@register
class Modular(Family):
    name = "math.modular"
    Knobs = ModularKnobs
    levels = {
        "easy": {"modulus_max": 50, "exponent_digits": 2, "congruences": 2},
        "medium": {"modulus_max": 1000, "exponent_digits": 6, "congruences": 3},
        "hard": {"modulus_max": 20000, "exponent_digits": 20, "congruences": 4, "coprime": False},
        "extreme": {"modulus_max": 100000, "exponent_digits": 40, "congruences": 5, "coprime": False},
    }
    description = ("Modular arithmetic: a^b mod m with a long exponent, a modular inverse, the sum of all solutions "
                   "of a linear congruence, or the least solution of a system of congruences (Chinese remainder "
                   "theorem, with coprime or overlapping but consistent moduli).")
    verification = ("Answers are built by construction (CRT systems from a chosen x, congruences from a chosen "
                    "solution). `gen verify` re-derives each by another route: a^b mod m by cycle detection in the "
                    "sequence of powers (not pow), inverses and linear congruences by brute force over all residues "
                    "(also proving uniqueness / the solution count), CRT systems with sympy.ntheory.modular.crt.")

    def generate(self, k: ModularKnobs, rng: random.Random) -> Candidate:
        kind = rng.choice(KINDS) if k.kind == "any" else k.kind
        return getattr(self, f"_gen_{kind}")(k, rng)

    def _gen_power(self, k: ModularKnobs, rng: random.Random) -> Candidate:
        m = rng.randint(max(3, k.modulus_max // 10), k.modulus_max)
        a = rng.randint(2, m - 1)
        b = rng.randint(10 ** (k.exponent_digits - 1), 10 ** k.exponent_digits - 1)
        prompt = (f"Compute {a}^{b} mod {m}, that is, the remainder of {a}^{b} on division by {m}.\n\n{_FORMAT}")
        check = {"kind": "math", "params": {"type": "power", "a": a, "b": b, "m": m}}
        return Candidate(prompt, str(pow(a, b, m)), check, {"type": "power"})

    def _gen_inverse(self, k: ModularKnobs, rng: random.Random) -> Candidate:
        m = rng.randint(max(5, k.modulus_max // 10), k.modulus_max)
        a = rng.randint(2, m - 1)
        if gcd(a, m) != 1:
            raise Reject("not invertible")
        prompt = (f"Find the inverse of {a} modulo {m}: the integer x with 0 ≤ x < {m} and {a}x ≡ 1 (mod {m})."
                  f"\n\n{_FORMAT}")
        check = {"kind": "math", "params": {"type": "inverse", "a": a, "m": m}}
        return Candidate(prompt, str(pow(a, -1, m)), check, {"type": "inverse"})

    def _gen_linear(self, k: ModularKnobs, rng: random.Random) -> Candidate:
        m = rng.randint(max(6, k.modulus_max // 10), k.modulus_max)
        d = rng.choice([g for g in range(1, min(m, 60)) if m % g == 0])
        a = d * rng.randint(1, m // d - 1) if m // d > 1 else d
        if a % m == 0:
            raise Reject("trivial congruence")
        d = gcd(a, m)
        step = m // d
        x0 = rng.randint(0, step - 1)
        b = a * x0 % m
        # the solutions in [0, m) are x0 + j*step for j < d
        total = d * x0 + step * d * (d - 1) // 2
        prompt = (f"Find the sum of all integers x with 0 ≤ x < {m} such that {a}x ≡ {b} (mod {m}).\n\n{_FORMAT}")
        check = {"kind": "math", "params": {"type": "linear", "a": a, "b": b, "m": m}}
        return Candidate(prompt, str(total), check, {"type": "linear", "solutions": d})

    def _gen_crt(self, k: ModularKnobs, rng: random.Random) -> Candidate:
        n = k.congruences
        lo = 3
        moduli: list[int] = []
        for _ in range(200):
            if len(moduli) == n:
                break
            m = rng.randint(lo, k.modulus_max)
            if m in moduli:
                continue
            if k.coprime and any(gcd(m, o) != 1 for o in moduli):
                continue
            if not k.coprime and moduli and len(moduli) == n - 1 and all(gcd(m, o) == 1 for o in moduli) \
                    and all(gcd(a, b) == 1 for i, a in enumerate(moduli) for b in moduli[i + 1:]):
                continue  # force at least one shared factor in the non-coprime variant
            if any(o % m == 0 or m % o == 0 for o in moduli):
                continue  # a modulus dividing another makes a congruence redundant
            moduli.append(m)
        if len(moduli) != n:
            raise Reject("could not draw the moduli")
        L = 1
        for m in moduli:
            L = _lcm(L, m)
        x = rng.randint(0, L - 1)
        residues = [x % m for m in moduli]
        prompt = (f"Find the smallest non-negative integer x that satisfies all of these congruences:\n"
                  f"{_congruence_lines(moduli, residues)}\n\n{_FORMAT}")
        check = {"kind": "math", "params": {"type": "crt", "moduli": moduli, "residues": residues}}
        return Candidate(prompt, str(x), check, {"type": "crt", "coprime": k.coprime})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        ans = record["answer"]
        t = p["type"]
        if t == "power":
            return {"cycle_power": str(power_by_cycle(p["a"], p["b"], p["m"])) == ans}
        if t == "inverse":
            sols = [x for x in range(p["m"]) if p["a"] * x % p["m"] == 1]
            return {"unique_inverse": len(sols) == 1, "brute_force": sols[:1] == [int(ans)]}
        if t == "linear":
            a, b, m = p["a"], p["b"], p["m"]
            sols = [x for x in range(m) if (a * x - b) % m == 0]
            return {"solvable": bool(sols), "brute_force": str(sum(sols)) == ans}
        if t == "crt":
            from sympy.ntheory.modular import crt

            res = crt(p["moduli"], p["residues"], symmetric=False, check=True)
            if res is None:
                return {"consistent": False}
            return {"consistent": True, "sympy_crt": str(int(res[0])) == ans}
        return {"rederived": False}

    # ---- composition: an exponent, or the first residue of a coprime CRT system, comes from the given value
    def compose_step(self, k: ModularKnobs, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step:
        if rng.random() < 0.5:
            m = rng.randint(max(3, k.modulus_max // 10), k.modulus_max)
            a = rng.randint(2, m - 1)
            par = take_param(rng, given_name, given_value, "e", 10, 9 + 10 ** min(3, max(2, k.exponent_digits)))
            text = f"{par.preamble}Compute {a}^{par.shown} mod {m}."
            return Step(text, pow(a, par.value, m), {"type": "power", "a": a, "m": m, "param": param_record(par)})
        primes = [p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47) if p <= max(7, k.modulus_max)]
        m1, m2 = rng.sample(primes, 2)
        m2 *= rng.choice([1, 2, 4]) if m1 != 2 else 1
        r2 = rng.randint(0, m2 - 1)
        par = take_param(rng, given_name, given_value, "r", 0, m1 - 1)
        x, _ = _crt_pair(par.value, m1, r2, m2)
        text = (f"{par.preamble}Find the smallest non-negative integer x with x ≡ {par.shown} (mod {m1}) and "
                f"x ≡ {r2} (mod {m2}).")
        return Step(text, x % (m1 * m2), {"type": "crt", "moduli": [m1, m2], "r2": r2, "param": param_record(par)})

    def rederive_step(self, params: dict, given_value: int | None) -> int:
        v = param_value(params["param"], given_value)
        if params["type"] == "power":
            return power_by_cycle(params["a"], v, params["m"])
        from sympy.ntheory.modular import crt

        res = crt(params["moduli"], [v, params["r2"]], symmetric=False, check=True)
        if res is None:
            raise ValueError("inconsistent congruences")
        return int(res[0])
