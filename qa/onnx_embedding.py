"""The query-time encoder: text -> unit vectors with onnxruntime, without torch.

Building the index needs sentence-transformers (and so torch); answering a
question only needs to encode the question. :func:`export_onnx` runs once at
build time and writes the model's transformer as ONNX beside its tokenizer;
:class:`OnnxEmbedder` then encodes with onnxruntime, tokenizers and NumPy
alone, the way sentence-transformers does: truncation at ``max_seq_length``
word pieces, padding within a batch, mean pooling over the attention mask,
L2 normalisation. Importing this module, or building and using an
``OnnxEmbedder``, never imports torch, transformers or sentence-transformers.

    encoder.onnx     the transformer: input_ids, attention_mask[, token_type_ids]
                     -> last_hidden_state (batch and sequence axes dynamic)
    tokenizer.json   the fast tokenizer, with truncation and padding switched off
    encoder.json     written last: max_seq_length, dimension, pooling, input names,
                     normalisation, padding token, sha256 of the two files above
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from qa.errors import ModelError
from qa.files import atomic_write, sha256_bytes

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"
FORMAT_VERSION = 1
OUTPUT_NAME = "last_hidden_state"
BATCH_SIZE = 32  # as sentence-transformers' encode
OPSET = 17
# One short question on the 2-core machine, median ms: 1 thread 3.2 idle / 3.1 with the other
# core busy; 2 threads 2.1 idle / 2.9 (p90 6.4, up to 10 beside a real build) with it busy.
# One thread: steady under load, and concurrent requests then run side by side.
INTRA_OP_THREADS = 1
MIN_AGREEMENT = 0.9999  # cosine between ONNX and sentence-transformers vectors
# Checked at export: a short question, padding, non-Latin script, a text past max_seq_length.
PROBES = ("What is CICA?", "Kuwait joined in 2022; now 28 member states.", "Чем займётся Азербайджан?", "word " * 300)
_REQUIRED = ("format", "max_seq_length", "dimension", "pooling", "normalize", "input_names", "pad_token", "pad_id")


class OnnxEmbedder:
    """An exported model (see :func:`export_onnx`) on the CPU. Nothing is
    mutated after ``__init__``, so threads may share one instance."""

    def __init__(self, directory: Path, model_id: str) -> None:
        directory = Path(directory)
        config = _read_config(directory / CONFIG_FILE)
        self.model_id = model_id
        self.dimension = int(config["dimension"])
        self.max_seq_length = int(config["max_seq_length"])
        self._input_names = tuple(config["input_names"])
        # Two tokenizers, each configured once: one truncates and pads for the
        # encoder, the other counts every word piece of a text.
        self._counter = _read_tokenizer(directory / TOKENIZER_FILE)
        self._tokenizer = _read_tokenizer(directory / TOKENIZER_FILE)
        self._tokenizer.enable_truncation(self.max_seq_length, strategy="longest_first")
        self._tokenizer.enable_padding(
            pad_id=int(config["pad_id"]),
            pad_token=str(config["pad_token"]),
            pad_type_id=int(config.get("pad_type_id", 0)),
        )
        self._session = _open_session(directory / ENCODER_FILE)
        _check_session(self._session, self._input_names, self.dimension, directory)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, special tokens included, before truncation."""
        return len(self._counter.encode(text, add_special_tokens=True).ids)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 array (len(texts), dimension) of L2-normalised rows. ``progress``
        is accepted for the ``Embedder`` protocol; nothing is shown."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first, as sentence-transformers does, so batches hold texts of
        # similar length and little padding; rows go back to the caller's order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            vectors[rows] = self._encode_batch([texts[i] for i in rows])
        return vectors

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=True)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (hidden,) = self._session.run([OUTPUT_NAME], {name: feeds[name] for name in self._input_names})
        return _normalise(_mean_pool(hidden, feeds["attention_mask"]))


def _mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors the attention mask keeps (padding excluded)."""
    mask = attention_mask[:, :, None].astype(np.float32)
    return (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit rows, so that inner product = cosine (eps as torch's F.normalize)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the ONNX encoder's {path}: {_one_line(exc)}") from exc
    if not isinstance(config, dict):
        raise ModelError(f"{path} is not a JSON object")
    missing = [key for key in _REQUIRED if key not in config]
    if missing:
        raise ModelError(f"{path} lacks {', '.join(missing)}")
    if config["format"] != FORMAT_VERSION:
        raise ModelError(f"{path} has format {config['format']!r}, this version reads {FORMAT_VERSION}")
    if config["pooling"] != "mean" or config["normalize"] is not True:
        raise ModelError(f"{path}: only mean pooling with normalisation is supported")
    return config


def _read_tokenizer(path: Path) -> Tokenizer:
    try:
        return Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises plain Exception for a missing or bad file
        raise ModelError(f"cannot read the tokenizer {path}: {_one_line(exc)}") from exc


def _open_session(path: Path) -> ort.InferenceSession:
    if not path.is_file():
        raise ModelError(f"the ONNX encoder {path} is missing")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = min(INTRA_OP_THREADS, os.cpu_count() or 1)
    options.log_severity_level = 3  # errors only
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for every kind of bad file
        raise ModelError(f"cannot load the ONNX encoder {path}: {_one_line(exc)}") from exc


def _check_session(session: ort.InferenceSession, input_names: Sequence[str], dimension: int, where: Path) -> None:
    inputs = sorted(i.name for i in session.get_inputs())
    outputs = {o.name: o.shape for o in session.get_outputs()}
    if inputs != sorted(input_names) or OUTPUT_NAME not in outputs:
        raise ModelError(f"{where / ENCODER_FILE} does not match {where / CONFIG_FILE}")
    width = outputs[OUTPUT_NAME][-1]
    if isinstance(width, int) and width != dimension:
        raise ModelError(f"{where / ENCODER_FILE} gives {width} dimensions, not {dimension}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- build time: everything below imports torch, inside export_onnx only ----------------------------


def export_onnx(model: Any, directory: Path, location: str) -> dict[str, Any]:
    """Export a loaded sentence-transformers ``model`` (named ``location`` in
    messages) into ``directory`` and return what ``encoder.json`` holds.
    Raises :class:`ModelError` with a one-line reason when the model cannot be
    exported (the caller can then keep encoding with sentence-transformers)."""
    directory = Path(directory)
    transformer, pooling_mode = _supported_modules(model, location)
    auto_model = transformer.auto_model
    input_names = _input_names(auto_model)
    do_lower_case = bool(getattr(transformer, "do_lower_case", False))
    tokenizer_json = _tokenizer_json(model.tokenizer, do_lower_case)
    # The reference vectors, before the export switches the model to eager attention.
    expected = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    encoder_onnx = _export_transformer(auto_model, model.tokenizer, input_names, location)
    config = {
        "format": FORMAT_VERSION,
        "max_seq_length": int(model.max_seq_length),
        "dimension": _dimension(model),
        "pooling": pooling_mode,
        "normalize": True,  # unit vectors, whether or not the model ends in Normalize
        # Already applied by tokenizer.json's normaliser; recorded for reference.
        "do_lower_case": do_lower_case,
        "input_names": input_names,
        "output_name": OUTPUT_NAME,
        "truncation": "longest_first",
        "pad_token": model.tokenizer.pad_token,
        "pad_id": int(model.tokenizer.pad_token_id),
        "pad_type_id": int(getattr(model.tokenizer, "pad_token_type_id", 0) or 0),
        "opset": OPSET,
        "files": {ENCODER_FILE: sha256_bytes(encoder_onnx), TOKENIZER_FILE: sha256_bytes(tokenizer_json)},
        "versions": _versions(),
    }
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(directory / ENCODER_FILE, encoder_onnx)
    atomic_write(directory / TOKENIZER_FILE, tokenizer_json)
    atomic_write(directory / CONFIG_FILE, json.dumps(config, indent=2).encode("utf-8"))
    _check_agreement(directory, location, expected)
    return config


def _supported_modules(model: Any, location: str) -> tuple[Any, str]:
    """The Transformer module and the pooling mode, for Transformer -> Pooling [-> Normalize]."""
    names = [type(module).__name__ for module in model]
    if names[:2] != ["Transformer", "Pooling"] or any(name != "Normalize" for name in names[2:]):
        raise ModelError(f"cannot export {location!r} to ONNX: modules {names}, expected Transformer, Pooling")
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if not isinstance(mode, str) and hasattr(pooling, "get_pooling_mode_str"):  # sentence-transformers < 6
        mode = pooling.get_pooling_mode_str()
    if mode != "mean":
        raise ModelError(f"cannot export {location!r} to ONNX: pooling {mode!r}, only 'mean' is supported")
    if not getattr(model.tokenizer, "is_fast", False) or getattr(model[0], "auto_model", None) is None:
        raise ModelError(f"cannot export {location!r} to ONNX: it needs a fast tokenizer and a transformer model")
    return model[0], mode


def _input_names(auto_model: Any) -> list[str]:
    parameters = inspect.signature(auto_model.forward).parameters
    return ["input_ids", "attention_mask"] + (["token_type_ids"] if "token_type_ids" in parameters else [])


def _dimension(model: Any) -> int:
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(dimension())


def _tokenizer_json(hf_tokenizer: Any, do_lower_case: bool) -> bytes:
    """The fast tokenizer as sentence-transformers runs it, minus truncation and
    padding (the encoder sets its own; counting needs neither)."""
    from tokenizers import normalizers

    tokenizer = Tokenizer.from_str(hf_tokenizer.backend_tokenizer.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    normalizer = tokenizer.normalizer
    has_lowercase = isinstance(normalizer, normalizers.Lowercase) or (
        isinstance(normalizer, normalizers.Sequence) and any(isinstance(n, normalizers.Lowercase) for n in normalizer)
    )
    if do_lower_case and not has_lowercase:  # older sentence-transformers lowercased in Python
        tokenizer.normalizer = normalizers.Sequence([normalizers.Lowercase(), *([normalizer] if normalizer else [])])
    return tokenizer.to_str().encode("utf-8")


def _export_transformer(auto_model: Any, hf_tokenizer: Any, input_names: list[str], location: str) -> bytes:
    """ONNX bytes of ``auto_model`` (input ids, mask[, type ids] -> last hidden state)."""
    import io

    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = auto_model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(input_names, inputs, strict=True))).last_hidden_state

    # Eager attention traces to plain MatMul/Softmax; sdpa gave the same vectors and was no faster.
    if hasattr(auto_model, "set_attn_implementation"):
        with contextlib.suppress(Exception):
            auto_model.set_attn_implementation("eager")
    wrapper = LastHiddenState().eval()
    # Two texts of different lengths, so the traced graph sees padding.
    sample = hf_tokenizer(["What is CICA?", "Kuwait joined the Conference in 2022, as its 28th member."], padding=True)
    args = tuple(torch.tensor(sample[name], dtype=torch.long) for name in input_names)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*input_names, OUTPUT_NAME]}
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # The legacy TorchScript exporter: the default (dynamo) one needs onnxscript,
            # which is not installed. Its tracer warnings (shape checks turned constant) are
            # silenced; _check_agreement proves the graph holds for other shapes.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper, args, buffer, input_names=input_names, output_names=[OUTPUT_NAME],
                dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False,
            )  # fmt: skip
    except Exception as exc:  # the exporter raises many types; all mean "cannot export"
        raise ModelError(f"cannot export {location!r} to ONNX: {_one_line(exc)}") from exc
    return buffer.getvalue()


def _check_agreement(directory: Path, location: str, expected: np.ndarray) -> None:
    """Encode the probe texts with the export; if that fails or disagrees with
    sentence-transformers, remove encoder.json (the export is then incomplete)
    and raise ModelError."""
    try:
        actual = OnnxEmbedder(directory, location).encode(PROBES)
    except Exception as exc:  # ModelError, or onnxruntime failing to run the graph
        (directory / CONFIG_FILE).unlink(missing_ok=True)
        raise ModelError(f"cannot export {location!r} to ONNX: the export does not run: {_one_line(exc)}") from exc
    agreement = float(np.min(np.sum(actual * expected, axis=1)))
    if agreement < MIN_AGREEMENT:
        (directory / CONFIG_FILE).unlink(missing_ok=True)
        raise ModelError(f"cannot export {location!r} to ONNX: its vectors disagree (cosine {agreement:.5f})")


def _versions() -> dict[str, str]:
    import sentence_transformers
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "onnxruntime": ort.__version__,
    }
