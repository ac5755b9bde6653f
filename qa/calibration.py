"""Calibrating "not in the corpus" at build time, for this corpus and model.

Two sets of probe questions are scored against the freshly built index:
  - off-topic probes shipped with the package (``probes/offtopic.txt``:
    general knowledge, everyday requests, other organisations, chit-chat,
    gibberish), never about the corpus;
  - in-domain probes taken from the corpus itself: its interviewer questions
    and headings, and the opening words of each passage.

The threshold sits 1.5 standard deviations above the off-topic probes'
median, and never above the 5th percentile of the in-domain probes. It is
deliberately no higher: off-topic questions about neighbouring subjects
(other organisations, facts the corpus does not state) score like real
questions, and wrongly refusing a real question costs more than showing
low-confidence passages for an odd one. Chosen on the gold set's dev split
and the probes; the result lives in the manifest, so it follows every
change of corpus or model.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np

from qa.chunking import INTRODUCTION
from qa.search import MAX_QUESTION_CHARS, Calibration, Searcher, visible_text
from qa.types import Passage

OFF_TOPIC_SPREADS = 1.5
IN_DOMAIN_QUANTILE = 0.05
PROBE_WORDS = 12
MAX_IN_DOMAIN_PROBES = 1000


def off_topic_probes() -> list[str]:
    text = resources.files("qa").joinpath("probes/offtopic.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def in_domain_probes(passages: list[Passage]) -> list[str]:
    """Interviewer questions, headings and passage openings, as searchable
    questions; at most MAX_IN_DOMAIN_PROBES of them, evenly spread over the
    sorted set, so calibrating a large corpus costs a bounded time."""
    sections = {p.section for p in passages if p.section and p.section != INTRODUCTION}
    openings = {" ".join(p.sentence_text(p.sentences[0]).split()[:PROBE_WORDS]) for p in passages if p.sentences}
    probes = sorted({visible_text(t)[:MAX_QUESTION_CHARS] for t in sections | openings} - {""})
    if len(probes) > MAX_IN_DOMAIN_PROBES:
        picks = np.linspace(0, len(probes) - 1, MAX_IN_DOMAIN_PROBES).round().astype(int)
        probes = [probes[i] for i in picks]
    return probes


def calibrate(searcher: Searcher) -> dict[str, Any]:
    """Fit the threshold and scale; return the manifest's ``calibration`` record."""
    off = searcher.raw_evidence(off_topic_probes())
    inside = searcher.raw_evidence(in_domain_probes(searcher.passages))
    spread = max(float(off.std()), 0.01)
    threshold = float(np.median(off)) + OFF_TOPIC_SPREADS * spread
    if inside.size:
        threshold = min(threshold, float(np.quantile(inside, IN_DOMAIN_QUANTILE)))
    # Half a spread per unit: a probe at the off-topic median gets ~5% confidence.
    scale = spread / 2
    calibration = Calibration(threshold, scale)
    return {
        "threshold": round(threshold, 6),
        "scale": round(scale, 6),
        "evidence": "best hybrid passage score",
        "off_topic_probes": _summary(off, calibration),
        "in_domain_probes": _summary(inside, calibration),
    }


def _summary(scores: np.ndarray, calibration: Calibration) -> dict[str, float]:
    if scores.size == 0:
        return {"count": 0}
    abstained = float(np.mean([calibration.confidence(s) < 0.5 for s in scores]))
    return {
        "count": int(scores.size),
        "median": round(float(np.median(scores)), 4),
        "min": round(float(scores.min()), 4),
        "max": round(float(scores.max()), 4),
        "abstained": round(abstained, 4),
    }
