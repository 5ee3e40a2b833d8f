"""The HTTP API on a real server (uvicorn on loopback, the real engine and index): plain HTTP and the official
OpenAI client, streaming included."""

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

QUESTION = "What were the results of AHSCT in the fixture trial?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(settings, store):
    """The API with a bearer token and the chat page, served in a thread; its base URL."""
    import uvicorn

    from assistant.api import create_app
    from assistant.app import mount

    port = _free_port()
    app = create_app(settings, api_key="s3cret")
    app = mount(app, settings, app.state.engines["extractive"])  # `assistant serve --chat`: the page at /chat
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the API did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def call(base, path, body=None, token="s3cret"):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_answer_is_the_json_contract_with_filters(server):
    status, data = call(server, "/v1/answer", {"question": QUESTION, "mode": "patient"})
    assert status == 200 and data["mode"] == "patient" and not data["refused"]
    assert data["sections"] and data["references"] and data["disclaimer"]
    status, data = call(server, "/v1/answer", {"question": QUESTION, "kind": ["guideline"]})
    assert status == 200 and {r["kind"] for r in data["references"]} <= {"guideline"}
    status, data = call(server, "/v1/answer", {"question": "And what about deaths?", "history": [QUESTION]})
    assert status == 200 and data["standalone_question"]


@pytest.mark.parametrize("body, status, words", [
    ({"question": "   "}, 400, "empty"),
    ({"question": "x" * 2001}, 400, "limit"),
    ({"question": QUESTION, "mode": "doctor"}, 422, "mode"),
])
def test_bad_requests_get_a_clear_error(server, body, status, words):
    got, data = call(server, "/v1/answer", body)
    assert got == status and words in json.dumps(data)


def test_a_token_is_required_when_one_is_set(server):
    assert call(server, "/v1/sources", token=None)[0] == 401
    assert call(server, "/v1/sources", token="wrong")[0] == 401
    status, data = call(server, "/healthz", token=None)  # health is open, for load balancers
    assert status == 200 and data["status"] == "ok" and data["sources"] >= 4


def test_sources_list_and_one_source(server):
    status, data = call(server, "/v1/sources")
    ids = {s["id"] for s in data["sources"]}
    assert status == 200 and "trial-a" in ids
    status, one = call(server, "/v1/sources/trial-a")
    assert status == 200 and one["citation"] and one["passages"][0]["text"]
    assert call(server, "/v1/sources/nope")[0] == 404


def test_the_openai_client_gets_the_cited_answer_and_the_structured_one(server):
    from openai import NotFoundError, OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="s3cret")
    assert {m.id for m in client.models.list()} == {"assistant", "assistant-patient"}
    completion = client.chat.completions.create(model="assistant", messages=[
        {"role": "system", "content": "ignored: the assistant's role is fixed"},
        {"role": "user", "content": QUESTION}])
    content = completion.choices[0].message.content
    assert "[1]" in content and "### References" in content and "disclaimer" in content.lower()
    answer = completion.model_extra["answer"]
    assert answer["references"][0]["passages"] and answer["mode"] == "clinician"
    with pytest.raises(NotFoundError):
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": QUESTION}])


def test_the_openai_client_streams_and_follow_ups_use_the_conversation(server):
    from openai import OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="s3cret")
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "..."},
                {"role": "user", "content": "And how many patients died of the treatment?"}]
    chunks = list(client.chat.completions.create(model="assistant-patient", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and "[1]" in text and chunks[-1].choices[0].finish_reason == "stop"
    answer = chunks[-1].model_extra["answer"]
    assert answer["mode"] == "patient" and answer["standalone_question"]


def test_the_chat_page_is_served_beside_the_api_on_the_same_engine(server):
    from gradio_client import Client

    with urllib.request.urlopen(server + "/chat/", timeout=30) as page:
        assert page.status == 200 and "grounded answers" in page.read().decode().lower()
    client = Client(server + "/chat/", verbose=False, download_files=False)
    chat = client.predict(QUESTION, "clinician", api_name="/ask")[0]
    cards = [m["content"] for m in chat if m.get("role") == "assistant"]
    assert len(cards) == 1 and "[1]" in str(cards[0]) and "disclaimer" in str(cards[0]).lower()
