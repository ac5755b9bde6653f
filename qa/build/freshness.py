"""Is an index still what it should be? One comparison for every caller.

The wanted :class:`~qa.spec.Settings` come from the configuration (model and
chunking default to what the existing index was built with, so asking never
rebuilds an index built with other settings), the scoring defaults of this
version, and the shipped probe set. An index is stale when its corpus or its
settings differ; when only the scoring or the probes differ, a new
calibration is enough.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from qa.build import glance
from qa.build.probes import anchors_sha256, probes_sha256
from qa.build.verifier_export import shipped_identity
from qa.config import DEFAULT_MAX_TOKENS, Config
from qa.index.chunking import CHUNKING_VERSION
from qa.index.embedding import ModelRef, resolve_model
from qa.index.keyword import ANALYSER
from qa.index.multilingual import MODEL_ID as MULTILINGUAL_MODEL
from qa.index.spec import FITTED, ChunkingSpec, Manifest, ScoringSpec, Settings, VerifierSpec
from qa.records import parse
from qa.types import Document


def fitted_scoring(analyser: str, path: Path | None = None) -> ScoringSpec:
    """The scoring this version ships: the fitted models of ``qa/build/data/scoring.json``
    (written by ``python -m qa tune``), with the keyword analyser's name."""
    data = path.read_bytes() if path else resources.files("qa.build").joinpath("data/scoring.json").read_bytes()
    fitted = json.loads(data)
    return parse(ScoringSpec, {"analyser": analyser, **{name: fitted[name] for name in FITTED}}, "scoring")


SCORING = fitted_scoring(ANALYSER)


@dataclass(frozen=True)
class Staleness:
    reason: str  # in words, for the one-line note
    rebuild: bool  # False: the artifacts stand, only the calibration is redone


def wanted(config: Config, built: Manifest | None) -> tuple[ModelRef, Settings]:
    """The model and the settings an index for ``config`` should have."""
    model = config.model or (built.spec.model.id if built else None)
    max_tokens = config.max_tokens or (built.spec.chunking.max_tokens if built else DEFAULT_MAX_TOKENS)
    ref = resolve_model(model)
    chunking = ChunkingSpec(CHUNKING_VERSION, max_tokens)
    settings = Settings(
        ref.id, chunking, SCORING, probes_sha256(), shipped_verifier(), _multilingual(config, built), glance.identity()
    )
    return ref, settings


# The manifest's "multilingual": the view's model id, or OFF when the build was
# asked for none (--no-multilingual); None (an index from before the view) is upgraded.
OFF = ""


def _multilingual(config: Config, built: Manifest | None) -> str:
    """The multilingual view wanted: as asked, else as the index was built, else on.
    Its identity is the model's and the anchor questions' (see qa.build.probes)."""
    on = f"{MULTILINGUAL_MODEL}+anchors:{anchors_sha256()[:12]}+questions"
    if config.multilingual is not None:
        return on if config.multilingual else OFF
    return OFF if built is not None and built.spec.multilingual == OFF else on


def shipped_verifier() -> VerifierSpec | None:
    """The identity of the verifier this version ships (None when it ships none)."""
    identity = shipped_identity()
    if identity is None:
        return None
    recipe = identity.get("recipe", {})
    return VerifierSpec(
        identity["weights_sha256"], identity["data_sha256"], int(recipe["seed"]), int(identity["format"])
    )


def staleness(manifest: Manifest, documents: list[Document] | None, settings: Settings) -> Staleness | None:
    """Why an index with ``manifest`` no longer fits, or None when it does.
    ``documents`` None: the corpus cannot be read, so it is not compared."""
    if documents is not None and dict(manifest.corpus) != {d.source: d.sha256 for d in documents}:
        return Staleness("the corpus changed", rebuild=True)
    built = manifest.spec.settings
    changes = built.changes(settings)
    if not changes:
        return None
    return Staleness("; ".join(changes), rebuild=built.needs_rebuild(settings))
