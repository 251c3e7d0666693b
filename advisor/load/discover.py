"""Which files make up a rulebook, and the names they are shown by."""

from __future__ import annotations

import os
from collections.abc import Sequence

from advisor.errors import InputError
from advisor.load.paths import path_kind

MAX_FILES = 200
#: Names a rulebook folder walk looks at before it gives up (files of any kind, folders).
MAX_ENTRIES = 10_000


def rulebook_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The YAML files that make up a rulebook given as files and/or folders.

    A folder gives every ``.yaml``/``.yml`` file under it, in path order
    (symlinked folders are not entered).

    Raises:
        InputError: a path does not exist, a folder holds no YAML file, or the rulebook
            has more than MAX_FILES files (a folder with more than MAX_ENTRIES names).
    """
    out: list[str] = []
    for raw in paths:
        p = os.fspath(raw)
        try:
            kind = path_kind(p)
        except OSError as exc:  # a name too long, say
            raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None
        if kind == "dir":
            found = sorted(_yaml_files(p, MAX_FILES - len(out)), key=lambda f: f.split(os.sep))
            if not found:
                raise InputError(f"{p}: folder holds no .yaml files; point to a rulebook")
            out.extend(found)
        elif kind is not None:
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    if len(out) > MAX_FILES:
        raise InputError(f"rulebook has {len(out)} files, over the limit of {MAX_FILES}")
    return out


def _yaml_files(top: str, room: int) -> list[str]:
    """The ``.yaml``/``.yml`` files under ``top`` (symlinked folders not entered), in no
    order; the walk stops as soon as there are more than ``room`` of them or it has looked
    at more than MAX_ENTRIES names, so a huge folder costs no more than the limit.

    Raises:
        InputError: past one of the limits.
    """
    found: list[str] = []
    seen = 0
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        raise InputError(
                            f"{top}: folder holds more than {MAX_ENTRIES:,} names; point "
                            "--rules at the rulebook's own folder"
                        )
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    # As pathlib's suffix: ".yaml" alone is a name, not a suffix. Named pipes,
                    # devices and dangling links are no rulebook files.
                    elif (
                        entry.name.endswith((".yaml", ".yml"))
                        and entry.name not in (".yaml", ".yml")
                        and entry.is_file()
                    ):
                        found.append(entry.path)
                        if len(found) > room:
                            raise InputError(
                                f"{top}: rulebook has more than {MAX_FILES} files, the limit; "
                                "point --rules at the rulebook's own folder"
                            )
        except OSError:
            continue  # an unreadable subfolder is skipped, as os.walk does
    return found


def display_name(path: str) -> str:
    """``path`` relative to the working folder when it lies under it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel
