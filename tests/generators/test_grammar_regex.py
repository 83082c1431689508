"""The formal grammars as regular expressions: every string a pattern accepts parses in its grammar (hypothesis
draws strings from the expression, and random walks draw token sequences from the token automaton built for a
real tokenizer), has the requested size, and the template's canonical texts match their own tags' pattern."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardgen.core.errors import HardgenError
from hardgen.generators import grammar_regex as gx
from hardgen.generators.base import get_family
from hardgen.generators.grammars import GRAMMARS
from hardgen.generators.item import generate_one

# (family, tags) pairs whose patterns are checked: a size tag, a partial set, none
CASES = [
    ("llm.cnf", ("vars=5", "width=3", "clauses=4")),
    ("llm.cnf", ("vars=4", "width=1-3", "clauses=3")),
    ("llm.cnf", ("vars=3",)),
    ("llm.xor", ("vars=6", "width=2-3", "equations=5")),
    ("llm.xor", ("vars=4", "equations=2")),
    ("llm.color", ("nodes=12", "colors=3", "edges=6")),
    ("llm.color", ("nodes=5",)),
]
SIZE = {"llm.cnf": "clauses", "llm.xor": "equations", "llm.color": "edges"}


def parse_size(family: str, text: str) -> tuple[int, int]:
    """(items written, highest variable/vertex) straight from the grammar's own parser."""
    from hardgen.generators import formal_math as fm
    from hardgen.generators.formal import parse_formula

    if family == "llm.cnf":
        n, clauses = parse_formula(text)
        return len(clauses), n
    if family == "llm.xor":
        n, eqs = fm.parse_system(text)
        return len(eqs), n
    n, _, _ = fm.parse_graph(text)
    return len(text.split(":", 1)[1].split(",")), n


def check_text(family: str, tags: tuple[str, ...], text: str) -> None:
    v = gx.tag_values(tags)
    count, highest = parse_size(family, text)  # raises if the grammar's parser refuses it
    if SIZE[family] in v:
        assert count == int(v[SIZE[family]]), (text, tags)
    bound = v.get("vars") or v.get("nodes")
    if bound is not None:
        assert highest <= int(bound), (text, tags)
    if "colors" in v:
        assert text.startswith(f"colors {v['colors']}:")


@pytest.mark.parametrize("family,tags", CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_string_the_pattern_accepts_parses(family, tags, data):
    pattern = GRAMMARS[family].pattern(tags)
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    check_text(family, tags, text)
    assert GRAMMARS[family].items(text) is not None


@pytest.mark.parametrize("family,tags", [c for c in CASES if c[0] != "llm.color" or "colors=3" in c[1]])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), plant_seed=st.integers(0, 10**6))
def test_every_string_a_planted_pattern_accepts_admits_the_witness(family, tags, data, plant_seed):
    """Planted: a random witness drawn for the sample must be a solution of every text the pattern accepts (a
    satisfying assignment, a consistent solution, a proper colouring), checked clause by clause / edge by edge."""
    from hardgen.generators import formal_math as fm
    from hardgen.generators.formal import parse_formula

    g = GRAMMARS[family]
    plant = g.plant(tags, random.Random(plant_seed))
    text = data.draw(st.from_regex(g.pattern(tags, plant), fullmatch=True))
    check_text(family, tags, text)
    if family == "llm.cnf":
        _, clauses = parse_formula(text)
        assert all(any((lit > 0) == bool(plant[abs(lit) - 1]) for lit in cl) for cl in clauses), (text, plant)
    elif family == "llm.xor":
        _, eqs = fm.parse_system(text)
        assert all(sum(plant[v - 1] for v in vs) % 2 == rhs for vs, rhs in eqs), (text, plant)
        assert fm.solve_system(text).reason != "inconsistent: no solution (proved by CaDiCaL)"
    else:
        _, k, edges = fm.parse_graph(text)
        assert all(plant[u - 1] != plant[v - 1] and 1 <= plant[u - 1] <= k for u, v in edges), (text, plant)
        assert fm.solve_graph(text).valid


def test_template_canonical_texts_match_the_pattern_of_their_own_tags():
    for family, g in GRAMMARS.items():
        fam = get_family(family)
        for level, knobs in fam.levels.items():
            for i in range(6):
                text = g.text_of(generate_one(family, level, knobs, 1, i))
                assert text is not None
                assert re.fullmatch(g.pattern(g.tags(text)), text), (family, level, text)
                assert re.fullmatch(g.pattern(()), text), (family, level, text)  # and the untagged language


def test_patterns_refuse_what_the_parser_refuses():
    cnf = GRAMMARS["llm.cnf"].pattern(("vars=4", "width=2", "clauses=2"))
    for bad in ("(A | A) & (B | C)", "(B | A) & (B | C)", "(A | E) & (B | C)", "(A | B)", "(A | B) & (B | C) & (A | C)",
                "(A | B)&(B | C)"):
        assert not re.fullmatch(cnf, bad), bad
    xor = GRAMMARS["llm.xor"].pattern(("vars=3", "equations=2"))
    for bad in ("x1 + x1 = 0; x2 = 1", "x2 + x1 = 0; x2 = 1", "x4 = 0; x1 = 1", "x1 = 2; x2 = 0", "x1 = 0"):
        assert not re.fullmatch(xor, bad), bad
    color = GRAMMARS["llm.color"].pattern(("nodes=4", "colors=3", "edges=2"))
    for bad in ("colors 3: 1-1, 1-2", "colors 3: 2-1, 1-3", "colors 3: 1-5, 1-2", "colors 4: 1-2, 1-3",
                "colors 3: 01-2, 1-3"):
        assert not re.fullmatch(color, bad), bad


def test_bad_tags_and_oversized_languages_are_clear_errors():
    with pytest.raises(HardgenError, match="vars"):
        GRAMMARS["llm.cnf"].pattern(("vars=30",))
    with pytest.raises(HardgenError, match="whole number"):
        GRAMMARS["llm.color"].pattern(("edges=many",))
    with pytest.raises(HardgenError, match="too large"):
        GRAMMARS["llm.cnf"].pattern(("vars=26", "width=1-13"))


def test_random_walks_on_the_token_automaton_write_parsing_texts(tmp_path):
    """The token-level automaton outlines-core builds for a real byte-level BPE tokenizer: random walks through
    its allowed tokens, ended only where end-of-sequence is allowed, decode to texts the grammar parses."""
    pytest.importorskip("outlines_core")
    from transformers import AutoTokenizer

    from hardgen.models.constrained import RegexGuide, TokenVocabulary
    from hardgen.models.tiny import build_tiny_model

    corpus = [GRAMMARS[f].text_of(generate_one(f, lv, kn, 0, i)) for f in GRAMMARS
              for lv, kn in get_family(f).levels.items() for i in range(3)]
    tok_dir = build_tiny_model(tmp_path / "m", vocab_size=320, hidden=8, layers=1, heads=1, kv_heads=1,
                               max_positions=64, corpus=corpus)
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    vocab = TokenVocabulary(tok, [eos])
    rng = random.Random(0)
    for family, tags in CASES:
        regex = GRAMMARS[family].pattern(tags)
        for _ in range(25):
            guide, ids = RegexGuide(vocab, regex), []
            while not guide.finished:
                allowed = guide.allowed()
                assert allowed, (family, tags, tok.decode(ids))
                # prefer to go on until the text is long enough to finish; end when end-of-sequence is drawn
                t = rng.choice(allowed)
                guide.advance(t)
                if t != eos:
                    ids.append(t)
                assert len(ids) < 2000
            text = tok.decode(ids)
            assert re.fullmatch(regex, text), (family, text)
            check_text(family, tags, text)
