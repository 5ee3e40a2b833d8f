"""The HTTP API (`assistant serve`): the answer contract as JSON, the sources, and an OpenAI-compatible chat
endpoint, so that other programs, any OpenAI client and chat UIs built on one can use the assistant.

- `POST /v1/answer`: `{question, mode, engine, history, kind, since}` -> the answer object (`ask --json`).
- `GET /v1/sources`, `GET /v1/sources/{id}`: what the index holds, with full citations and passages.
- `POST /v1/chat/completions` (streaming or not), `GET /v1/models`: the model `assistant` answers for
  clinicians, `assistant-patient` for patients. The message content is the rendered, cited answer; the
  response's extra field `answer` carries the structured answer (sections, references, passages). The
  conversation's earlier user messages are the history.
- `GET /healthz`. A bearer token is required when `ASSISTANT_API_KEY` is set. OpenAPI docs at `/docs`."""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .answer import QuestionError
from .config import Settings
from .engines import load_engine
from .index import IndexUnavailable, open_store
from .render import to_markdown
from .retrieve import where_filter

MODELS = {"assistant": "clinician", "assistant-patient": "patient"}


class AnswerRequest(BaseModel):
    question: str
    mode: Literal["clinician", "patient"] = "clinician"
    engine: Literal["extractive", "llm"] = "extractive"
    history: list[str] = Field(default_factory=list, description="the conversation's earlier questions, oldest first")
    kind: list[Literal["guideline", "research", "review", "education", "synthesis"]] = Field(default_factory=list)
    since: int | None = Field(None, description="only sources of this year or later")


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: the text ones
            return " ".join(part.get("text", "") for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens...: the answer is grounded, not sampled
    model: str = "assistant"
    messages: list[Message]
    stream: bool = False


def create_app(settings: Settings, api_key: str | None = None) -> FastAPI:
    """The API on the index of `settings` (built from the corpus if empty); the engines load once."""
    api_key = api_key if api_key is not None else os.environ.get("ASSISTANT_API_KEY") or None
    store = open_store(settings)
    engines = {"extractive": load_engine(settings, "extractive", store=store)}
    app = FastAPI(title="Grounded answers on cell therapies for systemic sclerosis", version="1",
                  description="Cited answers from a curated corpus, or an honest refusal.")
    app.state.engines = engines  # the chat page, mounted on the same server, answers with the same engine

    def authorised(request: Request) -> None:
        given = request.headers.get("authorization", "")
        if api_key and not secrets.compare_digest(given.encode(), f"Bearer {api_key}".encode()):
            raise HTTPException(401, "a bearer token is required (Authorization: Bearer $ASSISTANT_API_KEY)")

    def engine(name: str):
        if name not in engines:
            try:
                engines[name] = load_engine(settings, name, store=store)
            except (ImportError, OSError, RuntimeError) as exc:
                raise HTTPException(400, f"engine {name!r} is not available here: {exc}") from exc
        return engines[name]

    def answer(question: str, mode: str, name: str = "extractive", history=(), where=None):
        try:
            return engine(name).answer(question, mode=mode, history=list(history), where=where)
        except QuestionError as exc:
            raise HTTPException(400, str(exc)) from exc
        except IndexUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc

    @app.exception_handler(HTTPException)
    async def _error(request: Request, exc: HTTPException):  # OpenAI's error shape, which its clients read
        return JSONResponse({"error": {"message": exc.detail, "type": "invalid_request_error" if exc.status_code < 500
                                       else "server_error", "code": exc.status_code}}, status_code=exc.status_code)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "sources": len(store.loaded.sources), "engines": sorted(engines)}

    @app.post("/v1/answer", dependencies=[Depends(authorised)])
    def post_answer(body: AnswerRequest) -> dict:
        where = where_filter(kinds=body.kind or None, min_year=body.since)
        return answer(body.question, body.mode, body.engine, body.history, where).to_dict()

    @app.get("/v1/sources", dependencies=[Depends(authorised)])
    def sources() -> dict:
        loaded = store.loaded
        return {"sources": [_source(src) | {"passages": len(loaded.of_source(sid))}
                            for sid, src in sorted(loaded.sources.items())]}

    @app.get("/v1/sources/{source_id}", dependencies=[Depends(authorised)])
    def source(source_id: str) -> dict:
        loaded = store.loaded
        if source_id not in loaded.sources:
            raise HTTPException(404, f"no source {source_id!r} in the index; see GET /v1/sources")
        return _source(loaded.sources[source_id]) | {"passages": [
            {"id": p.id, "section": p.section, "audience": p.audience, "text": p.text}
            for p in loaded.of_source(source_id)]}

    @app.get("/v1/models", dependencies=[Depends(authorised)])
    def models() -> dict:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "assistant"}
                                           for name in MODELS]}

    @app.post("/v1/chat/completions", dependencies=[Depends(authorised)])
    def chat(body: ChatRequest):
        if body.model not in MODELS:
            raise HTTPException(404, f"no model {body.model!r}; available: {', '.join(MODELS)}")
        asked = [m.text for m in body.messages if m.role == "user" and m.text.strip()]
        if not asked:
            raise HTTPException(400, "no user message: the last user message is the question")
        result = answer(asked[-1], MODELS[body.model], history=asked[:-1])
        completion = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
        text = to_markdown(result)
        if not body.stream:
            return completion | {"object": "chat.completion", "answer": result.to_dict(), "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
        return StreamingResponse(_chunks(completion, text, result.to_dict()), media_type="text/event-stream")

    return app


def _source(src) -> dict:
    return {"id": src.id, "title": src.title, "kind": src.kind, "year": src.year, "citation": src.citation,
            "evidence": src.evidence, "verified": src.verified, "flags": list(src.flags)}


def _chunks(completion: dict, text: str, answer: dict):
    """Server-sent events as OpenAI streams them: the role, the content line by line, the end with the
    structured answer, then [DONE]."""
    def event(delta: dict, finish: str | None = None, **extra) -> str:
        chunk = completion | {"object": "chat.completion.chunk", **extra,
                              "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(chunk)}\n\n"

    yield event({"role": "assistant", "content": ""})
    for line in text.splitlines(keepends=True):
        yield event({"content": line})
    yield event({}, "stop", answer=answer)
    yield "data: [DONE]\n\n"
