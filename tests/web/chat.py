"""What the web tests share: a conversation asked through the handlers, and
the page's events sent over HTTP as the browser sends them."""

import json
import urllib.request
import uuid

from qa.feedback.store import FeedbackStore
from qa.web import handlers, voting


def page_event(url: str, elem_id: str, trigger: str) -> tuple[int, int]:
    """The page's event on the component ``elem_id`` (its id, and the component's)."""
    config = json.loads(urllib.request.urlopen(f"{url}config", timeout=30).read())
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in config["dependencies"] if [component, trigger] in d["targets"]), component


def chat_event(url: str) -> tuple[int, int]:
    """The page's "question submitted" event, and the question box's id."""
    return page_event(url, "question", "submit")


def send_event(url: str, event: int, trigger: int, data: list, event_data: dict | None = None) -> dict:
    """One event sent as the page sends it (through the queue, then its event
    stream); the final message of the stream."""
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": event, "trigger_id": trigger, "session_hash": session, "event_data": event_data}
    request = urllib.request.Request(
        f"{url}gradio_api/queue/join", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=30).read()
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=60) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                message = json.loads(line[len(b"data: ") :])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without process_completed")


def chat_over_http(url: str, message: str, records: list | None = None) -> dict:
    """One question sent as the page sends it: the turns kept in the browser come along."""
    event, box = chat_event(url)
    return send_event(url, event, box, [message, records or [], 2, "hybrid"])


def shown(update: dict) -> list[str]:
    """The chat's messages as texts (Gradio 6 sends each as a list of parts)."""
    return [part["text"] for turn in update["value"] for part in turn["content"]]


def votes_in(url: str) -> int:
    with FeedbackStore.open(url) as store:
        return store.stats().votes


def asked(searcher, *questions: str, k: int = 3, store: FeedbackStore | None = None) -> list:
    """The records of ``questions`` asked in turn; signed with ``store``'s key
    (as the app signs them) when given, so that they can be voted on."""
    sign = (lambda turn: voting.sign_turn(store, turn)) if store is not None else None
    records: list = []
    for question in questions:
        _, _, records = handlers.respond(searcher, question, records, k, "hybrid", sign)
    return records
