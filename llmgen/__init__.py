"""The trained LLM problem generator: conditioned sampling, EFA authoring, SFT/RFT/GRPO training."""
