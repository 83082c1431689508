"""Shared fixtures for distillation tests: one torch thread, a small arithmetic set, one tiny student."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from intra-op threads and on a busy 2-core machine they spin (measured 6x slower
    training steps); restored after each test."""
    import torch

    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="session")
def arith_data(tmp_path_factory) -> str:
    """60 easy+medium math.arithmetic problems and 20 linear systems (a family without `explain`)."""
    from hardgen.stages.generate import generate_dataset

    out = tmp_path_factory.mktemp("data") / "raw"
    generate_dataset([{"family": "math.arithmetic", "level": "medium", "n": 30},
                      {"family": "math.arithmetic", "level": "hard", "n": 30},
                      {"family": "math.linear_system", "level": "easy", "n": 20}],
                     n=30, out=str(out), seed=3, workers=1, test_fraction=0.2)
    return str(out)


@pytest.fixture(scope="session")
def tiny_student(tmp_path_factory) -> str:
    """A very small random Qwen2 student whose tokenizer knows arithmetic text (built in about a second)."""
    from hardgen.stages.tiny_demo import tokenizer_corpus
    from hardgen.models.tiny import build_tiny_model

    out = tmp_path_factory.mktemp("student") / "tiny"
    build_tiny_model(out, corpus=tokenizer_corpus(), vocab_size=320, hidden=32, layers=1, heads=2, kv_heads=1,
                     max_positions=256, seed=0)
    return str(out)
