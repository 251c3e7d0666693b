"""What a path names on disk, for the readers and writers of files.

Plain :mod:`os` calls: these checks run on every guide, and :mod:`pathlib`
costs more to import than they do to run.
"""

from __future__ import annotations

import errno
import os
import stat

#: Errors that mean "nothing there" (as :mod:`pathlib`'s checks treat them).
_ABSENT = {errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP}


def path_kind(path: str | os.PathLike[str], *, follow: bool = True) -> str | None:
    """What ``path`` names: ``"dir"``, ``"file"``, ``"link"`` (only with ``follow=False``)
    or ``"other"`` (a device, a pipe); None when nothing is there.

    Args:
        path: The path to look at.
        follow: Follow a symlink to what it points to (a dangling one is then None).

    Raises:
        OSError: it cannot be looked at for another reason (a name too long, say).
    """
    try:
        mode = os.stat(path).st_mode if follow else os.lstat(path).st_mode
    except ValueError:  # a NUL in the name: nothing can be there
        return None
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"
