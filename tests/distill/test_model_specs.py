"""Every option that names a model takes every SPEC form, parsed once (core.specs.SolverSpec); an option that
trains weights refuses a backend it cannot train, in one line."""

import pytest

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, parse_assignments


@pytest.mark.parametrize("text, backend, target, options", [
    ("hf:./tiny", "hf", "./tiny", {}),
    ("hf:Qwen/Qwen2.5-0.5B-Instruct?temperature=0.7&max_new_tokens=64", "hf", "Qwen/Qwen2.5-0.5B-Instruct",
     {"temperature": "0.7", "max_new_tokens": "64"}),
    ("Qwen/Qwen2.5-0.5B-Instruct", "hf", "Qwen/Qwen2.5-0.5B-Instruct", {}),
    ("openai:http://127.0.0.1:8000/v1#my-model?concurrency=4", "openai", "http://127.0.0.1:8000/v1#my-model",
     {"concurrency": "4"}),
    ("vllm:Qwen/Qwen2.5-7B-Instruct", "vllm", "Qwen/Qwen2.5-7B-Instruct", {}),
    ("sat:cdcl@200", "sat", "cdcl@200", {}),
    ("sat:walksat@2,p=0.3", "sat", "walksat@2,p=0.3", {}),
    ("ref:noise=0.3&seed=2", "ref", "", {"noise": "0.3", "seed": "2"}),
])
def test_spec_forms(text, backend, target, options):
    s = SolverSpec.parse(text)
    assert (s.backend, s.target, s.option_dict) == (backend, target, options)
    assert SolverSpec.parse(s) is s


def test_spec_keeps_its_text_as_the_grade_key_and_renders_added_options():
    assert str(SolverSpec.parse("hf:./tiny?temperature=0")) == "hf:./tiny?temperature=0"
    s = SolverSpec.parse("hf:./tiny?temperature=0").with_options(max_new_tokens=16, temperature=None)
    assert str(s) == "hf:./tiny?temperature=0&max_new_tokens=16"


def test_bare_directory_is_hf(tmp_path):
    assert SolverSpec.parse(str(tmp_path)) == SolverSpec("hf", str(tmp_path))


@pytest.mark.parametrize("bad", ["", "openai:http://x/v1#m?concurrency", "hf:x?=3"])
def test_malformed_specs_are_one_line_errors(bad):
    with pytest.raises(HardgenError):
        SolverSpec.parse(bad, "--solver")


def test_training_needs_a_local_model():
    assert SolverSpec.parse("hf:/models/x").local_model("--student") == "/models/x"
    with pytest.raises(HardgenError, match="--student .*openai: SPEC"):
        SolverSpec.parse("openai:http://127.0.0.1:1/v1#m").local_model("--student")
    with pytest.raises(HardgenError, match="sampling options"):
        SolverSpec.parse("hf:/models/x?temperature=1").local_model("--student")


def test_one_name_value_parser():
    assert parse_assignments(["a=1", " b = x "], "--knob") == {"a": "1", "b": "x"}
    assert parse_assignments(["a=1", "b=true", "c=x"], "--param", typed=True) == {"a": 1, "b": True, "c": "x"}
    with pytest.raises(HardgenError, match="--knob expects NAME=VALUE"):
        parse_assignments(["a"], "--knob")


@pytest.mark.parametrize("form", ["hf", "bare"])
def test_student_takes_every_local_form(cli, tiny_student, tmp_path, form):
    traces = tmp_path / "t"
    cli("distill", "traces", _arith(cli, tmp_path), "--teacher", "ref:noise=0", "-k", 1, "-o", traces)
    student = f"hf:{tiny_student}" if form == "hf" else tiny_student
    out = cli("distill", "sft", traces, "--student", student, "-o", tmp_path / "s", "--dry-run").output
    assert "dry run" in out and str(tiny_student) in out


def test_model_options_refuse_untrainable_backends(cli, tmp_path):
    traces = tmp_path / "t"
    cli("distill", "traces", _arith(cli, tmp_path), "--teacher", "ref:noise=0", "-k", 1, "-o", traces)
    for cmd in (["distill", "sft", traces, "--student"], ["distill", "grpo", traces, "--student"],
                ["generator", "train", traces, "--model"]):
        r = cli(*cmd, "openai:http://127.0.0.1:9/v1#m", "-o", tmp_path / "x", expect=2)
        assert "openai: SPEC" in r.output and "Traceback" not in r.output


def _arith(cli, tmp_path):
    d = tmp_path / "arith"
    if not d.exists():
        cli("generate", "math.arithmetic", "-n", 8, "--seed", 3, "-o", d)
    return d
