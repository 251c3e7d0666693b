"""`advisor publish mediawiki` against a real MediaWiki (see wikiserver.py).

A guide written by `advisor guide --format mediawiki` is published through the CLI, read
back through MediaWiki's own parser (`api.php?action=parse`) and checked with html5lib:
every table and its cells as the wikitext says, the headings and texts shown, no markup
left over. Publishing again makes no new revision; a bad password, a conflicting edit and a
wrong page title leave the page as it was.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import mwclient
import pytest
import wikiserver
from clitools import HANG_TIMEOUT, child_env
from format_parsers import norm, parse_mediawiki

from advisor.errors import PublishError
from advisor.publish import mediawiki
from advisor.publish.common import Secret

pytestmark = pytest.mark.usefixtures("workdir")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@pytest.fixture(scope="session")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[wikiserver.Wiki]:
    """One wiki for the session (installing takes a few seconds)."""
    reason = wikiserver.missing()
    if reason:
        pytest.skip(f"no MediaWiki to publish to: {reason}")
    root = tmp_path_factory.mktemp("mediawiki")
    port = wikiserver.free_port()
    (root / "wiki").mkdir()
    site = wikiserver.install(root / "wiki", port)
    server = wikiserver.serve(site, port, root / "php-server.log")
    try:
        yield site
    finally:
        wikiserver.stop(server)


def advisor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        env={**child_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        check=False,
    )


def creds(wiki: wikiserver.Wiki, password: str | None = None) -> dict[str, str]:
    return {
        "ADVISOR_MEDIAWIKI_USER": wiki.bot_user,
        "ADVISOR_MEDIAWIKI_PASSWORD": wiki.bot_password if password is None else password,
    }


def publish(wiki: wikiserver.Wiki, file: str, title: str, **env: str):
    return advisor(
        "publish", "mediawiki", file, "--url", wiki.url, "--page", title, env={**creds(wiki), **env}
    )


def write_guide(name: str, *args: str) -> str:
    made = advisor("guide", "--defaults", "--format", "mediawiki", "-o", name, *args)
    assert made.returncode == 0, made.stderr
    return Path(name).read_text(encoding="utf-8")


def rendered(wiki: wikiserver.Wiki, title: str) -> tuple[int, object]:
    """The page's revision id and its HTML as MediaWiki's parser renders it, parsed."""
    answer = wiki.api(
        action="parse", page=title, prop="text|revid", disableeditsection="1", disabletoc="1"
    )["parse"]
    doc = html5lib.parse(answer["text"], namespaceHTMLElements=False)
    return answer["revid"], doc


def html_tables(doc) -> list[list[list[str]]]:
    return [
        [[norm("".join(c.itertext())) for c in tr if c.tag in ("th", "td")] for tr in t.iter("tr")]
        for t in doc.iter("table")
    ]


def test_a_guide_is_published_and_mediawiki_renders_its_tables_and_texts(wiki):
    source = write_guide("guide.wiki", "--team", "Fraud ML")
    result = publish(wiki, "guide.wiki", "Fraud ML guide")
    assert result.returncode == 0, result.stderr
    revisions = wiki.revisions("Fraud ML guide")
    assert result.stdout == f"created page Fraud ML guide at revision {revisions[-1]}\n"
    assert len(revisions) == 1

    revid, doc = rendered(wiki, "Fraud ML guide")
    assert revid == revisions[-1]
    expected = parse_mediawiki(source)
    tables = html_tables(doc)
    # Every table of the wikitext, and no other, rendered with the same cells.
    assert len(tables) == len(expected.tables) >= 3
    for got, want in zip(tables, expected.tables, strict=True):
        assert got[0] == [norm(c) for c in want.header]
        assert got[1:] == [[norm(c) for c in row] for row in want.rows]
    headings = [norm("".join(h.itertext())) for h in doc.iter() if h.tag in HEADINGS]
    code = expected.extra["code"]
    assert headings == [norm(h.title.strip_code()) for h in code.filter_headings()]
    assert headings[0] == "Fraud ML: adopting GPT-5.5"
    assert {"Bottom line", "Autonomy overview", "Data scientists", "Sources"} <= set(headings)
    text = norm("".join(doc.itertext()))
    assert "GPT-5.5 scores 36% on MLE-Bench" in text
    # No wikitext was left unparsed.
    for markup in ("{|", "|}", "|-", "''", "=="):
        assert markup not in text, markup


def test_publishing_again_makes_no_new_revision_and_a_change_makes_one(wiki):
    made = advisor("rules", "export", "--format", "mediawiki", "--fragment", "-o", "rules.wiki")
    assert made.returncode == 0, made.stderr
    first = publish(wiki, "rules.wiki", "Rulebook")
    assert first.returncode == 0, first.stderr
    before = wiki.revisions("Rulebook")
    assert first.stdout == f"created page Rulebook at revision {before[-1]}\n"

    again = publish(wiki, "rules.wiki", "Rulebook")
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"unchanged: page Rulebook is at revision {before[-1]}\n"
    assert wiki.revisions("Rulebook") == before
    # MediaWiki strips trailing whitespace when it saves; that is no change either.
    with open("rules.wiki", "a", encoding="utf-8") as fh:
        fh.write("\n\n  \n")
    assert publish(wiki, "rules.wiki", "Rulebook").stdout.startswith("unchanged: ")
    assert wiki.revisions("Rulebook") == before

    made = advisor("rules", "export", "--format", "mediawiki", "-o", "rules.wiki", "--force")
    assert made.returncode == 0, made.stderr
    changed = publish(wiki, "rules.wiki", "Rulebook")
    assert changed.returncode == 0, changed.stderr
    after = wiki.revisions("Rulebook")
    assert after[:-1] == before and after[-1] > before[-1]
    assert changed.stdout == f"updated page Rulebook to revision {after[-1]}\n"
    assert wiki.wikitext("Rulebook") == Path("rules.wiki").read_text(encoding="utf-8").rstrip()


def test_a_bad_password_is_one_line_without_the_secret_and_the_page_stays(wiki):
    write_guide("guide.wiki")
    assert publish(wiki, "guide.wiki", "Locked guide").returncode == 0
    before = wiki.revisions("Locked guide")
    write_guide("guide.wiki", "--team", "Other team", "--force")
    wrong = "not-the-password-" + "7" * 20
    result = publish(wiki, "guide.wiki", "Locked guide", ADVISOR_MEDIAWIKI_PASSWORD=wrong)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("advisor: error: login failed: ")
    assert "ADVISOR_MEDIAWIKI_PASSWORD" in result.stderr
    for secret in (wrong, wiki.bot_password, wiki.bot_user):
        assert secret not in result.stderr + result.stdout
    assert wiki.revisions("Locked guide") == before


def test_an_edit_made_between_read_and_write_is_a_conflict_and_is_kept(wiki, monkeypatch):
    first = write_guide("guide.wiki", "--team", "Team A")
    secret = Secret(wiki.bot_user, wiki.bot_password)
    mediawiki.publish(first, wiki.url, "Contested", secret)
    theirs = first.replace("= Team A: adopting", "= Team A (edited by hand): adopting", 1)
    assert theirs != first
    read = mediawiki._current

    def read_then_someone_edits(site, title):
        page = read(site, title)
        other = mwclient.Site(urlsplit(wiki.url).netloc, path="/", scheme="http")
        other.login(wiki.admin, wiki.admin_password)
        other.pages[title].edit(theirs, summary="a hand edit")
        return page

    monkeypatch.setattr(mediawiki, "_current", read_then_someone_edits)
    ours = write_guide("ours.wiki", "--team", "Team B")
    with pytest.raises(PublishError, match="^edit conflict: page Contested was changed") as err:
        mediawiki.publish(ours, wiki.url, "Contested", secret)
    assert err.value.exit_code == 1
    # The page holds the hand edit, not ours and not a merge.
    assert wiki.wikitext("Contested") == theirs.rstrip()
    assert len(wiki.revisions("Contested")) == 2


def test_titles_mediawiki_refuses_are_one_line(wiki):
    write_guide("guide.wiki")
    for title, message in [
        ("Special:Version", "is a special page"),
        ("a[b]", "is not a valid title"),
    ]:
        result = publish(wiki, "guide.wiki", title)
        assert result.returncode == 1
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert message in result.stderr


def test_a_url_that_is_no_wiki_is_named(wiki):
    write_guide("guide.wiki")
    result = advisor(
        "publish",
        "mediawiki",
        "guide.wiki",
        "--url",
        wiki.url + "nowhere/",
        "--page",
        "X",
        env=creds(wiki),
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"advisor: error: no MediaWiki API at {wiki.url}nowhere/api.php (HTTP 404); give --url "
        "as the folder that holds api.php (https://wiki.example.com/w/)\n"
    )
