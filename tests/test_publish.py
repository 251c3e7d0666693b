"""`advisor publish`: what needs no wiki, and Confluence against a stand-in.

No Confluence server can run here: confluence_standin.py serves Confluence Cloud's v2 pages
API and Data Center's content API on a loopback port, checks each request against their
documentation and answers as Confluence does. MediaWiki itself is tested in
test_publish_mediawiki.py. Here: the page file's format, credentials, the missing extra,
and network failures (refused, TLS, timeout), for both wikis.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from clitools import ENV
from confluence_standin import Confluence, Page, running

import advisor
from advisor.cli.app import cli
from advisor.errors import PublishError
from advisor.publish import confluence, mediawiki
from advisor.publish.common import Secret, sniff
from advisor.rendering.formats import FORMATS

pytestmark = pytest.mark.usefixtures("workdir")

CREDENTIAL_VARS = (
    "ADVISOR_MEDIAWIKI_USER",
    "ADVISOR_MEDIAWIKI_PASSWORD",
    "ADVISOR_CONFLUENCE_USER",
    "ADVISOR_CONFLUENCE_TOKEN",
)


def invoke(*args: str, **env: str) -> Result:
    """The CLI in-process with exactly the credentials in ``env``."""
    environ: dict[str, str | None] = {**ENV, **dict.fromkeys(CREDENTIAL_VARS)}
    environ.update(env)
    result = CliRunner().invoke(cli, list(args), env=environ, prog_name="advisor")
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def one_error(result: Result, code: int = 1) -> str:
    """The one line of a failed command (without the ``advisor: error:`` prefix)."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("advisor: error: ")
    return lines[0].removeprefix("advisor: error: ")


@cache
def output(command: str, fmt: str, fragment: bool = False) -> str:
    """What ``advisor guide --defaults`` or ``advisor rules export`` writes in ``fmt``."""
    args = ["guide", "--defaults"] if command == "guide" else ["rules", "export"]
    result = CliRunner().invoke(
        cli, [*args, "--format", fmt, "-o", "-", *(["--fragment"] if fragment else [])], env=ENV
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def write(name: str, command: str, fmt: str, fragment: bool = False) -> str:
    text = output(command, fmt, fragment)
    Path(name).write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------- the page file


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("command", ["guide", "export"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_output_of_advisor_is_recognised_as_its_format(fmt, command, fragment):
    assert sniff(output(command, fmt, fragment)) == fmt


@pytest.mark.parametrize(
    ("target", "fmt"),
    [
        ("mediawiki", "md"),
        ("mediawiki", "html"),
        ("mediawiki", "confluence"),
        ("mediawiki", "json"),
        ("confluence", "mediawiki"),
        ("confluence", "md"),
        ("confluence", "html"),
    ],
)
def test_a_file_in_another_format_is_refused_saying_how_to_make_the_right_one(target, fmt):
    write("page.out", "guide", fmt)
    where = ["--page", "Guide"] if target == "mediawiki" else ["--page-id", "1"]
    result = invoke("publish", target, "page.out", "--url", "http://127.0.0.1:9/", *where)
    message = one_error(result)
    names = {"md": "Markdown", "html": "an HTML page", "json": "JSON"}
    names |= {"mediawiki": "MediaWiki wikitext", "confluence": "Confluence storage format"}
    assert message == (
        f"page.out: looks like {names[fmt]}, not {names[target]}; write it with "
        f"`advisor guide --format {target}` or `advisor rules export --format {target}`"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "is empty"), ("  \n\n", "is empty"), ("just a line of prose\n", "does not look like")],
)
def test_a_file_in_no_format_is_refused(content, problem):
    Path("page.wiki").write_text(content, encoding="utf-8")
    result = invoke("publish", "mediawiki", "page.wiki", "--url", "http://x/", "--page", "P")
    assert one_error(result).startswith(f"page.wiki: {problem}")


def test_a_missing_or_binary_file_is_bad_input():
    result = invoke("publish", "mediawiki", "nothing.wiki", "--url", "http://x/", "--page", "P")
    assert one_error(result, 2) == "nothing.wiki: no such file"
    Path("binary.wiki").write_bytes(b"== x ==\n\xff\xfe")
    result = invoke("publish", "mediawiki", "binary.wiki", "--url", "http://x/", "--page", "P")
    assert one_error(result, 2) == "binary.wiki: not UTF-8 text (byte 9)"


# --------------------------------------------------------------------------- credentials, extra


def test_credentials_come_from_the_environment_and_are_named_when_missing():
    write("guide.wiki", "guide", "mediawiki")
    result = invoke("publish", "mediawiki", "guide.wiki", "--url", "http://x/", "--page", "P")
    assert one_error(result) == (
        "set ADVISOR_MEDIAWIKI_USER and ADVISOR_MEDIAWIKI_PASSWORD in the environment "
        "(credentials are read only from there, never from files or flags)"
    )
    write("guide.xml", "guide", "confluence")
    result = invoke(
        "publish", "confluence", "guide.xml", "--url", "http://x/", "--page-id", "1",
        ADVISOR_CONFLUENCE_USER="me@example.com",
    )  # fmt: skip
    assert one_error(result).startswith("set ADVISOR_CONFLUENCE_TOKEN in the environment")
    # No flag takes a password.
    result = invoke("publish", "mediawiki", "guide.wiki", "--url", "http://x/", "--password", "p")
    assert result.exit_code == 2
    assert "No such option '--password'" in result.stderr


def test_a_secret_is_never_in_its_repr():
    secret = Secret("bot@advisor", "s3cret-value")
    assert "s3cret" not in repr(secret) and "bot@advisor" not in repr(secret)
    assert "s3cret" not in repr([secret])


def test_credentials_in_the_url_are_refused_without_echoing_them():
    write("guide.wiki", "guide", "mediawiki")
    result = invoke(
        "publish", "mediawiki", "guide.wiki", "--url", "https://bot:hunter22@wiki.example/w/",
        "--page", "P", ADVISOR_MEDIAWIKI_USER="u", ADVISOR_MEDIAWIKI_PASSWORD="p",
    )  # fmt: skip
    message = one_error(result)
    assert "hunter22" not in message
    assert message.startswith("--url: leave credentials out of the address")


@pytest.mark.parametrize("module", ["mwclient", "requests"])
def test_without_the_publish_extra_the_command_names_it(monkeypatch, module):
    # A None entry in sys.modules is how Python marks a module as not importable.
    monkeypatch.setitem(sys.modules, module, None)
    write("guide.wiki", "guide", "mediawiki")
    result = invoke("publish", "mediawiki", "guide.wiki", "--url", "http://x/", "--page", "P")
    assert one_error(result) == (
        f"publishing needs {module}, from the 'publish' extra: "
        "pip install 'ai-adoption-advisor[publish]'"
    )


# --------------------------------------------------------------------------- network failures


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def publish_args(wiki: str, port: int, scheme: str = "http") -> list[str]:
    if wiki == "mediawiki":
        write("page.wiki", "guide", "mediawiki")
        return ["mediawiki", "page.wiki", "--url", f"{scheme}://127.0.0.1:{port}/w/", "--page", "P"]
    write("page.xml", "guide", "confluence")
    return ["confluence", "page.xml", "--url", f"{scheme}://127.0.0.1:{port}/", "--page-id", "1"]


SECRETS = {
    "ADVISOR_MEDIAWIKI_USER": "bot@advisor",
    "ADVISOR_MEDIAWIKI_PASSWORD": "mw-secret-" + "1" * 20,
    "ADVISOR_CONFLUENCE_USER": "me@example.com",
    "ADVISOR_CONFLUENCE_TOKEN": "cf-secret-" + "2" * 20,
}


@pytest.mark.parametrize("wiki", ["mediawiki", "confluence"])
def test_an_unreachable_server_is_one_line(wiki, closed_port):
    result = invoke("publish", *publish_args(wiki, closed_port), **SECRETS)
    assert one_error(result) == (
        f"cannot reach 127.0.0.1:{closed_port}: connection refused; check --url"
    )


@pytest.mark.parametrize("wiki", ["mediawiki", "confluence"])
def test_a_tls_error_is_one_line(wiki):
    # https to a server that speaks plain HTTP: the TLS handshake fails.
    with running(Confluence()) as state:
        port = int(state.url.rsplit(":", 1)[1])
        result = invoke("publish", *publish_args(wiki, port, "https"), **SECRETS)
    message = one_error(result)
    assert message.startswith(f"TLS error talking to 127.0.0.1:{port}: "), message
    assert "REQUESTS_CA_BUNDLE" in message
    for secret in SECRETS.values():
        assert secret not in result.output


def test_a_server_that_does_not_answer_times_out(silent_port):
    url = f"http://127.0.0.1:{silent_port}/"
    with pytest.raises(PublishError) as err:
        mediawiki.publish("== x ==", url, "P", Secret("u", "p"), timeout=0.3)
    assert str(err.value) == f"127.0.0.1:{silent_port} did not answer within 0.3 s; try again later"
    with pytest.raises(PublishError) as err:
        confluence.publish("<p>x</p>", url, "1", Secret("", "t"), timeout=0.3)
    assert str(err.value) == f"127.0.0.1:{silent_port} did not answer within 0.3 s; try again later"


class _HtmlPage(BaseHTTPRequestHandler):
    """Answers every request with a web page, as a wiki's front page or a login form does."""

    def _page(self) -> None:
        body = b"<!DOCTYPE html><title>Welcome</title><p>Please log in.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _page

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.parametrize("wiki", ["mediawiki", "confluence"])
def test_an_address_that_is_no_api_is_named(wiki):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = int(server.server_address[1])
        result = invoke("publish", *publish_args(wiki, port), **SECRETS)
    finally:
        server.shutdown()
        server.server_close()
    message = one_error(result)
    if wiki == "mediawiki":
        assert message == (
            f"http://127.0.0.1:{port}/w/api.php did not answer as a MediaWiki API; give --url "
            "as the folder that holds api.php (https://wiki.example.com/w/)"
        )
    else:
        assert message == (
            f"http://127.0.0.1:{port}/wiki/api/v2/pages/1 did not answer with JSON; check "
            "--url (Cloud: https://SITE.atlassian.net/wiki)"
        )


# --------------------------------------------------------------------------- Confluence


@pytest.fixture
def site() -> Iterator[Confluence]:
    state = Confluence(pages={"123456": Page("ML guide", "<p>The old guide.</p>", version=7)})
    with running(state):
        yield state
    assert state.violations == []


def cloud(state: Confluence) -> dict[str, str]:
    return {"ADVISOR_CONFLUENCE_USER": state.email, "ADVISOR_CONFLUENCE_TOKEN": state.api_token}


def data_center(state: Confluence) -> dict[str, str]:
    return {"ADVISOR_CONFLUENCE_TOKEN": state.personal_token}


def publish_confluence(
    state: Confluence, env: dict[str, str], *extra: str, url: str = ""
) -> Result:
    return invoke(
        "publish", "confluence", "guide.xml", "--url", url or state.url, "--page-id", "123456",
        *extra, **env,
    )  # fmt: skip


@pytest.mark.parametrize("suffix", ["", "/wiki", "/wiki/"])
def test_cloud_updates_the_body_to_the_next_version_through_the_v2_api(site, suffix):
    text = write("guide.xml", "guide", "confluence", fragment=True)
    result = publish_confluence(site, cloud(site), url=site.url + suffix)
    assert result.exit_code == 0, result.output
    assert result.stdout == "updated page 123456 (ML guide) to version 8\n"
    page = site.pages["123456"]
    assert (page.body, page.version, page.title) == (text, 8, "ML guide")
    assert page.message == f"Published by advisor {advisor.__version__}"
    assert site.requests == [
        ("GET", "/wiki/api/v2/pages/123456?body-format=storage"),
        ("PUT", "/wiki/api/v2/pages/123456"),
    ]


def test_publishing_the_same_body_again_makes_no_new_version(site):
    write("guide.xml", "guide", "confluence", fragment=True)
    assert publish_confluence(site, cloud(site), "--summary", "weekly").exit_code == 0
    assert site.pages["123456"].message == "weekly"
    again = publish_confluence(site, cloud(site))
    assert again.exit_code == 0, again.output
    assert again.stdout == "unchanged: page 123456 (ML guide) is at version 8\n"
    assert site.writes == 1
    # Trailing whitespace is no change either.
    with open("guide.xml", "a", encoding="utf-8") as fh:
        fh.write("\n\n")
    assert publish_confluence(site, cloud(site)).stdout.startswith("unchanged: ")
    assert site.writes == 1


def test_data_center_uses_the_content_api_with_a_personal_access_token(site):
    text = write("guide.xml", "export", "confluence")
    result = publish_confluence(site, data_center(site))
    assert result.exit_code == 0, result.output
    assert result.stdout == "updated page 123456 (ML guide) to version 8\n"
    assert site.pages["123456"].body == text
    assert site.requests == [
        ("GET", "/rest/api/content/123456?expand=body.storage%2Cversion"),
        ("PUT", "/rest/api/content/123456"),
    ]
    again = publish_confluence(site, data_center(site))
    assert again.stdout == "unchanged: page 123456 (ML guide) is at version 8\n"
    assert site.writes == 1


def test_an_edition_file_publishes_its_guide(site):
    Path("wiki").mkdir()
    made = invoke(
        "guide", "--defaults", "--format", "confluence", "--fragment", "-o", "wiki/guide.xml",
        "--save-answers", "wiki/edition.yaml",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    result = invoke(
        "publish", "confluence", "wiki/edition.yaml", "--url", site.url, "--page-id", "123456",
        **cloud(site),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert site.pages["123456"].body == Path("wiki/guide.xml").read_text(encoding="utf-8")
    # A guide that is gone is named, as a missing page file is.
    Path("wiki/guide.xml").unlink()
    result = invoke("publish", "confluence", "wiki/edition.yaml", "--url", site.url,
                    "--page-id", "123456", **cloud(site))  # fmt: skip
    assert one_error(result, 2) == "wiki/guide.xml: no such file"
    assert site.writes == 1


@pytest.mark.parametrize("api", ["cloud", "data center"])
def test_bad_credentials_are_one_line_without_the_secret(site, api):
    write("guide.xml", "guide", "confluence")
    wrong = "wrong-token-" + "9" * 20
    env = cloud(site) if api == "cloud" else data_center(site)
    env["ADVISOR_CONFLUENCE_TOKEN"] = wrong
    message = one_error(publish_confluence(site, env))
    assert message.startswith("Confluence did not accept the credentials (HTTP 401): ")
    assert wrong not in message and site.email not in message
    assert site.pages["123456"].version == 7 and site.writes == 0


@pytest.mark.parametrize("api", ["cloud", "data center"])
def test_a_missing_page_is_one_line(site, api):
    write("guide.xml", "guide", "confluence")
    env = cloud(site) if api == "cloud" else data_center(site)
    result = invoke(
        "publish", "confluence", "guide.xml", "--url", site.url, "--page-id", "999", **env
    )
    assert one_error(result).startswith("page 999 not found (HTTP 404): check --page-id")
    assert site.writes == 0


@pytest.mark.parametrize("api", ["cloud", "data center"])
def test_an_edit_between_read_and_write_is_a_conflict_and_is_kept(site, api):
    write("guide.xml", "guide", "confluence")

    def someone_edits(page: Page) -> None:
        page.body, page.version = "<p>A hand edit.</p>", page.version + 1

    site.after_read = someone_edits
    env = cloud(site) if api == "cloud" else data_center(site)
    message = one_error(publish_confluence(site, env))
    assert message == (
        "edit conflict: page 123456 was changed by someone else while publishing (HTTP 409); "
        "nothing was saved, run the command again"
    )
    assert site.pages["123456"].body == "<p>A hand edit.</p>"
    assert site.pages["123456"].version == 8


def test_a_page_id_is_a_number(site):
    write("guide.xml", "guide", "confluence")
    result = invoke(
        "publish", "confluence", "guide.xml", "--url", site.url, "--page-id", "ML guide",
        **cloud(site),
    )  # fmt: skip
    assert one_error(result).startswith("--page-id: a page id is a number")
    assert site.requests == []
