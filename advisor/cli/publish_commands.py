"""The commands that put a guide or a rulebook export on a wiki page: ``publish mediawiki``
and ``publish confluence``.

Credentials come from the environment only. The wiki clients need the ``publish`` extra;
each command checks for it before importing them, so that without it the user reads which
extra to install. Like the other commands, each imports the library modules it runs inside
its function, so that ``advisor --help`` and the other commands do without them.
"""

from __future__ import annotations

import os

import click

from advisor import __version__
from advisor.cli.common import PATH
from advisor.rendering.output import require_stdout

SUMMARY = f"Published by advisor {__version__}"
summary_option = click.option(
    "--summary",
    default=SUMMARY,
    show_default=True,
    help="The edit summary (MediaWiki) or version message (Confluence).",
)


@click.group("publish")
def publish_group() -> None:
    """Publish a guide or a rulebook export to a wiki page.

    \b
    Example:  advisor publish mediawiki guide.wiki --url https://wiki.example.com/w/ --page Guide

    \b
    Credentials come from the environment only:
      MediaWiki   ADVISOR_MEDIAWIKI_USER, ADVISOR_MEDIAWIKI_PASSWORD (a bot password works)
      Confluence  ADVISOR_CONFLUENCE_USER + ADVISOR_CONFLUENCE_TOKEN (Cloud: e-mail, API
                  token), or ADVISOR_CONFLUENCE_TOKEN alone (Data Center: personal token)

    Needs the 'publish' extra: pip install 'ai-adoption-advisor[publish]'
    """


@publish_group.command("mediawiki")
@click.argument("file", type=PATH)
@click.option(
    "--url",
    required=True,
    help="The wiki's address: the folder of its api.php (https://wiki.example.com/w/).",
)
@click.option(
    "--page", "title", required=True, metavar="TITLE", help="The page (created when missing)."
)
@summary_option
def publish_mediawiki_cmd(file: str, url: str, title: str, summary: str) -> None:
    """Publish a MediaWiki guide or export (FILE) to a page.

    \b
    Example:
      advisor publish mediawiki guide.wiki --url https://wiki.example.com/w/ --page "ML/AI guide"

    FILE: written by `advisor guide` or `advisor rules export` with --format mediawiki, or an
    edition file (`advisor guide --save-answers EDITION.yaml`): its guide is published.
    Says "unchanged" (no new revision) when the page already holds FILE. Exit 1 when the
    wiki cannot be reached or refuses the login or the edit; the page is then left as it was.
    """
    require_stdout()
    from advisor.publish.common import read_page, require_extra

    require_extra()
    from advisor.publish import mediawiki

    text = read_page(file, "mediawiki")
    secret = mediawiki.credentials(os.environ)
    click.echo(mediawiki.publish(text, url, title, secret, summary=summary).line())


@publish_group.command("confluence")
@click.argument("file", type=PATH)
@click.option(
    "--url",
    required=True,
    help="The site's address: https://SITE.atlassian.net/wiki (Cloud) or your Data Center's.",
)
@click.option("--page-id", required=True, metavar="ID", help="The page's id (it must exist).")
@summary_option
def publish_confluence_cmd(file: str, url: str, page_id: str, summary: str) -> None:
    """Publish a Confluence guide or export (FILE) to a page.

    \b
    Example:
      advisor publish confluence guide.xml --url https://SITE.atlassian.net/wiki --page-id 123456

    FILE: written by `advisor guide` or `advisor rules export` with --format confluence, or an
    edition file (`advisor guide --save-answers EDITION.yaml`): its guide is published.
    Says "unchanged" (no new version) when the page's body already is FILE. Exit 1 when
    Confluence cannot be reached, refuses the credentials or the write, or has no such
    page; the page is then left as it was.
    """
    require_stdout()
    from advisor.publish.common import read_page, require_extra

    require_extra()
    from advisor.publish import confluence

    text = read_page(file, "confluence")
    secret = confluence.credentials(os.environ)
    click.echo(confluence.publish(text, url, page_id, secret, summary=summary).line())
