"""A stand-in for Confluence's page APIs, for the publish tests (no Confluence server can
run here).

It serves, on a loopback port, the two calls advisor makes of each API and checks every
request against Atlassian's documentation of that API; a request that does not follow it
is recorded in ``violations`` and answered 400, so a test that ends with no violations
has made only documented requests:

- Cloud, REST API v2 (basic auth with e-mail address and API token):
  ``GET /wiki/api/v2/pages/{id}?body-format=storage`` and ``PUT /wiki/api/v2/pages/{id}``
  with ``{id, status, title, body: {representation: "storage", value}, version: {number,
  message}}``.
- Data Center, REST API (``Authorization: Bearer`` personal access token):
  ``GET /rest/api/content/{id}?expand=body.storage,version`` and ``PUT
  /rest/api/content/{id}`` with ``{id, type, status, title, body: {storage: {value,
  representation: "storage"}}, version: {number, message}}``.

It answers as Confluence does: the page JSON, 401 for bad credentials, 404 for a page that
does not exist, 409 when the version is not the next one, 400 for a malformed body.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLOUD_PREFIX = "/wiki/api/v2/pages/"
DC_PREFIX = "/rest/api/content/"


@dataclass
class Page:
    title: str
    body: str
    version: int = 1
    message: str = ""
    status: str = "current"


@dataclass
class Confluence:
    """The stand-in's state: pages by id, the accepted credentials, what was asked."""

    email: str = "publisher@example.com"
    api_token: str = "cloud-token-" + "x" * 20
    personal_token: str = "dc-pat-" + "y" * 24
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    #: Run after each successful GET: a test's stand-in for someone editing the page.
    after_read: Callable[[Page], None] | None = None
    url: str = ""

    @property
    def writes(self) -> int:
        return sum(1 for method, _ in self.requests if method == "PUT")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base's name)
        pass  # keep the test output clean

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        state.requests.append((method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if parts.path.startswith(CLOUD_PREFIX):
            api, page_id = "cloud", parts.path[len(CLOUD_PREFIX) :]
        elif parts.path.startswith(DC_PREFIX):
            api, page_id = "dc", parts.path[len(DC_PREFIX) :]
        else:
            self._reply(404, {"message": f"no API at {parts.path}"})
            return
        if not self._authorised(api):
            self._error(api, 401, "Unauthorized")
            return
        if not page_id.isdigit():
            return self._violation(api, f"page id {page_id!r} is not a number")
        if self.headers.get("Accept") != "application/json":
            return self._violation(api, f"Accept: {self.headers.get('Accept')!r}")
        page = state.pages.get(page_id)
        if page is None:
            self._error(api, 404, "Not Found")
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "GET":
            self._get(api, page_id, page, query)
        elif method == "PUT":
            self._put(api, page_id, page, query, raw)
        else:
            self._violation(api, f"{method} is not how a page is updated")

    def _authorised(self, api: str) -> bool:
        state = self.server.state
        header = self.headers.get("Authorization", "")
        if api == "cloud":
            token = base64.b64encode(f"{state.email}:{state.api_token}".encode()).decode()
            return header == f"Basic {token}"
        return header == f"Bearer {state.personal_token}"

    def _get(self, api: str, page_id: str, page: Page, query: dict[str, str]) -> None:
        if api == "cloud" and query != {"body-format": "storage"}:
            return self._violation(api, f"GET query {query} (want body-format=storage)")
        if api == "dc" and set(query.get("expand", "").split(",")) != {"body.storage", "version"}:
            return self._violation(api, f"GET query {query} (want expand=body.storage,version)")
        self._reply(200, self._page_json(api, page_id, page, with_body=True))
        if self.server.state.after_read is not None:
            self.server.state.after_read(page)

    def _put(self, api: str, page_id: str, page: Page, query: dict[str, str], raw: bytes) -> None:
        if query:
            return self._violation(api, f"PUT query {query}")
        if self.headers.get("Content-Type") != "application/json":
            return self._violation(api, f"Content-Type: {self.headers.get('Content-Type')!r}")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._violation(api, "PUT body is not JSON")
        problem = _check_update(api, page_id, body)
        if problem:
            return self._violation(api, problem)
        number = body["version"]["number"]
        if number != page.version + 1:
            message = f"Version must be incremented on update. Current version is: {page.version}"
            self._error(api, 409, message)
            return
        page.title = body["title"]
        page.body = body["body"]["value"] if api == "cloud" else body["body"]["storage"]["value"]
        page.version = number
        page.message = body["version"]["message"]
        self._reply(200, self._page_json(api, page_id, page, with_body=False))

    def _page_json(self, api: str, page_id: str, page: Page, with_body: bool) -> dict[str, Any]:
        version = {"number": page.version, "message": page.message, "minorEdit": False}
        if api == "cloud":
            data: dict[str, Any] = {
                "id": page_id,
                "status": page.status,
                "title": page.title,
                "spaceId": "98304",
                "version": {**version, "createdAt": "2026-12-01T10:00:00.000Z"},
                "_links": {"webui": f"/spaces/ML/pages/{page_id}"},
            }
            if with_body:
                data["body"] = {"storage": {"representation": "storage", "value": page.body}}
            return data
        return {
            "id": page_id,
            "type": "page",
            "status": page.status,
            "title": page.title,
            "version": {**version, "when": "2026-12-01T10:00:00.000Z"},
            "body": {"storage": {"value": page.body, "representation": "storage"}},
        }

    def _violation(self, api: str, problem: str) -> None:
        self.server.state.violations.append(problem)
        self._error(api, 400, problem)

    def _error(self, api: str, status: int, message: str) -> None:
        if api == "cloud":
            error = {"status": status, "code": message.upper(), "title": message, "detail": None}
            self._reply(status, {"errors": [error]})
        else:
            self._reply(status, {"statusCode": status, "message": message})

    def _reply(self, status: int, data: Any) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _check_update(api: str, page_id: str, body: Any) -> str | None:
    """What is wrong with an update's JSON, by the API's documentation; None if nothing."""
    if not isinstance(body, dict):
        return "PUT body is not an object"
    want = {"id", "status", "title", "body", "version"} | ({"type"} if api == "dc" else set())
    if set(body) != want:
        return f"PUT keys {sorted(body)} (want {sorted(want)})"
    if body["id"] != page_id:
        return f"id {body['id']!r} is not the page's {page_id!r}"
    if body["status"] != "current":
        return f"status {body['status']!r}"
    if not isinstance(body["title"], str) or not body["title"]:
        return "no title"
    version = body["version"]
    if not (
        isinstance(version, dict)
        and set(version) == {"number", "message"}
        and type(version["number"]) is int
        and isinstance(version["message"], str)
    ):
        return f"version {version!r}"
    if api == "cloud":
        storage = body["body"]
    else:
        if body["type"] != "page" or set(body["body"]) != {"storage"}:
            return f"type {body['type']!r}, body {body['body']!r}"
        storage = body["body"]["storage"]
    if not (
        isinstance(storage, dict)
        and set(storage) == {"representation", "value"}
        and storage["representation"] == "storage"
        and isinstance(storage["value"], str)
    ):
        return f"body {body['body']!r}"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: Confluence) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def running(state: Confluence) -> Iterator[Confluence]:
    """Serve ``state`` on a loopback port (``state.url`` is its base address) until the end
    of the ``with`` block."""
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
