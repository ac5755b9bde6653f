"""Building the interview at a glance: the outline, the record of the document,
and the request-kind classifier."""

import json

import numpy as np
import pytest

from qa.build import glance as building
from qa.build.ensure import build_index
from qa.index.store import read_index
from tests.conftest import FakeEmbedder

# An interview in the real document's shape: an introduction, then questions,
# each opened by a statement, and answers of several sentences.
INTERVIEW = (
    "Kazakhstan has concluded its chairmanship of the Conference. We spoke with the Secretary General about it.\n"
    "- The Conference keeps growing every single year now. Why is that so?\n"
    "- Many countries want to take part in the work of the Conference today. New members joined in every year of "
    "the chairmanship. The number of observers also increased over these four years.\n"
    "- What about the budget of the Secretariat and its staff?\n"
    "- The Secretariat budget depends on voluntary contributions from the member states. More staff would help the "
    "Secretariat do its analytical work. Mandatory contributions are being discussed by the member states.\n"
)


@pytest.fixture
def built(tmp_path, fake_factory):
    from qa.config import Config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "interview.txt").write_text(INTERVIEW, encoding="utf-8")
    config = Config(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(config, embedder_factory=fake_factory)
    return config, read_index(config.index_dir).index


def _text(index, row):
    owner = index.passages[int(index.sentence_owner[row])]
    return owner.sentence_text(owner.sentences[row - int(index.sentence_offsets[owner.id])])


def test_the_index_holds_a_glance_and_names_it_in_its_identity(built):
    config, index = built
    manifest = json.loads((config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "glance.npz" in manifest["artifacts"] and manifest["glance"] == building.identity()
    assert index.glance is not None and index.glance.labels == tuple(sorted(index.glance.labels))


def test_the_outline_opens_with_the_introduction_then_each_topic_and_its_answers_in_order(built):
    _, index = built
    rows = index.glance.summary.tolist()
    texts = [_text(index, r) for r in rows]
    assert rows == sorted(rows) and len(rows) <= building.MAX_POINTS
    assert texts[0].startswith("Kazakhstan has concluded")
    assert "The Conference keeps growing every single year now." in texts  # a topic the interviewer opens with
    assert not any(t.endswith("?") for t in texts)  # questions are not points
    # every section gets an answer of its own
    assert any("countries" in t or "observers" in t or "members joined" in t for t in texts)
    assert any("Secretariat" in t and not t.startswith("-") for t in texts)


def test_the_record_of_the_document_is_the_introduction(built):
    _, index = built
    assert [_text(index, r) for r in index.glance.about] == [
        "Kazakhstan has concluded its chairmanship of the Conference.",
        "We spoke with the Secretary General about it.",
    ]


def test_a_rebuild_of_another_corpus_keeps_the_fitted_classifier(built, fake_factory, monkeypatch):
    """The classifier depends on the model and the kinds data, not the corpus:
    a rebuild with the same identity takes the previous one, unfitted."""
    config, index = built
    (config.corpus_dir / "interview.txt").write_text(INTERVIEW + "Oman joined in 2024.\n", encoding="utf-8")
    monkeypatch.setattr(building, "fit_kinds", lambda *a: pytest.fail("refitted"))
    build_index(config, embedder_factory=fake_factory)
    again = read_index(config.index_dir).index
    assert np.array_equal(again.glance.weights, index.glance.weights)


def test_the_classifier_is_fitted_again_when_its_data_changes(built, fake_factory, monkeypatch):
    config, index = built
    monkeypatch.setattr(building, "RECIPE", building.RECIPE + "-changed")
    fitted = []
    real = building.fit_kinds
    monkeypatch.setattr(building, "fit_kinds", lambda *a: fitted.append(1) or real(*a))
    from qa.build import freshness

    monkeypatch.setattr(freshness.glance, "identity", building.identity)
    build_index(config, embedder_factory=fake_factory)
    assert fitted == [1]


def test_unknown_kinds_in_the_data_are_refused():
    with pytest.raises(ValueError, match="unknown request kinds"):
        building.fit_kinds(np.eye(3), ["fact", "list", "recipe"])


def test_the_shipped_kinds_data_is_labelled_by_writer_with_known_kinds():
    requests, kinds, writers = building.kind_examples()
    labelled = {}
    for request, kind, writer in zip(requests, kinds, writers, strict=True):
        assert labelled.setdefault((request, writer), kind) == kind  # one writer, one kind per request
    assert set(kinds) == {"about", "summary", "list", "fact", "offtopic"}
    assert len(set(writers)) >= 3


def test_fitting_is_deterministic():
    requests, kinds, _ = building.kind_examples()
    vectors = FakeEmbedder().encode(requests[:300])
    from qa.index.glance import features

    matrix = np.array([features(r, v) for r, v in zip(requests[:300], vectors, strict=True)])
    first, second = building.fit_kinds(matrix, kinds[:300]), building.fit_kinds(matrix, kinds[:300])
    assert first[0] == second[0] and np.array_equal(first[1], second[1])


@pytest.mark.parametrize(
    "budget, sizes, expected", [(3, [10, 2, 5], [2, 0, 1]), (0, [4, 4], [0, 0]), (9, [1, 1], [2, 2])]
)
def test_extra_answers_go_to_the_longest_sections(budget, sizes, expected):
    assert building._shares(budget, sizes) == expected


def test_an_about_answer_always_holds_its_lead(tmp_path, fake_factory):
    """An introduction longer than the points an answer may hold: the sentence
    that comes closest to the question is among them, whatever its place."""
    from qa.answer.glance import about
    from qa.answer.names import Lexicon
    from qa.config import Config

    opening = " ".join(f"Sentence number {n} tells something general about the meeting." for n in range(14))
    text = opening + " The interviewee Kairat Sarybay leads the Secretariat.\n" + INTERVIEW.split("\n", 1)[1]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "interview.txt").write_text(text, encoding="utf-8")
    config = Config(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(config, embedder_factory=fake_factory)
    index = read_index(config.index_dir).index
    question = "Who is the interviewee Kairat Sarybay?"
    gathered = about(index, Lexicon([p.text for p in index.passages]), question, FakeEmbedder().encode([question])[0])
    assert gathered is not None and gathered.lead in gathered.rows
    assert "Kairat Sarybay leads" in _text(index, gathered.lead)
