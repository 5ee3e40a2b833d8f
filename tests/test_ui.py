"""End to end in headless Debian Chromium (Playwright for Python, never `playwright install`), against the
chat page served on loopback with the real fixture engine: ask, citations and disclaimer, Patient mode,
a follow-up, opening a source, feedback, examples and suggestions, refusals and markup, export, start over."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from assistant.app import build_app, launch
from assistant.audience import disclaimer
from assistant.cards import export_markdown
from assistant.config import ROOT
from assistant.feedback import FeedbackStore
from assistant.suggest import starters

_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)

if not Path(shots.CHROMIUM).exists():
    pytest.skip(f"UI tests skipped: no Chromium at {shots.CHROMIUM} (Debian package `chromium`; "
                "`make test` installs it when it can)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="UI tests skipped: the playwright package is missing")
expect = sync_api.expect

AHSCT = "What were the results of AHSCT in the fixture trial?"
ELIGIBLE = "Who is eligible for a transplant?"
SENTENCES = ".lead .sentence, ul.sentences li"  # the short answer (one paragraph), then the other sections' items


@pytest.fixture(scope="module")
def server(settings, engine, tmp_path_factory):
    store = FeedbackStore(tmp_path_factory.mktemp("ui") / "feedback.sqlite3")
    demo = build_app(settings, engine=engine, feedback=store, stream_delay=0.25)
    url = launch(demo, port=0, block=False)
    yield SimpleNamespace(url=url, feedback=store)
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = shots.open_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh session; every URL the page requests is kept in page.requested."""
    context = browser.new_context(viewport=shots.VIEWPORT, accept_downloads=True)
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    tab.goto(server.url)
    tab.wait_for_selector("#chat")
    yield tab
    context.close()


def cards(page):
    return page.locator("#chat .card")


def test_clinician_answer_streams_in_with_citations_references_and_disclaimer(page, engine, settings):
    expected = engine.answer(ELIGIBLE)
    box = page.locator("#question textarea")
    box.fill(ELIGIBLE)
    box.press("Enter")
    page.wait_for_selector("#chat .card:has(.lead) .streaming")  # the short answer shown, more to come
    shots.settled(page, 1)
    card = cards(page).last
    for section in expected.sections:
        expect(card.locator("h4", has_text=section.title)).to_have_count(1)
    expect(card.locator(SENTENCES)).to_have_count(len(expected.sentences))
    expect(card.locator(".disclaimer")).to_have_text(disclaimer(settings.prompts_dir, "clinician"))
    citations = card.locator("a.cite")
    expect(citations).to_have_count(sum(len(s.citations) for s in expected.sentences))
    refs = card.locator("ul.refs li")
    expect(refs).to_have_count(len(expected.references))
    for i, ref in enumerate(expected.references):
        item = refs.nth(i)
        expect(item.locator(".citation")).to_have_text(ref.citation)
        expect(item.locator(".kind")).to_have_text(ref.kind)
        expect(item.locator(".badge")).to_have_count(0 if ref.verified else 1)
        expect(page.locator(f"#sources #src-1-{ref.n}")).to_have_count(1)
    assert any(not r.verified for r in expected.references), "the fixture answer should cite the unconfirmed blog"


def test_patient_follow_up_uses_the_conversation_and_a_citation_opens_its_source(page, engine, settings):
    shots.ask(page, AHSCT)
    shots.choose_mode(page, "Patient")
    shots.ask(page, "and its risks?")
    expected = engine.answer("and its risks?", mode="patient", history=[AHSCT])
    first, second = cards(page).nth(0), cards(page).nth(1)
    expect(first.locator(".disclaimer")).to_have_text(disclaimer(settings.prompts_dir, "clinician"))
    expect(second.locator(".disclaimer")).to_have_text(disclaimer(settings.prompts_dir, "patient"))
    expect(second.locator(".understood")).to_contain_text("AHSCT")  # the follow-up kept the topic
    expect(second.locator(SENTENCES)).to_have_count(len(expected.sentences))
    for i, sentence in enumerate(expected.sentences):  # the patient wording, reading level included
        expect(second.locator(SENTENCES).nth(i)).to_contain_text(sentence.text)
    second.locator("a.cite").first.click()
    assert page.url.endswith("#src-2-1")
    source = page.locator("#src-2-1")
    expect(source).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target').id") == "src-2-1"
    quoted = source.locator("blockquote p")
    expect(quoted).to_have_text([p["text"] for p in expected.references[0].passages])


def test_thumbs_down_with_a_comment_is_saved_with_question_answer_and_mode(page, server):
    question = "What are the cardiac exclusions before transplantation?"
    shots.ask(page, question)
    page.locator("#chat button[aria-label='Dislike']").click()
    comment = page.locator("#comment textarea")
    expect(comment).to_be_visible()
    comment.fill("Please add the lung criteria.")
    page.locator("#send-comment").click()
    expect(page.locator("#feedback-note")).to_contain_text("saved")
    expect(comment).to_be_hidden()
    (row,) = [r for r in server.feedback.rows() if r["question"] == question]
    assert (row["rating"], row["comment"], row["mode"]) == ("down", "Please add the lung criteria.", "clinician")
    assert "### References" in row["answer"] and "cardiac" in row["answer"].lower()


def test_examples_then_suggested_follow_ups_are_one_click_questions(page, engine):
    opening = starters(engine)
    for text in opening:
        expect(page.locator("#chat button", has_text=text)).to_be_visible()
    page.locator("#chat button", has_text=opening[0]).click()
    shots.settled(page, 1)
    expect(page.locator("#chat .question")).to_have_text([opening[0]])
    expect(cards(page).first.locator("a.cite").first).to_be_visible()
    options = page.locator("#chat button", has_text="What ")
    expect(options.first).to_be_visible()
    follow = options.first.inner_text().strip()
    options.first.click()
    shots.settled(page, 2)
    expect(page.locator("#chat .question")).to_have_text([opening[0], follow])
    expect(cards(page).nth(1).locator(".refusal")).to_have_count(0)


def test_refusals_errors_and_markup_are_shown_as_text(page, engine):
    question = 'What is the best diet for diabetes? <img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    expected = engine.answer(question)
    assert expected.refused
    shots.ask(page, question)
    expect(page.locator("#chat .question")).to_have_text([question])  # the markup, as text
    expect(cards(page).first.locator(".refusal")).to_have_text(expected.message)
    assert page.locator("#chat img, #chat script").count() == 0
    assert page.evaluate("window.pwned") is None
    shots.ask(page, "y" * 2001)
    expect(cards(page).nth(1)).to_have_attribute("role", "alert")
    expect(cards(page).nth(1)).to_contain_text("the limit is 2,000")
    expect(page.locator("body")).not_to_contain_text("Traceback")


def test_export_as_markdown_and_start_over(page, engine):
    shots.ask(page, AHSCT)
    markdown = export_markdown(engine.answer(AHSCT))
    page.locator("#export").get_by_text("Copy the latest answer as Markdown").click()
    expect(page.locator("#export-text textarea")).to_have_value(markdown)
    with page.expect_download() as download:
        page.locator("#download").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == markdown
    page.locator("#start-over").click()
    expect(cards(page)).to_have_count(0)
    expect(page.locator("#sources")).to_contain_text("click a citation")
    expect(page.locator("#export-text textarea")).to_have_value("")
    shots.ask(page, ELIGIBLE)  # a new conversation: the follow-up context is gone
    expect(cards(page).first.locator(".understood")).to_have_count(0)


def test_nothing_is_requested_beyond_loopback(page):
    shots.ask(page, AHSCT)
    page.locator("#chat a.cite").first.click()
    hosts = {urlparse(url).hostname for url in page.requested if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, hosts


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_screenshot_script_saves_both_views(browser, server, tmp_path):
    saved = shots.take(server.url, tmp_path, browser, clinician=AHSCT, patient=ELIGIBLE)
    assert [p.name for p in saved] == ["clinician.png", "patient.png"]
    assert all(_png_size(p) == (shots.VIEWPORT["width"], shots.VIEWPORT["height"]) for p in saved)
