"""Blind sets: questions written by outsiders who saw only the interview,
frozen before any tuning (``qa/eval/data/blind``), and what the system
claims on them (``python -m qa eval --blind FILE``).

Judged on what the answer says, not on what it is about: a claimed answer
to an answerable question is right when its sentence overlaps one of the
question's evidence strings; any answer claimed for a question the
interview does not answer (absent or off topic) is wrong. Reported per set,
per kind of question and per pattern (the trap an absent question sets, or
where an answerable one's answer lies), with retrieval (hit@1, hit@5, MRR)
for the answerable ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from qa.answer.search import Searcher
from qa.eval.datasets import read_jsonl
from qa.records import MinLength, OneOf, parse
from qa.types import Answer, Outcome, Passage
from qa.wording import table

KINDS = ("answerable", "absent", "offtopic")
Text = Annotated[str, MinLength(1)]


@dataclass(frozen=True)
class BlindQuestion:
    id: Text
    question: Text
    kind: Annotated[str, OneOf(KINDS)]
    evidence: tuple[str, ...] = ()
    short: str | None = None
    pattern: str = ""
    language: str = "en"
    writer: str = ""

    def __post_init__(self) -> None:
        if (self.kind == "answerable") != bool(self.evidence):
            raise ValueError("an answerable question needs evidence, and only it")


def load_blind(path: Path) -> list[BlindQuestion]:
    return read_jsonl(path, lambda record: parse(BlindQuestion, record, "", unknown="ignore"), "blind set")


@dataclass(frozen=True)
class BlindResult:
    item: BlindQuestion
    outcome: str
    claimed: bool
    right: bool  # claimed and true (answerable questions only)
    holds: bool  # the chosen sentence holds the evidence, claimed or not (answerable only)
    first_rank: int | None  # of the first relevant passage (answerable only)
    short_right: bool | None  # the short answer given is the expected one (None: none expected or given)


@dataclass(frozen=True)
class Tally:
    questions: int
    claimed_right: int
    claimed_wrong: int
    withheld: int  # answerable, nothing claimed
    not_covered: int

    @classmethod
    def of(cls, results: Sequence[BlindResult]) -> Tally:
        return cls(
            len(results),
            sum(r.right for r in results),
            sum(r.claimed and not r.right for r in results),
            sum(r.item.kind == "answerable" and not r.claimed for r in results),
            sum(r.outcome == Outcome.NOT_COVERED for r in results),
        )

    @property
    def precision(self) -> float | None:
        claims = self.claimed_right + self.claimed_wrong
        return self.claimed_right / claims if claims else None


@dataclass(frozen=True)
class BlindReport:
    name: str
    results: tuple[BlindResult, ...]

    def of(self, kind: str | None = None, pattern: str | None = None) -> list[BlindResult]:
        return [
            r for r in self.results if (kind is None or r.item.kind == kind) and (pattern in (None, r.item.pattern))
        ]

    def figures(self) -> dict[str, Any]:
        answerable = self.of("answerable")
        ranks = [r.first_rank for r in answerable]
        total = Tally.of(self.results)
        n = len(answerable) or 1
        return {
            "set": self.name,
            "questions": total.questions,
            "precision_of_claims": total.precision,
            "claimed_right": total.claimed_right,
            "claimed_wrong": total.claimed_wrong,
            "answerable": len(answerable),
            "answerable_right": sum(r.right for r in answerable),
            "chosen_sentence_holds_evidence": sum(r.holds for r in answerable),
            "absent": len(self.of("absent")),
            "absent_claimed": sum(r.claimed for r in self.of("absent")),
            "offtopic": len(self.of("offtopic")),
            "offtopic_claimed": sum(r.claimed for r in self.of("offtopic")),
            "offtopic_not_covered": sum(r.outcome == Outcome.NOT_COVERED for r in self.of("offtopic")),
            "hit@1": sum(r is not None and r <= 1 for r in ranks) / n,
            "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r is not None) / n,
            "short_right": sum(r.short_right is True for r in answerable),
            "short_given": sum(r.short_right is not None for r in answerable),
        }

    def by_pattern(self) -> dict[str, Tally]:
        patterns = sorted({(r.item.kind, r.item.pattern) for r in self.results})
        return {f"{kind}/{pattern or '-'}": Tally.of(self.of(kind, pattern)) for kind, pattern in patterns}

    def to_dict(self) -> dict[str, Any]:
        return {**self.figures(), "by_pattern": {k: vars(v) for k, v in self.by_pattern().items()}}

    def to_table(self) -> str:
        f = self.figures()
        precision = "-" if f["precision_of_claims"] is None else f"{f['precision_of_claims']:.2f}"
        lines = [
            f"blind set {self.name}: {f['questions']} questions",
            f"  claims: {f['claimed_right']} right, {f['claimed_wrong']} wrong (precision {precision})",
            f"  answerable: {f['answerable_right']}/{f['answerable']} right; the chosen sentence holds the evidence "
            f"for {f['chosen_sentence_holds_evidence']}; short answers {f['short_right']}/{f['short_given']} right",
            f"  absent: {f['absent_claimed']}/{f['absent']} claimed; off topic: {f['offtopic_claimed']}/"
            f"{f['offtopic']} claimed, {f['offtopic_not_covered']} not covered",
            f"  retrieval (answerable): hit@1 {f['hit@1']:.2f}, hit@5 {f['hit@5']:.2f}, MRR {f['mrr']:.2f}",
            "",
        ]
        rows = [["kind/pattern", "n", "claimed right", "claimed wrong", "withheld", "not covered"]]
        for key, tally in self.by_pattern().items():
            cells = (tally.questions, tally.claimed_right, tally.claimed_wrong, tally.withheld, tally.not_covered)
            rows.append([key, *map(str, cells)])
        return "\n".join(lines + table(rows))


def by_language(reports: Sequence[BlindReport]) -> list[str]:
    """One row per language, every set in it together: retrieval of the
    answerable questions, off-topic ones not covered, claims right of made."""
    results = [r for report in reports for r in report.results]
    rows = [["language", "questions", "hit@1", "hit@5", "MRR", "off topic not covered", "claims right"]]
    for language in sorted({r.item.language for r in results}):
        f = BlindReport(language, tuple(r for r in results if r.item.language == language)).figures()
        retrieval = [f"{f['hit@1']:.2f}", f"{f['hit@5']:.2f}", f"{f['mrr']:.2f}"] if f["answerable"] else ["-"] * 3
        claims = f"{f['claimed_right']}/{f['claimed_right'] + f['claimed_wrong']}"
        rows.append([language, str(f["questions"]), *retrieval, f"{f['offtopic_not_covered']}/{f['offtopic']}", claims])
    return ["per language (its sets together):", *table(rows)]


def evaluate_blind(
    searcher: Searcher, name: str, questions: Sequence[BlindQuestion], texts: Mapping[str, str], k: int = 5
) -> BlindReport:
    """Every question asked once (``k`` passages); ``texts`` maps each corpus
    file to its text, where evidence is found (in the interviewer's lines too)."""
    return BlindReport(name, tuple(_judge(searcher, item, texts, k) for item in questions))


def _judge(searcher: Searcher, item: BlindQuestion, texts: Mapping[str, str], k: int) -> BlindResult:
    trace = searcher.trace(item.question, k=k)
    answer = searcher.answer_of(trace)
    claimed = answer.outcome == Outcome.ANSWERED and answer.sentence is not None
    spans = _evidence_spans(item.evidence, texts)
    # A summary's or an about answer's sentence is its lead point (no reader chose it).
    chosen = answer.sentence if trace.gathered is not None else searcher.chosen_sentence(trace)
    source = _source_of(answer, chosen, trace)
    holds = chosen is not None and _overlaps(spans.get(source, []), chosen.start, chosen.end)
    right = claimed and item.kind == "answerable" and holds
    first_rank = next((h.rank for h in trace.hits if _relevant(h.passage, item, spans)), None)
    short_right = None
    if claimed and item.short and answer.sentence and answer.sentence.short:
        short_right = item.short.lower() in answer.sentence.short.text.lower() or (
            answer.sentence.short.text.lower() in item.short.lower()
        )
    return BlindResult(item, str(answer.outcome), claimed, right, holds, first_rank, short_right)


def _source_of(answer: Answer, chosen: Any, trace: Any) -> str:
    if chosen is None or not trace.hits:
        return ""
    return trace.hits[min(chosen.passage_rank, len(trace.hits)) - 1].passage.source


def _relevant(passage: Passage, item: BlindQuestion, spans: Mapping[str, list[tuple[int, int]]]) -> bool:
    """A passage is relevant when it holds evidence, or answers the interviewer's question that does."""
    in_passage = _overlaps(spans.get(passage.source, []), passage.start, passage.end)
    return in_passage or any(evidence in passage.section for evidence in item.evidence)


def _evidence_spans(evidence: Sequence[str], texts: Mapping[str, str]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for source, text in texts.items():
        for string in evidence:
            at = text.find(string)
            while at != -1:
                spans.setdefault(source, []).append((at, at + len(string)))
                at = text.find(string, at + 1)
    return spans


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)
