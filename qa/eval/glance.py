"""Glance sets: questions about the interview itself, summary requests and
questions whose answer is a list (``qa/eval/data/blind/glance-*.jsonl``, and
the development set ``qa/eval/data/glance_dev.jsonl``).

Judged on the answer alone (its sentence and its points, not the passages
under it): a point of the question is recalled when the answer overlaps one
of its evidence strings. Reported per set and kind: questions about the
interview answered right (their first point, the fact asked, recalled) and
the recall of every kind, points per answer, and how many were not covered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from qa.answer.search import Searcher
from qa.eval.datasets import read_jsonl
from qa.records import MinLength, OneOf, parse
from qa.types import Answer, Outcome
from qa.wording import table

KINDS = ("about", "summary", "list")
Text = Annotated[str, MinLength(1)]


@dataclass(frozen=True)
class GlancePoint:
    point: Text
    evidence: tuple[Text, ...]


@dataclass(frozen=True)
class GlanceQuestion:
    id: Text
    question: Text
    kind: Annotated[str, OneOf(KINDS)]
    points: tuple[GlancePoint, ...]
    writer: str = ""

    def __post_init__(self) -> None:
        if not self.points or any(not p.evidence for p in self.points):
            raise ValueError("a glance question needs points, each with evidence")


def is_glance_set(path: Path) -> bool:
    """Whether ``path`` is a glance set (its questions have points), by its name or first line."""
    if path.name.startswith("glance"):
        return True
    try:
        with path.open(encoding="utf-8") as lines:
            return '"points"' in next(lines, "")
    except (OSError, UnicodeDecodeError):
        return False


def load_glance(path: Path) -> list[GlanceQuestion]:
    return read_jsonl(path, lambda record: parse(GlanceQuestion, record, "", unknown="ignore"), "glance set")


@dataclass(frozen=True)
class GlanceResult:
    item: GlanceQuestion
    outcome: str
    kind: str  # the kind of answer given
    recalled: tuple[bool, ...]  # per point of the question
    points: int  # points in the answer (1 for a single sentence, 0 for none)

    @property
    def recall(self) -> float:
        return sum(self.recalled) / len(self.recalled)


@dataclass(frozen=True)
class GlanceReport:
    name: str
    results: tuple[GlanceResult, ...]

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {"set": self.name, "questions": len(self.results)}
        for kind in KINDS:
            results = [r for r in self.results if r.item.kind == kind]
            if not results:
                continue
            out[kind] = {
                "questions": len(results),
                "recall": sum(r.recall for r in results) / len(results),
                "first_point_recalled": sum(r.recalled[0] for r in results),
                "answered_as": {k: sum(r.kind == k for r in results) for k in sorted({r.kind for r in results})},
                "points_mean": sum(r.points for r in results) / len(results),
                "points_max": max(r.points for r in results),
                "not_covered": sum(r.outcome == Outcome.NOT_COVERED for r in results),
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        per_question = [
            {"id": r.item.id, "kind": r.item.kind, "answered_as": r.kind, "outcome": r.outcome, "recall": r.recall,
             "points": r.points}
            for r in self.results
        ]  # fmt: skip
        return {**self.figures(), "questions_detail": per_question}

    def to_table(self) -> str:
        f = self.figures()
        rows = [["kind", "n", "recall", "fact asked recalled", "answered as", "points mean/max", "not covered"]]
        for kind in KINDS:
            if kind not in f:
                continue
            g = f[kind]
            given = ", ".join(f"{k} {n}" for k, n in g["answered_as"].items())
            first = f"{g['first_point_recalled']}/{g['questions']}"
            rows.append([kind, str(g["questions"]), f"{g['recall']:.0%}", first, given,
                         f"{g['points_mean']:.1f}/{g['points_max']}", str(g["not_covered"])])  # fmt: skip
        return "\n".join(
            [f"glance set {self.name}: {f['questions']} questions (counted on the answer alone)", *table(rows)]
        )


def evaluate_glance(
    searcher: Searcher, name: str, questions: Sequence[GlanceQuestion], texts: Mapping[str, str], k: int = 5
) -> GlanceReport:
    """Every question asked once; ``texts`` maps each corpus file to its text."""
    return GlanceReport(name, tuple(_judge(searcher, item, texts, k) for item in questions))


def _judge(searcher: Searcher, item: GlanceQuestion, texts: Mapping[str, str], k: int) -> GlanceResult:
    answer = searcher.ask(item.question, k=k)
    said = _said(answer)
    recalled = tuple(any(_overlaps(said, _spans(evidence, texts)) for evidence in p.evidence) for p in item.points)
    given = len(answer.points) if answer.points else int(answer.sentence is not None)
    kind = answer.kind if answer.sentence is not None else "none"
    return GlanceResult(item, str(answer.outcome), kind, recalled, given)


def _said(answer: Answer) -> list[tuple[str, int, int]]:
    """(source, start, end) of every sentence the answer states: its sentence and its points."""
    if answer.sentence is None:
        return []
    said = [(p.source, p.start, p.end) for p in answer.points]
    passage = answer.hits[answer.sentence.passage_rank - 1].passage
    return [*said, (passage.source, answer.sentence.start, answer.sentence.end)]


def _spans(evidence: str, texts: Mapping[str, str]) -> list[tuple[str, int, int]]:
    spans = []
    for source, text in texts.items():
        at = text.find(evidence)
        while at != -1:
            spans.append((source, at, at + len(evidence)))
            at = text.find(evidence, at + 1)
    return spans


def _overlaps(said: Sequence[tuple[str, int, int]], spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(a == b and s < e2 and s2 < e for a, s, e in said for b, s2, e2 in spans)
