"""The index on disk as other users and other disks see it: built by one user
and read by another, a full disk, a read-only file system, an --index that is
a file. The unprivileged user is a subprocess run with another uid (root only);
the full and read-only disks are small tmpfs mounts made in the test."""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa import open_searcher
from qa.build.ensure import build_index
from qa.cli import main
from qa.config import Config
from qa.errors import IndexNotFound, IndexWriteError
from qa.files import atomic_write
from qa.index.spec import Manifest
from qa.index.store import read_index
from tests.conftest import ROOT

# The traditional "nobody": no home, owns no file here. It needs no entry in
# /etc/passwd: the subprocess simply runs with these ids.
NOBODY = 65534
PACKAGES = sysconfig.get_paths()["purelib"]


def _unavailable(reason: str) -> None:
    """Skip, with the reason; in CI (root, as on every machine of this project) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@functools.cache
def python_for(uid: int) -> str | None:
    """An interpreter ``uid`` can run with this environment's packages on
    PYTHONPATH: the venv's own, or when it cannot (here it links into root's
    private home) the system's Python of the same version."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/python{version}"):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys, numpy; print('%d.%d' % sys.version_info[:2])"],
                env={"PYTHONPATH": PACKAGES},
                capture_output=True,
                text=True,
                timeout=60,
                user=uid,
                group=uid,
                extra_groups=[],
            )
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


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


def run_cli(*args: str, user: int | None = None, umask: int = -1) -> subprocess.CompletedProcess[str]:
    """``python -m qa ARGS``: as this user, or as ``user`` (its ids only, no groups)."""
    command, options = [sys.executable], {}
    if user is not None:
        command = [python_for(user)]
        # A service account's environment: no home of its own, this project's packages.
        env = {**os.environ, "HOME": "/nonexistent", "PYTHONPATH": PACKAGES, "HF_HUB_OFFLINE": "1"}
        options = {"user": user, "group": user, "extra_groups": [], "env": env}
    return subprocess.run(
        [*command, "-m", "qa", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
        **options,
    )


def notes(stderr: str) -> list[str]:
    """What the program said on stderr (other libraries' own warnings left out)."""
    return [line for line in stderr.splitlines() if line.startswith(("note:", "error:", "Traceback"))]


def copy_of(real_config: Config, root: Path) -> Config:
    """The real corpus and its index, copied under ``root`` and rebuilt there
    by this (the building) user with the usual umask."""
    config = Config(corpus_dir=root / "corpus", index_dir=root / "index")
    shutil.copytree(real_config.corpus_dir, config.corpus_dir)
    shutil.copytree(real_config.index_dir, config.index_dir)
    built = run_cli("build", "--force", *paths(config), umask=0o022)
    assert built.returncode == 0, built.stderr
    return config


def paths(config: Config) -> list[str]:
    return ["--corpus", str(config.corpus_dir), "--index", str(config.index_dir)]


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0, 0o666)])
def test_written_files_get_ordinary_permissions(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "passages.jsonl", b"{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "passages.jsonl").stat().st_mode) == expected


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
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


# --- full disks, read-only file systems, paths that are not directories ---------------------------


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


@pytest.mark.e2e
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


@pytest.mark.e2e
@pytest.mark.parametrize(
    "flags, env, expected",
    [
        (["--port", "99999"], {}, "error: argument --port: a port is a number from 1 to 65535, not '99999'"),
        ([], {"GRADIO_SERVER_PORT": "abc"}, "error: GRADIO_SERVER_PORT: a port is a number from 1 to 65535, not 'abc'"),
        (["--host", "999.1.1.1", "--port", "7893"], {}, "error: cannot serve on 999.1.1.1: no such address"),
        (["--host", "192.0.2.1", "--port", "7893"], {}, "error: cannot serve on 192.0.2.1 port 7893: Cannot assign"),
    ],
)
def test_a_bad_port_or_host_for_the_app_is_one_line(real_config, flags, env, expected):
    """Before: a traceback (OverflowError, ValueError), or "port is in use"
    for an address that is not this machine's."""
    result = subprocess.run(
        [sys.executable, "app.py", *flags, "--no-feedback", *paths(real_config)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = notes(result.stderr)
    assert line.startswith(expected), line


@pytest.mark.e2e
def test_the_app_on_a_port_in_use_is_one_line(real_config):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "app.py", "--port", str(port), "--no-feedback", *paths(real_config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert notes(result.stderr) == [
        f"error: cannot serve on 127.0.0.1: port {port} is in use; choose another with --port or GRADIO_SERVER_PORT"
    ]
