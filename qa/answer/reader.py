"""The reader: which sentence answers the question, and whether to claim it.

Between retrieval and the outcome, three steps, each recorded:

  candidates   the sentences of the top passages (scored by the
               answer-sentence model, :mod:`qa.answer.sentence`) and the
               sentences of the interviewer's questions they answer (some
               facts are stated only there: "during its chairmanship from
               2020 to 2024")
  verification each candidate against the question's constraints and the
               kind of answer it asks for (:mod:`qa.answer.verify`): a
               conflict rules it out, with the reason; then the trained
               verifier (:mod:`qa.answer.verifier`, a cross-encoder) scores
               the few best that remain
  decision     a fitted model picks the candidate (selection) and a second
               gives the probability that it answers the question (claim),
               from the verifier, the checks and the retrieval evidence;
               both fitted by ``python -m qa train-verifier`` on questions
               from writers held out whole (coefficients in ScoringSpec.reader)

Nothing is claimed that a check ruled out, however high its score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.answer.names import Lexicon
from qa.answer.sentence import Candidates, sentence_at
from qa.answer.verify import Check, constraints_of, parts, verify
from qa.index import keyword
from qa.index.chunking import sentence_spans
from qa.index.spec import ScoringSpec
from qa.index.store import StoredIndex
from qa.types import AnswerSentence, Hit

SELECTION_FEATURES = (
    "model", "section", "cosine", "focus", "focus_context", "type_filled", "type_unknown", "missing",
    "interviewer", "first", "model_gap", "verifier",
)  # fmt: skip
CLAIM_FEATURES = (
    "selection", "margin", "answerability", "topicality", "type_filled", "type_unknown", "missing",
    "verifier", "section", "passing",
)  # fmt: skip
VERIFIED = 3  # candidates the verifier scores: the best few by the selection model without it
MARGIN_ALONE = 5.0  # the margin of a choice that had no rival


class Verifier(Protocol):
    def score(self, question: str, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The probability that each (sentence, the interviewer's question it
        answers) states the answer to ``question``."""
        ...


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer: in hit ``passage_rank``'s passage, or in
    the interviewer's question that passage answers (``in_section``)."""

    text: str
    start: int
    end: int
    passage_rank: int
    speaker: str
    in_section: bool
    model: float  # the answer-sentence model's score (for a question's sentence: the passage's best)
    section: str  # the interviewer's question it answers (the verifier reads it with the sentence)
    context: str  # the interviewer's question and the passage, for the checks

    def sentence(self, score: float) -> AnswerSentence:
        return AnswerSentence(self.text, self.passage_rank, self.start, self.end, score, self.speaker)


@dataclass(frozen=True)
class Reading:
    """What the reader found for one question."""

    candidates: tuple[Candidate, ...]
    checks: tuple[Check, ...]
    features: np.ndarray  # (candidates, SELECTION_FEATURES)
    selection: np.ndarray  # each candidate's selection score (-inf where a check ruled it out)
    choice: int | None  # the chosen candidate, None when every one was ruled out
    claim: dict[str, float]  # the claim model's features
    probability: float  # that the choice answers the question (0 when there is none)
    foreign: str | None = None  # a name the question uses and the interview never does ("NATO")

    @property
    def chosen(self) -> Candidate | None:
        return None if self.choice is None else self.candidates[self.choice]

    @property
    def reason(self) -> str:
        if self.choice is None:
            return self.checks[0].reason if self.checks else "no sentence to read"
        return self.checks[self.choice].reason


def read(
    index: StoredIndex,
    lexicon: Lexicon,
    question: str,
    vector: np.ndarray,
    found: Candidates,
    hits: Sequence[Hit],
    answerability: float,
    topicality: float,
    scoring: ScoringSpec,
    verifier: Verifier | None,
) -> Reading:
    """Choose among ``found`` (the answer-sentence model's candidates) and the
    interviewer's questions of the same passages, and say how likely the
    choice answers ``question``."""
    models = scoring.reader
    foreign = next((n for part in parts(question) for n in sorted(constraints_of(part, lexicon).unknown_names)), None)
    candidates = gather(index, found, hits, scoring.answer_from_top)
    checks = tuple(verify(question, c.text, c.context, lexicon) for c in candidates)
    features = candidate_features(index, question, vector, candidates, checks, hits)
    passing = np.array([c.passes for c in checks], dtype=bool)
    verified = verified_mask(features, passing, models.get("pre", {}))
    if verifier is None:
        # Without the verifier (a stand-in embedder, a failed export) the models fitted with its
        # score cannot decide: the checks rule out, the model without it chooses, and the claim
        # is the answerability model's, as before the reader.
        selection = np.where(passing, linear_score(features, models.get("pre", {}), SELECTION_FEATURES), -np.inf)
        choice = int(np.argmax(selection)) if passing.any() else None
        return Reading(candidates, checks, features, selection, choice, {}, answerability if passing.any() else 0.0,
                       foreign)  # fmt: skip
    if verified.any():
        chosen = np.flatnonzero(verified)
        pairs = [(candidates[i].text, candidates[i].section) for i in chosen]
        features[chosen, SELECTION_FEATURES.index("verifier")] = verifier.score(question, pairs)
    selection = np.where(verified, linear_score(features, models.get("selection", {}), SELECTION_FEATURES), -np.inf)
    if not verified.any():
        return Reading(candidates, checks, features, selection, None, {}, 0.0, foreign)
    choice = int(np.argmax(selection))
    claim = claim_values(features, selection, verified, passing, choice, answerability, topicality)
    z = float(linear_score(np.array([[claim[n] for n in CLAIM_FEATURES]]), models.get("claim", {}), CLAIM_FEATURES)[0])
    probability = 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))
    return Reading(candidates, checks, features, selection, choice, claim, float(probability), foreign)


def verified_mask(features: np.ndarray, passing: np.ndarray, pre: Mapping[str, float]) -> np.ndarray:
    """The candidates the verifier reads: the best ``VERIFIED`` of those that
    pass the checks, by the ``pre`` model (the selection model without the verifier)."""
    mask = np.zeros(len(passing), dtype=bool)
    if passing.any():
        scores = np.where(passing, linear_score(features, pre, SELECTION_FEATURES), -np.inf)
        mask[np.argsort(-scores, kind="stable")[: min(VERIFIED, int(passing.sum()))]] = True
    return mask


def claim_values(
    features: np.ndarray,
    selection: np.ndarray,
    verified: np.ndarray,
    passing: np.ndarray,
    choice: int,
    answerability: float,
    topicality: float,
) -> dict[str, float]:
    """CLAIM_FEATURES of the chosen candidate."""
    ranked = np.sort(selection[verified])[::-1]
    row = dict(zip(SELECTION_FEATURES, features[choice].tolist(), strict=True))
    return {
        "selection": float(ranked[0]),
        "margin": float(ranked[0] - ranked[1]) if ranked.size > 1 else MARGIN_ALONE,
        "answerability": answerability,
        "topicality": topicality,
        "type_filled": row["type_filled"],
        "type_unknown": row["type_unknown"],
        "missing": row["missing"],
        "verifier": row["verifier"],
        "section": row["section"],
        "passing": float(passing.sum()),
    }


def linear_score(features: np.ndarray, coefficients: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    """Σ coefficient × feature (named by ``names``, column by column) + intercept."""
    weights = np.array([coefficients.get(n, 0.0) for n in names], dtype=np.float64)
    return features @ weights + coefficients.get("intercept", 0.0)


def gather(index: StoredIndex, found: Candidates, hits: Sequence[Hit], top: int) -> tuple[Candidate, ...]:
    """The answer-sentence model's candidates, then the sentences of the
    interviewer's questions their passages answer (each once)."""
    rank_of = {h.passage.id: h.rank for h in hits}
    out, sections = [], {}
    for row, score in zip(found.rows.tolist(), found.scores.tolist(), strict=True):
        owner, (start, end) = sentence_at(index, row)
        context = f"{owner.section} {owner.text}"
        out.append(Candidate(owner.sentence_text((start, end)), start, end, rank_of[owner.id], owner.speaker, False,
                             float(score), owner.section, context))  # fmt: skip
        sections.setdefault(owner.id, float(score))
        sections[owner.id] = max(sections[owner.id], float(score))
    seen = set()
    for hit in hits[:top]:
        span = hit.passage.section_span
        if span is None or span in seen:
            continue
        seen.add(span)
        section = hit.passage.section
        for start, end in sentence_spans(section, 0, len(section)):
            text = section[start:end]
            if not text.rstrip().endswith("?"):
                continue  # statements in a question's paragraph are passages already
            model = sections.get(hit.passage.id, 0.0)
            where = (span[0] + start, span[0] + end, hit.rank)
            out.append(Candidate(text, *where, "interviewer", True, model, section, f"{section} {hit.passage.text}"))
    return tuple(out)


def candidate_features(
    index: StoredIndex,
    question: str,
    vector: np.ndarray,
    candidates: Sequence[Candidate],
    checks: Sequence[Check],
    hits: Sequence[Hit],
) -> np.ndarray:
    """SELECTION_FEATURES of each candidate (the verifier's column is 0 until it scores)."""
    terms = set(keyword.query_terms(index.passage_keywords, question))
    best = max((c.model for c in candidates if not c.in_section), default=0.0)
    by_rank = {h.rank: h.passage.id for h in hits}
    rows = []
    for candidate, check in zip(candidates, checks, strict=True):
        held = set(keyword.analyse(candidate.text))
        around = held | set(keyword.analyse(candidate.context))
        passage = by_rank[candidate.passage_rank]
        if candidate.in_section:
            cosine = float(index.question_vectors[passage] @ vector)
        else:
            cosine = _sentence_cosine(index, passage, candidate, vector)
        rows.append([
            candidate.model, float(candidate.in_section), cosine,
            len(terms & held) / len(terms) if terms else 0.0,
            len(terms & around) / len(terms) if terms else 0.0,
            float(check.type_filled is True), float(check.type_filled is None), float(len(check.missing)),
            float(candidate.speaker == "interviewer"), float(candidate.passage_rank == 1),
            best - candidate.model, 0.0,
        ])  # fmt: skip
    return np.array(rows, dtype=np.float64).reshape(len(candidates), len(SELECTION_FEATURES))


def _sentence_cosine(index: StoredIndex, passage: int, candidate: Candidate, vector: np.ndarray) -> float:
    owner = index.passages[passage]
    offset = int(index.sentence_offsets[passage])
    for i, span in enumerate(owner.sentences):
        if span == (candidate.start, candidate.end):
            return float(index.sentence_vectors[offset + i] @ vector)
    return 0.0
