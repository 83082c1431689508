"""The OpenAI-compatible server, driven by the official `openai` client library over loopback."""

import json
import socket
import urllib.error
import urllib.request

import openai
import pytest

from hardgen.core.errors import HardgenError
from hardgen.models.server import BackgroundServer


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=30)


def test_models_lists_the_served_model(client):
    assert [m.id for m in client.models.list().data] == ["tiny"]


def test_chat_completions_with_n_seed_and_usage(client):
    kw = dict(model="tiny", messages=[{"role": "user", "content": "Solve x + 1 = 2."}], n=3, max_tokens=6, seed=11)
    r = client.chat.completions.create(**kw)
    assert r.object == "chat.completion" and r.model == "tiny"
    assert [c.index for c in r.choices] == [0, 1, 2]
    assert all(c.message.role == "assistant" and isinstance(c.message.content, str) for c in r.choices)
    assert all(c.finish_reason in ("stop", "length") for c in r.choices)
    per_choice = [c.model_extra["completion_tokens"] for c in r.choices]
    assert all(1 <= t <= 6 for t in per_choice)
    assert r.usage.completion_tokens == sum(per_choice)
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.usage.prompt_tokens > 5
    same = client.chat.completions.create(**kw)
    other = client.chat.completions.create(**{**kw, "seed": 12})
    assert [c.message.content for c in r.choices] == [c.message.content for c in same.choices]
    assert [c.message.content for c in r.choices] != [c.message.content for c in other.choices]


def test_chat_prompt_tokens_count_the_template(client, hf_solver):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2 = ?"}]
    r = client.chat.completions.create(model="tiny", messages=msgs, max_tokens=2, seed=0)
    assert r.usage.prompt_tokens == len(hf_solver.encode(msgs))
    # content given as text parts is the same prompt
    parts = [{"role": "user", "content": [{"type": "text", "text": "2 + 2"}, {"type": "text", "text": " = ?"}]}]
    r2 = client.chat.completions.create(model="tiny", messages=parts, max_tokens=2, seed=0)
    r3 = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "2 + 2 = ?"}],
                                        max_tokens=2, seed=0)
    assert r2.choices[0].message.content == r3.choices[0].message.content


def test_completions_with_a_prompt_list_stop_and_length(client, hf_solver):
    r = client.completions.create(model="tiny", prompt=["Solve the", "x ="], n=2, max_tokens=5, seed=3,
                                  temperature=0)
    assert r.object == "text_completion"
    assert [c.index for c in r.choices] == [0, 1, 2, 3]
    # greedy: both samples of a prompt agree, and ran to max_tokens unless eos came first
    assert r.choices[0].text == r.choices[1].text and r.choices[2].text == r.choices[3].text
    assert all(c.finish_reason == "length" and c.model_extra["completion_tokens"] == 5 for c in r.choices
               if c.finish_reason == "length")
    full = r.choices[0].text
    stop = next(full[i:i + 2] for i in range(1, len(full) - 1) if full[i:i + 2].isascii() and full[i:i + 2].strip())
    cut = client.completions.create(model="tiny", prompt="Solve the", max_tokens=5, temperature=0, stop=[stop])
    assert cut.choices[0].text == full[:full.find(stop)] and cut.choices[0].finish_reason == "stop"
    # OpenAI's default max_tokens for completions is 16
    d = client.completions.create(model="tiny", prompt="Solve the", temperature=0, seed=0)
    assert d.usage.completion_tokens <= 16


def test_request_errors_are_openai_shaped(client, server):
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.completions.create(model="other", prompt="hi")
    with pytest.raises(openai.BadRequestError, match="n must be between"):
        client.completions.create(model="tiny", prompt="hi", n=0)
    with pytest.raises(openai.BadRequestError, match="stream=true is not supported"):
        client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], stream=True)
    with pytest.raises(openai.BadRequestError, match="temperature"):
        client.completions.create(model="tiny", prompt="hi", temperature=-1)
    with pytest.raises(openai.BadRequestError, match="messages must be a non-empty list"):
        client.chat.completions.create(model="tiny", messages=[])
    req = urllib.request.Request(server.url + "/completions", data=b"{not json", method="POST",
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 400 and "JSON object" in json.loads(e.value.read())["error"]["message"]


def test_background_server_stops_and_frees_its_port(hf_solver):
    srv = BackgroundServer(hf_solver, port=0, model_name="second").start()
    port = srv.port
    c = openai.OpenAI(base_url=srv.url, api_key="x", max_retries=0, timeout=10)
    assert [m.id for m in c.models.list().data] == ["second"]
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert hf_solver.model is not None  # a backend passed in is not closed by the server


def test_serving_a_non_llm_solver_is_refused():
    from hardgen.models.base import Solver

    with pytest.raises(HardgenError, match="cannot be served"):
        BackgroundServer(Solver())
