"""Conditions and drugs a question names, and refusals of those the sources do not cover (conditions.py)."""

import pytest


@pytest.mark.parametrize("question, name", [
    ("What is the first-line treatment for rheumatoid arthritis?", "rheumatoid arthritis"),
    ("Is autologous HSCT used for neuromyelitis optica?", "neuromyelitis optica"),
    ("What is the survival benefit of autologous stem cell transplantation in multiple sclerosis?", "multiple sclerosis"),
    ("I have scleroderma and Crohn's disease: would a transplant help my Crohn's?", "crohn disease"),
])
def test_a_question_about_another_disease_is_refused_naming_it(engine, question, name):
    for mode in ("clinician", "patient"):
        answer = engine.answer(question, mode=mode)
        assert answer.refused and name in answer.message and not answer.sections


def test_conditions_are_names_not_everyday_words():
    from assistant.conditions import named_conditions

    assert named_conditions("Does HSCT help skin thickening in systemic sclerosis?") == ["systemic sclerosis"]
    assert named_conditions("What long-term problems and adverse effects can a transplant cause?") == []
    assert named_conditions("Does the transplant help my mood or heart disease?") == []
    assert named_conditions("Were patients who had entered other trials excluded?") == []  # not 'enteritis'
    assert named_conditions("Which person had the best result?") == []  # not 'personality'
    assert named_conditions("Is HSCT used for neuromyelitis optica or multiple sclerosis?") == [
        "neuromyelitis optica", "multiple sclerosis"]


def test_a_condition_the_sources_cover_is_answered(engine):
    answer = engine.answer("What was event-free survival after AHSCT for systemic sclerosis in the fixture trial?")
    assert not answer.refused and "79%" in " ".join(s.text for s in answer.sentences)


def test_drugs_and_disease_words_are_recognised_by_their_form():
    from assistant.conditions import named_conditions, named_drugs

    assert named_drugs("Does tofacitinib or bosentan work, and what about abatacept?") == [
        "tofacitinib", "bosentan", "abatacept"]
    assert named_drugs("Do patients accept the concept of a transplant?") == []
    assert named_conditions("Can a stem cell transplant help my vasculitis?") == ["vasculitis"]
    assert "diagnosis" not in named_conditions("What is the diagnosis and prognosis after HSCT?")
    assert named_drugs("Is prednisone or hydroxychloroquine safe with methotrexate for a person?") == [
        "prednisone", "hydroxychloroquine", "methotrexate"]


def test_conditions_are_found_in_either_spelling_with_hyphens_and_numbers():
    from assistant.conditions import named_conditions

    assert named_conditions("Does CAR-T cure leukemia?") == ["leukemia"]  # found in either spelling, named as asked
    assert named_conditions("Does CAR-T cure leukaemia?") == ["leukaemia"]
    assert named_conditions("Is HSCT used in inflammatory polyneuropathy?") == ["inflammatory polyneuropathies"]
    assert named_conditions("Does HSCT help polyneuropathy?") == ["polyneuropathy"]  # ICD says 'polyneuropathies'
    assert named_conditions("Could she have entered ASTIS?") == []  # 'entered' is not 'enteritis'
    assert named_conditions("Does AHSCT induce insulin independence in new-onset type 1 diabetes?") == ["type 1 diabetes"]
    assert named_conditions("Is anaemia common after HSCT?") == ["anaemia"] and named_conditions("Is anemia common after HSCT?") == ["anemia"]


def test_everyday_names_of_other_conditions_are_refused_naming_them(engine):
    """The curated list gives the names and abbreviations people use ('CLL', 'MS', 'heart attack'), which ICD-10
    does not; a question about one is declined, naming it, and a question on the sources' own subject is not."""
    for question, name in (("Is CAR-T used for CLL?", "leukaemia"), ("Can CAR-T help MS?", "multiple sclerosis"),
                           ("Can stem cells fix my heart after a heart attack?", "heart attack"),
                           ("Do MSCs help graft versus host disease?", "graft-versus-host disease")):
        answer = engine.answer(question)
        assert answer.refused and name in answer.message, question
    assert not engine.answer("What was event-free survival after AHSCT in the fixture trial?").refused


def test_a_question_about_a_drug_the_sources_do_not_cover_is_refused_naming_it(engine):
    answer = engine.answer("Does bosentan help digital ulcers after autologous stem cell transplantation?")
    assert answer.refused and "bosentan" in answer.message


def test_a_name_neither_the_sources_nor_english_know_is_declined_naming_it(engine):
    """A brand or a disease without a drug's or disease's ending ('Plaquenil', 'Orencia', 'plasmapheresis'); a typo
    of a source word or of an English word is not such a name, and is answered."""
    for question, name in (("Does Plaquenil help scleroderma?", "Plaquenil"),
                           ("Does Orencia help scleroderma skin after stem cell transplantation?", "Orencia"),
                           ("Does plasmapheresis help systemic sclerosis?", "plasmapheresis")):
        answer = engine.answer(question, mode="patient")
        assert answer.refused and name in answer.message, question
    assert not engine.answer("What was event-free survival after autologus transplantaton in the fixture trial?").refused


def test_a_figure_that_is_not_an_age_places_nobody_in_a_population():
    from assistant.conditions import ages_in

    assert ages_in("my skin score is 14, is that high enough to get the transplant") == []
    assert ages_in("my mPAP is 30 at rest") == []
    assert ages_in("my daughter is 12") == [12] and ages_in("I'm 80") == [80] and ages_in("the patient is 70") == [70]


def test_a_question_about_someone_without_the_subject_is_declined(engine):
    from assistant.conditions import without_subject

    subject = "systemic sclerosis, scleroderma, SSc"
    assert without_subject("i have lung fibrosis but no scleroderma, could stem cells help?", subject) == \
        "fibrosis without systemic sclerosis"
    assert without_subject("My fingers go white but I don't have scleroderma. Would CAR-T help?", subject) == \
        "people without systemic sclerosis"
    for question in ("Can HSCT help patients without scleroderma lung involvement?", "I have SSc without lung disease",
                     "What if I have no scleroderma symptoms yet?", "Does AHSCT help SSc?"):
        assert without_subject(question, subject) is None, question
    answer = engine.answer("I don't have systemic sclerosis: would autologous stem cell transplantation help me?")
    assert answer.refused and "without" in answer.message


def test_a_practical_matter_the_sources_do_not_speak_to_is_declined_naming_it(engine):
    """A hospital stay, work, driving, vaccinations: answered only from a statement that speaks to them; a question
    that merely uses such a word in another sense is answered."""
    for question, name in (("How long will I be in hospital for the transplant?", "hospital stay"),
                           ("When can I go back to work after autologous stem cell transplantation?", "work"),
                           ("Can a patient drive after CAR-T cell therapy?", "driving"),
                           ("Which vaccinations are needed after autologous HSCT?", "vaccinations"),
                           ("do i need someone to look after me at home after the transplant", "care at home")):
        answer = engine.answer(question, mode="patient")
        assert answer.refused and name in answer.message, question
    for question, name in (("Will I lose my hair from the transplant chemo?", "hair loss"),
                           ("Where in Australia can I get the stem cell transplant?", "place"),
                           ("Does HSCT improve gastrointestinal involvement in scleroderma?", "gut")):
        answer = engine.answer(question)
        assert answer.refused and name in answer.message, question
    assert engine.scope.practical_missing("How long is the hospital stay?", ["Patients stayed in hospital for 3 weeks."]) is None
    assert engine.scope.practical_missing("What drives skin fibrosis in SSc?", []) is None


def test_another_kind_of_transplant_is_declined_naming_it(engine):
    """A donor (allogeneic) transplant or a lung transplant is not the sources' own-cell transplant, however the
    question is punctuated; donor cells the sources do name (donor MSCs) are still answered."""
    for question, name in (("Is allogeneic (donor) haematopoietic stem cell transplantation used for scleroderma?",
                            "allogeneic"), ("Can I get a stem cell transplant from my sister instead of my own cells?",
                                            "allogeneic"), ("Is lung transplantation an option in SSc?", "lung transplant")):
        answer = engine.answer(question)
        assert answer.refused and name in answer.message, question


def test_a_request_to_write_something_is_declined(engine):
    answer = engine.answer("Write me a poem about living with scleroderma.")
    assert answer.refused and "poems" in answer.message
    assert not engine.answer("What was event-free survival after AHSCT in the fixture trial?").refused


def test_a_condition_the_sources_name_by_its_class_is_answered(tmp_path, settings, store):
    """'atrial fibrillation' is an arrhythmia: a corpus that names 'uncontrolled arrhythmia' covers it (a curated
    broader name); one that names no arrhythmia does not."""
    import shutil

    from assistant.conditions import Conditions
    from assistant.config import Settings
    from assistant.corpus import load_corpus
    from assistant.index import Store
    from assistant.lexicon import load_lexicon

    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    lexicon = load_lexicon()
    assert not Conditions(store.loaded, lexicon).covered("atrial fibrillation")
    note = (corpus / "trial-a.md").read_text()
    (corpus / "trial-a.md").write_text(note.replace("## Safety\n", "## Safety\n- The fixture trial excluded patients "
                                                    "with uncontrolled arrhythmia or a low ejection fraction. {#rhythm}\n  - plain: People with a heart rhythm "
                                                    "problem that was not under control could not join.\n", 1))
    own = Settings(corpus_dir=corpus, home=tmp_path / "home", prompts_dir=settings.prompts_dir)
    index = Store(own, embeddings=store.embeddings)
    index.sync(load_corpus(corpus))
    assert Conditions(index.loaded, lexicon).covered("atrial fibrillation")
