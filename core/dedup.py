"""Near-duplicate detection: MinHash signatures of token 3-gram shingles with LSH banding.

Deterministic across processes and runs (no Python `hash`). The estimated Jaccard similarity of two texts is the
share of equal signature entries; candidates come from LSH bands tuned to the threshold.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

import numpy as np

_TOKEN = re.compile(r"\w+|[^\w\s]")
_PRIME = (1 << 31) - 1


def shingles(text: str, n: int = 3) -> set[int]:
    """Hashed token n-grams of lower-cased text (numbers and symbols are tokens: they tell problems apart)."""
    toks = _TOKEN.findall(text.lower())
    if len(toks) < n:
        return {zlib.crc32(" ".join(toks).encode())}
    return {zlib.crc32("\x1f".join(toks[i:i + n]).encode()) for i in range(len(toks) - n + 1)}


@dataclass
class MinHasher:
    """MinHash with `num_perm` universal hash functions drawn from a fixed seed."""

    num_perm: int = 128
    seed: int = 1
    _a: np.ndarray = field(init=False, repr=False)
    _b: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        rng = np.random.default_rng(self.seed)
        self._a = rng.integers(1, _PRIME, self.num_perm, dtype=np.uint64)
        self._b = rng.integers(0, _PRIME, self.num_perm, dtype=np.uint64)

    def signature(self, text: str, boilerplate: frozenset[int] | set[int] = frozenset()) -> np.ndarray:
        """Signature of the text's shingles, minus `boilerplate` (shingles every problem of a template shares)."""
        sh = shingles(text)
        content = sh - boilerplate
        x = np.fromiter(content or sh, dtype=np.uint64) & np.uint64(_PRIME)
        return ((np.outer(x, self._a) + self._b) % np.uint64(_PRIME)).min(axis=0).astype(np.uint32)


def boilerplate_shingles(texts, min_share: float = 0.5, sample: int = 2000) -> frozenset[int]:
    """Shingles found in at least `min_share` of (up to `sample`) texts: a template's fixed wording, which would
    make any two problems of one family look alike."""
    df: dict[int, int] = {}
    n = 0
    for t in texts:
        if n >= sample:
            break
        n += 1
        for h in shingles(t):
            df[h] = df.get(h, 0) + 1
    if n < 10:
        return frozenset()
    return frozenset(h for h, c in df.items() if c >= min_share * n)


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of the shingle sets of two texts."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def _bands_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands·rows = num_perm whose LSH threshold (1/b)^(1/r) sits a little below `threshold`,
    so near-duplicates become candidates with high probability; candidates are then checked on the estimate."""
    best = None
    for r in range(1, num_perm + 1):
        if num_perm % r:
            continue
        b = num_perm // r
        t = (1 / b) ** (1 / r)
        score = abs(t - max(threshold - 0.15, 0.05))
        if best is None or score < best[0]:
            best = (score, b, r)
    return best[1], best[2]


class NearDuplicateIndex:
    """Insert texts one by one; `query` returns the key of an inserted near-duplicate (Jaccard >= threshold) or None.

    >>> idx = NearDuplicateIndex(threshold=0.8)
    >>> idx.add("a", "Find the remainder when 2^100 is divided by 7.")
    >>> idx.query("Find the remainder when 2^100 is divided by 7 .")
    'a'
    >>> idx.query("Find the number of divisors of 360.") is None
    True
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 128, seed: int = 1):
        if not 0 < threshold <= 1:
            from hardgen.core.errors import HardgenError

            raise HardgenError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.hasher = MinHasher(num_perm, seed)
        self.bands, self.rows = _bands_for(threshold, num_perm)
        self.tables: list[dict[bytes, list[int]]] = [{} for _ in range(self.bands)]
        self.keys: list[str] = []
        self.sigs: list[np.ndarray] = []

    def _band_keys(self, sig: np.ndarray) -> list[bytes]:
        return [sig[i * self.rows:(i + 1) * self.rows].tobytes() for i in range(self.bands)]

    def query_signature(self, sig: np.ndarray) -> tuple[str, float] | None:
        seen: set[int] = set()
        best = None
        for table, bk in zip(self.tables, self._band_keys(sig)):
            for j in table.get(bk, ()):
                if j in seen:
                    continue
                seen.add(j)
                sim = float((self.sigs[j] == sig).mean())
                if sim >= self.threshold and (best is None or sim > best[1]):
                    best = (self.keys[j], sim)
        return best

    def query(self, text: str) -> str | None:
        hit = self.query_signature(self.hasher.signature(text))
        return hit[0] if hit else None

    def add_signature(self, key: str, sig: np.ndarray) -> None:
        j = len(self.keys)
        self.keys.append(key)
        self.sigs.append(sig)
        for table, bk in zip(self.tables, self._band_keys(sig)):
            table.setdefault(bk, []).append(j)

    def add(self, key: str, text: str) -> None:
        self.add_signature(key, self.hasher.signature(text))
