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
