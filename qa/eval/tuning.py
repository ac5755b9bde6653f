"""Fitting the scoring models on the dev questions, with cross-validation:
``python -m qa tune``.

Three logistic regressions, fitted in order because each feeds the next:
  ranking          relevant passage or not, over the z-scored views
                   (qa.retrieval.RANKING_FEATURES)
  answer sentence  right answer sentence or not, over the sentence features
                   (qa.answer_sentence.SENTENCE_FEATURES)
  answerability    the chosen sentence is right, or not (every near-miss is
                   "not"), over qa.answerability.ANSWERABILITY_FEATURES

Only the dev split is used: the gold sets' dev questions and the dev
near-misses. Cross-validation (questions in folds, repeated with other
shuffles) estimates how each fitted model does on questions it has not seen,
and a paired permutation test (scipy) compares the hybrid ranking with each
single retriever per style of question. An answer is claimed when the
answerability model says it is more likely right than wrong (probability
0.5: the decision that minimises errors when a wrong answer costs what a
missed one does; it is not tuned). The report shows the risk-coverage trade
out of fold, including the threshold that would keep ``CLAIM_IN_DOMAIN`` of
the in-domain questions answered. The final models are fitted on all the dev
questions and written to ``qa/build/data/scoring.json``.

scikit-learn and scipy are imported here only (they come with
sentence-transformers); the query path only multiplies coefficients.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.answerability import ANSWERABILITY_FEATURES
from qa.answer.retrieval import RANKING_FEATURES, passage_views
from qa.answer.search import Searcher
from qa.answer.sentence import SENTENCE_FEATURES
from qa.config import MODES
from qa.errors import InvalidArgument
from qa.eval.datasets import GoldQuestion, OffTopicQuestion
from qa.eval.metrics import evidence_spans, paired_permutation_p, reciprocal_rank
from qa.files import atomic_write
from qa.index.spec import FITTED, ScoringSpec
from qa.inputs import clean_question
from qa.wording import table

FOLDS = 5
REPEATS = 3
DEPTH = 10
C = 1.0  # inverse L2 strength of every regression
CLAIM_IN_DOMAIN = 0.95
ANSWER_THRESHOLD = 0.5
CURVE = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
NEAR_MISS = "near-miss"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    style: str  # the gold set's style, "plain" for the first gold set, "near-miss"
    gold: GoldQuestion | None  # None for a near-miss


@dataclass(frozen=True)
class Outcome:
    """One question's cross-validated result."""

    question: Question
    reciprocal_ranks: dict[str, float]  # by mode
    answer_correct: bool
    probability: float | None  # None: not covered by topicality


@dataclass(frozen=True)
class TuneReport:
    scoring: ScoringSpec
    outcomes: tuple[Outcome, ...]
    threshold: float
    pvalues: dict[str, dict[str, float]]  # style -> "hybrid vs M" -> p (two-sided)

    def to_table(self) -> str:
        ranked = [o for o in self.outcomes if o.question.gold is not None]
        styles = ["all", *sorted({o.question.style for o in ranked})]
        rows = [["style", "n", "MRR dense", "MRR keyword", "MRR hybrid", "p vs dense", "p vs keyword", "answer"]]
        for style in styles:
            chosen = [o for o in ranked if style in ("all", o.question.style)]
            mrr = {m: np.mean([o.reciprocal_ranks[m] for o in chosen]) for m in MODES}
            p = self.pvalues[style]
            answer = np.mean([o.answer_correct for o in chosen])
            rows.append([style, str(len(chosen)), *(f"{mrr[m]:.3f}" for m in MODES), f"{p['dense']:.3f}",
                         f"{p['keyword']:.3f}", f"{answer:.3f}"])  # fmt: skip
        lines = ["cross-validated on the dev split (hybrid = the fitted ranking)", *table(rows), ""]
        rows = [["answer threshold", "in-domain answered", "near-misses answered", "claimed answers right"]]
        marked = {self.threshold: " (used)", _threshold(self.outcomes): f" (keeps {CLAIM_IN_DOMAIN:.0%} in-domain)"}
        for threshold in sorted({*CURVE, *marked}):
            claims = self.claims(threshold)
            rows.append([f"{threshold:.3f}{marked.get(threshold, '')}",
                         *(f"{claims[k]:.3f}" for k in ("in_domain", "near_miss", "right"))])  # fmt: skip
        lines += [*table(rows), ""]
        for name in FITTED[:3]:
            lines.append(f"{name}: " + ", ".join(f"{k} {v:+.3f}" for k, v in getattr(self.scoring, name).items()))
        return "\n".join(lines)

    def claims(self, threshold: float) -> dict[str, float]:
        inside = [o for o in self.outcomes if o.question.gold is not None]
        near = [o for o in self.outcomes if o.question.gold is None]

        def claimed(o: Outcome) -> bool:
            return o.probability is not None and o.probability >= threshold

        made = [o for o in self.outcomes if claimed(o)]
        return {
            "in_domain": float(np.mean([claimed(o) for o in inside])) if inside else 0.0,
            "near_miss": float(np.mean([claimed(o) for o in near])) if near else 0.0,
            "right": float(np.mean([o.answer_correct for o in made])) if made else 0.0,
        }


def tune(searcher: Searcher, gold: Sequence[GoldQuestion], near_misses: Sequence[OffTopicQuestion]) -> TuneReport:
    """Cross-validate, then fit the final models on every dev question given."""
    questions = [Question(g.id, g.question, g.style or "plain", g) for g in gold if g.split == "dev"]
    questions += [Question(o.id, o.question, NEAR_MISS, None) for o in near_misses if o.split == "dev"]
    in_domain, least = sum(q.gold is not None for q in questions), 2 * FOLDS  # each fold trains on both kinds
    if in_domain < least or len(questions) - in_domain < least:
        raise InvalidArgument(
            f"tuning needs at least {least} dev questions in the gold sets and {least} dev near-misses "
            f'(split "dev"); these have {in_domain} and {len(questions) - in_domain}'
        )
    outcomes: dict[str, list[Outcome]] = {q.id: [] for q in questions}
    for repeat in range(REPEATS):
        order = np.random.default_rng(repeat).permutation(len(questions))
        for fold in range(FOLDS):
            held = {int(i) for i in order[fold::FOLDS]}
            train = [q for i, q in enumerate(questions) if i not in held]
            scoring = fit(searcher, train)
            for i in sorted(held):
                outcomes[questions[i].id].append(_outcome(_with(searcher, scoring), questions[i]))
    merged = tuple(_mean_outcome(results) for results in outcomes.values())
    final = dataclasses.replace(fit(searcher, questions), answer_threshold=ANSWER_THRESHOLD)
    return TuneReport(final, merged, ANSWER_THRESHOLD, _pvalues(merged))


def fit(searcher: Searcher, questions: Sequence[Question]) -> ScoringSpec:
    """The three models, fitted in turn on ``questions``."""
    gold = [q for q in questions if q.gold is not None]
    base = searcher.spec.scoring
    ranking = _fit([_ranking_rows(searcher, q) for q in gold], RANKING_FEATURES)
    scoring = dataclasses.replace(base, ranking=ranking)
    sentence = _fit([_sentence_rows(_with(searcher, scoring), q) for q in gold], SENTENCE_FEATURES)
    scoring = dataclasses.replace(scoring, answer_sentence=sentence)
    rows = [_answerability_row(_with(searcher, scoring), q) for q in questions]
    answerability = _fit([r for r in rows if r is not None], ANSWERABILITY_FEATURES, intercept=True)
    return dataclasses.replace(scoring, answerability=answerability)


def write(report: TuneReport, path: Path, data_files: Sequence[Path]) -> None:
    """The fitted models as ``qa/build/data/scoring.json``, with what they were fitted on."""
    from qa.files import sha256_file

    # What others wrote into the file (train-verifier's notes) is kept.
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    record.update({name: getattr(report.scoring, name) for name in FITTED})
    record["fitted"] = {
        "on": "the dev split of " + ", ".join(p.name for p in data_files),
        "data_sha256": {p.name: sha256_file(p) for p in data_files},
        "questions": len(report.outcomes),
        "cross_validation": f"{FOLDS} folds x {REPEATS} shuffles",
        "date": datetime.now(UTC).date().isoformat(),
    }
    atomic_write(path, (json.dumps(record, indent=1) + "\n").encode())


def _with(searcher: Searcher, scoring: ScoringSpec) -> Searcher:
    index = searcher.index
    spec = dataclasses.replace(index.spec, scoring=scoring)
    return Searcher(
        dataclasses.replace(index, manifest=dataclasses.replace(index.manifest, spec=spec)), searcher.embedder
    )


def _ranking_rows(searcher: Searcher, question: Question) -> tuple[np.ndarray, np.ndarray]:
    text = clean_question(question.text)
    views = passage_views(searcher.index, text, _vector(searcher, text), searcher.spec.scoring.candidates)
    features = views.features()
    spans = evidence_spans(question.gold, searcher.passages)
    labels = np.array([int(i) in spans for i in views.candidates])
    return np.column_stack([features[name] for name in RANKING_FEATURES]), labels


def _sentence_rows(searcher: Searcher, question: Question) -> tuple[np.ndarray, np.ndarray]:
    trace = searcher.trace(question.text, k=DEPTH)
    if trace.candidates is None:
        return np.zeros((0, len(SENTENCE_FEATURES))), np.zeros(0, dtype=bool)
    found = trace.candidates
    labels = np.array([_is_answer(searcher, question, int(row)) for row in found.rows])
    return np.column_stack([found.features[name] for name in SENTENCE_FEATURES]), labels


def _answerability_row(searcher: Searcher, question: Question) -> tuple[np.ndarray, np.ndarray] | None:
    trace = searcher.trace(question.text, k=DEPTH)
    if trace.answerability is None:
        return None  # not covered: answerability is never asked
    best = int(trace.candidates.rows[trace.candidates.order()[0]])
    label = question.gold is not None and _is_answer(searcher, question, best)
    return np.array([[trace.answerability[name] for name in ANSWERABILITY_FEATURES]]), np.array([label])


def _outcome(searcher: Searcher, question: Question) -> Outcome:
    ranks = {}
    if question.gold is not None:
        spans = evidence_spans(question.gold, searcher.passages)
        for mode in MODES:
            hits = searcher.search(question.text, k=DEPTH, mode=mode)
            first = next((h.rank for h in hits if h.passage.id in spans), None)
            ranks[mode] = reciprocal_rank(first)
    trace = searcher.trace(question.text, k=DEPTH)
    correct = False
    if question.gold is not None and trace.candidates is not None:
        correct = _is_answer(searcher, question, int(trace.candidates.rows[trace.candidates.order()[0]]))
    return Outcome(question, ranks, correct, trace.probability)


def _is_answer(searcher: Searcher, question: Question, row: int) -> bool:
    from qa.answer.sentence import sentence_at

    owner, (start, end) = sentence_at(searcher.index, row)
    spans = evidence_spans(question.gold, [owner]).get(owner.id, [])
    return any(s < end and start < e for s, e in spans)


def _fit(
    rows: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str], intercept: bool = False
) -> dict[str, float]:
    """Logistic regression on standardised features, coefficients given back
    in the features' own units (so the query path needs no scaler)."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([r[0] for r in rows]).astype(float)
    y = np.concatenate([r[1] for r in rows]).astype(int)
    if len(set(y.tolist())) < 2:
        raise InvalidArgument(
            f"cannot fit a model over {', '.join(names[:2])}, ...: its examples are all "
            f"{'right' if y.all() else 'wrong'}; the dev questions need both"
        )
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread[spread == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000).fit((x - mean) / spread, y)
    coefficients = model.coef_[0] / spread
    fitted = {name: round(float(c), 6) for name, c in zip(names, coefficients, strict=True)}
    if intercept:
        fitted["intercept"] = round(float(model.intercept_[0] - (coefficients * mean).sum()), 6)
    return fitted


def _vector(searcher: Searcher, text: str) -> np.ndarray:
    return searcher.embedder.encode([text])[0]


def _mean_outcome(results: list[Outcome]) -> Outcome:
    """One question's results over the repeats: mean reciprocal ranks and
    probability, the answer right when it was right in most repeats."""
    first = results[0]
    ranks = {m: float(np.mean([r.reciprocal_ranks[m] for r in results])) for m in first.reciprocal_ranks}
    probabilities = [r.probability for r in results if r.probability is not None]
    probability = float(np.mean(probabilities)) if len(probabilities) * 2 > len(results) else None
    correct = sum(r.answer_correct for r in results) * 2 > len(results)
    return Outcome(first.question, ranks, correct, probability)


def _threshold(outcomes: Sequence[Outcome]) -> float:
    """The highest threshold that keeps CLAIM_IN_DOMAIN of the in-domain questions answered."""
    inside = sorted(o.probability for o in outcomes if o.question.gold is not None and o.probability is not None)
    total = sum(o.question.gold is not None for o in outcomes)
    allowed = int(np.floor(total * (1 - CLAIM_IN_DOMAIN)))  # in-domain questions that may go unanswered
    unanswered = total - len(inside)  # not covered by topicality: unanswered whatever the threshold
    keep = max(0, allowed - unanswered)
    return round(float(inside[keep]) - 1e-6, 6) if keep < len(inside) else 0.5


def _pvalues(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float]]:
    ranked = [o for o in outcomes if o.question.gold is not None]
    table = {}
    for style in ["all", *sorted({o.question.style for o in ranked})]:
        chosen = [o for o in ranked if style in ("all", o.question.style)]
        table[style] = {
            other: paired_permutation_p(
                np.array([o.reciprocal_ranks["hybrid"] - o.reciprocal_ranks[other] for o in chosen])
            )
            for other in ("dense", "keyword")
        }
    return table
