"""Training examples for the verifier and the reader's decision.

From each writer's questions (``data/verifier-*.jsonl``): the sentences the
writer labelled (1: states the answer; 0: a trap, with its kind), and the
candidates the reader would weigh for the question (the best few passing
sentences of the top passages and their interviewer questions), labelled by
the question's evidence: a candidate overlapping an evidence string answers,
every candidate of a question the interview does not answer does not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.answer.reader import Candidate, gather
from qa.answer.search import Searcher
from qa.answer.verify import Check, verify

DATA = Path(__file__).resolve().parent / "data"
POOL = 4  # passing passage sentences per question, by the answer-sentence model


@dataclass(frozen=True)
class Question:
    id: str
    writer: str
    question: str
    kind: str  # answerable, absent, offtopic
    evidence: tuple[str, ...]
    labels: tuple[tuple[str, int], ...]  # (sentence text, label) as the writer gave them


@dataclass(frozen=True)
class Pair:
    """(question, sentence, the interviewer's question it answers) and whether it states the answer."""

    question_id: str
    writer: str
    question: str
    sentence: str
    section: str
    label: int


def writer_files(data: Path = DATA) -> list[Path]:
    return sorted(data.glob("verifier-*.jsonl"))


def load_questions(paths: Iterable[Path]) -> list[Question]:
    questions = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            labels = tuple((label["sentence"], int(label["label"])) for label in r.get("labels", []))
            questions.append(
                Question(r["id"], r["writer"], r["question"], r["kind"], tuple(r.get("evidence") or ()), labels)
            )
    return questions


def pool(searcher: Searcher, question: str, limit: int | None = POOL) -> list[tuple[Candidate, Check]]:
    """The candidates the reader's verifier may see for ``question``: those
    that pass the checks (the best ``limit`` of the passages' sentences)."""
    trace = searcher.trace(question)
    if trace.candidates is None:
        return []
    candidates = gather(searcher.index, trace.candidates, trace.hits, searcher.spec.scoring.answer_from_top)
    checked = [(c, verify(question, c.text, c.context, searcher.lexicon)) for c in candidates]
    passing = [(c, k) for c, k in checked if k.passes]
    sentences = sorted((x for x in passing if not x[0].in_section), key=lambda x: -x[0].model)[:limit]
    return sentences + [x for x in passing if x[0].in_section]


def pairs_for(searcher: Searcher, questions: Sequence[Question]) -> list[Pair]:
    """The writers' labelled sentences and the reader's pool for each question, once each."""
    sections = _sections(searcher)
    out = []
    for q in questions:
        spans = evidence_spans(searcher, q.evidence) if q.kind == "answerable" else set()
        seen = set()
        for candidate, _ in pool(searcher, q.question):
            label = int(any(s < candidate.end and candidate.start < e for s, e in spans))
            out.append(Pair(q.id, q.writer, q.question, candidate.text, candidate.section, label))
            seen.add(candidate.text)
        for text, label in q.labels:
            if text not in seen:
                out.append(Pair(q.id, q.writer, q.question, text, sections.get(text, ""), label))
                seen.add(text)
    return out


def evidence_spans(searcher: Searcher, evidence: Sequence[str]) -> set[tuple[int, int]]:
    """Where each evidence string stands in the corpus (a passage or an interviewer's question)."""
    spans = set()
    texts = [(p.start, p.text) for p in searcher.passages]
    texts += sorted({(p.section_start, p.section) for p in searcher.passages if p.section_start >= 0})
    for start, text in texts:
        for string in evidence:
            at = text.find(string)
            while at != -1:
                spans.add((start + at, start + at + len(string)))
                at = text.find(string, at + 1)
    return spans


def _sections(searcher: Searcher) -> dict[str, str]:
    """Each sentence of the index (and of the interviewer's questions) -> the
    interviewer's question it answers."""
    found: dict[str, str] = {}
    for passage in searcher.passages:
        for span in passage.sentences:
            found.setdefault(passage.sentence_text(span), passage.section)
        found.setdefault(passage.section, passage.section)
    return found
