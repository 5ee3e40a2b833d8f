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
