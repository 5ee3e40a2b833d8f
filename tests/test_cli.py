"""The command line, in process (click's runner), on the real index."""

import json
import shutil

import pytest
from click.testing import CliRunner

from assistant.cli import cli


@pytest.fixture
def run(settings, store):
    def invoke(*args, input=None, home=None, corpus=None):
        opts = ["--home", str(home or settings.home), "--corpus", str(corpus or settings.corpus_dir)]
        return CliRunner().invoke(cli, [*opts, *args], input=input, catch_exceptions=False)
    return invoke


def test_ask_prints_sections_references_and_disclaimer(run):
    result = run("ask", "What were the results of AHSCT in the fixture trial?")
    assert result.exit_code == 0, result.output
    assert "### From the Research" in result.output and "### References" in result.output
    assert "[1]" in result.output and "Professional disclaimer" in result.output


def test_ask_json_schema(run):
    result = run("ask", "What is the TRM of AHSCT?", "--json", "--mode", "patient")
    data = json.loads(result.output)
    assert data["mode"] == "patient" and data["refused"] is False
    assert {"sections", "references", "disclaimer", "timings_ms"} <= set(data)


@pytest.mark.parametrize("question", ["", "   ", "y" * 2001])
def test_bad_question_exits_2(run, question):
    result = run("ask", question)
    assert result.exit_code == 2
    assert "empty" in result.output or "limit" in result.output


def test_batch_writes_json_lines(run):
    result = run("ask", "--batch", "-", input="What is the TRM of AHSCT?\n\nWhat is the capital of France?\n" + "z" * 2001 + "\n")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    assert rows[0]["refused"] is False and rows[1]["refused"] is True
    assert "limit" in rows[2]["error"]


def test_broken_note_fails_index_and_leaves_it_untouched(run, tmp_path, fixture_corpus):
    corpus, home = tmp_path / "corpus", tmp_path / "home"
    shutil.copytree(fixture_corpus, corpus)
    assert run("index", home=home, corpus=corpus).exit_code == 0
    note = corpus / "trial-a.md"
    note.write_text(note.read_text().replace("kind: research", "kind: rumour").replace("79%", "99%"))
    result = run("index", home=home, corpus=corpus)
    assert result.exit_code == 1
    assert "trial-a.md" in result.output and "'kind'" in result.output and "left as it was" in result.output
    answer = json.loads(run("ask", "event-free survival at 54 months in the fixture trial", "--json",
                            home=home, corpus=corpus).output)
    assert "79%" in json.dumps(answer) and "99%" not in json.dumps(answer)


def test_index_reports_unchanged_on_second_run(run, tmp_path, fixture_corpus):
    home = tmp_path / "home"
    run("index", home=home)
    result = run("index", home=home)
    assert "0 added, 0 updated, 0 removed, 4 unchanged" in result.output
    assert "merged" not in result.output
    merged = run("index", "--optimize", home=home)
    assert merged.exit_code == 0 and "BM25 merged:" in merged.output and "passages in one segment" in merged.output


def test_sources_list_show_ingest_and_remove(run, tmp_path, fixture_corpus):
    home = tmp_path / "home"
    listing = run("sources", home=home)
    assert listing.exit_code == 0 and "trial-a" in listing.output and "talk-d" in listing.output
    shown = run("sources", "show", "trial-a", home=home)
    assert "Example A, Example B" in shown.output and "## Findings" in shown.output and "79%" in shown.output
    assert "- [safety] Treatment-related mortality (TRM) in the AHSCT arm" in shown.output and "{#trm}" in shown.output
    doc = tmp_path / "clinic.txt"
    doc.write_text("Our clinic discusses every transplant candidate with systemic sclerosis at a joint meeting.")
    added = run("ingest", str(doc), "--kind", "guideline", "--title", "Clinic pathway", home=home)
    assert added.exit_code == 0 and "added" in added.output and "clinic" in added.output
    assert "ingest" in run("sources", home=home).output
    assert run("ingest", str(tmp_path / "missing.pdf"), "--kind", "research", home=home).exit_code == 1
    assert "removed clinic" in run("remove", "clinic", home=home).output
    assert run("remove", "clinic", home=home).exit_code == 1


def test_batch_reports_a_line_that_is_not_utf8_and_answers_the_others(run):
    data = b"What were the results of AHSCT in the fixture trial?\n\xff\xfe bad bytes\nWhat is MSC therapy?\n"
    result = run("ask", "--batch", "-", input=data)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(records) == 3
    assert "not valid UTF-8" in records[1]["error"] and records[1]["line"] == 2
    assert "sections" in records[0] and "sections" in records[2]


def test_rebuild_repairs_a_corrupt_sqlite_file_and_names_what_to_ingest_again(run, tmp_path):
    home = tmp_path / "home"
    assert run("index", home=home).exit_code == 0
    doc = tmp_path / "waldo.txt"
    doc.write_text("The Waldo cohort of autologous stem cell transplantation in systemic sclerosis had 10 patients.")
    assert run("ingest", str(doc), "--kind", "research", "--title", "Waldo", home=home).exit_code == 0
    sqlite = home / "chroma" / "chroma.sqlite3"
    with open(sqlite, "r+b") as handle:  # damaged the way the review damaged it (truncated)
        handle.truncate(sqlite.stat().st_size // 3)
    from assistant.cli import cli as group
    broken = CliRunner().invoke(group, ["--home", str(home), "sources"])
    assert broken.exit_code != 0
    repaired = run("index", "--rebuild", home=home)
    assert repaired.exit_code == 0 and "moved to" in repaired.output and str(doc) in repaired.output
    assert list(home.glob("chroma.damaged-*")) and run("sources", home=home).exit_code == 0
    assert "trial-a" in run("sources", home=home).output


def test_check_validates_notes_without_indexing(run, settings, tmp_path):
    good = sorted(settings.corpus_dir.glob("*.md"))[0]
    result = run("check", str(good))
    assert result.exit_code == 0 and result.output.startswith(f"ok {good}:")
    bad = tmp_path / "bad.md"
    bad.write_text(good.read_text(encoding="utf-8").replace("{#", "{#bad id ", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"ok {good}" in result.output and f"error {bad}:" in result.output and "Traceback" not in result.output


def test_config_prints_every_variable_with_its_origin_and_masks_secrets(run, monkeypatch, tmp_path):
    from assistant.config import VARIABLES

    monkeypatch.setenv("ASSISTANT_API_KEY", "s3cret-token")
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS", "onnx")
    result = run("config", home=tmp_path / "flagged")
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert result.exit_code == 0 and set(lines) == set(VARIABLES)
    assert str(tmp_path / "flagged") in lines["ASSISTANT_HOME"] and "[flag;" in lines["ASSISTANT_HOME"]
    assert "[environment;" in lines["ASSISTANT_EMBEDDINGS"] and "[default;" in lines["ASSISTANT_LOG_LEVEL"]
    assert "s3cret-token" not in result.output and "****" in lines["ASSISTANT_API_KEY"]


@pytest.mark.parametrize("name, value, said", [("ASSISTANT_EMBEDDINGS", "foo", "'onnx', 'int8' or 'torch'"),
                                              ("ASSISTANT_TOP_K", "0", "greater than or equal to 1"),
                                              ("ASSISTANT_MIN_ANSWERABILITY", "high", "valid number")])
def test_a_bad_setting_is_a_one_line_error_naming_it(run, monkeypatch, tmp_path, name, value, said):
    monkeypatch.setenv(name, value)
    result = run("config", home=tmp_path / "h")
    assert result.exit_code == 2 and f"{name}={value!r}" in result.output and said in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "Traceback" not in result.output and len(errors) == 1 and name in errors[0]  # one line, naming it


def test_every_setting_is_read_from_its_variable_and_a_flag_wins(monkeypatch, tmp_path):
    from assistant.config import Settings, load

    monkeypatch.setenv("ASSISTANT_TOP_K", "5")
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "env-home"))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(tmp_path / "env-corpus"))
    settings = load(home=tmp_path / "flag-home")
    assert settings.top_k == 5 and settings.corpus_dir == tmp_path / "env-corpus"
    assert settings.home == tmp_path / "flag-home" and Settings().home == tmp_path / "env-home"


def test_index_shows_a_bar_of_the_passages_it_embeds(settings, tmp_path):
    from assistant.corpus import load_corpus
    from assistant.index import Store
    from assistant.progress import passages_bar, to_write

    store = Store(settings.with_overrides(home=tmp_path / "home"))
    notes = load_corpus(settings.corpus_dir)
    total = to_write(store, notes)
    assert total == sum(len(n.passages()) for n in notes) > 0
    seen = []
    with passages_bar(store, total):
        assert store.on_batch is not None  # the bar listens to the store's batches; count them instead
        store.on_batch = seen.append
        store.sync(notes)
    assert sum(seen) == total and store.on_batch is None  # every passage reported once; the bar is detached
    assert to_write(store, notes) == 0 and to_write(store, notes, rebuild=True) == total
