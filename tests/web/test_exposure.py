"""Nothing is exposed: the launched app serves no file of the project, takes
no upload, sends no CORS header for other origins, and has no monitoring
page or REST route around its queue."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest


def get(
    url: str, headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a request (a POST when ``data`` is given)."""
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    "path",
    [
        "app.py",
        "index/manifest.json",
        "corpus/cica_interview.txt",
        "../../etc/passwd",
        "/etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
    ],
)
def test_files_outside_gradios_assets_are_refused(launched_app, path):
    status, _, body = get(f"{launched_app}gradio_api/file={path}")
    assert status in (403, 404), (status, body[:100])
    assert b"root:" not in body and b"import gradio" not in body


def test_a_cross_origin_request_gets_no_cors_allow_header(launched_app):
    for route in ("", "gradio_api/info", "config"):
        _, headers, _ = get(f"{launched_app}{route}", {"Origin": "http://evil.example"})
        allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
        assert allowed is None, (route, allowed)


@pytest.mark.parametrize("size", [10, 1000, 20_000])
def test_uploads_are_refused_whatever_their_size_and_nothing_is_stored(launched_app, size):
    from gradio.utils import get_upload_folder

    name = f"qa-probe-{uuid.uuid4().hex}.txt"
    boundary = "qa-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
        + b"x" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _, answer = get(f"{launched_app}gradio_api/upload", headers, body)
    assert status == 403, (status, answer[:200])
    assert json.loads(answer) == {"detail": "this app takes no files"}
    assert not list(Path(get_upload_folder()).rglob(name))


def test_monitoring_is_off(launched_app):
    status, _, _ = get(f"{launched_app}gradio_api/monitoring")
    assert status in (401, 403, 404)


def test_rest_calls_cannot_bypass_the_queue(launched_app):
    body = b'{"data": ["When did Kuwait join?", 3]}'
    status, _, _ = get(f"{launched_app}gradio_api/run/ask", {"Content-Type": "application/json"}, body)
    assert status in (403, 404, 405), status
