"""Distillation and RL: teacher traces with rejection sampling, TRL SFT and GRPO with curricula, evaluation."""

from __future__ import annotations

# the trainers import torch/TRL only when called, so importing this package stays light
from hardgen.distill.config import LoraSpec
from hardgen.distill.curriculum import CURRICULA
from hardgen.distill.evaluate import evaluate
from hardgen.distill.grpo import train_grpo
from hardgen.distill.sft import train_sft
from hardgen.distill.traces import make_traces

__all__ = ["make_traces", "train_sft", "train_grpo", "evaluate", "LoraSpec", "CURRICULA"]
