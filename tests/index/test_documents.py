from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.files import sha256_bytes
from qa.index.documents import load_corpus
from tests.conftest import ROOT


def test_loads_txt_and_md_sorted_and_skips_others(tmp_path: Path):
    (tmp_path / "b.md").write_text("# B\ntext", encoding="utf-8")
    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("gamma", encoding="utf-8")
    documents = load_corpus(tmp_path)
    assert [d.source for d in documents] == ["a.txt", "b.md", "sub/c.txt"]
    assert documents[0].sha256 == sha256_bytes(b"alpha")


def test_text_keeps_crlf_so_offsets_match_the_file(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes("one\r\ntwo – three\r\n".encode())
    (document,) = load_corpus(tmp_path)
    assert document.text == "one\r\ntwo – three\r\n"


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "no .txt or .md documents"),
        (lambda d: (d / "bad.txt").write_bytes(b"\xff\xfe\xfa"), "is not UTF-8"),
    ],
)
def test_corpus_errors_name_the_problem(tmp_path: Path, setup, message):
    setup(tmp_path)
    with pytest.raises(CorpusError, match=message):
        load_corpus(tmp_path)


def test_missing_corpus_directory(tmp_path: Path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


def test_project_copy_is_byte_identical_to_the_shared_interview():
    shared = ROOT.parent / "shared" / "corpus" / "cica_interview.txt"
    if not shared.exists():
        pytest.skip(f"{shared} is not on this machine")
    assert (ROOT / "corpus" / "cica_interview.txt").read_bytes() == shared.read_bytes()
