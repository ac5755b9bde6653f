"""Large and malformed requests cannot grow or break the server: refused
before they are read (by Content-Length, or counted as their chunks arrive),
or answered with a message."""

from __future__ import annotations

import gc
import http.client
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest


def send(url: str, path: str, body: bytes, chunked: bool = False) -> tuple[int, bytes]:
    """POST ``body`` over a plain socket as a client that pushes it regardless
    (from a second thread), in chunks without a Content-Length if ``chunked``;
    the status and body the server answers with."""
    parts = urllib.parse.urlsplit(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:

        def push() -> None:
            try:
                connection.sendall(head.encode())
                if not chunked:
                    connection.sendall(body)
                    return
                for start in range(0, len(body), 65536):
                    piece = body[start : start + 65536]
                    connection.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
                connection.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # refused: the server closed the connection without reading the rest

        pusher = threading.Thread(target=push)
        pusher.start()
        response = http.client.HTTPResponse(connection)
        response.begin()
        answer = response.read()
        pusher.join(timeout=30)
    return response.status, answer


def rss_mb() -> float:
    """This process's resident memory: the launched app runs in it."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def oversized_requests(url: str, megabytes: int = 10) -> list[tuple[str, bytes]]:
    """A question of ``megabytes`` to the ask API, and one to the chat (the
    page's own event), each a well-formed request Gradio would accept."""
    from tests.web.chat import chat_event

    question = "why " * (megabytes * (1 << 20) // 4)
    event, box = chat_event(url)
    chat = {"data": [question, [], None, 2, "hybrid"], "fn_index": event, "trigger_id": box, "event_data": None}
    return [
        ("/gradio_api/call/v2/ask", json.dumps({"question": question, "top_k": 2}).encode()),
        ("/gradio_api/queue/join", json.dumps(chat | {"session_hash": uuid.uuid4().hex}).encode()),
    ]


def test_oversized_requests_are_refused_before_they_are_read_and_memory_stays_flat(launched_app):
    """30 requests of 10 MB (the ask API and the chat in turn): each is refused
    with 413 and the server, in this process, keeps no more memory than before."""
    requests = oversized_requests(launched_app)
    send(launched_app, *requests[0])  # the first request's one-off allocations are not growth
    gc.collect()
    before = rss_mb()
    statuses = [send(launched_app, *requests[n % 2])[0] for n in range(30)]
    gc.collect()
    grown = rss_mb() - before
    assert statuses == [413] * 30
    assert grown < 10, f"resident memory grew by {grown:.0f} MB over 30 refused requests of 10 MB"


def test_a_chunked_body_is_counted_as_it_arrives(launched_app):
    from qa.web.serve import MAX_REQUEST_BYTES

    status, answer = send(launched_app, "/gradio_api/call/v2/ask", b" " * (MAX_REQUEST_BYTES + 1), chunked=True)
    assert status == 413 and b"larger than" in answer
    small = json.dumps({"question": "When did Kuwait join?", "top_k": 1}).encode()
    status, answer = send(launched_app, "/gradio_api/call/v2/ask", small, chunked=True)
    assert status == 200 and b"event_id" in answer  # read here, then handed on whole


@pytest.mark.parametrize(
    "body, detail",
    [
        (b'{"question": "Kuwait?", "top_k": 2, "extra": 1}', "unknown value 'extra': this endpoint takes"),
        (b"[1, 2]", "the body is not a JSON object: this endpoint takes"),
        (b"nope", "the body is not JSON: this endpoint takes"),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_keyword_call_with_a_value_the_endpoint_does_not_take_is_a_message(launched_app, body, detail, chunked):
    """Gradio answered these with a bare 500 and a traceback in the log."""
    status, answer = send(launched_app, "/gradio_api/call/v2/ask", body, chunked=chunked)
    assert status == 422
    assert json.loads(answer)["detail"].startswith(detail)
    assert json.loads(answer)["detail"].endswith("question, top_k, previous, mode")


def test_a_keyword_call_without_a_question_says_the_question_is_empty(launched_app):
    status, answer = send(launched_app, "/gradio_api/call/v2/ask", b'{"top_k": 2}')
    assert status == 200, answer
    event = json.loads(answer)["event_id"]
    with urllib.request.urlopen(f"{launched_app}gradio_api/call/v2/ask/{event}", timeout=60) as stream:
        text = stream.read().decode()
    assert "event: error" in text and '"the question is empty"' in text
