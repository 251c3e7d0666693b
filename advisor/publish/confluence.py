"""Publishing a page body to Confluence, with requests.

Confluence Cloud is reached through its v2 pages API (``/wiki/api/v2/pages/{id}``) with
basic auth (e-mail address and API token); Data Center and Server, which have no v2 API,
through ``/rest/api/content/{id}`` with a personal access token (``Authorization: Bearer``).
Either way a publish reads the page's storage body and version, and writes the new body
with the version plus one only when the body differs: Confluence refuses (409) a write
whose version is not the next one, so an edit made in between is a conflict and nothing is
saved. The page must exist: a page id names a page, it cannot create one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from advisor import __version__
from advisor.errors import PublishError
from advisor.publish.common import TIMEOUT, Published, Secret, base_url, same_text
from advisor.publish.http import network_error

USER_VAR = "ADVISOR_CONFLUENCE_USER"
TOKEN_VAR = "ADVISOR_CONFLUENCE_TOKEN"


def credentials(environ: Mapping[str, str]) -> Secret:
    """Cloud's e-mail address and API token, or (no user) a Data Center personal access
    token, from ``environ``."""
    if not environ.get(TOKEN_VAR):
        raise PublishError(
            f"set {TOKEN_VAR} in the environment: with {USER_VAR} (your e-mail address) an "
            "API token for Confluence Cloud, alone a personal access token for Data Center "
            "(credentials are read only from there, never from files or flags)"
        )
    return Secret(environ.get(USER_VAR, ""), environ[TOKEN_VAR])


class _Api:
    """One Confluence REST API: where a page is, and the JSON of an update."""

    #: The pages' path under the site's address, and the query that gets a storage body.
    pages = ""
    read_params: dict[str, str] = {}

    def __init__(self, root: str, page_id: str) -> None:
        self.url = f"{root}{self.pages}{page_id}"
        self.page_id = page_id

    @staticmethod
    def body(page: dict[str, Any]) -> str:
        value = _field(page, "body", "storage", "value")
        return value if isinstance(value, str) else ""

    def update(self, page: dict[str, Any], text: str, version: int, summary: str) -> Any:
        raise NotImplementedError


class CloudApi(_Api):
    """Confluence Cloud's v2 pages API, under ``/wiki``."""

    pages = "api/v2/pages/"
    read_params = {"body-format": "storage"}

    def update(self, page: dict[str, Any], text: str, version: int, summary: str) -> Any:
        return {
            "id": self.page_id,
            "status": "current",
            "title": page["title"],
            "body": {"representation": "storage", "value": text},
            "version": {"number": version, "message": summary},
        }


class DataCenterApi(_Api):
    """The content API of Confluence Data Center and Server (which have no v2 API)."""

    pages = "rest/api/content/"
    read_params = {"expand": "body.storage,version"}

    def update(self, page: dict[str, Any], text: str, version: int, summary: str) -> Any:
        return {
            "id": self.page_id,
            "type": page.get("type", "page"),
            "status": "current",
            "title": page["title"],
            "body": {"storage": {"value": text, "representation": "storage"}},
            "version": {"number": version, "message": summary},
        }


def publish(
    text: str,
    url: str,
    page_id: str,
    secret: Secret,
    *,
    summary: str = "",
    timeout: float = TIMEOUT,
) -> Published:
    """Make ``text`` the storage-format body of Confluence page ``page_id``.

    Args:
        text: The page body in Confluence storage format.
        url: The site's address: ``https://SITE.atlassian.net/wiki`` for Cloud (``/wiki``
            is added when missing), the base address of a Data Center site.
        page_id: The page's id (in its URL, or under Page information).
        secret: Cloud: e-mail address and API token; Data Center: no user, and a personal
            access token.
        summary: The version message.
        timeout: Seconds to wait for Confluence on each request.

    Raises:
        PublishError: Confluence cannot be reached, refused the credentials, has no such
            page or refused the write; the page is left as it was. Its message never holds
            the credentials.
    """
    if not page_id.isdigit():
        raise PublishError(
            f"--page-id: a page id is a number (in the page's URL or under Page information), "
            f"not {page_id!r}"
        )
    scheme, host, path = base_url(url, "Confluence site's address")
    api: _Api
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = f"advisor/{__version__}"
    if secret.user:
        if not path.endswith("/wiki/"):
            path += "wiki/"  # Cloud serves Confluence under /wiki only
        api = CloudApi(f"{scheme}://{host}{path}", page_id)
        session.auth = (secret.user, secret.password)
    else:
        api = DataCenterApi(f"{scheme}://{host}{path}", page_id)
        session.headers["Authorization"] = f"Bearer {secret.password}"
    try:
        with session:
            return _publish(session, api, text, summary, timeout)
    except requests.RequestException as exc:
        raise network_error(exc, host, timeout) from None


def _publish(
    session: requests.Session, api: _Api, text: str, summary: str, timeout: float
) -> Published:
    page = _answer(session.get(api.url, params=api.read_params, timeout=timeout), api, "read")
    version = _field(page, "version", "number")
    title = _field(page, "title")
    if not isinstance(version, int) or not isinstance(title, str):
        raise PublishError(f"{api.url}: the answer is not a Confluence page; check --url")
    if page.get("status", "current") != "current":
        raise PublishError(f"page {api.page_id} is {page['status']}, not a current page")
    shown = f"{api.page_id} ({title})"
    if same_text(api.body(page), text):
        return Published("unchanged", shown, version, "version")
    update = api.update(page, text, version + 1, summary)
    saved = _answer(session.put(api.url, json=update, timeout=timeout), api, "write")
    new_version = _field(saved, "version", "number")
    return Published(
        "updated", shown, new_version if isinstance(new_version, int) else version + 1, "version"
    )


def _answer(response: requests.Response, api: _Api, doing: str) -> dict[str, Any]:
    """The JSON object of a successful answer; PublishError for any other."""
    status = response.status_code
    if status == 200:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise PublishError(
                f"{response.url.split('?')[0]} did not answer with JSON; check --url "
                "(Cloud: https://SITE.atlassian.net/wiki)"
            )
        return data
    page = f"page {api.page_id}"
    if status == 401:
        raise PublishError(
            f"Confluence did not accept the credentials (HTTP 401): Cloud takes {USER_VAR} "
            f"(your e-mail address) and {TOKEN_VAR} (an API token), Data Center {TOKEN_VAR} "
            "alone (a personal access token)"
        )
    if status == 403:
        raise PublishError(f"not allowed to {doing} {page} (HTTP 403)")
    if status == 404:
        raise PublishError(
            f"{page} not found (HTTP 404): check --page-id, and --url (Cloud: "
            "https://SITE.atlassian.net/wiki), and that the user may see the page"
        )
    if status == 409:
        raise PublishError(
            f"edit conflict: {page} was changed by someone else while publishing (HTTP 409); "
            "nothing was saved, run the command again"
        )
    raise PublishError(f"Confluence did not {doing} {page}: HTTP {status}{_reason(response)}")


def _reason(response: requests.Response) -> str:
    """The message in a Confluence error answer (v2: ``errors[].title``, v1: ``message``)."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("detail") or errors[0].get("title")
    else:
        message = data.get("message")
    return f": {message}" if isinstance(message, str) and message else ""


def _field(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where the path is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
