"""The off-topic probe questions shipped with the package (``qa/build/data/offtopic.txt``),
which calibration scores at build time, and their identity (a sha256 in the
index's spec, so that a changed probe set means a new calibration)."""

from __future__ import annotations

from importlib import resources

from qa.files import sha256_bytes


def _probe_file(name: str = "offtopic.txt") -> bytes:
    return resources.files("qa.build").joinpath(f"data/{name}").read_bytes()


def probes_sha256() -> str:
    return sha256_bytes(_probe_file())


def topical_anchors() -> list[str]:
    """The in-domain questions the multilingual view measures other languages'
    questions against (``qa/build/data/topical.txt``)."""
    return off_topic_probes("topical.txt")


def off_topic_anchors() -> list[str]:
    """The off-topic probes that are questions (three words or more): greetings
    and keyboard noise ("qwertyuiop", "...") sit close to every short question
    in the multilingual view, so they are not anchors."""
    return [probe for probe in off_topic_probes() if len(probe.split()) >= 3]


def anchors_sha256() -> str:
    """The identity of both anchor sets the multilingual view embeds."""
    return sha256_bytes(_probe_file() + _probe_file("topical.txt"))


def off_topic_probes(name: str = "offtopic.txt") -> list[str]:
    text = _probe_file(name).decode("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
