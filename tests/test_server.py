"""Server mode: the same index, retrieval and answers against a real `chroma run` on loopback."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.answer import ExtractiveEngine
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.index import Store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if chroma is None:
        pytest.skip("the `chroma` command of the chromadb package is not installed")
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not answer its heartbeat within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_index_and_answer_through_a_chroma_server(chroma_url, settings, store):
    own = Settings(corpus_dir=settings.corpus_dir, home=settings.home, chroma_url=chroma_url,
                   prompts_dir=settings.prompts_dir, collection="server_test")
    remote = Store(own, embeddings=store.embeddings)
    report = remote.sync(load_corpus(own.corpus_dir))
    assert sorted(report.added) == ["guideline-b", "mesenchymal-c", "talk-d", "trial-a"]
    assert remote.sync(load_corpus(own.corpus_dir)).unchanged == 4
    answer = ExtractiveEngine(remote, own).answer("What was treatment-related mortality with AHSCT in the fixture trial?")
    assert not answer.refused and answer.references[0].source_id == "trial-a"
    assert remote.remove("talk-d") > 0
    assert "talk-d" not in Store(own, embeddings=store.embeddings).loaded.sources
