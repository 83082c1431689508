"""Grammar-constrained decoding: the hf backend masks tokens that leave a regex's token automaton, `gen serve`
honours vLLM's request fields for it, and the openai backend sends them — on an untrained tiny model, whose free
samples are noise, every constrained sample is a full match that its grammar parses."""

from __future__ import annotations

import re

import openai
import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.grammars import GRAMMARS
from hardgen.models import get_solver
from hardgen.models.base import Rollout
from hardgen.models.generation import GenerationSolver, SamplingParams

pytest.importorskip("outlines_core")

COLOR_TAGS = ("nodes=4", "colors=3", "edges=2")
XOR_TAGS = ("vars=3", "width=1-2", "equations=2")


def test_hf_samples_match_the_grammar_pattern_and_end_by_eos(hf_solver):
    for family, tags in (("llm.color", COLOR_TAGS), ("llm.xor", XOR_TAGS), ("llm.cnf", ("vars=3", "width=2",
                                                                                          "clauses=2"))):
        regex = GRAMMARS[family].pattern(tags)
        out = hf_solver.generate_texts(["Write a new problem.", "Another one."], 4,
                                       SamplingParams(max_new_tokens=80, seed=3, regex=regex))
        for rollouts in out:
            for r in rollouts:
                assert re.fullmatch(regex, r.text), (family, r.text)
                assert r.meta["finish_reason"] == "stop"
                assert GRAMMARS[family].items(r.text) is not None  # the grammar's own parser accepts it
    free = hf_solver.generate_texts(["Write a new problem."], 4, SamplingParams(max_new_tokens=20, seed=3))
    assert not any(re.fullmatch(GRAMMARS["llm.color"].pattern(COLOR_TAGS), r.text) for r in free[0])


def test_records_carry_their_own_constraint_and_reruns_reproduce(hf_solver):
    rx_a, rx_b = r"x[1-3] = [01]", r"[0-9]{3}"  # short: this solver writes at most 12 tokens
    recs = [{"id": "a", "prompt": "one", "regex": rx_a}, {"id": "b", "prompt": "two"},
            {"id": "c", "prompt": "three", "regex": rx_b}]
    first = hf_solver.solve(recs, k=2, seed=5)
    assert all(re.fullmatch(rx_a, r.text) for r in first[0])
    assert all(re.fullmatch(rx_b, r.text) for r in first[2])
    assert [[r.text for r in rs] for rs in hf_solver.solve(recs, k=2, seed=5)] == \
        [[r.text for r in rs] for rs in first]


def test_a_bad_regex_and_a_solver_without_constraints_are_clear_errors(hf_solver):
    with pytest.raises(HardgenError, match="constraint regex"):
        hf_solver.generate_texts(["x"], 1, SamplingParams(max_new_tokens=4, regex="(unclosed"))

    class Unconstrained(GenerationSolver):  # a backend that cannot mask its output
        def uses_chat(self):
            return False

        def generate_texts(self, prompts, n, params, on_result=None):
            return [[Rollout("free text")] * n for _ in prompts]

    assert Unconstrained().solve([{"id": "a", "prompt": "p"}])[0][0].text == "free text"
    with pytest.raises(HardgenError, match="cannot constrain"):
        Unconstrained().solve([{"id": "a", "prompt": "p", "regex": "x"}])


def test_gen_serve_honours_structured_outputs_and_guided_regex(server):
    client = openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=60)
    regex = GRAMMARS["llm.color"].pattern(COLOR_TAGS)
    for extra in ({"structured_outputs": {"regex": regex}}, {"guided_regex": regex}):
        r = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "Write."}], n=3,
                                           max_tokens=80, seed=1, extra_body=extra)
        assert all(re.fullmatch(regex, c.message.content) for c in r.choices), [c.message.content for c in r.choices]
        c = client.completions.create(model="tiny", prompt="Write.", n=2, max_tokens=80, seed=1, extra_body=extra)
        assert all(re.fullmatch(regex, ch.text) for ch in c.choices)
    for bad, what in (({"structured_outputs": {"json": {"type": "object"}}}, "regex only"),
                      ({"structured_outputs": {"regex": "(unclosed"}}, "constraint regex"),
                      ({"guided_choice": ["a", "b"]}, "regex only")):
        with pytest.raises(openai.BadRequestError, match=what):
            client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "x"}], max_tokens=4,
                                           extra_body=bad)


@pytest.mark.parametrize("guided", ["structured_outputs", "guided_regex"])
def test_openai_backend_sends_the_constraint_to_a_real_gen_serve(server, guided):
    regex = GRAMMARS["llm.xor"].pattern(XOR_TAGS)
    with get_solver(f"openai:{server.url}#tiny?max_new_tokens=80&guided={guided}") as s:
        out = s.solve([{"id": "a", "prompt": "Write a system.", "regex": regex}, {"id": "b", "prompt": "Free."}],
                      k=3, seed=2)
    assert all(re.fullmatch(regex, r.text) for r in out[0]), [r.text for r in out[0]]
    assert not all(re.fullmatch(regex, r.text) for r in out[1])


def test_vllm_gets_the_regex_as_structured_outputs_or_guided_decoding():
    """The keyword the vLLM backend adds to `vllm.SamplingParams`, for new (StructuredOutputsParams) and old
    (GuidedDecodingParams) releases (vLLM itself needs a GPU; this checks the mapping)."""
    from types import SimpleNamespace

    from hardgen.models.vllm_backend import structured_regex

    new = SimpleNamespace(sampling_params=SimpleNamespace(StructuredOutputsParams=lambda regex: ("so", regex)))
    old = SimpleNamespace(sampling_params=SimpleNamespace(GuidedDecodingParams=lambda regex: ("gd", regex)))
    assert structured_regex(new, "a+") == {"structured_outputs": ("so", "a+")}
    assert structured_regex(old, "a+") == {"guided_decoding": ("gd", "a+")}
    assert structured_regex(new, None) == {}
    with pytest.raises(HardgenError, match="vLLM"):
        structured_regex(SimpleNamespace(sampling_params=SimpleNamespace()), "a+")


def test_gen_generate_llm_against_a_served_model_writes_only_valid_planted_graphs(server, tmp_path):
    """`gen generate llm --model openai:URL#tiny`: the sampler puts one regex per sample on its requests, the
    openai backend sends them as structured outputs, `gen serve` masks its hf model; an untrained model's samples
    then all parse, have the requested edge count, and (planted) are colourable."""
    import json

    from click.testing import CliRunner

    from hardgen.cli import main
    from hardgen.core.store import open_dataset

    spec = f"openai:{server.url}#tiny?max_new_tokens=80"
    res = CliRunner().invoke(main, ["--json", "generate", "llm", "--model", spec, "--condition",
                                    "llm.color:hard:nodes=5,colors=3,edges=3", "--constrain", "planted", "-n", "4",
                                    "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output[res.output.index("{"):])
    assert summary["invalid"] == 0 and summary["candidates"] >= 4, summary
    for r in open_dataset(str(tmp_path / "o")):
        assert r["validity"]["status"] == "valid" and len(r["source"]["text"].split(",")) == 3
