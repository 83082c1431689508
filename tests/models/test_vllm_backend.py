"""The vLLM backend where vLLM is not installed: a clear error saying how to get it."""

import importlib.util

import pytest

from hardgen.core.errors import HardgenError
from hardgen.models import get_solver, solver_specs


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_names_the_extra(tiny_model_dir):
    assert "vllm" in solver_specs()
    with pytest.raises(HardgenError, match=r"pip install hardgen\[vllm\]"):
        get_solver(f"vllm:{tiny_model_dir}")
