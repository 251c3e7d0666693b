"""Writing output files safely.

A guide lands in a wiki checkout or a shared folder, so a write must never
leave a partial file or clobber an existing one by accident: the text goes
to a temporary file in the same folder, is flushed to disk, then renamed
over the target in one step.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Sequence

from advisor.errors import InputError, OutputError
from advisor.load.paths import path_kind, same_file

#: Temporary files are named .advisor-XXXXXXXX.tmp (21 bytes) beside their target.
TEMP_PREFIX, TEMP_SUFFIX = ".advisor-", ".tmp"
#: The files this process has written, in order (so that a message after a signal can
#: say which are there).
written: list[str] = []


def write_text(path: str | os.PathLike[str], text: str, *, force: bool = False) -> str | None:
    """Write ``text`` to ``path`` atomically; ``-`` writes to stdout.

    Args:
        path: The target file, or ``-`` for standard output.
        text: What to write (UTF-8).
        force: Replace an existing file.

    Returns:
        The path written, or None for stdout.

    Raises:
        OutputError: the file exists (without ``force``), the target is a folder,
            or the write failed; the target is then left as it was.
    """
    if os.fspath(path) == "-":
        require_stdout("write to a file with -o FILE")
        assert sys.stdout is not None
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    target = check_target(path, force=force)
    assert target is not None
    folder = os.path.dirname(target) or "."
    data = text.encode("utf-8")
    if _special(target):
        # A device or a named pipe (/dev/stdout, /dev/null, a FIFO) is written in place,
        # as a shell redirection would; replacing it with a file would break whatever
        # uses it (as root, /dev itself).
        try:
            with open(target, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(f"{target}: write failed: {exc.strerror or exc}") from None
        return target
    existed = os.path.lexists(target)
    try:
        # A short name of its own, not the target's name plus a suffix: any name the
        # folder takes for the target (250 bytes, say) must not fail for its temporary.
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            # mkstemp makes the file private to its owner; a guide gets the mode of
            # an ordinary new file, or keeps the mode of the file it replaces.
            os.chmod(tmp, _mode_for(target))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(target) and not force:  # appeared while we were writing
            raise OutputError(f"{target}: already exists; use --force to overwrite it")
        # A symlink target is replaced by the file itself, never followed.
        os.replace(tmp, target)
        written.append(target)
    except OSError as exc:
        _discard(tmp)
        kept = "the old file is unchanged" if existed else "no file was written"
        raise OutputError(f"{target}: write failed: {exc.strerror or exc}; {kept}") from None
    except BaseException:
        _discard(tmp)
        raise
    return target


def refuse_same_files(
    writes: Sequence[tuple[str, str | None]], reads: Sequence[tuple[str, str | None]] = ()
) -> None:
    """Refuse, before any work, two outputs that are one file, or an output that is one of
    the inputs: by file identity (device and inode), so neither another spelling, a
    symlinked folder nor a hard link gets past, and ``--force`` does not either.

    Args:
        writes: (flag, path) of each file the command writes; None or ``-`` are skipped.
        reads: (flag, path) of each file it reads.

    Raises:
        InputError: two of them are one file.
    """
    outputs = [(flag, p) for flag, p in writes if p and p != "-"]
    inputs = [(flag, p) for flag, p in reads if p and p != "-"]
    for i, (flag, path) in enumerate(outputs):
        for other_flag, other in outputs[i + 1 :] + inputs:
            if same_file(path, other):
                raise InputError(
                    f"{flag} {path} and {other_flag} {other} are the same file; "
                    f"choose another for {flag}"
                )


def require_stdout(instead: str = "this command prints its result there") -> None:
    """Refuse to write a result to a closed standard output (advisor ... >&-): it would
    vanish while the exit code said it worked.

    Raises:
        OutputError: standard output is closed; ``instead`` says what to do.
    """
    if sys.stdout is None:
        raise OutputError(f"standard output is closed; {instead}")


def check_target(path: str | os.PathLike[str], *, force: bool = False) -> str | None:
    """Refuse an output path early, before any work: an existing file without
    ``force``, a folder, a missing parent folder, or ``-`` when stdout is closed.

    Returns:
        The target path, or None for stdout.

    Raises:
        OutputError: the target cannot or must not be written.
    """
    target = os.fspath(path)
    if target == "-":
        require_stdout("write to a file with -o FILE")
        return None
    folder = os.path.dirname(target) or "."
    try:
        kind, is_link = path_kind(target), path_kind(target, follow=False) == "link"
        folder_ok = path_kind(folder) == "dir"
    except OSError as exc:  # a name too long, say
        raise OutputError(f"{target}: cannot write there: {exc.strerror or exc}") from None
    if kind == "dir":
        shown = target.rstrip("/") or "/"
        raise OutputError(f"{target}: is a folder; give a file name (-o {shown}/GUIDE.md)")
    if target.endswith(os.sep):
        raise OutputError(f"{target}: ends with '/', so it names a folder; give a file name")
    if kind == "other":
        return target  # a device or a pipe: written in place, nothing to overwrite
    if (kind is not None or is_link) and not force:
        raise OutputError(f"{target}: already exists; use --force to overwrite it")
    if not folder_ok:
        raise OutputError(f"{target}: folder {folder} does not exist; create it first")
    return target


def _special(target: str) -> bool:
    """Whether ``target`` (or what a symlink points to) exists and is not a file or folder."""
    try:
        return path_kind(target) == "other"
    except OSError:
        return False


def _mode_for(target: str) -> int:
    try:
        st = os.lstat(target)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
