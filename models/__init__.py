"""Solvers: inference backends (transformers, vLLM, OpenAI-compatible HTTP) and built-in CPU solver panels."""

from hardgen.models.base import Rollout, Solver, get_solver, register_solver, solver_specs

__all__ = ["Rollout", "Solver", "get_solver", "register_solver", "solver_specs"]
