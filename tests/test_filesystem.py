"""The index on disk as other users and other disks see it: built by one user
and read by another, a full disk, a read-only file system, an --index that is
a file. The unprivileged user is a subprocess run with another uid (root only);
the full and read-only disks are small tmpfs mounts made in the test."""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.config import Config
from qa.files import atomic_write
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


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every user may enter (pytest's tmp_path is private to its user)."""
    if os.geteuid() != 0:
        _unavailable("running as another user needs root (run the suite as root, as CI does)")
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
