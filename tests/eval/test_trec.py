"""TREC runs and qrels (qa.eval.trec, ``eval --run-out/--qrels-out``): the format
by hand, and an independent library reading what eval wrote and getting
eval's numbers. The library is ir_measures: nDCG and Success@k come from
pytrec_eval (trec_eval's own C code), RR@10 from the MS MARCO script it
bundles; the two break score ties in opposite directions."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import ir_measures
import numpy as np
import pytest
from ir_measures import RR, NumQ, P, Success, nDCG

from qa.cli import main
from qa.cli.evaluate import DEFAULT_GOLD_SETS
from qa.errors import InvalidArgument
from qa.eval import trec
from qa.eval.datasets import GoldQuestion, load_gold
from qa.eval.metrics import Metrics, QuestionResult, evidence_spans
from qa.eval.trec import docid, qrels_lines, run_lines, strictly_decreasing, write_lines
from qa.types import Hit, Passage
from tests.conftest import ROOT

# eval's name -> the library's measure
MEASURES = {"hit@1": Success @ 1, "hit@3": Success @ 3, "hit@5": Success @ 5, "mrr@10": RR @ 10, "ndcg@10": nDCG @ 10}


def passage(id: int, source: str, start: int, text: str) -> Passage:
    end = start + len(text)
    return Passage(id, source, start, end, id, "a section", text, ((start, end),))


PASSAGES = [
    passage(0, "interview.txt", 0, "The Conference now has 28 member states."),  # interview.txt:0-40
    passage(1, "interview.txt", 41, "Kuwait joined in 2022."),  # interview.txt:41-63
    passage(2, "interview.txt", 64, "Kuwait is a member state since 2022."),  # interview.txt:64-100
    passage(3, "notes 2024.md", 0, "Observers include Turkmenistan."),  # a space in the source: notes%202024.md:0-31
]
# Relevant, labelled by hand: k1 passage 1 (it holds "Kuwait joined in 2022");
# k2 passages 0 and 2 ("member states", "member state"); k3 none (the
# interview never gives a budget: its evidence is in no passage).
GOLD = [
    GoldQuestion("k1", "When did Kuwait join?", ("Kuwait joined in 2022",), "dev"),
    GoldQuestion("k2", "How many member states?", ("member state",), "test"),
    GoldQuestion("k3", "What is the budget?", ("the budget is",), "test"),
]


def ranked(gold: GoldQuestion, order: Sequence[tuple[int, float]]) -> QuestionResult:
    """What evaluate_question records: the hits, and the ranks of the relevant ones."""
    relevant = evidence_spans(gold, PASSAGES)
    hits = tuple(Hit(PASSAGES[i], score, rank) for rank, (i, score) in enumerate(order, start=1))
    ranks = tuple(hit.rank for hit in hits if hit.passage.id in relevant)
    return QuestionResult(gold, ranks, len(relevant), None, False, hits=hits)


# Each question's relevant passage is first but tied with the one after it: in
# k1 its docid sorts after the other's (a tool breaking ties by docid, A to Z,
# would put it second), in k2 before (a tool breaking ties Z to A would). The
# k2 tie is at 0.0, as BM25 gives every passage sharing no word with the question.
RESULTS = [
    ranked(GOLD[0], [(1, 2.5), (0, 2.5), (3, 1.0)]),
    ranked(GOLD[1], [(2, 0.0), (3, 0.0), (0, -1.0)]),
    ranked(GOLD[2], [(0, 1.0), (1, 0.5)]),
]


def library(measures, qrels: Sequence[str], run: Sequence[str]) -> dict:
    return ir_measures.calc_aggregate(
        measures, ir_measures.read_trec_qrels("\n".join(qrels) + "\n"), ir_measures.read_trec_run("\n".join(run) + "\n")
    )


def test_the_run_and_the_qrels_line_by_line():
    assert run_lines(RESULTS, "cica-qa-hybrid") == [
        "k1 Q0 interview.txt:41-63 1 2.5 cica-qa-hybrid",
        "k1 Q0 interview.txt:0-40 2 2.4999998 cica-qa-hybrid",  # the tie, one float32 below
        "k1 Q0 notes%202024.md:0-31 3 1.0 cica-qa-hybrid",
        "k2 Q0 interview.txt:64-100 1 0.0 cica-qa-hybrid",
        "k2 Q0 notes%202024.md:0-31 2 -1e-45 cica-qa-hybrid",
        "k2 Q0 interview.txt:0-40 3 -1.0 cica-qa-hybrid",
        "k3 Q0 interview.txt:0-40 1 1.0 cica-qa-hybrid",
        "k3 Q0 interview.txt:41-63 2 0.5 cica-qa-hybrid",
    ]
    assert qrels_lines(GOLD, PASSAGES) == [
        "k1 0 interview.txt:41-63 1",
        "k2 0 interview.txt:0-40 1",  # relevant though not retrieved in the top 2: nDCG's ideal counts it
        "k2 0 interview.txt:64-100 1",
        # No passage is relevant: every one judged 0, so the question is kept and scores 0.
        "k3 0 interview.txt:0-40 0",
        "k3 0 interview.txt:41-63 0",
        "k3 0 interview.txt:64-100 0",
        "k3 0 notes%202024.md:0-31 0",
    ]


def test_the_library_gets_evals_numbers_on_ties_and_a_question_without_relevant_passages():
    ours = Metrics.of(RESULTS).to_dict()
    theirs = library([*MEASURES.values(), P @ 1, NumQ], qrels_lines(GOLD, PASSAGES), run_lines(RESULTS, "t"))
    assert theirs[NumQ] == 3  # k3 counted, as eval counts it
    for name, measure in MEASURES.items():
        assert ours[name] == pytest.approx(theirs[measure], abs=5e-5), name
    assert theirs[P @ 1] == theirs[Success @ 1] == pytest.approx(2 / 3)
    ndcg_k2 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))  # relevant at ranks 1 and 3 of 2 relevant
    assert theirs[nDCG @ 10] == pytest.approx((1 + ndcg_k2 + 0) / 3)


def test_without_the_two_rules_the_library_disagrees(monkeypatch):
    """The test above sees both rules: written as they are, the ties reorder;
    left out of the qrels, k3 is skipped instead of counted as 0."""
    monkeypatch.setattr(trec, "strictly_decreasing", lambda scores: list(scores))
    theirs = library(MEASURES.values(), qrels_lines(GOLD, PASSAGES), run_lines(RESULTS, "t"))
    assert theirs[Success @ 1] < Metrics.of(RESULTS).hit_1  # trec_eval's tie-break
    assert theirs[RR @ 10] < Metrics.of(RESULTS).mrr_10  # MS MARCO's, the other way round
    monkeypatch.undo()
    qrels = [line for line in qrels_lines(GOLD, PASSAGES) if not line.startswith("k3 ")]
    theirs = library([RR @ 10, NumQ], qrels, run_lines(RESULTS, "t"))
    assert theirs[NumQ] == 2 and theirs[RR @ 10] > Metrics.of(RESULTS).mrr_10


def test_strictly_decreasing_moves_only_ties_and_keeps_them_apart_in_float32():
    assert strictly_decreasing([3.0, 2.0, 1.0]) == [3.0, 2.0, 1.0]
    written = strictly_decreasing([3.0, 3.0, 3.0, 1.0, 0.0, 0.0, 1e-9])
    single = [np.float32(s) for s in written]
    assert all(a > b for a, b in itertools.pairwise(single))  # apart where trec_eval keeps a C float
    assert written[0] == 3.0 and written[3] == 1.0 and written[4] == 0.0
    assert 3.0 - written[2] < 1e-6 and -written[6] < 1e-44  # as close as a float32 can be
    assert strictly_decreasing([1 + 1e-12, 1.0]) == [1.0, float(np.nextafter(np.float32(1), np.float32(0)))]


def test_docids_name_a_span_and_hold_no_white_space():
    assert docid(PASSAGES[3]) == "notes%202024.md:0-31"
    assert docid(passage(7, "sub dir/a:b.txt", 5, "x")) == "sub%20dir/a%3Ab.txt:5-6"


@pytest.mark.parametrize(
    "gold, message",
    [
        ([GOLD[0], GOLD[0]], "gold question id k1 appears twice"),
        ([GoldQuestion("k 1", "q", ("e",), "dev")], "gold question id 'k 1' holds white space"),
    ],
)
def test_question_ids_that_are_no_trec_qids_are_refused(gold, message):
    with pytest.raises(InvalidArgument, match=message):
        qrels_lines(gold, PASSAGES)
    with pytest.raises(InvalidArgument, match=message):
        run_lines([ranked(g, [(0, 1.0)]) for g in gold], "t")


def test_write_lines_creates_the_folder_and_names_a_path_it_cannot_write(tmp_path):
    target = tmp_path / "runs" / "hybrid.run"
    write_lines(target, ["a", "b"], "run")
    assert target.read_text(encoding="utf-8") == "a\nb\n"
    write_lines(target, ["c"], "run")
    assert target.read_text(encoding="utf-8") == "c\n"
    (tmp_path / "a-file").write_text("")
    for bad in (tmp_path / "a-file" / "x.run", tmp_path / "runs"):  # under a file; a folder
        with pytest.raises(InvalidArgument, match=f"^cannot write run {re.escape(str(bad))}: "):
            write_lines(bad, ["a"], "run")


# --- the real interview: what eval prints and what the library reads in its files ---


def run_eval(real_config, folder: Path, mode: str) -> tuple[dict, Path, Path]:
    run, qrels = folder / f"{mode}.run", folder / "gold.qrels"
    argv = ["eval", "--json", "--run-out", str(run), "--qrels-out", str(qrels), "--run-mode", mode]
    argv += ["--corpus", str(real_config.corpus_dir), "--index", str(real_config.index_dir)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0
    return json.loads(out.getvalue()), run, qrels


@pytest.fixture(scope="module")
def hybrid_eval(real_config, tmp_path_factory):
    return run_eval(real_config, tmp_path_factory.mktemp("runs"), "hybrid")


def by_question(run: Path, qrels: Path) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for metric in ir_measures.iter_calc(
        MEASURES.values(), ir_measures.read_trec_qrels(str(qrels)), ir_measures.read_trec_run(str(run))
    ):
        found.setdefault(metric.query_id, {})[metric.measure] = metric.value
    return found


def assert_library_reproduces(report: dict, mode: str, run: Path, qrels: Path) -> None:
    """Per gold set and split (dev, test, all), every ranking figure of eval."""
    found = by_question(run, qrels)
    gold_sets = {path.name: load_gold(ROOT / path) for path in DEFAULT_GOLD_SETS}
    assert set(found) == {g.id for gold in gold_sets.values() for g in gold}
    for name, gold in gold_sets.items():
        for split in ("dev", "test", "all"):
            ids = [g.id for g in gold if split in (g.split, "all")]
            figures = report["sets"][name][mode][split]
            for figure, measure in MEASURES.items():
                theirs = sum(found[i][measure] for i in ids) / len(ids)
                assert figures[figure] == pytest.approx(theirs, abs=5e-5), (name, split, figure)


def test_the_library_reproduces_eval_on_the_real_interview(hybrid_eval):
    report, run, qrels = hybrid_eval
    assert_library_reproduces(report, "hybrid", run, qrels)
    lines = [line.split() for line in run.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10 * len({line[0] for line in lines})  # max(top_k, 10) passages a question
    assert {line[5] for line in lines} == {"cica-qa-hybrid"}


def test_the_keyword_run_with_its_ties_too(real_config, tmp_path):
    """BM25 ties (a few exactly equal scores per question) are where a tool's
    own tie-break would reorder the run; --run-mode picks the mode written."""
    report, run, qrels = run_eval(real_config, tmp_path, "keyword")
    assert {line.split()[5] for line in run.read_text(encoding="utf-8").splitlines()} == {"cica-qa-keyword"}
    assert_library_reproduces(report, "keyword", run, qrels)


def test_readme_shows_what_the_library_reads_in_evals_files(hybrid_eval):
    _, run, qrels = hybrid_eval
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ ir_measures runs/gold.qrels runs/hybrid.run ")[1].split("```")[0]
    shown = dict(line.split("\t") for line in block.splitlines()[1:] if line)
    theirs = ir_measures.calc_aggregate(
        [ir_measures.parse_measure(m) for m in shown],
        ir_measures.read_trec_qrels(str(qrels)),
        ir_measures.read_trec_run(str(run)),
    )
    # The README check's tolerance (tests/test_readme.py): the ONNX encoder's last digits.
    assert {m: float(v) for m, v in shown.items()} == {
        m: pytest.approx(theirs[ir_measures.parse_measure(m)], abs=0.005) for m in shown
    }
