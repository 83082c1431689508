"""math.number_theory: divisor functions, totient, gcd/lcm counts, p-adic valuations of n! and binomials, and
digits of factorials, built from chosen factorizations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import product
from math import comb, factorial, gcd, prod

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, Reject, knob, register
from hardgen.generators.math._compose_api import Step, param_record, param_value, take_param

KINDS = ("divisor_count", "divisor_sum", "totient", "gcd_lcm_pairs", "gcd_sum", "factorial_valuation",
         "binomial_valuation", "last_nonzero_digit", "factorial_base_zeros")
PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)
_FORMAT = "Give the answer as a single integer inside \\boxed{}, e.g. \\boxed{42}."
#: above this n the Pillai gcd sum is re-derived through sympy's divisors and totient instead of a gcd loop
_GCD_LOOP_MAX = 200_000


@dataclass(frozen=True)
class NumberTheoryKnobs(Knobs):
    kind: str = knob("any", choices=("any",) + KINDS, help="which question is asked")
    digits: int = knob(4, lo=2, hi=15, help="most decimal digits of n in divisor / totient / gcd questions")
    prime_factors: int = knob(2, lo=1, hi=6, help="distinct prime factors of n in divisor / totient / gcd questions")
    factorial_max: int = knob(100, lo=10, hi=5000, help="largest N in questions about N! and binomials C(N, K)")

    def check(self) -> None:
        smallest = prod(PRIMES[: self.prime_factors])
        if smallest >= 10 ** self.digits:
            raise HardgenError(f"knob 'prime_factors' = {self.prime_factors} needs n >= {smallest}, more than "
                               f"'digits' = {self.digits} allow")


def _factored(rng: random.Random, n_primes: int, limit: int) -> dict[int, int]:
    """A random factorization p1^e1 ... pk^ek with k distinct primes and product below `limit`."""
    pool = [p for p in PRIMES if p < limit]
    primes = sorted(rng.sample(pool, n_primes))
    exps = {p: 1 for p in primes}
    if prod(primes) >= limit:
        raise Reject("primes too large for the digit budget")
    value = prod(primes)
    for _ in range(4 * n_primes + 8):  # grow exponents at random while the product fits
        p = rng.choice(primes)
        if value * p < limit and rng.random() < 0.8:
            exps[p] += 1
            value *= p
    return exps


def _value(f: dict[int, int]) -> int:
    return prod(p ** e for p, e in f.items())


def _legendre(n: int, p: int) -> int:
    v, q = 0, p
    while q <= n:
        v += n // q
        q *= p
    return v


def _kummer(n: int, k: int, p: int) -> int:
    """v_p(C(n, k)) = number of carries when adding k and n - k in base p."""
    a, b, carry, carries = k, n - k, 0, 0
    while a or b or carry:
        s = a % p + b % p + carry
        carry = 1 if s >= p else 0
        carries += carry
        a //= p
        b //= p
    return carries


def _last_nonzero_factorial_digit(n: int) -> int:
    """Strip every 2 and 5 from 1..n, multiply the rest mod 10, then put back the surplus 2s."""
    r, twos, fives = 1, 0, 0
    for k in range(2, n + 1):
        while k % 2 == 0:
            k //= 2
            twos += 1
        while k % 5 == 0:
            k //= 5
            fives += 1
        r = r * k % 10
    return r * pow(2, twos - fives, 10) % 10 if twos > fives else r


def _factor_small(n: int) -> dict[int, int]:
    f: dict[int, int] = {}
    d = 2
    while d * d <= n:
        while n % d == 0:
            f[d] = f.get(d, 0) + 1
            n //= d
        d += 1
    if n > 1:
        f[n] = f.get(n, 0) + 1
    return f


def _tau(f: dict[int, int]) -> int:
    return prod(e + 1 for e in f.values())


def _phi(f: dict[int, int]) -> int:
    return prod(p ** (e - 1) * (p - 1) for p, e in f.items())


def _base_zeros(n: int, b: int) -> int:
    bf = _factor_small(b)
    return min(_legendre(n, p) // e for p, e in bf.items())


def _max_power_dividing(x: int, b: int) -> int:
    """Largest z with b^z | x, by doubling then bisection (a few big-int divisions, no digit strings)."""
    hi = 1
    while x % b ** hi == 0:
        hi *= 2
    lo = hi // 2 if hi > 1 else 0
    while hi - lo > 1:  # invariant: b^lo | x, b^hi does not
        mid = (lo + hi) // 2
        if x % b ** mid == 0:
            lo = mid
        else:
            hi = mid
    return lo


@register
class NumberTheory(Family):
    name = "math.number_theory"
    Knobs = NumberTheoryKnobs
    levels = {
        "easy": {"digits": 3, "prime_factors": 2, "factorial_max": 30},
        "medium": {"digits": 6, "prime_factors": 3, "factorial_max": 200},
        "hard": {"digits": 10, "prime_factors": 4, "factorial_max": 1000},
        "extreme": {"digits": 15, "prime_factors": 6, "factorial_max": 5000},
    }
    description = ("Elementary number theory: number and sum of divisors, Euler's totient, ordered pairs with a "
                   "given gcd and lcm, the gcd sum over 1..n, the exponent of a prime in N! or C(N, K), the last "
                   "non-zero digit of N!, and trailing zeros of N! in another base.")
    verification = ("n is built from a chosen factorization and answers follow from multiplicative formulas, "
                    "Legendre's formula or Kummer's carry count. `gen verify` re-derives them independently: "
                    "sympy.ntheory (factorint-based divisor_count, divisor_sigma, totient, divisors) for the "
                    "divisor functions and gcd/lcm pair counts (by checking every divisor pair), a direct gcd loop "
                    "for the gcd sum, and exact big integers (math.factorial, math.comb) divided out for valuations,"
                    " trailing zeros and the last non-zero digit.")

    def generate(self, k: NumberTheoryKnobs, rng: random.Random) -> Candidate:
        kind = rng.choice(KINDS) if k.kind == "any" else k.kind
        text, answer, params = getattr(self, f"_gen_{kind}")(k, rng)
        params["type"] = kind
        return Candidate(f"{text}\n\n{_FORMAT}", str(answer), {"kind": "math", "params": params}, {"type": kind})

    def _n(self, k: NumberTheoryKnobs, rng: random.Random) -> tuple[int, dict[int, int]]:
        f = _factored(rng, k.prime_factors, 10 ** k.digits)
        return _value(f), f

    def _gen_divisor_count(self, k, rng):
        n, f = self._n(k, rng)
        return f"How many positive divisors does {n} have?", _tau(f), {"n": n}

    def _gen_divisor_sum(self, k, rng):
        n, f = self._n(k, rng)
        sigma = prod((p ** (e + 1) - 1) // (p - 1) for p, e in f.items())
        return f"What is the sum of all positive divisors of {n} (including 1 and {n})?", sigma, {"n": n}

    def _gen_totient(self, k, rng):
        n, f = self._n(k, rng)
        return (f"How many integers m with 1 ≤ m ≤ {n} satisfy gcd(m, {n}) = 1?", _phi(f), {"n": n})

    def _gen_gcd_lcm_pairs(self, k, rng):
        m, f = self._n(k, rng)
        g = rng.randint(1, 12)
        L = g * m
        if L >= 10 ** k.digits * 12:
            raise Reject("lcm too large")
        text = (f"How many ordered pairs (a, b) of positive integers satisfy gcd(a, b) = {g} and "
                f"lcm(a, b) = {L}?")
        return text, 2 ** len(f), {"g": g, "L": L}

    def _gen_gcd_sum(self, k, rng):
        n, f = self._n(k, rng)
        # Pillai's function is multiplicative: P(p^e) = p^(e-1) ((e+1)p - e)
        val = prod(p ** (e - 1) * ((e + 1) * p - e) for p, e in f.items())
        return f"Compute the sum gcd(1, {n}) + gcd(2, {n}) + ... + gcd({n}, {n}).", val, {"n": n}

    def _nk(self, k, rng):
        return rng.randint(max(5, k.factorial_max // 3), k.factorial_max)

    def _gen_factorial_valuation(self, k, rng):
        N = self._nk(k, rng)
        p = rng.choice([q for q in PRIMES[:8] if q <= N])
        return (f"What is the largest integer e such that {p}^e divides {N}! ?", _legendre(N, p), {"N": N, "p": p})

    def _gen_binomial_valuation(self, k, rng):
        N = self._nk(k, rng)
        K = rng.randint(1, N - 1)
        p = rng.choice([q for q in PRIMES[:6] if q <= N])
        v = _kummer(N, K, p)
        if v == 0 and rng.random() < 0.7:
            raise Reject("mostly ask for a non-zero exponent")
        return (f"What is the largest integer e such that {p}^e divides the binomial coefficient C({N}, {K})?",
                v, {"N": N, "K": K, "p": p})

    def _gen_last_nonzero_digit(self, k, rng):
        N = self._nk(k, rng)
        return (f"What is the last non-zero digit of {N}! (written in base 10)?",
                _last_nonzero_factorial_digit(N), {"N": N})

    def _gen_factorial_base_zeros(self, k, rng):
        N = self._nk(k, rng)
        b = rng.choice([6, 12, 14, 15, 18, 20, 21, 22, 24, 26, 28, 30, 36, 40, 45, 48, 50, 54, 60, 72])
        return (f"When {N}! is written in base {b}, how many zeros does it end with?", _base_zeros(N, b),
                {"N": N, "b": b})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        return {"rederived": str(self._independent(p)) == record["answer"]}

    def _independent(self, p: dict) -> int:
        import sympy

        t = p["type"]
        if t == "divisor_count":
            return int(sympy.divisor_count(p["n"]))
        if t == "divisor_sum":
            return int(sympy.divisor_sigma(p["n"]))
        if t == "totient":
            return int(sympy.totient(p["n"]))
        if t == "gcd_lcm_pairs":
            g, L = p["g"], p["L"]
            return sum(1 for a in sympy.divisors(L) if a % g == 0
                       and gcd(a, g * L // a) == g and a * (g * L // a) // g == L)
        if t == "gcd_sum":
            n = p["n"]
            if n <= _GCD_LOOP_MAX:
                return sum(gcd(i, n) for i in range(1, n + 1))
            # sum over divisors d of d * phi(n/d), walking exponent vectors of sympy's factorization of n
            f = sympy.factorint(n)
            total = 0
            for exps in product(*(range(e + 1) for e in f.values())):
                d = prod(q ** a for q, a in zip(f, exps))
                total += d * prod(q ** (e - a - 1) * (q - 1) for (q, e), a in zip(f.items(), exps) if e > a)
            return total
        if t == "factorial_valuation":
            return _max_power_dividing(factorial(p["N"]), p["p"])
        if t == "binomial_valuation":
            return _max_power_dividing(comb(p["N"], p["K"]), p["p"])
        if t == "last_nonzero_digit":
            f = factorial(p["N"])
            return (f // 10 ** _max_power_dividing(f, 10)) % 10
        if t == "factorial_base_zeros":
            return _max_power_dividing(factorial(p["N"]), p["b"])
        raise ValueError(f"unknown number theory type {t!r}")

    # ---- composition: n (or N) comes from the given value; small enough to factor by trial division
    def compose_step(self, k: NumberTheoryKnobs, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step:
        choice = rng.randrange(3)
        if choice == 2:
            p = rng.choice([2, 3, 5, 7])
            par = take_param(rng, given_name, given_value, "N", 20, 219)
            text = f"{par.preamble}What is the largest integer e such that {p}^e divides {par.shown}! ?"
            return Step(text, _legendre(par.value, p),
                        {"type": "factorial_valuation", "p": p, "param": param_record(par)})
        par = take_param(rng, given_name, given_value, "n", 100, 999)
        f = _factor_small(par.value)
        if choice == 0:
            text = f"{par.preamble}How many positive divisors does {par.shown} have?"
            return Step(text, _tau(f), {"type": "divisor_count", "param": param_record(par)})
        text = f"{par.preamble}How many integers m with 1 ≤ m ≤ {par.shown} satisfy gcd(m, {par.shown}) = 1?"
        return Step(text, _phi(f), {"type": "totient", "param": param_record(par)})

    def rederive_step(self, params: dict, given_value: int | None) -> int:
        v = param_value(params["param"], given_value)
        key = "N" if params["type"] == "factorial_valuation" else "n"
        return self._independent({**params, key: v})
