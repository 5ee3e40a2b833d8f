"""The index manifest: what built an index (format version, embedding model, dimension, our version).

Kept in the passages collection's metadata (so a Chroma server carries it too) and checked whenever the
index is opened for reading or writing: a question embedded by another model than the passages were would
be answered silently with shifted scores, so it is refused with the setting or the command that fixes it."""

from __future__ import annotations

from . import __version__
from .embeddings import kind_of, model_id
from .errors import IndexUnavailable

FORMAT = 1


def make(embeddings) -> dict:
    dimension = getattr(embeddings, "dimension", None) or len(embeddings.embed_query("dimension"))
    return {"assistant_format": FORMAT, "embeddings": model_id(embeddings), "dimension": dimension,
            "created_by": f"assistant {__version__}"}


def check(collection, embeddings) -> None:
    """Stamp an empty or unstamped index with this run's manifest; refuse one built differently."""
    found = collection.metadata or {}
    if "embeddings" not in found:  # new, or built before manifests (then by the only model there was)
        collection.modify(metadata=make(embeddings))
        return
    if found.get("assistant_format", FORMAT) > FORMAT:
        raise IndexUnavailable(f"the index was made by a newer version ({found.get('created_by')}, format "
                               f"{found['assistant_format']}); upgrade, or run `assistant index --rebuild`")
    ours, theirs = model_id(embeddings), found["embeddings"]
    if theirs != ours:
        kind = kind_of(theirs)
        use = f"set ASSISTANT_EMBEDDINGS={kind}" if kind else f"query it with the {theirs} embeddings"
        raise IndexUnavailable(f"the index was built with the {theirs} embeddings and this run uses {ours}: "
                               f"{use}, or run `assistant index --rebuild` to embed everything again with these")
