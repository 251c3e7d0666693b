"""Publishing a page to a MediaWiki wiki, with mwclient.

One publish logs in, reads the page's current revision, and saves the new text only when it
differs (else no new revision is made). The save names the revision it replaces
(``baserevid``), so an edit made in between is an edit conflict and nothing is saved; a page
that does not exist yet is created (``createonly``: never over a page made in between).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import mwclient
import mwclient.errors
import requests

from advisor import __version__
from advisor.errors import PublishError
from advisor.publish.common import TIMEOUT, Published, Secret, base_url, env_secret, same_text
from advisor.publish.http import network_error

USER_VAR = "ADVISOR_MEDIAWIKI_USER"
PASSWORD_VAR = "ADVISOR_MEDIAWIKI_PASSWORD"

# mwclient logs retries and API warnings; without a handler Python would print them on
# stderr next to advisor's one line.
logging.getLogger("mwclient").addHandler(logging.NullHandler())


def credentials(environ: Mapping[str, str]) -> Secret:
    """The wiki user and password (a bot password works) from ``environ``."""
    return env_secret(environ, USER_VAR, PASSWORD_VAR)


def wiki_address(url: str) -> tuple[str, str, str]:
    """Scheme, host and script path of the wiki at ``url``: the folder that holds
    ``api.php`` (``https://wiki.example.com/w/``), or ``api.php`` itself."""
    scheme, host, path = base_url(url, "wiki's address (the folder of its api.php)")
    for script in ("api.php/", "index.php/"):
        if path.endswith("/" + script):
            path = path[: -len(script)]
    return scheme, host, path


def publish(
    text: str,
    url: str,
    title: str,
    secret: Secret,
    *,
    summary: str = "",
    timeout: float = TIMEOUT,
) -> Published:
    """Make ``text`` the wikitext of page ``title`` on the wiki at ``url``.

    Args:
        text: The page's wikitext.
        url: The wiki's address (see :func:`wiki_address`).
        title: The page's title; the page is created when it does not exist.
        secret: The user name (``User@BotName`` for a bot password) and password.
        summary: The edit summary.
        timeout: Seconds to wait for the wiki on each request.

    Raises:
        PublishError: the wiki cannot be reached or refused the login or the edit; the
            page is left as it was. Its message never holds the credentials.
    """
    scheme, host, path = wiki_address(url)
    if not title.strip():
        raise PublishError("--page: give the title of the page to publish to")
    try:
        site = mwclient.Site(
            host,
            path=path,
            scheme=scheme,
            connection_options={"timeout": timeout},
            max_retries=0,
            retry_timeout=0,
            clients_useragent=f"advisor/{__version__}",
        )
        _login(site, secret)
        return _save(site, text, title, summary)
    except requests.HTTPError as exc:
        raise _http_error(exc, scheme, host, path) from None
    except requests.RequestException as exc:
        raise network_error(exc, host, timeout) from None
    except mwclient.errors.InvalidResponse:
        raise PublishError(
            f"{scheme}://{host}{path}api.php did not answer as a MediaWiki API; give --url as "
            "the folder that holds api.php (https://wiki.example.com/w/)"
        ) from None
    except mwclient.errors.APIError as exc:
        # Never str(exc): mwclient puts the request's parameters (the password) in it.
        raise PublishError(f"the wiki answered {exc.code}: {exc.info}") from None
    except mwclient.errors.MaximumRetriesExceeded:
        raise PublishError(f"{host} asked to wait (busy or throttled); try again later") from None
    except mwclient.errors.MwClientError as exc:
        raise PublishError(f"the wiki cannot be used: {type(exc).__name__}") from None
    except (KeyError, IndexError, TypeError, ValueError, StopIteration) as exc:
        # JSON, but not the shape of MediaWiki's answers.
        raise PublishError(
            f"{scheme}://{host}{path}api.php gave an answer that is not MediaWiki's "
            f"({type(exc).__name__}); check --url"
        ) from None


def _login(site: mwclient.Site, secret: Secret) -> None:
    try:
        site.login(secret.user, secret.password)
    except mwclient.errors.LoginError as exc:
        reason = str(exc.info or exc.code).replace(secret.password, "***")
        raise PublishError(
            f"login failed: the wiki did not accept {USER_VAR} and {PASSWORD_VAR} ({reason}); "
            "a bot password's user name is User@BotName"
        ) from None


def _save(site: mwclient.Site, text: str, title: str, summary: str) -> Published:
    page = _current(site, title)
    title = page["title"]
    revisions = page.get("revisions") or []
    revid = 0
    if revisions:
        revid = int(revisions[0]["revid"])
        # MediaWiki before 1.32 has no slots: the content is on the revision itself.
        current = revisions[0].get("slots", {}).get("main", revisions[0])
        if current.get("contentmodel", "wikitext") != "wikitext":
            raise PublishError(f"page {title} holds {current['contentmodel']}, not wikitext")
        if same_text(current.get("*", ""), text):
            return Published("unchanged", title, revid)
        # The revision this edit replaces: any other edit since is a conflict.
        where: dict[str, str] = {"baserevid": str(revid), "nocreate": "1"}
    else:
        where = {"createonly": "1"}
    try:
        result = site.post(
            "edit",
            title=title,
            text=text,
            summary=summary,
            md5=hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest(),
            token=site.get_token("csrf"),
            **{"assert": "user"},
            **where,
        )["edit"]
    except mwclient.errors.APIError as exc:
        raise _edit_error(exc, title) from None
    if result.get("result") != "Success":
        # An extension (a captcha, an abuse filter) stopped the edit.
        reason = {k: v for k, v in result.items() if k not in ("result", "title")}
        raise PublishError(f"the wiki did not save page {title}: {reason}")
    if "nochange" in result:
        return Published("unchanged", title, revid)
    return Published("updated" if revisions else "created", title, int(result["newrevid"]))


def _current(site: mwclient.Site, title: str) -> dict[str, Any]:
    """The page's info and latest revision (content and id), redirects followed."""
    answer = site.get(
        "query",
        titles=title,
        redirects="1",
        prop="info|revisions",
        rvprop="ids|content",
        rvslots="main",
    )["query"]
    page: dict[str, Any] = next(iter(answer["pages"].values()))
    if "invalid" in page:
        raise PublishError(f"--page: {title!r} is not a valid title: {page.get('invalidreason')}")
    if page.get("ns", 0) < 0:
        raise PublishError(f"--page: {title!r} is a special page, which cannot be edited")
    return page


def _edit_error(exc: mwclient.errors.APIError, title: str) -> PublishError:
    if exc.code in ("editconflict", "articleexists"):
        return PublishError(
            f"edit conflict: page {title} was changed by someone else while publishing; "
            "nothing was saved, run the command again"
        )
    if exc.code == "missingtitle":
        return PublishError(f"page {title} was deleted while publishing; nothing was saved")
    return PublishError(f"the wiki did not save page {title}: {exc.info} ({exc.code})")


def _http_error(exc: requests.HTTPError, scheme: str, host: str, path: str) -> PublishError:
    status = exc.response.status_code if exc.response is not None else 0
    if status == 404:
        return PublishError(
            f"no MediaWiki API at {scheme}://{host}{path}api.php (HTTP 404); give --url as the "
            "folder that holds api.php (https://wiki.example.com/w/)"
        )
    if status in (401, 403):
        return PublishError(f"{host} refused the request (HTTP {status}) before the wiki's login")
    return PublishError(f"{host} answered HTTP {status}; try again later")
