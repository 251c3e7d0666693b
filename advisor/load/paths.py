"""Files on disk for the readers and writers: what a path names, and a capped read."""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from advisor.errors import InputError

#: The largest file advisor reads: rulebooks, answers, scores, rosters, leaderboards.
MAX_BYTES = 5 * 1024 * 1024
#: The kinds of row file (leaderboards, rosters), as ``--input-format`` names them.
KINDS = ("csv", "tsv", "yaml")
#: The file name that means standard input (``--answers -``, ``scores import -``).
STDIN = "-"
#: How standard input is named in messages and locations.
STDIN_NAME = "<stdin>"
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


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: the same device and inode when both exist (whatever
    symlinks and hard links lead there), else the same name in one folder (a file that
    neither has written yet).
    """
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    a, b = os.fspath(a), os.fspath(b)
    if os.path.basename(a) != os.path.basename(b):
        return False
    try:
        return os.path.samefile(os.path.dirname(a) or ".", os.path.dirname(b) or ".")
    except (OSError, ValueError):
        return False


class FileTooBigError(Exception):
    """A file over the size limit; the message says by how much."""

    def __init__(self, size: int, limit: int) -> None:
        shown, cap = _format_size(size), _format_size(limit, compact=True)
        # A file just over the limit (or one that keeps growing) would read "5.0 MB, over 5 MB".
        what = f"is {shown}, over" if shown.replace(".0 ", " ") != cap else "is over"
        super().__init__(f"file {what} the {cap} limit")


class NotRegularFileError(OSError):
    """An input that is not a regular file: a named pipe, a device or a socket. Reading one
    could wait forever (a pipe nobody writes to) or never end (/dev/zero)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(errno.EINVAL, "not a regular file", os.fspath(path))


def read_capped(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes: the one way every input
    file (rulebook, scores, answers, roster, leaderboard, template) is read.

    The file is opened without waiting (a named pipe would block until someone writes)
    and looked at through the open descriptor, so what is checked is what is read.

    Raises:
        FileTooBigError: the file is larger (or grew past the limit while read).
        IsADirectoryError: ``path`` is a folder.
        NotRegularFileError: ``path`` is a named pipe, a device or a socket.
        OSError: it cannot be read; :func:`read_problem` words why.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket (or a device with nothing behind it)
            raise NotRegularFileError(path) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(path)
        if info.st_size > limit:
            raise FileTooBigError(info.st_size, limit)
        # stat can lie (a file that grows while read), so cap the read too.
        data = read_fd_capped(fd, limit, info.st_size)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileTooBigError(len(data), limit)
    return data


#: What one read asks for beyond the size the file said it had.
_CHUNK = 64 * 1024


def read_fd_capped(fd: int, limit: int, size: int = 0) -> bytes:
    """What an open file holds, read to its end but never more than ``limit + 1`` bytes:
    a result longer than ``limit`` means the file is too big.

    Args:
        fd: The open file.
        limit: The most bytes accepted.
        size: The size fstat gave: the first read asks for it (and one byte more), the
            rest go in chunks. os.read allocates what it is asked for, so asking for
            ``limit`` bytes at once costs a buffer of that size for every small file.
    """
    chunks, total = [], 0
    want = size + 1
    while total <= limit:
        chunk = os.read(fd, min(want, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = _CHUNK
    return b"".join(chunks)


def read_stream(stream: BinaryIO | None, limit: int = MAX_BYTES) -> bytes:
    """All the bytes of a stream (standard input), at most ``limit`` of them.

    Args:
        stream: A binary stream; None when advisor was started with it closed.
        limit: The most bytes accepted, as for files.

    Raises:
        InputError: the stream is closed, cannot be read, or holds more than ``limit`` bytes.
    """
    if stream is None or stream.closed:
        raise InputError(f"{STDIN_NAME}: standard input is closed; give a file instead of '-'")
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise InputError(
            f"{STDIN_NAME}: cannot read standard input: {exc.strerror or exc}"
        ) from None
    if len(data) > limit:
        raise InputError(f"{STDIN_NAME}: {FileTooBigError(len(data), limit)}")
    return data


def read_problem(exc: OSError) -> str:
    """Why a file could not be read, in a few words."""
    if isinstance(exc, NotRegularFileError):
        return "not a regular file (a named pipe, a device or a socket); give a file"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read the file: {exc.strerror or exc}"


def _format_size(size: int, compact: bool = False) -> str:
    if size < 1024:
        return f"{size} B"
    value, unit = (size / 1024**2, "MB") if size >= 1024**2 else (size / 1024, "KB")
    text = f"{value:.1f}"
    if compact:
        text = text.removesuffix(".0")
    return f"{text} {unit}"
