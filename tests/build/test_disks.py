"""The index on other disks: a full disk, a read-only file system, an
--index that is a file. The full and read-only disks are small tmpfs mounts
made in the test (root only)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa import open_searcher
from qa.build.ensure import build_index
from qa.cli import main
from qa.config import Config
from qa.errors import IndexNotFound, IndexWriteError
from qa.index.spec import Manifest
from qa.index.store import read_index
from tests.commands import _unavailable, paths, run_cli


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Callable[[str], Path]]:
    """``small_disk("1m")``: a new tmpfs of that size, unmounted after the test."""
    if os.geteuid() != 0:
        _unavailable("mounting a small file system needs root (run the suite as root, as CI does)")
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)])
        if done.returncode != 0:
            _unavailable("mount -t tmpfs is not permitted here")
        mounted.append(point)
        return point

    try:
        yield mount
    finally:
        for point in reversed(mounted):
            subprocess.run(["umount", "-l", str(point)], check=False)


def remount(point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True)


def fill(disk: Path) -> Path:
    """Take every free block of ``disk``; returns the file holding them."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while handle.write(b"\0" * 65536):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def on_disk(tiny_config: Config, disk: Path) -> Config:
    return Config(corpus_dir=tiny_config.corpus_dir, index_dir=disk / "index")


def change_corpus(config: Config) -> None:
    path = config.corpus_dir / "interview.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Kuwait", "Oman"), encoding="utf-8")


def assert_whole_or_none(index_dir: Path, previous: Manifest) -> None:
    """No manifest (the next run rebuilds) or the previous, whole index; no leftovers."""
    try:
        index = read_index(index_dir).index
    except IndexNotFound:
        pass
    else:
        assert index.manifest == previous
    assert not list(index_dir.rglob(".*.tmp"))


def test_a_full_disk_during_a_build_is_one_line(tiny_config, fake_factory, small_disk, caplog):
    config = on_disk(tiny_config, small_disk("512k"))
    build_index(config, embedder_factory=fake_factory)
    previous = read_index(config.index_dir).index
    filler = fill(config.index_dir.parent)
    change_corpus(config)
    with pytest.raises(IndexWriteError) as caught:
        build_index(config, embedder_factory=fake_factory)
    message = str(caught.value)
    assert message.startswith(f"cannot write the index in {config.index_dir} (No space left on device")
    assert message.endswith("free some space and build again, or pass --index a directory on another disk")
    assert_whole_or_none(config.index_dir, previous.manifest)
    filler.unlink()
    with caplog.at_level(logging.WARNING, logger="qa"):
        searcher = open_searcher(config, embedder_factory=fake_factory)
    assert "Oman joined" in searcher.search("When did Oman join?", k=1)[0].passage.text


def test_a_write_that_fails_at_any_point_of_a_build_is_one_line(tiny_config, fake_factory, monkeypatch):
    """ENOSPC injected at each fsync of a build in turn (a full disk surfaces
    at write or at fsync): always an IndexWriteError, never a traceback, and
    the directory holds the previous index or none, with no leftovers."""
    from qa import files

    build_index(tiny_config, embedder_factory=fake_factory)
    previous = read_index(tiny_config.index_dir).index
    old_index = tiny_config.index_dir.with_name("old-index")
    shutil.copytree(tiny_config.index_dir, old_index)
    change_corpus(tiny_config)
    real_fsync, calls = os.fsync, {"n": 0, "fail_at": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == calls["fail_at"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    build_index(tiny_config, force=True, embedder_factory=fake_factory)
    total = calls["n"]
    assert total >= 30  # the cache, every artifact and the manifest, each file and its directory
    for fail_at in range(1, total + 1):
        shutil.rmtree(tiny_config.index_dir)
        shutil.copytree(old_index, tiny_config.index_dir)
        calls.update(n=0, fail_at=fail_at)
        with pytest.raises(IndexWriteError, match="No space left on device"):
            build_index(tiny_config, force=True, embedder_factory=fake_factory)
        if fail_at < total:  # the last fsync is the directory's, after the manifest is in place
            assert_whole_or_none(tiny_config.index_dir, previous.manifest)


def test_a_read_only_index_directory(tiny_config, fake_factory, small_disk, caplog):
    """Up to date: `build` says so; stale: asking answers from the index as it
    is, with a note; forced: one line."""
    config = on_disk(tiny_config, small_disk("1m"))
    build_index(config, embedder_factory=fake_factory)
    remount(config.index_dir.parent, "ro")
    result = run_cli("build", *paths(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"index up to date in {config.index_dir}: 1 documents, 4 passages")
    with pytest.raises(IndexWriteError, match="Read-only file system"):
        build_index(config, force=True, embedder_factory=fake_factory)
    change_corpus(config)
    with caplog.at_level(logging.WARNING, logger="qa"):
        searcher = open_searcher(config, embedder_factory=fake_factory)
    assert "Kuwait joined" in searcher.search("When did Kuwait join?", k=1)[0].passage.text
    (note,) = [record.getMessage() for record in caplog.records if record.name == "qa"]
    assert note.startswith(f"note: answering from the index in {config.index_dir} as it is")
    assert "the corpus changed" in note and "Read-only file system" in note


@pytest.mark.parametrize("command", ["build", "ask"])
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_index_path_that_is_not_a_directory_is_one_line(tiny_config, tmp_path, capsys, command, where):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not an index\n")
    index = a_file if where == "a file" else a_file / "index"
    question = ["When did Kuwait join?"] if command == "ask" else []
    assert main([command, *question, "--corpus", str(tiny_config.corpus_dir), "--index", str(index)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in captured.err
    assert f"cannot create the index directory {index}: a file is in the way" in line
    assert line.endswith("pass --index a directory")
    assert a_file.read_text() == "not an index\n"
