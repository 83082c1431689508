"""The export stage: a dataset as {train,test}.jsonl / .parquet, a HF DatasetDict, or the shapes TRL reads."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.records import FIELDS
from hardgen.core.store import arrow_schema, flatten_row, open_dataset
from hardgen.stages.options import ExportOptions

EXPORT_FORMATS = ("jsonl", "parquet", "hf", "trl-sft", "trl-grpo")


def trl_row(rec: dict, fmt: str) -> dict:
    """A row in the shape TRL's trainers read: `messages` for SFT (a trace set), a chat `prompt` plus the
    `check`/`answer` columns `hardgen.verifiers.reward` needs for GRPO."""
    if fmt == "trl-sft":
        if not rec.get("messages"):
            raise HardgenError(f"row {rec.get('id')} has no 'messages': export a trace set (`gen distill traces`) "
                               "as trl-sft, or problems as trl-grpo")
        return {"messages": rec["messages"], "id": rec["id"], "family": rec["family"]}
    return {"prompt": [{"role": "user", "content": rec["prompt"]}], "check": json.dumps(rec["check"]),
            "answer": rec.get("answer"), "id": rec["id"], "family": rec["family"]}


def export_dataset(src: str | os.PathLike, out: str | os.PathLike, fmt: str, overwrite: bool = False) -> dict:
    """Write `src` as `out/{train,test}.jsonl`, `out/{train,test}.parquet`, or a HF `DatasetDict` on disk.

    In every export the nested fields (`source`, `check`, `validity`, `difficulty`) are JSON text, so rows of all
    families share one flat schema of string columns and `datasets.load_dataset(out)` opens any mix;
    `json.loads` a column to get the object back. hardgen's own readers accept these files as input.
    Returns rows per split.
    """
    if fmt not in EXPORT_FORMATS:
        raise HardgenError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    ds = open_dataset(src)
    out = Path(out)
    if out.exists():
        if not overwrite and (not out.is_dir() or any(out.iterdir())):
            raise HardgenError(f"{out} exists and is not empty; pass --overwrite to replace it")
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    out.mkdir(parents=True)
    counts = {"train": 0, "test": 0}
    if fmt in ("trl-sft", "trl-grpo"):
        # parquet per split: TRL loads it with load_dataset("parquet", ...) and keeps message lists as lists
        import pyarrow as pa
        import pyarrow.parquet as pq

        by_split: dict[str, list[dict]] = {}
        for rec in ds:
            by_split.setdefault(rec.get("split") or "train", []).append(trl_row(rec, fmt))
        for split, rows in by_split.items():
            pq.write_table(pa.Table.from_pylist(rows), out / f"{split}.parquet")
            counts[split] = len(rows)
        return counts
    if fmt == "hf":
        import datasets

        feats = datasets.Features({k: datasets.Value("string") for k in FIELDS})
        splits = {}
        for split in ("train", "test"):
            rows = [flatten_row(r) for r in ds if r.get("split", "train") == split]
            counts[split] = len(rows)
            if rows:
                splits[split] = datasets.Dataset.from_list(rows, features=feats)
        datasets.DatasetDict(splits).save_to_disk(str(out))
        return counts
    writers: dict[str, Any] = {}
    try:
        for rec in ds:
            split = rec.get("split") or "train"
            if split not in counts:
                counts[split] = 0
            counts[split] += 1
            if split not in writers:
                writers[split] = _open_export_writer(out / f"{split}.{fmt}", fmt)
            writers[split].write(rec)
    finally:
        for w in writers.values():
            w.close()
    return counts


class _JsonlExport:
    def __init__(self, path: Path):
        self.f = open(path, "w", encoding="utf-8")

    def write(self, rec: dict) -> None:
        self.f.write(json.dumps(flatten_row(rec), ensure_ascii=False, separators=(",", ":")) + "\n")

    def close(self) -> None:
        self.f.close()


class _ParquetExport:
    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        self.buf: list[dict] = []
        self.w = pq.ParquetWriter(path, arrow_schema())

    def write(self, rec: dict) -> None:
        self.buf.append(flatten_row(rec))
        if len(self.buf) >= 5000:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.buf:
            self.w.write_table(pa.Table.from_pylist(self.buf, schema=arrow_schema()))
            self.buf = []

    def close(self) -> None:
        self._flush()
        self.w.close()


def _open_export_writer(path: Path, fmt: str):
    return _JsonlExport(path) if fmt == "jsonl" else _ParquetExport(path)


def run(src: str, out: str, opts: ExportOptions, overwrite: bool = False, command: str | None = None,
        config: Any = None) -> dict:
    """The export stage with its settings (and the dataset card unless `card` is off): what `gen export` and
    `gen run` call. Returns rows per split, and the card's path."""
    counts: dict[str, Any] = export_dataset(src, out, opts.format, overwrite=overwrite)
    if opts.card:  # ready for push_to_hub: the card describes how the set was made and verified
        from hardgen.stages.card import write_card

        counts = {**counts, "card": str(write_card(src, out, command=command, config=config))}
    return counts
