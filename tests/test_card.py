"""Dataset cards: valid HF front matter with the right splits and counts, and a body that says how the set was made."""

import json

import pytest

from hardgen.stages.card import build_card_text, write_card
from hardgen.core.errors import HardgenError
from hardgen.core.records import FIELDS


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.irt import irt_dataset
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    d = tmp_path_factory.mktemp("card")
    generate_dataset(["math.modular", "math.linear_system"], n=15, out=str(d / "gen"), seed=5, level="easy",
                     workers=1, test_fraction=0.3)
    verify_dataset(str(d / "gen"), str(d / "ver"), workers=1)
    grade_dataset(str(d / "ver"), str(d / "grade"), ["sim:0.5,0.5", "sim:2,1"], k=4)
    irt_dataset(str(d / "grade"), str(d / "irt"))
    return d


def _split_counts(path):
    from hardgen.core.store import read_records

    out = {}
    for r in read_records(path):
        out[r["split"]] = out.get(r["split"], 0) + 1
    return out


def test_card_parses_with_huggingface_hub_and_counts_match(graded, tmp_path):
    from huggingface_hub import DatasetCard

    from hardgen.stages.export import export_dataset

    export_dataset(graded / "irt", tmp_path / "export", "parquet")
    path = write_card(graded / "irt", tmp_path / "export", config={"out": "x", "generate": {"n": 15}})
    card = DatasetCard.load(path)
    meta = card.data.to_dict()
    counts = _split_counts(graded / "irt")
    assert set(counts) == {"train", "test"}
    info = meta["dataset_info"]
    assert {s["name"]: s["num_examples"] for s in info["splits"]} == counts
    assert all(s["num_bytes"] > 0 for s in info["splits"])
    assert [f["name"] for f in info["features"]] == list(FIELDS)
    assert {f["dtype"] for f in info["features"]} == {"string"}
    files = meta["configs"][0]["data_files"]
    assert {f["split"]: f["path"] for f in files} == {"train": "train.parquet", "test": "test.parquet"}
    assert meta["license"] == "apache-2.0" and "math" in meta["tags"]
    assert meta["task_categories"] and meta["size_categories"] == ["n<1K"]
    # the same text parses from a string too (what push_to_hub uploads)
    assert DatasetCard(path.read_text()).data.to_dict()["dataset_info"] == info
    body = card.text
    for needle in ("math.modular", "math.linear_system", "`math`", "sim:0.5,0.5", "gen verify", "gen grade",
                   "gen irt", "IRT (2pl)", "wilson", "generate:"):
        assert needle in body, needle


def test_card_data_files_open_with_datasets(graded, tmp_path):
    """`load_dataset(folder)` reads the exported files through the card's configs and split sizes."""
    import datasets

    from hardgen.stages.export import export_dataset

    export_dataset(graded / "irt", tmp_path / "jl", "jsonl")
    write_card(graded / "irt", tmp_path / "jl")
    ds = datasets.load_dataset(str(tmp_path / "jl"))
    assert {k: v.num_rows for k, v in ds.items()} == _split_counts(graded / "irt")
    assert ds["train"].info.splits["train"].num_examples == ds["train"].num_rows
    json.loads(ds["train"][0]["check"])


def test_card_records_the_command_and_reconstructs_it(graded, tmp_path):
    text = build_card_text(graded / "irt", tmp_path, command="gen run my.yaml")
    assert "gen run my.yaml" in text
    text = build_card_text(graded / "irt", tmp_path)
    assert "gen generate math.modular math.linear_system -n 15 --seed 5 --level easy" in text
    assert "--solver sim:0.5,0.5 --solver sim:2,1 -k 4" in text


def test_card_for_ungraded_data_and_empty_data(graded, tmp_path):
    text = build_card_text(graded / "gen", tmp_path)
    assert "Not graded" in text and "Validity: not verified 30." in text
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(HardgenError, match="no rows"):
        write_card(empty, tmp_path / "out")


def test_card_claims_only_what_the_rows_show(graded, tmp_path):
    """Unverified rows: no sentence says answers were re-derived; a partly valid set says how many were."""
    from hardgen.core.store import read_records, write_jsonl

    text = build_card_text(graded / "gen", tmp_path)
    assert "Every answer was re-derived" not in text and "answers proved" not in text
    assert "No row of this set has been verified" in text and "difficulty not measured" in text
    rows = list(read_records(graded / "ver"))
    assert all(r["validity"]["status"] == "valid" for r in rows)
    text = build_card_text(graded / "ver", tmp_path)
    assert "Every answer was re-derived" in text and f"{len(rows)} verified reasoning problems" in text
    rows[0]["validity"] = {"status": "invalid", "checks": {"answer": False}, "reason": "made wrong for the test"}
    write_jsonl(tmp_path / "mixed.jsonl", rows)
    text = build_card_text(tmp_path / "mixed.jsonl", tmp_path)
    assert "Every answer was re-derived" not in text and "verified reasoning" not in text
    assert f"{len(rows) - 1} of {len(rows)} rows are `valid`" in text
    assert f"Validity: invalid 1, valid {len(rows) - 1}." in text
