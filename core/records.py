"""The problem record: schema, content ids, hashed per-item seeds and hashed train/test splits."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hardgen.core.errors import HardgenError

#: Field names and order of a record; part of the public contract (see DESIGN.md).
FIELDS: tuple[str, ...] = (
    "id", "family", "source", "prompt", "answer", "check", "validity", "difficulty", "split",
)
#: Fields that hold nested objects; stored as JSON text in Parquet / HF exports.
NESTED_FIELDS: tuple[str, ...] = ("source", "check", "validity", "difficulty")

DEFAULT_TEST_FRACTION = 0.1


#: one encoder for every hash (json.dumps with these options builds a new one per call, ten calls a row)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces) used for hashing."""
    return _CANONICAL.encode(obj)


def _digest(*parts: Any) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(canonical_json(p).encode())
        h.update(b"\x1f")
    return h.digest()


def item_seed(family: str, version: str, knobs: dict, run_seed: int, index: int, attempt: int = 0) -> int:
    """Per-item seed from a hash of (family, version, knobs, run seed, index).

    Never `seed + index`: with that, neighbouring run seeds share almost every item.
    """
    return int.from_bytes(_digest(family, version, knobs, run_seed, index, attempt)[:8], "big")


def record_id(family: str, prompt: str, answer: str | None, check: dict) -> str:
    """Stable content hash of (family, prompt, answer, check spec); the dedup key."""
    return _digest(family, prompt, answer, check)[:10].hex()


def split_of(rid: str, test_fraction: float = DEFAULT_TEST_FRACTION) -> str:
    """`train` or `test` from a hash of the id: disjoint by construction, stable across runs."""
    if not 0.0 <= test_fraction <= 1.0:
        raise HardgenError(f"test fraction must be in [0, 1], got {test_fraction}")
    u = int.from_bytes(hashlib.sha256(b"split:" + rid.encode()).digest()[:8], "big") / 2**64
    return "test" if u < test_fraction else "train"


def make_record(
    family: str,
    prompt: str,
    answer: str | None,
    check: dict,
    source: dict,
    difficulty: dict | None = None,
    test_fraction: float = DEFAULT_TEST_FRACTION,
) -> dict:
    """Build a record dict with its id and split, fields in contract order."""
    rid = record_id(family, prompt, answer, check)
    return {
        "id": rid,
        "family": family,
        "source": source,
        "prompt": prompt,
        "answer": answer,
        "check": check,
        "validity": None,
        "difficulty": difficulty or {},
        "split": split_of(rid, test_fraction),
    }


def dumps_record(rec: dict) -> str:
    """One JSONL line; field order fixed so equal records give byte-identical lines."""
    ordered = {k: rec.get(k) for k in FIELDS}
    for k, v in rec.items():  # keep extra columns a user added, after the contract fields
        if k not in ordered:
            ordered[k] = v
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


def validate_record(rec: Any, where: str) -> dict:
    """Check that `rec` looks like a record; `where` names the file and line for the error."""
    if not isinstance(rec, dict):
        raise HardgenError(f"{where}: expected a JSON object (a record), got {type(rec).__name__}")
    missing = [k for k in ("id", "family", "prompt", "check") if k not in rec]
    if missing:
        raise HardgenError(f"{where}: record lacks required field(s) {', '.join(missing)}")
    for k in NESTED_FIELDS:  # Parquet/HF rows carry nested fields as JSON text
        v = rec.get(k)
        if isinstance(v, str):
            try:
                rec[k] = json.loads(v)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{where}: field {k!r} is neither an object nor JSON text: {e}") from None
    if not isinstance(rec.get("check"), dict) or "kind" not in rec["check"]:
        raise HardgenError(f"{where}: field 'check' must be an object with a 'kind'")
    return rec
