"""Sharded, resumable dataset directories, readers for plain record files, and exports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from hardgen.core.errors import HardgenError
from hardgen.core.records import FIELDS, NESTED_FIELDS, dumps_record, validate_record

#: Version of the on-disk layout; a reader refuses directories written by a newer one.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SHARDS = "shards"
DEFAULT_CHUNK_ROWS = 500


# --------------------------------------------------------------------------- writing


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise HardgenError(f"cannot write {path}: {e.strerror or e}") from None


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def encode_rows(rows: list[dict], fmt: str) -> bytes:
    """Serialise rows as a JSONL or Parquet shard."""
    if fmt == "jsonl":
        return "".join(dumps_record(r) + "\n" for r in rows).encode()
    if fmt == "parquet":
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist([flatten_row(r) for r in rows], schema=arrow_schema()), buf)
        return buf.getvalue()
    raise HardgenError(f"unknown shard format {fmt!r}; expected jsonl or parquet")


def flatten_row(rec: dict) -> dict:
    """Record → flat row: nested fields become JSON text, so every family shares one schema."""
    out = {}
    for k in FIELDS:
        v = rec.get(k)
        out[k] = json.dumps(v, ensure_ascii=False, separators=(",", ":")) if k in NESTED_FIELDS else v
    return out


def arrow_schema():
    import pyarrow as pa

    return pa.schema([(k, pa.string()) for k in FIELDS])


class DatasetWriter:
    """Writes a stage's output directory: `manifest.json` plus atomically renamed shards.

    The manifest lists finished shards with their row count and hash. A stage killed at any point and run
    again skips the shards it lists (after checking their bytes) and redoes the rest, so rows are neither
    lost nor duplicated. `params` identify the run; resuming with different params is refused.

    >>> w = DatasetWriter("out", stage="generate", params={"n": 10})   # doctest: +SKIP
    >>> if not w.is_done("part-00000"): w.write_shard("part-00000", rows)  # doctest: +SKIP
    >>> w.finish({"rows": 10})  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, stage: str, params: dict, fmt: str = "jsonl",
                 overwrite: bool = False, inputs: list[str] | None = None):
        if fmt not in ("jsonl", "parquet"):
            raise HardgenError(f"unknown shard format {fmt!r}; expected jsonl or parquet")
        self.path = Path(path)
        self.fmt = fmt
        self.stage = stage
        params = json.loads(json.dumps(params))  # normalise tuples etc. so resume comparisons are exact
        if self.path.exists() and not self.path.is_dir():
            raise HardgenError(f"output {self.path} exists and is not a directory")
        manifest = self.path / MANIFEST
        old = None
        if manifest.exists():
            old = _read_manifest(self.path)
            if old.get("stage") != stage or old.get("params") != params or old.get("format") != fmt:
                if not overwrite:
                    raise HardgenError(
                        f"{self.path} holds the output of a different run "
                        f"(stage {old.get('stage')!r}, params {old.get('params')}); "
                        "choose another output directory or pass --overwrite")
                old = None
        elif self.path.exists() and any(self.path.iterdir()) and not overwrite:
            raise HardgenError(f"{self.path} is not empty and has no {MANIFEST}; "
                               "choose another output directory or pass --overwrite")
        if old is None and self.path.exists() and overwrite:
            shutil.rmtree(self.path)
        try:
            (self.path / SHARDS).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HardgenError(f"cannot create output directory {self.path}: {e.strerror or e}") from None
        # temp files of a killed run: never listed in the manifest, so safe to remove
        for folder in (self.path, self.path / SHARDS):
            for tmp in folder.glob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
        if not os.access(self.path, os.W_OK):
            raise HardgenError(f"output directory {self.path} is not writable")
        self.manifest: dict[str, Any] = old or {
            "format_version": FORMAT_VERSION, "stage": stage, "params": params, "format": fmt,
            "inputs": inputs or [], "shards": {}, "complete": False, "summary": {},
        }
        self.manifest["complete"] = False
        self._save()

    def shard_path(self, name: str) -> Path:
        return self.path / SHARDS / f"{name}.{self.fmt}"

    def is_done(self, name: str) -> bool:
        """True when shard `name` is listed as finished and its bytes match the manifest."""
        info = self.manifest["shards"].get(name)
        if info is None:
            return False
        p = self.shard_path(name)
        if p.exists() and p.stat().st_size == info["bytes"] and _sha256_file(p) == info["sha256"]:
            return True
        del self.manifest["shards"][name]  # truncated or corrupted: redo it
        self._save()
        return False

    def done_rows(self, name: str) -> Iterator[dict]:
        return _read_shard(self.shard_path(name))

    def write_shard(self, name: str, rows: list[dict], meta: dict | None = None) -> None:
        data = encode_rows(rows, self.fmt)
        _atomic_write_bytes(self.shard_path(name), data)
        self.manifest["shards"][name] = {
            "rows": len(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **(meta or {}),
        }
        self._save()

    def write_side(self, folder: str, name: str, rows: list[dict]) -> None:
        """Write plain JSON lines beside the shards (e.g. rollouts); call before `write_shard` of the same name,
        so a shard marked finished always has its side file."""
        d = self.path / folder
        d.mkdir(exist_ok=True)
        data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows).encode()
        _atomic_write_bytes(d / f"{name}.jsonl", data)

    @property
    def rows_written(self) -> int:
        return sum(s["rows"] for s in self.manifest["shards"].values())

    def finish(self, summary: dict | None = None) -> None:
        self.manifest["summary"] = summary or {}
        self.manifest["complete"] = True
        self._save()

    def _save(self) -> None:
        _atomic_write_bytes(self.path / MANIFEST, (json.dumps(self.manifest, indent=1, sort_keys=True) + "\n").encode())


# --------------------------------------------------------------------------- reading


def _read_manifest(path: Path) -> dict:
    try:
        m = json.loads((path / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise HardgenError(f"cannot read {path / MANIFEST}: {e}") from None
    if not isinstance(m, dict) or "format_version" not in m:
        raise HardgenError(f"{path / MANIFEST} is not a hardgen manifest")
    if m["format_version"] > FORMAT_VERSION:
        raise HardgenError(
            f"{path} was written by a newer hardgen (format {m['format_version']}, this one reads up to "
            f"{FORMAT_VERSION}); upgrade hardgen to read it")
    return m


def _read_jsonl(path: Path, start: int = 0) -> Iterator[dict]:
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise HardgenError(f"cannot read {path}: {e.strerror or e}") from None
    with f:
        for lineno, line in enumerate(f, 1):
            if lineno <= start or not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
            yield validate_record(rec, f"{path}:{lineno}")


def _read_parquet(path: Path, batch_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[dict]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for unreadable files
        raise HardgenError(f"cannot read {path} as Parquet: {e}") from None
    row = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        for rec in batch.to_pylist():
            row += 1
            yield validate_record(rec, f"{path}:row {row}")


def _read_shard(path: Path) -> Iterator[dict]:
    if path.suffix == ".parquet":
        return _read_parquet(path)
    return _read_jsonl(path)


@dataclass(frozen=True)
class Chunk:
    """A unit of work: the rows of one input shard (or one slice of a plain file)."""

    key: str
    rows: list[dict]


class Dataset:
    """A readable set of records: a stage's output directory, or a plain `.jsonl` / `.parquet` file.

    >>> ds = open_dataset("data/valid")  # doctest: +SKIP
    >>> for rec in ds: ...  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise HardgenError(f"no dataset at {self.path}: expected a dataset directory or a .jsonl/.parquet file")
        self.manifest: dict | None = None
        if self.path.is_dir():
            if not (self.path / MANIFEST).exists():
                raise HardgenError(f"{self.path} is a directory without {MANIFEST}; "
                                   "expected a directory written by a gen stage")
            self.manifest = _read_manifest(self.path)
            if not self.manifest.get("complete"):
                raise HardgenError(f"{self.path} is incomplete (its stage was interrupted); "
                                   "run that stage again to finish it")
        elif self.path.suffix not in (".jsonl", ".parquet"):
            raise HardgenError(f"{self.path}: expected a dataset directory or a .jsonl/.parquet file")

    def __repr__(self) -> str:
        return f"Dataset({str(self.path)!r})"

    @property
    def num_rows(self) -> int | None:
        """Row count when known without reading (directories), else None."""
        if self.manifest is None:
            return None
        return sum(s["rows"] for s in self.manifest["shards"].values())

    def shard_paths(self) -> list[tuple[str, Path]]:
        if self.manifest is None:
            return [("part-00000", self.path)]
        fmt = self.manifest.get("format", "jsonl")
        return [(name, self.path / SHARDS / f"{name}.{fmt}") for name in sorted(self.manifest["shards"])]

    def __iter__(self) -> Iterator[dict]:
        if self.manifest is None:
            yield from _read_shard(self.path)
            return
        for name, p in self.shard_paths():
            yield from self._checked_rows(name, p)

    def _checked_rows(self, name: str, path: Path) -> list[dict]:
        """Rows of a finished shard, after checking its bytes against the manifest (a flipped digit in an input
        dataset must not flow silently into the next stage)."""
        info = self.manifest["shards"][name]
        try:
            data = path.read_bytes()
        except OSError as e:
            raise HardgenError(f"cannot read shard {path}: {e.strerror or e}; rerun the stage that wrote "
                               f"{self.path}") from None
        if "sha256" in info and hashlib.sha256(data).hexdigest() != info["sha256"]:
            raise HardgenError(f"shard {path} is corrupted (its bytes differ from {self.path / MANIFEST}); "
                               "rerun the stage that wrote it to redo that shard")
        if path.suffix == ".parquet":
            import io

            import pyarrow.parquet as pq

            return [validate_record(r, f"{path}:row {i}")
                    for i, r in enumerate(pq.read_table(io.BytesIO(data)).to_pylist(), 1)]
        rows = []
        for lineno, line in enumerate(data.decode("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(validate_record(json.loads(line), f"{path}:{lineno}"))
                except json.JSONDecodeError as e:
                    raise HardgenError(f"{path}:{lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
        return rows

    def chunks(self, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[Chunk]:
        """Units of work in a stable order: one per shard, or slices of `chunk_rows` for a plain file."""
        if self.manifest is not None:
            for name, p in self.shard_paths():
                yield Chunk(name, self._checked_rows(name, p))
            return
        buf: list[dict] = []
        i = 0
        for rec in _read_shard(self.path):
            buf.append(rec)
            if len(buf) >= chunk_rows:
                yield Chunk(f"part-{i:05d}", buf)
                buf, i = [], i + 1
        if buf:
            yield Chunk(f"part-{i:05d}", buf)


def open_dataset(path: str | os.PathLike) -> Dataset:
    """Open a dataset directory or a plain `.jsonl` / `.parquet` file of records."""
    return Dataset(path)


def read_records(path: str | os.PathLike) -> list[dict]:
    """All records of a dataset as a list (small data; iterate `open_dataset` for large)."""
    return list(open_dataset(path))


# --------------------------------------------------------------------------- export

def read_json_objects(path: str | os.PathLike, what: str,
                      required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict]]:
    """`(line number, object)` for each non-blank line of a JSON-lines file a user hands in (`what` names it in
    errors): one-line errors for an unreadable file, a line that is not UTF-8 (its byte and column), malformed
    JSON, or an object lacking a `required` key."""
    try:
        f = open(path, "rb")  # decoded line by line, so a bad byte is reported with its line
    except OSError as e:
        raise HardgenError(f"cannot read {what} {path}: {e.strerror or e}") from None
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1});"
                                   f" {what} must be UTF-8 JSON lines") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(obj, dict) or any(k not in obj for k in required):
                keys = " and ".join(repr(k) for k in required)
                raise HardgenError(f"{path}:{lineno}: expected an object" + (f" with {keys}" if keys else ""))
            yield lineno, obj


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    """Write plain JSON lines (any dicts) atomically; returns the count."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows]
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(p, "".join(lines).encode())
    return len(lines)
