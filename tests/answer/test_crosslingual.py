"""Questions in Russian, Kazakh and Chinese: the language they are in, how the
multilingual view ranks the interview's passages for them, and that they are
never given a claimed answer. On the tiny interview; the real model's figures
on the blind sets are the end-to-end tests' (tests/eval)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa import open_searcher
from qa.answer import crosslingual
from qa.answer.language import language_of
from qa.build.ensure import build_index
from qa.index.store import read_manifest


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Какая страна вступила в СВМДА в 2022 году?", "ru"),
        ("Что такое CICA?", "ru"),  # a Latin acronym in a Cyrillic question
        ("Сарыбай кім?", "kk"),  # "і" is Kazakh's alone: the identifier says Belarusian
        ("СӨСШК қашан құрылды?", "kk"),
        ("亚信会议什么时候成立？", "zh"),
        ("When did Kuwait join CICA?", "en"),
        ("CICA 2022?", "en"),  # 12% English to the identifier: Latin letters stay English
        ("2026?", "en"),  # nothing to tell: as today
        ("Wann ist Kuwait der CICA beigetreten?", "en"),  # plain ASCII is read as English, as before
        ("Kuveyt CICA'ya ne zaman katıldı?", "tr"),  # Latin letters beyond ASCII: the identifier, when sure
        # English with one odd character: a modifier-letter apostrophe, a ligature,
        # full-width letters, a micro sign, a Vietnamese name
        ("Who is Kairat Sarybayʼs successor?", "en"),
        ("What is the ﬁnal act of the Summit?", "en"),
        ("What is ＣＩＣＡ?", "en"),
        ("What is CICA’s µ?", "en"),
        ("What did Kazakhstan say about Nguyễn Phú Trọng?", "en"),
    ],
)
def test_the_language_of_a_question(question, language):
    assert language_of(question) == language


def test_a_russian_question_ranks_by_the_multilingual_view_and_claims_nothing(tiny_searcher):
    answer = tiny_searcher.ask("Сколько государств-членов в Совещании?", k=2)
    assert answer.language == "ru"
    assert answer.outcome in ("related", "not_covered") and answer.sentence is None
    assert answer.answer_confidence == (0.0 if answer.outcome == "related" else None)  # the JSON's contract
    assert answer.hits[0].passage.text.startswith("The Conference now has 28 member states")
    assert answer.to_dict()["language"] == "ru" and list(answer.to_dict())[-1] == "language"


def test_an_english_question_is_read_as_before(tiny_searcher):
    answer = tiny_searcher.ask("How many member states does the Conference have?", k=2)
    assert answer.language == "en"
    assert answer.hits[0].passage.text.startswith("The Conference now has 28 member states")


def test_numbers_alone_do_not_rank_a_passage(tiny_searcher):
    """ "2022" is the one word of this question the interview uses: keyword
    search must not put the passage naming it first for that alone."""
    index = tiny_searcher.index
    vector = np.zeros(index.multilingual.passages.shape[1], dtype=np.float32)  # a question the view cannot place
    ranking = crosslingual.rank(index, "в 2022 году", vector)
    assert np.allclose(ranking.scores, 0.0)


def test_confidence_is_one_half_at_the_threshold():
    at = crosslingual.Ranking(np.zeros(1, dtype=np.float32), crosslingual.TOPICAL_AT)
    below = crosslingual.Ranking(np.zeros(1, dtype=np.float32), crosslingual.TOPICAL_AT - 0.05)
    assert at.topical and at.confidence == pytest.approx(0.5)
    assert not below.topical and below.confidence < 0.01


def test_built_without_the_view_every_question_is_read_as_english(tiny_config, fake_factory):
    config = tiny_config.with_overrides(multilingual=False)
    build_index(config, embedder_factory=fake_factory)
    manifest = json.loads((config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["multilingual"] == "" and "multilingual.npz" not in manifest["artifacts"]
    searcher = open_searcher(tiny_config, embedder_factory=fake_factory)  # as built: stays without it
    assert read_manifest(config.index_dir) == searcher.index.manifest and not searcher.across_languages
    question = "Сколько государств-членов в Совещании?"
    answer = searcher.ask(question, k=2)
    assert answer.language == "ru"  # named, but read as today: by the English views
    assert [h.passage.id for h in answer.hits] == [h.passage.id for h in searcher.search(question, k=2)]


def test_the_view_is_part_of_the_index_identity(tiny_config, fake_factory):
    build_index(tiny_config.with_overrides(multilingual=False), embedder_factory=fake_factory)
    report = build_index(tiny_config.with_overrides(multilingual=True), embedder_factory=fake_factory)
    assert report.built and "multilingual" in report.reason
    manifest = read_manifest(tiny_config.index_dir)
    assert manifest.spec.multilingual and "multilingual.npz" in manifest.artifacts
