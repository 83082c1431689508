"""The generator commands as a user types them: train (sft) on a graded llm.cnf set, then sample with it."""

import json


def test_generator_train_and_sample_through_the_cli(cli, tmp_path):

    cli("generate", "llm.cnf", "-n", 60, "--level", "easy", "-o", tmp_path / "seed", "-w", 1)
    cli("grade", tmp_path / "seed", "--solver", "sat:walksat@2", "-k", 4, "-o", tmp_path / "graded")
    cli("model", "tiny", "-o", tmp_path / "tiny")
    s = json.loads(cli("--json", "generator", "train", tmp_path / "graded", "--model", tmp_path / "tiny",
                       "--method", "sft", "--param", "epochs=1", "--param", "eval_samples=16",
                       "--constrain", "planted", "-o", tmp_path / "gen").stdout)
    assert s["rounds"] and 0.0 <= s["rounds"][0]["validity_rate"] <= 1.0
    # the round was measured under the planted constraint: nothing it wrote fails to parse or to be satisfiable
    assert s["params"]["constrain"] == "planted" and s["rounds"][0]["validity_rate"] == 1.0
    r = cli("generator", "train", tmp_path / "graded", "--model", tmp_path / "tiny", "--constrain", "loose",
            "-o", tmp_path / "gen2", expect=2)
    assert "loose" in r.output and "Traceback" not in r.output
    s = json.loads(cli("--json", "generate", "llm", "--model", tmp_path / "gen", "-n", 8, "-o",
                       tmp_path / "llm").stdout)
    assert s is not None
    r = cli("generate", "llm", "-n", 5, "-o", tmp_path / "x", expect=2)
    assert "--model" in r.output and "Traceback" not in r.output
