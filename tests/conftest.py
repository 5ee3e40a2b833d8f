"""Shared fixtures: a small corpus indexed once per session in a real embedded Chroma with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for note in (FIXTURES / "corpus").glob("*.md"):
        shutil.copy(note, folder / note.name)
    return folder


@pytest.fixture(scope="session")
def settings(tmp_path_factory, fixture_corpus) -> Settings:
    return Settings(corpus_dir=fixture_corpus, home=tmp_path_factory.mktemp("home"), chroma_url=None,
                    prompts_dir=ROOT / "prompts")


@pytest.fixture(scope="session")
def store(settings):
    from assistant.index import open_store

    return open_store(settings)


@pytest.fixture(scope="session")
def engine(settings, store):
    from assistant.answer import ExtractiveEngine

    return ExtractiveEngine(store, settings)


@pytest.fixture
def home_store(tmp_path, settings, store):
    """Its own index of the fixture corpus in a temporary home (the session's model), for tests that write."""
    from assistant.corpus import load_corpus
    from assistant.index import Store

    own = Settings(corpus_dir=settings.corpus_dir, home=tmp_path / "home", prompts_dir=settings.prompts_dir)
    index = Store(own, embeddings=store.embeddings)
    index.sync(load_corpus(own.corpus_dir))
    return own, index


def copy_checkout(target: Path) -> Path:
    """What a package is built from (pyproject, README, the code and its data), copied so the checkout stays clean."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    for name in ("assistant", "corpus", "prompts"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target
