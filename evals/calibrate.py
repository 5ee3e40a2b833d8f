"""Calibrate the refusal threshold: answerability features of every gold question, in- vs out-of-scope.

    .venv/bin/python evals/calibrate.py [--gold evals/gold.yaml]

Prints each question's score and the threshold that separates the two groups with the widest margin;
`Settings.min_answerability` should sit in that gap. Read the list: a threshold is only as good as the
variety of the questions it was fitted on."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.engines import load_engine
from assistant.config import ROOT, Settings
from assistant.evaluate import load_gold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", default=str(ROOT / "evals" / "gold.yaml"))
    args = parser.parse_args()
    settings = Settings().with_overrides(min_answerability=-1.0)  # answer everything, record the score
    engine = load_engine(settings)
    rows = []
    for item in load_gold(Path(args.gold)):
        for mode in ("clinician", "patient"):
            turns = item.questions(mode)
            answer = engine.answer(turns[-1], mode=mode, history=list(turns[:-1]))
            rows.append((answer.answerability or 0.0, item.out_of_scope, mode, item.id, turns[-1],
                         answer.scope or {}))
    rows.sort()
    for score, oos, mode, iid, question, parts in rows:
        detail = " ".join(f"{k[:3]}={v:.2f}" for k, v in parts.items() if k != "score")
        print(f"{score:6.3f} {'OUT ' if oos else 'in  '} {mode[:4]} {iid:4} {detail:32} {question[:70]}")
    inside = [r[0] for r in rows if not r[1]]
    outside = [r[0] for r in rows if r[1]]
    print(f"\nin scope: min {min(inside):.3f}; out of scope: max {max(outside):.3f}")
    best = max(((a + b) / 2 for a, b in zip([r[0] for r in rows], [r[0] for r in rows[1:]])),
               key=lambda t: (sum(s >= t for s in inside) + sum(s < t for s in outside)))
    print(f"threshold with the most correct: {best:.3f} "
          f"(in-scope answered {sum(s >= best for s in inside)}/{len(inside)}, "
          f"out-of-scope refused {sum(s < best for s in outside)}/{len(outside)})")


if __name__ == "__main__":
    main()
