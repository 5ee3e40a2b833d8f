"""Thumbs up/down on answers, with an optional comment, in a local SQLite file (`home/feedback.sqlite3`).

One row per answer and session: voting again changes the rating, withdrawing the vote deletes the row.
Each row keeps the question, the mode, the answer as shown (Markdown) and the answer object (JSON), so
evaluators can review real use with `assistant feedback export`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

MAX_COMMENT_CHARS = 2000
FILE_NAME = "feedback.sqlite3"
COLUMNS = ("id", "created", "updated", "session", "turn", "rating", "comment", "question", "mode", "refused",
           "answer", "answer_json")
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    session TEXT NOT NULL,
    turn INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT,
    question TEXT NOT NULL,
    mode TEXT NOT NULL,
    refused INTEGER NOT NULL,
    answer TEXT NOT NULL,
    answer_json TEXT,
    UNIQUE (session, turn)
)"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def in_home(cls, home: Path) -> "FeedbackStore":
        return cls(Path(home) / FILE_NAME)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute(SCHEMA)
        return conn

    def vote(self, *, session: str, turn: int, rating: str, question: str, mode: str, answer: str,
             answer_json: dict | None = None, refused: bool = False) -> int:
        """Record (or change) the rating of one answer; returns the row id."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        now, payload = _now(), json.dumps(answer_json, ensure_ascii=False) if answer_json is not None else None
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO feedback (created, updated, session, turn, rating, question, mode, refused, answer, "
                "answer_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session, turn) DO UPDATE SET "
                "rating = excluded.rating, updated = excluded.updated",
                (now, now, session, turn, rating, question, mode, int(refused), answer, payload))
            return conn.execute("SELECT id FROM feedback WHERE session = ? AND turn = ?", (session, turn)).fetchone()[0]

    def withdraw(self, session: str, turn: int) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM feedback WHERE session = ? AND turn = ?", (session, turn))

    def comment(self, row_id: int, text: str) -> bool:
        """Attach a comment (trimmed, at most MAX_COMMENT_CHARS) to a rating; False if the row is gone."""
        with closing(self._connect()) as conn, conn:
            cur = conn.execute("UPDATE feedback SET comment = ?, updated = ? WHERE id = ?",
                               ((text or "").strip()[:MAX_COMMENT_CHARS] or None, _now(), row_id))
            return cur.rowcount == 1

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            found = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()
        return [{**dict(r), "refused": bool(r["refused"])} for r in found]

    def export(self, fmt: str = "jsonl") -> str:
        """Every row as JSON Lines (the answer object nested) or CSV (the answer object as a JSON string)."""
        rows = self.rows()
        if fmt == "jsonl":
            return "".join(json.dumps({**r, "answer_json": json.loads(r["answer_json"]) if r["answer_json"] else None},
                                      ensure_ascii=False) + "\n" for r in rows)
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({k: _cell(v) for k, v in r.items()} for r in rows)
            return out.getvalue()
        raise ValueError(f"format must be jsonl or csv, not {fmt!r}")


def _cell(value):
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage return) is a formula
    there, so it gets a leading apostrophe (OWASP's advice against CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
