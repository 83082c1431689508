"""The transformers backend, SPEC `hf:PATH_OR_ID`: batched sampling from a local or hub causal LM.

Options ride on the SPEC after `?`: `hf:./tiny?max_new_tokens=64&temperature=0.7&batch_size=8&dtype=bfloat16`.
Reproducible: the same (prompts, n, sampling params, seed) gives the same texts on the same device and
dtype, because each batch samples from a torch RNG seeded with a hash of the seed and the batch's contents,
inside a forked RNG state (the caller's global torch RNG is left alone). On CPU and in float32 that is bit
for bit. In bfloat16/float16 on a GPU the fused SDPA attention kernels are not run-to-run deterministic, so a
few long samples of a large batch can diverge (measured on an H100: 1-2 of 128 per rerun);
`deterministic=True` loads half-precision models with eager attention instead (measured: 0 of 512).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Sequence

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.models.base import Rollout, register_solver
from hardgen.models.generation import (SAMPLING_OPTION_TYPES, GenerationSolver, PartialSolveError, Prompt,
                                       ResultCallback, SamplingParams, coerce_options,
                                       truncate_at_stop, validate_prompts)

DTYPES = ("auto", "float32", "bfloat16", "float16")


def _looks_local(name: str) -> bool:
    """A filesystem path rather than a hub id (`org/name`)."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep != "/" and os.sep in name \
        or Path(name).expanduser().exists()


def resolve_device(device: str) -> str:
    """`auto` -> `cuda` when a GPU is visible, else `cpu`."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise HardgenError(f"device {device!r} requested but no CUDA GPU is visible; use device=cpu or auto")
    return device


def resolve_dtype(dtype: str, device: str):
    """`auto` -> float32 on CPU (fast and exact there), bfloat16 on GPUs that support it, else float16."""
    import torch

    if dtype not in DTYPES:
        raise HardgenError(f"unknown dtype {dtype!r}; expected one of {', '.join(DTYPES)}")
    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return getattr(torch, dtype)


def _stop_criteria(tokenizer, stop: list[str], prompt_width: int):
    """Ends a row once a stop string appears in its *generated* text.

    transformers' own `stop_strings` also matches text that straddles the prompt ("hello" + "o" hits "oo"),
    which the OpenAI API and vLLM do not; this looks only past the prompt. It decodes a short tail each step:
    a stop string of L characters spans at most 4L byte-level tokens.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    tail = 4 * max(len(s) for s in stop) + 4

    class StopOnGeneratedText(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            end = input_ids.shape[1]
            start = max(prompt_width, end - tail)
            rows = tokenizer.batch_decode(input_ids[:, start:end].tolist(), skip_special_tokens=True)
            return torch.tensor([any(s in r for s in stop) for r in rows], dtype=torch.bool,
                                device=input_ids.device)

    return StoppingCriteriaList([StopOnGeneratedText()])


class HFSolver(GenerationSolver):
    """Samples from a transformers causal LM; prompts are batched with left padding.

    `batch_size` counts sequences per `generate` call (prompts x samples). `chat=None` uses the chat template
    when the tokenizer has one. `top_k=0` leaves top-k off, so `temperature`/`top_p` mean what they mean in
    the OpenAI API and vLLM. `deterministic=True` trades speed for exact reruns in bf16/fp16 on GPUs (eager
    attention); `attn_implementation` passes through to transformers.

    A `regex` in the sampling params (or a record's `regex` field) constrains every sample to a full match: a
    logits processor masks the tokens that would leave the expression's token automaton and allows
    end-of-sequence only where the text is complete (`hardgen.models.constrained`, needs outlines-core).

    >>> with HFSolver("tiny", max_new_tokens=32) as s:  # doctest: +SKIP
    ...     rollouts = s.solve(records, k=4, seed=0)
    """

    supports_regex = True

    def __init__(self, model: str, *, batch_size: int = 16, max_new_tokens: int = 512, temperature: float = 1.0,
                 top_p: float = 1.0, top_k: int = 0, stop: Sequence[str] = (), device: str = "auto",
                 dtype: str = "auto", chat: bool | None = None, trust_remote_code: bool = False,
                 revision: str | None = None, deterministic: bool = False, attn_implementation: str | None = None):
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if batch_size < 1:
            raise HardgenError(f"batch_size must be at least 1, got {batch_size}")
        if top_k < 0:
            raise HardgenError(f"top_k must be >= 0 (0 = off), got {top_k}")
        self.params = SamplingParams(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                     stop=tuple(stop))
        self.model_name = model
        self.batch_size = batch_size
        self.top_k = top_k
        self.deterministic = deterministic
        self.device = resolve_device(device)
        torch_dtype = resolve_dtype(dtype, self.device)
        path = Path(model).expanduser()
        if _looks_local(model) and not path.exists():
            raise HardgenError(f"model path {model!r} does not exist (build a tiny one with `gen model tiny -o DIR`)")
        source = str(path) if path.exists() else model  # else a hub id such as Qwen/Qwen2.5-0.5B-Instruct
        # transformers >= 4.56 names the argument `dtype`; older releases call it `torch_dtype`
        major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
        dtype_kw = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, revision=revision,
                                                           trust_remote_code=trust_remote_code)
            if deterministic and attn_implementation is None and torch_dtype != torch.float32:
                # measured on an H100: half-precision SDPA kernels made 1-2 of 128 samples differ between
                # identical runs; eager attention made 0 of 512 differ
                attn_implementation = "eager"
            extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
            self.model = AutoModelForCausalLM.from_pretrained(source, revision=revision,
                                                              trust_remote_code=trust_remote_code,
                                                              **{dtype_kw: torch_dtype}, **extra)
        except (OSError, ValueError) as e:
            raise HardgenError(f"cannot load model {model!r} with transformers: {e}") from e
        self.model.to(self.device)
        self.model.eval()
        tok = self.tokenizer
        tok.padding_side = "left"  # generation appends on the right, so pads must sit on the left
        if tok.pad_token_id is None:
            if tok.eos_token_id is None:
                raise HardgenError(f"tokenizer of {model!r} has neither a pad nor an eos token")
            tok.pad_token = tok.eos_token
        gen_eos = self.model.generation_config.eos_token_id
        eos = gen_eos if gen_eos is not None else tok.eos_token_id
        self.eos_ids: list[int] = sorted({e for e in (eos if isinstance(eos, list) else [eos]) if e is not None})
        if tok.eos_token_id is not None and tok.eos_token_id not in self.eos_ids:
            self.eos_ids.append(tok.eos_token_id)
        self.pad_id: int = tok.pad_token_id
        self.chat = bool(getattr(tok, "chat_template", None)) if chat is None else chat
        if self.chat and not getattr(tok, "chat_template", None):
            raise HardgenError(f"chat=True but the tokenizer of {model!r} has no chat template")
        self._token_vocabulary = None  # built on the first constrained request

    def token_vocabulary(self):
        """The tokenizer's token bytes for constrained decoding (built once)."""
        if self._token_vocabulary is None:
            from hardgen.models.constrained import vocabulary_for

            self._token_vocabulary = vocabulary_for(self.tokenizer, self.eos_ids)
        return self._token_vocabulary

    # -- prompts ---------------------------------------------------------------------------------------
    def uses_chat(self) -> bool:
        return self.chat

    def encode(self, prompt: Prompt) -> list[int]:
        """Token ids of a prompt: a chat through the chat template (which adds its own special tokens), raw
        text with the tokenizer's usual special tokens (as an OpenAI-compatible completions server does)."""
        tok = self.tokenizer
        if isinstance(prompt, str):
            return list(tok(prompt, add_special_tokens=True)["input_ids"])
        if not getattr(tok, "chat_template", None):
            raise HardgenError(f"model {self.model_name!r} has no chat template; send raw text prompts instead")
        text = tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        return list(tok(text, add_special_tokens=False)["input_ids"])

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- generation ------------------------------------------------------------------------------------
    def _generation_config(self, params: SamplingParams):
        cfg = self.model.generation_config.to_dict()
        cfg.update(max_new_tokens=params.max_new_tokens, pad_token_id=self.pad_id, eos_token_id=self.eos_ids,
                   num_return_sequences=1, max_length=None)
        if params.greedy:
            cfg.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            cfg.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=self.top_k)
        if self.pad_id not in self.eos_ids:
            # a pad in the output then only ever means "this row had finished", so token counts are exact
            cfg["suppress_tokens"] = sorted(set(cfg.get("suppress_tokens") or []) | {self.pad_id})
        from transformers import GenerationConfig

        return GenerationConfig(**{k: v for k, v in cfg.items() if not k.startswith("_")
                                   and k != "transformers_version"})

    def generate_texts(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                       on_result: ResultCallback | None = None,
                       regexes: Sequence[str | None] | None = None) -> list[list[Rollout]]:
        """`n` samples per prompt. Units (prompt, sample) are sorted by prompt length so batches pad little.
        `regexes` (one per prompt, None = free) constrain prompts separately; else `params.regex` all of them."""
        import torch

        if n < 1:
            raise HardgenError(f"n (samples per prompt) must be at least 1, got {n}")
        validate_prompts(prompts)
        encoded = [self.encode(p) for p in prompts]
        keys = [hashlib.sha256(repr(ids).encode()).hexdigest()[:16] for ids in encoded]
        units = sorted(((len(encoded[i]), i, j) for i in range(len(prompts)) for j in range(n)))
        gen_cfg = self._generation_config(params)
        results: list[list[Rollout | None]] = [[None] * n for _ in prompts]
        remaining = [n] * len(prompts)
        stop = list(params.stop)
        if regexes is not None and len(regexes) != len(prompts):
            raise HardgenError(f"{len(regexes)} constraint regexes for {len(prompts)} prompts")
        per_prompt = list(regexes) if regexes is not None else [params.regex] * len(prompts)
        vocab = self.token_vocabulary() if any(rx is not None for rx in per_prompt) else None
        if vocab is not None:
            # a bad expression fails here, before any batch runs (the first few: planted runs have one per sample,
            # more than the index cache holds)
            for rx in [r for r in dict.fromkeys(per_prompt) if r is not None][:32]:
                vocab.index(rx)
        done_prompts = 0
        try:
            for b in range(0, len(units), self.batch_size):
                batch = units[b:b + self.batch_size]
                width = max(length for length, _, _ in batch)
                input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, (length, i, _) in enumerate(batch):
                    input_ids[r, width - length:] = torch.tensor(encoded[i], dtype=torch.long)
                    mask[r, width - length:] = 1
                batch_seed = derive_seed("hf", params.seed, [(keys[i], j) for _, i, j in batch])
                extra: dict[str, Any] = {}
                if stop:
                    extra["stopping_criteria"] = _stop_criteria(self.tokenizer, stop, width)
                rows_rx = [per_prompt[i] for _, i, _ in batch]
                if vocab is not None and any(rx is not None for rx in rows_rx):
                    from transformers import LogitsProcessorList

                    from hardgen.models.constrained import regex_logits_processor

                    extra["logits_processor"] = LogitsProcessorList(
                        [regex_logits_processor(vocab, rows_rx, len(batch), width)])
                devices = [torch.cuda.current_device()] if self.device.startswith("cuda") else []
                with torch.random.fork_rng(devices=devices), torch.inference_mode():
                    torch.manual_seed(batch_seed)
                    out = self.model.generate(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                                              generation_config=gen_cfg, **extra)
                new = out[:, width:].tolist()
                for r, (length, i, j) in enumerate(batch):
                    results[i][j] = self._rollout(new[r], length, params)
                    remaining[i] -= 1
                    if remaining[i] == 0:
                        done_prompts += 1
                        if on_result is not None:
                            on_result(i, list(results[i]))  # type: ignore[arg-type]
        except Exception as e:
            partial = [list(r) if rem == 0 else None for r, rem in zip(results, remaining)]  # type: ignore[misc]
            raise PartialSolveError(f"hf generation with {self.model_name!r} failed after {done_prompts} of "
                                    f"{len(prompts)} prompts: {type(e).__name__}: {e}", partial) from e
        return [list(r) for r in results]  # type: ignore[arg-type]

    def _rollout(self, ids: list[int], prompt_tokens: int, params: SamplingParams) -> Rollout:
        """Generated ids -> Rollout: counts tokens up to and including eos, cuts the text at stop strings."""
        count, finish = len(ids), "length"
        for pos, t in enumerate(ids):
            if t in self.eos_ids:
                count, finish = pos + 1, "stop"
                break
            if t == self.pad_id:  # padding after a stop-string finish (pad is suppressed as a real token)
                count, finish = pos, "stop"
                break
        body = ids[:count - 1] if finish == "stop" and count and ids[count - 1] in self.eos_ids else ids[:count]
        text = self.tokenizer.decode(body, skip_special_tokens=True)
        text, hit = truncate_at_stop(text, params.stop)
        if hit:
            finish = "stop"
        elif finish == "length" and count < params.max_new_tokens:
            finish = "stop"  # ended by a stop string at the very last step
        return Rollout(text=text, tokens=count, meta={"finish_reason": finish, "prompt_tokens": prompt_tokens})

    def close(self) -> None:
        """Drop the model and free GPU memory."""
        if getattr(self, "model", None) is None:
            return
        self.model = None
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass


#: options `hf:PATH?name=value&...` accepts
HF_OPTION_TYPES: dict[str, type] = {**SAMPLING_OPTION_TYPES, "batch_size": int, "top_k": int, "device": str,
                                    "dtype": str, "chat": bool, "trust_remote_code": bool, "revision": str,
                                    "deterministic": bool, "attn_implementation": str}


@register_solver("hf")
def _hf_solver(spec: SolverSpec) -> HFSolver:
    model, opts = spec.target, spec.option_dict
    if not model:
        raise HardgenError("hf SPEC needs a model path or hub id, e.g. hf:./tiny or hf:Qwen/Qwen2.5-0.5B-Instruct")
    return HFSolver(model, **coerce_options(opts, HF_OPTION_TYPES, "hf:"))


__all__ = ["HFSolver", "HF_OPTION_TYPES", "resolve_device", "resolve_dtype"]
