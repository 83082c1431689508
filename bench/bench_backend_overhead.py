"""Backend overhead: hardgen's hf and openai backends against the plain loops a user would write, same run.

Same problems, same k and token budget, same model, each path timed end to end (prompts in, texts out):

- `hf` backend (`HFSolver.solve`) vs a hand-written transformers loop (chat template, left padding,
  `generate(num_return_sequences=k)`, decode): the cost of sorting, seeding and bookkeeping.
- `openai` backend against our server (loopback) vs the official `openai` client with a thread pool of the
  same size against the same server: the cost of our HTTP client (stdlib, retries, seeds).

Every path is warmed up once first. The model is a tiny random one built on the fly unless `--model DIR` names
a local one; `--hidden/--layers` make the built one bigger (e.g. on a GPU). Ratio = ours / peer time.

    python bench/bench_backend_overhead.py                  # ~1 min on 2 CPU cores
    python bench/bench_backend_overhead.py --problems 64 -k 8 --max-new-tokens 64 --hidden 512 --layers 8
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor


def records(n: int) -> list[dict]:
    """`math.linear_system` problems; synthetic prompts of the same shape where the generators' own
    dependencies (sympy, python-sat) are not installed, e.g. on a bare GPU box."""
    try:
        from hardgen.generators.item import generate_one

        return [generate_one("math.linear_system", "medium", {}, 11, i) for i in range(n)]
    except ImportError:
        return [{"prompt": f"Solve the system of equations for x, y:\n{i % 7 + 1}x + {i % 5}y = {i}\n"
                           f"x - {i % 3 + 1}y = {2 * i}\n\nGive the solution as an ordered tuple (x, y) inside "
                           "\\boxed{}."} for i in range(n)]


def plain_transformers(model, tok, recs: list[dict], k: int, max_new: int, batch_size: int) -> list[list[str]]:
    """The loop a user writes by hand: per batch of prompts, k samples each."""
    import torch

    tok.padding_side = "left"
    per_batch = max(1, batch_size // k)
    out: list[list[str]] = []
    for b in range(0, len(recs), per_batch):
        chunk = recs[b:b + per_batch]
        texts = [tok.apply_chat_template([{"role": "user", "content": r["prompt"]}], tokenize=False,
                                         add_generation_prompt=True) for r in chunk]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.inference_mode():
            gen = model.generate(**enc, do_sample=True, temperature=1.0, top_p=1.0, top_k=0,
                                 max_new_tokens=max_new, num_return_sequences=k, pad_token_id=tok.pad_token_id)
        dec = tok.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        out.extend(dec[i * k:(i + 1) * k] for i in range(len(chunk)))
    return out


def official_client(url: str, model: str, recs: list[dict], k: int, max_new: int, concurrency: int) -> list[list[str]]:
    import openai

    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=5)

    def one(r: dict) -> list[str]:
        resp = client.chat.completions.create(model=model, messages=[{"role": "user", "content": r["prompt"]}],
                                              n=k, max_tokens=max_new, temperature=1.0, seed=0)
        return [c.message.content for c in resp.choices]

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, recs))


def timed(fn, repeat: int) -> float:
    fn()  # warm-up: lazy imports, kernels, connection setup
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="local model directory (default: build a tiny one)")
    ap.add_argument("--problems", type=int, default=16)
    ap.add_argument("-k", type=int, default=4)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=16, help="sequences per generate call")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--deterministic", action="store_true", help="hf backend with exact reruns (eager attention)")
    ap.add_argument("--threads", type=int, help="torch CPU threads (1 is fastest for tiny models on busy machines)")
    args = ap.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from hardgen.models.hf import HFSolver
    from hardgen.models.openai_http import OpenAISolver
    from hardgen.models.tiny import build_tiny_model

    tmp = tempfile.TemporaryDirectory()
    recs = records(args.problems)
    model_dir = args.model or str(build_tiny_model(
        f"{tmp.name}/tiny", hidden=args.hidden, layers=args.layers, heads=max(4, args.hidden // 64),
        kv_heads=max(2, args.hidden // 128), corpus=[r["prompt"] for r in records(300)]))
    k, m = args.k, args.max_new_tokens
    solver = HFSolver(model_dir, batch_size=args.batch_size, max_new_tokens=m, device=args.device,
                      deterministic=args.deterministic)
    print(f"model {model_dir} on {solver.device} ({sum(p.numel() for p in solver.model.parameters()):,} params), "
          f"torch threads {torch.get_num_threads()}; {len(recs)} problems x k={k}, {m} new tokens, "
          f"best of {args.repeat}")
    print(f"{'path':<44}{'seconds':>9}{'seq/s':>9}{'ratio':>8}")
    n_seq = len(recs) * k

    def row(name: str, secs: float, peer: float | None) -> None:
        ratio = f"{secs / peer:8.2f}" if peer else f"{'':>8}"
        print(f"{name:<44}{secs:9.3f}{n_seq / secs:9.1f}{ratio}")

    t_plain = timed(lambda: plain_transformers(solver.model, solver.tokenizer, recs, k, m, args.batch_size),
                    args.repeat)
    t_hf = timed(lambda: solver.solve(recs, k=k, seed=0), args.repeat)
    row("peer: plain transformers generate loop", t_plain, None)
    row("hardgen hf backend (HFSolver.solve)", t_hf, t_plain)

    import importlib.util

    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("openai") is None:
        print("(fastapi/openai not installed: HTTP rows skipped; pip install hardgen[serve])")
        solver.close()
        return
    from hardgen.models.server import BackgroundServer

    with BackgroundServer(solver, model_name="bench") as srv:
        ours = OpenAISolver(srv.url, "bench", concurrency=args.concurrency, max_new_tokens=m)
        t_client = timed(lambda: official_client(srv.url, "bench", recs, k, m, args.concurrency), args.repeat)
        t_ours = timed(lambda: ours.solve(recs, k=k, seed=0), args.repeat)
    row(f"peer: official openai client, {args.concurrency} threads", t_client, None)
    row("hardgen openai backend (same server)", t_ours, t_client)
    row("  (served hf backend vs in-process)", t_ours, t_hf)
    solver.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
