"""Which files make up a rulebook, and the names they are shown by."""

from __future__ import annotations

import os
from collections.abc import Sequence

from advisor.errors import InputError
from advisor.load.paths import path_kind

MAX_FILES = 200


def rulebook_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The YAML files that make up a rulebook given as files and/or folders.

    A folder gives every ``.yaml``/``.yml`` file under it, in path order
    (symlinked folders are not entered).

    Raises:
        InputError: a path does not exist, or a folder holds no YAML file.
    """
    out: list[str] = []
    for raw in paths:
        p = os.fspath(raw)
        try:
            kind = path_kind(p)
        except OSError as exc:  # a name too long, say
            raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None
        if kind == "dir":
            found = sorted(
                (
                    os.path.join(root, name)
                    for root, _dirs, names in os.walk(p)
                    for name in names
                    # As pathlib's suffix: ".yaml" alone is a name, not a suffix.
                    if name.endswith((".yaml", ".yml"))
                    and name not in (".yaml", ".yml")
                    and os.path.isfile(os.path.join(root, name))
                ),
                key=lambda f: f.split(os.sep),  # by folder, then name
            )
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


def display_name(path: str) -> str:
    """``path`` relative to the working folder when it lies under it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel
