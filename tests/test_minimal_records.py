"""Records with only {id, family, prompt, answer, check} go through every stage."""

import json

from hardgen.core.store import read_records


def test_minimal_records_go_through_every_stage(cli, tmp_path):
    cli("generate", "math.arithmetic", "math.modular", "-n", 12, "--seed", 4, "--level", "easy", "-o", tmp_path / "g")
    keep = ("id", "family", "prompt", "answer", "check")
    rows = [{k: r[k] for k in keep} for r in read_records(tmp_path / "g")]
    src = tmp_path / "minimal.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))

    v = json.loads(cli("--json", "verify", src, "-o", tmp_path / "v", "-w", 1).stdout)
    assert v["counts"]["valid"] == len(rows)
    g = json.loads(cli("--json", "grade", src, "-s", "sim:0.5,0.5", "-s", "sim:2,1", "-k", 4,
                       "-o", tmp_path / "gr").stdout)
    assert g["rows"] == len(rows) and all(t["problems"] == len(rows) for t in g["solvers"].values())
    s = json.loads(cli("--json", "select", tmp_path / "gr", "-s", "sim:0.5,0.5", "--window", "[0,1]",
                       "--no-solvable-check", "-o", tmp_path / "s").stdout)
    assert s["input"] == len(rows)
    i = json.loads(cli("--json", "irt", tmp_path / "gr", "-o", tmp_path / "i").stdout)
    assert i["items"] == len(rows)
    e = json.loads(cli("--json", "export", src, "--format", "jsonl", "-o", tmp_path / "e").stdout)
    assert e["train"] + e["test"] == len(rows)
    t = json.loads(cli("--json", "distill", "traces", src, "--teacher", "ref:noise=0", "-k", 1, "--include-test",
                       "-o", tmp_path / "t").stdout)
    assert t["problems"] == len(rows) and t["traces"] == len(rows)
    r = json.loads(cli("--json", "report", tmp_path / "gr", "-o", tmp_path / "r").stdout)
    assert r["report"]
