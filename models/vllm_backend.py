"""The vLLM offline backend, SPEC `vllm:PATH_OR_ID`: `vllm.LLM` with one `SamplingParams(n=k, seed=...)` per prompt.

Options ride on the SPEC after `?`: `vllm:Qwen/Qwen2.5-7B-Instruct?tensor_parallel_size=2&max_new_tokens=4096`.
vLLM is imported only when such a solver is built (`pip install hardgen[vllm]`, Linux + CUDA). Chats are
rendered with the model's chat template here and sent as token ids, so a template that already writes the
BOS token does not get a second one. Each prompt's seed is hashed from (run seed, prompt), so results do not
depend on how vLLM schedules the batch.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.models.base import Rollout, register_solver
from hardgen.models.generation import (SAMPLING_OPTION_TYPES, GenerationSolver, PartialSolveError, Prompt,
                                       ResultCallback, SamplingParams, coerce_options,
                                       validate_prompts)

INSTALL_HINT = "the vllm backend needs vLLM, which is not installed: pip install hardgen[vllm] (Linux with a CUDA GPU)"


def import_vllm():
    """The vllm module, or a HardgenError saying how to install it."""
    try:
        import vllm
    except ImportError as e:
        raise HardgenError(f"{INSTALL_HINT} ({e})") from e
    return vllm


def structured_regex(vllm, regex: str | None) -> dict:
    """The `SamplingParams` keyword that constrains vLLM's output to `regex`: `structured_outputs=` (vLLM >=
    0.10.2; the only form from 0.12) or `guided_decoding=` (older releases)."""
    if regex is None:
        return {}
    sp = getattr(vllm, "sampling_params", None)
    if hasattr(sp, "StructuredOutputsParams"):
        return {"structured_outputs": sp.StructuredOutputsParams(regex=regex)}
    if hasattr(sp, "GuidedDecodingParams"):
        return {"guided_decoding": sp.GuidedDecodingParams(regex=regex)}
    raise HardgenError("this vLLM has neither StructuredOutputsParams nor GuidedDecodingParams; constrained "
                       "decoding needs vLLM >= 0.6")


class VLLMSolver(GenerationSolver):
    """Samples with vLLM's offline engine. `chunk_size` prompts go to each `LLM.generate` call, so a failure
    loses at most one chunk (`PartialSolveError.rollouts` keeps the rest); `llm_kwargs` pass through to
    `vllm.LLM` (e.g. `enable_prefix_caching=True`)."""

    def __init__(self, model: str, *, max_new_tokens: int = 512, temperature: float = 1.0, top_p: float = 1.0,
                 top_k: int = -1, stop: Sequence[str] = (), dtype: str = "auto", tensor_parallel_size: int = 1,
                 gpu_memory_utilization: float = 0.9, max_model_len: int | None = None, chat: bool | None = None,
                 trust_remote_code: bool = False, revision: str | None = None, enforce_eager: bool = False,
                 chunk_size: int = 4096, **llm_kwargs: Any):
        vllm = import_vllm()
        if chunk_size < 1:
            raise HardgenError(f"chunk_size must be at least 1, got {chunk_size}")
        if model.startswith((".", "/", "~")) and not Path(model).expanduser().exists():
            raise HardgenError(f"model path {model!r} does not exist")
        self.params = SamplingParams(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                     stop=tuple(stop))
        self.model_name = model
        self.top_k = top_k
        self.chunk_size = chunk_size
        self._vllm = vllm
        path = Path(model).expanduser()
        kwargs: dict[str, Any] = dict(model=str(path) if path.exists() else model, dtype=dtype,
                                      tensor_parallel_size=tensor_parallel_size,
                                      gpu_memory_utilization=gpu_memory_utilization,
                                      trust_remote_code=trust_remote_code, revision=revision,
                                      enforce_eager=enforce_eager, **llm_kwargs)
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        try:
            self.llm = vllm.LLM(**kwargs)
        except (OSError, ValueError) as e:
            raise HardgenError(f"vLLM cannot load model {model!r}: {e}") from e
        self.tokenizer = self.llm.get_tokenizer()
        has_template = bool(getattr(self.tokenizer, "chat_template", None))
        self.chat = has_template if chat is None else chat
        if self.chat and not has_template:
            raise HardgenError(f"chat=True but the tokenizer of {model!r} has no chat template")

    supports_regex = True

    def uses_chat(self) -> bool:
        return self.chat

    def _engine_prompt(self, prompt: Prompt) -> str | dict:
        if isinstance(prompt, str):
            return prompt  # vLLM tokenizes raw text with special tokens, as its completions endpoint does
        text = self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        return {"prompt_token_ids": list(self.tokenizer(text, add_special_tokens=False)["input_ids"])}

    def _sampling(self, n: int, params: SamplingParams, seed: int):
        return self._vllm.SamplingParams(n=n, temperature=params.temperature, top_p=params.top_p,
                                         top_k=self.top_k, max_tokens=params.max_new_tokens,
                                         stop=list(params.stop) or None, seed=seed,
                                         **structured_regex(self._vllm, params.regex))

    def generate_texts(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                       on_result: ResultCallback | None = None,
                       regexes: Sequence[str | None] | None = None) -> list[list[Rollout]]:
        """`n` samples per prompt; `regexes` (one per prompt, None = free) constrain prompts separately."""
        if regexes is not None and len(regexes) != len(prompts):
            raise HardgenError(f"{len(regexes)} constraint regexes for {len(prompts)} prompts")
        if n < 1:
            raise HardgenError(f"n (samples per prompt) must be at least 1, got {n}")
        validate_prompts(prompts)
        results: list[list[Rollout] | None] = [None] * len(prompts)
        for start in range(0, len(prompts), self.chunk_size):
            chunk = list(range(start, min(len(prompts), start + self.chunk_size)))
            try:
                engine_prompts = [self._engine_prompt(prompts[i]) for i in chunk]
                sampling = [self._sampling(n, params if regexes is None else replace(params, regex=regexes[i]),
                                           derive_seed(
                    "vllm", params.seed, hashlib.sha256(json.dumps(prompts[i], sort_keys=True).encode()).hexdigest()
                ) % 2**31) for i in chunk]
                outputs = self.llm.generate(engine_prompts, sampling_params=sampling, use_tqdm=False)
            except Exception as e:
                done = sum(r is not None for r in results)
                raise PartialSolveError(f"vLLM generation with {self.model_name!r} failed after {done} of "
                                        f"{len(prompts)} prompts: {type(e).__name__}: {e}", results) from e
            for i, out in zip(chunk, outputs):
                prompt_tokens = len(out.prompt_token_ids or [])
                rollouts = [Rollout(text=c.text, tokens=len(c.token_ids),
                                    meta={"finish_reason": c.finish_reason, "prompt_tokens": prompt_tokens})
                            for c in sorted(out.outputs, key=lambda c: c.index)]
                results[i] = rollouts
                if on_result is not None:
                    on_result(i, rollouts)
        return results  # type: ignore[return-value]

    def close(self) -> None:
        """Shut the engine down and free GPU memory."""
        if getattr(self, "llm", None) is None:
            return
        self.llm = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass


#: options `vllm:MODEL?name=value&...` accepts
VLLM_OPTION_TYPES: dict[str, type] = {**SAMPLING_OPTION_TYPES, "top_k": int, "dtype": str,
                                      "tensor_parallel_size": int, "gpu_memory_utilization": float,
                                      "max_model_len": int, "chat": bool, "trust_remote_code": bool,
                                      "revision": str, "enforce_eager": bool, "chunk_size": int,
                                      "enable_prefix_caching": bool}


@register_solver("vllm")
def _vllm_solver(spec: SolverSpec) -> VLLMSolver:
    model, opts = spec.target, spec.option_dict
    if not model:
        raise HardgenError("vllm SPEC needs a model path or hub id, e.g. vllm:Qwen/Qwen2.5-7B-Instruct")
    kwargs = coerce_options(opts, VLLM_OPTION_TYPES, "vllm:")
    return VLLMSolver(model, **kwargs)
