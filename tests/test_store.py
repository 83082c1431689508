"""Dataset directories: atomic shards, resume, corruption detection, readers, exports."""

import json

import pytest

from hardgen.core.errors import HardgenError
from hardgen.core.records import make_record
from hardgen.core.store import DatasetWriter, open_dataset
from hardgen.stages.export import export_dataset


def _rows(n, start=0):
    return [make_record("math.x", f"p{i}", str(i), {"kind": "math"}, {"seed": i}) for i in range(start, start + n)]


def test_writer_resume_skips_finished_and_redoes_corrupted(tmp_path):
    w = DatasetWriter(tmp_path / "d", "generate", {"n": 4})
    w.write_shard("part-00000", _rows(2))
    w.write_shard("part-00001", _rows(2, 2))
    # a new writer for the same run sees both shards done
    w2 = DatasetWriter(tmp_path / "d", "generate", {"n": 4})
    assert w2.is_done("part-00000") and w2.is_done("part-00001")
    # truncate one shard: it is detected and must be redone
    p = w2.shard_path("part-00001")
    p.write_bytes(p.read_bytes()[:-10])
    w3 = DatasetWriter(tmp_path / "d", "generate", {"n": 4})
    assert w3.is_done("part-00000") and not w3.is_done("part-00001")


def test_incomplete_dataset_is_refused(tmp_path):
    w = DatasetWriter(tmp_path / "d", "generate", {"n": 4})
    w.write_shard("part-00000", _rows(2))
    with pytest.raises(HardgenError, match="incomplete"):
        open_dataset(tmp_path / "d")
    w.finish()
    assert len(list(open_dataset(tmp_path / "d"))) == 2


def test_different_run_in_same_dir_is_refused(tmp_path):
    DatasetWriter(tmp_path / "d", "generate", {"n": 4}).finish()
    with pytest.raises(HardgenError, match="different run"):
        DatasetWriter(tmp_path / "d", "generate", {"n": 5})
    DatasetWriter(tmp_path / "d", "generate", {"n": 5}, overwrite=True)


def test_newer_format_is_refused(tmp_path):
    w = DatasetWriter(tmp_path / "d", "generate", {"n": 1})
    w.finish()
    m = json.loads((tmp_path / "d" / "manifest.json").read_text())
    m["format_version"] = 99
    (tmp_path / "d" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(HardgenError, match="newer hardgen"):
        open_dataset(tmp_path / "d")


def test_malformed_jsonl_names_file_and_line(tmp_path):
    p = tmp_path / "r.jsonl"
    good = json.dumps(_rows(1)[0])
    p.write_text(good + "\n" + good + "\n{not json\n")
    with pytest.raises(HardgenError, match=r"r\.jsonl:3: malformed JSON"):
        list(open_dataset(p))
    p.write_text('{"id": "x"}\n')
    with pytest.raises(HardgenError, match=r"r\.jsonl:1: record lacks"):
        list(open_dataset(p))


def test_plain_file_chunks_are_stable(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in _rows(7)))
    chunks = list(open_dataset(p).chunks(chunk_rows=3))
    assert [c.key for c in chunks] == ["part-00000", "part-00001", "part-00002"]
    assert [len(c.rows) for c in chunks] == [3, 3, 1]


def test_parquet_shards_round_trip(tmp_path):
    w = DatasetWriter(tmp_path / "d", "generate", {"n": 3}, fmt="parquet")
    rows = _rows(3)
    rows[0]["check"] = {"kind": "sat", "clauses": [[1, -2], [2]]}
    w.write_shard("part-00000", rows)
    w.finish()
    back = list(open_dataset(tmp_path / "d"))
    assert back[0]["check"] == {"kind": "sat", "clauses": [[1, -2], [2]]}
    assert [r["id"] for r in back] == [r["id"] for r in rows]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "hf"])
def test_exports_open_in_datasets(tmp_path, fmt):
    import datasets

    w = DatasetWriter(tmp_path / "d", "generate", {"n": 60})
    rows = _rows(60)
    w.write_shard("part-00000", rows)
    w.finish()
    counts = export_dataset(tmp_path / "d", tmp_path / "out", fmt)
    assert counts["train"] + counts["test"] == 60 and counts["test"] > 0
    if fmt == "hf":
        dd = datasets.load_from_disk(str(tmp_path / "out"))
    else:
        dd = datasets.load_dataset(str(tmp_path / "out"), cache_dir=str(tmp_path / "cache"))
    assert set(dd) == {"train", "test"}
    assert dd["train"].column_names == ["id", "family", "source", "prompt", "answer", "check", "validity",
                                        "difficulty", "split"]
    assert len(dd["train"]) == counts["train"]
    row = dd["train"][0]
    assert json.loads(row["check"]) == {"kind": "math"}
    assert row["split"] == "train"
