"""What an index is: the typed identity written to ``manifest.json``.

:class:`IndexSpec` holds everything that shapes a result: the model, the
chunking, the scoring parameters (fusion weights, candidate counts, the
keyword analyser), the probe set calibration was fitted on, and the fitted
calibration itself. :class:`Manifest` adds what the index was built from and
what it holds (corpus and artifact hashes, counts, versions).

The manifest is parsed into these values with validation, and carries a
sha256 of its own content: a manifest that does not parse, has a field of
the wrong type, or was edited by hand is a damaged index (``IndexCorrupt``),
rebuilt with a note, never half-used.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from qa.errors import IndexCorrupt
from qa.files import sha256_bytes
from qa.records import parse

SCHEMA_VERSION = 4
# Hex digits of the sha256 that names a build: 48 bits, no collision among any realistic number of builds.
INDEX_ID_DIGITS = 12


@dataclass(frozen=True)
class ModelSpec:
    id: str
    dimension: int
    max_seq_length: int
    normalized: bool = True  # unit vectors: inner product = cosine


@dataclass(frozen=True)
class ChunkingSpec:
    version: int
    max_tokens: int


@dataclass(frozen=True)
class ScoringSpec:
    """How the views of a passage become scores, how the answer sentence is
    chosen and when it is claimed. The fitted parts come from
    ``qa/build/data/scoring.json`` (written by ``python -m qa tune``; read by
    :func:`qa.build.freshness.fitted_scoring`). Calibration is
    fitted on the evidence, so all of it is part of the identity: a change
    means recalibrating."""

    candidates: int = 50  # taken from each retriever before fusion
    analyser: str = ""  # qa.keyword.ANALYSER when built
    # Topicality, "is this about the corpus" (calibrated): dense + Σ weight × view,
    # absolute cosines and BM25 normalised by the best and by word coverage.
    evidence_weights: dict[str, float] = dataclasses.field(
        default_factory=lambda: {"sentence": 0.25, "question": 0.25, "keyword": 0.25}
    )
    # Hybrid ranking: a linear model over the views z-scored among the candidates.
    ranking: dict[str, float] = dataclasses.field(default_factory=dict)
    # The answer sentence: a linear model over sentence features, among the
    # sentences of the first ``answer_from_top`` passages.
    answer_from_top: int = 3
    answer_sentence: dict[str, float] = dataclasses.field(default_factory=dict)
    # Answerability, "does the chosen sentence answer this question": logistic
    # over question features (with an "intercept"); claimed at or above the threshold.
    answerability: dict[str, float] = dataclasses.field(default_factory=dict)
    answer_threshold: float = 0.5
    # The reader (qa.answer.reader): "selection" and "claim" models over the
    # candidates' checks and the verifier's score, fitted by train-verifier.
    reader: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)


FITTED = ("ranking", "answer_sentence", "answerability", "answer_threshold", "reader")


@dataclass(frozen=True)
class Calibration:
    """Confidence = logistic((evidence - threshold) / scale); not covered below 0.5."""

    threshold: float
    scale: float

    def confidence(self, evidence: float) -> float:
        z = (evidence - self.threshold) / self.scale
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class VerifierSpec:
    """The trained verifier an index exports (qa/build/data/verifier.json):
    its weights, the data and seed it was trained from."""

    weights_sha256: str
    data_sha256: str
    seed: int
    format: int


@dataclass(frozen=True)
class Settings:
    """What a build is asked for: known before anything is built. Two indexes
    with equal settings over the same corpus give the same answers."""

    model_id: str
    chunking: ChunkingSpec
    scoring: ScoringSpec
    probes: str  # sha256 of the off-topic probe set
    verifier: VerifierSpec | None = None
    multilingual: str | None = None  # model id of the multilingual view (qa.index.multilingual); None: none
    glance: str | None = None  # the interview at a glance (qa.index.glance): its recipe and the kinds data's hash

    def changes(self, wanted: Settings) -> list[str]:
        """What differs from ``wanted``, in words; empty when nothing does."""
        found = []
        if self.model_id != wanted.model_id:
            found.append(f"the model changed to {wanted.model_id}")
        if self.chunking != wanted.chunking:
            found.append("the chunking parameters changed")
        if self.scoring != wanted.scoring:
            names = [f.name for f in dataclasses.fields(ScoringSpec)]
            changed = [n for n in names if getattr(self.scoring, n) != getattr(wanted.scoring, n)]
            found.append(f"the scoring parameters changed ({', '.join(changed)})")
        if self.probes != wanted.probes:
            found.append("the calibration probes changed")
        if self.verifier != wanted.verifier:
            found.append("the verifier changed")
        if self.multilingual != wanted.multilingual:
            found.append("the multilingual view " + ("is wanted" if wanted.multilingual else "is not wanted"))
        if self.glance != wanted.glance:
            found.append("the interview at a glance changed")
        return found

    def needs_rebuild(self, wanted: Settings) -> bool:
        """Whether going to ``wanted`` needs new artifacts (passages, vectors, a
        keyword index analysed anew), rather than only a new calibration."""
        return (
            self.model_id != wanted.model_id
            or self.chunking != wanted.chunking
            or self.scoring.analyser != wanted.scoring.analyser
            or self.verifier != wanted.verifier
            or self.multilingual != wanted.multilingual
            or self.glance != wanted.glance
        )


@dataclass(frozen=True)
class IndexSpec:
    model: ModelSpec
    chunking: ChunkingSpec
    scoring: ScoringSpec
    probes: str
    calibration: Calibration | None  # None: an empty corpus, nothing to calibrate
    verifier: VerifierSpec | None = None
    multilingual: str | None = None
    glance: str | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            self.model.id, self.chunking, self.scoring, self.probes, self.verifier, self.multilingual, self.glance
        )


@dataclass(frozen=True)
class Counts:
    documents: int
    passages: int
    sentences: int


@dataclass(frozen=True)
class Manifest:
    spec: IndexSpec
    corpus: dict[str, str]  # source -> sha256 of the file
    artifacts: dict[str, str]  # file in the index directory -> sha256
    counts: Counts
    created_at: str
    versions: dict[str, str]
    encoder: str | None = None  # model id of the exported encoder among the artifacts
    calibration_probes: dict[str, Any] = dataclasses.field(default_factory=dict)  # for people; never read back
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> bytes:
        record = self.to_dict()
        record["sha256"] = self.sha256
        return json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")

    @property
    def sha256(self) -> str:
        """The checksum ``manifest.json`` carries: of its own content, so of
        everything the build was made from and holds, and of when it was made."""
        return sha256_bytes(_canonical(self.to_dict()))

    @property
    def index_id(self) -> str:
        """The build's short identity (like a short commit id): what the chat
        shows and every feedback vote is tied to. A hash of what the index is
        built from (:meth:`built_from`), not of when: a forced rebuild of the
        same input keeps it, so kept conversations and votes stay with it."""
        return sha256_bytes(_canonical(self.built_from()))[:INDEX_ID_DIGITS]

    def built_from(self) -> dict[str, Any]:
        """Everything that decides what the index answers: the spec (model,
        chunking, scoring, probes, verifier recipe and data), each corpus file's
        sha256, which files were made (an encoder or verifier exported or not)
        and the library versions. Left out: when it was made, the artifacts'
        bytes (an ONNX export need not be byte-identical twice) and the
        calibration, which is fitted from the rest."""
        spec = dataclasses.asdict(self.spec)
        del spec["calibration"]
        return {
            "schema_version": self.schema_version,
            **spec,
            "corpus": dict(self.corpus),
            "files": sorted(self.artifacts),
            "encoder": self.encoder,
            "versions": dict(self.versions),
        }

    def to_dict(self) -> dict[str, Any]:
        spec = dataclasses.asdict(self.spec)
        return {
            "schema_version": self.schema_version,
            **spec,
            "corpus": {"files": dict(self.corpus)},
            "artifacts": dict(self.artifacts),
            "encoder": {"model_id": self.encoder} if self.encoder else None,
            "counts": dataclasses.asdict(self.counts),
            "created_at": self.created_at,
            "versions": dict(self.versions),
            "calibration_probes": self.calibration_probes,
        }

    @classmethod
    def from_json(cls, data: bytes, where: str) -> Manifest:
        """Parse and validate; anything unexpected is IndexCorrupt naming ``where``."""
        try:
            record = json.loads(data)
        except (UnicodeDecodeError, ValueError) as exc:
            raise IndexCorrupt(f"unreadable manifest {where}: {exc}") from exc
        if not isinstance(record, dict) or record.get("schema_version") != SCHEMA_VERSION:
            raise IndexCorrupt(f"{where} is not a schema {SCHEMA_VERSION} manifest")
        claimed = record.pop("sha256", None)
        if claimed != sha256_bytes(_canonical(record)):
            raise IndexCorrupt(f"{where} does not match its own checksum (edited or damaged)")
        try:
            encoder = record.get("encoder")
            manifest = cls(
                spec=parse(IndexSpec, {f.name: record.get(f.name) for f in dataclasses.fields(IndexSpec)}, "spec"),
                corpus=parse(dict[str, str], _field(record, "corpus", dict).get("files"), "corpus.files"),
                artifacts=parse(dict[str, str], record.get("artifacts"), "artifacts"),
                counts=parse(Counts, record.get("counts"), "counts"),
                created_at=parse(str, record.get("created_at"), "created_at"),
                versions=parse(dict[str, str], record.get("versions"), "versions"),
                encoder=None
                if encoder is None
                else parse(str, _field(record, "encoder", dict).get("model_id"), "encoder.model_id"),
                calibration_probes=parse(dict[str, Any], record.get("calibration_probes", {}), "calibration_probes"),
            )
            _check_ranges(manifest.spec)
        except (TypeError, ValueError) as exc:
            raise IndexCorrupt(f"invalid manifest {where}: {exc}") from exc
        return manifest


def _check_ranges(spec: IndexSpec) -> None:
    calibration = spec.calibration
    problems = [
        (spec.model.dimension < 1, "the model dimension is below 1"),
        (spec.chunking.max_tokens < 8, "max_tokens is below 8"),
        (spec.scoring.candidates < 1 or spec.scoring.answer_from_top < 1, "a candidate count is below 1"),
        (calibration is not None and calibration.scale <= 0, "the calibration scale is not positive"),
    ]
    for failed, message in problems:
        if failed:
            raise ValueError(message)


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _field(record: dict[str, Any], name: str, kind: type) -> Any:
    value = record.get(name)
    if not isinstance(value, kind):
        raise TypeError(f"{name} is not a {kind.__name__}")
    return value
