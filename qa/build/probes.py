"""The off-topic probe questions shipped with the package (``qa/build/data/offtopic.txt``),
which calibration scores at build time, and their identity (a sha256 in the
index's spec, so that a changed probe set means a new calibration)."""

from __future__ import annotations

from importlib import resources

from qa.files import sha256_bytes


def _probe_file() -> bytes:
    return resources.files("qa.build").joinpath("data/offtopic.txt").read_bytes()


def probes_sha256() -> str:
    return sha256_bytes(_probe_file())


def off_topic_probes() -> list[str]:
    text = _probe_file().decode("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
