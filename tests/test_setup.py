"""The set-up heals itself: a .venv that an interrupted first `make` left
without pip, or that `make PYTHON=python3.10` made with another Python, is
made anew with a one-line note (.ci/venv, run by the Makefile's install
step), and the stamps still make a second `make` a no-op."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_SCRIPT = ROOT / ".ci" / "venv"
WANTED = f"{sys.version_info.major}.{sys.version_info.minor}"


def venv_script(venv: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [str(VENV_SCRIPT), sys.executable, str(venv), *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_a_venv_without_pip_is_made_anew_with_a_note(tmp_path: Path):
    venv = tmp_path / ".venv"
    # What a first `make` killed during ensurepip leaves: a python, no pip.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (venv / ".installed").touch()  # anything inside goes with it
    done = venv_script(venv)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"note: {venv} cannot be used (no working pip): making it anew\n"
    assert not (venv / ".installed").exists()
    pip = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True, timeout=120)
    assert pip.returncode == 0
    again = venv_script(venv)  # now usable: left alone, silently
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_a_venv_of_another_python_would_be_made_anew(tmp_path: Path):
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"  # stands in for a python3.10 venv, whether or not 3.10 is installed here
    python.write_text("#!/bin/sh\necho 3.10\n")
    python.chmod(0o755)
    decided = venv_script(venv, "--dry-run")
    assert decided.returncode == 0, decided.stderr
    why = f"made with Python 3.10, and {sys.executable} is {WANTED}"
    assert decided.stdout == f"note: {venv} cannot be used ({why}): making it anew\n"
    assert python.is_file(), "a dry run changes nothing"
    python.unlink()
    decided = venv_script(venv, "--dry-run")
    assert decided.stdout == f"note: {venv} cannot be used (its python does not run): making it anew\n"


def test_a_usable_venv_is_left_alone_and_a_missing_one_made(tmp_path: Path):
    this_venv = Path(sys.prefix)  # the venv running the tests: this Python, with pip
    decided = venv_script(this_venv, "--dry-run")
    assert (decided.returncode, decided.stdout, decided.stderr) == (0, "", "")
    missing = tmp_path / ".venv"
    decided = venv_script(missing, "--dry-run")
    assert decided.stdout == f"would make {missing} with {sys.executable}\n"


def test_a_python_that_does_not_run_is_one_line(tmp_path: Path):
    command = [str(VENV_SCRIPT), str(tmp_path / "python3.99"), str(tmp_path / ".venv")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"error: cannot run {tmp_path / 'python3.99'}; choose a Python 3.11 with make PYTHON=...\n"
    assert not (tmp_path / ".venv").exists()


def make(workdir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``make`` in ``workdir`` as a user would run it, not as a sub-make of `make test`."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    command = ["make", *argv]
    return subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True, timeout=60)


def test_the_install_step_checks_the_venv_and_the_stamps_skip_it(tmp_path: Path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    # Nothing installed yet: the install step starts by checking (or making) the venv, with the Python asked for.
    planned = make(tmp_path, "-n", ".venv/.installed-test", "PYTHON=python3.10").stdout.splitlines()
    check = planned.index(".ci/venv python3.10 .venv")
    assert check < min(i for i, line in enumerate(planned) if "pip install" in line)
    # Installed: a second `make` does nothing, not even the check.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    (tmp_path / ".venv" / ".installed-test").touch()
    again = make(tmp_path, "-n", ".venv/.installed-test")
    assert again.stdout == "make: '.venv/.installed-test' is up to date.\n"
