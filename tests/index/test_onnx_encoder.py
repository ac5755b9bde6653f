"""The ONNX query encoder against sentence-transformers, on the packaged model."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.index.embedding import DEFAULT_MODEL_ID, resolve_model
from qa.index.onnx_encoder import CONFIG_FILE, TOKENIZER_FILE, OnnxEmbedder
from qa.index.onnx_export import export_onnx
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

LONG_TEXT = (
    "The Conference on Interaction and Confidence Building Measures in Asia was convened more than thirty years "
    "ago and has since established itself as an important and valuable multilateral platform for dialogue. "
) * 12  # well over 256 word pieces: both encoders must truncate it the same way

TEXTS = [
    "When did Kuwait join CICA?",
    "What will Azerbaijan's chairmanship focus on?",
    "During Kazakhstan's chairmanship (2020-2024) CICA grew to 28 Member States; Kuwait joined in 2022.",
    "“The CICA family” is consistently growing – with Turkmenistan in 2021 — and Saudi Arabia in 2023.",
    LONG_TEXT,
    "Когда Кувейт присоединился к СВМДА?",
    "亚信会议的成员国有多少个？",
    "متى انضمت الكويت إلى المؤتمر؟",
    "Қазақстанның төрағалығы қандай нәтижелер берді?",
    "CICA 🌏🤝 summit in Astana 🇰🇿!",
    "a",
    "   spaces \t\t and\n\n\nnewlines   everywhere    ",
]


@pytest.fixture(scope="module")
def sentence_transformer():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model(None).location, device="cpu")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export's files written to a directory (the store writes them into the index)."""
    from sentence_transformers import SentenceTransformer

    directory = tmp_path_factory.mktemp("onnx")
    # A model of its own: the export switches it to eager attention.
    model = SentenceTransformer(resolve_model(None).location, device="cpu")
    for name, data in export_onnx(model, DEFAULT_MODEL_ID).items():
        (directory / name).write_bytes(data)
    return directory


@pytest.fixture(scope="module")
def embedder(exported: Path) -> OnnxEmbedder:
    return OnnxEmbedder.from_directory(exported, DEFAULT_MODEL_ID)


def test_export_describes_the_model(exported: Path, embedder: OnnxEmbedder):
    assert {p.name for p in exported.iterdir()} == {"encoder.onnx", "tokenizer.json", "encoder.json"}
    assert (embedder.model_id, embedder.dimension, embedder.max_seq_length) == (DEFAULT_MODEL_ID, 384, 256)


def test_vectors_agree_with_sentence_transformers_for_every_text(embedder, sentence_transformer):
    expected = sentence_transformer.encode(TEXTS, normalize_embeddings=True)
    actual = embedder.encode(TEXTS)
    assert actual.shape == (len(TEXTS), 384) and actual.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(actual, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(actual * expected, axis=1)
    assert all(c >= 0.9999 for c in cosines), dict(zip(TEXTS, cosines.round(6), strict=True))


def test_long_text_is_truncated_not_rejected(embedder):
    assert embedder.count_tokens(LONG_TEXT) > 256
    truncated = embedder.encode([LONG_TEXT + " and an ending that falls past the limit"])
    assert float(truncated[0] @ embedder.encode([LONG_TEXT])[0]) > 0.99999


def test_one_batch_and_one_by_one_agree(embedder):
    batch = embedder.encode(TEXTS)
    single = np.vstack([embedder.encode([text]) for text in TEXTS])
    assert np.min(np.sum(batch * single, axis=1)) >= 0.9999


def test_more_than_one_batch_keeps_the_callers_order(embedder):
    texts = [f"Question number {i} about CICA" + " and more" * (i % 7) for i in range(70)]
    vectors = embedder.encode(texts)
    for row in (0, 33, 69):
        assert float(vectors[row] @ embedder.encode([texts[row]])[0]) >= 0.9999


def test_threads_can_share_one_embedder(embedder):
    serial = [embedder.encode([text]) for text in TEXTS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda text: embedder.encode([text]), TEXTS * 3))
    for row, vectors in enumerate(parallel):
        np.testing.assert_allclose(vectors, serial[row % len(TEXTS)], atol=1e-6)


def test_empty_list_gives_no_rows(embedder):
    assert embedder.encode([]).shape == (0, 384)


def test_count_tokens_matches_the_model_tokenizer_without_truncation(embedder, sentence_transformer):
    for text in TEXTS:
        expected = len(sentence_transformer.tokenizer(text, add_special_tokens=True)["input_ids"])
        assert embedder.count_tokens(text) == expected, text


def test_the_query_path_does_not_import_torch(exported: Path):
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from qa.index.onnx_encoder import OnnxEmbedder
        embedder = OnnxEmbedder.from_directory(Path({str(exported)!r}), "m")
        assert embedder.encode(["When did Kuwait join CICA?"]).shape == (1, 384)
        heavy = ("torch", "transformers", "sentence_transformers")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_directory_is_a_model_error(tmp_path: Path):
    with pytest.raises(ModelError, match="nowhere"):
        OnnxEmbedder.from_directory(tmp_path / "nowhere", DEFAULT_MODEL_ID)


def test_incomplete_export_is_a_model_error(exported: Path):
    with pytest.raises(ModelError, match="lacks encoder.onnx, tokenizer.json"):
        OnnxEmbedder({CONFIG_FILE: (exported / CONFIG_FILE).read_bytes()}, DEFAULT_MODEL_ID)


def test_files_that_do_not_match_the_config_are_a_model_error(exported: Path):
    files = {p.name: p.read_bytes() for p in exported.iterdir()}
    files[TOKENIZER_FILE] = files[TOKENIZER_FILE].replace(b"[UNK]", b"[UNX]")
    with pytest.raises(ModelError, match="tokenizer.json does not match encoder.json"):
        OnnxEmbedder(files, DEFAULT_MODEL_ID)


def test_export_refuses_cls_pooling_so_the_caller_can_fall_back(tmp_path: Path):
    packaged = Path(resolve_model(None).location)
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    for item in packaged.iterdir():
        if item.is_file():
            (model / item.name).symlink_to(item)
    pooling = json.loads((packaged / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (model / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    from sentence_transformers import SentenceTransformer

    with pytest.raises(ModelError, match="pooling 'cls'"):
        export_onnx(SentenceTransformer(str(model), device="cpu"), str(model))
