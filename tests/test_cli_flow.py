"""The user's path through the CLI: list, generate, verify, score, export, run a pipeline config."""

import json

import pytest


@pytest.fixture(scope="module")
def valid_dir(tmp_path_factory):
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset

    d = tmp_path_factory.mktemp("flow")
    generate_dataset(["math.modular", "math.linear_system"], n=40, out=str(d / "raw"), seed=2, workers=1)
    verify_dataset(str(d / "raw"), str(d / "valid"), workers=1)
    return d


def test_list_shows_knobs_and_levels(cli):
    out = cli("list").output
    assert "math.linear_system" in out and "n_vars" in out and "[2, 8]" in out and "hard" in out
    infos = json.loads(cli("--json", "list").output)
    names = {f["name"] for f in infos}
    assert len([n for n in names if n.startswith("math.")]) >= 10
    for f in infos:
        assert len(f["levels"]) >= 3 and f["knobs"], f["name"]
    one = cli("list", "math.linear_system").output
    assert "example" in one and "answer:" in one and "verification" in one


def test_verify_marks_rows_and_catches_a_wrong_answer(cli, valid_dir, tmp_path):
    rows = [json.loads(x) for p in sorted((valid_dir / "valid" / "shards").glob("*.jsonl"))
            for x in p.read_text().splitlines()]
    assert len(rows) == 80 and all(r["validity"]["status"] == "valid" for r in rows)
    assert all(r["validity"]["checks"]["answer_accepted"] for r in rows)
    # a tampered answer is caught by the independent re-derivation
    bad = dict(rows[0], answer="12345")
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(bad) + "\n")
    cli("verify", p, "-o", tmp_path / "v", "--workers", 1)
    v = json.loads((tmp_path / "v" / "shards" / "part-00000.jsonl").read_text())
    assert v["validity"]["status"] == "invalid" and "failed" in v["validity"]["reason"]


def test_score_is_strict(cli, valid_dir, tmp_path):
    rows = [json.loads(x) for p in sorted((valid_dir / "valid" / "shards").glob("*.jsonl"))
            for x in p.read_text().splitlines()]
    a, b = rows[0], rows[-1]
    resp = [
        {"id": a["id"], "response": f"Working... so the answer is \\boxed{{{a['answer']}}}."},
        {"id": b["id"], "response": f"\\boxed{{{b['answer']}}}"},
        {"id": a["id"], "response": f"\\boxed{{{a['answer']}}} or maybe \\boxed{{{a['answer']}1}}"},
        {"id": a["id"], "response": "I am not sure."},
        {"id": "nope", "response": "\\boxed{1}"},
    ]
    rp = tmp_path / "r.jsonl"
    rp.write_text("".join(json.dumps(r) + "\n" for r in resp))
    res = cli("--json", "score", valid_dir / "valid", "--responses", rp, "-o", tmp_path / "s.jsonl")
    s = json.loads(res.output)
    assert s["correct"] == 2 and s["total"] == 5 and s["unknown_id"] == 1 and s["accuracy"] == 0.4
    verdicts = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [v["correct"] for v in verdicts] == [True, True, False, False, None]
    rp.write_text('{"id": 1}\n')
    r = cli("score", valid_dir / "valid", "--responses", rp, expect=2)
    assert "r.jsonl:1: expected an object with 'id' and 'response'" in r.output
    # a Latin-1 file (é as one byte 0xe9) on line 2: named, one line, nothing written
    rp.write_bytes(json.dumps(resp[0]).encode() + b"\n" + '{"id": "x", "response": "caf\u00e9"}\n'.encode("latin-1"))
    r = cli("score", valid_dir / "valid", "--responses", rp, "-o", tmp_path / "s2.jsonl", expect=2)
    assert "r.jsonl:2: not UTF-8 (byte 0xe9 at column 29)" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "s2.jsonl").exists()


def test_pipeline_config_runs_skips_and_rejects_typos(cli, tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text(f"""
out: {tmp_path / 'run'}
seed: 1
workers: 1
generate: {{families: [math.modular, {{family: math.counting, n: 20, level: easy}}], n: 30, level: medium}}
verify: {{drop_invalid: true}}
grade: {{solvers: ["sim:0.5,0.5"], k: 4}}
select: {{solver: "sim:0.5,0.5"}}
export: {{format: jsonl}}
""")
    res = json.loads(cli("--json", "run", cfg).stdout)
    assert res["generate"]["rows"] == 50 and res["verify"]["counts"]["valid"] == 50
    assert 0 < res["select"]["kept"] < 50
    assert (tmp_path / "run" / "export" / "train.jsonl").exists()
    again = json.loads(cli("--json", "run", cfg).stdout)
    assert set(again.values()) == {"skipped"}
    cfg.write_text(f"out: {tmp_path / 'x'}\ngenerate: {{families: [math.modular], nn: 3}}\n")
    r = cli("run", cfg, expect=2)
    assert "unknown key 'nn'" in r.output and "did you mean: n" in r.output


def test_pipeline_runs_distillation_stages(cli, tmp_path):
    from hardgen.models.tiny import build_tiny_model

    build_tiny_model(tmp_path / "tiny")
    cfg = tmp_path / "p.yaml"
    cfg.write_text(f"""
out: {tmp_path / 'run'}
workers: 1
generate: {{families: [math.arithmetic], n: 80, level: medium}}
verify: {{drop_invalid: true}}
traces: {{teacher: "ref:noise=0.3", k: 2}}
sft: {{student: {tmp_path / 'tiny'}, max_steps: 2, threads: 1}}
grpo: {{curriculum: static, max_steps: 1, threads: 1}}
eval: {{max_problems: 4}}
""")
    res = json.loads(cli("--json", "run", cfg).stdout)
    assert res["traces"]["traces"] > 0
    assert (tmp_path / "run" / "sft" / "config.json").exists() and (tmp_path / "run" / "grpo" / "config.json").exists()
    assert list(res["eval"]["solvers"]) == [f"hf:{tmp_path / 'run' / 'grpo'}?temperature=0"]
    cfg.write_text(f"out: {tmp_path / 'x'}\ngenerate: {{families: [math.modular]}}\nsft: {{student: s}}\n")
    r = cli("run", cfg, expect=2)
    assert "traces" in r.output


def test_trl_exports_feed_the_reward_function(cli, valid_dir, tmp_path):
    import datasets

    from hardgen.verifiers import reward

    cli("export", valid_dir / "valid", "--format", "trl-grpo", "-o", tmp_path / "grpo")
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "grpo" / "train.parquet"),
                               cache_dir=str(tmp_path / "c"))["train"]
    assert ds[0]["prompt"][0]["role"] == "user"
    batch = ds[:3]
    good = [[{"role": "assistant", "content": f"\\boxed{{{a}}}"}] for a in batch["answer"]]
    assert reward(good, check=batch["check"], answer=batch["answer"]) == [1.0, 1.0, 1.0]
    r = cli("export", valid_dir / "valid", "--format", "trl-sft", "-o", tmp_path / "sft", expect=2)
    assert "no 'messages'" in r.output
