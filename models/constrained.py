"""Grammar-constrained decoding for the transformers backend: a regular expression -> a token-level automaton ->
a logits mask, so a model can only write text that fully matches the expression.

The token index (for every automaton state, the tokens that keep the text inside the language, and the state
each leads to) is built by `outlines-core` (Apache-2.0, the Rust core of Outlines, also one of vLLM's
structured-output backends): it compiles the expression to a byte-level DFA and walks every token's bytes through
it. hardgen supplies the tokens' exact bytes (`token_bytes`: byte-level BPE through GPT-2's byte alphabet,
SentencePiece through `<0xNN>` byte tokens and the `▁` space), so multi-byte and partial-UTF-8 tokens are exact.
End-of-sequence tokens are allowed only in accepting states; special tokens are never allowed elsewhere.

>>> guide = RegexGuide.for_tokenizer("colors 3: 1-2", tokenizer, eos_ids=[2])  # doctest: +SKIP
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Sequence

from hardgen.core.errors import HardgenError

INSTALL_HINT = ("grammar-constrained decoding needs outlines-core: pip install 'outlines-core>=0.2.10' (it comes "
                "with hardgen[train])")


def import_outlines_core():
    try:
        import outlines_core
    except ImportError as e:
        raise HardgenError(f"{INSTALL_HINT} ({e})") from e
    return outlines_core


@lru_cache(maxsize=1)
def _gpt2_byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-in character for each byte, inverted (the alphabet of byte-level BPE vocabularies)."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def _decoder_kinds(tokenizer) -> set[str]:
    """The decoder types of a fast tokenizer's pipeline ("ByteLevel", "Metaspace", "ByteFallback", ...)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return set()
    kinds: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                kinds.add(node["type"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(backend.to_str()).get("decoder"))
    return kinds


def token_bytes(tokenizer) -> dict[int, bytes]:
    """The exact bytes each ordinary token writes (special tokens left out): byte-level BPE vocabularies through
    GPT-2's byte alphabet, SentencePiece-style ones through their `<0xNN>` byte tokens and `▁` for a space."""
    kinds = _decoder_kinds(tokenizer)
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    for tid, added in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).items():
        if getattr(added, "special", False):
            special.add(tid)
    vocab: dict[str, int] = tokenizer.get_vocab()
    added_plain = {tid: str(a) for tid, a in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).items()
                   if tid not in special}
    out: dict[int, bytes] = {}
    if "ByteLevel" in kinds:
        dec = _gpt2_byte_decoder()
        for tok, tid in vocab.items():
            if tid in special:
                continue
            if tid in added_plain:
                out[tid] = added_plain[tid].encode("utf-8")
            elif all(ch in dec for ch in tok):
                out[tid] = bytes(dec[ch] for ch in tok)
        return out
    if kinds & {"Metaspace", "ByteFallback", "Replace"} or any(t.startswith("▁") for t in vocab):
        for tok, tid in vocab.items():
            if tid in special:
                continue
            if len(tok) == 6 and tok.startswith("<0x") and tok.endswith(">"):
                out[tid] = bytes([int(tok[3:5], 16)])
            else:
                out[tid] = tok.replace("▁", " ").encode("utf-8")
        return out
    raise HardgenError("constrained decoding needs a byte-level BPE or SentencePiece tokenizer; this one's decoder "
                       f"is {sorted(kinds) or 'unknown'}")


class TokenVocabulary:
    """A tokenizer's token bytes and end-of-sequence ids, in outlines-core's form, built once per tokenizer."""

    def __init__(self, tokenizer, eos_ids: Sequence[int]):
        oc = import_outlines_core()
        if not eos_ids:
            raise HardgenError("constrained decoding needs the model's end-of-sequence token id")
        self.eos_ids = sorted(set(int(e) for e in eos_ids))
        by_bytes: dict[bytes, list[int]] = {}
        for tid, b in token_bytes(tokenizer).items():
            if b and tid not in self.eos_ids:
                by_bytes.setdefault(b, []).append(tid)
        self.vocabulary = oc.Vocabulary(self.eos_ids[0], by_bytes)
        self._indexes: dict[str, Any] = {}

    def index(self, regex: str):
        """The token index of `regex` (cached): outlines-core's `Index`."""
        if regex not in self._indexes:
            oc = import_outlines_core()
            try:
                idx = oc.Index(regex, self.vocabulary)
            except Exception as e:  # outlines-core raises ValueError/RuntimeError for a bad or empty language
                raise HardgenError(f"cannot build a token automaton for the constraint regex "
                                   f"({regex[:80]!r}...): {e}") from None
            if len(self._indexes) >= 256:
                self._indexes.pop(next(iter(self._indexes)))
            self._indexes[regex] = idx
        return self._indexes[regex]


_VOCABULARIES: dict[str, TokenVocabulary] = {}


def vocabulary_for(tokenizer, eos_ids: Sequence[int]) -> TokenVocabulary:
    """The `TokenVocabulary` of a tokenizer, shared by every model loaded with the same tokens (the rounds of a
    training run reload their model each time; their token indexes are built once)."""
    import hashlib

    key = hashlib.sha256(repr((sorted(token_bytes(tokenizer).items()), sorted(eos_ids))).encode()).hexdigest()
    if key not in _VOCABULARIES:
        if len(_VOCABULARIES) >= 4:
            _VOCABULARIES.pop(next(iter(_VOCABULARIES)))
        _VOCABULARIES[key] = TokenVocabulary(tokenizer, eos_ids)
    return _VOCABULARIES[key]


class RegexGuide:
    """Walks one row's generated tokens through a regex's token index: which tokens may come next."""

    def __init__(self, vocab: TokenVocabulary, regex: str):
        self.vocab = vocab
        self.index = vocab.index(regex)
        self.state = self.index.get_initial_state()
        self.finished = False

    def allowed(self) -> list[int]:
        """Token ids that keep the text in the language; end-of-sequence ids only in an accepting state."""
        toks = [t for t in self.index.get_allowed_tokens(self.state) if t not in self.vocab.eos_ids]
        if self.index.is_final_state(self.state):
            toks += self.vocab.eos_ids
        return toks

    def advance(self, token_id: int) -> None:
        if self.finished:
            return
        if token_id in self.vocab.eos_ids:
            self.finished = True
            return
        nxt = self.index.get_next_state(self.state, int(token_id))
        if nxt is None:
            raise HardgenError(f"token {token_id} is not allowed by the constraint in state {self.state}")
        self.state = nxt


def regex_logits_processor(vocab: TokenVocabulary, regex: str | Sequence[str | None], rows: int, prompt_width: int):
    """A transformers `LogitsProcessor` holding one `RegexGuide` per batch row (one regex for all rows, or one per
    row, None = that row is free): at each step every token that would leave the row's language gets -inf (a
    finished row is left alone: generate pads it)."""
    import torch
    from transformers import LogitsProcessor

    per_row = [regex] * rows if isinstance(regex, str) else list(regex)
    if len(per_row) != rows:
        raise HardgenError(f"{len(per_row)} constraint regexes for a batch of {rows} rows")

    class RegexLogitsProcessor(LogitsProcessor):
        def __init__(self) -> None:
            self.guides = [RegexGuide(vocab, rx) if rx is not None else None for rx in per_row]
            self.seen = prompt_width

        def __call__(self, input_ids, scores):
            length = input_ids.shape[1]
            if length > self.seen:  # one new token per row since the last call
                last = input_ids[:, -1].tolist()
                for g, t in zip(self.guides, last):
                    if g is not None:
                        g.advance(t)
                self.seen = length
            mask = torch.full_like(scores, float("-inf"))
            for r, g in enumerate(self.guides):
                if g is None or g.finished:
                    mask[r] = 0
                    continue
                allowed = [t for t in g.allowed() if t < scores.shape[1]]
                if not allowed:
                    raise HardgenError("the constraint leaves no token to write (a state with no way out)")
                mask[r, allowed] = 0
            return scores + mask

    return RegexLogitsProcessor()
