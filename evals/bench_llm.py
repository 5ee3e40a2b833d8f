"""Benchmark of the local generator: first-token time and tokens/s, with and without prefix reuse
(a script, not a timed test).

    .venv/bin/python evals/bench_llm.py [--model qwen|smollm2|PATH] [--questions 5] [--max-tokens 128]
        [--passages N] [--excerpts] [--n-batch N] [--mode clinician|patient] [--reuse-only] [--out FILE]

For each of the first in-scope gold questions (in the mode's phrasing), the engine's own prompt (fixed system prompt first,
then the mode's instructions, the passages and the question) is streamed through the local model twice:
- "prefix reuse": the model keeps its KV cache between calls, so llama.cpp evaluates only the tokens
  after the longest prefix shared with the previous prompt (the system prompt and the instructions);
- "no reuse": the cache is cleared first (`Llama.reset()`), so the whole prompt is evaluated.
Tokens are counted as streamed chunks (llama-cpp-python streams one token per chunk). `new_tokens_mean` is
what prefix reuse leaves to evaluate: the prompt's tokens after the prefix it shares with the previous one.
`--passages`, `--excerpts` and `--n-batch` override `LLMConfig.passages`, `LLMConfig.excerpts` and llama.cpp's
batch size (the levers on the first-token time)."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from assistant.config import ROOT, Settings
from assistant.evaluate import load_gold
from assistant.generate import GenerativeEngine, format_passages, load_prompt
from assistant.index import open_store
from assistant.llm import LLMConfig, chat_model, qwen_path, smollm2_path


def model_file(name: str, settings: Settings) -> Path:
    if name == "qwen":
        return qwen_path(settings.home)
    if name == "smollm2":
        return smollm2_path()
    return Path(name)


def run(model, prompt, inputs: dict, reuse: bool) -> dict:
    if not reuse:
        model.client.reset()  # forget the evaluated prefix: the whole prompt is evaluated again
    t = time.perf_counter()
    first, tokens = None, 0
    for chunk in (prompt | model).stream(inputs):
        if chunk.content:
            first = first or time.perf_counter()
            tokens += 1
    end = time.perf_counter()
    gen_s = end - first if first else 0.0
    return {"first_token_s": round((first or end) - t, 3), "tokens": tokens, "total_s": round(end - t, 3),
            "tokens_per_s": round((tokens - 1) / gen_s, 1) if tokens > 1 and gen_s else None}


def shared_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens two prompts share (what llama.cpp keeps from its cache)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen", help="qwen (default), smollm2, or a GGUF path")
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--mode", default="clinician", choices=["clinician", "patient"])
    parser.add_argument("--passages", type=int, help="passages given to the model [LLMConfig.passages]")
    parser.add_argument("--excerpts", action="store_true", default=None, help="only the chosen sentences")
    parser.add_argument("--n-batch", type=int, help="llama.cpp n_batch [LLMConfig.n_batch]")
    parser.add_argument("--reuse-only", action="store_true", help="skip the runs without prefix reuse")
    parser.add_argument("--out", help="also write the results as JSON to this file")
    args = parser.parse_args()
    settings = Settings()
    config = LLMConfig(url=None, model_path=model_file(args.model, settings), max_tokens=args.max_tokens)
    config = config.with_overrides(passages=args.passages, excerpts=args.excerpts, n_batch=args.n_batch)
    t = time.perf_counter()
    model = chat_model(config, settings.home)
    load_s = time.perf_counter() - t
    engine = GenerativeEngine(open_store(settings), settings, config, model=model)
    prompt = load_prompt(settings.prompts_dir, args.mode)
    cases = []
    for item in load_gold(ROOT / "evals" / "gold.yaml"):
        if len(cases) == args.questions:
            break
        state, given = engine.context(item.questions(args.mode)[-1], args.mode)
        if given:
            cases.append({"passages": format_passages(given), "question": state.standalone})
    run(model, prompt, cases[-1], reuse=False)  # warm-up: weights into memory, another question cached
    rows = {"prefix reuse": []} if args.reuse_only else {"prefix reuse": [], "no reuse": []}
    for inputs in cases:  # interleaved, so that a busy moment of the machine does not favour one side
        rows["prefix reuse"].append(run(model, prompt, inputs, reuse=True))  # the previous question is cached
        if not args.reuse_only:
            rows["no reuse"].append(run(model, prompt, inputs, reuse=False))
    tokens = [model.client.tokenize(prompt.format(**c).encode()) for c in cases]
    prompt_tokens = [len(t) for t in tokens]
    new_tokens = [len(t) - shared_prefix(t, before) for t, before in zip(tokens, [tokens[-1], *tokens[:-1]])]
    system_tokens = len(model.client.tokenize(prompt.messages[0].prompt.template.encode()))
    summary = {"model": config.model_path.name, "machine": f"{platform.machine()}, Python {platform.python_version()}",
               "threads": config.n_threads, "n_batch": config.n_batch, "passages": config.passages,
               "excerpts": config.excerpts,
               "max_tokens": config.max_tokens, "load_s": round(load_s, 2), "questions": len(cases),
               "prompt_tokens_mean": round(statistics.fmean(prompt_tokens)), "system_prompt_tokens": system_tokens,
               "new_tokens_mean": round(statistics.fmean(new_tokens))}
    for label, results in rows.items():
        first = [r["first_token_s"] for r in results]
        summary[label] = {"first_token_s_mean": round(statistics.fmean(first), 2),
                          "first_token_s_p50": round(statistics.median(first), 2),
                          "first_token_s_max": max(first),
                          "tokens_per_s_mean": round(statistics.fmean(r["tokens_per_s"] or 0 for r in results), 1),
                          "tokens_mean": round(statistics.fmean(r["tokens"] for r in results), 1)}
    print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({**summary, "runs": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
