"""The query-time encoder: text -> unit vectors with onnxruntime, without torch.

Building the index needs sentence-transformers (and so torch); answering a
question only needs to encode the question. At build time
:mod:`qa.index.onnx_export` turns the model's transformer into ONNX beside its
tokenizer; :class:`OnnxEmbedder` then encodes with onnxruntime, tokenizers
and NumPy alone, the way sentence-transformers does: truncation at
``max_seq_length`` word pieces, padding within a batch, mean pooling over
the attention mask, L2 normalisation. This module never imports torch,
transformers or sentence-transformers.

    encoder.onnx     the transformer: input_ids, attention_mask[, token_type_ids]
                     -> last_hidden_state (batch and sequence axes dynamic)
    tokenizer.json   the fast tokenizer, with truncation and padding switched off
    encoder.json     max_seq_length, dimension, pooling, input names,
                     normalisation, padding token, sha256 of the two files above

The encoder is built from the files' bytes, which the store has verified
against the manifest; nothing is read from disk a second time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from qa.errors import ModelError
from qa.files import HeldFile, sha256_bytes

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"
FILES = (CONFIG_FILE, ENCODER_FILE, TOKENIZER_FILE)
FORMAT_VERSION = 1
OUTPUT_NAME = "last_hidden_state"
BATCH_SIZE = 32  # as sentence-transformers' encode
# One short question on the 2-core machine, median ms: 1 thread 3.2 idle / 3.1 with the other
# core busy; 2 threads 2.1 idle / 2.9 (p90 6.4, up to 10 beside a real build) with it busy.
# One thread: steady under load, and concurrent requests then run side by side.
INTRA_OP_THREADS = 1
_REQUIRED = ("format", "max_seq_length", "dimension", "pooling", "normalize", "input_names", "pad_token", "pad_id")


class OnnxEmbedder:
    """An exported model on the CPU. Nothing is mutated after ``__init__``,
    so threads may share one instance."""

    def __init__(self, files: Mapping[str, bytes | HeldFile], model_id: str) -> None:
        """``files``: the three files' bytes; the model may instead be a
        HeldFile (hashed, held open, loaded by path without a copy)."""
        missing = [name for name in FILES if name not in files]
        if missing:
            raise ModelError(f"the ONNX encoder lacks {', '.join(missing)}")
        config = _read_config(_bytes(files[CONFIG_FILE]))
        for name in (ENCODER_FILE, TOKENIZER_FILE):
            if _sha256(files[name]) != config.get("files", {}).get(name):
                raise ModelError(f"the ONNX encoder's {name} does not match {CONFIG_FILE}")
        self.model_id = model_id
        self.dimension = int(config["dimension"])
        self.max_seq_length = int(config["max_seq_length"])
        self._input_names = tuple(config["input_names"])
        # Two tokenizers, each configured once: one truncates and pads for the
        # encoder, the other counts every word piece of a text.
        self._counter = _read_tokenizer(_bytes(files[TOKENIZER_FILE]))
        self._tokenizer = _read_tokenizer(_bytes(files[TOKENIZER_FILE]))
        self._tokenizer.enable_truncation(self.max_seq_length, strategy="longest_first")
        self._tokenizer.enable_padding(
            pad_id=int(config["pad_id"]),
            pad_token=str(config["pad_token"]),
            pad_type_id=int(config.get("pad_type_id", 0)),
        )
        self._session = _open_session(files[ENCODER_FILE])
        _check_session(self._session, self._input_names, self.dimension)

    @classmethod
    def from_directory(cls, directory: Path, model_id: str) -> OnnxEmbedder:
        """An encoder from the files in ``directory`` (for tools and tests; the
        index opens its encoder from verified bytes)."""
        try:
            files = {name: (Path(directory) / name).read_bytes() for name in FILES}
        except OSError as exc:
            raise ModelError(f"cannot read the ONNX encoder in {directory}: {exc.strerror}") from exc
        return cls(files, model_id)

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


def _read_config(data: bytes) -> dict[str, Any]:
    try:
        config = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the ONNX encoder's {CONFIG_FILE}: {one_line(exc)}") from exc
    if not isinstance(config, dict):
        raise ModelError(f"{CONFIG_FILE} is not a JSON object")
    missing = [key for key in _REQUIRED if key not in config]
    if missing:
        raise ModelError(f"{CONFIG_FILE} lacks {', '.join(missing)}")
    if config["format"] != FORMAT_VERSION:
        raise ModelError(f"{CONFIG_FILE} has format {config['format']!r}, this version reads {FORMAT_VERSION}")
    if config["pooling"] != "mean" or config["normalize"] is not True:
        raise ModelError(f"{CONFIG_FILE}: only mean pooling with normalisation is supported")
    return config


def _read_tokenizer(data: bytes) -> Tokenizer:
    try:
        return Tokenizer.from_str(data.decode("utf-8"))
    except Exception as exc:  # tokenizers raises plain Exception for a bad file
        raise ModelError(f"cannot read the tokenizer {TOKENIZER_FILE}: {one_line(exc)}") from exc


def _bytes(data: bytes | HeldFile) -> bytes:
    return data.read_bytes() if isinstance(data, HeldFile) else data


def _sha256(data: bytes | HeldFile) -> str:
    return data.sha256 if isinstance(data, HeldFile) else sha256_bytes(data)


def _open_session(model: bytes | HeldFile) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = min(INTRA_OP_THREADS, os.cpu_count() or 1)
    options.log_severity_level = 3  # errors only
    try:
        source = model.path if isinstance(model, HeldFile) else model
        return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for every kind of bad file
        raise ModelError(f"cannot load the ONNX encoder {ENCODER_FILE}: {one_line(exc)}") from exc


def _check_session(session: ort.InferenceSession, input_names: Sequence[str], dimension: int) -> None:
    inputs = sorted(i.name for i in session.get_inputs())
    outputs = {o.name: o.shape for o in session.get_outputs()}
    if inputs != sorted(input_names) or OUTPUT_NAME not in outputs:
        raise ModelError(f"{ENCODER_FILE} does not match {CONFIG_FILE}")
    width = outputs[OUTPUT_NAME][-1]
    if isinstance(width, int) and width != dimension:
        raise ModelError(f"{ENCODER_FILE} gives {width} dimensions, not {dimension}")


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), for one-line errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
