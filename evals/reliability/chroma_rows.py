"""Watch an embedded index's rows from outside (read-only SQLite), for the crash cases of p3_crash.sh.

    $PY chroma_rows.py state HOME
        passages=N registry=M pending=K: rows of the passages collection, of the registry (one per source, plus
        the pending marks of writes begun and not finished), and those pending marks.
    $PY chroma_rows.py kill-when HOME PID WHAT MIN [--signal KILL|TERM] [--new] [--delay S] [--timeout S]
        Poll until WHAT (passages|registry|pending) reaches MIN rows (with --new: in a collection created after
        the poll began, as `index --rebuild` does), wait S seconds, send the signal to PID and print
        `killed=1 at=<state>`; `killed=0` if PID ended first; after --timeout seconds, send it anyway.
"""

import argparse
import os
import signal
import sqlite3
import sys
import time


def state(home: str, tries: int = 40) -> dict:
    """Read the row counts; retried for a while, since right after a kill the file may hold a hot journal that a
    read-only connection cannot roll back ("attempt to write a readonly database") until a writer opens it."""
    for attempt in range(tries):
        try:
            return _state(home)
        except sqlite3.OperationalError:
            if attempt == tries - 1:
                return _copied_state(home)
            time.sleep(0.25)


def _copied_state(home: str) -> dict:
    """Last resort: read a copy of the database (with its journal), so recovery happens on the copy, never on the
    index under test."""
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal", "-shm", "-journal"):
            src = f"{home}/chroma/chroma.sqlite3{suffix}"
            if os.path.exists(src):
                os.makedirs(f"{tmp}/chroma", exist_ok=True)
                shutil.copy2(src, f"{tmp}/chroma/chroma.sqlite3{suffix}")
        return _state(tmp, readonly=False)


def _state(home: str, readonly: bool = True) -> dict:
    mode = "?mode=ro" if readonly else ""
    db = sqlite3.connect(f"file:{home}/chroma/chroma.sqlite3{mode}", uri=True, timeout=5)
    try:
        rows = dict(db.execute(
            "select c.name, count(e.id) from collections c join segments s on s.collection = c.id "
            "left join embeddings e on e.segment_id = s.id group by c.name").fetchall())
        ids = {name: cid for cid, name in db.execute("select id, name from collections")}
        pending = db.execute("select count(*) from embeddings e join segments s on e.segment_id = s.id "
                             "join collections c on s.collection = c.id where c.name = 'passages_sources' "
                             "and e.embedding_id like 'pending:%'").fetchone()[0]
    finally:
        db.close()
    return {"passages": rows.get("passages", 0), "registry": rows.get("passages_sources", 0), "pending": pending,
            "id": ids.get("passages")}


def show(s: dict) -> str:
    return f"passages={s['passages']} registry={s['registry']} pending={s['pending']}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped by its parent) counts as ended
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_when(a) -> str:
    start = time.time()
    first = None
    while time.time() - start < a.timeout:
        if not alive(a.pid):
            return f"killed=0 (it ended first) at: {show(state(a.home))}"
        try:
            now = _state(a.home)  # one try: the poll itself retries, and must not lose time while rows are written
        except sqlite3.Error:
            time.sleep(0.05)
            continue
        first = first or now["id"]
        if now[a.what] >= a.min and (not a.new or now["id"] != first):
            time.sleep(a.delay)
            break
        time.sleep(0.05)
    if not alive(a.pid):
        return f"killed=0 (it ended first) at: {show(state(a.home))}"
    os.kill(a.pid, getattr(signal, f"SIG{a.signal}"))
    late = " (timeout)" if time.time() - start >= a.timeout else ""
    return f"killed=1{late} after {time.time() - start:.1f} s at: {show(state(a.home))}"


def main() -> None:
    if sys.argv[1] == "state":
        print(show(state(sys.argv[2])), end="")
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("home")
    p.add_argument("pid", type=int)
    p.add_argument("what", choices=["passages", "registry", "pending"])
    p.add_argument("min", type=int)
    p.add_argument("--signal", default="KILL", choices=["KILL", "TERM"])
    p.add_argument("--new", action="store_true")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=400.0)
    print(kill_when(p.parse_args()), end="")


if __name__ == "__main__":
    main()
