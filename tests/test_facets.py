"""The parts of a question and the value each asks for (facets.py), and the yes or no a limit settles (verdict.py)."""

from types import SimpleNamespace

from assistant.facets import cover_parts, expected_value, on_point, parts, with_reasons
from assistant.verdict import verdict


def cand(text, score=1.0, source="s1", type_="finding", kind="guideline", passage="s1#a", position=0,
         terms=frozenset()):
    return SimpleNamespace(text=text, score=score, source=SimpleNamespace(id=source, kind=kind), statement=None,
                           type=type_, passage=SimpleNamespace(id=passage), position=position, terms=terms)


def test_parts_of_a_question():
    assert parts("How many patients were in the study, and what ATG dose did it use?") == [
        "How many patients were in the study", "what ATG dose did it use?"]
    # a list: the last item without what the items share
    assert parts("What ACR-CRISS score and change in vital capacity were reported after CAR-T?") == [
        "What ACR-CRISS score", "change in vital capacity"]
    assert parts("Who is eligible and what were its results?") == ["Who is eligible", "what were its results?"]
    assert parts("What is the role of AHSCT in SSc?") == ["What is the role of AHSCT in SSc?"]


def test_the_value_a_question_asks_for():
    events = expected_value("How many event-free survival events occurred in each arm of ASTIS?")
    assert events.search("In ASTIS, 22 primary-endpoint events occurred with HSCT versus 31")
    assert not events.search("In ASTIS, the event-free survival HR at 1 year was 0.52 (95% CI 0.28-0.96).")
    centres = expected_value("How many centres took part?")
    assert centres.search("29 centres in 10 countries") and not centres.search("11 of 79 patients died")
    assert expected_value("What proportion had started DMARDs?").search("9% of the HSCT group")
    assert expected_value("What dose of ATG was used?").search("rabbit ATG 7.5 mg/kg")
    assert not expected_value("How much did HAQ-DI change?").search("the SF-36 mental score did not differ")
    assert expected_value("What did SCOT find?") is None


def test_every_part_is_answered_up_front():
    lead = cand("In the cohort, the SF-36 mental component score did not differ between groups.", 0.9)
    haq = cand("In the cohort, the HAQ disability score was 0.57 points lower with HSCT at 1 year.", 0.7)
    other = cand("In the cohort, SF-36 physical scores were higher at 7 years.", 0.8)
    pool = [lead, haq, other, cand("Unrelated background on quality of life measures used.", 0.5)]
    out = cover_parts("How much did HAQ-DI change at one year, and did the SF-36 mental score differ?", [lead], pool,
                      0.5)
    assert out == [haq, lead]  # in the order of the parts
    assert cover_parts("Did the SF-36 mental score differ?", [lead], pool, 0.5) == [lead]
    weak = cand("In the cohort, the HAQ score was 0.57 points lower.", 0.3)  # not relevant enough to join
    assert cover_parts("How much did HAQ-DI change, and did the SF-36 mental score differ?", [lead],
                       [lead, weak, other], 0.5) == [lead]


def test_a_figure_beyond_a_limit_settles_yes_or_no():
    mpap = cand("EBMT best practice excludes patients with a mean pulmonary artery pressure (mPAP) above 25 mmHg at "
                "rest or above 30 mmHg after fluid challenge.")
    assert verdict("Is a patient with a resting mPAP of 28 mmHg excluded?", [mpap]) == ("yes", mpap)
    assert verdict("Is a patient with a resting mPAP of 22 mmHg excluded?", [mpap]) == ("no-by-limit", mpap)
    prior = cand("ASTIS excluded patients who had already received more than 5 g of intravenous cyclophosphamide.",
                 source="astis", kind="research")
    asked = "Could a patient who had received 6 g of IV cyclophosphamide have entered ASTIS?"
    assert verdict(asked, [prior], {"astis"}) == ("no", prior)
    assert verdict(asked, [prior]) is None  # a trial's entry criteria settle only a question about that trial
    ages = cand("ASTIS admitted patients aged 18-65.", source="astis", kind="research")
    assert verdict("Could a 67-year-old have entered ASTIS?", [ages], {"astis"}) == ("no", ages)
    assert verdict("Could a 62-year-old have entered ASTIS?", [ages], {"astis"}) == ("yes-by-limit", ages)  # in range
    assert verdict("What happened to a 67-year-old in ASTIS?", [ages], {"astis"}) is None  # not asked: in or out?
    upside = cand("UPSIDE enrols patients with dcSSc of 2 years or less.", source="upside", kind="research")
    assert verdict("Could a patient with 3 years of dcSSc be enrolled in UPSIDE?", [upside], {"upside"}) == (
        "no", upside)


def test_the_verdict_opens_the_short_answer(engine):
    from assistant.compose import compose
    from assistant.schema import Candidate

    hit = engine.store.loaded
    passage = next(iter(hit.passages(list(hit.ids)[:1]).values()))
    source = hit.sources[passage.source_id]
    first = Candidate("For these protocols, the guideline excludes patients above 25 mmHg.", passage, source, 0, None)
    sections, _ = compose([first], "clinician", None, lead=1, verdict="yes")
    assert sections[0].sentences[0].text == "Yes: for these protocols, the guideline excludes patients above 25 mmHg."


def test_the_rest_of_a_narrow_answer_stays_on_its_point():
    from assistant.facets import has_no_one_point, on_point

    lead = cand("ASTIS excluded patients with DLCO below 40% or creatinine clearance below 40 mL/min.", source="astis")
    age = cand("ASTIS admitted patients aged 18-65.", 0.8, source="astis")
    cardiac = cand("ASTIS excluded patients with LVEF below 45% or uncontrolled arrhythmia.", 0.8, source="astis")
    dlco = cand("In ASTIS, DLCO was measured at baseline and every 6 months.", 0.7, source="astis")
    others = [cand(f"ASTIS reported outcome number {i} for its patients.", 0.5, source="astis") for i in range(6)]
    pool = [lead, age, cardiac, dlco] + others
    question = "Would a patient with a DLCO of 35% predicted have been eligible for ASTIS?"
    assert on_point(question, [lead], [age, cardiac, dlco], pool) == [dlco]
    assert on_point(question, [age], [cardiac, dlco], pool) == [cardiac, dlco]  # the lead is off the point: no cut
    assert has_no_one_point("Which quality-of-life measures improved after AHSCT?")  # a list: every item counts
    assert has_no_one_point("How is that different from SCOT?") and has_no_one_point("Describe the Merkt case.")
    assert not has_no_one_point(question) and not has_no_one_point("What was the 5-year survival in Nanjing?")


def test_a_statement_about_another_source_than_the_one_asked_about():
    from assistant.naming import elsewhere

    naming = frozenset({"asti", "assist", "upsid"})
    question = "Could a 62-year-old have been randomised in ASSIST?"
    focused = {"assist-2011": 1.0}
    astis = cand("ASTIS enrolled patients aged 18-65.", source="walker-2018", kind="review")
    assist = cand("ASSIST enrolled patients under 60 years of age.", source="walker-2018", kind="review")
    general = cand("AHSCT in SSc has an upper age limit of 60 years.", source="synthesis-ahsct", kind="synthesis")
    assert elsewhere(astis, question, focused, naming)
    assert not elsewhere(assist, question, focused, naming) and not elsewhere(general, question, focused, naming)
    assert not elsewhere(astis, "Could a 62-year-old have a transplant?", {}, naming)  # names no source: no 'else'
    assert verdict(question, [astis, assist], {"assist-2011"}) == ("no", assist)  # it names ASSIST: it settles it


def test_a_limit_is_held_only_against_a_figure_of_its_kind():
    ebmt = cand("EBMT best practice sets the age range for AHSCT in rheumatic diseases at 18-65 years, with an upper "
                "limit of 60 years for SSc.")
    assert verdict("I've had scleroderma for 8 years, is it too late for a transplant?", [ebmt]) is None  # no age
    assert verdict("im 58, am i too old to get a transplant?", [ebmt]) == ("no-by-limit", ebmt)
    assert verdict("im 62, am i too old to get a transplant?", [ebmt]) is None  # 18-65 and 60 disagree at 62
    assert verdict("im 67, am i too old to get a transplant?", [ebmt]) == ("yes", ebmt)  # both limits put 67 out
    subject = "systemic sclerosis, scleroderma, SSc"  # the limit set for the corpus's subject is the one that applies
    assert verdict("im 62, am i too old to get a transplant?", [ebmt], subject=subject) == ("yes", ebmt)
    assert verdict("im 58, am i too old to get a transplant?", [ebmt], subject=subject) == ("no-by-limit", ebmt)


def test_two_figures_go_with_two_limits_in_order():
    pasp = cand("For AHSCT protocols with cyclophosphamide 200 mg/kg, EBMT best practice excludes patients with a "
                "PASP above 40 mmHg at rest or above 45 mmHg after fluid challenge.")
    asked = "Is a patient with a PASP of {} mmHg at rest and {} mmHg after fluid challenge excluded?"
    assert verdict(asked.format(38, 43), [pasp]) == ("no-by-limit", pasp)  # 43 is above 40, but not above 45
    assert verdict(asked.format(38, 47), [pasp]) == ("yes", pasp)


def test_a_measure_without_a_unit_is_held_against_the_same_measure():
    paris = cand("The Paris MSC study enrolled people aged 18-70 with a modified Rodnan skin score (mRSS) of 15 or more "
                 "and severe organ involvement.", source="paris", kind="research")
    asked = "Could a patient with an mRSS of {} have been enrolled in the Paris MSC trial?"
    assert verdict(asked.format(12), [paris], {"paris"}) == ("no", paris)
    assert verdict(asked.format(22), [paris], {"paris"}) == ("yes-by-limit", paris)
    assert verdict("Could a patient with an FVC of 12 have been enrolled?", [paris], {"paris"}) is None  # not mRSS


def test_a_window_settles_only_by_its_limit():
    window = cand("EBMT best practice gives an optimal disease duration for AHSCT in SSc of less than 5 years (level I).")
    assert verdict("I've had scleroderma for 8 years. Is it too late for a transplant?", [window]) == (
        "yes-by-limit", window)  # the best time, not a bar
    assert verdict("I've had it for 3 years, could I get a transplant?", [window]) == ("yes-by-limit", window)


def test_a_why_question_asks_for_a_reason():
    value = expected_value("Why do the recommendations put so much weight on cardiac assessment?")
    assert value.search("They name heart disease as the main cause of transplant-related deaths.")
    assert value.search("High-dose chemotherapy is given to remove the autoreactive immune system.")
    assert not value.search("Treatment-related mortality was 3-10% in the randomised trials.")
    assert expected_value("What do they do to my cells, and why?") is not None


def test_failing_one_route_of_several_is_no_only_by_that_limit():
    routes = cand("EBMT best practice accepts for AHSCT in SSc a modified Rodnan skin score (mRSS) above 15 with at least one "
                  "internal organ involved, or an mRSS above 20 with C-reactive protein (CRP) above 10 mg/L (level I).")
    asked = "So would a patient with an mRSS of 13 and progressive ILD qualify for AHSCT?"
    assert verdict(asked, [routes]) == ("no-by-limit", routes)  # not a bare 'No': progressive ILD is another way in


def test_how_many_people_did_something_is_answered_by_a_share():
    alive = expected_value("How many people in the US trial were still alive after 6 years?")
    assert alive.search("86% were alive at 72 months") and alive.search("11 of 79 people died")
    size = expected_value("How many patients were in the Dutch cohort?")
    assert not size.search("event-free survival was 78% at 5 years") and size.search("92 patients")


def test_after_some_months_of_a_therapy_is_a_lower_limit():
    """'after 6 months of failed first-line therapy' admits from 6 months of it: 3 months is not yet, 8 is."""
    second = cand("EBMT best practice recommends AHSCT in SSc as second-line treatment, after 6 months of failed "
                  "first-line therapy (level I).")
    asked = "Is a patient whose SSc progressed despite {} months of mycophenolate a candidate for AHSCT?"
    assert verdict(asked.format(3), [second]) == ("no", second)
    assert verdict(asked.format(8), [second]) == ("yes-by-limit", second)
    assert verdict("What happened 6 months after AHSCT?", [second]) is None  # not asked: in or out?


def test_a_point_only_the_short_answer_speaks_to_is_the_whole_answer():
    """'What median ACR-CRISS score ...': the one statement that names ACR-CRISS answers it; the series' design and
    its other results are beside the point. A question whose words many statements share keeps its further ones."""
    from assistant.facets import pinpointed

    lead = cand("In the series, the median ACR-CRISS was 100% at month 6.")
    design = cand("The series treated 6 patients with refractory diffuse SSc with CD19 CAR T cells.")
    mrss = cand("In the series, the median skin score fell by 31% within 100 days.")
    criss = cand("In the series, ACR-CRISS responses were seen in every patient by month 12.")
    others = [cand(f"In study {n}, the median skin score was lower after cell therapy.") for n in range(6)]
    pool = [lead, design, mrss, criss, *others]
    asked = "What median ACR-CRISS score was reached at month 6?"
    assert pinpointed(asked, [lead], [design, mrss, criss], pool) == [criss]
    assert pinpointed("What happened to the skin score?", [mrss], [design, lead], pool) == [design, lead]


def test_a_setting_before_the_question_is_not_a_part_and_a_count_of_some_of_them_counts_them():
    assert parts("In the Müller series, what happened to disease activity, and what was the median follow-up?") == [
        "In the Müller series, what happened to disease activity", "what was the median follow-up?"]
    assert parts("In the meta-analysis, from what time point did survival differ, and how many studies were there?") \
        == ["In the meta-analysis, from what time point did survival differ", "how many studies were there?"]
    observational = expected_value("how many of the 22 studies were observational?")
    assert observational.search("22 studies: 3 randomised controlled trials and 19 observational studies")
    assert not observational.search("survival advantage from 2 years after treatment")


def test_two_sides_of_one_kind_of_value_are_each_answered_on_their_own_words():
    """'How does its all-cause mortality risk ratio compare with its treatment-related mortality risk ratio?': both
    sides ask for a risk ratio, so the all-cause one does not answer the treatment-related side; the rest of the
    answer stays on the two sides."""
    from assistant.facets import on_sides

    allcause = cand("In the review, all-cause mortality was lower with HSCT (risk ratio 0.50).", 0.9)
    trm = cand("In the review, treatment-related mortality was higher with HSCT (risk ratio 9.00).", 0.8)
    fvc = cand("In the review, FVC was higher with HSCT (mean difference 9.58).", 0.7)
    skin = cand("In the review, the skin score was lower with HSCT (mean difference 10.6).", 0.7)
    deaths = cand("In the review, treatment-related deaths were counted in every trial.", 0.6)
    pool = [allcause, trm, fvc, skin, deaths, cand("The review pooled 4 studies of HSCT.", 0.5)]
    asked = "How does the all-cause mortality risk ratio in the review compare with its treatment-related mortality risk ratio?"
    assert parts(asked) == ["How does the all-cause mortality risk ratio in the review",
                            "its treatment-related mortality risk ratio?"]
    lead = cover_parts(asked, [allcause], pool, 0.5)
    assert lead == [allcause, trm]
    assert on_sides(asked, lead, [fvc, skin, deaths], pool) == [deaths]


def test_a_why_question_gets_the_reasons_its_source_gives_next_to_the_answer():
    premise = cand("The protocol reserves HSCT for severe, rapidly progressive SSc.", 0.8, type_="recommendation",
                   position=0)
    no_drug = cand("No drug given alone has improved survival in a randomised trial.", 0.78, type_="background",
                   position=2)
    trials = cand("HSCT improved survival in three randomised trials.", 0.62, type_="background", position=1)
    result = cand("In one trial, 22 events occurred with HSCT versus 31.", 0.75, position=3)  # a result: no reason
    elsewhere = cand("Another guideline recommends HSCT for selected patients.", 0.79, "s2", "recommendation",
                     passage="s2#a")
    weak = cand("The protocol was written by a national network.", 0.5, type_="background", position=4)
    pool = [premise, no_drug, trials, result, elsewhere, weak]
    why = "Why does the protocol give HSCT a place rather than drugs alone?"
    assert with_reasons(why, [premise], pool, 0.48) == [premise, trials, no_drug]  # in the passage's order
    assert with_reasons("What does the protocol say about HSCT?", [premise], pool, 0.48) == [premise]
    assert with_reasons(why, [premise], [premise, weak], 0.48) == [premise]  # not nearly as relevant as the lead


def test_the_rest_stays_on_the_point_read_with_abbreviations_spelt_out():
    lead = cand("For interstitial lung disease (ILD), the update recommends MMF and rituximab.", 0.8,
                type_="recommendation")
    spelt = frozenset({"ssc", "relat", "ild", "interstiti", "lung", "diseas", "updat", "recommend", "nintedanib"})
    ild = cand("For SSc-related ILD, the update recommends nintedanib.", 0.66, type_="recommendation", terms=spelt)
    skin = cand("For skin involvement, the update recommends methotrexate.", 0.69, type_="recommendation")
    others = [cand(f"Statement {n} on another point entirely.", 0.3) for n in range(6)]
    body = on_point("And for interstitial lung disease?", [lead], [skin, ild], [lead, skin, ild, *others])
    assert body == [ild]  # 'ILD' speaks to 'interstitial lung disease'; the skin recommendation is beside the point


def test_limited_skin_disease_is_one_idea_not_a_limit(engine):
    asked = "i have limited scleroderma but the scarring in my lungs keeps getting worse, can i still have a transplant"
    ideas = engine.scope.weighted(asked)
    route = engine._terms("Progressive interstitial lung disease (ILD) with limited skin involvement may qualify.")
    ages = engine._terms("The guideline sets an upper age limit of 60 for the transplant.")
    assert engine.scope.weighted_share(ideas, route) > 0.8
    assert engine.scope.weighted_share(ideas, ages) < 0.3  # 'limited' is not the age limit


def test_a_systolic_pressure_is_held_against_the_systolic_limit_not_the_mean_one():
    mean = cand("EBMT best practice excludes patients with a mean pulmonary artery pressure (mPAP) above 25 mmHg at "
                "rest or above 30 mmHg after fluid challenge.")
    systolic = cand("EBMT best practice excludes patients with a pulmonary artery systolic pressure (PASP) above 40 "
                    "mmHg at rest or above 45 mmHg after fluid challenge.")
    asked = "Would a systolic pulmonary artery pressure of {} mmHg at rest exclude a patient?"
    assert verdict(asked.format(42), [mean, systolic]) == ("yes", systolic)  # 42 > 40, by the systolic rule
    assert verdict(asked.format(32), [mean, systolic]) == ("no-by-limit", systolic)  # not 'yes' by 32 > 25
    assert verdict("Is a patient with a PASP of 38 mmHg at rest and 43 mmHg after fluid challenge excluded?",
                   [mean, systolic]) == ("no-by-limit", systolic)
    assert verdict("Is a patient with a resting mPAP of 28 mmHg excluded?", [systolic, mean]) == ("yes", mean)


def test_a_follow_up_s_own_words_weigh_more_than_the_topic_it_borrowed(engine):
    hits = engine.retriever.search("treatment-related mortality skin score fixture trial", k=8)
    def rank(query):
        scored = engine._score(query, engine.retriever.embed(query), hits, {})
        return {c.text: c.score for c in scored}
    follow_up = rank("how many died? (about: fixture trial, skin score)")
    flat = rank("how many died? fixture trial, skin score")  # the same words, none of them its own
    deaths = next(t for t in follow_up if t.startswith("Treatment-related mortality"))
    skin = next(t for t in follow_up if t.startswith("Patients in the fixture trial"))  # '... disease of the skin'
    assert follow_up[deaths] > follow_up[skin] and flat[deaths] < flat[skin]
