"""EFA example: counting lattice paths that avoid one blocked point (answer re-derived by dynamic programming)."""

from math import comb

FAMILY_NAME = "blocked_lattice_paths"

SEED_PARAMS = {"w": 4, "h": 3, "bx": 2, "by": 1}
SEED_PROBLEM = ("A robot walks on the grid from (0, 0) to (4, 3), each step moving one unit right or one unit up. "
                "How many paths avoid the point (2, 1)? Put the number inside \\boxed{}.")
SEED_ANSWER = "17"

CHECK = {"min_distinct": 10}


def sample(rng):
    w = rng.randint(3, 9)
    h = rng.randint(3, 9)
    # the blocked point is never a corner, so some paths always avoid it
    while True:
        bx, by = rng.randint(0, w), rng.randint(0, h)
        if (bx, by) not in ((0, 0), (w, h)):
            return {"w": w, "h": h, "bx": bx, "by": by}


def render(p):
    return (f"A robot walks on the grid from (0, 0) to ({p['w']}, {p['h']}), each step moving one unit right or one "
            f"unit up. How many paths avoid the point ({p['bx']}, {p['by']})? Put the number inside \\boxed{{}}.")


def solve(p):
    """All paths minus those through the blocked point (closed form)."""
    w, h, bx, by = p["w"], p["h"], p["bx"], p["by"]
    through = comb(bx + by, bx) * comb(w - bx + h - by, w - bx)
    return comb(w + h, w) - through


def verify(p, answer):
    """Independent route: dynamic programming over the grid with the point removed."""
    w, h = p["w"], p["h"]
    ways = [[0] * (h + 1) for _ in range(w + 1)]
    for x in range(w + 1):
        for y in range(h + 1):
            if (x, y) == (p["bx"], p["by"]):
                ways[x][y] = 0
            elif x == 0 and y == 0:
                ways[x][y] = 1
            else:
                ways[x][y] = (ways[x - 1][y] if x else 0) + (ways[x][y - 1] if y else 0)
    return str(ways[w][h]) == str(answer).strip()
