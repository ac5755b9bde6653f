"""Shared fixtures: a tiny interview written in the test, a deterministic fake
embedder for the plumbing, and the real packaged model on the real interview
(loaded once per session) for the end-to-end tests; the feedback store on
SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.config import Config, quiet
from qa.index.embedding import ModelRef

# Before anything imports huggingface_hub (gradio_client does) or onnxruntime:
# the tests must not reach for the Hub or report either.
quiet(os.environ)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "qa" / "eval" / "data"

# A handful of interview turns in the real document's shape: introduction,
# "- question?", answers whose first paragraph opens with "- ".
TINY_INTERVIEW = (
    "The magazine spoke with the Secretary General about the past four years.\n"
    "- How many member states does the Conference have?\n"
    "- The Conference now has 28 member states. Kuwait joined in 2022.\n"
    "Observers include Turkmenistan and Saudi Arabia.\n"
    "- What are the plans for the Charter?\n"
    "- The Charter could be adopted at the 2026 summit. Work on the draft continues.\n"
)


# The fixtures that load the real packaged model on the real interview: a test
# that uses one, directly or through another fixture, is end-to-end.
REAL_FIXTURES = frozenset({"real_config", "real_searcher", "launched_app"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test that uses a real fixture, so that nobody has
    to remember to: ``pytest -m "not e2e and not browser"`` is the fast tier."""
    for item in items:
        if REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


class FakeEmbedder:
    """Bag of hashed word stems (first 4 letters of words of 4+ letters) ->
    unit vector: shared wording gives similar vectors, and it is deterministic."""

    model_id = "fake-bag-of-words"
    dimension = 64
    max_seq_length = 256

    def __init__(self, ref: ModelRef | None = None) -> None:
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text)) + 2  # + [CLS], [SEP]

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{4,}", text.lower()):
                bucket = int(hashlib.sha256(word[:4].encode()).hexdigest(), 16) % self.dimension
                vectors[row, bucket] += 1.0
            if not vectors[row].any():
                vectors[row, 0] = 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def tiny_config(tmp_path: Path) -> Config:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "interview.txt").write_text(TINY_INTERVIEW, encoding="utf-8")
    return Config(corpus_dir=corpus, index_dir=tmp_path / "index")


@pytest.fixture
def fake_factory():
    """An embedder factory that always hands out one FakeEmbedder."""
    embedder = FakeEmbedder()
    return lambda ref: embedder


@pytest.fixture
def tiny_searcher(tiny_config: Config, fake_factory):
    """The tiny interview's searcher, with the fake embedder: for the plumbing
    (handlers, votes, turns, the page) where no assertion depends on what the
    real interview says. Built per test (a fraction of a second), in its own
    tmp_path, beside the tiny_config it was built from."""
    from qa import open_searcher

    return open_searcher(tiny_config, embedder_factory=fake_factory)


@pytest.fixture(scope="session")
def real_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The real interview, copied, with an index built once by the real model."""
    from qa.build.ensure import build_index

    root = tmp_path_factory.mktemp("real")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    config = Config(corpus_dir=root / "corpus", index_dir=root / "index")
    build_index(config)
    return config


@pytest.fixture(scope="session")
def real_searcher(real_config: Config):
    from qa import open_searcher

    return open_searcher(real_config)


@pytest.fixture(scope="session")
def feedback_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The launched app's feedback store: SQLite in a temporary directory."""
    from qa.feedback.database import default_url

    return default_url(tmp_path_factory.mktemp("feedback"))


@pytest.fixture(scope="session")
def launched_app(real_config, real_searcher, feedback_url):
    """app.py's page, its source view and API on a free loopback port,
    launched as app.py launches it (votes go to ``feedback_url``)."""
    from qa.feedback.store import FeedbackStore
    from qa.web import page, serve, source

    sources = source.read_sources(real_config.corpus_dir, real_searcher.index.manifest.corpus)
    with FeedbackStore.open(feedback_url) as store:
        # Every test votes from 127.0.0.1: the per-client limit (tested on its own) is set out of the way.
        demo = page.build_demo(real_searcher, store, votes_per_minute=1_000_000)
        _, url, _ = serve.launch(demo, "127.0.0.1", None, source.routes(sources), prevent_thread_lock=True, quiet=True)
        yield url
        demo.close()


# --- PostgreSQL: one server per session, one fresh schema per test ------------
# The server comes from $QA_TEST_POSTGRES_URL (.ci/run starts Debian's server
# and sets it; `url=$(.ci/postgres)` does the same by hand, as root). Without
# it the PostgreSQL cases skip, except under CI=true, where they fail.


@pytest.fixture(scope="session")
def postgres_server() -> str:
    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("QA_TEST_POSTGRES_URL", "")
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        reason = "no PostgreSQL server: set QA_TEST_POSTGRES_URL (as root, `.ci/postgres` starts one and prints it)"
        if in_ci:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    problem = None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        problem = str(exc).splitlines()[0]
    finally:
        engine.dispose()
    if problem:  # a set but unreachable URL is a broken setup, never a skip; failed
        # outside the except block so that pytest shows no driver frames (and their conninfo)
        pytest.fail(f"QA_TEST_POSTGRES_URL is set but the server does not answer: {problem}")
    return url


@pytest.fixture
def postgres_url(postgres_server: str):
    """The server's URL with search_path set to a schema made for this test, dropped after."""
    from sqlalchemy import create_engine, make_url, text

    schema = f"qa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(postgres_server).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    from qa.feedback.database import default_url

    if request.param == "sqlite":
        return default_url(tmp_path / "feedback")
    return request.getfixturevalue("postgres_url")
