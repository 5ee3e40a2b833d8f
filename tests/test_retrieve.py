from assistant.retrieve import HybridRetriever, where_filter


def test_abbreviation_only_query_finds_the_source(store):
    retriever = HybridRetriever(store=store, k=3)
    hits = retriever.search("TRM AHSCT")
    assert hits[0].source.id == "trial-a"
    hits = retriever.search("mRSS criteria")
    assert hits[0].source.id == "guideline-b"


def test_lay_wording_finds_the_source(store):
    hits = HybridRetriever(store=store, k=3).search("stem cell treatment using repair cells from umbilical cords? mesenchymal")
    assert "mesenchymal-c" in [h.source.id for h in hits]


def test_filters_by_kind_and_year(store):
    retriever = HybridRetriever(store=store, k=10)
    hits = retriever.search("stem cell transplantation", where=where_filter(kinds=["guideline"]))
    assert hits and {h.source.kind for h in hits} == {"guideline"}
    hits = retriever.search("stem cell transplantation", where=where_filter(min_year=2020))
    assert hits and all(h.source.year >= 2020 for h in hits)


def test_is_a_langchain_retriever(store):
    docs = HybridRetriever(store=store, k=2).invoke("cardiac exclusions before transplant")
    assert docs[0].metadata["source_id"] == "guideline-b"
    assert docs[0].id.startswith("guideline-b#")


def test_invoke_takes_k_and_where_per_call(store):
    """LangChain's standard retriever tests call invoke(query, k=n); a filter per call is the same."""
    retriever = HybridRetriever(store=store, k=4)
    assert len(retriever.invoke("stem cell transplantation", k=1)) == 1
    assert len(retriever.invoke("stem cell transplantation")) == 4
    docs = retriever.invoke("stem cell transplantation", where=where_filter(kinds=["guideline"]))
    assert docs and {d.metadata["kind"] for d in docs} == {"guideline"}


def test_a_source_the_question_names_comes_first(tmp_path, settings, store):
    """'What did ZEPHYR show?' is about the ZEPHYR trial, even when a review that cites it says more on the topic."""
    notes = {
        "zephyr-2020": ("The ZEPHYR trial of cell therapy in scleroderma",
                        "In ZEPHYR, 40 adults with early diffuse disease received the infusion. The modified Rodnan "
                        "skin score fell by a mean of 6 points, and no infusion reaction was severe."),
        "skin-review": ("Measuring skin in scleroderma trials: a review",
                        "The modified Rodnan skin score is the usual skin outcome of scleroderma cell therapy trials, "
                        "ZEPHYR among them. A fall of the skin score of 5 points or more at one year is seen as "
                        "meaningful, and trials of cell therapy report the skin score at one year."),
    }
    for organ in ("lung", "kidney", "heart", "gut", "joint", "muscle"):
        notes[f"{organ}-review"] = (f"The {organ} in systemic sclerosis", f"The {organ} is often involved in "
                                    f"systemic sclerosis, and {organ} outcomes are measured every six months.")
    own = _corpus_store(tmp_path, settings, store, notes)
    question = "What did ZEPHYR show for the skin score at one year?"
    assert HybridRetriever(store=own, k=3, name_weight=0.0).search(question)[0].source.id == "skin-review"
    assert HybridRetriever(store=own, k=3).search(question)[0].source.id == "zephyr-2020"


def _corpus_store(tmp_path, settings, store, notes: dict[str, tuple[str, str]]):
    """A store of one-passage notes {id: (title, text)}, indexed with the real model."""
    from assistant.config import Settings
    from assistant.corpus import load_corpus
    from assistant.index import Store
    from assistant.text import split_sentences

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for sid, (title, text) in notes.items():
        items = "".join(f"- {s} {{#s{n}}}\n" for n, s in enumerate(split_sentences(text)))  # no twins: one passage
        (corpus / f"{sid}.md").write_text(f"---\nid: {sid}\ntitle: \"{title}\"\nyear: 2020\nkind: research\n"
                                          f"verified: true\n---\n\n## Design\n{items}")
    own = Store(Settings(corpus_dir=corpus, home=tmp_path / "home", prompts_dir=settings.prompts_dir),
                embeddings=store.embeddings)
    own.sync(load_corpus(corpus))
    return own


def test_the_corpus_subject_is_found_among_many_passages_on_other_diseases(tmp_path, settings, store):
    """A question that names no disease, in a library where passages about other diseases drown the subject's."""
    notes = {f"lupus-{n}": (f"Transplant follow-up report {n}",
                            f"In lupus cohort {n}, patients often had to restart immunosuppressive drugs after the "
                            f"transplant, mostly within two years.") for n in range(25)}
    notes["ssc-trial"] = ("A transplant trial in systemic sclerosis",
                          "In systemic sclerosis, patients often had to restart immunosuppressive drugs after the "
                          "transplant: 9% of them by 54 months.")
    notes["ms-review"] = ("Systemic treatment in multiple sclerosis",  # both words, but not the phrase
                          "Systemic immunosuppressive drugs are used before transplant in multiple sclerosis.")
    own = _corpus_store(tmp_path, settings, store, notes)
    assert own.loaded.sources_naming("systemic sclerosis, SSc") == {"ssc-trial"}
    question = "How often did patients restart immunosuppressive drugs after the transplant?"
    found = lambda subject: [h.source.id for h in HybridRetriever(store=own, k=3, fetch_k=5, subject=subject).search(question)]
    assert "ssc-trial" not in found("")
    assert "ssc-trial" in found("systemic sclerosis, SSc")
