"""Typos in questions mended to the sources' words (spelling.py); real words never changed."""

from assistant.spelling import Speller

TEXTS = ["Autologous haematopoietic stem cell transplantation (HSCT) for systemic sclerosis (scleroderma).",
         "Event-free survival and quality of life after transplantation; relapse; eligibility criteria."]


def test_typos_are_mended_to_source_words():
    speller = Speller(TEXTS)
    assert speller.correct("autologus stem cel transplantation sclerodema survivl") == (
        "autologous stem cel transplantation scleroderma survival")  # 'cel': too short to guess
    assert speller.correct("risks of HSTC in systemic sclerosys") == "risks of HSCT in systemic sclerosis"
    assert speller.correct("quallity of life, eligiblity") == "quality of life, eligibility"


def test_real_words_and_other_conditions_are_left_alone():
    speller = Speller(TEXTS, others=["scleredema"])
    for question in ("Which serious side effects are a concern?", "Should statins be given in SSc?",
                     "How is scleredema of Buschke treated?", "What is your favourite colour?",
                     "Is HSCT used for nephrogenic systemic fibrosis?", "Does bosentann help?"):
        assert speller.correct(question) == question


def test_unknown_names_are_those_no_source_and_no_dictionary_knows():
    speller = Speller(TEXTS + ["Treatment-related mortality and cyclophosphamide."])
    assert speller.unknown("Does Plaquenil or Orencia help scleroderma?") == ["Plaquenil", "Orencia"]
    assert speller.unknown("Is plasmapheresis used? And nephrogenic fibrosis?") == ["plasmapheresis", "nephrogenic"]
    # a typo of a source word (even two letters off, or cut short), of an English word, a short word: no name
    assert speller.unknown("cyclophosmide relatd mortality in sclero with pulmonary hypertention, NMO, favourite") == []
    assert speller.unknown("which autoantibody, and is it pre-transplant or posttransplant?") == []  # prefixed words
    # a contraction without its apostrophe, even misspelt, is no name
    assert speller.unknown("why does the transplant need chemo when the drip dosnt, and shouldnt it?") == []


def test_the_scope_decision_reads_a_question_with_its_typos_mended(engine):
    """Typos weigh as unknown words if left in: the refusal check reads the mended words, as retrieval does."""
    right = engine.prepare.invoke(engine.start("event-free survival after transplantation in the fixture trial",
                                               "clinician", []))
    typo = engine.prepare.invoke(engine.start("event-free survival after transplantaton in the fixtur trial",
                                              "clinician", []))
    assert typo.scope["coverage"] == right.scope["coverage"] > 0.5
