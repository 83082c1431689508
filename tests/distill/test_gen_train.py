"""Training the problem generator: hard-part selection, the GRPO reward, and THE PROOF that a tiny generator trained
on llm.cnf writes mostly valid, mostly novel problems that rejection fine-tuning makes harder for the reference
solver while validity holds (fixed seed; about 2 minutes on two busy CPU cores)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hardgen.llmgen.train import GeneratorReward, generator_corpus, hard_examples, row_to_target, train_generator
from hardgen.stages.generator import formal_seed_set
from hardgen.core.errors import HardgenError
from hardgen.generators.formal import formula_key, parse_formula
from hardgen.llmgen.sample import TRAIN_TEXTS_FILE

REFERENCE = "sat:walksat@2"


def graded_row(i: int, rate: float, clauses: list[list[int]]) -> dict:
    return {"id": f"r{i}", "family": "llm.cnf", "prompt": "p", "answer": None,
            "check": {"kind": "sat", "params": {"num_vars": max(abs(x) for c in clauses for x in c),
                                                "clauses": clauses, "status": "sat", "format": "bits"}},
            "validity": {"status": "valid"}, "difficulty": {"grades": {REFERENCE: {"pass_rate": rate}}}}


def test_hard_examples_keep_the_hardest_part_and_rewrite_sat_rows():
    rows = [graded_row(i, rate, [[1, -2, 3], [2, 3 + i % 3, -1]]) for i, rate in enumerate([0.9, 0.1, 0.5, 0.3])]
    rows.append({**graded_row(9, 0.0, [[1]]), "validity": {"status": "invalid"}})  # invalid rows never teach
    ex = hard_examples(rows, hard_fraction=0.5)
    assert [e.pass_rate for e in ex] == [0.1, 0.3]
    assert all(e.condition.difficulty == "hard" and e.condition.family == "llm.cnf" for e in ex)
    assert formula_key(parse_formula(ex[0].text)[1]) == formula_key(rows[1]["check"]["params"]["clauses"])
    assert [e.pass_rate for e in hard_examples(rows, max_pass_rate=0.5)] == [0.1, 0.3, 0.5]
    # a sat.saturn-style row over letters converts; an unsatisfiable or 27-variable one does not
    assert row_to_target(graded_row(0, 0.5, [[1, 2], [-1, 2]]))[0] == "llm.cnf"
    assert row_to_target(graded_row(0, 0.5, [[1], [-1]])) is None
    assert row_to_target(graded_row(0, 0.5, [[27, 1]])) is None
    with pytest.raises(HardgenError, match="grade them first"):
        hard_examples([{**r, "difficulty": {}} for r in rows])


def test_generator_reward_is_validity_times_hardness_minus_copies():
    train = "(A | B | !C) & (!A | C | D) & (B | !D | E)"
    reward = GeneratorReward(REFERENCE, k=8, train_texts=[{"family": "llm.cnf", "text": train}])
    try:
        # one satisfying assignment of 64: the 2-flip WalkSAT solved 1-5 of 8 rollouts on each of 12 seeds
        hard = ("(!D | !C | F) & (!F | !E | !C) & (!B | !E | D) & (D | C | !A) & (!F | !B | E) & (D | !A | !F) & "
                "(!A | !B | !E) & (D | E | !C) & (!E | !D | A) & (D | !A | F) & (D | !F | E) & (!F | !E | !D) & "
                "(!E | B | !A) & (A | C | B) & (B | D | A) & (!D | F | B) & (B | F | E) & (!A | C | !D) & "
                "(!F | !C | !A) & (!D | E | !F) & (!F | !A | B) & (F | A | D)")
        got = reward([[{"role": "assistant", "content": hard}], "(A)", "(A) & (!A)", "(A | ", train,
                      "(!C | A | B) & (D | C | !A) & (E | !D | B)"])
        assert 0.0 < got[0] <= 1.0          # valid and the 2-flip WalkSAT fails on some rollouts
        assert got[1] == 0.0                # valid but trivial: solved every time
        assert got[2] == 0.0 and got[3] == 0.0  # unsatisfiable / malformed: not problems
        assert got[4] == -1.0 and got[5] == -1.0  # a copy of the training data, also reordered
        with pytest.raises(HardgenError, match="teacher"):
            reward.score_text("What is 2+2?", "llm.text")
        # asked for a bin: closeness 1 - |p - target| replaces hardness; a level row (target -1) keeps hardness
        near, far, level = reward(["(A)", "(A)", "(A)"], family=["llm.cnf"] * 3, target=[1.0, 0.2, -1.0])
        assert (near, level) == (1.0, 0.0) and far == pytest.approx(0.2)
    finally:
        reward.close()


def test_conditioned_examples_pair_each_problem_with_its_measured_bin():
    rows = [graded_row(i, rate, [[1, -2, 3], [2, 3 + i % 3, -1]]) for i, rate in enumerate([0.9, 0.1, 0.5, 0.3])]
    ex = hard_examples(rows, solver=REFERENCE, hard_fraction=1.0, conditioned=True)
    assert [(e.condition.difficulty, e.condition.solver) for e in ex] == [
        ("pass=0", REFERENCE), ("pass=0.2", REFERENCE), ("pass=0.4", REFERENCE), ("pass=0.8", REFERENCE)]
    assert "difficulty: pass rate 0.2 for sat:walksat@2" in ex[1].condition.prompt()
    with pytest.raises(HardgenError, match="solver"):
        hard_examples(rows, conditioned=True)


def test_round_table_never_prints_nan():
    from hardgen.llmgen.train import round_table

    rounds = [{"round": 0, "candidates": 8, "validity_rate": 0.0, "novelty": None, "mean_pass_rate": None,
               "spearman": None, "why_none": "no valid samples: 8 of 8 samples invalid (does not parse: 8)",
               "bins": {"pass=0.2": {"samples": 8, "validity_rate": 0.0, "novelty": None, "mean_pass_rate": None,
                                     "yield_per_1000": 0.0}}}]
    rows, header, notes = round_table(rounds)
    text = " ".join(map(str, rows + [header] + notes))
    assert "nan" not in text.lower() and "does not parse: 8" in notes[0] and rows[0][4] == "-"


def test_train_generator_input_errors(tmp_path):
    with pytest.raises(HardgenError, match="method"):
        train_generator([], "m", str(tmp_path / "o"), method="ppo")
    with pytest.raises(HardgenError, match="does not exist"):
        train_generator([], str(tmp_path / "missing"), str(tmp_path / "o"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(HardgenError, match="not empty"):
        train_generator([], str(tmp_path), str(tmp_path / "full"))
    with pytest.raises(HardgenError, match="known parameters"):
        train_generator([], str(tmp_path), str(tmp_path / "o2"), learning_rate=1.0)


@pytest.fixture(scope="module")
def proof(tmp_path_factory):
    """Seed set -> tiny model -> SFT on the hard half -> 3 rounds of rejection fine-tuning (fixed seeds)."""
    import torch

    from hardgen.models.tiny import build_tiny_model

    # a module fixture is set up before the function-scoped one_torch_thread: one thread here too (on a busy
    # 2-core machine two spinning threads made this run 3x slower)
    prev = torch.get_num_threads()
    torch.set_num_threads(1)

    work = tmp_path_factory.mktemp("gen")
    graded = formal_seed_set(str(work / "seed"), n=300, seed=1, reference_solver=REFERENCE, k=8)
    tiny = build_tiny_model(work / "tiny", vocab_size=320, hidden=64, layers=2, heads=4, kv_heads=2,
                            max_positions=512, corpus=generator_corpus(graded), seed=0)
    try:
        # sampled freely: this proves the unconstrained loop's dynamic (harder by writing more clauses); under
        # the grammar constraint each condition's size tag fixes the clause count
        summary = train_generator(graded, str(tiny), str(work / "gen"), method="rft", rounds=3, k=16,
                                  samples_per_round=256, reference_solver=REFERENCE, seed=0, condition="level",
                                  constrain=False)
    finally:
        torch.set_num_threads(prev)
    return work, graded, summary


def test_proof_rft_makes_valid_novel_problems_harder(proof):
    work, graded, s = proof
    rounds = s["rounds"]
    for r in rounds:
        print(f"round {r['round']}: validity {r['validity_rate']:.3f}  novelty {r['novelty']:.3f}  "
              f"mean pass rate ({REFERENCE}) {r['mean_pass_rate']:.3f}  clauses {r['mean_clauses']}")
    assert [r["round"] for r in rounds] == [0, 1, 2, 3]
    # (a) mostly valid, every round: parses and is proved satisfiable
    assert all(r["validity_rate"] >= 0.8 for r in rounds)
    # (b) mostly not copies of the training data (clause-set Jaccard < 0.8 to every text trained on)
    assert all(r["novelty"] >= 0.9 for r in rounds)
    # (c) rejection fine-tuning makes what it writes harder for the reference solver while validity holds
    assert rounds[-1]["mean_pass_rate"] <= rounds[0]["mean_pass_rate"] - 0.04
    assert rounds[-1]["validity_rate"] >= rounds[0]["validity_rate"] - 0.03
    assert rounds[-1]["mean_clauses"] > rounds[0]["mean_clauses"]  # by writing more (distinct) constraints
    assert all(r["kept_mean_pass_rate"] < r["mean_pass_rate"] for r in rounds[1:])  # it kept the hard ones
    # the saved model and its training texts are what `gen generate llm` samples from and deduplicates against
    out = Path(s["path"])
    assert (out / "config.json").exists() and (out / TRAIN_TEXTS_FILE).exists()
    written = json.loads((out / "hardgen_generator.json").read_text())
    assert written["rounds"][-1]["mean_pass_rate"] == rounds[-1]["mean_pass_rate"]


def test_sampling_the_trained_generator_writes_verified_records(proof, tmp_path):
    from hardgen.llmgen.sample import sample_llm_problems
    from hardgen.core.store import open_dataset
    from hardgen.stages.verify import verify_record

    work, _, s = proof
    res = sample_llm_problems(s["path"], n=16, out=str(tmp_path / "llm"), seed=3, temperature=0.8, top_p=0.95,
                              max_new_tokens=256)
    rows = list(open_dataset(str(tmp_path / "llm")))
    assert res["rows"] == len(rows) == 16 and res["validity_rate"] >= 0.5
    # the training conditions (the size tags come from each seed formula, so a few use 5 of the 6 variables)
    odd = [c for c in res["conditions"]
           if not re.fullmatch(r"family: llm.cnf\ndifficulty: hard\ntags: vars=[56], width=3, clauses=\d+", c)]
    assert res["conditions"] and not odd, odd
    for r in rows:  # `gen verify` agrees with the sampler, by its own route (Glucose, re-parsed prompt)
        assert verify_record(r)["status"] == "valid"


def test_grpo_runs_with_the_generator_reward(proof, tmp_path):
    work, graded, s = proof
    g = train_generator(graded, s["path"], str(tmp_path / "grpo"), method="grpo", epochs=0, grpo_steps=2,
                        num_generations=4, samples_per_round=16, max_new_tokens=200, reference_solver=REFERENCE,
                        condition="level")
    assert [r["round"] for r in g["rounds"]] == [0, 1]
    hist = g["rounds"][1]["history"]
    assert g["rounds"][1]["steps"] == 2 and len(hist) == 2
    assert all(-1.0 <= h["reward"] <= 1.0 for h in hist)
    assert (Path(g["path"]) / "config.json").exists() and g["sft"] is None
    # epochs=0 started from the trained generator: its round 0 is that model, and its training texts are kept
    assert g["rounds"][0]["validity_rate"] >= 0.8
    assert len((Path(g["path"]) / TRAIN_TEXTS_FILE).read_text().splitlines()) > g["hard_examples"]


def test_conditioned_rft_rounds_resume_and_the_table_has_no_nan(tmp_path):
    """A tiny llm.color generator, 1 SFT epoch + 1 RFT round (seconds); killed after round 1 was trained but
    before it was recorded, the same command (here through the CLI) redoes round 1 only."""
    from click.testing import CliRunner

    from hardgen.cli import main
    from hardgen.models.tiny import build_tiny_model

    ref = "sat:walksat@20"
    graded = formal_seed_set(str(tmp_path / "seed"), n=24, seed=2, reference_solver=ref, k=4, family="llm.color",
                             levels=["easy", "hard"])
    tiny = build_tiny_model(tmp_path / "tiny", vocab_size=300, hidden=32, layers=1, heads=2, kv_heads=1,
                            max_positions=400, corpus=generator_corpus(graded), seed=0)
    args = dict(method="rft", rounds=1, k=4, reference_solver=ref, hard_fraction=1.0, epochs=1, rft_epochs=1,
                samples_per_round=6, max_new_tokens=96)
    s = train_generator(graded, str(tiny), str(tmp_path / "gen"), **args)
    assert [r["round"] for r in s["rounds"]] == [0, 1] and s["resumed_rounds"] == 0
    assert all(c.startswith("Write a new problem.\nfamily: llm.color\ndifficulty: pass rate ") for c in s["conditions"])
    assert all(b.startswith("pass=") for b in s["rounds"][0]["bins"])
    (tmp_path / "gen" / "rounds" / "round-1" / "round.json").unlink()
    again = train_generator(graded, str(tiny), str(tmp_path / "gen"), **args)
    assert again["resumed_rounds"] == 1 and [r["round"] for r in again["rounds"]] == [0, 1]
    assert again["rounds"][0] == s["rounds"][0]
    # the same command through the CLI finds both rounds done and prints the per-bin table
    human = CliRunner().invoke(main, ["generator", "train", graded, "--model", str(tiny), "--method", "rft",
                                      "--rounds", "1", "-k", "4", "--reference-solver", ref, "--hard-fraction",
                                      "1.0", "--param", "epochs=1", "--param", "rft_epochs=1", "--param",
                                      "samples_per_round=6", "--param", "max_new_tokens=96",
                                      "-o", str(tmp_path / "gen")])
    assert human.exit_code == 0, human.output
    assert "nan" not in human.output.lower() and "Spearman" in human.output and "pass=" in human.output
    # other arguments into the same directory: refused, not mixed
    with pytest.raises(HardgenError, match="other arguments"):
        train_generator(graded, str(tiny), str(tmp_path / "gen"), **{**args, "k": 8})
    # GRPO from the trained generator, the reward asking for each row's bin (closeness), one step
    g = train_generator(graded, str(tmp_path / "gen"), str(tmp_path / "grpo"), method="grpo", k=4,
                        reference_solver=ref, hard_fraction=1.0, epochs=0, grpo_steps=1, num_generations=2,
                        samples_per_round=4, max_new_tokens=96)
    assert [r["round"] for r in g["rounds"]] == [0, 1] and g["rounds"][1]["steps"] == 1
    assert all(-1.0 <= h["reward"] <= 1.0 for h in g["rounds"][1]["history"])


def test_grpo_generation_is_constrained_per_prompt(tmp_path):
    """`constrain_generate` wraps the model's `generate` as TRL's GRPO calls it: each row of a batch follows the
    grammar of the condition in its own prompt (an untrained model, so only the mask makes the texts parse)."""
    import re as regex

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from hardgen.generators.grammars import GRAMMARS
    from hardgen.llmgen.sample import Condition
    from hardgen.llmgen.train import constrain_generate, constraint_in_prompt
    from hardgen.models.tiny import build_tiny_model

    pytest.importorskip("outlines_core")
    conds = [Condition("llm.color", "pass=0.2", ("nodes=5", "colors=3", "edges=3"), "sat:walksat@20"),
             Condition("llm.xor", "hard", ("vars=3", "width=1-2", "equations=2")),
             Condition("llm.text", "hard")]
    assert constraint_in_prompt(conds[0].prompt()) == GRAMMARS["llm.color"].pattern(conds[0].tags)
    assert constraint_in_prompt(conds[2].prompt()) is None
    d = build_tiny_model(tmp_path / "m", vocab_size=300, hidden=16, layers=1, heads=2, kv_heads=1,
                         max_positions=256, corpus=[c.prompt() for c in conds])
    tok = AutoTokenizer.from_pretrained(str(d))
    tok.padding_side = "left"
    lm = AutoModelForCausalLM.from_pretrained(str(d))
    constrain_generate(lm, tok)
    chats = [tok.apply_chat_template([{"role": "user", "content": c.prompt()}], tokenize=False,
                                     add_generation_prompt=True) for c in conds]
    enc = tok(chats, return_tensors="pt", padding=True, add_special_tokens=False)
    torch.manual_seed(0)
    out = lm.generate(**enc, max_new_tokens=90, do_sample=True, pad_token_id=tok.pad_token_id)
    texts = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    assert regex.fullmatch(GRAMMARS["llm.color"].pattern(conds[0].tags), texts[0]), texts[0]
    assert regex.fullmatch(GRAMMARS["llm.xor"].pattern(conds[1].tags), texts[1]), texts[1]
    assert GRAMMARS["llm.xor"].items(texts[1]) is not None
