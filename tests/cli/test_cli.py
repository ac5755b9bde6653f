"""The command line, in process (the model loads once) and, for exit codes
and stdout/stderr separation, in a subprocess."""

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main
from qa.cli.main import build_parser
from qa.errors import InvalidArgument
from tests.conftest import ROOT

PASSAGE_KEYS = {"rank", "text", "score", "source", "start", "end", "paragraph", "section", "speaker"}
OUTCOMES = {"answered", "related", "not_covered"}


def paths(config):
    return ["--corpus", str(config.corpus_dir), "--index", str(config.index_dir)]


def check_contract(obj, question, k):
    """The ask --json object: the fields of the first version, and the ones added since."""
    assert list(obj)[:7] == [
        "question", "abstained", "outcome", "confidence", "answer_confidence", "answer", "passages"
    ]  # fmt: skip
    assert list(obj)[7:] == ["closest", "reason", "language"]  # added since: keys are only ever appended
    assert obj["question"] == question and obj["outcome"] in OUTCOMES
    assert obj["abstained"] is (obj["outcome"] == "not_covered")
    assert 0.0 <= obj["confidence"] <= 1.0
    assert (obj["answer"] is None) is (obj["outcome"] != "answered")
    if obj["outcome"] != "not_covered":
        assert 0.0 <= obj["answer_confidence"] <= 1.0
    assert [p["rank"] for p in obj["passages"]] == list(range(1, k + 1))
    scores = [p["score"] for p in obj["passages"]]
    assert scores == sorted(scores, reverse=True)
    for p in obj["passages"]:
        assert set(p) == PASSAGE_KEYS and p["speaker"] in ("interviewer", "interviewee")
        assert isinstance(p["score"], float) and isinstance(p["paragraph"], int)
    if obj["answer"] is not None:
        assert list(obj["answer"])[:5] == ["text", "passage_rank", "start", "end", "speaker"]
        assert list(obj["answer"])[5:] == ["short", "kind", "points"]
        assert 1 <= obj["answer"]["passage_rank"] <= k
        answer_passage = obj["passages"][obj["answer"]["passage_rank"] - 1]
        assert obj["answer"]["text"] in answer_passage["text"]
        assert obj["answer"]["speaker"] == answer_passage["speaker"]


def test_ask_json_is_one_object_per_question_in_order(real_config, capsys, tmp_path):
    questions_file = tmp_path / "q.txt"
    questions_file.write_text("Which country joined CICA in 2022?\n\nWho chairs CICA after Kazakhstan?\n")
    code = main(
        [
            "ask",
            "What is the Catalogue of CBMs?",
            "--questions-file",
            str(questions_file),
            "--json",
            "-k",
            "3",
            *paths(real_config),
        ]
    )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    expected = [
        "What is the Catalogue of CBMs?",
        "Which country joined CICA in 2022?",
        "Who chairs CICA after Kazakhstan?",
    ]
    for obj, question in zip(objects, expected, strict=True):
        check_contract(obj, question, 3)
    text = (real_config.corpus_dir / objects[1]["passages"][0]["source"]).read_text(encoding="utf-8")
    for p in objects[1]["passages"]:
        assert text[p["start"] : p["end"]] == p["text"]


def test_ask_human_output_shows_answer_and_sources(real_config, capsys):
    assert main(["ask", "When did Kuwait join?", "-k", "2", *paths(real_config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: When did Kuwait join?\nA: ")
    assert "[1] score" in out and "[2] score" in out and "cica_interview.txt, paragraph" in out
    assert "In reply to:" in out


def test_ask_reads_a_follow_up_with_previous(real_config, capsys):
    previous = "Which country took over the chairmanship in December 2024?"
    argv = ["ask", "What is its main priority?", "--previous", previous, "-k", "3", *paths(real_config)]
    assert main([*argv, "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert any("adopt the Charter" in p["text"] for p in obj["passages"])
    assert main(argv) == 0
    assert f"(read together with: {previous})" in capsys.readouterr().out


def test_build_says_up_to_date(real_config, capsys):
    assert main(["build", *paths(real_config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("index up to date") and "1 documents, " in out


def test_eval_prints_a_table_and_json(real_config, capsys):
    assert main(["eval", "--json", *paths(real_config)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["splits"]) == {"dev", "test", "all"}
    assert report["splits"]["all"]["questions"] >= 40
    assert main(["eval", *paths(real_config)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = ["gold", "set", "mode", "split", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "nDCG@10", "answer"]
    assert lines[0].split() == header
    assert [line.split()[:3] for line in lines[1:19]] == [
        [g, m, s] for g in ("gold.jsonl", "gold_styles.jsonl") for m in ("dense", "keyword", "hybrid")
        for s in ("dev", "test", "all")
    ]  # fmt: skip
    for heading in ("style", "outcomes", "not covered", "off-topic kind", "follow-ups"):
        assert any(line.startswith(heading + " ") for line in lines), heading
    assert set(report["outcomes"]) == {"dev", "test", "all"} and report["answer_threshold"] == 0.5
    assert {row["style"] for row in report["styles"]} >= {"typo", "keyword", "two-part"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ask", ""], "question 1: the question is empty"),
        (["ask", "ok?", "   "], "question 2: the question is empty"),
        (["ask"], "no question given"),
        (["ask", "x", "--questions-file", "/nonexistent/q.txt"], "cannot read questions file"),
        (["eval", "--gold", "/nonexistent/gold.jsonl"], "cannot read gold set"),
        (["eval", "--run-out", "x.trec", "--qrels-out", "x.trec"], "--run-out and --qrels-out are both x.trec"),
        (["eval", "--run-mode", "keyword"], "--run-mode picks the run --run-out writes: give --run-out FILE too"),
        (["eval", "--plot", "/nonexistent/x.png"], "--plot /nonexistent/x.png: no directory /nonexistent"),
        (["eval", "--plot", "x.txt"], "--plot writes a PNG: give a file name ending in .png, not x.txt"),
        (["build", "--max-tokens", "3"], "argument --max-tokens: must be at least 8: 3"),
        (["ask", "x", "--previous", "why " * 300], "the previous question is longer than 1000 characters"),
        (["build", "--corpus", "/nonexistent/corpus"], "corpus directory not found: /nonexistent/corpus"),
        (["ask", "x", "--corpus", "/nonexistent/corpus"], "corpus directory not found: /nonexistent/corpus"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, message, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "qa", *argv, "--index", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: {message}")


def test_readme_documents_every_command_and_flag():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert f"`{name} " in readme, name
        for action in sub._actions:
            longest = max(action.option_strings, key=len, default=None)
            if longest and longest != "--help":
                assert longest in readme, f"{name} {longest}"


def run_cli(*argv, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "qa", *argv], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_a_bad_line_in_a_questions_file_costs_only_that_line(real_config, tmp_path):
    questions = tmp_path / "q.txt"
    lines = ["When did Kuwait join?", "why " * 400, "", "What is the CICA Fund?"]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_cli("ask", "--questions-file", str(questions), "--json", "-k", "1", *paths(real_config))
    assert proc.returncode == 1, proc.stderr
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["question"][:20] for o in objects] == ["When did Kuwait join", ("why " * 5)[:20], "What is the CICA Fun"]
    assert objects[1] == {"question": ("why " * 400)[:1000] + "…", "error": objects[1]["error"]}
    assert objects[1]["error"] == "the question is longer than 1000 characters"
    assert objects[0]["passages"] and objects[2]["passages"]
    human = run_cli("ask", "--questions-file", str(questions), "-k", "1", *paths(real_config))
    assert human.returncode == 1
    assert human.stdout.count("Q: ") == 2
    assert human.stderr.strip() == "error: question 2: the question is longer than 1000 characters"


def test_a_line_that_is_not_utf8_costs_only_that_line(real_config, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_bytes(b"When did Kuwait join?\n\xff\xfeabc?\nWhat is the CICA Fund?\n")
    for source, stdin in ((str(questions), None), ("-", questions.read_bytes().decode("latin-1"))):
        proc = subprocess.run(
            [sys.executable, "-m", "qa", "ask", "--questions-file", source, "--json", "-k", "1", *paths(real_config)],
            input=stdin.encode("latin-1") if stdin else None, capture_output=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        objects = [json.loads(line) for line in proc.stdout.splitlines()]
        assert objects[1] == {"question": "\ufffd\ufffdabc?", "error": "the line is not UTF-8 text"}
        assert objects[0]["passages"] and objects[2]["passages"]


def test_questions_are_read_a_line_at_a_time_however_long_the_line(monkeypatch):
    """An endless line (``--questions-file /dev/zero``) is one error, read in
    bounded pieces, never whole: before, the whole input was read first (24 GB
    and the kernel's OOM killer for /dev/zero)."""
    from qa.cli import ask as cli

    class Endless(io.RawIOBase):
        def __init__(self, tail=b""):
            self.given, self.tail = 0, tail

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.given >= 50_000_000:
                n = min(len(buffer), len(self.tail))
                buffer[:n], self.tail = self.tail[:n], self.tail[n:]
                return n
            buffer[:] = b"a" * len(buffer)
            self.given += len(buffer)
            return len(buffer)

    endless = Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(endless)))
    first = next(cli._questions_in(Path("-")))
    assert first.error == "the question is longer than 1000 characters" and first.start.startswith("aaa")
    assert endless.given < 64_000  # a line's worth, not the input
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless(b"aaa\nWhen?\r\n\n"))))
    items = list(cli._questions_in(Path("-")))
    assert [getattr(i, "error", i) for i in items] == ["the question is longer than 1000 characters", "When?"]


def test_a_pipe_is_answered_line_by_line(real_config):
    """The first answer comes before the second question is written."""
    command = [sys.executable, "-m", "qa", "ask", "-q", "-", "--json", "-k", "1", *paths(real_config)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, text=True) as proc:
        proc.stdin.write("When did Kuwait join?\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "no answer before the input ended"
        assert json.loads(proc.stdout.readline())["question"] == "When did Kuwait join?"
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("closed", [False, True])
def test_output_that_cannot_be_written_is_one_line_and_exit_2(real_config, closed):
    """Standard output on a full disk, or closed: one line, exit 2, not a
    traceback (full) or exit 0 with the answers lost (closed)."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "qa", "ask", "When did Kuwait join?", *paths(real_config)],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
            preexec_fn=(lambda: os.close(1)) if closed else None,
        )  # fmt: skip
    assert proc.returncode == 2
    expected = "standard output is closed" if closed else "cannot write the output: No space left on device"
    assert proc.stderr.strip().splitlines() == [f"error: {expected}" + (": nothing could be written" if closed else "")]


def test_a_line_separator_inside_a_question_does_not_split_it(real_config, capsys, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_bytes("When did Kuwait\u2028join CICA?\r\nWhat is the CICA Fund?\n".encode())
    assert main(["ask", "--questions-file", str(questions), "--json", "-k", "1", *paths(real_config)]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["question"] for o in objects] == ["When did Kuwait join CICA?", "What is the CICA Fund?"]


def test_a_bug_says_so_with_its_traceback_and_exit_1(monkeypatch, capsys, tmp_path):
    """Only domain errors are the user's; a ValueError from deep inside (numpy,
    FAISS) is a bug, not "error: ..." with exit 2."""
    from qa.build import ensure as build

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(build, "build_index", broken)
    assert main(["build", "--index", str(tmp_path / "index")]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1] == (
        "error: internal error, this is a bug (ValueError: operands could not be broadcast together)"
    )


@pytest.mark.parametrize("argv", [["ask", "q", "-k", "0"], ["ask", "q", "--mode", "fuzzy"], ["build", "--nope"], []])
def test_a_bad_flag_is_one_line_and_exit_2(argv, tmp_path):
    proc = run_cli(*argv)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: ") and line.endswith("--help)")


def test_eval_asks_for_as_many_passages_as_top_k():
    """With -k above 10 a relevant passage at rank 12 is a hit, not a miss."""
    from qa.answer.search import Trace
    from qa.eval.datasets import GoldQuestion
    from qa.eval.evaluation import evaluate_question

    class Recording:
        passages = []
        asked = []

        def trace(self, question, k, mode):
            self.asked.append(k)
            return Trace(question, question, None, (), 0.0, 0.0, None, None, None, "not_covered")

    searcher = Recording()
    result = evaluate_question(searcher, GoldQuestion("g", "q", ("e",), "dev"), depth=20)
    assert searcher.asked == [20]
    evaluate_question(searcher, result.gold, depth=3)
    assert searcher.asked[-1] == 10  # never below what MRR@10 and nDCG@10 need


def test_fitting_commands_write_into_a_checkout_never_into_an_installed_package(monkeypatch, tmp_path, capsys):
    """tune --write and train-verifier write qa/build/data of the checkout; an
    installed qa (no pyproject.toml above it) has none, and says so in one line."""
    from qa.cli import args

    installed = tmp_path / "site-packages" / "qa" / "build" / "data"
    installed.mkdir(parents=True)
    monkeypatch.setattr(args, "SOURCE_DATA", installed)
    with pytest.raises(InvalidArgument, match="not from a checkout"):
        args.checkout_data()
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    monkeypatch.setattr(args, "SOURCE_DATA", tmp_path / "qa" / "build" / "data")
    assert args.checkout_data() == tmp_path / "qa" / "build" / "data"
