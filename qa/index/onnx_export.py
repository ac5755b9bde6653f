"""Exporting a sentence-transformers model to ONNX, at build time.

This is the only module that runs torch's exporter (imported inside the
functions that need it). :func:`export_onnx` returns the encoder's files as
bytes, checked to agree with sentence-transformers; the build writes them
into the index with everything else, so the manifest vouches for them.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import warnings
from typing import Any

import numpy as np
import onnxruntime as ort

from qa.errors import ModelError
from qa.files import sha256_bytes
from qa.index.onnx_encoder import (
    CONFIG_FILE,
    ENCODER_FILE,
    FORMAT_VERSION,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    OnnxEmbedder,
    one_line,
)

OPSET = 17
MIN_AGREEMENT = 0.9999  # cosine between ONNX and sentence-transformers vectors
# Checked at export: a short question, padding, non-Latin script, a text past max_seq_length.
PROBES = ("What is CICA?", "Kuwait joined in 2022; now 28 member states.", "Чем займётся Азербайджан?", "word " * 300)


def export_onnx(model: Any, location: str) -> dict[str, bytes]:
    """The encoder files (``{file name: bytes}``) of a loaded sentence-transformers
    ``model`` (named ``location`` in messages), checked to agree with it.
    Raises :class:`ModelError` with a one-line reason when the model cannot be
    exported (the caller can then keep encoding with sentence-transformers)."""
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
    files = {
        CONFIG_FILE: json.dumps(config, indent=2).encode("utf-8"),
        ENCODER_FILE: encoder_onnx,
        TOKENIZER_FILE: tokenizer_json,
    }
    _check_agreement(files, location, expected)
    return files


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
    from tokenizers import Tokenizer, normalizers

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
        raise ModelError(f"cannot export {location!r} to ONNX: {one_line(exc)}") from exc
    return buffer.getvalue()


def _check_agreement(files: dict[str, bytes], location: str, expected: np.ndarray) -> None:
    """Encode the probe texts with the export; raise ModelError if that fails
    or disagrees with sentence-transformers."""
    try:
        actual = OnnxEmbedder(files, location).encode(PROBES)
    except Exception as exc:  # ModelError, or onnxruntime failing to run the graph
        raise ModelError(f"cannot export {location!r} to ONNX: the export does not run: {one_line(exc)}") from exc
    agreement = float(np.min(np.sum(actual * expected, axis=1)))
    if agreement < MIN_AGREEMENT:
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
