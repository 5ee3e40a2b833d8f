"""The package on the highest Python it supports (3.13; the whole suite runs on the lowest, 3.11): a new venv,
`pip install .` from a copy of the checkout (dependencies from the package index, no torch), then an answer from
another folder. Skipped, saying so, when this machine has no Python 3.13."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess

import pytest

from .conftest import copy_checkout

VERSION = "3.13"


def interpreter(version: str) -> str | None:
    """A working `python<version>`: on PATH, or one of pyenv's versions (its shim alone may not select it)."""
    found = [shutil.which(f"python{version}"), *sorted(glob.glob(os.path.expanduser(
        f"~/.pyenv/versions/{version}*/bin/python{version}")))]
    for python in filter(None, found):
        probe = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return python
    return None


def test_the_package_installs_and_answers_on_the_highest_python(tmp_path):
    python = interpreter(VERSION)
    if python is None:
        pytest.skip(f"no Python {VERSION} on this machine (pyenv or PATH)")
    source = copy_checkout(tmp_path / "src")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    for args in (["setuptools==80.10.2"], [str(source)]):
        done = subprocess.run([*pip, *args], capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, done.stderr[-2000:]
    freeze = subprocess.run([*pip[:3], "freeze"], capture_output=True, text=True).stdout.lower()
    assert "pydantic-settings==" in freeze and "torch==" not in freeze  # the default install pulls no torch
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(venv / "bin" / "assistant"), "ask", "What did the SCOT trial show?", "--json"],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert not answer["refused"] and any("scot" in ref["source_id"] for ref in answer["references"])
