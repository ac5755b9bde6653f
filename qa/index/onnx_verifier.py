"""The verifier at query time: (question, sentence) -> the probability that
the sentence states the answer, with onnxruntime and tokenizers, no torch.

The build (:mod:`qa.build.verifier_export`) merges the trained layers shipped
in ``qa/build/data/verifier.safetensors`` with the packaged MiniLM's
embeddings and exports the cross-encoder beside its tokenizer:

    verifier.onnx            input_ids, attention_mask, token_type_ids -> logits
    verifier.tokenizer.json  the fast tokenizer (pairs truncated on the second text)
    verifier.json            max_length, input names, the recipe and data it was
                             trained from, sha256 of the two files above

Built from the files' bytes, which the store has verified against the
manifest. A session of one thread: steady beside other requests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from qa.errors import ModelError
from qa.files import sha256_bytes

MODEL_FILE = "verifier.onnx"
TOKENIZER_FILE = "verifier.tokenizer.json"
CONFIG_FILE = "verifier.json"
FILES = (CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE)
FORMAT_VERSION = 1


def text_b(sentence: str, section: str) -> str:
    """The second text the verifier reads: the sentence, then the interviewer's
    question it answers (as it was trained: :mod:`qa.train.verifier`)."""
    return f"{sentence} [SEP] {section}" if section and section != sentence else sentence


class OnnxVerifier:
    """The exported cross-encoder; threads may share one instance."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        missing = [name for name in FILES if name not in files]
        if missing:
            raise ModelError(f"the verifier lacks {', '.join(missing)}")
        try:
            config = json.loads(files[CONFIG_FILE])
        except ValueError as exc:
            raise ModelError(f"the verifier's {CONFIG_FILE} is not JSON") from exc
        for name in (MODEL_FILE, TOKENIZER_FILE):
            if sha256_bytes(files[name]) != config.get("files", {}).get(name):
                raise ModelError(f"the verifier's {name} does not match {CONFIG_FILE}")
        self.identity: dict[str, Any] = config.get("identity", {})
        self._input_names = tuple(config["input_names"])
        tokenizer_json = files[TOKENIZER_FILE].decode("utf-8")
        max_length = int(config["max_length"])
        # The pair is cut on its second text, so the question must leave room for it:
        # a longer question (1,000 characters are allowed) is read up to half the budget.
        self._question_tokens = max_length // 2
        self._plain = Tokenizer.from_str(tokenizer_json)
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.enable_truncation(max_length, strategy="only_second")
        self._tokenizer.enable_padding(pad_id=int(config["pad_id"]), pad_token=str(config["pad_token"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(files[MODEL_FILE], options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types; all mean "cannot load"
            raise ModelError(f"cannot load the verifier: {str(exc).splitlines()[0] if str(exc) else exc}") from exc

    def score(self, question: str, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The probability that each (sentence, section) states the answer to ``question``."""
        if not pairs:
            return np.zeros(0, dtype=np.float64)
        question = self._shortened(question)
        encoded = self._tokenizer.encode_batch([(question, text_b(s, c)) for s, c in pairs])
        inputs = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        (logits,) = self._session.run(None, {name: inputs[name] for name in self._input_names})
        return 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -60.0, 60.0)))

    def _shortened(self, question: str) -> str:
        """``question`` up to the token budget it may take of a pair."""
        offsets = self._plain.encode(question, add_special_tokens=False).offsets
        return question if len(offsets) <= self._question_tokens else question[: offsets[self._question_tokens][0]]
