"""The index on disk as other users see it: built by one user and read by
another. The unprivileged user is a subprocess run with another uid (root
only)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.config import Config
from qa.files import atomic_write
from tests.commands import NOBODY, PACKAGES, _unavailable, notes, paths, python_for, run_cli
from tests.conftest import ROOT


@contextlib.contextmanager
def passable_to_all(*paths: Path) -> Iterator[None]:
    """Every directory above ``paths`` made passable (o+x, not readable) for
    the test, and put back after: a checkout cloned under ``mktemp -d`` (0700)
    would otherwise keep the other user from this project and its packages."""
    changed = []
    for path in paths:
        for directory in (path.resolve(), *path.resolve().parents):
            mode = directory.stat().st_mode
            if not mode & stat.S_IXOTH and directory not in (d for d, _ in changed):
                directory.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append((directory, stat.S_IMODE(mode)))
    try:
        yield
    finally:
        for directory, mode in reversed(changed):
            directory.chmod(mode)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every user may enter (pytest's tmp_path is private to its user)."""
    if os.geteuid() != 0:
        _unavailable("running as another user needs root (run the suite as root, as CI does)")
    with passable_to_all(ROOT, Path(PACKAGES)):
        if python_for(NOBODY) is None:
            _unavailable(f"no Python {sys.version_info.major}.{sys.version_info.minor} that uid {NOBODY} can run")
        path = Path(tempfile.mkdtemp(prefix="qa-shared-"))
        path.chmod(0o755)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


def copy_of(real_config: Config, root: Path) -> Config:
    """The real corpus and its index, copied under ``root`` and rebuilt there
    by this (the building) user with the usual umask."""
    config = Config(corpus_dir=root / "corpus", index_dir=root / "index")
    shutil.copytree(real_config.corpus_dir, config.corpus_dir)
    shutil.copytree(real_config.index_dir, config.index_dir)
    built = run_cli("build", "--force", *paths(config), umask=0o022)
    assert built.returncode == 0, built.stderr
    return config


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0, 0o666)])
def test_written_files_get_ordinary_permissions(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "passages.jsonl", b"{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "passages.jsonl").stat().st_mode) == expected


def test_an_index_built_by_one_user_answers_another(real_config, shared_dir):
    """`make index` as one user, the app as another: the reader uses the index
    as it is, takes no lock and writes nothing."""
    config = copy_of(real_config, shared_dir)
    before = sorted(os.listdir(config.index_dir))
    result = run_cli("ask", "When did Kuwait join?", "-k", "1", "--json", *paths(config), user=NOBODY)
    assert result.returncode == 0, result.stderr
    assert notes(result.stderr) == []
    assert "Kuwait joining in 2022" in result.stdout
    assert sorted(os.listdir(config.index_dir)) == before


def test_a_reader_that_cannot_rebuild_answers_from_the_index_it_has(real_config, shared_dir):
    config = copy_of(real_config, shared_dir)
    with (config.corpus_dir / "cica_interview.txt").open("a", encoding="utf-8") as corpus:
        corpus.write("- A new question?\n- A new answer about Oman joining in 2031.\n")
    result = run_cli("ask", "When did Kuwait join?", "-k", "1", "--json", *paths(config), user=NOBODY)
    assert result.returncode == 0, result.stderr
    note = notes(result.stderr)
    assert len(note) == 1, result.stderr
    assert note[0].startswith(f"note: answering from the index in {config.index_dir} as it is")
    assert "the corpus changed" in note[0] and "Permission denied" in note[0]
    assert "Kuwait joining in 2022" in result.stdout


def test_an_index_that_can_be_neither_read_nor_rebuilt_is_one_line(real_config, shared_dir):
    config = copy_of(real_config, shared_dir)
    (config.index_dir / "manifest.json").chmod(0o600)  # as the builder's umask 077 would leave it
    result = run_cli("ask", "When did Kuwait join?", *paths(config), user=NOBODY)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = notes(result.stderr)
    assert line.startswith(f"error: cannot read {config.index_dir / 'manifest.json'}: Permission denied")
    assert f"cannot write the index in {config.index_dir}" in line
    assert "run `python -m qa build` as a user who can write it, or pass --index" in line
