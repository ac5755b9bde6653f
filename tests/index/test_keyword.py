import numpy as np

from qa.index import keyword


def test_analyse_lowercases_stems_drops_stop_words_keeps_numbers():
    assert keyword.analyse("When did Kuwait join? In 2022, 28 members and TurkPA's 5 councils") == [
        "kuwait",
        "join",
        "2022",
        "28",
        "member",
        "turkpa",
        "5",
        "council",
    ]
    assert keyword.analyse("?? the of and") == []


def test_scores_rank_matching_documents_and_ignore_unknown_words():
    retriever = keyword.build(["Kuwait joined in 2022", "The Charter and the 2026 summit", "ASEAN cooperation", ""])
    scores = keyword.scores(retriever, "when did kuwait join")
    assert scores.shape == (4,) and scores[0] > 0 and not scores[1:].any()
    assert keyword.scores(retriever, "2026 charter").argmax() == 1
    assert not keyword.scores(retriever, "zebra quantum").any()
    assert not keyword.scores(retriever, "???").any()


def test_serialised_index_loads_back_identically():
    retriever = keyword.build(["Kuwait joined in 2022", "ASEAN and TurkPA"])
    files = keyword.serialize(retriever, "keyword.test")
    assert all(name.startswith("keyword.test.") for name in files)
    loaded = keyword.from_files(files, "keyword.test")
    for question in ("Kuwait 2022", "TurkPA", "nothing here"):
        assert np.array_equal(keyword.scores(loaded, question), keyword.scores(retriever, question))


def test_coverage_is_the_share_of_question_words_the_index_knows():
    retriever = keyword.build(["Kuwait joined in 2022", "ASEAN cooperation"])
    assert keyword.coverage(retriever, "Kuwait weather") == 0.5
    assert keyword.coverage(retriever, "When did Kuwait join?") == 1.0
    assert keyword.coverage(retriever, "???") == 0.0
