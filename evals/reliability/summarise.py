"""Small read-outs of `assistant` output for the p*.sh scripts (the review's passing cases), one field=value each.

    $PY summarise.py batch FILE [FIRST LAST]   # JSON Lines (or one JSON answer): lines, error records, cited answers
    $PY summarise.py errline FILE              # the error record of a --batch output: its line, question length
    $PY summarise.py markup FILE               # 1 if an answer's sentences hold raw markup
    $PY summarise.py obeyed FILE               # what an obeyed injection would put in an answer (sections only)
    $PY summarise.py cites FILE                # the source ids each answer cites, in order (answers split by /)
    $PY summarise.py files FILE NAME...        # what an `ingest` output says about each file: NAME=status[reason]
"""

import json
import re
import sys


def rows(path: str) -> list[dict]:
    text = open(path, encoding="utf-8").read()
    try:
        return [json.loads(text)]  # one `ask --json` answer (indented)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def batch(path: str, first: int = 1, last: int = 10**9) -> str:
    """Lines, error records, answers whose every sentence is cited, refusals (of lines FIRST..LAST, 1-based)."""
    got = rows(path)[first - 1:last]
    answers = [r for r in got if "error" not in r]
    cited = [r for r in answers if not r["refused"] and r["references"] and r["sections"]
             and all(s["citations"] for sec in r["sections"] for s in sec["sentences"])]
    return (f"lines={len(got)} errors={len(got) - len(answers)} answered_cited={len(cited)} "
            f"refused={sum(bool(r['refused']) for r in answers)}")


def errline(path: str) -> str:
    errors = [r for r in rows(path) if "error" in r]
    if not errors:
        return "err_records=0"
    e = errors[0]
    return (f"err_records={len(errors)} err_line={e.get('line')} err_question_len={len(e.get('question', ''))} "
            f"err_says_length={int('10,485,760 characters long' in e['error'])}")


def sections(path: str) -> str:
    return " ".join(json.dumps(r.get("sections", [])) for r in rows(path))


def files(path: str, names: list[str]) -> list[str]:
    """Each file's status line in an `ingest` output (added/updated/unchanged/failed), with the reason of a failure."""
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    out = []
    for name in names:
        line = next((l for l in lines if re.match(r"(added|updated|unchanged|failed)\s", l)
                     and re.search(r"/" + re.escape(name) + r"(:| ->|$)", l)), "")
        status = line.split()[0] if line else "none"
        reason = line.split(": ", 1)[1][:60] if status == "failed" and ": " in line else line.rsplit("-> ", 1)[-1]
        out.append(f"{name}={status}[{reason if line else ''}]")
    return out


def main() -> None:
    what, path, *rest = sys.argv[1:]
    if what == "batch":
        print(batch(path, *map(int, rest)), end="")
    elif what == "errline":
        print(errline(path), end="")
    elif what == "markup":
        print(int(bool(re.search(r"<script|<img|onerror=", sections(path)))), end="")
    elif what == "obeyed":
        print(len(re.findall(r"arr+!|matey|100% safe|AHSCT cures|You are (?:an|a) ", sections(path), re.I)), end="")
    elif what == "cites":
        print("/".join(",".join(r["source_id"] for r in j.get("references", [])) for j in rows(path)), end="")
    elif what == "files":
        print(" ".join(files(path, rest)), end="")


if __name__ == "__main__":
    main()
