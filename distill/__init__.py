"""Distillation and RL: teacher-trace rejection sampling (the traces stage runs it), TRL SFT and GRPO with curricula, evaluation."""

from __future__ import annotations

# the trainers import torch/TRL only when called, so importing this package stays light
from hardgen.distill.config import LoraSpec
from hardgen.distill.curriculum import CURRICULA
from hardgen.distill.evaluate import evaluate
from hardgen.distill.grpo import train_grpo
from hardgen.distill.sft import train_sft

__all__ = ["train_sft", "train_grpo", "evaluate", "LoraSpec", "CURRICULA"]
