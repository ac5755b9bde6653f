import pytest

from qa.errors import InvalidQuestion
from qa.indexing import open_index
from qa.search import Searcher


@pytest.fixture
def searcher(tiny_config, fake_factory):
    return Searcher(*open_index(tiny_config, embedder_factory=fake_factory))


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
    assert answer.sentence.text == "The Charter could be adopted at the 2026 summit."
    owner = answer.hits[answer.sentence.passage_rank - 1].passage
    assert owner.text[answer.sentence.start - owner.start : answer.sentence.end - owner.start] == answer.sentence.text
    assert answer.to_dict()["answer"]["passage_rank"] == answer.sentence.passage_rank


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_blank_questions_are_rejected(searcher, question):
    with pytest.raises(InvalidQuestion):
        searcher.ask(question)


@pytest.mark.parametrize("k", [0, -1, 51, 2.5, "3", True])
def test_top_k_out_of_range_is_rejected(searcher, k):
    with pytest.raises(ValueError, match="top_k"):
        searcher.search("charter", k=k)
