"""A throwaway MediaWiki for the publish tests: Debian's ``mediawiki`` package, installed
with its own installer into a temporary folder (SQLite) and served by ``php -S`` on a free
loopback port.

The package's files are linked, not copied: ``MW_INSTALL_PATH`` points MediaWiki at the
temporary folder, which holds the links, this wiki's LocalSettings.php and its database.
``make wiki-deps`` installs the packages (CI runs it); without them the tests skip and say so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

#: Where Debian's mediawiki package puts MediaWiki.
MEDIAWIKI = Path(os.environ.get("ADVISOR_TEST_MEDIAWIKI", "/usr/share/mediawiki"))
#: The PHP extensions MediaWiki needs with SQLite (php-sqlite3, php-intl, php-mbstring, php-xml).
PHP_MODULES = ("pdo_sqlite", "intl", "mbstring", "xml", "dom")
INSTALL_HINT = (
    "run `make wiki-deps` as root (apt-get install mediawiki php-cli php-sqlite3 php-intl "
    "php-mbstring php-xml)"
)
#: Folders of the package that hold this wiki's own state, made fresh in the temporary folder.
OWN = ("LocalSettings.php", "images", "cache")


@dataclass
class Wiki:
    """A running wiki: its address and accounts."""

    url: str
    root: Path
    admin: str
    admin_password: str
    bot_user: str
    bot_password: str

    def api(self, **params: Any) -> Any:
        """A GET to the wiki's api.php, answered as JSON (formatversion 2)."""
        params = {"format": "json", "formatversion": "2", **params}
        response = requests.get(f"{self.url}api.php", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def revisions(self, title: str) -> list[int]:
        """The ids of every revision of page ``title``, oldest first ([] when missing)."""
        answer = self.api(
            action="query",
            prop="revisions",
            titles=title,
            rvprop="ids",
            rvlimit="max",
            rvdir="newer",
        )
        page = answer["query"]["pages"][0]
        return [r["revid"] for r in page.get("revisions", [])]

    def wikitext(self, title: str) -> str:
        answer = self.api(
            action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
        )
        return str(answer["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def missing() -> str | None:
    """Why no wiki can run here, or None when everything it needs is installed."""
    php = shutil.which("php")
    if php is None:
        return f"php is not installed; {INSTALL_HINT}"
    if not (MEDIAWIKI / "maintenance" / "install.php").is_file():
        return f"MediaWiki is not installed at {MEDIAWIKI}; {INSTALL_HINT}"
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, timeout=60).stdout
    have = {line.strip().lower() for line in modules.splitlines()}
    lacking = [m for m in PHP_MODULES if m not in have]
    if lacking:
        return f"php lacks {', '.join(lacking)}; {INSTALL_HINT}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def maintenance(root: Path, script: str, *args: str) -> None:
    """Run one of MediaWiki's maintenance scripts for the wiki in ``root``."""
    proc = subprocess.run(
        ["php", str(root / "maintenance" / script), *args],
        cwd=root,
        env={**os.environ, "MW_INSTALL_PATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"


def install(root: Path, port: int) -> Wiki:
    """Install a wiki into ``root`` (an empty folder) for ``http://127.0.0.1:PORT/``."""
    for entry in MEDIAWIKI.iterdir():
        if entry.name not in OWN:
            (root / entry.name).symlink_to(entry.resolve())
    for folder in ("images", "cache", "data"):
        (root / folder).mkdir()
    url = f"http://127.0.0.1:{port}/"
    admin, admin_password = "Admin", "admin-" + secrets.token_hex(12)
    maintenance(
        root,
        "install.php",
        "--dbtype=sqlite",
        f"--dbpath={root / 'data'}",
        f"--server={url.rstrip('/')}",
        "--scriptpath=",
        f"--confpath={root}",
        f"--pass={admin_password}",
        "--skins=Vector",
        "Advisor Test Wiki",
        admin,
    )
    with open(root / "LocalSettings.php", "a", encoding="utf-8") as settings:
        settings.write(f'\n$wgCacheDirectory = "{root / "cache"}";\n')
    # A bot password (User@BotName), as the README recommends for publishing.
    bot_password = secrets.token_hex(16)
    maintenance(
        root,
        "createBotPassword.php",
        "--appid=advisor",
        "--grants=basic,editpage,createeditmovepage",
        admin,
        bot_password,
    )
    return Wiki(url, root, admin, admin_password, f"{admin}@advisor", bot_password)


def serve(wiki: Wiki, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start ``php -S`` for ``wiki`` on the loopback port and wait until its API answers."""
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(wiki.root)],
            cwd=wiki.root,
            env={**os.environ, "MW_INSTALL_PATH": str(wiki.root)},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if wiki.api(action="query", meta="siteinfo")["query"]["general"]["sitename"]:
                return server
        except (requests.RequestException, ValueError, KeyError):
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise AssertionError(f"php -S did not serve the wiki:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
