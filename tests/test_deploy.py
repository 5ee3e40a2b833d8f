"""The deployment files (Dockerfile, compose.yaml): no container engine runs on this machine (only the docker
client is installed), so the image is not built here; this checks that the files agree with the package."""

from __future__ import annotations

import re

import yaml

from assistant.cli import cli
from assistant.config import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_image_installs_the_package_without_torch_and_runs_as_a_user():
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.M)
    for folder in ("assistant", "corpus", "prompts"):  # what the wheel packs as data
        assert re.search(rf"^COPY {folder} \./{folder}$", DOCKERFILE, re.M), folder
    assert re.search(r"pip install \.( |$)", DOCKERFILE, re.M) and not re.search(r"pip install[^\n]*torch", DOCKERFILE)
    assert "HF_HUB_OFFLINE=1" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    exposed = {int(p) for line in re.findall(r"^EXPOSE (.+)$", DOCKERFILE, re.M) for p in line.split()}
    assert exposed == {7860, 8000}


def test_compose_runs_our_commands_against_its_chroma_server():
    services = COMPOSE["services"]
    assert set(services) == {"chroma", "index", "chat", "api"}
    chroma = services["chroma"]["command"]
    assert chroma[:2] == ["chroma", "run"] and chroma[chroma.index("--host") + 1] == "0.0.0.0"
    port = chroma[chroma.index("--port") + 1]
    for name in ("index", "chat", "api"):
        service = services[name]
        command = service["command"]
        assert command[0] == "assistant" and command[1] in cli.commands, command  # a verb the CLI has
        assert service["environment"]["ASSISTANT_CHROMA_URL"] == f"http://chroma:{port}"
        assert service["image"] == services["chroma"]["image"]
    for name, secret in (("chat", "ASSISTANT_AUTH"), ("api", "ASSISTANT_API_KEY")):
        service = services[name]
        assert "${" + secret + ":?" in service["environment"][secret]  # refuses to start without a login/token
        published = [p.split(":") for p in service["ports"]]
        assert all(host == "127.0.0.1" for host, _, _ in published)  # loopback on the host
        command = service["command"]
        assert [p for _, _, p in published] == [command[command.index("--port") + 1]]
    assert services["chat"]["depends_on"]["index"]["condition"] == "service_completed_successfully"
    assert set(COMPOSE["volumes"]) == {"chroma-data", "assistant-data"}
