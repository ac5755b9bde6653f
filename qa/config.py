"""Run-time configuration: one small value built at the edge and passed down.

Library code never reads ``os.environ``; the CLI and app.py call
:func:`config_from_env` with the environment and their flags.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MAX_TOKENS = 128
MIN_MAX_TOKENS = 8  # a passage needs room for its special tokens and a few words
DEFAULT_TOP_K = 5
MAX_TOP_K = 50
MODES = ("dense", "keyword", "hybrid")
DEFAULT_MODE = "hybrid"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    feedback_dir: Path = Path("feedback")  # the default SQLite feedback store's folder
    # None means "as the existing index was built, else the default", so that
    # asking never rebuilds an index that was built with other settings.
    model: str | None = None
    max_tokens: int | None = None
    # The multilingual view (questions in Russian, Kazakh, Chinese, ...): None
    # means "as the existing index was built, else on"; False is --no-multilingual.
    multilingual: bool | None = None

    def with_overrides(self, **changes: object) -> Config:
        """A copy with every change that is not None applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# What the edges (CLI, app, tests, benchmarks) set before any library that
# would reach out is imported: nothing is downloaded (Hugging Face), nothing is
# reported (onnxruntime's telemetry, which otherwise writes a device id under
# ~/.cache and uploads events; only this variable stops it before it starts).
# A value the user set wins.
QUIET_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "ORT_DISABLE_TELEMETRY": "1"}


def quiet(environ: MutableMapping[str, str]) -> None:
    """Set QUIET_ENVIRONMENT in ``environ`` where it is not set."""
    for name, value in QUIET_ENVIRONMENT.items():
        environ.setdefault(name, value)


# The folder that holds the qa package: the project's root when qa runs from
# its source checkout (``python app.py``, an editable install), as ``make`` sets up.
CHECKOUT = Path(__file__).resolve().parent.parent


def project_dirs(cwd: Path) -> Config:
    """The default folders (corpus/, index/, feedback/), found from where the
    user stands: in ``cwd`` when it holds a corpus/ folder (given as relative
    paths, as before), else in the source checkout qa runs from when that does,
    so ``python /path/to/app.py`` or ``python -m qa feedback stats`` from
    elsewhere use the project's and create nothing where they stand. When
    neither holds one, ``cwd``'s, named in full so the error says where it looked."""
    if (cwd / "corpus").is_dir():
        return Config()
    base = CHECKOUT if (CHECKOUT / "corpus").is_dir() else cwd
    return Config(corpus_dir=base / "corpus", index_dir=base / "index", feedback_dir=base / "feedback")


def config_from_env(environ: Mapping[str, str], cwd: Path | None = None, **overrides: object) -> Config:
    """Config from ``QA_CORPUS``, ``QA_INDEX``, ``QA_MODEL``, then explicit
    overrides; the folders not given are found from ``cwd`` (:func:`project_dirs`)
    when it is given, else relative to the current directory."""
    base = (Config() if cwd is None else project_dirs(cwd)).with_overrides(
        corpus_dir=Path(environ["QA_CORPUS"]) if environ.get("QA_CORPUS") else None,
        index_dir=Path(environ["QA_INDEX"]) if environ.get("QA_INDEX") else None,
        model=environ.get("QA_MODEL") or None,
    )
    return base.with_overrides(**overrides)
