"""The evaluation in the field's formats: the ranking as a TREC run and the
relevance judgements as TREC qrels, read by trec_eval, pytrec_eval,
ir_measures and ranx (``eval --run-out FILE --qrels-out FILE``).

    run    qid Q0 docid rank score tag   the passages each question was asked for, best first
    qrels  qid 0 docid relevance         relevance 1 for every passage of the index relevant to the question

qid is the gold question's id (unique across the gold sets: g01.., s01..).
docid names a passage by where it is, ``<source>:<start>-<end>`` (character
offsets into the document, the source percent-quoted so that it holds no
white space): unlike the row number a passage has in the index, it survives
a rebuild after another document is added or removed (which renumbers the
rows), and a run written before a re-chunking or an edit of its document
names spans that no longer exist, which count as not relevant, where a row
number would name whichever passage took that row.

Two rules keep the field's tools on eval's numbers:
  ties     the tools rank by score and break ties by docid (trec_eval Z to
           A, MS MARCO's script A to Z), not by the rank column; and
           trec_eval keeps a score as a C float. So scores are written in
           single precision (the shortest text that reads back as that
           float), each one equal to or above the one before it lowered to
           the largest float32 below that one (:func:`strictly_decreasing`):
           every tool reads our order, ties by passage row as search breaks
           them, and every other score as it is, to float32 precision.
  no relevant passage
           trec_eval and its kin skip a question absent from the qrels; eval
           counts it as 0. Such a question gets every passage of the index
           judged 0: judged, none relevant, so it stays in and scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np

from qa.errors import InvalidArgument
from qa.eval.datasets import GoldQuestion
from qa.eval.metrics import QuestionResult, evidence_spans
from qa.files import atomic_write
from qa.types import Passage

TAG_PREFIX = "cica-qa"


def run_tag(mode: str) -> str:
    return f"{TAG_PREFIX}-{mode}"


def docid(passage: Passage) -> str:
    return f"{quote(passage.source, safe='/')}:{passage.start}-{passage.end}"


def run_lines(results: Sequence[QuestionResult], tag: str) -> list[str]:
    """One line per question and passage asked for, in rank order."""
    _check_ids([result.gold.id for result in results])
    lines = []
    for result in results:
        scores = strictly_decreasing([hit.score for hit in result.hits])
        for hit, score in zip(result.hits, scores, strict=True):
            lines.append(f"{result.gold.id} Q0 {docid(hit.passage)} {hit.rank} {np.float32(score)!s} {tag}")
    return lines


def qrels_lines(gold: Sequence[GoldQuestion], passages: Sequence[Passage]) -> list[str]:
    """Every relevant passage of the whole index (so nDCG's ideal is right), by
    question; every passage judged 0 for a question none is relevant to."""
    _check_ids([item.id for item in gold])
    lines = []
    for item in gold:
        relevant = evidence_spans(item, passages)
        for passage in passages:
            if passage.id in relevant or not relevant:  # none relevant: all judged, all 0
                lines.append(f"{item.id} 0 {docid(passage)} {int(passage.id in relevant)}")
    return lines


def strictly_decreasing(scores: Sequence[float]) -> list[float]:
    """``scores`` (best first) rounded to float32, each one that ties with (or
    is above) the one before it lowered to the largest float32 below that one."""
    written: list[np.float32] = []
    for score in scores:
        value = np.float32(score)
        if written and value >= written[-1]:
            value = np.nextafter(written[-1], np.float32(-np.inf))
        written.append(value)
    return [float(value) for value in written]


def write_lines(path: Path, lines: Sequence[str], what: str) -> None:
    """Write ``lines`` to ``path`` atomically, creating its folder; a path that
    cannot be written is an InvalidArgument naming it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, "".join(line + "\n" for line in lines).encode("utf-8"))
    except OSError as exc:
        raise InvalidArgument(f"cannot write {what} {path}: {exc.strerror or exc}") from exc


def _check_ids(ids: Sequence[str]) -> None:
    """Each question id must be one TREC qid: no white space, and no id twice
    (two gold sets sharing an id would merge two questions)."""
    seen: set[str] = set()
    for qid in ids:
        if qid.split() != [qid]:
            raise InvalidArgument(f"gold question id {qid!r} holds white space: not a TREC query id")
        if qid in seen:
            raise InvalidArgument(f"gold question id {qid} appears twice: the TREC files need one id per question")
        seen.add(qid)
