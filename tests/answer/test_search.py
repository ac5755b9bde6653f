import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra.numpy import arrays

from qa import open_searcher
from qa.answer.fusion import top_ids
from qa.errors import InvalidArgument, InvalidQuestion


@pytest.fixture
def searcher(tiny_config, fake_factory):
    return open_searcher(tiny_config, embedder_factory=fake_factory)


def test_ranks_passages_by_similarity_with_descending_scores(searcher):
    hits = searcher.search("When did Kuwait join?", k=4)
    assert "Kuwait joined in 2022" in hits[0].passage.text
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_asking_for_more_passages_than_exist_never_pads_or_repeats(searcher):
    hits = searcher.search("charter", k=50)
    assert len(hits) == len(searcher.passages) == 4
    assert len({h.passage.id for h in hits}) == 4


def test_answer_is_a_sentence_of_a_top_passage(searcher):
    answer = searcher.ask("When could the Charter be adopted?", k=3)
    # Claimed or only the closest (the fake embedder gives the reader little to go on), it is this sentence.
    sentence = answer.sentence or answer.closest
    assert sentence.text == "The Charter could be adopted at the 2026 summit."
    owner = answer.hits[sentence.passage_rank - 1].passage
    assert owner.text[sentence.start - owner.start : sentence.end - owner.start] == sentence.text
    key = "answer" if answer.sentence else "closest"
    assert answer.to_dict()[key]["passage_rank"] == sentence.passage_rank


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_blank_questions_are_rejected(searcher, question):
    with pytest.raises(InvalidQuestion):
        searcher.ask(question)


@pytest.mark.parametrize("k", [0, -1, 51, 2.5, "3", True])
def test_top_k_out_of_range_is_rejected(searcher, k):
    with pytest.raises(InvalidArgument, match="top_k"):
        searcher.search("charter", k=k)


def test_modes_rank_differently_and_keyword_needs_a_shared_word(searcher):
    keyword_hits = searcher.search("Kuwait", k=4, mode="keyword")
    assert [h.passage.text.count("Kuwait") > 0 for h in keyword_hits] == [True]
    assert len(searcher.search("Kuwait", k=4, mode="dense")) == 4
    assert searcher.search("Kuwait", k=1, mode="hybrid")[0].passage == keyword_hits[0].passage
    assert searcher.search("zebra", k=4, mode="keyword") == []


def test_unknown_mode_is_rejected(searcher):
    with pytest.raises(InvalidArgument, match="mode must be one of dense, keyword, hybrid"):
        searcher.search("charter", mode="fuzzy")


def test_answer_json_carries_confidence_and_abstention(searcher):
    obj = searcher.ask("When did Kuwait join?", k=2).to_dict()
    # The contract: these keys, in this order; later versions only add keys after them.
    first = ["question", "abstained", "outcome", "confidence", "answer_confidence", "answer", "passages"]
    assert list(obj)[:7] == first
    # A "related" reply's closest sentence, why, and the question's language (additive, in this order).
    assert list(obj)[7:] == ["closest", "reason", "language"]
    assert obj["language"] == "en"
    assert isinstance(obj["confidence"], float) and 0 <= obj["confidence"] <= 1


def test_over_long_questions_are_refused_with_the_limit(searcher):
    with pytest.raises(InvalidQuestion, match="1000 characters"):
        searcher.ask("why " * 300)


def test_top_ids_selects_the_best_finite_scores_ties_by_index():
    scores = np.array([0.5, -np.inf, 0.9, 0.5, 0.5, 0.1, -np.inf, 0.9], dtype=np.float32)
    assert top_ids(scores, 3).tolist() == [2, 7, 0]
    assert top_ids(scores, 4).tolist() == [2, 7, 0, 3]
    assert top_ids(scores, 50).tolist() == [2, 7, 0, 3, 4, 5]  # never a -inf one, never padded
    assert top_ids(np.full(4, -np.inf, dtype=np.float32), 2).size == 0
    assert top_ids(scores, 0).size == 0


@given(
    arrays(np.float32, st.integers(0, 300), elements=st.sampled_from([-np.inf, 0.0, 0.25, 0.5, 1.0, 2.0])),
    st.integers(0, 60),
)
def test_top_ids_matches_a_full_stable_sort(scores, k):
    full = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])][:k]
    assert top_ids(scores, k).tolist() == full
