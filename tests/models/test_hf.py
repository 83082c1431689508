"""The transformers backend and the tiny model builder, on CPU with the session's tiny model."""

import json

import pytest
import torch

from hardgen.core.errors import HardgenError
from hardgen.models import get_solver
from hardgen.core.specs import derive_seed
from hardgen.models.generation import (PartialSolveError, SamplingParams, record_to_messages,
                                       truncate_at_stop)

MAX_NEW = 12  # the max_new_tokens of conftest's hf_solver


def texts(rollouts):
    return [[r.text for r in rs] for rs in rollouts]


def test_solve_gives_k_rollouts_per_record_with_token_counts(hf_solver, records):
    assert hf_solver.params.max_new_tokens == MAX_NEW
    out = hf_solver.solve(records, k=3, seed=0)
    assert len(out) == len(records)
    for rs in out:
        assert len(rs) == 3
        for r in rs:
            assert isinstance(r.text, str)
            assert 1 <= r.tokens <= MAX_NEW
            assert r.meta["finish_reason"] in ("stop", "length")
            # a response that ran to the limit used exactly the limit
            if r.meta["finish_reason"] == "length":
                assert r.tokens == MAX_NEW
            assert r.meta["prompt_tokens"] > 10
    # the random tiny model almost never stops early, so most samples are at the limit
    assert sum(r.tokens == MAX_NEW for rs in out for r in rs) >= 6


def test_same_seed_same_texts_other_seed_other_texts(hf_solver, records):
    a = hf_solver.solve(records, k=2, seed=7)
    b = hf_solver.solve(records, k=2, seed=7)
    c = hf_solver.solve(records, k=2, seed=8)
    assert texts(a) == texts(b)
    assert [[r.tokens for r in rs] for rs in a] == [[r.tokens for r in rs] for rs in b]
    assert texts(a) != texts(c)
    # the k samples of one record differ from each other (sampling, not k copies)
    assert len({r.text for r in a[0]}) == 2


def test_solve_leaves_the_global_torch_rng_alone(hf_solver, records):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    hf_solver.solve(records[:1], k=1, seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_greedy_matches_plain_transformers_generate(hf_solver, records):
    """Left-padded batched greedy decoding gives what transformers gives for each prompt alone."""
    tok, model = hf_solver.tokenizer, hf_solver.model
    prompts = [records[0]["prompt"], "x = 1", records[1]["prompt"][:40]]
    got = hf_solver.generate_texts(prompts, 1, SamplingParams(temperature=0, max_new_tokens=MAX_NEW))
    for prompt, [r] in zip(prompts, got):
        ids = tok(prompt, return_tensors="pt")["input_ids"]
        ref = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=MAX_NEW, pad_token_id=tok.pad_token_id)[0, ids.shape[1]:]
        assert r.text == tok.decode(ref, skip_special_tokens=True)
        assert r.meta["prompt_tokens"] == ids.shape[1]


def test_greedy_samples_are_identical(hf_solver):
    [rs] = hf_solver.generate_texts(["Solve the system"], 3, SamplingParams(temperature=0, max_new_tokens=6))
    assert len({r.text for r in rs}) == 1


def test_stop_string_cuts_the_response_and_counts_tokens(hf_solver):
    params = SamplingParams(temperature=0, max_new_tokens=MAX_NEW)
    [[full]] = hf_solver.generate_texts(["Solve the system of equations"], 1, params)
    # pick a printable two-character piece of the greedy text as a stop string
    pos = next(i for i in range(1, len(full.text) - 1) if full.text[i:i + 2].isprintable()
               and full.text[i:i + 2].isascii() and full.text[i:i + 2].strip())
    stop = full.text[pos:pos + 2]
    [[cut]] = hf_solver.generate_texts(["Solve the system of equations"], 1,
                                       SamplingParams(temperature=0, max_new_tokens=MAX_NEW, stop=(stop,)))
    assert cut.text == full.text[:full.text.find(stop)]
    assert cut.meta["finish_reason"] == "stop"
    assert 1 <= cut.tokens < full.tokens


def test_chat_template_is_used_for_records(hf_solver, records):
    assert hf_solver.uses_chat()
    msgs = record_to_messages(records[0], chat=True)
    assert msgs == [{"role": "user", "content": records[0]["prompt"]}]
    assert record_to_messages(records[0], chat=False) == records[0]["prompt"]
    chat_ids = hf_solver.encode(msgs)
    raw_ids = hf_solver.encode(records[0]["prompt"])
    im_start = hf_solver.tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert chat_ids[0] == im_start and im_start not in raw_ids
    [r] = hf_solver.solve(records[:1], k=1, seed=0)[0:1][0]
    assert r.meta["prompt_tokens"] == len(chat_ids)


def test_on_result_and_partial_results_on_failure(hf_solver, records, monkeypatch):
    seen = []
    out = hf_solver.solve(records, k=2, seed=0, on_result=lambda i, rs: seen.append((i, len(rs))))
    assert sorted(seen) == [(i, 2) for i in range(len(records))]
    assert len(out) == len(records)

    calls = {"n": 0}
    real = hf_solver.model.generate

    def failing(*a, **kw):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("CUDA out of memory (simulated)")
        return real(*a, **kw)

    monkeypatch.setattr(hf_solver.model, "generate", failing)
    monkeypatch.setattr(hf_solver, "batch_size", 2)
    with pytest.raises(PartialSolveError) as e:
        hf_solver.solve(records, k=2, seed=0)
    # the first batch (2 sequences = one record's 2 samples) is kept; the rest are None
    done = [r for r in e.value.rollouts if r is not None]
    assert e.value.completed == 1 and len(done[0]) == 2
    assert "out of memory" in str(e.value) and "1 of 4" in str(e.value)


def test_spec_options_and_errors(tiny_model_dir):
    s = get_solver(f"hf:{tiny_model_dir}?max_new_tokens=5&temperature=0.5&batch_size=3&chat=false")
    assert (s.params.max_new_tokens, s.params.temperature, s.batch_size, s.uses_chat()) == (5, 0.5, 3, False)
    assert s.spec.startswith("hf:")
    [[r]] = s.solve([{"prompt": "x"}], k=1, seed=0)
    assert r.tokens <= 5
    with pytest.raises(HardgenError, match="unknown option 'bogus'"):
        get_solver(f"hf:{tiny_model_dir}?bogus=1")
    with pytest.raises(HardgenError, match="must be a int"):
        get_solver(f"hf:{tiny_model_dir}?batch_size=many")
    with pytest.raises(HardgenError, match="does not exist"):
        get_solver(f"hf:{tiny_model_dir}/missing")
    with pytest.raises(HardgenError, match="k .* at least 1"):
        s.solve([{"prompt": "x"}], k=0)
    with pytest.raises(HardgenError, match="no text `prompt`"):
        s.solve([{"id": "abc"}], k=1)


def test_sampling_params_validation_and_helpers():
    assert SamplingParams(stop="###").stop == ("###",)
    for bad in (dict(temperature=-1), dict(top_p=0), dict(max_new_tokens=0), dict(stop=[""])):
        with pytest.raises(HardgenError):
            SamplingParams(**bad)
    assert truncate_at_stop("abc###def</s>", ["</s>", "###"]) == ("abc", True)
    assert truncate_at_stop("abc", ["x"]) == ("abc", False)
    # hashed seeds: neighbouring run seeds do not give neighbouring streams
    assert abs(derive_seed(1, "p") - derive_seed(2, "p")) > 1000
    assert derive_seed(1, "p") == derive_seed(1, "p") and derive_seed(1, "p") < 2**63


def test_tiny_model_builder(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from hardgen.models.tiny import build_tiny_model

    corpus = ["Solve x + 1 = 2. The answer is \\boxed{1}."] * 20
    a = build_tiny_model(tmp_path / "a", arch="llama", vocab_size=300, hidden=32, layers=1, heads=2, kv_heads=1,
                         seed=5, corpus=corpus)
    b = build_tiny_model(tmp_path / "b", arch="llama", vocab_size=300, hidden=32, layers=1, heads=2, kv_heads=1,
                         seed=5, corpus=corpus)
    tok = AutoTokenizer.from_pretrained(a)
    model = AutoModelForCausalLM.from_pretrained(a)
    assert model.config.model_type == "llama" and model.config.hidden_size == 32
    assert tok.pad_token == "<|pad|>" and tok.eos_token == "<|im_end|>" and tok.bos_token == "<|startoftext|>"
    text = "Solve  x = \\frac{1}{2} héllo\n"
    assert tok.decode(tok(text)["input_ids"]) == text  # byte-level: any text round-trips
    rendered = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                       add_generation_prompt=True)
    assert rendered == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    # same arguments, same model: weights and tokenizer are reproducible
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    assert (a / "tokenizer.json").read_text() == (b / "tokenizer.json").read_text()
    assert json.loads((a / "hardgen_tiny.json").read_text())["arch"] == "llama"
    with pytest.raises(HardgenError, match="not empty"):
        build_tiny_model(a, corpus=corpus)
    with pytest.raises(HardgenError, match="unknown tiny model arch"):
        build_tiny_model(tmp_path / "c", arch="gpt5", corpus=corpus)
    with pytest.raises(HardgenError, match="divisible"):
        build_tiny_model(tmp_path / "d", hidden=30, heads=4, corpus=corpus)
