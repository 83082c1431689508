"""The OpenAI-compatible HTTP backend: against our real server, and against fault-injecting loopback servers."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hardgen.core.errors import HardgenError
from hardgen.models import get_solver
from hardgen.models.generation import PartialSolveError, SamplingParams
from hardgen.models.openai_http import OpenAIHTTPError, OpenAISolver, parse_openai_spec

FAST = "max_retries=3&backoff=0.01&max_backoff=0.05&timeout=5"


# -- against the real server --------------------------------------------------------------------------

def test_chat_solve_against_the_real_server(server, records):
    solver = get_solver(f"openai:{server.url}#tiny?max_new_tokens=8&{FAST}")
    out = solver.solve(records, k=3, seed=0)
    assert [len(rs) for rs in out] == [3] * len(records)
    for rs in out:
        for r in rs:
            assert isinstance(r.text, str) and 1 <= r.tokens <= 8
            assert r.meta["finish_reason"] in ("stop", "length") and r.meta["prompt_tokens"] > 10
    assert not solver.server_ignores_n  # our server honours n: one request per record
    again = solver.solve(records, k=3, seed=0)
    other = solver.solve(records, k=3, seed=1)
    assert [[r.text for r in rs] for rs in out] == [[r.text for r in rs] for rs in again]
    assert [[r.text for r in rs] for rs in out] != [[r.text for r in rs] for rs in other]


def test_completions_api_greedy_equals_local_hf_backend(server, hf_solver, records):
    """End to end: HTTP completions at temperature 0 give exactly what the local backend gives."""
    solver = get_solver(f"openai:{server.url}#tiny?api=completions&temperature=0&max_new_tokens=10&{FAST}")
    assert not solver.uses_chat()
    remote = solver.solve(records[:2], k=2, seed=0)
    local = hf_solver.generate_texts([r["prompt"] for r in records[:2]], 2,
                                     SamplingParams(temperature=0, max_new_tokens=10))
    assert [[r.text for r in rs] for rs in remote] == [[r.text for r in rs] for rs in local]
    assert [[r.tokens for r in rs] for rs in remote] == [[r.tokens for r in rs] for rs in local]


def test_model_is_discovered_when_the_spec_names_none(server):
    solver = get_solver(f"openai:{server.url}?max_new_tokens=4&{FAST}")
    [[r]] = solver.solve([{"prompt": "hi"}], k=1, seed=0)
    assert solver.model == "tiny" and r.tokens <= 4


def test_unknown_model_fails_at_once_with_the_server_message(server):
    solver = get_solver(f"openai:{server.url}#nope?{FAST}")
    t = time.monotonic()
    with pytest.raises(HardgenError, match="HTTP 404.*'nope' does not exist"):
        solver.solve([{"prompt": "hi"}], k=1)
    assert time.monotonic() - t < 20  # a 404 is not retried (with backoff it would wait far longer)


# -- fault injection -----------------------------------------------------------------------------------

class FakeAPI:
    """A stdlib HTTP server on 127.0.0.1 answering from a script: a list of (status, body) or a callable."""

    def __init__(self, script):
        self.script = script
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with api.lock:
                    api.requests.append({"path": self.path, "body": body})
                    n = len(api.requests)
                status, payload, headers = api.respond(n, self.path, body)
                if status is None:  # hang past the client's timeout
                    time.sleep(payload)
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def respond(self, n, path, body):
        if callable(self.script):
            return self.script(n, path, body)
        status, payload = self.script[min(n, len(self.script)) - 1]
        return status, payload, {}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def ok(body, n=None, text="The answer is \\boxed{1}."):
    n = body.get("n", 1) if n is None else n
    if "messages" in body:
        choices = [{"index": i, "message": {"role": "assistant", "content": f"{text} #{i}"}, "finish_reason": "stop"}
                   for i in range(n)]
    else:
        choices = [{"index": i, "text": f"{text} #{i}", "finish_reason": "length"} for i in range(n)]
    return {"choices": choices, "usage": {"prompt_tokens": 9, "completion_tokens": 5 * n, "total_tokens": 9 + 5 * n}}


ERR = {"error": {"message": "overloaded, try later", "type": "server_error"}}


def test_retries_on_429_and_500_then_succeeds():
    def script(n, path, body):
        if n <= 2:
            return 429, ERR, {"Retry-After": "0"}
        if n == 3:
            return 500, ERR, {}
        return 200, ok(body), {}

    with FakeAPI(script) as api:
        solver = OpenAISolver(api.url, "m", max_retries=3, backoff=0.01, max_backoff=0.05)
        t = time.monotonic()
        [rs] = solver.solve([{"prompt": "p"}], k=2, seed=0)
        assert time.monotonic() - t < 20
    assert [r.text for r in rs] == ["The answer is \\boxed{1}. #0", "The answer is \\boxed{1}. #1"]
    assert len(api.requests) == 4
    req = api.requests[-1]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["n"] == 2 and req["body"]["model"] == "m" and isinstance(req["body"]["seed"], int)
    assert req["body"]["messages"] == [{"role": "user", "content": "p"}]


def test_always_500_gives_a_clear_error_after_the_retry_budget():
    with FakeAPI([(500, ERR)]) as api:
        solver = OpenAISolver(api.url, "m", max_retries=2, backoff=0.01, max_backoff=0.05)
        t = time.monotonic()
        with pytest.raises(PartialSolveError) as e:
            solver.solve([{"prompt": "p"}], k=1, seed=0)
        elapsed = time.monotonic() - t
    msg = str(e.value)
    assert api.url in msg and "HTTP 500" in msg and "overloaded" in msg and "3 attempt" in msg
    assert isinstance(e.value.__cause__, OpenAIHTTPError) and e.value.__cause__.status == 500
    assert len(api.requests) == 3 and elapsed < 20


def test_bad_request_is_not_retried():
    with FakeAPI([(400, {"error": {"message": "max_tokens is too large"}})]) as api:
        solver = OpenAISolver(api.url, "m", max_retries=5, backoff=0.01)
        with pytest.raises(HardgenError, match="HTTP 400: max_tokens is too large"):
            solver.solve([{"prompt": "p"}], k=1)
    assert len(api.requests) == 1


def test_server_down_gives_a_clear_error():
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    solver = get_solver(f"openai:http://127.0.0.1:{port}/v1#m?max_retries=2&backoff=0.01&max_backoff=0.02")
    t = time.monotonic()
    with pytest.raises(HardgenError, match=rf"127\.0\.0\.1:{port}/v1/chat/completions failed after 3 attempt.*"
                                           r"(refused|Connection)"):
        solver.solve([{"prompt": "p"}], k=1)
    assert time.monotonic() - t < 20


def test_timeout_is_retried_then_reported():
    def script(n, path, body):
        return (None, 1.0, {}) if n == 1 else (200, ok(body), {})

    with FakeAPI(script) as api:
        solver = OpenAISolver(api.url, "m", timeout=0.2, max_retries=1, backoff=0.01)
        [[r]] = solver.solve([{"prompt": "p"}], k=1)
    assert r.text.startswith("The answer") and len(api.requests) == 2


def test_server_that_ignores_n_gets_repeated_requests():
    with FakeAPI(lambda n, path, body: (200, ok(body, n=1), {})) as api:
        solver = OpenAISolver(api.url, "m", api="completions", backoff=0.01)
        out = solver.solve([{"prompt": "a"}, {"prompt": "b"}], k=3, seed=0)
    assert [len(rs) for rs in out] == [3, 3]
    assert solver.server_ignores_n
    assert all(r["path"] == "/v1/completions" for r in api.requests)
    assert len(api.requests) == 6
    # each repeated request carries its own seed, so the samples are not copies of one another
    seeds_a = [r["body"]["seed"] for r in api.requests if r["body"]["prompt"] == "a"]
    assert len(set(seeds_a)) == 3
    # one choice per response: its usage gives the exact token count
    assert out[0][0].tokens == 5 and out[0][0].meta["finish_reason"] == "length"


def test_partial_results_survive_a_failing_record():
    def script(n, path, body):
        if "BAD" in body["messages"][0]["content"]:
            return 503, ERR, {}
        return 200, ok(body), {}

    records = [{"prompt": "good 1"}, {"prompt": "good 2"}, {"prompt": "BAD"}]
    finished = []
    with FakeAPI(script) as api:
        solver = OpenAISolver(api.url, "m", concurrency=1, max_retries=1, backoff=0.01)
        with pytest.raises(PartialSolveError) as e:
            solver.solve(records, k=2, seed=0, on_result=lambda i, rs: finished.append(i))
    assert sorted(finished) == [0, 1]
    assert [rs is not None for rs in e.value.rollouts] == [True, True, False]
    assert [r.text for r in e.value.rollouts[0]] == ["The answer is \\boxed{1}. #0", "The answer is \\boxed{1}. #1"]
    assert "503" in str(e.value) and "2 of 3 prompts finished" in str(e.value)


def test_spec_parsing():
    assert parse_openai_spec("http://127.0.0.1:8000/v1#Qwen/Qwen2.5-7B?concurrency=3&api=completions") == (
        "http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-7B", {"concurrency": 3, "api": "completions"})
    assert parse_openai_spec("http://127.0.0.1:8000/v1") == ("http://127.0.0.1:8000/v1", None, {})
    with pytest.raises(HardgenError, match="http://"):
        get_solver("openai:127.0.0.1:8000#m")
    with pytest.raises(HardgenError, match="api must be one of"):
        get_solver("openai:http://127.0.0.1:1/v1#m?api=embeddings")
    with pytest.raises(HardgenError, match="unknown option"):
        get_solver("openai:http://127.0.0.1:1/v1#m?retries=3")
