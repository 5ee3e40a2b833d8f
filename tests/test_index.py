"""The index on the real embedded Chroma with the real embedding model."""

import shutil

import numpy as np
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


QUERIES = (["autolog", "stem", "cell"], ["mortal", "trial"], ["mesenchym", "stromal", "safeti"], ["zzz-unseen"])


def test_bm25_is_saved_and_reused_until_the_index_changes(own_settings, store, caplog):
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    built = index.loaded
    folder = index.lexical_dir
    assert (folder / "rows.json").exists()
    assert lexical.load(folder).ids == built.ids
    reopened = Store(own_settings, embeddings=store.embeddings)
    for query in QUERIES:
        assert list(reopened.loaded.postings.get_scores(query)) == list(built.postings.get_scores(query))

    (folder / "rows.json").write_text("{not json")
    reopened = Store(own_settings, embeddings=store.embeddings)
    assert reopened.loaded.ids == built.ids  # rebuilt from Chroma's documents
    assert "unreadable" in caplog.text


def test_bm25_scores_are_bm25s_scores(store):
    """Our segments score as bm25s (Lucene variant, its defaults) does on the same terms."""
    bm25s = pytest.importorskip("bm25s")
    loaded = store.loaded
    seg = loaded.postings.segments[0]
    docs = [[] for _ in seg.ids]
    for col in range(len(seg.terms)):
        a, b = seg.indptr[col], seg.indptr[col + 1]
        for row, tf in zip(seg.indices[a:b], seg.tf[a:b]):
            docs[row] += [col] * int(tf)
    reference = bm25s.BM25()
    reference.index((docs, {t: i for i, t in enumerate(seg.terms)}), show_progress=False)
    for query in QUERIES[:3]:
        ours, theirs = loaded.postings.get_scores(query), reference.get_scores(query)
        assert np.count_nonzero(ours) > 0 and np.allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def _by_passage(loaded, query) -> dict[str, float]:
    scores = loaded.postings.get_scores(query)
    return {loaded.ids[r]: float(scores[r]) for r in np.flatnonzero(scores)}


def test_a_change_becomes_a_delta_whose_scores_equal_a_full_rebuild(own_settings, store, monkeypatch):
    """A new, a changed and a removed source: the base segment stays as it is on disk, one small delta holds the
    new versions, dead rows are skipped; every score and every term's rows equal those of an index built from
    scratch; `optimize` merges the segments into one with the same scores."""
    monkeypatch.setattr(lexical, "DEAD_SHARE", 1.0)  # no merge yet, whatever share of rows is dead
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    assert len(index.loaded.postings.segments) == 1
    base_files = {p.name: p.stat().st_mtime_ns for p in index.lexical_dir.iterdir()}
    corpus = own_settings.corpus_dir
    changed = corpus / "trial-a.md"
    changed.write_text(changed.read_text().replace("patients", "participants", 1))
    template = (corpus / "mesenchymal-c.md").read_text()
    (corpus / "extra-e.md").write_text(template.replace("id: mesenchymal-c", "id: extra-e").replace(
        'title: "Mesenchymal', 'title: "Extra cohort of mesenchymal'))
    (corpus / "talk-d.md").unlink()
    index.sync(load_corpus(corpus))
    loaded = index.loaded
    assert len(loaded.postings.segments) == 2
    assert {p.name: p.stat().st_mtime_ns for p in index.lexical_dir.iterdir()} == base_files
    scratch = lexical.assemble([lexical.read_all(index.passages._collection, loaded.sources, loaded.shas)],
                               index.passages._collection, loaded.sources, loaded.shas)
    assert loaded.size == scratch.size < len(loaded.ids)
    for query in QUERIES + (["particip", "patient"], ["extra", "cohort"]):
        ours, theirs = _by_passage(loaded, query), _by_passage(scratch, query)
        assert ours.keys() == theirs.keys() and all(np.isclose(ours[p], theirs[p], rtol=1e-6) for p in ours)
    for term in ("cell", "particip", "talk", "extra"):
        assert sorted(loaded.ids[r] for r in loaded.rows_with(term)) == sorted(scratch.ids[r] for r in scratch.rows_with(term))
    assert not any(pid.startswith("talk-d#") for pid in _by_passage(loaded, ["talk", "cell"]))

    merged = index.optimize()
    assert len(merged.postings.segments) == 1 and len(merged.ids) == merged.size == scratch.size
    assert not any((index.lexical_dir.parent / "deltas" / index.lexical_dir.name).glob("*"))
    for query in QUERIES:
        ours, theirs = _by_passage(merged, query), _by_passage(scratch, query)
        assert ours.keys() == theirs.keys() and all(np.isclose(ours[p], theirs[p], rtol=1e-6) for p in ours)


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
    assert list(reopened.loaded.postings.get_scores(query)) == list(built.postings.get_scores(query))


def test_sentence_vectors_are_stored_at_ingest_and_an_answer_embeds_none(own_settings, store):
    """Each passage's sentences are embedded when it is written and stored with it (float16): reading them back
    calls the model for nothing, and they are the model's vectors of those sentences."""

    class Counting:
        def __init__(self, model):
            self.model, self.texts = model, 0

        def embed_documents(self, texts):
            self.texts += len(texts)
            return self.model.embed_documents(texts)

        def __getattr__(self, name):
            return getattr(self.model, name)

    counting = Counting(store.embeddings)
    index = Store(own_settings, embeddings=counting)
    index.sync(load_corpus(own_settings.corpus_dir))
    passages = list(index.loaded.passages(index.loaded.ids[:6]).values())
    assert passages and all(p.sentences for p in passages)
    counting.texts = 0
    got = index.sentence_vectors(passages)
    assert counting.texts == 0
    for p in passages:
        sentences = [s for s, _ in got[p.id]]
        assert sentences == p.sentences
        fresh = np.asarray(store.embeddings.embed_documents(sentences))
        assert np.allclose(np.stack([v for _, v in got[p.id]]), fresh, atol=2e-3)


def test_after_a_note_changes_every_answer_still_works_and_its_other_names_name_it(own_settings, store, monkeypatch):
    """An edited note leaves its old rows in the lexical index (dead rows with the same passage ids): reading the
    passages asks Chroma for each id once (it refuses duplicates), so the next answer works. A note's `aka` names
    it ('Atlantis'); a word that says what kind of document it is ('cohort', 'trial') names none."""
    from assistant.answer import ExtractiveEngine

    monkeypatch.setattr(lexical, "DEAD_SHARE", 1.0)  # a delta segment, as in a large index (no merge yet)
    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    assert len(index.loaded.postings.segments) == 1  # the lexical base, saved
    path = own_settings.corpus_dir / "mesenchymal-c.md"
    path.write_text(path.read_text().replace("verified: true", 'verified: true\naka: "Atlantis"', 1))
    assert index.sync(load_corpus(own_settings.corpus_dir)).updated == ["mesenchymal-c"]
    loaded = index.loaded
    assert len(loaded.ids) > len(set(loaded.ids))  # the old version's rows are still there
    assert loaded.named_by.get("atlanti") == {"mesenchymal-c"}
    assert "trial" not in loaded.named_by and "cohort" not in loaded.named_by
    engine = ExtractiveEngine(index, own_settings)
    answer = engine.answer("Did skin improve with mesenchymal stromal cells in the Atlantis study?")
    assert not answer.refused and any(ref.source_id == "mesenchymal-c" for ref in answer.references)


def test_an_index_whose_sources_carry_a_field_this_version_lacks_still_opens(own_settings, store):
    """A later version may store a new source field: this one leaves it out instead of failing to open."""
    import json

    index = Store(own_settings, embeddings=store.embeddings)
    index.sync(load_corpus(own_settings.corpus_dir))
    got = index.registry.get(ids=["trial-a"], include=["documents", "metadatas"])
    raw = json.loads(got["documents"][0])
    index.registry.upsert(ids=["trial-a"], embeddings=[[1.0]], metadatas=got["metadatas"],
                          documents=[json.dumps(raw | {"added_later": "x"})])
    reopened = Store(own_settings, embeddings=store.embeddings).loaded
    assert reopened.sources["trial-a"].title == raw["title"]
