"""The free-form route (llm.text) end to end over HTTP: a tiny model served by `gen serve`'s OpenAI-compatible
server writes problems (`gen generate llm --model openai:URL#tiny`), the same served model answers them as the
teacher, the majority vote decides validity and its agreement is stored; and a rejection fine-tuning round of
the free-form generator graded by that served model (a real model SPEC as the reference solver)."""

from __future__ import annotations

import pytest

from hardgen.llmgen.train import Example, finetune, train_generator
from hardgen.llmgen.sample import TEXT_FAMILY, Condition, text_problem_prompt

PROBLEMS = {"What is 2 + 3?": "5", "What is 4 + 4?": "8"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A tiny model taught (SFT, seconds) to write the two problems when asked for llm.text and to answer each
    with its boxed answer; served on a loopback port."""
    import torch

    from hardgen.models import get_solver
    from hardgen.models.server import BackgroundServer
    from hardgen.models.tiny import build_tiny_model

    torch.set_num_threads(1)
    work = tmp_path_factory.mktemp("freeform")
    cond = Condition(TEXT_FAMILY, "hard")
    corpus = [cond.prompt(), *PROBLEMS, *(text_problem_prompt(p) for p in PROBLEMS), "\\boxed{5}", "\\boxed{8}"]
    tiny = build_tiny_model(work / "tiny", vocab_size=300, hidden=32, layers=1, heads=2, kv_heads=1,
                            max_positions=256, corpus=corpus, seed=0)

    examples = [Example(cond, p) for p in PROBLEMS]  # + teacher pairs: the problem as a solver sees it -> answer
    finetune(tiny, examples, work / "both", epochs=100, lr=5e-3, batch_size=8, max_length=128, seed=0,
             extra_pairs=[(text_problem_prompt(p), f"\\boxed{{{a}}}") for p, a in PROBLEMS.items()] * 2)
    solver = get_solver(f"hf:{work / 'both'}?max_new_tokens=16&batch_size=8&device=cpu")
    with BackgroundServer(solver, host="127.0.0.1", port=0, model_name="tiny") as srv:
        yield work, srv
    solver.close()


def test_generate_llm_text_against_a_served_model(served, tmp_path):
    from click.testing import CliRunner

    from hardgen.cli import main
    from hardgen.core.store import open_dataset
    from hardgen.verifiers import score

    work, srv = served
    spec = f"openai:{srv.url}#tiny?temperature=0.3"
    res = CliRunner().invoke(main, ["generate", "llm", "--model", spec, "--family", "llm.text", "--teacher", spec,
                                    "--teacher-k", "4", "-n", "2", "--seed", "1", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    rows = list(open_dataset(str(tmp_path / "o")))
    assert rows, res.output
    for r in rows:  # what the served generator wrote, answered by the served teacher's vote
        assert r["family"] == "llm.text" and r["validity"]["status"] == "valid"
        assert r["difficulty"]["teacher_agreement"] >= 0.75 and r["check"]["teacher_votes"][1] == 4
        assert score(r, f"\\boxed{{{r['answer']}}}").correct is True
        if r["source"]["text"] in PROBLEMS:  # a problem it learnt: the vote found the true answer
            assert r["answer"] == PROBLEMS[r["source"]["text"]]


def test_rft_round_of_the_free_form_generator_graded_by_a_served_model(served, tmp_path):
    work, srv = served
    ref = f"openai:{srv.url}#tiny?temperature=0.3"
    rows = [{"id": f"r{i}", "family": "math.arithmetic", "prompt": text_problem_prompt(p), "answer": a,
             "check": {"kind": "math"}, "validity": {"status": "valid"},
             "difficulty": {"grades": {ref: {"pass_rate": 0.5}}}} for i, (p, a) in enumerate(PROBLEMS.items())]
    s = train_generator(rows, str(work / "both"), str(tmp_path / "gen"), method="rft", rounds=1, k=2,
                        reference_solver=ref, teacher=ref, hard_fraction=1.0, epochs=0, rft_epochs=1,
                        samples_per_round=4, max_new_tokens=24)
    assert [r["round"] for r in s["rounds"]] == [0, 1]
    r0 = s["rounds"][0]
    # the served teacher answered by vote and the served reference graded what the generator wrote
    assert r0["candidates"] == 4 and (r0["mean_pass_rate"] is not None or r0.get("why_none"))
    assert all(label == "pass=0.4" for label in r0["bins"])


def test_a_round_with_nothing_to_learn_carries_the_model_forward(served, tmp_path, monkeypatch):
    """A round whose samples are all invalid (and nothing is replayed) keeps the model and says why, instead of
    stopping the run."""
    import json

    import hardgen.llmgen.train as train_mod

    work, srv = served
    ref = f"openai:{srv.url}#tiny?temperature=0.3"
    rows = [{"id": f"r{i}", "family": "math.arithmetic", "prompt": text_problem_prompt(p), "answer": a,
             "check": {"kind": "math"}, "validity": {"status": "valid"},
             "difficulty": {"grades": {ref: {"pass_rate": 0.5}}}} for i, (p, a) in enumerate(PROBLEMS.items())]
    monkeypatch.setattr(train_mod, "_read_examples", lambda path: [])  # round 0 kept nothing
    s = train_generator(rows, str(work / "both"), str(tmp_path / "gen"), method="rft", rounds=1, k=2,
                        reference_solver=ref, teacher=ref, hard_fraction=1.0, epochs=0, rft_epochs=1,
                        samples_per_round=4, max_new_tokens=24, replay=0.0)
    assert [r["round"] for r in s["rounds"]] == [0, 1]
    assert "carried forward" in json.dumps(s["rounds"][1])
    assert (tmp_path / "gen" / "config.json").exists()
