"""The chat page: a Gradio ChatInterface over the answer engine."""

from __future__ import annotations

import gradio as gr

from .answer import QuestionError, load_engine
from .config import Settings
from .render import to_markdown

EXAMPLES = [
    "What is the role of autologous HSCT in systemic sclerosis?",
    "What were the main results of the SCOT trial?",
    "Is CAR-T cell therapy being studied in scleroderma?",
]


def build_app(settings: Settings, engine=None) -> gr.Blocks:
    engine = engine or load_engine(settings)

    def respond(message: str, history: list, mode: str):
        asked = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        try:
            return to_markdown(engine.answer(message, mode=mode, history=asked))
        except QuestionError as exc:
            return f"**{exc}**"
        except Exception:  # the page never shows a traceback
            return "**Something went wrong while answering. Please try again.**"

    mode = gr.Radio(["clinician", "patient"], value="clinician", label="Which best describes you?")
    return gr.ChatInterface(respond, additional_inputs=[mode], examples=[[e, "clinician"] for e in EXAMPLES],
                            title="Cell therapies for systemic sclerosis: grounded answers", fill_height=True)
