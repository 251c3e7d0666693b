"""The commands that look after advisor's cache folder: ``cache path`` and ``cache clear``."""

from __future__ import annotations

import click

from advisor.cli.common import fail_if


@click.group("cache")
def cache_group() -> None:
    """Show or clear advisor's cache of parsed files.

    \b
    Example:  advisor cache clear

    The folder is $ADVISOR_CACHE_DIR, else the platform's user cache folder;
    ADVISOR_NO_CACHE=1 turns the cache off. Clearing it is always safe.
    """


@cache_group.command("path")
def cache_path_cmd() -> None:
    """Print the cache folder advisor uses.

    \b
    Example:  advisor cache path

    Exit 0 with the folder on stdout (it is made on first use); exit 1 when the
    cache is off, saying why on stderr (ADVISOR_NO_CACHE, or a folder that is not
    safe to use: a symlink, another user's, writable by others).
    """
    from advisor.load import cache

    path, off = cache.where()
    if off is None:
        click.echo(path)
    else:
        click.echo(f"advisor: the cache is off: {off} ({path})", err=True)
    fail_if(off is not None)


@cache_group.command("clear")
def cache_clear_cmd() -> None:
    """Remove advisor's cache files and say how many.

    \b
    Example:  advisor cache clear

    Removes only the files advisor writes there, by their names (parsed files,
    compiled templates, older versions' rulebook-* and answers-* entries, and
    leftover .tmp-* files), even when ADVISOR_NO_CACHE is set; never a symlink,
    a folder or any other file. Exit 0, also when there is nothing to clear;
    exit 1 when the folder is not safe to use or a file cannot be removed.
    """
    from advisor.load import cache

    path, removed = cache.clear()
    if removed:
        click.echo(f"removed {removed} cache file{'' if removed == 1 else 's'} from {path}")
    else:
        click.echo(f"nothing to clear in {path}")
