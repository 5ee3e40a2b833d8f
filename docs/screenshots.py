"""Screenshots of the chat page for the README: docs/clinician.png and docs/patient.png.

Serves the chat on a free loopback port (the real corpus and index, as `assistant chat` does), asks one
question as a clinician (and opens its first source) and one as a patient, in headless Debian Chromium,
and saves the two views:

    .venv/bin/python docs/screenshots.py [--out docs] [--home DIR] [--corpus DIR]

The browser helpers below are shared with the end-to-end tests (tests/test_ui.py).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1360, "height": 1100}
CLINICIAN_QUESTION = "What is the role of autologous HSCT in systemic sclerosis?"
PATIENT_QUESTION = "Could a stem cell transplant help my scleroderma, and what are the risks?"

# n complete cards in the chat, none streaming, and the question box unlocked: the turn is over.
_SETTLED = """n => {
  const box = document.querySelector('#question textarea');
  return document.querySelectorAll('#chat .card').length >= n && !document.querySelector('#chat .streaming')
    && box !== null && !box.disabled;
}"""


def open_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)


def settled(page, answers: int, timeout: float = 60_000) -> None:
    """Wait until the chat shows `answers` finished answers and accepts a new question."""
    page.wait_for_function(_SETTLED, arg=answers, timeout=timeout)


def ask(page, question: str) -> None:
    """Type a question, send it and wait for the whole turn (answer, then suggestions)."""
    expected = page.locator("#chat .card").count() + 1
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    settled(page, expected)


def choose_mode(page, label: str) -> None:
    page.locator("#mode label", has_text=label).click()


_FRAME = """() => {
  for (const el of [document.scrollingElement, document.querySelector('.gradio-container')]) if (el) el.scrollTop = 0;
  const asked = [...document.querySelectorAll('#chat .question')].pop();
  let wrap = asked.parentElement;
  while (wrap && wrap.scrollHeight <= wrap.clientHeight) wrap = wrap.parentElement;
  if (wrap) wrap.scrollTop += asked.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
}"""


def show_last_answer(page) -> None:
    """Frame the page for a screenshot: the top of the page, the chat scrolled to the last question. Applied
    twice, because the chat's autoscroll may pull it back to the bottom once."""
    page.mouse.move(0, 0)  # no hover styles in the picture
    for _ in range(2):
        page.evaluate(_FRAME)
        page.wait_for_timeout(300)
    page.evaluate(_FRAME)


def take(url: str, out_dir: Path, browser, clinician: str = CLINICIAN_QUESTION,
         patient: str = PATIENT_QUESTION) -> list[Path]:
    """Save clinician.png (an answer with its first source opened) and patient.png into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, mode, question in (("clinician", "Clinician", clinician), ("patient", "Patient", patient)):
        page = browser.new_page(viewport=VIEWPORT)
        try:
            page.goto(url)
            page.wait_for_selector("#chat")
            choose_mode(page, mode)
            ask(page, question)
            if name == "clinician":
                page.locator("#chat a.cite").first.click()
            show_last_answer(page)
            page.screenshot(path=str(out_dir / f"{name}.png"))
            saved.append(out_dir / f"{name}.png")
        finally:
            page.close()
    return saved


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from assistant.app import build_app, launch
    from assistant.config import Settings
    from assistant.feedback import FeedbackStore

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--home", type=Path, help="index folder [ASSISTANT_HOME, .assistant/]")
    parser.add_argument("--corpus", type=Path, help="corpus folder [ASSISTANT_CORPUS, corpus/]")
    args = parser.parse_args(argv)
    settings = Settings().with_overrides(home=args.home, corpus_dir=args.corpus)
    scratch = FeedbackStore(Path(tempfile.mkdtemp()) / "feedback.sqlite3")  # leave real feedback alone
    demo = build_app(settings, feedback=scratch)
    url = launch(demo, port=0, block=False)
    try:
        with sync_playwright() as playwright:
            browser = open_browser(playwright)
            for path in take(url, args.out, browser):
                print(path)
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
