"""The installed package: a wheel carries the corpus, prompts, lexicon and tokenizer, and answers from any
folder with its index in the user's data folder; the command line keeps other packages' logs quiet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import copy_checkout

SHIPPED = ["assistant/_corpus/scot-2018.md", "assistant/_prompts/disclaimer_patient.md",
           "assistant/_prompts/scope_patient.md", "assistant/lexicon.yaml", "assistant/minilm-tokenizer.json"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project built as a wheel (from a copy: the checkout stays clean) and unpacked into a folder."""
    work = tmp_path_factory.mktemp("pkg")
    source = copy_checkout(work / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(work / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("assistant-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(SHIPPED) <= names, set(SHIPPED) - names
    assert not any(n.startswith(("tests/", "evals/", "corpus/", "prompts/")) for n in names)
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    return target


def run_installed(installed: Path, tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **extra, "PYTHONPATH": str(installed), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "HF_HUB_OFFLINE": "1"}
    for name in ("ASSISTANT_HOME", "ASSISTANT_CORPUS", "ASSISTANT_PROMPTS", "ASSISTANT_CHROMA_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)


def test_an_installed_wheel_answers_from_any_folder_with_its_own_data(installed, tmp_path):
    result = run_installed(installed, tmp_path, "ask", "What did the SCOT trial show?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert not answer["refused"] and any("scot" in ref["source_id"] for ref in answer["references"])
    assert (tmp_path / "data" / "assistant" / "chroma").is_dir()  # the user's data folder, not site-packages
    assert not (installed / ".assistant").exists() and not (tmp_path / ".assistant").exists()
    assert result.stderr.strip() == ""  # no third-party logging or warnings by default


def test_verbose_shows_debug_logs_and_a_bad_level_is_one_line(installed, tmp_path):
    bad = run_installed(installed, tmp_path, "sources", ASSISTANT_LOG_LEVEL="loud")
    assert bad.returncode == 2 and "ASSISTANT_LOG_LEVEL" in bad.stderr and "Traceback" not in bad.stderr
    verbose = run_installed(installed, tmp_path, "-v", "sources")
    assert verbose.returncode == 0 and "DEBUG" in verbose.stderr
