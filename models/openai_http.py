"""The OpenAI-compatible HTTP backend, SPEC `openai:URL#MODEL`, for `vllm serve`, `gen serve`, or any such API.

`openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-7B-Instruct?concurrency=32&api=completions`: options after `?`
(see `OPENAI_OPTION_TYPES`); without `#MODEL` the server's only model is used. The API key comes from the
`api_key` option or `OPENAI_API_KEY`.

Requests run concurrently (asyncio over a thread pool of blocking stdlib HTTP calls, `concurrency` at a time),
each with a socket `timeout`, and are retried with exponential backoff (honouring `Retry-After`) on 408/409/
425/429/5xx, timeouts and connection errors; other 4xx statuses fail at once. `n` samples per prompt are asked
for with the `n` field; a server that returns fewer choices gets further requests for the rest. Each request
carries a `seed` hashed from (run seed, prompt, request number), so a server that honours seeds reproduces.

No lost work on failure: `solve(..., on_result=fn)` calls `fn(i, rollouts)` as soon as record i has all its
samples, and when retries run out the solver stops sending new requests and raises `PartialSolveError`
(a `HardgenError`) whose `.rollouts[i]` holds every finished record's rollouts and None for the others:

    try:
        rollouts = solver.solve(records, k=8)
    except PartialSolveError as e:
        keep = [(r, ro) for r, ro in zip(records, e.rollouts) if ro is not None]
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import random
import socket
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Sequence

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.models.base import Rollout, register_solver
from hardgen.models.generation import (SAMPLING_OPTION_TYPES, GenerationSolver, PartialSolveError, Prompt,
                                       ResultCallback, SamplingParams, coerce_options,
                                       validate_prompts)

#: statuses worth retrying: timeouts, conflicts, rate limits and server-side failures
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
APIS = ("chat", "completions")
#: how a constraint regex is sent: vLLM >= 0.10.2 reads `structured_outputs: {regex}`, older vLLM `guided_regex`
GUIDED_FIELDS = ("structured_outputs", "guided_regex")


class OpenAIHTTPError(HardgenError):
    """A request failed for good; `status` is the last HTTP status (None for a connection failure)."""

    def __init__(self, message: str, url: str, status: int | None, attempts: int):
        super().__init__(message)
        self.url, self.status, self.attempts = url, status, attempts


class _Aborted(Exception):
    """Another request failed for good, so this one was not sent."""


class OpenAISolver(GenerationSolver):
    """Samples from an OpenAI-compatible server over HTTP.

    `api="chat"` sends record prompts as one user message to `/chat/completions` (the server applies the chat
    template); `api="completions"` sends the raw prompt text to `/completions`. In `generate_texts`, chats go
    to the chat endpoint and text to the completions endpoint whatever `api` says. A constraint regex
    (`params.regex`, or a record's `regex`) is sent as vLLM's `structured_outputs: {"regex": ...}`, or as
    `guided_regex` with `guided=guided_regex` (vLLM before 0.10.2); `gen serve` reads both.
    """

    def __init__(self, base_url: str, model: str | None = None, *, api: str = "chat", api_key: str | None = None,
                 concurrency: int = 8, max_retries: int = 5, backoff: float = 0.5, max_backoff: float = 30.0,
                 timeout: float = 600.0, max_new_tokens: int = 512, temperature: float = 1.0, top_p: float = 1.0,
                 stop: Sequence[str] = (), extra_body: dict | None = None, guided: str = "structured_outputs"):
        if not base_url.startswith(("http://", "https://")):
            raise HardgenError(f"openai SPEC URL must start with http:// or https://, got {base_url!r} "
                               "(e.g. openai:http://127.0.0.1:8000/v1#MODEL)")
        if api not in APIS:
            raise HardgenError(f"api must be one of {', '.join(APIS)}, got {api!r}")
        if concurrency < 1:
            raise HardgenError(f"concurrency must be at least 1, got {concurrency}")
        if guided not in GUIDED_FIELDS:
            raise HardgenError(f"guided must be one of {', '.join(GUIDED_FIELDS)}, got {guided!r}")
        self.guided = guided
        if max_retries < 0 or backoff < 0 or max_backoff < 0 or timeout <= 0:
            raise HardgenError("max_retries, backoff and max_backoff must be >= 0 and timeout > 0")
        self.base_url = base_url.rstrip("/")
        self.model = model or None
        self.api = api
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.extra_body = dict(extra_body or {})
        self.params = SamplingParams(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                     stop=tuple(stop))
        #: set once a server answered n>1 with fewer choices; later prompts then ask one sample per request
        self.server_ignores_n = False
        self._jitter = random.Random(0)  # jitter only spreads retries out; it never touches the samples

    supports_regex = True

    def uses_chat(self) -> bool:
        return self.api == "chat"

    # -- HTTP ------------------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(self.max_backoff, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date; fall back to exponential backoff
        base = min(self.max_backoff, self.backoff * 2 ** attempt)
        return base * (0.75 + 0.5 * self._jitter.random())

    def request(self, path: str, body: dict | None = None, abort: threading.Event | None = None) -> dict:
        """One JSON request with retries; `body=None` means GET. Raises `OpenAIHTTPError` when retries run out."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode()
        last, status = "", None
        attempts = 0
        for attempt in range(self.max_retries + 1):
            if abort is not None and abort.is_set():
                raise _Aborted()
            attempts += 1
            retry_after = None
            req = urllib.request.Request(url, data=data, headers=self._headers(),
                                         method="GET" if body is None else "POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                try:
                    return json.loads(raw)
                except ValueError:
                    raise OpenAIHTTPError(f"{url} answered HTTP {resp.status} with a body that is not JSON: "
                                          f"{raw[:200]!r}", url, resp.status, attempts) from None
            except urllib.error.HTTPError as e:
                status = e.code
                detail = _error_detail(e)
                last = f"HTTP {e.code}{': ' + detail if detail else ''}"
                if e.code not in RETRY_STATUSES:
                    raise OpenAIHTTPError(f"request to {url} failed: {last}", url, status, attempts) from None
                retry_after = e.headers.get("Retry-After") if e.headers else None
            except (urllib.error.URLError, http.client.HTTPException, socket.timeout, OSError) as e:
                # refused/reset connections, timeouts, and servers that hang up mid-answer are all transient
                status = None
                reason = getattr(e, "reason", e)
                last = f"{type(reason).__name__}: {reason}"
            if attempt < self.max_retries:
                delay = self._delay(attempt, retry_after)
                if abort is not None:
                    if abort.wait(delay):
                        raise _Aborted()
                else:
                    threading.Event().wait(delay)
        raise OpenAIHTTPError(f"request to {url} failed after {attempts} attempt(s) "
                              f"(max_retries={self.max_retries}); last error: {last}"
                              f"{'' if status is None else f' (status {status})'}", url, status, attempts)

    def resolve_model(self) -> str:
        """The MODEL of the SPEC, or the server's only model when the SPEC names none."""
        if self.model:
            return self.model
        listing = self.request("/models")
        ids = [m.get("id") for m in listing.get("data", []) if isinstance(m, dict)]
        if len(ids) != 1:
            raise HardgenError(f"{self.base_url} serves {len(ids)} models ({', '.join(map(str, ids)) or 'none'}); "
                               "name one: openai:URL#MODEL")
        self.model = ids[0]
        return self.model

    # -- sampling --------------------------------------------------------------------------------------
    def _body(self, prompt: Prompt, n: int, params: SamplingParams, seed: int) -> tuple[str, dict]:
        body: dict[str, Any] = {"model": self.model, "n": n, "max_tokens": params.max_new_tokens,
                                "temperature": params.temperature, "top_p": params.top_p, "seed": seed}
        if params.stop:
            body["stop"] = list(params.stop)
        if params.regex is not None:
            # vLLM's OpenAI-compatible server (and `gen serve`): `structured_outputs` from vLLM 0.10.2 on (the only
            # form from 0.12), `guided_regex` before
            if self.guided == "guided_regex":
                body["guided_regex"] = params.regex
            else:
                body["structured_outputs"] = {"regex": params.regex}
        body.update(self.extra_body)
        if isinstance(prompt, str):
            body["prompt"] = prompt
            return "/completions", body
        body["messages"] = prompt
        return "/chat/completions", body

    def _sample_prompt(self, prompt: Prompt, n: int, params: SamplingParams, key: str,
                       abort: threading.Event) -> list[Rollout]:
        """All `n` samples of one prompt, asking again for the rest when the server returned fewer."""
        out: list[Rollout] = []
        request_no = 0
        while len(out) < n:
            want = 1 if self.server_ignores_n else n - len(out)
            path, body = self._body(prompt, want, params, derive_seed("openai", params.seed, key, request_no))
            resp = self.request(path, body, abort)
            got = _parse_choices(resp, path)
            if not got:
                raise OpenAIHTTPError(f"{self.base_url + path} returned no choices: {str(resp)[:200]}",
                                      self.base_url + path, 200, 1)
            if len(got) < want:
                self.server_ignores_n = True
            out.extend(got[:n - len(out)])
            request_no += 1
        return out

    async def _agenerate(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                         on_result: ResultCallback | None,
                         regexes: Sequence[str | None] | None = None) -> list[list[Rollout]]:
        loop = asyncio.get_running_loop()
        abort = threading.Event()
        results: list[list[Rollout] | None] = [None] * len(prompts)
        keys = [hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:16] for p in prompts]
        errors: list[BaseException] = []
        sem = asyncio.Semaphore(self.concurrency)
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="hardgen-openai") as pool:
            async def one(i: int) -> None:
                async with sem:
                    if abort.is_set():
                        return
                    try:
                        p_i = params if regexes is None else replace(params, regex=regexes[i])
                        rollouts = await loop.run_in_executor(pool, self._sample_prompt, prompts[i], n, p_i,
                                                              keys[i], abort)
                    except _Aborted:
                        return
                    except BaseException as e:  # stop sending new work; finished prompts are kept
                        abort.set()
                        errors.append(e)
                        return
                results[i] = rollouts
                if on_result is not None:
                    on_result(i, rollouts)

            await asyncio.gather(*(one(i) for i in range(len(prompts))))
        if errors:
            first = errors[0]
            done = sum(r is not None for r in results)
            raise PartialSolveError(f"{first} ({done} of {len(prompts)} prompts finished; their rollouts are in "
                                    "PartialSolveError.rollouts)", results) from first
        return results  # type: ignore[return-value]

    def generate_texts(self, prompts: Sequence[Prompt], n: int, params: SamplingParams,
                       on_result: ResultCallback | None = None,
                       regexes: Sequence[str | None] | None = None) -> list[list[Rollout]]:
        """`n` samples per prompt; `regexes` (one per prompt, None = free) are sent with each prompt's requests."""
        if n < 1:
            raise HardgenError(f"n (samples per prompt) must be at least 1, got {n}")
        validate_prompts(prompts)
        if regexes is not None and len(regexes) != len(prompts):
            raise HardgenError(f"{len(regexes)} constraint regexes for {len(prompts)} prompts")
        if not prompts:
            return []
        self.resolve_model()
        return _run(self._agenerate(prompts, n, params, on_result, regexes))


def _run(coro):
    """Run a coroutine whether or not the caller is already inside an event loop (e.g. Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=target, name="hardgen-openai-loop")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _error_detail(e: urllib.error.HTTPError) -> str:
    """The server's error message (OpenAI's `{"error": {"message": ...}}` or FastAPI's `{"detail": ...}`)."""
    try:
        raw = e.read(2000).decode("utf-8", "replace")
    except Exception:
        return ""
    try:
        obj = json.loads(raw)
    except ValueError:
        return raw.strip()[:300]
    if isinstance(obj, dict):
        err = obj.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
        if isinstance(err, str):
            return err[:300]
        if "detail" in obj:
            return str(obj["detail"])[:300]
    return raw.strip()[:300]


def _parse_choices(resp: dict, path: str) -> list[Rollout]:
    """Choices -> Rollouts in index order; token counts from the choice when given, else from usage if exact."""
    choices = resp.get("choices") if isinstance(resp, dict) else None
    if not isinstance(choices, list):
        return []
    usage = resp.get("usage") or {}
    out = []
    for c in sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
        if not isinstance(c, dict):
            continue
        if path == "/completions":
            text = c.get("text") or ""
        else:
            msg = c.get("message") or {}
            text = msg.get("content") or ""
        tokens = c.get("completion_tokens")
        if tokens is None and len(choices) == 1:
            tokens = usage.get("completion_tokens")  # usage sums over choices, so it is exact only for one
        meta: dict[str, Any] = {"finish_reason": c.get("finish_reason")}
        if usage.get("prompt_tokens") is not None:
            meta["prompt_tokens"] = usage["prompt_tokens"]
        reasoning = (c.get("message") or {}).get("reasoning_content") if path != "/completions" else None
        if reasoning:
            meta["reasoning"] = reasoning
        out.append(Rollout(text=text, tokens=tokens, meta=meta))
    return out


#: options `openai:URL#MODEL?name=value&...` accepts
OPENAI_OPTION_TYPES: dict[str, type] = {**SAMPLING_OPTION_TYPES, "api": str, "api_key": str, "concurrency": int,
                                        "max_retries": int, "backoff": float, "max_backoff": float,
                                        "timeout": float, "guided": str}


def parse_openai_spec(spec: SolverSpec | str) -> tuple[str, str | None, dict[str, Any]]:
    """`openai:URL#MODEL?opts` -> (url, model or None, typed options)."""
    spec = SolverSpec.parse(spec if str(spec).startswith("openai:") else f"openai:{spec}")
    url, _, model = spec.target.partition("#")
    return url, model or None, coerce_options(spec.option_dict, OPENAI_OPTION_TYPES, "openai:")


@register_solver("openai")
def _openai_solver(spec: SolverSpec) -> OpenAISolver:
    url, model, opts = parse_openai_spec(spec)
    return OpenAISolver(url, model, **opts)
