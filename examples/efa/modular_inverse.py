"""EFA example: a modular inverse, with a brute-force `verify` as the independent check."""

FAMILY_NAME = "modular_inverse"

SEED_PARAMS = {"a": 7, "m": 40}
SEED_PROBLEM = ("Find the integer x with 0 <= x < 40 such that 7x ≡ 1 (mod 40). "
                "Put your final answer inside \\boxed{}.")
SEED_ANSWER = "23"


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def sample(rng):
    m = rng.randint(11, 500)
    a = rng.randint(2, m - 1)
    while _gcd(a, m) != 1:  # an inverse exists only for a coprime to m
        a = rng.randint(2, m - 1)
    return {"a": a, "m": m}


def render(p):
    return (f"Find the integer x with 0 <= x < {p['m']} such that {p['a']}x ≡ 1 (mod {p['m']}). "
            "Put your final answer inside \\boxed{}.")


def solve(p):
    return pow(p["a"], -1, p["m"])  # extended Euclid inside Python's pow


def verify(p, answer):
    x = int(answer)
    return 0 <= x < p["m"] and (p["a"] * x) % p["m"] == 1
