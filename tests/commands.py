"""``python -m qa`` in a subprocess, as this user or as another (root only),
and what it said on stderr: shared by the tests of the index on disk and
of app.py's start-up.

The other user is the traditional "nobody": no home, owns no file here. It
needs no entry in /etc/passwd: the subprocess simply runs with these ids."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig

import pytest

from qa.config import Config
from tests.conftest import ROOT

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


def paths(config: Config) -> list[str]:
    return ["--corpus", str(config.corpus_dir), "--index", str(config.index_dir)]
