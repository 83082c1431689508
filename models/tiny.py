"""Builds a tiny random-weight causal LM with a trained byte-level BPE tokenizer, for tests and smoke runs.

The model is untrained noise with the real plumbing: a `tokenizers` BPE tokenizer fitted on hardgen prompts,
pad/bos/eos tokens, a ChatML-like chat template, and a Qwen2 or Llama config, all saved with `save_pretrained`
so `AutoModelForCausalLM.from_pretrained(dir)` / `AutoTokenizer.from_pretrained(dir)` (and vLLM) load it.

>>> build_tiny_model("tiny")  # doctest: +SKIP
PosixPath('tiny')
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterable

from hardgen.core.errors import HardgenError

#: architectures `build_tiny_model` knows
ARCHES = ("qwen2", "llama")

BOS, EOS, PAD = "<|startoftext|>", "<|im_end|>", "<|pad|>"
IM_START, ENDOFTEXT = "<|im_start|>", "<|endoftext|>"
SPECIAL_TOKENS = [PAD, BOS, ENDOFTEXT, IM_START, EOS]

#: ChatML-like: every message is `<|im_start|>role\ncontent<|im_end|>\n`; the reply starts after the
#: assistant header, and the model ends it with `<|im_end|>`, which is the eos token.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# symbols the prompts of other families and typical answers use, so they tokenize into known merges
_EXTRA_TEXT = [
    "\\boxed{} \\frac{1}{2} \\sqrt{2} \\cdot \\times \\le \\ge \\neq \\pi \\infty \\sum \\int x^2 a_i",
    "0 1 2 3 4 5 6 7 8 9 10 11 12 100 1000 -1 -2 3/4 (1, -2/3) [1, 2, 3] {a, b}",
    "The answer is \\boxed{42}. Let me think step by step. Therefore, so, thus, hence.",
]


def default_corpus(n_problems: int = 300, seed: int = 0) -> list[str]:
    """Text the tokenizer is fitted on: prompts and answers of hardgen problems plus LaTeX and digits."""
    from hardgen.generators.item import generate_one

    texts = list(_EXTRA_TEXT)
    for level in ("easy", "medium", "hard"):
        for i in range(n_problems // 3):
            rec = generate_one("math.linear_system", level, {}, seed, i)
            texts.append(rec["prompt"])
            texts.append(f"The answer is \\boxed{{{rec['answer']}}}.")
    return texts


def _train_tokenizer(corpus: Iterable[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        # every byte is in the vocabulary, so any input text encodes (no unknown token needed)
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def build_tiny_model(out_dir: str | Path, arch: str = "qwen2", vocab_size: int = 1024, hidden: int = 64,
                     layers: int = 2, heads: int = 4, kv_heads: int = 2, intermediate: int | None = None,
                     max_positions: int = 4096, seed: int = 0, corpus: Iterable[str] | None = None,
                     overwrite: bool = False) -> Path:
    """Write a tiny random causal LM plus tokenizer to `out_dir` and return the path.

    `corpus` (texts) fits the tokenizer; by default a few hundred `math.linear_system` prompts and answers.
    The same arguments give the same weights and tokenizer (`seed` drives the random init).
    """
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig, LlamaConfig, PreTrainedTokenizerFast, Qwen2Config

    if arch not in ARCHES:
        raise HardgenError(f"unknown tiny model arch {arch!r}; expected one of {', '.join(ARCHES)}")
    if vocab_size < 300:
        raise HardgenError(f"vocab_size must be at least 300 (256 bytes + special tokens), got {vocab_size}")
    if hidden < 8 or layers < 1 or heads < 1 or kv_heads < 1:
        raise HardgenError("hidden must be >= 8 and layers, heads, kv_heads >= 1")
    if hidden % heads or heads % kv_heads:
        raise HardgenError(f"hidden ({hidden}) must be divisible by heads ({heads}), and heads by kv_heads "
                           f"({kv_heads})")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise HardgenError(f"output directory {str(out)!r} is not empty; pass overwrite=True (--overwrite) "
                           "to replace it")
    out.mkdir(parents=True, exist_ok=True)

    texts = list(corpus) if corpus is not None else default_corpus(seed=seed)
    if not texts:
        raise HardgenError("the tokenizer corpus is empty")
    raw = _train_tokenizer(texts, vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw, bos_token=BOS, eos_token=EOS, pad_token=PAD,
        additional_special_tokens=[ENDOFTEXT, IM_START], chat_template=CHAT_TEMPLATE,
        padding_side="left", model_max_length=max_positions,
    )
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    common = dict(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=intermediate or 2 * hidden,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
        max_position_embeddings=max_positions, pad_token_id=ids[PAD], bos_token_id=ids[BOS],
        eos_token_id=ids[EOS], tie_word_embeddings=True,
    )
    config = Qwen2Config(**common) if arch == "qwen2" else LlamaConfig(**common)
    # a private generator state: building a model must not disturb the caller's global RNG
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        random.seed(seed)
        model = AutoModelForCausalLM.from_config(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids[BOS], eos_token_id=[ids[EOS], ids[ENDOFTEXT]], pad_token_id=ids[PAD],
        do_sample=True, temperature=1.0, top_p=1.0,
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    card = {"built_by": "hardgen.models.tiny.build_tiny_model", "arch": arch, "vocab_size": len(tokenizer),
            "hidden": hidden, "layers": layers, "heads": heads, "kv_heads": kv_heads, "seed": seed,
            "parameters": sum(p.numel() for p in model.parameters())}
    (out / "hardgen_tiny.json").write_text(json.dumps(card, indent=2) + "\n")
    return out
