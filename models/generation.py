"""The text-generation layer the LLM backends share: sampling parameters, prompts from records, hashed seeds.

A backend implements one method, `generate_texts(prompts, n, params, on_result=None)`, over prompts that are
either raw text (`str`, sent as is) or a chat (`list` of `{"role", "content"}` messages, rendered with the
model's chat template). `GenerationSolver` turns that into the `Solver.solve(records, k, seed)` interface, and
the OpenAI-compatible server (`hardgen.models.server`) serves any backend that has it.

Lost work: `on_result(i, rollouts)` is called as soon as prompt `i` has all its samples, and a backend that
fails part-way raises `PartialSolveError`, whose `.rollouts` holds every finished prompt's samples (None for
the rest), so a caller can keep what was paid for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol, Sequence, Union, runtime_checkable

from hardgen.core.errors import HardgenError
from hardgen.models.base import Rollout, Solver

#: a chat: `[{"role": "user", "content": "..."}]`
Messages = list[dict[str, str]]
#: a prompt is raw text or a chat
Prompt = Union[str, Messages]
#: called with (prompt index, its n rollouts) as soon as that prompt is done
ResultCallback = Callable[[int, list[Rollout]], None]


#: the record field naming a regular expression the solver's whole output must match (grammar-constrained decoding)
REGEX_FIELD = "regex"


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. `temperature == 0` means greedy decoding; `stop` strings end a response (not included);
    `regex`, when set, constrains every response to a full match of it (backends with `supports_regex`)."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    stop: tuple[str, ...] = ()
    seed: int = 0
    regex: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        else:
            object.__setattr__(self, "stop", tuple(self.stop))
        if not self.temperature >= 0:
            raise HardgenError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise HardgenError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise HardgenError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if any(not isinstance(s, str) or not s for s in self.stop):
            raise HardgenError(f"stop strings must be non-empty strings, got {list(self.stop)!r}")
        if self.regex is not None and (not isinstance(self.regex, str) or not self.regex):
            raise HardgenError(f"a constraint regex must be a non-empty string, got {self.regex!r}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


class PartialSolveError(HardgenError):
    """Generation failed part-way; `.rollouts[i]` holds prompt i's finished samples, or None if it has none."""

    def __init__(self, message: str, rollouts: list[list[Rollout] | None]):
        super().__init__(message)
        self.rollouts = rollouts

    @property
    def completed(self) -> int:
        return sum(r is not None for r in self.rollouts)


@runtime_checkable
class TextGenerator(Protocol):
    """What a backend provides: `n` samples for each prompt."""

    def generate_texts(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                       on_result: ResultCallback | None = None) -> list[list[Rollout]]:
        ...


def record_prompt(record: dict | str) -> str:
    """The prompt text of a record (or a bare prompt string)."""
    if isinstance(record, str):
        return record
    prompt = record.get("prompt") if isinstance(record, dict) else None
    if not isinstance(prompt, str):
        rid = record.get("id") if isinstance(record, dict) else None
        raise HardgenError(f"record {rid!r} has no text `prompt` field; a solver needs one")
    return prompt


def record_to_messages(record: dict | str, chat: bool) -> Prompt:
    """How a record is shown to a model: its `prompt` as one user message if the model has a chat template
    (`chat=True`), else the raw prompt text."""
    prompt = record_prompt(record)
    return [{"role": "user", "content": prompt}] if chat else prompt


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut `text` before the earliest stop string; returns (text, whether a stop string was found)."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def validate_prompts(prompts: Sequence[Prompt]) -> None:
    """Raise a clear error for a prompt that is neither text nor a list of role/content messages."""
    for i, p in enumerate(prompts):
        if isinstance(p, str):
            continue
        if not isinstance(p, list) or not p or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in p):
            raise HardgenError(f"prompt {i} must be text or a non-empty list of {{'role', 'content'}} messages "
                               f"with text values, got {type(p).__name__}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce_options(opts: dict[str, str], types: dict[str, type], where: str) -> dict[str, Any]:
    """Convert SPEC option strings to the constructor's types; unknown names are an error naming the known."""
    out: dict[str, Any] = {}
    for k, v in opts.items():
        if k not in types:
            raise HardgenError(f"unknown option {k!r} for {where}; known: {', '.join(sorted(types))}")
        t = types[k]
        try:
            if t is bool:
                if v.lower() not in _TRUE | _FALSE:
                    raise ValueError(v)
                out[k] = v.lower() in _TRUE
            elif t is tuple:
                out[k] = tuple(s for s in v.split(",") if s)
            else:
                out[k] = t(v)
        except ValueError:
            raise HardgenError(f"option {k}={v!r} for {where} must be a {t.__name__}") from None
    return out


#: options every generation backend accepts in its SPEC (`hf:DIR?temperature=0.6&max_new_tokens=256`)
SAMPLING_OPTION_TYPES: dict[str, type] = {"temperature": float, "top_p": float, "max_new_tokens": int,
                                          "stop": tuple}


class GenerationSolver(Solver):
    """A `Solver` over a `generate_texts` backend: record prompts in, k rollouts per record out.

    Subclasses implement `generate_texts` and `uses_chat()` and set `params`, the default sampling settings
    (`solve`'s `seed` replaces `params.seed`).
    """

    params: SamplingParams = SamplingParams()
    #: whether `generate_texts` honours `params.regex` and its `regexes=` (one per prompt; None = free), i.e.
    #: grammar-constrained decoding
    supports_regex: bool = False

    def uses_chat(self) -> bool:
        """Whether prompts go to the model as chats (it has a chat template) or as raw text."""
        raise NotImplementedError

    def generate_texts(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                       on_result: ResultCallback | None = None) -> list[list[Rollout]]:
        raise NotImplementedError

    def solve(self, records: list[dict], k: int = 1, seed: int = 0,
              on_result: ResultCallback | None = None) -> list[list[Rollout]]:
        """`k` rollouts per record; the same (records, k, seed) gives the same texts.

        A record with a `regex` field is sampled under that constraint (each record its own, in one call).
        `on_result(i, rollouts)` fires as each record finishes; on failure `PartialSolveError.rollouts` keeps them.
        """
        if k < 1:
            raise HardgenError(f"k (samples per problem) must be at least 1, got {k}")
        if not records:
            return []
        chat = self.uses_chat()
        prompts = [record_to_messages(r, chat) for r in records]
        regexes = [(r.get(REGEX_FIELD) if isinstance(r, dict) else None) or self.params.regex for r in records]
        params = replace(self.params, seed=seed)
        if all(rx is None for rx in regexes):
            return self.generate_texts(prompts, k, params, on_result)
        if not self.supports_regex:
            raise HardgenError(f"solver {self.spec or type(self).__name__} cannot constrain its output to a regex")
        if len(set(regexes)) == 1:
            return self.generate_texts(prompts, k, replace(params, regex=regexes[0]), on_result)
        return self.generate_texts(prompts, k, params, on_result, regexes=regexes)  # one regex per prompt

