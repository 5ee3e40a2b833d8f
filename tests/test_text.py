from assistant.text import content_terms, numbers, split_sentences


def test_split_keeps_abbreviations_and_decimals():
    text = ("Sullivan et al. reported EFS of 79% vs. 50% (P=0.02). The RR was 0.50 (0.33-0.75). "
            "Doses were 2 g/m2, e.g. in ASTIS. Next sentence here.")
    assert split_sentences(text) == [
        "Sullivan et al. reported EFS of 79% vs. 50% (P=0.02).",
        "The RR was 0.50 (0.33-0.75).",
        "Doses were 2 g/m2, e.g. in ASTIS.",
        "Next sentence here.",
    ]


def test_split_empty():
    assert split_sentences("  \n ") == []


def test_numbers_normalised():
    assert numbers("67% of 1,404 comparisons; RR 0.50; 1x10^6 cells/kg") >= {"67%", "1404", "0.50", "1x10^6"}


def test_content_terms_drop_stopwords():
    assert content_terms("What is the role of HSCT in SSc?") == ["hsct", "ssc"]


def test_text_without_capitals_is_still_cut_into_bounded_sentences():
    from assistant.text import MAX_SENTENCE_WORDS, split_sentences

    text = " ".join(f"the cohort had {n} patients with stable skin scores at one year." for n in range(600))
    sentences = split_sentences(text)
    assert len(sentences) >= 600 and max(len(s.split()) for s in sentences) <= MAX_SENTENCE_WORDS
    assert split_sentences("In SCOT, 79% vs 50% (P=0.02). Et al. stay whole.") == [
        "In SCOT, 79% vs 50% (P=0.02).", "Et al. stay whole."]
    assert max(len(s.split()) for s in split_sentences("word " * 500)) <= MAX_SENTENCE_WORDS
