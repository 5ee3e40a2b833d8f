"""The index on the real embedded Chroma with the real embedding model."""

import shutil

import pytest

from assistant.config import Settings
from assistant.corpus import load_corpus, parse_note
from assistant import lexical
from assistant.index import Store


@pytest.fixture
def own_settings(tmp_path, fixture_corpus, settings):
    corpus = tmp_path / "corpus"
    shutil.copytree(fixture_corpus, corpus)
    return Settings(corpus_dir=corpus, home=tmp_path / "home", prompts_dir=settings.prompts_dir)


def test_build_incremental_and_rebuild(own_settings, store):
    index = Store(own_settings, embeddings=store.embeddings)
    first = index.sync(load_corpus(own_settings.corpus_dir))
    assert sorted(first.added) == ["guideline-b", "mesenchymal-c", "talk-d", "trial-a"]
    assert first.passages == index.count() > 4

    again = index.sync(load_corpus(own_settings.corpus_dir))
    assert (again.added, again.updated, again.unchanged) == ([], [], 4)

    path = own_settings.corpus_dir / "mesenchymal-c.md"
    path.write_text(path.read_text().replace("133 p", "134 p"))
    changed = index.sync(load_corpus(own_settings.corpus_dir))
    assert changed.updated == ["mesenchymal-c"] and changed.unchanged == 3
    texts = index.passages.get(where={"source_id": "mesenchymal-c"})["documents"]
    assert any("134 patients" in t for t in texts) and not any("133 patients" in t for t in texts)
    loaded = index.loaded  # BM25 saved before the change is stale now: it is rebuilt from Chroma
    assert loaded.document_frequency("134") >= 1 and loaded.document_frequency("133") == 0
    assert any("134 patients" in p.text for p in loaded.of_source("mesenchymal-c"))

    talk = len(parse_note(own_settings.corpus_dir / "talk-d.md").passages())
    (own_settings.corpus_dir / "talk-d.md").unlink()
    removed = index.sync(load_corpus(own_settings.corpus_dir))
    assert removed.removed == ["talk-d"]
    assert index.passages.get(where={"source_id": "talk-d"})["ids"] == []

    rebuilt = index.sync(load_corpus(own_settings.corpus_dir), rebuild=True)
    assert sorted(rebuilt.added) == ["guideline-b", "mesenchymal-c", "trial-a"]
    assert rebuilt.passages == first.passages - talk


def test_index_persists_on_disk(own_settings, store):
    Store(own_settings, embeddings=store.embeddings).sync(load_corpus(own_settings.corpus_dir))
    reopened = Store(own_settings, embeddings=store.embeddings)
    assert reopened.count() > 0
    assert set(reopened.loaded.sources) == {"trial-a", "guideline-b", "mesenchymal-c", "talk-d"}


def test_loaded_sources_keep_metadata(store):
    source = store.loaded.sources["trial-a"]
    assert source.evidence == "phase 3 RCT, n=75" and source.year == 2018 and source.verified


def test_bm25_is_saved_and_reused_until_the_index_changes(own_settings, store, caplog):
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    built = index.loaded
    folder = index.lexical_dir
    assert (folder / "rows.json").exists()
    reloaded = lexical.load(folder, index.passages._collection, built.sources, built.shas)
    assert reloaded is not None and reloaded.ids == built.ids
    query = ["autolog", "stem", "cell"]
    assert list(reloaded.bm25.get_scores(query)) == list(built.bm25.get_scores(query))

    changed = dict(built.shas, **{"trial-a": "0" * 64})
    assert lexical.load(folder, index.passages._collection, built.sources, changed) is None  # stale

    (folder / "rows.json").write_text("{not json")
    reopened = Store(own_settings, embeddings=store.embeddings)
    assert reopened.loaded.ids == built.ids  # rebuilt from Chroma's documents
    assert "unreadable" in caplog.text


def test_the_next_write_sweeps_a_dead_writers_leftovers(own_settings, store):
    """A pending mark whose writer is gone (no lock held): `index` (which holds the lock itself) deletes the
    passages that write left uncommitted; a reader does too; committed sources are untouched."""
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    committed = index.count()
    for sweeper in (lambda: index.sync(load_corpus(own_settings.corpus_dir)), index.clean):
        index._beat("ghost", "0" * 64)  # a write that began and died
        index.passages.add_texts(["Half-written ghost passage about transplantation."],
                                 [{"source_id": "ghost", "passage_id": "ghost#x", "sha": "0" * 64}], ["ghost#x@0"])
        assert index.count() == committed + 1
        sweeper()
        assert index.count() == committed and "ghost" not in index.indexed()


@pytest.mark.parametrize("name, content", [
    ("rows.json", "[]"), ("rows.json", "null"),  # F10
    ("params.index.json", "{}"),  # F11
    ("vocab.index.json", '{"garbage": 1}'),  # F12: valid JSON, wrong content: caught by its checksum
    ("source_of.npy", b"\x93NUMPY random"),
])
def test_damaged_bm25_files_are_detected_and_rebuilt(own_settings, store, caplog, name, content):
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    built = index.loaded
    path = index.lexical_dir / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    reopened = Store(own_settings, embeddings=store.embeddings)
    assert reopened.loaded.ids == built.ids and "unreadable" in caplog.text
    query = ["autolog", "stem", "cell"]
    assert list(reopened.loaded.bm25.get_scores(query)) == list(built.bm25.get_scores(query))
