"""Calibrating "not in the corpus" at build time, for this corpus, model and
scoring.

Two sets of probe questions are scored against the freshly built index:
  - off-topic probes shipped with the package (``qa/build/data/offtopic.txt``:
    general knowledge, everyday requests, other organisations, chit-chat,
    gibberish), never about the corpus;
  - in-domain probes taken from the corpus itself: its interviewer questions
    and headings, and the opening words of each passage.

The threshold sits 1.5 standard deviations above the off-topic probes'
median, and never above the 5th percentile of the in-domain probes. It is
deliberately no higher: off-topic questions about neighbouring subjects
(other organisations, facts the corpus does not state) score like real
questions, and wrongly refusing a real question costs more than showing
low-confidence passages for an odd one. The result, and the sha256 of the
probe set, live in the index's spec: a change of corpus, model, scoring or
probes means a new calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qa.answer.retrieval import question_evidence
from qa.build.probes import off_topic_probes
from qa.index.chunking import INTRODUCTION
from qa.index.embedding import Embedder
from qa.index.spec import Calibration, ScoringSpec
from qa.index.store import StoredIndex
from qa.inputs import MAX_QUESTION_CHARS, visible_text
from qa.types import Passage

OFF_TOPIC_SPREADS = 1.5
IN_DOMAIN_QUANTILE = 0.05
PROBE_WORDS = 12
MAX_IN_DOMAIN_PROBES = 1000


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


def fit(off_topic: np.ndarray, in_domain: np.ndarray) -> Calibration:
    """The threshold and scale from the two probe sets' evidence."""
    spread = max(float(off_topic.std()), 0.01)
    threshold = float(np.median(off_topic)) + OFF_TOPIC_SPREADS * spread
    if in_domain.size:
        threshold = min(threshold, float(np.quantile(in_domain, IN_DOMAIN_QUANTILE)))
    # Half a spread per unit: a probe at the off-topic median gets ~5% confidence.
    return Calibration(round(threshold, 6), round(spread / 2, 6))


def calibrate(index: StoredIndex, embedder: Embedder, scoring: ScoringSpec) -> tuple[Calibration, dict[str, Any]]:
    """The calibration of ``index`` scored with ``scoring``, and a summary of
    the probes for people (the manifest's ``calibration_probes``)."""
    off = question_evidence(index, embedder, scoring, off_topic_probes())
    inside = question_evidence(index, embedder, scoring, in_domain_probes(index.passages))
    calibration = fit(off, inside)
    summary = {
        "evidence": "best hybrid passage score",
        "off_topic": _summary(off, calibration),
        "in_domain": _summary(inside, calibration),
    }
    return calibration, summary


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
