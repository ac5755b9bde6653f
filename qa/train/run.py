"""``python -m qa train-verifier``: the verifier and the reader's decision, from the writers' data.

1. Examples: each writer's labelled sentences and the reader's candidates for their questions.
2. Out-of-fold verifier scores: the writers in two halves; a verifier trained
   on one half scores the other's candidates.
3. The decision models fitted on those scores; reported by leaving one
   writer out at a time (the figures the command prints).
4. The verifier trained on every writer, saved small (``verifier.safetensors``
   and ``verifier.json`` in ``qa/build/data``), and the decision models
   written into ``scoring.json`` (``reader``): the next build exports the
   verifier to ONNX and recalibrates.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer.search import Searcher
from qa.files import sha256_bytes
from qa.train import decision, examples, verifier
from qa.train.examples import Question


@dataclass(frozen=True)
class Figures:
    """The reader's decision on one held-out writer's questions."""

    writer: str
    answerable: int
    right: int
    wrong: int
    absent: int
    absent_claimed: int
    offtopic_claimed: int

    @property
    def precision(self) -> float | None:
        claims = self.right + self.wrong
        return self.right / claims if claims else None


def train_verifier(
    searcher: Searcher,
    recipe: verifier.Recipe,
    out: Path,
    scoring_json: Path,
    log: Callable[[str], None] = print,
) -> tuple[list[Figures], list[dict]]:
    """(each held-out writer's figures, every held-out decision with what the project decided before)."""
    files = examples.writer_files()
    questions = examples.load_questions(files)
    data_sha256 = sha256_bytes(b"".join(path.read_bytes() for path in files))
    log(f"{len(questions)} questions from {len(files)} writers; gathering candidates")
    pairs = examples.pairs_for(searcher, questions)
    log(f"{len(pairs)} pairs, {sum(p.label for p in pairs)} positive")
    writers = sorted({q.writer for q in questions})
    halves = [writers[: len(writers) // 2], writers[len(writers) // 2 :]]
    scores: dict[tuple[str, str, str], float] = {}
    for held in halves:
        log(f"verifier trained without writers {', '.join(held)}")
        model = verifier.train([p for p in pairs if p.writer not in held], recipe, log)
        scores.update(_out_of_fold(searcher, model, [q for q in questions if q.writer in held], recipe))
    rows = decision.rows(searcher, questions, lambda qid, sentence, section: scores.get((qid, sentence, section), 0.0))
    decided = [d for writer in writers for d in _held_out(rows, writer)]
    figures = [
        _figures([q for q in questions if q.writer == w], [d for d in decided if d["writer"] == w]) for w in writers
    ]
    _add_baseline(searcher, questions, decided)
    (out / "reader-cv.jsonl").write_text("".join(json.dumps(d) + "\n" for d in decided), encoding="utf-8")
    models = decision.fit(rows)
    log("verifier trained on every writer")
    final = verifier.train(pairs, recipe, log)
    identity = verifier.save(final, recipe, data_sha256, out)
    fitted = json.loads(scoring_json.read_text(encoding="utf-8"))
    fitted["reader"] = models
    fitted["reader_fitted"] = {"on": [p.name for p in files], "data_sha256": data_sha256, "verifier": identity}
    scoring_json.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    return figures, decided


def _out_of_fold(
    searcher: Searcher, model: object, questions: Sequence[Question], recipe: verifier.Recipe
) -> dict[tuple[str, str, str], float]:
    """The model's score of every candidate the reader may verify for ``questions``."""
    keys, texts, pairs = [], [], []
    for q in questions:
        for candidate, _ in examples.pool(searcher, q.question, limit=None):
            keys.append((q.id, candidate.text, candidate.section))
            texts.append(q.question)
            pairs.append((candidate.text, candidate.section))
    found = verifier.score(model, texts, pairs, recipe.max_length)
    return dict(zip(keys, found.tolist(), strict=True))


def _held_out(rows: Sequence[decision.Row], writer: str) -> list[dict[str, object]]:
    """Each of ``writer``'s questions decided by models fitted without ``writer``."""
    models = decision.fit([r for r in rows if r.question.writer != writer])
    out = []
    for row in rows:
        if row.question.writer != writer:
            continue
        choice, probability = decision.decide(row, models)
        right = choice is not None and row.question.kind == "answerable" and row.labels[choice] == 1
        q = row.question
        out.append({"id": q.id, "writer": q.writer, "kind": q.kind, "right": bool(right), "probability": probability})
    return out


def _figures(questions: Sequence[Question], decided: Sequence[dict], threshold: float = 0.5) -> Figures:
    """The held-out decisions of one writer's questions, claimed at ``threshold``."""
    claimed = [d for d in decided if d["probability"] >= threshold]
    right = sum(d["right"] for d in claimed)
    return Figures(
        questions[0].writer,
        sum(q.kind == "answerable" for q in questions),
        right,
        len(claimed) - right,
        sum(q.kind == "absent" for q in questions),
        sum(d["kind"] == "absent" for d in claimed),
        sum(d["kind"] == "offtopic" for d in claimed),
    )


def _add_baseline(searcher: Searcher, questions: Sequence[Question], decided: list[dict]) -> None:
    """Beside each held-out decision, what the project decided before the reader
    (its claim, and whether it was right): the pair a paired test compares."""
    scoring = dataclasses.replace(searcher.spec.scoring, reader={})
    spec = dataclasses.replace(searcher.spec, scoring=scoring)
    before = Searcher(
        dataclasses.replace(searcher.index, manifest=dataclasses.replace(searcher.index.manifest, spec=spec)),
        searcher.embedder,
    )
    by_id = {q.id: q for q in questions}
    for d in decided:
        q = by_id[d["id"]]
        answer = before.ask(q.question)
        spans = examples.evidence_spans(searcher, q.evidence) if q.kind == "answerable" else set()
        sentence = answer.sentence
        d["before_claimed"] = sentence is not None
        d["before_right"] = sentence is not None and any(s < sentence.end and sentence.start < e for s, e in spans)


def paired(decided: Sequence[dict], threshold: float = 0.5) -> tuple[float, float, float]:
    """(mean utility before, after, the paired permutation test's p) over the
    held-out questions: +1 a right claim, -1 a wrong one, 0 nothing claimed."""
    from qa.eval.metrics import paired_permutation_p

    def utility(claimed: bool, right: bool) -> float:
        return 0.0 if not claimed else (1.0 if right else -1.0)

    before = np.array([utility(d["before_claimed"], d["before_right"]) for d in decided])
    after = np.array([utility(d["probability"] >= threshold, d["right"]) for d in decided])
    return float(before.mean()), float(after.mean()), paired_permutation_p(after - before)
