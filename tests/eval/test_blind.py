"""Blind-set reports per language: every set of one language counted together."""

from __future__ import annotations

from qa.eval.blind import BlindQuestion, BlindReport, BlindResult, by_language


def result(id: str, language: str, kind: str, first_rank: int | None = None, outcome: str = "related") -> BlindResult:
    evidence = ("the evidence",) if kind == "answerable" else ()
    item = BlindQuestion(id=id, question=f"question {id}", kind=kind, evidence=evidence, language=language)
    return BlindResult(item, outcome, False, False, False, first_rank, None)


def test_each_language_is_a_row_with_its_sets_together():
    english = BlindReport("en-b1.jsonl", (result("e1", "en", "answerable", 1), result("e2", "en", "answerable", 3)))
    russian = BlindReport(
        "ru-r1.jsonl",
        (
            result("r1", "ru", "answerable", 2),
            result("r2", "ru", "answerable", None),
            result("r3", "ru", "offtopic", outcome="not_covered"),
            result("r4", "ru", "offtopic"),
        ),
    )
    more_russian = BlindReport("ru-r2.jsonl", (result("r5", "ru", "answerable", 1),))
    lines = by_language([english, russian, more_russian])
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    # English: ranks 1 and 3 -> hit@1 0.5, hit@5 1, MRR (1 + 1/3) / 2; no off-topic question, no claim.
    assert rows["en"] == ["en", "2", "0.50", "1.00", "0.67", "0/0", "0/0"]
    # Russian, both sets: ranks 2, none, 1 -> hit@1 1/3, hit@5 2/3, MRR (1/2 + 0 + 1) / 3;
    # one of the two off-topic questions not covered.
    assert rows["ru"] == ["ru", "5", "0.33", "0.67", "0.50", "1/2", "0/0"]
    assert list(rows) == ["en", "ru"]
