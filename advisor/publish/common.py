"""What both wiki clients share: the page file and its format, the wiki's address, the
result of a publish, and credentials that are never shown.

Nothing here imports mwclient or requests, so that the command can say which extra to
install before anything does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from advisor.errors import InputError, PublishError
from advisor.load.paths import MAX_BYTES, FileTooBigError, read_capped, read_problem
from advisor.rendering.edition import is_edition_file, read_edition

#: Seconds to wait for a wiki to connect or answer, on every request.
TIMEOUT = 30.0
#: The modules the ``publish`` extra brings.
EXTRA_MODULES = ("mwclient", "requests")
INSTALL_EXTRA = "pip install 'ai-adoption-advisor[publish]'"

#: The formats' names as a reader knows them.
FORMAT_NAMES = {
    "md": "Markdown",
    "html": "an HTML page",
    "confluence": "Confluence storage format",
    "mediawiki": "MediaWiki wikitext",
    "json": "JSON",
}

_WIKI_HEADING = re.compile(r"^(=+)[^=].*\1[ \t]*$")
_WIKI_TABLE = re.compile(r"^[ \t]*(\{\||\|\}|\|-)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]")
_MD_RULE_ROW = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_MD_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_HTML_PAGE = re.compile(r"<(!doctype html|html|head|body|style)[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class Secret:
    """A user name and password or token from the environment. ``repr`` shows neither, so
    that no traceback, log or debugger prints them."""

    user: str
    password: str

    def __repr__(self) -> str:
        return "Secret(...)"


@dataclass(frozen=True)
class Published:
    """What a publish did: ``action`` is ``unchanged``, ``updated`` or ``created``."""

    action: str
    page: str
    revision: int
    revision_word: str = "revision"

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"

    def line(self) -> str:
        """One line for the user, such as ``updated page X to revision 12``."""
        if self.action == "unchanged":
            return f"unchanged: page {self.page} is at {self.revision_word} {self.revision}"
        preposition = "to" if self.action == "updated" else "at"
        return f"{self.action} page {self.page} {preposition} {self.revision_word} {self.revision}"


def require_extra() -> None:
    """Raise PublishError naming the extra to install when mwclient or requests is missing."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise PublishError(
            f"publishing needs {' and '.join(missing)}, from the 'publish' extra: {INSTALL_EXTRA}"
        )


def env_secret(environ: Mapping[str, str], user_var: str, password_var: str) -> Secret:
    """The credentials in ``user_var`` and ``password_var``; PublishError naming the
    variables (never their values) when one is unset or empty."""
    unset = [name for name in (user_var, password_var) if not environ.get(name)]
    if unset:
        raise PublishError(
            f"set {' and '.join(unset)} in the environment (credentials are read only from "
            "there, never from files or flags)"
        )
    return Secret(environ[user_var], environ[password_var])


def read_page(path: str | os.PathLike[str], fmt: str) -> str:
    """The text of the page file ``path``, checked to be in format ``fmt``; for an edition
    file (``.yaml``, ``.yml``), the text of its guide.

    Raises:
        InputError: the file is missing, unreadable, too big or not UTF-8; an edition file
            is invalid or records no guide file (exit 2).
        PublishError: it is in another format, or in none that advisor writes.
    """
    name = os.fspath(path)
    if is_edition_file(name):
        path = name = read_edition(name).guide_path()
    try:
        data = read_capped(path, MAX_BYTES)
    except FileTooBigError as exc:
        raise InputError(f"{name}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{name}: {read_problem(exc)}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start + 1})") from None
    check_format(text, fmt, name)
    return text


def check_format(text: str, fmt: str, name: str) -> None:
    """Raise PublishError unless ``text`` looks like format ``fmt``, saying which format it
    seems to be and how to write the right one."""
    found = sniff(text)
    if found == fmt:
        return
    how = f"write it with `advisor guide --format {fmt}` or `advisor rules export --format {fmt}`"
    wanted = FORMAT_NAMES[fmt]
    if found is None:
        what = "is empty" if not text.strip() else f"does not look like {wanted}"
        raise PublishError(f"{name}: {what}; {how}")
    raise PublishError(f"{name}: looks like {FORMAT_NAMES[found]}, not {wanted}; {how}")


def sniff(text: str) -> str | None:
    """Which of advisor's formats ``text`` seems to be in, or None.

    Guides and exports come from templates (custom ones too), so this looks for each
    format's telltale lines rather than parsing: an HTML page's ``<!DOCTYPE html>`` or
    ``<style>``, Confluence's ``<ac:`` macros or a body of tags, wikitext's ``== Heading ==``
    and ``{|`` table lines, Markdown's ``# Heading``, ``|---|`` rows and fences.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        return None
    if body[0] in "{[":
        try:
            json.loads(body)
        except ValueError:
            pass
        else:
            return "json"
    lines = body.splitlines()
    wiki = sum(1 for line in lines if _WIKI_HEADING.match(line) or _WIKI_TABLE.match(line))
    md = sum(
        1
        for line in lines
        if _MD_HEADING.match(line) or _MD_RULE_ROW.match(line) or _MD_FENCE.match(line)
    )
    if body.startswith("<"):
        if _HTML_PAGE.search(body[:4096]) and "<ac:" not in body:
            return "html"
        if "<ac:" in body or "<ri:" in body or wiki == 0:
            return "confluence"
    if wiki > md:
        return "mediawiki"
    if md > wiki:
        return "md"
    return None


def same_text(current: str, new: str) -> bool:
    """Whether a page's current text is the text to publish, but for the trailing
    whitespace that a wiki strips when it saves a page."""
    return current.rstrip() == new.rstrip()


def base_url(url: str, what: str) -> tuple[str, str, str]:
    """``url`` split into scheme, host (with port) and path (ending in ``/``); PublishError
    unless it is an http(s) address without user info, query or fragment."""
    url = url.strip()
    if "@" in url.split("://", 1)[-1].split("/", 1)[0]:
        # Never echo it: the part before @ may hold a password.
        raise PublishError(
            "--url: leave credentials out of the address; they are read from the environment"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it checks the port number)
    except ValueError:
        raise PublishError(f"--url: not a valid address: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(f"--url: give the {what} as http(s)://HOST/PATH, not {url!r}")
    if parts.query or parts.fragment:
        raise PublishError(f"--url: give the {what} without a query or fragment: {url!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts.scheme, parts.netloc, path
