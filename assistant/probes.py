"""The scope probe (`evals/probes.yaml`): questions written without looking at the engine's rules, in and out of
the sources' scope, clinician and patient wording. Scored for one thing: is each question answered or declined as
it should be, overall and per category. `assistant eval` reports it as its own table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import ROOT

PROBES = ROOT / "evals" / "probes.yaml"


@dataclass
class Probe:
    id: str
    question: str
    patient_question: str
    out_of_scope: bool
    category: str

    def asked(self, mode: str) -> str:
        return self.patient_question if mode == "patient" else self.question


def load_probes(path: Path = PROBES) -> list[Probe]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Probe(str(x["id"]), x["question"], x.get("patient_question") or x["question"], bool(x["out_of_scope"]),
                  str(x.get("category", "-"))) for x in raw]


def run_probes(engine, probes: list[Probe], modes: list[str], progress=None) -> dict:
    """Per mode: the share of out-of-scope probes declined, of in-scope probes answered, per category, and the
    probes that went the wrong way."""
    out = {}
    for mode in modes:
        wrong, by_category = [], {}
        for probe in probes:
            answer = engine.answer(probe.asked(mode), mode=mode)
            right = answer.refused == probe.out_of_scope
            tally = by_category.setdefault(probe.category, [0, 0])
            tally[0] += right
            tally[1] += 1
            if not right:
                wrong.append({"id": probe.id, "question": probe.asked(mode), "out_of_scope": probe.out_of_scope,
                              "answerability": answer.answerability})
            if progress:
                progress(1)
        oos = [p for p in probes if p.out_of_scope]
        wrong_ids = {w["id"] for w in wrong}
        out[mode] = {
            "out_of_scope_refused": round(sum(p.id not in wrong_ids for p in oos) / max(1, len(oos)), 3),
            "in_scope_answered": round(sum(p.id not in wrong_ids for p in probes if not p.out_of_scope)
                                       / max(1, len(probes) - len(oos)), 3),
            "categories": {c: f"{r}/{n}" for c, (r, n) in sorted(by_category.items())},
            "wrong": wrong,
        }
    return out


def markdown(results: dict, failures: list[str]) -> list[str]:
    modes = list(results)
    lines = ["", "## Scope probe (`evals/probes.yaml`)", "", "| | " + " | ".join(modes) + " |",
             "|---|" + "---|" * len(modes),
             "| Out-of-scope declined | " + " | ".join(f"{results[m]['out_of_scope_refused']:.3f}" for m in modes) + " |",
             "| In-scope answered | " + " | ".join(f"{results[m]['in_scope_answered']:.3f}" for m in modes) + " |"]
    categories = sorted({c for m in modes for c in results[m]["categories"]})
    lines += [f"| {c} (right/all) | " + " | ".join(results[m]["categories"].get(c, "-") for m in modes) + " |"
              for c in categories]
    lines += [""] + [f"- FAIL {f}" for f in failures]
    for mode in modes:
        lines += ["", f"Wrong way ({mode}):", ""]
        lines += [f"- {w['id']} ({'out' if w['out_of_scope'] else 'in'} of scope, {w['answerability']}): {w['question']}"
                  for w in results[mode]["wrong"]] or ["- none"]
    return lines
