"""The chat page: Gradio Blocks over the answer engine, for clinicians and patients.

`ChatPage` holds what happens in a session (asking, streaming the card, then suggestions, feedback) on a
per-session state dict, without Gradio components, so it can be tested directly; `build_app` lays out the
page and wires the events; `launch` serves it (queue with a concurrency limit, no analytics, no footer links).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

# Gradio summarises its queue's events (a pandas table of up to 10,000 of them) after every event by default, a
# cost that grows with the events served; the summary (its monitoring page, which we do not serve) is refreshed
# every 1,000 events instead.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

import gradio as gr  # noqa: E402

from .answer import QuestionError, check_question
from .engines import load_engine
from .audience import prompt_text
from .cards import CSS, card_html, error_html, export_markdown, question_html, sources_html
from .config import MAX_QUESTION_CHARS, Settings
from .feedback import FeedbackStore
from .render import to_markdown
from .schema import Answer
from .suggest import follow_ups, starters

log = logging.getLogger(__name__)

TITLE = "Cell therapies for systemic sclerosis: grounded answers"
CONCURRENCY = 4  # answers computed at once; further requests wait in the queue
STREAM_DELAY = 0.04  # seconds between sentences while a card streams in
SUGGESTION_BUDGET = 6  # suggested follow-ups newly checked against the engine per turn (one when others wait)
SUGGESTION_PATIENCE = 3.0  # seconds a turn's suggestions may wait in their queue before they are skipped
MODES = [("Clinician", "clinician"), ("Patient", "patient")]
MODE_INFO = ("Clinician: guideline and research wording, professional disclaimer. "
             "Patient: plain words, patient disclaimer. Applies to the next answers.")
PENDING = '<div class="card"><p class="streaming" aria-busy="true">…</p></div>'


@dataclass
class Turn:
    question: str
    mode: str
    answer: Answer | None = None
    error: str | None = None
    suggestions: list[str] = field(default_factory=list)
    answered_at: float = 0.0  # time.monotonic() when the card was complete


def new_state() -> dict:
    """One session: its turns, the feedback row of each rated turn, the row awaiting a comment."""
    return {"session": uuid.uuid4().hex, "turns": [], "rated": {}, "pending": None}


class ChatPage:
    def __init__(self, engine, feedback: FeedbackStore, stream_delay: float = STREAM_DELAY,
                 export_dir: Path | None = None):
        self.engine, self.feedback, self.stream_delay = engine, feedback, stream_delay
        self.busy = 0  # turns in progress across sessions: the card streams in with a delay only when alone
        self._lock = threading.Lock()
        self.export_dir = Path(export_dir or tempfile.mkdtemp(prefix="assistant-export-"))
        if export_dir is None:  # our own temporary folder: gone with the process
            atexit.register(shutil.rmtree, self.export_dir, True)

    # -- asking --------------------------------------------------------------------------------
    def ask(self, question: str, mode: str, state: dict | None):
        """Yield (state, shown) as the turn progresses: shown is the number of sentences of the last card
        to show while it streams in, None once it is complete."""
        state = state or new_state()
        if not (question or "").strip():
            yield state, None
            return
        history = [t.question for t in state["turns"] if t.error is None]
        text = question.strip()
        if len(text) > MAX_QUESTION_CHARS:  # refused before it enters the session: only its start is kept
            try:
                check_question(text)
            except QuestionError as exc:
                state["turns"].append(Turn(text[:200] + "…", mode, error=str(exc)))
            yield state, None
            return
        turn = Turn(text, mode)
        state["turns"].append(turn)
        yield state, 0
        with self._lock:
            self.busy += 1
        try:
            yield from self._answer(turn, mode, history, state)
        finally:
            with self._lock:
                self.busy -= 1

    def _answer(self, turn: Turn, mode: str, history: list[str], state: dict):
        try:
            turn.answer = self.engine.answer(turn.question, mode=mode, history=history)
        except QuestionError as exc:
            turn.error = str(exc)
        except Exception:  # the page never shows a traceback
            log.exception("answering failed")
            turn.error = "error"
        if turn.answer is not None and not turn.answer.refused and self.busy <= 1:  # others waiting: no delay
            for shown in range(1, len(turn.answer.sentences)):
                yield state, shown
                time.sleep(self.stream_delay)
        turn.answered_at = time.monotonic()
        yield state, None

    def suggest(self, state: dict | None) -> dict:
        """Suggested follow-ups for the last turn, checked against the engine (fewer when answers are being
        computed for others): a step of its own, run after the card is shown and never in an answer's way."""
        state = state or new_state()
        turns = [t for t in state["turns"] if t.error is None]
        turn = turns[-1] if turns else None
        if turn is None or turn.answer is None or turn.suggestions:
            return state
        if time.monotonic() - turn.answered_at > SUGGESTION_PATIENCE:  # it waited its turn too long: the page
            return state  # is busy, and the reader has moved on; none rather than late ones that slow the rest
        try:
            budget = SUGGESTION_BUDGET if self.busy == 0 else 1  # those checked before are free
            history = [t.question for t in turns[:-1]]
            turn.suggestions = follow_ups(self.engine, turn.answer, [*history, turn.question], budget=budget)
        except Exception:
            log.exception("suggestions failed")
        return state

    # -- what the page shows -------------------------------------------------------------------
    @staticmethod
    def messages(state: dict | None, shown: int | None = None) -> list[dict]:
        turns = (state or {}).get("turns", [])
        out = []
        for number, turn in enumerate(turns, 1):
            last = number == len(turns)
            if turn.error:
                card = error_html() if turn.error == "error" else error_html(turn.error)
            elif turn.answer is None:
                card = PENDING
            else:
                card = card_html(turn.answer, number, shown if last else None)
            reply = {"role": "assistant", "content": card}
            if last and shown is None and turn.suggestions:
                reply["options"] = [{"label": q, "value": q} for q in turn.suggestions]
            out += [{"role": "user", "content": question_html(turn.question)}, reply]
        return out

    @staticmethod
    def answered(state: dict | None) -> list[tuple[int, Answer]]:
        return [(n, t.answer) for n, t in enumerate((state or {}).get("turns", []), 1) if t.answer is not None]

    def sources(self, state: dict | None) -> str:
        return sources_html(self.answered(state))

    def export(self, state: dict | None) -> tuple[str, str | None]:
        """The latest answer as Markdown, and a file of it to download."""
        done = [(n, a) for n, a in self.answered(state) if not a.refused]
        if not done:
            return "", None
        number, answer = done[-1]
        text = export_markdown(answer)
        folder = self.export_dir / state["session"]
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("answer-*.md"):  # one file per session: the latest answer
            old.unlink(missing_ok=True)
        path = folder / f"answer-{number}.md"
        path.write_text(text, encoding="utf-8")
        return text, str(path)

    # -- feedback ------------------------------------------------------------------------------
    def vote(self, state: dict | None, index, liked) -> tuple[dict, bool]:
        """A thumb on the assistant message at `index`; returns the state and whether to ask for a comment."""
        state = state or new_state()
        number = (index[0] if isinstance(index, (list, tuple)) else int(index)) // 2 + 1
        if not 1 <= number <= len(state["turns"]):
            return state, False
        turn = state["turns"][number - 1]
        if liked is None or liked == "":
            self.feedback.withdraw(state["session"], number)
            state["rated"].pop(number, None)
            state["pending"] = None
            return state, False
        answer = turn.answer
        shown = to_markdown(answer) if answer else (turn.error or "")
        row = self.feedback.vote(session=state["session"], turn=number, rating="up" if liked is True else "down",
                                 question=turn.question, mode=turn.mode, answer=shown,
                                 answer_json=answer.to_dict() if answer else None,
                                 refused=bool(answer and answer.refused))
        state["rated"][number] = state["pending"] = row
        return state, True

    def comment(self, state: dict | None, text: str) -> tuple[dict, bool]:
        """Attach the comment to the last rating; True when it was saved."""
        state = state or new_state()
        row, state["pending"] = state.get("pending"), None
        return state, bool(row and (text or "").strip() and self.feedback.comment(row, text))


def build_app(settings: Settings, engine=None, feedback: FeedbackStore | None = None,
              stream_delay: float = STREAM_DELAY) -> gr.Blocks:
    engine = engine or load_engine(settings)
    page = ChatPage(engine, feedback or FeedbackStore.in_home(settings.home), stream_delay)
    examples = [{"text": q} for q in starters(engine)]
    scope = prompt_text(settings.prompts_dir, "scope_clinician")

    # delete_cache: exported answers older than a day leave Gradio's cache (checked hourly, and at shutdown)
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as demo:
        state = gr.State(None)
        gr.Markdown(f"# {TITLE}\nAnswers come only from a curated set of guidelines and studies, with every "
                    "sentence cited. When the sources do not cover a question, the assistant says so.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                mode = gr.Radio(MODES, value="clinician", label="Which best describes you?", info=MODE_INFO,
                                elem_id="mode")
                chatbot = gr.Chatbot(elem_id="chat", height="64vh", min_height=420, label="Conversation", buttons=[],
                                     placeholder=f"**Ask a question.** {scope}", examples=examples or None,
                                     latex_delimiters=[], feedback_options=("Like", "Dislike"))
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Type a question, e.g. about eligibility or risks",
                                     elem_id="question", scale=5, lines=1, max_lines=6)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Group(visible=False, elem_id="feedback") as feedback_box:
                    comment = gr.Textbox(label="Thanks for rating this answer. Add a comment (optional)",
                                         placeholder="What was good, wrong or missing?", lines=2, elem_id="comment")
                    save_comment = gr.Button("Send comment", size="sm", elem_id="send-comment")
                note = gr.Markdown("", elem_id="feedback-note")
                with gr.Row():
                    restart = gr.Button("Start over", variant="secondary", elem_id="start-over")
                    download = gr.DownloadButton("Download the answer (.md)", value=None, elem_id="download",
                                                 interactive=False)
                with gr.Accordion("Copy the latest answer as Markdown", open=False, elem_id="export"):
                    export = gr.Textbox(show_label=False, lines=8, max_lines=24, buttons=["copy"],
                                        interactive=False, elem_id="export-text")
            with gr.Column(scale=2, elem_id="sources-panel"):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html([]), elem_id="sources")

        def view(st, shown=None):
            if shown is not None:  # streaming: only the conversation changes
                return {chatbot: page.messages(st, shown), state: st}
            text, path = page.export(st)
            return {chatbot: page.messages(st), state: st, sources: page.sources(st), export: text,
                    download: gr.update(value=path, interactive=path is not None)}

        def locked(busy: bool) -> dict:
            """The question box and the Ask button are locked while a turn is in progress."""
            box_update = gr.update(value="", interactive=False) if busy else gr.update(interactive=True)
            return {box: box_update, send: gr.update(interactive=not busy)}

        def ask(question, chosen_mode, st):
            st = st or new_state()
            for st, shown in page.ask(question, chosen_mode, st):
                yield {**view(st, shown), **locked(True)}
            yield {**view(st), **locked(False)}

        def ask_selected(chosen_mode, st, evt: gr.SelectData):
            value = evt.value.get("text", "") if isinstance(evt.value, dict) else evt.value
            yield from ask(value, chosen_mode, st)

        def suggest(st):
            st = page.suggest(st)
            return {chatbot: page.messages(st), state: st}

        outputs = [chatbot, state, sources, export, download, box, send]
        # suggestions: a second event in a queue of their own (one at a time), so answers never wait for them
        later = {"fn": suggest, "inputs": [state], "outputs": [chatbot, state], "concurrency_id": "suggest",
                 "concurrency_limit": 1}
        box.submit(ask, [box, mode, state], outputs, api_name="ask").then(**later, api_name="suggest")
        send.click(ask, [box, mode, state], outputs, api_visibility="private").then(**later, api_visibility="private")
        chatbot.example_select(ask_selected, [mode, state], outputs, api_visibility="private").then(
            **later, api_visibility="private")
        chatbot.option_select(ask_selected, [mode, state], outputs, api_visibility="private").then(
            **later, api_visibility="private")

        def on_like(st, evt: gr.LikeData):
            st, ask_comment = page.vote(st, evt.index, evt.liked)
            return st, gr.update(visible=ask_comment), "", ""

        def on_comment(st, text):
            st, saved = page.comment(st, text)
            return st, gr.update(visible=False), "", "Thank you, your comment was saved." if saved else ""

        chatbot.like(on_like, [state], [state, feedback_box, comment, note], api_visibility="private")
        for trigger in (save_comment.click, comment.submit):
            trigger(on_comment, [state, comment], [state, feedback_box, comment, note], api_visibility="private")

        def start_over():
            return {**view(new_state()), **locked(False), box: gr.update(value="", interactive=True),
                    feedback_box: gr.update(visible=False), note: ""}

        restart.click(start_over, None, [*outputs, feedback_box, note], api_visibility="private")
        chatbot.clear(start_over, None, [*outputs, feedback_box, note], api_visibility="private")
    return demo


def mount(api, settings: Settings, engine, path: str = "/chat", auth: tuple[str, str] | None = None):
    """The chat page on another FastAPI app (the HTTP API's): one process, one engine, queued as `launch` does."""
    demo = build_app(settings, engine=engine)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=256)
    return gr.mount_gradio_app(api, demo, path=path, auth=auth, footer_links=[], run_history=False, show_error=False,
                               enable_monitoring=False, mcp_server=False, pwa=False, ssr_mode=False,
                               theme=gr.themes.Default(), css=CSS)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           block: bool = True, concurrency: int = CONCURRENCY) -> str:
    """Serve the page (port 0: any free port): queued, no analytics, no share link, no run history, no footer
    links, nothing fetched from the internet. Returns the local URL once serving, unless `block`."""
    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    if block and threading.current_thread() is threading.main_thread():
        # `kill` or `docker stop` (SIGTERM) stops the page as Ctrl-C does: the server closes and the process ends
        # normally, so the clean-up registered with atexit runs (the exported answers' temporary folder)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    demo.launch(server_name=host, server_port=port or free_port(host), auth=auth, share=False,
                prevent_thread_lock=not block, show_error=False, quiet=True, footer_links=[], run_history=False,
                enable_monitoring=False, mcp_server=False, pwa=False, ssr_mode=False, theme=gr.themes.Default(),
                css=CSS)
    return demo.local_url
