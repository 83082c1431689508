"""Shared fixtures for backend tests: ONE tiny model built per session, one loaded solver, one server."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: every backend test samples this few tokens, so the suite stays fast on two CPU cores
MAX_NEW = 12


@pytest.fixture(autouse=True)
def one_torch_thread():
    """A 100k-parameter model gains nothing from intra-op threads, and on a busy 2-core machine they spin
    (measured: 1.7 s vs 0.15 s per solve). Restored after each test so other test areas keep their setting."""
    import torch

    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny random Qwen2 model + BPE tokenizer with a chat template (built once, a few seconds)."""
    from hardgen.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture(scope="session")
def hf_solver(tiny_model_dir):
    """The tiny model loaded once through the hf backend, on CPU."""
    from hardgen.models import get_solver

    solver = get_solver(f"hf:{tiny_model_dir}?max_new_tokens={MAX_NEW}&batch_size=8&device=cpu")
    yield solver
    solver.close()


@pytest.fixture(scope="session")
def server(hf_solver):
    """An OpenAI-compatible server over the loaded tiny model, on a free loopback port."""
    from hardgen.models.server import BackgroundServer

    with BackgroundServer(hf_solver, host="127.0.0.1", port=0, model_name="tiny") as srv:
        yield srv


@pytest.fixture(scope="session")
def records():
    """A few real hardgen problems."""
    from hardgen.generators.item import generate_one

    return [generate_one("math.linear_system", None, {}, 3, i) for i in range(4)]
