"""The evaluation report as typed values: a table for people (``to_table``),
a dict for JSON (``to_dict``) and the risk-coverage plot (``plot``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.eval.metrics import Metrics
from qa.wording import table

ALL = "all"


@dataclass(frozen=True)
class Abstention:
    off_topic: int  # general off-topic questions (near-misses are in Outcomes)
    off_topic_abstained: float | None  # share not covered
    in_domain: int
    in_domain_abstained: float | None  # share wrongly not covered


@dataclass(frozen=True)
class Outcomes:
    """What happened to the questions of one split."""

    in_domain: int
    right: int  # an answer claimed, and right
    wrong: int  # an answer claimed, and wrong: the costly error
    unanswered: int  # no answer claimed although the interview holds one
    near_miss: int
    near_answered: int  # an answer claimed for a question the interview does not answer: wrong
    near_related: int
    near_not_covered: int

    @property
    def claimed_right(self) -> float | None:
        claimed = self.right + self.wrong + self.near_answered
        return round(self.right / claimed, 4) if claimed else None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "claimed_answers_right": self.claimed_right}


@dataclass(frozen=True)
class KindFigures:
    split: str
    kind: str
    questions: int
    answered: int
    related: int
    not_covered: int


@dataclass(frozen=True)
class StyleRow:
    style: str
    split: str
    questions: int
    mrr: dict[str, float]  # by mode
    p_hybrid_vs: dict[str, float]  # "dense"/"keyword" -> two-sided p


@dataclass(frozen=True)
class FollowUpFigures:
    questions: int
    hit_3_alone: float
    hit_3_with_previous: float


@dataclass(frozen=True)
class Miss:
    id: str
    split: str
    question: str
    first_relevant_rank: int | None
    answer: str | None
    outcome: str
    answer_correct: bool


@dataclass(frozen=True)
class EvalReport:
    mode: str  # the default mode, whose outcomes and misses are reported
    top_k: int
    answer_threshold: float  # the index's: an answer is claimed at or above it
    sets: dict[str, dict[str, dict[str, Metrics]]]  # gold set -> mode -> split -> metrics
    styles: tuple[StyleRow, ...]
    abstention: dict[str, Abstention]
    outcomes: dict[str, Outcomes]
    kinds: tuple[KindFigures, ...]
    curves: dict[str, list[tuple[float, float, float]]]  # split -> (threshold, answered, accuracy)
    followups: dict[str, FollowUpFigures]
    misses: tuple[Miss, ...]
    uncovered_paragraphs: dict[str, list[int]]
    evidence_not_in_index: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        first = next(iter(self.sets.values()))
        return {
            "top_k": self.top_k,
            "mode": self.mode,
            "answer_threshold": self.answer_threshold,
            "splits": {split: m.to_dict() for split, m in first[self.mode].items()},
            "modes": {mode: {s: m.to_dict() for s, m in splits.items()} for mode, splits in first.items()},
            "sets": {
                name: {mode: {s: m.to_dict() for s, m in splits.items()} for mode, splits in modes.items()}
                for name, modes in self.sets.items()
            },
            "styles": [dataclasses.asdict(row) for row in self.styles],
            "abstention": {split: dataclasses.asdict(a) for split, a in self.abstention.items()},
            "outcomes": {split: o.to_dict() for split, o in self.outcomes.items()},
            "kinds": [dataclasses.asdict(k) for k in self.kinds],
            "risk_coverage": {split: [list(p) for p in points] for split, points in self.curves.items()},
            "followups": {
                split: {
                    "questions": f.questions,
                    "hit@3_alone": f.hit_3_alone,
                    "hit@3_with_previous": f.hit_3_with_previous,
                }
                for split, f in self.followups.items()
            },
            "misses": [dataclasses.asdict(m) for m in self.misses],
            "uncovered_paragraphs": self.uncovered_paragraphs,
            "evidence_not_in_index": list(self.evidence_not_in_index),
        }

    def to_table(self) -> str:
        return "\n".join(
            [*self._ranking(), "", *self._styles(), "", *self._outcomes(), "", *self._kinds(), "", *self._rest()]
        )

    def plot(self, path: Path) -> None:
        """The risk-coverage curve of each split as a PNG (needs matplotlib)."""
        try:
            import matplotlib
        except ImportError:
            from qa.errors import InvalidArgument

            raise InvalidArgument("--plot needs matplotlib (pip install 'cica-qa[plot]')") from None
        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure, axes = pyplot.subplots(figsize=(6, 4), dpi=120)
        for split in ("dev", "test"):
            points = self.curves.get(split, [])
            if not points:
                continue
            line = axes.plot([p[1] for p in points], [p[2] for p in points], marker=".", label=f"{split} split")
            used = min((p for p in points if p[0] >= self.answer_threshold), default=None)
            if used:
                axes.plot([used[1]], [used[2]], "o", markersize=10, fillstyle="none", color=line[0].get_color())
        axes.annotate(f"circles: the threshold in use ({self.answer_threshold:.2f})", (0.02, 0.03),
                      xycoords="axes fraction", fontsize=8)  # fmt: skip
        axes.set_xlabel("share of questions answered (in-domain and near-misses)")
        axes.set_ylabel("claimed answers right")
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.02)
        axes.grid(alpha=0.3)
        axes.legend()
        axes.set_title("Risk and coverage as the answer threshold moves")
        figure.tight_layout()
        figure.savefig(path)
        pyplot.close(figure)

    def _ranking(self) -> list[str]:
        rows = [["gold set", "mode", "split", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "nDCG@10", "answer"]]
        for name, modes in self.sets.items():
            for mode, splits in modes.items():
                for split, m in splits.items():
                    if m.questions:
                        figures = (m.hit_1, m.hit_3, m.hit_5, m.mrr_10, m.ndcg_10, m.answer_accuracy)
                        rows.append([name, mode, split, str(m.questions), *(f"{x:.3f}" for x in figures)])
        return table(rows)

    def _styles(self) -> list[str]:
        if not self.styles:
            return []
        rows = [["style", "split", "n", "MRR dense", "MRR keyword", "MRR hybrid", "p vs dense", "p vs keyword"]]
        for r in self.styles:
            mrr = [f"{r.mrr[m]:.3f}" for m in ("dense", "keyword", "hybrid")]
            rows.append([r.style, r.split, str(r.questions), *mrr, f"{r.p_hybrid_vs['dense']:.3f}",
                         f"{r.p_hybrid_vs['keyword']:.3f}"])  # fmt: skip
        return table(rows)

    def _outcomes(self) -> list[str]:
        rows = [["outcomes", "in-domain", "answered right", "answered wrong", "no answer claimed", "near-misses",
                 "answered", "related", "not covered", "claimed answers right"]]  # fmt: skip
        for split, o in self.outcomes.items():
            right = "-" if o.claimed_right is None else f"{o.claimed_right:.3f}"
            rows.append([split, str(o.in_domain), str(o.right), str(o.wrong), str(o.unanswered), str(o.near_miss),
                         str(o.near_answered), str(o.near_related), str(o.near_not_covered), right])  # fmt: skip
        rows2 = [["not covered", "general off-topic", "in-domain (wrongly)"]]
        for split, a in self.abstention.items():
            rows2.append(
                [split, _share(a.off_topic_abstained, a.off_topic), _share(a.in_domain_abstained, a.in_domain)]
            )
        return [*table(rows), "", *table(rows2)]

    def _kinds(self) -> list[str]:
        if not self.kinds:
            return []
        rows = [["off-topic kind", "split", "n", "answered", "related", "not covered"]]
        for k in self.kinds:
            rows.append([k.kind, k.split, str(k.questions), str(k.answered), str(k.related), str(k.not_covered)])
        return table(rows)

    def _rest(self) -> list[str]:
        lines = []
        if self.followups:
            rows = [["follow-ups", "n", "hit@3 alone", "hit@3 with previous question"]]
            for split, f in self.followups.items():
                rows.append([split, str(f.questions), f"{f.hit_3_alone:.3f}", f"{f.hit_3_with_previous:.3f}"])
            lines += [*table(rows), ""]
        lines.append(
            f"{self.mode} misses (no relevant passage in the top {self.top_k}, or no right answer claimed): "
            f"{len(self.misses)}"
        )
        for miss in self.misses:
            rank = miss.first_relevant_rank or "-"
            mark = {"answered": "answer right" if miss.answer_correct else "answer WRONG"}.get(
                miss.outcome, miss.outcome
            )
            lines.append(f"  {miss.id} [{miss.split}] rank {rank}, {mark}: {miss.question}")
        for source, paragraphs in self.uncovered_paragraphs.items():
            lines.append(f"paragraphs of {source} no gold question reaches: {', '.join(map(str, paragraphs))}")
        if self.evidence_not_in_index:
            lines.append(f"gold evidence found in no passage: {', '.join(self.evidence_not_in_index)}")
        return lines


def _share(share: float | None, total: int) -> str:
    return "-" if not total or share is None else f"{round(share * total)}/{total} ({share:.3f})"
