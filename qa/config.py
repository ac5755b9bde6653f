"""Run-time configuration: one small value built at the edge and passed down.

Library code never reads ``os.environ``; the CLI and app.py call
:func:`config_from_env` with the environment and their flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MAX_TOKENS = 128
DEFAULT_TOP_K = 5
MAX_TOP_K = 50
MODES = ("dense", "keyword", "hybrid")
DEFAULT_MODE = "hybrid"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    # None means "as the existing index was built, else the default", so that
    # asking never rebuilds an index that was built with other settings.
    model: str | None = None
    max_tokens: int | None = None

    def with_overrides(self, **changes: object) -> Config:
        """A copy with every change that is not None applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def config_from_env(environ: Mapping[str, str], **overrides: object) -> Config:
    """Config from ``QA_CORPUS``, ``QA_INDEX``, ``QA_MODEL``, then explicit overrides."""
    base = Config().with_overrides(
        corpus_dir=Path(environ["QA_CORPUS"]) if environ.get("QA_CORPUS") else None,
        index_dir=Path(environ["QA_INDEX"]) if environ.get("QA_INDEX") else None,
        model=environ.get("QA_MODEL") or None,
    )
    return base.with_overrides(**overrides)
