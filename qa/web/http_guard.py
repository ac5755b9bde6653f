"""What the web app lets in, checked before Gradio sees a request.

The app takes questions of at most 1,000 characters (the chat also sends
back the conversation on screen) and no files. So, before a body is read:

- uploads are refused with 403 whatever their size, and nothing reaches
  Gradio's cache;
- a body over the size limit is refused with 413: by its Content-Length
  before a byte of it is read, or, sent in chunks without one, as soon as
  the bytes counted pass the limit (so at most the limit is ever held);
- an address whose query (``/?q=...``) is over ``max_query_bytes`` is
  refused with 414 (Gradio answered a long one with a 500 and a traceback);
- a call by keywords (``/call/v2/<endpoint>``) naming a value the endpoint
  does not take, or whose body is not a JSON object, is refused with 422
  and a message that lists the names it takes (Gradio answered a bare 500).

A plain ASGI middleware (it imports nothing from Gradio), added to Gradio's
FastAPI app through ``launch(app_kwargs={"middleware": [...]})``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestGuard:
    """Refuses requests to ``refused_paths`` (403) and bodies over ``max_body_bytes`` (413)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_query_bytes: int = 16 * 1024,
        refused_paths: Collection[str] = (),
        keyword_calls: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_query_bytes = max_query_bytes
        self.refused_paths = tuple(path.rstrip("/") for path in refused_paths)
        self.keyword_calls = {path.rstrip("/"): tuple(names) for path, names in (keyword_calls or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            await refuse(send, 414, f"the address is longer than {self.max_query_bytes // 1024} kB")
            return
        if self.refused_paths and scope["path"].rstrip("/").endswith(self.refused_paths):
            await refuse(send, 403, "this app takes no files")
            return
        length = content_length(scope)
        if length is not None and length > self.max_body_bytes:
            await refuse(send, 413, self._too_large())
            return
        names = self.keyword_calls.get(scope["path"].rstrip("/")) if scope.get("method") == "POST" else None
        if length is not None and names is None:  # the HTTP server holds the body to its Content-Length
            await self.app(scope, receive, send)
            return
        # No Content-Length: no body, or one in chunks. Read it here, counting.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await refuse(send, 413, self._too_large())
                return
            if not message.get("more_body", False):
                break
        if names is not None and (problem := _keyword_problem(bytes(body), names)):
            await refuse(send, 422, problem)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self) -> str:
        return f"the request is larger than {self.max_body_bytes // 1024} kB"


def _keyword_problem(body: bytes, names: Collection[str]) -> str | None:
    takes = f"this endpoint takes a JSON object with {', '.join(names)}"
    try:
        values = json.loads(body)
    except ValueError:
        return f"the body is not JSON: {takes}"
    if not isinstance(values, dict):
        return f"the body is not a JSON object: {takes}"
    unknown = [key for key in values if key not in names]
    return f"unknown value {', '.join(map(repr, unknown))}: {takes}" if unknown else None


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value)
    return None


async def refuse(send: Send, status: int, detail: str) -> None:
    """A JSON error as FastAPI gives one, and the connection closed (its body is never read)."""
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body read here, then the client's own (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
