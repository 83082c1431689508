"""An OpenAI-compatible HTTP server (FastAPI + uvicorn) over a hardgen backend, e.g. `gen serve --solver hf:DIR`.

Serves `/v1/models`, `/v1/completions` and `/v1/chat/completions` with the fields samplers use (`n`,
`temperature`, `top_p`, `max_tokens`, `stop`, `seed`; `usage` token counts and `finish_reason` in answers),
plus vLLM's regex constraint (`structured_outputs: {"regex": ...}` or the older `guided_regex`), honoured by
backends that support it (`hf:`), so a client sends the same request here and to `vllm serve`.
Requests are served one at a time (the model generates each request's `n` samples as one batch), so a
request with a `seed` gives the same texts however many clients are connected. Each choice also carries a
non-standard `completion_tokens`, which clients that do not know it ignore.

>>> with BackgroundServer("hf:./tiny") as srv:  # doctest: +SKIP
...     solver = get_solver(f"openai:{srv.url}#{srv.model_name}")
"""

# no `from __future__ import annotations`: FastAPI must see the real `Request` class in handler signatures
import os
import socket
import threading
import time
import uuid
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.models.base import Solver, get_solver
from hardgen.models.generation import Messages, SamplingParams, TextGenerator

#: OpenAI's default `max_tokens` for /v1/completions (chat has none; there the backend's default applies)
COMPLETIONS_DEFAULT_MAX_TOKENS = 16
MAX_N = 128


def _backend(solver_spec_or_backend: str | Solver) -> Solver:
    backend = get_solver(solver_spec_or_backend) if isinstance(solver_spec_or_backend, str) \
        else solver_spec_or_backend
    if not isinstance(backend, TextGenerator):
        raise HardgenError(f"solver {getattr(backend, 'spec', backend)!r} cannot be served: it has no "
                           "generate_texts (serve an LLM backend such as hf:PATH)")
    return backend


def default_model_name(backend: Any) -> str:
    """What `/v1/models` calls the model: the backend's model path or id, else its SPEC."""
    return str(getattr(backend, "model_name", None) or getattr(backend, "spec", None) or "hardgen")


class _ApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def create_app(backend: Solver, model_name: str | None = None):
    """The FastAPI app serving `backend` (anything with `generate_texts`) under the name `model_name`."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    gen: TextGenerator = _backend(backend)  # type: ignore[assignment]
    name = model_name or default_model_name(gen)
    created = int(time.time())
    lock = threading.Lock()  # one generation at a time: the model is not shared across threads
    app = FastAPI(title="hardgen OpenAI-compatible server")
    defaults: SamplingParams = getattr(gen, "params", SamplingParams())

    def error(status: int, message: str, param: str | None = None) -> JSONResponse:
        kind = "invalid_request_error" if status < 500 else "server_error"
        return JSONResponse(status_code=status, content={
            "error": {"message": message, "type": kind, "param": param, "code": None}})

    @app.exception_handler(_ApiError)
    async def _api_error(_req: Request, e: _ApiError):
        return error(e.status, e.message, e.param)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_req: Request, e: RequestValidationError):
        return error(400, f"invalid request: {e.errors()}")

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": created,
                                            "owned_by": "hardgen"}]}

    def read_params(body: dict, default_max: int) -> tuple[int, SamplingParams]:
        if body.get("stream"):
            raise _ApiError(400, "stream=true is not supported by this server", "stream")
        if body.get("model") not in (None, name):
            raise _ApiError(404, f"model {body.get('model')!r} does not exist; this server serves {name!r}", "model")
        n = _number(body, "n", 1, int)
        if not 1 <= n <= MAX_N:
            raise _ApiError(400, f"n must be between 1 and {MAX_N}, got {n}", "n")
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        max_tokens = default_max if max_tokens is None else _number({"max_tokens": max_tokens}, "max_tokens",
                                                                     default_max, int)
        stop = body.get("stop") or ()
        if isinstance(stop, str):
            stop = (stop,)
        if not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) for s in stop):
            raise _ApiError(400, "stop must be a string or a list of strings", "stop")
        seed = body.get("seed")
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "big") >> 1  # no seed asked: a fresh draw, as OpenAI does
        elif not isinstance(seed, int) or isinstance(seed, bool):
            raise _ApiError(400, f"seed must be an integer, got {seed!r}", "seed")
        regex = _constraint_regex(body)
        if regex is not None and not getattr(gen, "supports_regex", False):
            raise _ApiError(400, f"the served backend {name!r} cannot constrain its output to a regex",
                            "structured_outputs")
        try:
            params = SamplingParams(temperature=_number(body, "temperature", 1.0, float),
                                    top_p=_number(body, "top_p", 1.0, float), max_new_tokens=max_tokens,
                                    stop=tuple(s for s in stop if s), seed=seed, regex=regex)
        except HardgenError as e:
            raise _ApiError(400, str(e)) from None
        return n, params

    def run(prompts: list, n: int, params: SamplingParams):
        try:
            with lock:
                return gen.generate_texts(prompts, n, params)
        except HardgenError as e:
            raise _ApiError(400, str(e)) from None
        except Exception as e:  # the model failed: a 500 with the reason, the server stays up
            raise _ApiError(500, f"generation failed: {type(e).__name__}: {e}") from None

    def usage(rollouts: list, prompt_counts: list[int]) -> dict:
        completion = sum(r.tokens or 0 for r in rollouts)
        prompt = sum(prompt_counts)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    @app.post("/v1/completions")
    async def completions(request: Request):
        body = await _json(request)
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise _ApiError(400, "prompt must be a string or a non-empty list of strings (token ids are not "
                                 "supported)", "prompt")
        n, params = read_params(body, COMPLETIONS_DEFAULT_MAX_TOKENS)
        from starlette.concurrency import run_in_threadpool

        results = await run_in_threadpool(run, prompts, n, params)
        choices, flat, counts = [], [], []
        for p_i, rollouts in enumerate(results):
            counts.append(rollouts[0].meta.get("prompt_tokens", 0) if rollouts else 0)
            for j, r in enumerate(rollouts):
                flat.append(r)
                choices.append({"index": p_i * n + j, "text": r.text, "logprobs": None,
                                "finish_reason": r.meta.get("finish_reason", "stop"), "completion_tokens": r.tokens})
        return {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
                "model": name, "choices": choices, "usage": usage(flat, counts), "system_fingerprint": None}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        body = await _json(request)
        messages = _messages(body.get("messages"))
        n, params = read_params(body, defaults.max_new_tokens)
        from starlette.concurrency import run_in_threadpool

        results = await run_in_threadpool(run, [messages], n, params)
        rollouts = results[0]
        choices = [{"index": j, "message": {"role": "assistant", "content": r.text}, "logprobs": None,
                    "finish_reason": r.meta.get("finish_reason", "stop"), "completion_tokens": r.tokens}
                   for j, r in enumerate(rollouts)]
        prompt_tokens = rollouts[0].meta.get("prompt_tokens", 0) if rollouts else 0
        return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": name, "choices": choices, "usage": usage(rollouts, [prompt_tokens]),
                "system_fingerprint": None}

    return app


async def _json(request) -> dict:
    try:
        body = await request.json()
    except Exception:
        raise _ApiError(400, "the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _ApiError(400, "the request body must be a JSON object")
    return body


def _constraint_regex(body: dict) -> str | None:
    """The regex a request constrains its output to, in vLLM's request fields: `structured_outputs: {"regex":
    ...}` (vLLM >= 0.10.2) or `guided_regex` (before); other structured-output kinds are refused."""
    so, old = body.get("structured_outputs"), body.get("guided_regex")
    if so is not None and old is not None:
        raise _ApiError(400, "give structured_outputs or guided_regex, not both", "structured_outputs")
    if so is not None:
        if not isinstance(so, dict):
            raise _ApiError(400, "structured_outputs must be an object such as {\"regex\": \"...\"}",
                            "structured_outputs")
        other = sorted(k for k, v in so.items() if k != "regex" and v not in (None, False, ""))
        if other:
            raise _ApiError(400, f"this server constrains output by regex only; structured_outputs.{other[0]} is not "
                                 "supported", "structured_outputs")
        old = so.get("regex")
    for key in ("guided_json", "guided_choice", "guided_grammar"):
        if body.get(key) is not None:
            raise _ApiError(400, f"this server constrains output by regex only; {key} is not supported", key)
    if old is None:
        return None
    if not isinstance(old, str) or not old:
        raise _ApiError(400, "the constraint regex must be a non-empty string", "structured_outputs")
    return old


def _number(body: dict, key: str, default, kind: type):
    v = body.get(key)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not float(v).is_integer()):
        raise _ApiError(400, f"{key} must be {'an integer' if kind is int else 'a number'}, got {v!r}", key)
    return kind(v)


def _messages(raw: Any) -> Messages:
    """OpenAI chat messages -> role/content text pairs; content parts of type `text` are joined."""
    if not isinstance(raw, list) or not raw:
        raise _ApiError(400, "messages must be a non-empty list", "messages")
    out = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise _ApiError(400, f"messages[{i}] must be an object with a role", "messages")
        content = m.get("content")
        if content is None:
            content = ""
        if isinstance(content, list):
            parts = []
            for part in content:
                if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                    raise _ApiError(400, f"messages[{i}]: only text content parts are supported", "messages")
                parts.append(part["text"])
            content = "".join(parts)
        if not isinstance(content, str):
            raise _ApiError(400, f"messages[{i}].content must be text", "messages")
        out.append({"role": m["role"], "content": content})
    return out


def serve(solver_spec_or_backend: str | Solver, host: str = "127.0.0.1", port: int = 8000,
          model_name: str | None = None, log_level: str = "info") -> None:
    """Serve a backend until interrupted (Ctrl-C). `model_name` defaults to the model path or id."""
    import uvicorn

    backend = _backend(solver_spec_or_backend)
    try:
        app = create_app(backend, model_name)
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        if isinstance(solver_spec_or_backend, str):
            backend.close()


class BackgroundServer:
    """The server in a background thread, for tests and notebooks; `port=0` picks a free port.

    >>> with BackgroundServer(solver, port=0) as srv:  # doctest: +SKIP
    ...     print(srv.url)  # http://127.0.0.1:PORT/v1
    """

    def __init__(self, solver_spec_or_backend: str | Solver, host: str = "127.0.0.1", port: int = 0,
                 model_name: str | None = None, log_level: str = "warning"):
        self._owns = isinstance(solver_spec_or_backend, str)
        self.backend = _backend(solver_spec_or_backend)
        self.model_name = model_name or default_model_name(self.backend)
        self.host = host
        self._port = port
        self._log_level = log_level
        self._server = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The port actually listened on (the free one picked for `port=0`)."""
        if self._bound_port is None:
            raise HardgenError("the server is not started")
        return self._bound_port

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients: `http://HOST:PORT/v1`."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        import uvicorn

        # bind first so the port is known (port 0) and taken before the thread starts serving
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._port))
        except OSError as e:
            sock.close()
            raise HardgenError(f"cannot listen on {self.host}:{self._port}: {e}") from e
        self._sock = sock
        self._bound_port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.backend, self.model_name), log_level=self._log_level,
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="hardgen-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise HardgenError(f"the server on {self.host}:{self._port} did not start within {timeout} s")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and release the port (and the backend when this object built it from a SPEC)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
        self._server = None
        if self._owns:
            self.backend.close()
            self._owns = False

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
