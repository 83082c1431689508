"""The distillation commands as a user types them: traces, sft/grpo dry runs and a short SFT, eval --compare."""

import json


def test_distill_commands_end_to_end(cli, arith_data, tiny_student, tmp_path):
    s = json.loads(cli("--json", "distill", "traces", arith_data, "--teacher", "ref:noise=0.3", "-k", 2,
                       "-o", tmp_path / "traces").stdout)
    assert s["traces"] > 0 and s["traces"] == s["correct"] and s["skipped_test"] > 0
    cli("export", tmp_path / "traces", "--format", "trl-sft", "-o", tmp_path / "trl")
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "trl" / "train.parquet").to_pylist()
    assert len(rows) == s["traces"] and [m["role"] for m in rows[0]["messages"]][-1] == "assistant"
    dry = cli("distill", "sft", tmp_path / "traces", "--student", tiny_student, "-o", tmp_path / "sft",
              "--lora", "r=4,alpha=8", "--max-steps", 2, "--dry-run").output
    assert "dry run" in dry and "max_steps: 2" in dry and not (tmp_path / "sft" / "config.json").exists()
    cli("distill", "sft", tmp_path / "traces", "--student", tiny_student, "-o", tmp_path / "sft", "--max-steps", 2,
        "--threads", 1)
    assert (tmp_path / "sft" / "config.json").exists()
    dry = cli("distill", "grpo", arith_data, "--student", tmp_path / "sft", "-o", tmp_path / "grpo",
              "--curriculum", "sec", "--curriculum-option", "tau=0.5", "--max-steps", 3, "--dry-run").output
    assert "dry run" in dry and "sec" in dry
    r = cli("--json", "eval", arith_data, "--solver", f"hf:{tmp_path / 'sft'}?temperature=0&max_new_tokens=16",
            "--compare", f"hf:{tiny_student}?temperature=0&max_new_tokens=16", "--max-problems", 8,
            "-o", tmp_path / "eval")
    rep = json.loads(r.stdout)
    assert rep["split"] == "test" and len(rep["solvers"]) == 2
    assert (tmp_path / "eval" / "eval.png").exists()


def test_distill_errors_before_training(cli, arith_data, tmp_path):
    r = cli("distill", "sft", arith_data, "--student", tmp_path / "nope", "-o", tmp_path / "x", expect=2)
    assert "no 'messages' column" in r.output and "gen distill traces" in r.output and "Traceback" not in r.output
    cli("distill", "traces", arith_data, "--teacher", "ref:noise=0", "-k", 1, "-o", tmp_path / "t")
    r = cli("distill", "sft", tmp_path / "t", "--student", tmp_path / "nope", "-o", tmp_path / "x", expect=2)
    assert "nope" in r.output and not (tmp_path / "x").exists()
    from hardgen.stages.tiny_demo import tokenizer_corpus
    from hardgen.models.tiny import build_tiny_model

    build_tiny_model(tmp_path / "tiny", corpus=tokenizer_corpus(), vocab_size=320, hidden=16, layers=1, heads=2,
                     kv_heads=1, max_positions=64, seed=0)
    r = cli("distill", "sft", tmp_path / "t", "--student", tmp_path / "tiny", "--max-length", 8, "-o",
            tmp_path / "x", expect=2)
    assert r.output.startswith("error: all ") and "set --max-length" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "x").exists()
