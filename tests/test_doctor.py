"""`assistant doctor` and the index manifest, on real indexes in their own folders."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import ROOT
from assistant.embeddings import get_embeddings
from assistant.index import IndexUnavailable, open_store


def doctor(settings, home):
    return CliRunner().invoke(cli, ["--home", str(home), "--corpus", str(settings.corpus_dir), "doctor"])


def test_a_healthy_index_is_all_ok(settings, tmp_path):
    result = doctor(settings, tmp_path / "home")  # no index yet: built, then every part checked
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert [line.split()[1].rstrip(":") for line in lines] == ["corpus", "index", "manifest", "writes", "notes", "lexical"]
    assert doctor(settings, tmp_path / "home").output.count("ok ") == 6  # the second time, nothing to do


def test_doctor_repairs_a_corrupt_index_and_names_what_to_ingest_again(settings, tmp_path):
    home = tmp_path / "home"
    assert doctor(settings, home).exit_code == 0
    doc = tmp_path / "waldo.txt"
    doc.write_text("The Waldo cohort of autologous stem cell transplantation in systemic sclerosis had 10 patients.")
    runner = CliRunner()
    opts = ["--home", str(home), "--corpus", str(settings.corpus_dir)]
    assert runner.invoke(cli, [*opts, "ingest", str(doc), "--kind", "research", "--title", "Waldo"]).exit_code == 0
    damaged = [path for path in (home / "lexical").rglob("*") if path.is_file()]
    assert damaged
    for path in damaged:  # the BM25 files damaged as well
        path.write_bytes(b"\x00garbage")
    sqlite = home / "chroma" / "chroma.sqlite3"
    with open(sqlite, "r+b") as handle:
        handle.truncate(sqlite.stat().st_size // 3)
    result = doctor(settings, home)
    assert result.exit_code == 0, result.output
    assert "repaired index" in result.output and str(doc) in result.output
    after = doctor(settings, home)
    assert after.exit_code == 0 and "repaired" not in after.output
    assert "trial-a" in runner.invoke(cli, [*opts, "sources"]).output


def test_an_index_built_with_other_embeddings_is_refused_with_the_fix(settings, tmp_path):
    own = settings.with_overrides(home=tmp_path / "home")
    open_store(own)  # built with the default (onnx) model: the manifest says so
    with pytest.raises(IndexUnavailable, match="ASSISTANT_EMBEDDINGS=onnx.*index --rebuild"):
        open_store(own, embeddings=get_embeddings("int8"))
    env = {**os.environ, "ASSISTANT_EMBEDDINGS": "int8", "HF_HUB_OFFLINE": "1"}
    args = ["--home", str(own.home), "--corpus", str(settings.corpus_dir)]
    asked = subprocess.run([sys.executable, "-m", "assistant.cli", *args, "ask", "What is AHSCT?"], env=env,
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert asked.returncode == 1 and "built with the all-MiniLM-L6-v2 embeddings" in asked.stderr
    assert "Traceback" not in asked.stderr
    checked = subprocess.run([sys.executable, "-m", "assistant.cli", *args, "doctor"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 1 and "failed   manifest" in checked.stdout
    rebuilt = subprocess.run([sys.executable, "-m", "assistant.cli", *args, "index", "--rebuild"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert open_store(own, embeddings=get_embeddings("int8")).count() > 0  # now the int8 index
