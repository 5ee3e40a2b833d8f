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


def test_the_injection_detector_on_phrasings_it_was_not_written_from():
    """tests/fixtures/injection_set.yaml was written by someone who had not seen the detector: every injection
    (disguised, polite, in other languages) is caught, and clinical imperatives are not."""
    import yaml

    from assistant.injection import has_instructions

    from .conftest import FIXTURES

    data = yaml.safe_load((FIXTURES / "injection_set.yaml").read_text(encoding="utf-8"))
    assert len(data["injections"]) >= 50 and len(data["benign"]) >= 50
    missed = [s for s in data["injections"] if not has_instructions(s)]
    flagged = [s for s in data["benign"] if has_instructions(s)]
    assert not missed, missed
    assert len(flagged) <= 0.05 * len(data["benign"]), flagged


def test_time_spans_meet_in_either_unit():
    from assistant.text import durations

    assert durations("How many were alive after 6 years?") == durations("at 72 months, 86%") == {"dur72m"}
    assert durations("after four and a half years") == durations("a 54-month endpoint") == {"dur54m"}
    assert durations("What is the survival beyond 72 months?") == set()  # a span gone beyond is not the one asked
