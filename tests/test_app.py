"""The chat page in process: the answer card and its escaping, the sources panel, export, the feedback store
and its CLI, suggested questions, a session's turns, and 20 simultaneous sessions through gradio_client."""

from __future__ import annotations

import json
import os
import re
import threading
import time

import pytest
from click.testing import CliRunner

from assistant.app import ChatPage, build_app, launch, new_state
from assistant.cards import card_html, esc, export_markdown, question_html, sources_html
from assistant.cli import cli
from assistant.feedback import MAX_COMMENT_CHARS, FeedbackStore
from assistant.schema import Answer, Reference, Section, Sentence
from assistant.suggest import Memo, follow_ups, heading_phrase, starters, topics

AHSCT = "What were the results of AHSCT in the fixture trial?"
HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)"> **bold** $$x$$'


def synthetic(text: str = "Safe sentence.", passage: str = "A passage.", verified: bool = True) -> Answer:
    ref = Reference(1, "src-a", "Author A. Title <i>A</i>. 2020.", "research", 2020, verified, "RCT",
                    [{"id": "src-a#results", "text": passage}])
    return Answer(question="Q <b>?</b>", mode="clinician", refused=False,
                  sections=[Section("From the Research", [Sentence(text, [1]), Sentence("Second.", [1])])],
                  references=[ref], disclaimer="Disclaimer text.")


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


# -- the card ---------------------------------------------------------------------------------
def test_card_has_sections_citation_links_references_and_disclaimer(engine):
    answer = engine.answer(AHSCT)
    html = card_html(answer, turn=3)
    assert "From the Research" in html and "References" in html
    assert answer.disclaimer in html and "\n" not in html  # one line: stays one HTML block in Markdown
    for ref in answer.references:
        assert f'href="#src-3-{ref.n}"' in html and f'id="ref-3-{ref.n}"' in html
        assert esc(ref.citation) in html and f">{ref.kind}<" in html and str(ref.year) in html
    assert html.count('class="cite"') == sum(len(s.citations) for s in answer.sentences)


def test_unconfirmed_badge_only_on_unverified_references():
    assert "unconfirmed" not in card_html(synthetic(verified=True), 1)
    html = card_html(synthetic(verified=False), 1)
    assert 'class="badge"' in html and html.count(">unconfirmed<") == 1


def test_question_sentence_citation_and_passage_markup_is_escaped():
    answer = synthetic(text=HOSTILE, passage=HOSTILE)
    rendered = [card_html(answer, 1), sources_html([(1, answer)]), question_html(HOSTILE + "\n\nnext line")]
    for html in rendered:
        assert "<script" not in html and "<img" not in html and "<i>" not in html and "<b>" not in html
        assert "\n" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered[0]
    assert esc(HOSTILE) in rendered[1] and "<br>" in rendered[2]


def test_card_streams_sentence_by_sentence():
    answer = synthetic()
    first, complete = card_html(answer, 1, shown=1), card_html(answer, 1)
    assert "Safe sentence." in first and "Second." not in first and 'class="streaming"' in first
    assert "References" not in first and "Disclaimer text." not in first
    assert "Second." in complete and "References" in complete and "streaming" not in complete


def test_refused_card_shows_the_message_and_disclaimer(engine):
    answer = engine.answer("What is the best diet for type 2 diabetes?")
    assert answer.refused
    html = card_html(answer, 1)
    assert esc(answer.message) in html and esc(answer.disclaimer) in html and "References" not in html


def test_follow_up_card_says_how_the_question_was_understood(engine):
    answer = engine.answer("and its risks?", history=[AHSCT])
    assert answer.standalone_question and "AHSCT" in answer.standalone_question
    assert f"Understood as: <q>{esc(answer.standalone_question)}</q>" in card_html(answer, 2)


def test_sources_panel_quotes_the_exact_passages_newest_first(engine):
    first, second = engine.answer(AHSCT), engine.answer("Who is eligible for a transplant?")
    html = sources_html([(1, first), (2, second)])
    assert html.index('data-turn="2"') < html.index('data-turn="1"')
    for turn, answer in ((1, first), (2, second)):
        for ref in answer.references:
            assert f'id="src-{turn}-{ref.n}"' in html
            assert all(esc(p["text"]) in html for p in ref.passages)
    assert "click a citation" in sources_html([])


def test_export_is_markdown_with_question_references_and_disclaimer(engine):
    answer = engine.answer(AHSCT, mode="patient")
    text = export_markdown(answer)
    assert text.startswith(f"## {AHSCT}\n") and "*For: Patient*" in text and "### References" in text
    assert all(f"[{r.n}] {r.citation}" in text for r in answer.references) and answer.disclaimer in text


# -- feedback ---------------------------------------------------------------------------------
def test_feedback_vote_change_comment_withdraw_and_export(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    row = store.vote(session="s1", turn=1, rating="up", question="Q1", mode="patient", answer="A1",
                     answer_json={"refused": False})
    assert store.vote(session="s1", turn=1, rating="down", question="Q1", mode="patient", answer="A1") == row
    store.vote(session="s2", turn=1, rating="up", question="Q2", mode="clinician", answer="A2", refused=True)
    assert store.comment(row, "  too technical  " + "x" * 3000)
    rows = store.rows()
    assert [(r["session"], r["rating"]) for r in rows] == [("s1", "down"), ("s2", "up")]
    assert rows[0]["comment"].startswith("too technical") and len(rows[0]["comment"]) == MAX_COMMENT_CHARS
    assert rows[1]["refused"] is True and rows[0]["mode"] == "patient"
    exported = [json.loads(line) for line in store.export("jsonl").splitlines()]
    assert exported[0]["answer_json"] == {"refused": False} and exported[1]["question"] == "Q2"
    assert store.export("csv").splitlines()[0].startswith("id,created,updated,session")
    store.withdraw("s1", 1)
    assert [r["session"] for r in store.rows()] == ["s2"] and not store.comment(row, "gone")
    with pytest.raises(ValueError):
        store.vote(session="s", turn=1, rating="meh", question="q", mode="clinician", answer="a")


def test_cli_feedback_export(tmp_path):
    FeedbackStore.in_home(tmp_path).vote(session="s", turn=1, rating="up", question="Q?", mode="clinician",
                                         answer="A")
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "feedback", "export"])
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["question"] == "Q?"
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "feedback", "export", "--format", "csv", "--out", out])
    assert result.exit_code == 0 and "Q?" in out.read_text() and "1 rating(s)" in result.stderr
    empty = CliRunner().invoke(cli, ["--home", str(tmp_path / "none"), "feedback", "export"])
    assert empty.exit_code == 0 and empty.stdout == ""


@pytest.mark.parametrize("auth", ["nopassword", ":pw", "user:"])
def test_cli_chat_rejects_a_malformed_login(auth, tmp_path):
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "chat", "--auth", auth])
    assert result.exit_code == 2 and "USER:PASSWORD" in result.output


# -- suggestions ------------------------------------------------------------------------------
def test_heading_phrase():
    assert heading_phrase("Cardiac screening") == "cardiac screening"
    assert heading_phrase("ASTIS and ASSIST details") == "ASTIS and ASSIST details"


def test_topics_leave_out_what_every_source_is_about(engine):
    found = topics(engine.store.loaded, engine.retriever.lexicon)
    assert "systemic sclerosis" not in found and "mesenchymal stromal cells" in found
    assert not {"haematopoietic cell transplantation", "haematopoietic stem cell transplantation"} & set(found)


def test_follow_ups_are_answered_and_bring_new_passages(engine):
    answer = engine.answer(AHSCT)
    shown = {p["id"] for r in answer.references for p in r.passages}
    found = follow_ups(engine, answer, [AHSCT])
    assert 1 <= len(found) <= 3 and len(set(found)) == len(found) and AHSCT not in found
    for question in found:
        reply = engine.answer(question, history=[AHSCT])
        assert not reply.refused and {p["id"] for r in reply.references for p in r.passages} - shown


def test_suggestions_checked_before_cost_nothing_and_unchecked_ones_wait(engine):
    answer = engine.answer(AHSCT)
    engine._suggestion_memo = None  # nothing checked yet
    assert follow_ups(engine, answer, [AHSCT], budget=0) == []  # no check allowed: none rather than unchecked ones
    found = follow_ups(engine, answer, [AHSCT])
    assert found and follow_ups(engine, answer, [AHSCT], budget=0) == found  # the same, from the checks made
    memo = Memo.of(engine)
    engine.store.__dict__.pop("loaded")  # the index read again (as after an ingest): what was checked goes
    assert Memo.of(engine) is not memo and follow_ups(engine, answer, [AHSCT], budget=0) == []


def test_starters_are_answered_and_offered_after_a_refusal(engine):
    opening = starters(engine)
    assert len(opening) == 3 and all(not engine.answer(q).refused for q in opening)
    refused = engine.answer("What is the best diet for type 2 diabetes?")
    assert follow_ups(engine, refused, [refused.question]) == opening


# -- a session --------------------------------------------------------------------------------
def test_turn_streams_then_settles_with_suggestions_and_uses_the_history(engine, tmp_path):
    page = ChatPage(engine, FeedbackStore(tmp_path / "f.sqlite3"), stream_delay=0)
    state = new_state()
    steps = [shown for _, shown in page.ask(AHSCT, "clinician", state)]
    count = len(state["turns"][0].answer.sentences)
    assert steps == [0, *range(1, count), None] and not state["turns"][0].suggestions  # the card first
    assert page.suggest(state)["turns"][0].suggestions  # then its follow-ups, a step of their own
    for _ in page.ask("and its risks?", "patient", state):
        pass
    page.suggest(state)
    second = state["turns"][1].answer
    assert second.mode == "patient" and "AHSCT" in second.standalone_question
    messages = page.messages(state)
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    assert "options" not in messages[1] and messages[3]["options"][0]["value"] == state["turns"][1].suggestions[0]
    assert page.export(state)[0] == export_markdown(second)


def test_errors_become_clear_messages_without_a_traceback(engine, tmp_path):
    class Broken:
        def answer(self, *a, **k):
            raise RuntimeError("Traceback: secret internals")

    for source, question, expected in ((engine, "y" * 2001, "the limit is 2,000"),
                                       (Broken(), "Anything?", "Something went wrong")):
        page = ChatPage(source, FeedbackStore(tmp_path / "f.sqlite3"), stream_delay=0)
        state = new_state()
        list(page.ask(question, "clinician", state))
        card = page.messages(state)[1]["content"]
        assert 'role="alert"' in card and expected in card and "secret" not in card
    state = new_state()
    assert list(page.ask("   ", "clinician", state)) == [(state, None)] and state["turns"] == []


def test_votes_and_comments_reach_the_store(engine, tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    page = ChatPage(engine, store, stream_delay=0)
    state = new_state()
    list(page.ask(AHSCT, "patient", state))
    state, ask_comment = page.vote(state, 1, False)
    assert ask_comment and page.comment(state, "Missing the risks.")[1]
    (row,) = store.rows()
    assert (row["rating"], row["comment"], row["mode"], row["question"]) == ("down", "Missing the risks.", "patient", AHSCT)
    assert "### References" in row["answer"] and json.loads(row["answer_json"])["mode"] == "patient"
    assert page.vote(state, 1, "")[1] is False and store.rows() == []


# -- the served app ---------------------------------------------------------------------------
def test_analytics_are_off(settings, engine, tmp_path):
    demo = build_app(settings, engine=engine, feedback=FeedbackStore(tmp_path / "f.sqlite3"))
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False" and demo.analytics_enabled is False


QUESTIONS = [AHSCT, "Who is eligible for a transplant?", "What are the cardiac exclusions before transplantation?",
             "Is CAR-T cell therapy being studied in scleroderma?", "What did the meta-analysis of MSC find?"]
FOLLOW_UPS = ["and its risks?", "What about the age limit?", "and for patients over 60?", "What about safety?"]


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(c.get("text", "") for c in content)


def test_twenty_simultaneous_sessions_get_their_own_answers(settings, engine, tmp_path):
    from gradio_client import Client

    demo = build_app(settings, engine=engine, feedback=FeedbackStore(tmp_path / "f.sqlite3"), stream_delay=0.01)
    url = launch(demo, port=0, block=False)
    sessions = [(QUESTIONS[i % 5], FOLLOW_UPS[i // 5], ("clinician", "patient")[i % 2]) for i in range(20)]
    results, errors = {}, []
    start = threading.Barrier(len(sessions))

    def session(i: int, first: str, follow: str, mode: str):
        try:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
            start.wait(timeout=60)
            client.predict(first, mode, api_name="/ask")
            results[i] = client.predict(follow, mode, api_name="/ask")
        except Exception as exc:  # reported below, with the session
            errors.append((i, repr(exc)))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=session, args=(i, *s)) for i, s in enumerate(sessions)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        demo.close()
    assert not errors and len(results) == 20, errors
    for i, (first, follow, mode) in enumerate(sessions):
        chat, sources = results[i][0], results[i][1]
        asked = [visible_text(_text(m)) for m in chat if m["role"] == "user"]
        replies = [_text(m) for m in chat if m["role"] == "assistant"]
        assert asked == [esc(first), esc(follow)], (i, asked)  # its own two turns, nobody else's
        assert 'class="card"' in replies[0] and "disclaimer" in replies[0] and 'class="cite"' in replies[0]
        assert all(f'data-mode="{mode}"' in r for r in replies)
        expected = engine.answer(follow, mode=mode, history=[first])  # the follow-up read in its own thread
        assert card_html(expected, 2) == replies[1], i
        assert esc(first) in sources
    print(f"20 sessions x 2 turns in {time.perf_counter() - t0:.1f}s")


def test_feedback_export_fails_cleanly_and_neutralises_formulas(tmp_path):
    """A damaged or foreign database, or an --out folder that does not exist: one line, no traceback; a cell that
    a spreadsheet would run as a formula is exported as text."""
    store = FeedbackStore.in_home(tmp_path)
    store.vote(session="s", turn=1, rating="up", question='=HYPERLINK("http://evil.example","x")', mode="clinician",
               answer="@SUM(1+1)")
    csv_text = store.export("csv")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    missing = CliRunner().invoke(cli, ["--home", str(tmp_path), "feedback", "export", "--out",
                                       str(tmp_path / "nodir" / "x.jsonl")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output and "folder exists" in missing.output
    store.path.write_bytes(b"\x00random bytes, not a database" * 100)
    broken = CliRunner().invoke(cli, ["--home", str(tmp_path), "feedback", "export"])
    assert broken.exit_code == 1 and "damaged" in broken.output and broken.exception.__class__ is SystemExit


def test_an_oversized_question_never_enters_the_session_and_exports_do_not_pile_up(engine, tmp_path):
    page = ChatPage(engine, FeedbackStore(tmp_path / "f.sqlite3"), stream_delay=0, export_dir=tmp_path / "exports")
    *_, (state, _) = page.ask("x" * 5_000_000, "clinician", None)
    (turn,) = state["turns"]
    assert len(turn.question) < 300 and "limit" in turn.error and turn.answer is None
    for question in ("What was event-free survival in the fixture trial?", "What is MSC therapy for SSc?"):
        *_, (state, _) = page.ask(question, "clinician", state)
        page.export(state)
    assert len(list((tmp_path / "exports" / state["session"]).glob("*.md"))) == 1  # the latest answer only


def test_a_running_engine_sees_sources_added_and_removed_by_another_process(tmp_path, settings, store):
    from assistant.answer import ExtractiveEngine
    from assistant.config import Settings
    from assistant.corpus import load_corpus
    from assistant.index import Store
    from assistant.ingest import ingest

    own = Settings(corpus_dir=settings.corpus_dir, home=tmp_path / "home", prompts_dir=settings.prompts_dir)
    reader = Store(own, embeddings=store.embeddings)
    reader.sync(load_corpus(own.corpus_dir))
    reader.refresh_seconds = 0.0
    running = ExtractiveEngine(reader, own)
    question = "What did the Quuxtrial of stem cell transplantation in systemic sclerosis find?"
    assert "12 points" not in " ".join(s.text for s in running.answer(question).sentences)
    writer = Store(own, embeddings=store.embeddings)  # another process, as far as the reader can tell
    doc = tmp_path / "quux.md"
    doc.write_text("---\ntitle: The Quuxtrial\nkind: research\nyear: 2024\n---\n## Findings\nIn the Quuxtrial of "
                   "stem cell transplantation in systemic sclerosis, skin scores fell by 12 points at one year.\n")
    assert ingest(writer, [doc], {})[0].status == "added"
    found = running.answer(question)
    assert not found.refused and "12 points" in " ".join(s.text for s in found.sentences)
    writer.remove("the-quuxtrial")
    assert all(r.source_id != "the-quuxtrial" for r in running.answer(question).references)


def test_patient_card_explains_glossary_words_on_hover_and_in_a_list(engine):
    from assistant.cards import card_html

    answer = engine.answer("What were the results of AHSCT in the fixture trial?", mode="patient")
    terms = {g["term"] for g in answer.glossary}
    assert "stem cell transplant" in terms  # the patient words of the answer that the glossary explains
    card = card_html(answer, 1)
    assert card.count('<abbr class="term"') == len(terms)  # each marked once, where it first appears
    assert '<details class="glossary"><summary>Words explained</summary>' in card
    assert engine.answer("What were the results of AHSCT in the fixture trial?").glossary == []  # clinicians


def test_glossary_markup_escapes_text_and_definitions():
    from assistant.cards import Terms

    mark = Terms([{"term": "ATG", "definition": 'A drug "that" <removes> T cells.'}])
    out = mark("<b>ATG</b> and ATG again")
    assert out.startswith("&lt;b&gt;<abbr") and 'title="A drug &quot;that&quot; &lt;removes&gt; T cells."' in out
    assert out.count("<abbr") == 1 and out.endswith("and ATG again")


def test_a_caveat_is_shown_next_to_its_statement_escaped():
    from assistant.render import to_markdown

    answer = synthetic()
    answer.sections[0].sentences[0].caveat = 'The studies target CD19 <not "scleroderma antigens">.'
    card, text = card_html(answer, 1), to_markdown(answer)
    assert '<span class="caveat">Note: The studies target CD19 &lt;not &quot;scleroderma antigens&quot;&gt;.</span>' in card
    assert card.count('class="caveat"') == 1  # only the statement that has one
    assert "  - *Note: The studies target CD19" in text
