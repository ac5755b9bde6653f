"""The reader's decision models, fitted on writers' questions.

Three logistic models (see :mod:`qa.answer.reader`): ``pre`` ranks the
candidates that pass the checks so that the verifier scores the best few;
``selection`` picks among those with the verifier's score; ``claim`` gives
the probability that the pick answers the question. Fitted with the
verifier's scores from models that never saw the question's writer
(out-of-fold), so that the decision learns how far the verifier is to be
trusted on writers it has not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer import answerability, reader
from qa.answer.search import Searcher
from qa.answer.verify import verify
from qa.train.examples import Question, evidence_spans

L2 = 1.0


@dataclass(frozen=True)
class Row:
    """One question as the reader sees it: its candidates' features and labels."""

    question: Question
    features: np.ndarray  # (candidates, SELECTION_FEATURES), verifier column filled
    passing: np.ndarray  # bool per candidate
    labels: np.ndarray  # 1 where the candidate states the answer
    claim_base: dict[str, float]  # answerability, topicality (the retrieval's evidence)


def rows(
    searcher: Searcher, questions: Sequence[Question], verifier_score: Callable[[str, str, str], float]
) -> list[Row]:
    """Every question's candidates, checked and featurised, the verifier's
    score from ``verifier_score(question_id, sentence, section)``."""
    out = []
    for q in questions:
        trace = searcher.trace(q.question)
        if trace.candidates is None or trace.answerability is None:
            continue
        candidates = reader.gather(searcher.index, trace.candidates, trace.hits, searcher.spec.scoring.answer_from_top)
        checks = [verify(q.question, c.text, c.context, searcher.lexicon) for c in candidates]
        vector = searcher.embedder.encode([trace.text])[0]
        features = reader.candidate_features(searcher.index, q.question, vector, candidates, checks, trace.hits)
        column = reader.SELECTION_FEATURES.index("verifier")
        for i, c in enumerate(candidates):
            features[i, column] = verifier_score(q.id, c.text, c.section)
        spans = evidence_spans(searcher, q.evidence) if q.kind == "answerable" else set()
        labels = np.array([any(s < c.end and c.start < e for s, e in spans) for c in candidates], dtype=float)
        # The answerability model's own probability (trace.probability is the reader's once it is fitted).
        base = {
            "answerability": answerability.probability(trace.answerability, searcher.spec.scoring),
            "topicality": float(trace.answerability["topicality"]),
        }
        out.append(Row(q, features, np.array([k.passes for k in checks]), labels, base))
    return out


def fit(rows_: Sequence[Row]) -> dict[str, dict[str, float]]:
    """The three models, fitted on ``rows_``."""
    pre_columns = [i for i, n in enumerate(reader.SELECTION_FEATURES) if n != "verifier"]
    X, y = _stack(rows_, lambda r: r.passing)
    pre = _logistic(X[:, pre_columns], y, [reader.SELECTION_FEATURES[i] for i in pre_columns])
    X, y = _stack(rows_, lambda r: reader.verified_mask(r.features, r.passing, pre))
    selection = _logistic(X, y, list(reader.SELECTION_FEATURES))
    claims = [c for c in (_claim_row(r, pre, selection) for r in rows_) if c is not None]
    X = np.array([[values[n] for n in reader.CLAIM_FEATURES] for values, _, _ in claims])
    claim = _logistic(X, np.array([label for _, label, _ in claims], dtype=float), list(reader.CLAIM_FEATURES))
    return {"pre": pre, "selection": selection, "claim": claim}


def decide(row: Row, models: Mapping[str, Mapping[str, float]]) -> tuple[int | None, float]:
    """(the chosen candidate, the probability it answers), as the reader decides."""
    made = _claim_row(row, models["pre"], models["selection"])
    if made is None:
        return None, 0.0
    values, _, choice = made
    z = reader.linear_score(
        np.array([[values[n] for n in reader.CLAIM_FEATURES]]), models["claim"], reader.CLAIM_FEATURES
    )
    return choice, float(1 / (1 + np.exp(-np.clip(z[0], -60, 60))))


def _claim_row(
    row: Row, pre: Mapping[str, float], selection: Mapping[str, float]
) -> tuple[dict[str, float], float, int] | None:
    """(the claim model's values, whether the choice answers, the choice), as the reader makes them."""
    verified = reader.verified_mask(row.features, row.passing, pre)
    if not verified.any():
        return None
    scores = np.where(verified, reader.linear_score(row.features, selection, reader.SELECTION_FEATURES), -np.inf)
    choice = int(np.argmax(scores))
    values = reader.claim_values(
        row.features,
        scores,
        verified,
        row.passing,
        choice,
        row.claim_base["answerability"],
        row.claim_base["topicality"],
    )
    return values, float(row.labels[choice] == 1), choice


def _stack(rows_: Sequence[Row], mask: Callable[[Row], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    kept = [(r.features[mask(r)], r.labels[mask(r)]) for r in rows_]
    return np.vstack([k[0] for k in kept]), np.concatenate([k[1] for k in kept])


def _logistic(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """L2-regularised logistic regression by Newton's method, on standardised
    features; returned as coefficients on the raw features (with "intercept")."""
    mean, spread = X.mean(0), X.std(0)
    spread[spread == 0] = 1.0
    Z = np.hstack([(X - mean) / spread, np.ones((len(X), 1))])
    beta = np.zeros(Z.shape[1])
    penalty = np.diag([L2] * (Z.shape[1] - 1) + [0.0])
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(Z @ beta, -60, 60)))
        gradient = Z.T @ (p - y) + penalty @ beta
        hessian = (Z * (p * (1 - p))[:, None]).T @ Z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    weights = beta[:-1] / spread
    coefficients = {name: round(float(w), 6) for name, w in zip(names, weights, strict=True)}
    coefficients["intercept"] = round(float(beta[-1] - (weights * mean).sum()), 6)
    return coefficients
