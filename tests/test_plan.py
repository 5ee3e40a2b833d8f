"""The answer plan on hand-made candidates: which statement leads, what joins it, and in what order."""

import numpy as np
import pytest

from assistant.plan import make_plan, question_kind
from assistant.schema import Item, Passage, Source, Statement
from assistant.schema import Candidate

_AXES = iter(range(256))


def cand(sid: str, type_: str, score: float, kind: str = "research", text: str | None = None) -> Candidate:
    """A candidate statement of source `sid`, orthogonal in meaning to every other one (nothing is redundant)."""
    source = Source(id=sid, title=sid, kind=kind, year=2020, verified=kind != "education")
    passage = Passage(f"{sid}#p", sid, "p", "text", "clinician")
    vec = np.zeros(256)
    axis = next(_AXES)
    vec[axis] = 1.0
    text = text or f"The {sid} source states a {type_} about autologous transplantation: point{axis}a, point{axis}b."
    return Candidate(text, passage, source, 0, vec, score=score,
                     statement=Statement(f"{sid}#{type_}", type_, text))


def ids(cands):
    return [c.statement.id for c in cands]


def test_the_lead_is_of_the_type_asked_for_when_nearly_as_relevant():
    criteria = cand("criteria", "eligibility", 0.65)
    steps = cand("steps", "procedure", 0.59)
    plan = make_plan("What are the main steps of the transplant?", [criteria, steps])
    assert ids(plan.lead) == ["steps#procedure"]  # asked for a procedure; 0.59 + bonus is close to 0.65


def test_a_type_asked_for_does_not_lead_when_far_less_relevant():
    # 'recommend' asks for a recommendation, but the age limit (eligibility) is what the question is about
    age = cand("age", "eligibility", 0.88)
    rec = cand("rec", "recommendation", 0.66)
    plan = make_plan("What age limit does the document recommend?", [age, rec])
    assert ids(plan.lead) == ["age#eligibility"]


def test_a_statement_that_leans_on_another_does_not_lead_when_one_as_relevant_stands_alone():
    also = cand("also", "eligibility", 0.724, text="Progressive lung disease with limited skin involvement may also "
                                                   "qualify for the transplant.")
    criteria = cand("criteria", "eligibility", 0.723, text="Patients qualify with a skin score above 15 and one "
                                                           "internal organ involved.")
    assert ids(make_plan("Who qualifies for the transplant?", [also, criteria]).lead) == ["criteria#eligibility"]
    assert ids(make_plan("Who qualifies for the transplant?", [also]).lead) == ["also#eligibility"]


def test_a_design_leads_only_when_the_design_is_asked_about():
    design = cand("trial", "design", 0.71)
    result = cand("result", "finding", 0.58)
    assert ids(make_plan("What were the results of the trial?", [design, result]).lead) == ["result#finding"]
    assert ids(make_plan("How was the trial designed?", [design, result]).lead) == ["trial#design"]


def test_a_design_that_gives_the_count_asked_for_leads():
    """'How many recommendations did it contain?' asks for a count (the word names the document's title, so no type
    is asked for), which a design statement gives: it may open the answer."""
    from assistant.facets import expected_value
    from assistant.plan import _lead_first

    count = cand("count", "design", 0.9, text="The update for treating SSc contains 16 recommendations.")
    rec = cand("rec", "recommendation", 0.88, text="The update recommends the transplant for selected patients.")
    asked = expected_value("How many recommendations did the update contain?")
    assert ids(_lead_first([count, rec], set(), asked)[0]) == ["count#design"]
    assert ids(_lead_first([count, rec], set())[0]) == ["rec#recommendation"]  # no count asked: a design does not lead


def test_a_blog_leads_only_when_clearly_more_relevant_than_any_primary_source():
    site = cand("site", "background", 0.82, kind="education")
    weak = cand("weak", "finding", 0.57)
    close = cand("close", "finding", 0.78)
    assert ids(make_plan("When was the group founded?", [site, weak]).lead) == ["site#background"]
    assert ids(make_plan("When was the group founded?", [site, close]).lead) == ["close#finding"]


def test_a_question_about_an_unconfirmed_claim_opens_with_it_labelled():
    claim = cand("blog", "unconfirmed", 0.73, kind="education")
    aside = cand("aside", "safety", 0.45)
    plan = make_plan("Is it true that recipients have a five-fold lower risk?", [claim, aside])
    assert plan.doubt_first and plan.lead == [] and ids(plan.unconfirmed) == ["blog#unconfirmed"]
    # when a primary statement is about as relevant, it answers and the claim stays last
    answer = cand("answer", "safety", 0.7)
    plan = make_plan("Is it true that recipients have a five-fold lower risk?", [claim, answer])
    assert not plan.doubt_first and ids(plan.lead) == ["answer#safety"]


def test_a_comparison_gives_each_item_what_the_question_asks_for():
    a = [cand("a", t, s) for t, s in (("design", 0.7), ("finding", 0.65), ("procedure", 0.5))]
    b = [cand("b", t, s) for t, s in (("design", 0.69), ("safety", 0.6), ("procedure", 0.45))]
    items = [Item("A", frozenset({"a"})), Item("B", frozenset({"b"}))]
    plan = make_plan("How did the regimens differ between A and B?", a + b, items=items)
    assert [(name, ids(cands)) for name, cands in plan.items] == [("A", ["a#procedure"]), ("B", ["b#procedure"])]
    plan = make_plan("Compare A and B.", a + b, items=items)
    assert [ids(cands) for _, cands in plan.items] == [["a#design", "a#finding"], ["b#design", "b#safety"]]


def test_next_to_an_answer_of_the_type_asked_for_other_types_need_to_be_as_relevant():
    steps = cand("steps", "procedure", 0.64)
    risk = cand("risk", "safety", 0.63)
    aside = cand("aside", "eligibility", 0.55)
    plan = make_plan("What are the steps of the procedure?", [steps, risk, aside])
    assert ids(plan.lead) == ["steps#procedure"] and ids(plan.body) == ["risk#safety"]


def test_a_comparison_item_never_says_the_same_thing_twice():
    """A trial reported as an abstract and as a paper: its conditioning is given once."""
    paper = cand("astis-paper", "procedure", 0.52, text="In ASTIS, conditioning was cyclophosphamide 200 mg/kg.")
    abstract = cand("astis-abstract", "procedure", 0.51, text=paper.text)
    abstract.vec = paper.vec
    other = cand("scot", "procedure", 0.5)
    plan = make_plan("How did the regimens differ between ASTIS and SCOT?", [paper, abstract, other],
                     items=[Item("ASTIS", frozenset({"astis-paper", "astis-abstract"})),
                            Item("SCOT", frozenset({"scot"}))])
    assert [ids(cands) for _, cands in plan.items] == [["astis-paper#procedure"], ["scot#procedure"]]


@pytest.mark.parametrize("question", [
    "What were the results of AHSCT in the fixture trial?",
    "How many transplant patients died because of the treatment?",
    "Who is eligible for autologous stem cell transplantation and what were its results?",
    "Is a stem cell transplant safe for scleroderma?",
])
def test_patients_get_the_statements_of_the_clinician_answer_in_plain_words(engine, question):
    clinician, patient = engine.answer(question), engine.answer(question, mode="patient")
    assert [s.statement for s in patient.sentences] == [s.statement for s in clinician.sentences]
    loaded = engine.store.loaded
    for sentence in patient.sentences:
        statement = loaded.statement(sentence.statement)[1]
        assert sentence.text == (statement.plain or sentence.text)


def test_a_comparison_of_interventions_gives_each_the_statements_that_name_it_first():
    """'Is CAR-T safer than a transplant?': CAR-T's risks and the transplant's, each under its own name."""
    from assistant.lexicon import load_lexicon

    lexicon = load_lexicon()
    items = [Item("CAR-T", terms=tuple(lexicon.interventions["CAR-T"])),
             Item("HSCT", terms=tuple(lexicon.interventions["HSCT"]))]
    crs = cand("cart-crs", "safety", 0.6, text="Cytokine release syndrome after CAR T cells has been grade 1-2 so far.")
    trm = cand("hsct-trm", "safety", 0.55, text="HSCT carries treatment-related mortality of 3-10% in the trials.")
    both = cand("hsct-vs", "safety", 0.58, text="HSCT has more early deaths than CAR T cells in these small reports.")
    what = cand("cart-what", "background", 0.7, text="CAR T cells are engineered T cells that target CD19 in SSc.")
    plan = make_plan("Is CAR-T safer than a stem cell transplant?", [crs, trm, both, what], items=items)
    assert plan.kind == "comparison"
    got = {name: ids(cands) for name, cands in plan.items}
    assert got == {"CAR-T": ["cart-crs#safety"], "HSCT": ["hsct-vs#safety", "hsct-trm#safety"]}


def test_a_sentence_that_repeats_an_earlier_one_is_said_once():
    lead = cand("lead", "safety", 0.8, text="Other risks are infections and new immune diseases. The transplant can "
                                            "also stop the ovaries or testes from working and affect having children.")
    again = cand("again", "safety", 0.75, text="Risks of the transplant include infections and new immune diseases; it "
                                               "can also stop the ovaries or testes working, which can affect fertility.")
    other_trial = cand("other", "safety", 0.74, text="Risks of the transplant in ASTIS include infections and new immune "
                                                     "diseases; it can also stop the ovaries or testes working.")
    negated = cand("neg", "safety", 0.73, text="Risks of the transplant do not include infections and new immune "
                                               "diseases; it can also stop the ovaries or testes working.")
    plan = make_plan("What are the risks of the transplant?", [lead, again, other_trial, negated])
    assert ids(plan.lead) == ["lead#safety"]
    assert ids(plan.body) == ["other#safety", "neg#safety"]  # news: another trial's name; a negation


def test_a_statement_said_whole_by_a_later_one_or_by_the_synthesis_built_on_it_is_said_once():
    from dataclasses import replace

    from assistant.plan import once

    lead = cand("syn", "safety", 0.8, kind="synthesis", text="No treatment-related adverse events occurred over 5 "
                "years in a cohort of 41 patients given umbilical-cord MSCs.")
    built_on = cand("nanjing", "safety", 0.7, text="In the Nanjing cohort, no treatment-related adverse events "
                    "occurred over 5 years of follow-up.")
    with_more = cand("nanjing2", "finding", 0.69, text="In the Nanjing cohort, 5-year survival was 92.7%.")
    lead = replace(lead, statement=replace(lead.statement, rests_on=("nanjing#safety", "nanjing2#finding")))
    part = cand("astis", "design", 0.6, text="ASTIS randomised patients at 29 centres in 10 countries.")
    whole = cand("walker", "design", 0.55, text="ASTIS recruited patients at 29 centres in 10 countries from 2001 to 2009.")
    body = once([lead], [built_on, part, with_more, whole])
    # the synthesis says the first, figures and all; the third has a figure it does not give; the whole of the
    # second comes later and takes its place
    assert ids(body) == ["walker#design", "nanjing2#finding"]
    assert ids(once([], [built_on, part])) == ["nanjing#safety", "astis#design"]  # without the synthesis: both


def test_a_comparison_gives_each_item_what_was_asked_not_a_second_statement_on_something_else():
    statements = [cand("astis", "procedure", 0.85, text="In ASTIS, stem cells were mobilised with cyclophosphamide "
                       "plus G-CSF."),
                  cand("astis", "procedure", 0.71, text="In ASTIS, the graft was the patient's own stem cells, CD34+ selected."),
                  cand("scot", "procedure", 0.80, text="In SCOT, stem cells were mobilised with G-CSF alone."),
                  cand("scot", "procedure", 0.70, text="In SCOT, the graft was the patient's own stem cells, CD34+ selected."),
                  cand("scot", "procedure", 0.69, text="In SCOT, stem cells were mobilised over 5 days, then frozen.")]
    others = [cand(f"other{i}", "finding", 0.5) for i in range(8)]
    plan = make_plan("How were stem cells mobilised in ASTIS compared with SCOT?", statements + others,
                     items=[Item("ASTIS", frozenset({"astis"})), Item("SCOT", frozenset({"scot"}))])
    shown = [c.text for _, cands in plan.items for c in cands]
    assert all("mobilised" in text for text in shown) and len(shown) == 3  # no graft; SCOT's second on mobilising


def test_a_statement_about_another_intervention_counts_less_when_one_is_asked_about():
    from assistant.plan import on_topic

    every = [Item("CAR-T", terms=("CAR-T", "CAR T")), Item("MSCs", terms=("MSC", "MSCs"))]
    msc = cand("msc", "safety", 0.60, text="No severe adverse events were reported after MSC treatment in 9 studies.")
    cart = cand("cart", "safety", 0.55, text="CAR T cells can cause cytokine release syndrome, so far of grade 1-2.")
    both = cand("both", "safety", 0.58, text="Unlike MSC infusions, CAR-T needs lymphodepleting chemotherapy first.")
    weighed = on_topic([msc, cart, both], every[0], every)
    assert [round(c.score, 2) for c in weighed] == [0.48, 0.55, 0.58]  # only the MSC-only statement counts less
    plan = make_plan("What about the side effects of CAR-T?", weighed)
    assert ids(plan.lead) == ["both#safety"] and ids(plan.body)[0] == "cart#safety"  # the MSC one last, if at all


def test_what_a_question_asks_for_ignores_side_effects_signs_and_the_named_sources_title():
    from assistant.plan import without_titles, wanted_types

    assert wanted_types("What about the side effects?") == {"safety"}
    assert "safety" not in wanted_types("What about its risk of bias?")  # a study's quality, not a harm
    assert "safety" in wanted_types("What about its risks?")
    assert "finding" not in wanted_types("Which cardiac findings are contraindications to AHSCT?")
    assert "eligibility" in wanted_types("Which cardiac findings are contraindications to AHSCT?")
    question = "What do the EBMT best practice recommendations list as contraindications?"
    assert "recommendation" in wanted_types(question)
    assert wanted_types(without_titles(question, {"AHSCT for rheumatic diseases: best practice recommendations"})) == {
        "eligibility"}


def test_a_comparison_opens_with_a_bottom_line_only_when_it_compares_what_was_asked():
    from assistant.plan import question_kind

    question = "How did the conditioning regimen in SCOT differ from the one used in ASTIS?"
    assert question_kind(question) == "comparison"
    scot = cand("scot", "procedure", 0.68, text="In SCOT, conditioning was total body irradiation and cyclophosphamide.")
    astis = cand("astis", "procedure", 0.70, text="In ASTIS, conditioning was cyclophosphamide plus rabbit ATG.")
    control = cand("control", "procedure", 0.54, kind="synthesis",
                   text="Control patients received monthly cyclophosphamide in ASTIS and SCOT.")
    items = [Item("SCOT", frozenset({"scot"})), Item("ASTIS", frozenset({"astis"}))]
    plan = make_plan(question, [scot, astis, control], items=items)
    assert plan.lead == [] and [name for name, _ in plan.items] == ["SCOT", "ASTIS"]  # the control arm is no bottom line
    both = cand("both", "procedure", 0.66, kind="synthesis",
                text="SCOT used myeloablative conditioning with irradiation; ASTIS did not.")
    plan = make_plan(question, [scot, astis, control, both], items=items)
    assert ids(plan.lead) == ["both#procedure"]


def test_a_follow_up_asks_in_its_own_words():
    """'and the risks?' asks for risks, though the topic it borrows ('main results') names findings."""
    risk = cand("trm", "safety", 0.50, text="The trial had no treatment-related deaths among its 19 patients.")
    result = cand("result", "finding", 0.55, text="All 10 transplanted patients improved at 12 months in the trial.")
    plan = make_plan("and the risks? (about: ASSIST, trial, main, results)", [risk, result])
    assert plan.wants == {"safety"} and ids(plan.lead) == ["trm#safety"]
    risk = cand("assist", "safety", 0.50, text="The trial had no treatment-related deaths among its 19 patients.")
    result = cand("assist", "finding", 0.55, text="All 10 transplanted patients improved at 12 months in the trial.")
    said = make_plan("what about the trial? (about: ASSIST)", [risk, result], said=frozenset({"assist#finding"}))
    assert ids(said.lead + said.body) == ["assist#safety"]  # what the previous answer said is not said again...
    risk = cand("assist", "safety", 0.30, text="The trial had no treatment-related deaths among its 19 patients.")
    again = make_plan("how many improved? (about: ASSIST)", [risk, result], said=frozenset({"assist#finding"}))
    assert ids(again.lead) == ["assist#finding"]  # ...unless nothing new answers nearly as well: it is asked again


def test_both_parts_of_a_two_part_question_are_answered_first():
    dose = cand("dose", "procedure", 0.80, text="In the series, patients received one million cells per kilogram.")
    met = cand("met", "finding", 0.70, text="In the series, the primary endpoint was met: no events over 487 days.")
    other = cand("other", "design", 0.68, text="The series treated six patients with refractory diffuse disease.")
    plan = make_plan("What cell dose was given in the series, and was its primary endpoint met?", [dose, met, other])
    assert ids(plan.lead) == ["dose#procedure", "met#finding"] and "met#finding" not in ids(plan.body)
    single = make_plan("What cell dose was given in the series?", [dose, met, other])
    assert ids(single.lead) == ["dose#procedure"]


def test_questions_about_how_a_study_was_run_ask_for_its_design():
    from assistant.plan import wanted_types

    for question in ("What was the primary outcome of the Paris MSC trial?", "Which studies did the meta-analysis include?",
                     "How many centres and countries took part in ASTIS, and when was it recruited?"):
        assert wanted_types(question) == {"design"}, question
    assert wanted_types("What were the outcomes of SCOT?") == {"finding"}


def test_how_it_works_asks_for_the_procedure_whether_it_works_for_results():
    from assistant.plan import wanted_types

    assert wanted_types("How does a stem cell transplant work for scleroderma?") == {"procedure"}
    assert wanted_types("What is the proposed mechanism by which autologous HSCT works?") == {"procedure"}
    assert "finding" in wanted_types("Does HSCT work in SSc?")
    assert "finding" in wanted_types("How does CAR-T work, and what were the results?")


def test_an_item_the_bottom_line_speaks_for_is_not_said_to_be_missing():
    from dataclasses import replace as copy

    both = cand("synthesis-x", "procedure", 0.9, kind="synthesis",
                text="CAR T-cell doses have been 1x10^6 cells/kg in one series and 5x10^6 cells/kg in one case.")
    both = copy(both, statement=copy(both.statement, rests_on=["auth#dose", "merkt#dose"]))
    auth = Item("Auth", frozenset({"auth"}))
    merkt = Item("Merkt", frozenset({"merkt"}))
    plan = make_plan("How do the CAR-T doses of the Auth series and the Merkt report compare?", [both],
                     items=[auth, merkt])
    assert ids(plan.lead) == ["synthesis-x#procedure"] and plan.items == []  # no empty "Compared: Auth" block
    alone = make_plan("How do the CAR-T doses of the Auth series and the Merkt report compare?",
                      [copy(both, statement=copy(both.statement, rests_on=["auth#dose"]))], items=[auth, merkt])
    assert [name for name, cands in alone.items] == ["Merkt"]  # not covered: said so


def test_a_guideline_rule_that_settles_it_is_not_followed_by_trial_entry_criteria():
    """'Is it too late after 8 years?': EBMT's rule settles it; a trial's entry criteria (UPSIDE's 2 years) are no
    rule for a patient and are left out."""
    rule = cand("ebmt", "eligibility", 0.8, kind="guideline",
                text="EBMT best practice gives an optimal disease duration for the transplant of less than 5 years.")
    trial = cand("upside", "eligibility", 0.78, text="The UPSIDE trial enrols people with disease of 2 years or less.")
    plan = make_plan("I've had scleroderma for 8 years. Is it too late for the transplant?", [rule, trial])
    assert plan.verdict == "yes-by-limit" and ids(plan.lead) == ["ebmt#eligibility"]
    assert "upside#eligibility" not in ids(plan.body)


def test_a_follow_up_opening_with_and_or_so_is_the_kind_its_own_words_say():
    assert question_kind("And how many articles had it published by then?") == "narrow"  # not 'X and how ...'
    assert question_kind("So is a 58-year-old within the limit?") == "yesno"
    assert question_kind("What is CAR-T and how does it work?") == "broad"


def test_a_follow_up_asking_for_a_value_does_not_ask_for_what_its_borrowed_topic_names():
    count = cand("group", "background", 0.50, text="By 2019, the group had produced about 150 research articles.")
    design = cand("other", "design", 0.52, text="The pilot study treated 34 patients and followed them long term.")
    plan = make_plan("And how many articles had it published by then? (about: group, enrolled, 2019)",
                     [count, design])
    assert plan.wants == set() and ids(plan.lead) == ["group#background"]
