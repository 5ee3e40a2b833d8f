"""A progress bar on stderr for long index writes: passages stored, rate and time left (click's bar; when stderr
is not a terminal, click prints the label once and stays quiet)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click


def to_write(store, notes, rebuild: bool = False) -> int:
    """How many passages a sync of these notes will embed (the notes that are new or changed)."""
    have = {} if rebuild else store.indexed()
    return sum(len(n.passages()) for n in notes if have.get(n.source.id, {}).get("sha") != n.sha)


@contextmanager
def passages_bar(store, total: int, label: str = "Embedding passages"):
    """Show a bar while the store writes `total` passages (the store reports each batch it stores)."""
    if total <= 0:
        yield
        return
    bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True,
                            item_show_func=lambda _: rate(bar))
    with bar:
        store.on_batch = bar.update
        try:
            yield
        finally:
            store.on_batch = None


def rate(bar) -> str | None:
    """Passages embedded per second so far (None until click has timed a step)."""
    return f"{1 / bar.time_per_iteration:,.0f} passages/s" if bar.time_per_iteration else None


def file_bar(store, total: int, name: str):
    """The bar of one file `assistant ingest` writes, when it takes more than one batch of the store: a smaller
    file is embedded and stored in one step, so its bar could only jump from 0 to 100%."""
    from .index import BATCH

    return passages_bar(store, total if total > BATCH else 0, f"Embedding {name}")
