"""SFT: clear errors before training, config resolution (defaults < YAML < kwargs), a short full run that
checkpoints and resumes, and LoRA training that saves a plain loadable model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hardgen.distill.config import LoraSpec
from hardgen.distill.sft import train_sft
from hardgen.stages.traces import make_traces
from hardgen.core.errors import HardgenError


@pytest.fixture(scope="module")
def traces(arith_data: str, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("tr") / "traces"
    make_traces(arith_data, "ref:noise=0.3", str(out), k=1)
    return str(out)


def test_errors_before_training(arith_data: str, traces: str, tiny_student: str, tmp_path: Path) -> None:
    with pytest.raises(HardgenError, match="no 'messages' column"):
        train_sft(arith_data, tiny_student, str(tmp_path / "a"))
    with pytest.raises(HardgenError, match="does not exist"):
        train_sft(traces, str(tmp_path / "missing-model"), str(tmp_path / "b"))
    no_template = tmp_path / "no_template"
    shutil.copytree(tiny_student, no_template)
    (no_template / "chat_template.jinja").unlink(missing_ok=True)
    cfg = json.loads((no_template / "tokenizer_config.json").read_text())
    cfg.pop("chat_template", None)
    (no_template / "tokenizer_config.json").write_text(json.dumps(cfg))
    with pytest.raises(HardgenError, match="no chat template"):
        train_sft(traces, str(no_template), str(tmp_path / "c"))
    make_traces(arith_data, "ref:noise=1", str(tmp_path / "none"), k=1)
    with pytest.raises(HardgenError, match="no verified traces"):
        train_sft(str(tmp_path / "none"), tiny_student, str(tmp_path / "d"))
    with pytest.raises(HardgenError, match="unknown hyper-parameter"):
        train_sft(traces, tiny_student, str(tmp_path / "e"), dry_run=True, learning_rate=1.0)
    # every prompt fills max_length: TRL would drop all examples and fail on an empty dataset mid-run
    with pytest.raises(HardgenError, match=r"all \d+ traces are longer than --max-length 8 tokens .* set "
                                           r"--max-length \d+ \(the longest example\)"):
        train_sft(traces, tiny_student, str(tmp_path / "f"), max_length=8)
    assert not (tmp_path / "f").exists()


def test_some_traces_longer_than_max_length_are_counted(traces: str, tiny_student: str, capsys) -> None:
    from hardgen.distill.sft import check_lengths, load_traces
    from hardgen.distill.config import check_student

    rows, tok = load_traces(traces), check_student(tiny_student)
    full = check_lengths(rows, tok, 10_000)
    assert full["longer"] == full["dropped"] == 0 and full["rows"] == len(rows)
    mid = check_lengths(rows, tok, full["longest"] - 1)
    assert mid["longer"] >= 1 and mid["dropped"] == 0
    train_sft(traces, tiny_student, "unused", max_length=full["longest"] - 1, dry_run=True)
    assert f"are longer than --max-length {full['longest'] - 1} tokens" in capsys.readouterr().err


def test_dry_run_resolves_yaml_then_kwargs(traces: str, tiny_student: str, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sft:\n  lr: 0.01\n  epochs: 7\n  lora: r=4,alpha=8\n")
    res = train_sft(traces, tiny_student, str(tmp_path / "o"), config_yaml=str(cfg), epochs=2, dry_run=True)
    c = res["config"]
    assert res["dry_run"] and c["lr"] == 0.01 and c["epochs"] == 2.0 and c["batch_size"] == 8
    assert c["lora"]["r"] == 4 and c["lora"]["alpha"] == 8 and c["rows"] > 0
    assert not (tmp_path / "o").exists()
    assert LoraSpec.parse("none") is None and LoraSpec.parse(True) == LoraSpec()


def test_short_run_checkpoints_and_resumes(traces: str, tiny_student: str, tmp_path: Path) -> None:
    out = tmp_path / "sft"
    first = train_sft(traces, tiny_student, str(out), max_steps=4, save_steps=2, batch_size=4, lr=1e-3)
    assert first["steps"] == 4 and first["resumed_from"] is None
    assert (out / "checkpoints" / "checkpoint-4").is_dir() and (out / "config.json").exists()
    # "interrupted" at step 4 of 6: the second call continues from the newest checkpoint
    again = train_sft(traces, tiny_student, str(out), max_steps=6, save_steps=2, batch_size=4, lr=1e-3)
    assert again["resumed_from"].endswith("checkpoint-4") and again["steps"] == 6
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(str(out))


def test_lora_run_saves_adapter_and_merged_model(traces: str, tiny_student: str, tmp_path: Path) -> None:
    out = tmp_path / "lora"
    res = train_sft(traces, tiny_student, str(out), lora="r=4,alpha=8", max_steps=2, batch_size=4, resume=False)
    assert res["steps"] == 2
    assert (out / "adapter" / "adapter_config.json").exists()
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(out))
    assert not any("lora" in n for n, _ in model.named_parameters())


def test_loss_covers_only_the_assistant_trace(traces: str, tiny_student: str, tmp_path: Path) -> None:
    from hardgen.distill.config import check_student
    from hardgen.distill.sft import SFTParams, build_sft_trainer, load_traces

    rows = load_traces(traces)
    tok = check_student(tiny_student)
    trainer = build_sft_trainer(SFTParams(max_steps=1), rows[:3], tiny_student, tok, tmp_path / "ck", "cpu")
    for row, ex in zip(rows[:3], trainer.train_dataset):
        ids, labels = ex["input_ids"], ex["labels"]
        trained = tok.decode([t for t, lab in zip(ids, labels) if lab != -100])
        ignored = tok.decode([t for t, lab in zip(ids, labels) if lab == -100])
        trace = row["completion"][0]["content"]
        # the loss sees the trace (and the end-of-turn token), never the prompt or the chat headers
        assert trained.startswith(trace) and trained[len(trace):].strip() in ("", "<|im_end|>")
        assert row["prompt"][0]["content"] in ignored and "assistant" in ignored
        assert trace not in ignored
