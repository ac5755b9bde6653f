"""Serving the chat: ``python app.py`` (what ``make run`` starts) parses its
flags, opens the index and the feedback store, and launches the page on
http://127.0.0.1:7860 with what the server exposes kept to the chat and its
API. Gradio is imported only after the environment is quieted (nothing
downloaded, nothing reported) and ``GRADIO_SERVER_PORT`` is checked.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from qa.cli import OneLineParser
from qa.config import config_from_env, quiet

if TYPE_CHECKING:
    import gradio as gr

QUEUE_SIZE = 64
CONCURRENCY = 4
MAX_REQUEST_BYTES = 1 << 20
# Gradio's routes that store files; the app takes none.
UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")
# Refresh the monitoring summary never (2**62 events), keep 1 event for it.
UNUSED_QUEUE_SUMMARY = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(2**62), "GRADIO_ANALYTICS_MAX_EVENTS": "1"}


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {value!r}")
    return port


def launch(
    demo: gr.Blocks, host: str | None = None, port: int | None = None, routes: Sequence[Any] = (), **options: Any
) -> Any:
    """Queue and launch with what the app exposes kept to the chat and its API:
    loopback unless a host is given, no share link, no uploads, no request
    body over MAX_REQUEST_BYTES (both refused before they are read), no file
    serving beyond Gradio's own assets, no monitoring, no server-side rendering.
    ``routes`` are served beside the page (the source view, :func:`qa.web.source.routes`).
    The theme's fonts are the reader's system fonts: Gradio's semi-bold Source
    Sans file draws capitals in a fallback font (the title's "A")."""
    import gradio as gr

    # With monitoring off nobody reads the queue's event summary, but Gradio
    # rebuilds it after every request by default (a pandas DataFrame of up to
    # 10,000 past events: 1.4 ms per request at first, 6 ms once full).
    # Read once by the Queue that demo.queue() creates, so set only around it;
    # a user's own setting wins.
    from starlette.middleware import Middleware

    from qa.web.http_guard import RequestGuard
    from qa.web.page import CSS, PAGE_JS

    with _defaults(os.environ, UNUSED_QUEUE_SUMMARY):
        demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY, api_open=False)
    guard = Middleware(
        RequestGuard,
        max_body_bytes=MAX_REQUEST_BYTES,
        refused_paths=UPLOAD_ROUTES,
        keyword_calls={"/gradio_api/call/v2/ask": ("question", "top_k", "previous", "mode")},
    )
    system = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    theme = gr.themes.Default(font=system, font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])
    # White on the default primary orange (500) is 3.3:1; on orange 700 it is 5.2:1, in light and dark.
    darker = {
        f"button_primary_background_fill{state}{scheme}": f"*primary_{shade}"
        for state, shade in (("", 700), ("_hover", 800))
        for scheme in ("", "_dark")
    }
    theme = theme.set(**darker)
    # Gradio's own start-up lines end with "To create a public link, set
    # `share=True`", a hint this app never takes: it launches quietly and says
    # where the chat is itself, then blocks as Gradio would have.
    quiet = options.pop("quiet", False)
    block = not options.pop("prevent_thread_lock", False)
    launched = demo.launch(
        app_kwargs={"middleware": [guard], "routes": list(routes)},
        server_name=host,
        server_port=port,
        share=False,
        ssr_mode=False,
        enable_monitoring=False,
        max_file_size="1kb",
        allowed_paths=[],
        css=CSS,
        js=PAGE_JS,
        theme=theme,
        footer_links=[],  # Gradio's own links (API, "built with", settings); the page has its footer
        quiet=True,
        prevent_thread_lock=True,
        **options,
    )
    if not quiet:
        print(f"The chat is at {demo.local_url} (Ctrl+C stops it).", flush=True)
    if block:
        demo.block_thread()
    return launched


@contextlib.contextmanager
def _defaults(environ: os._Environ[str], values: Mapping[str, str]) -> Iterator[None]:
    """``values`` set in ``environ`` where the user has not set them, for the
    duration of the block; then ``environ`` as it was."""
    added = [name for name in values if name not in environ]
    environ.update({name: values[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            environ.pop(name, None)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="app.py", description="Serve the CICA interview chat.")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=_port, help="port (default 7860, or $GRADIO_SERVER_PORT)")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default: the project's corpus)")
    parser.add_argument("--index", type=Path, help="index directory (default: the project's index)")
    parser.add_argument("--model", help="sentence-transformers model name or path")
    votes = parser.add_mutually_exclusive_group()
    votes.add_argument(
        "--feedback-db",
        metavar="URL",
        help="where likes and dislikes are stored: sqlite:///PATH or postgresql://USER@HOST/DB, "
        "which several app replicas can share (default feedback/feedback.sqlite3)",
    )
    votes.add_argument("--no-feedback", action="store_true", help="no like/dislike buttons and no feedback store")
    parser.add_argument(
        "--votes-per-minute",
        type=_at_least_1,
        default=30,
        metavar="N",
        help="votes one client (address) may give in any minute (default 30)",
    )
    parser.add_argument(
        "--max-votes",
        type=_at_least_1,
        default=1_000_000,
        metavar="N",
        help="votes the store keeps; once full, votes are refused with a notice (default 1000000)",
    )
    return parser


def _at_least_1(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {value!r}")
    return number


def main(argv: list[str] | None = None) -> None:
    quiet(os.environ)  # nothing downloaded, nothing reported: before gradio and onnxruntime are imported
    args = build_parser().parse_args(argv)
    if os.environ.get("GRADIO_SERVER_PORT"):  # gradio reads it when imported: check it first
        try:
            port = _port(os.environ["GRADIO_SERVER_PORT"])
        except argparse.ArgumentTypeError as exc:
            _exit(f"error: GRADIO_SERVER_PORT: {exc}")
        args.port = port if args.port is None else args.port
    from qa import open_searcher
    from qa.errors import FeedbackError, QAError
    from qa.feedback.database import default_url
    from qa.feedback.store import FeedbackStore
    from qa.index.store import MANIFEST
    from qa.web.page import build_demo
    from qa.web.source import read_sources, routes

    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    # The project's folders, wherever it is started from (qa.config.project_dirs).
    config = config_from_env(os.environ, Path.cwd(), corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    # Nothing (not the feedback store) is created before there is something to answer from.
    if not config.corpus_dir.is_dir() and not (config.index_dir / MANIFEST).is_file():
        corpus, index = config.corpus_dir.absolute(), config.index_dir.absolute()
        _exit(f"error: no corpus directory at {corpus} and no index at {index}; run from the project or give --corpus")
    # A store that cannot be opened stops the start, as an unusable index does:
    # serving with the buttons off would lose every vote until someone noticed.
    store = None
    if not args.no_feedback:
        try:
            store = FeedbackStore.open(args.feedback_db or default_url(config.feedback_dir), max_votes=args.max_votes)
        except FeedbackError as exc:
            _exit(f"error: {exc}; choose another store with --feedback-db, or run with --no-feedback")
    try:
        searcher = open_searcher(config)
    except QAError as exc:
        _exit(f"error: {exc}")
    try:
        launch(
            build_demo(searcher, store, args.votes_per_minute),
            args.host,
            args.port,
            routes(read_sources(config.corpus_dir, searcher.index.manifest.corpus)),
        )
    except OSError:  # Gradio's "Cannot find empty port", whatever the cause: find it
        host = args.host or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
        _exit(f"error: cannot serve on {_why_not(host, args.port)}")


def _exit(message: str) -> NoReturn:
    """One line on stderr and exit status 2, as the command line does."""
    print(message, file=sys.stderr)
    sys.exit(2)


def _why_not(host: str, port: int | None) -> str:
    """Why Gradio could not listen on ``host``: the port given (or the range
    it tries without one) is taken, or the address is not one of this machine's."""
    from gradio.http_server import INITIAL_PORT_VALUE, TRY_NUM_PORTS

    choose = "choose another with --port or GRADIO_SERVER_PORT"
    if port is None:
        return f"{host}: ports {INITIAL_PORT_VALUE}-{INITIAL_PORT_VALUE + TRY_NUM_PORTS - 1} are all in use; {choose}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except socket.gaierror as exc:
        return f"{host}: no such address ({exc.strerror}); choose another with --host or GRADIO_SERVER_NAME"
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return f"{host} port {port}: {exc.strerror}; choose another with --host or GRADIO_SERVER_NAME"
    return f"{host}: port {port} is in use; {choose}"
