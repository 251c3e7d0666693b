"""A cache of parsed YAML files (rulebook and answers files) in the user's cache folder.

An entry holds what :func:`~advisor.load.yamlsource.load_yaml` made of one
file's bytes: the data and the (line, column) of every value and key. Its
name is the SHA-256 of a format tag, the versions of advisor, msgspec and
PyYAML, and the file's bytes, so an edited file or another version is a
miss. What is read is decoded with msgspec into a fixed type and then
validated exactly like freshly parsed YAML: an entry can save parsing time,
never change a result. Only files that validated are stored.

The folder is ``$ADVISOR_CACHE_DIR``, else the platform's user cache folder
(platformdirs); ``ADVISOR_NO_CACHE=1`` turns the cache off. It is used only
when it is a real folder owned by the current user that no one else can write
to; an entry only when it is a regular file owned by the current user and
under a size cap. Anything else, or anything that fails to decode, is a
miss, and the entry is then rewritten atomically.
"""

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from typing import Any

import msgspec
import platformdirs
import yaml

from advisor.errors import OutputError
from advisor.load.paths import MAX_BYTES, read_fd_capped
from advisor.load.yamlsource import SourceMap, load_yaml_bytes, read_yaml_bytes
from advisor.version import __version__

FORMAT = b"advisor-yaml-cache-1"
#: The largest entry read: data and positions take a few times the YAML's own bytes.
MAX_ENTRY = 8 * MAX_BYTES
#: Entries kept; the least recently written are removed beyond this.
MAX_ENTRIES = 256

Key = str | int | float | bool | None


class Entry(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """One cached file: its data and the positions of its values and keys."""

    data: Any
    values: list[tuple[list[Key], int, int]]
    keys: list[tuple[list[Key], int, int]]


_DECODER = msgspec.msgpack.Decoder(Entry)


def folder(environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
    """The cache folder, created if needed; None when the cache is off or not safe to use."""
    path, off = where(environ, create=True)
    return None if off else path


def where(
    environ: os._Environ[str] | dict[str, str] | None = None, *, create: bool = False
) -> tuple[str, str | None]:
    """The cache folder and, when the cache is off, why (None when it is in use).

    Args:
        environ: The environment to read (default: this process's).
        create: Create the folder when it is missing (else a missing folder is fine:
            advisor creates it on first use).
    """
    env = os.environ if environ is None else environ
    path = _configured(env)
    if env.get("ADVISOR_NO_CACHE", "") not in ("", "0"):
        return path, "ADVISOR_NO_CACHE is set"
    if not os.path.isabs(path):
        # A relative folder would be a new cache in every working folder (every checkout).
        return path, "ADVISOR_CACHE_DIR is not an absolute path"
    if not hasattr(os, "getuid"):
        return path, "the folder's owner cannot be checked on this platform"
    try:
        if create:
            os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return path, None  # made on first use
        return path, "the folder cannot be created"
    except (OSError, ValueError) as exc:
        return path, f"the folder cannot be used: {getattr(exc, 'strerror', None) or exc}"
    return path, _unsafe(st)


def _configured(env: os._Environ[str] | dict[str, str]) -> str:
    return env.get("ADVISOR_CACHE_DIR") or platformdirs.user_cache_dir("advisor")


def _unsafe(st: os.stat_result) -> str | None:
    """Why a folder with this ``lstat`` is not safe for the cache; None when it is."""
    if stat.S_ISLNK(st.st_mode):
        return "the folder is a symlink"
    if not stat.S_ISDIR(st.st_mode):
        return "the path is not a folder"
    if st.st_uid != os.getuid():
        return "the folder belongs to another user"
    if st.st_mode & 0o022:
        return "others can write to the folder"
    return None


#: The names of the entries this version writes: parsed YAML files (the SHA-256 of what
#: :func:`load` hashes) and compiled templates (``jinja-KIND-JINJA-ADVISOR-SHA1``, see
#: advisor.text.sandbox.CompiledTemplates).
_ENTRY = re.compile(
    r"[0-9a-f]{64}\.msgpack|jinja-[a-z]+-[\w.+!]+-[\w.+!]+-[0-9a-f]{40}\.bytecode", re.ASCII
)
#: The names of every file any advisor version wrote there: the entries above, the
#: rulebook and answers entries of earlier versions, and the temporary files
#: (``tempfile.mkstemp``'s eight characters) an interrupted write left behind. The folder
#: may be shared, so nothing else is advisor's.
_OURS = re.compile(
    _ENTRY.pattern
    + r"|(?:rulebook|answers)-[0-9a-f]{64}\.(?:cache|json)"
    + r"|\.tmp-[a-z0-9_]{8}(?:\.cache|\.json)?",
    re.ASCII,
)


def _is_ours(name: str) -> bool:
    """Whether a name in the cache folder is one advisor (this version or an earlier one)
    writes there."""
    return _OURS.fullmatch(name) is not None


def clear(environ: os._Environ[str] | dict[str, str] | None = None) -> tuple[str, int]:
    """Removes advisor's own files from the cache folder, even with ``ADVISOR_NO_CACHE``
    set: regular files named as this or an earlier advisor version names them, never a
    symlink, a folder or another file.

    Returns:
        The folder and how many files were removed (0 when it does not exist).

    Raises:
        OutputError: the folder is not safe to use or cannot be read.
    """
    path = _configured(os.environ if environ is None else environ)
    if not hasattr(os, "getuid"):
        raise OutputError(f"{path}: not cleared: its owner cannot be checked on this platform")
    try:
        # Without following a symlink, and checked once open: what is cleared is the
        # folder checked, even if its name is swapped for another meanwhile.
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return path, 0
    except (OSError, ValueError) as exc:
        try:
            problem = _unsafe(os.lstat(path))
        except (OSError, ValueError):
            problem = None
        why = problem or getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"{path}: not cleared: {why}") from None
    removed = 0
    try:
        problem = _unsafe(os.fstat(fd))
        if problem is not None:
            raise OutputError(f"{path}: not cleared: {problem}")
        with os.scandir(fd) as it:
            names = sorted(
                e.name for e in it if _is_ours(e.name) and e.is_file(follow_symlinks=False)
            )
        for name in names:
            with contextlib.suppress(FileNotFoundError):  # another advisor got there first
                os.unlink(name, dir_fd=fd)
                removed += 1
    except OSError as exc:
        raise OutputError(f"{path}: {removed} files removed, then: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return path, removed


class Parsed(msgspec.Struct):
    """A YAML file as parsed (or as a cache entry gave it)."""

    data: Any
    smap: SourceMap
    #: The entry to :func:`store` the file in once its data is found valid (None: keep none).
    entry: str | None
    #: Whether the data came from the cache: data that fails validation is then parsed afresh.
    hit: bool = False


def load(path: str | os.PathLike[str], name: str, *, fresh: bool = False) -> Parsed:
    """A YAML file parsed, from the cache when it holds an entry for these bytes.

    Args:
        path: The file to read.
        name: Its name in locations and errors.
        fresh: Parse the file even when the cache has an entry (which a later
            :func:`store` then replaces).

    Raises:
        YamlError: the file cannot be read or is not valid, safe YAML.
    """
    raw = read_yaml_bytes(path, name)
    where = folder()
    if where is None:
        return Parsed(*load_yaml_bytes(raw, name), None)
    digest = hashlib.sha256()
    for part in (FORMAT, __version__, msgspec.__version__, yaml.__version__):
        tag = part if isinstance(part, bytes) else part.encode()
        digest.update(b"%d\0" % len(tag) + tag)
    digest.update(raw)
    entry = os.path.join(where, digest.hexdigest() + ".msgpack")
    hit = None if fresh else _read(entry)
    if hit is None:
        return Parsed(*load_yaml_bytes(raw, name), entry)
    values = {tuple(p): (line, col) for p, line, col in hit.values}
    keys = {tuple(p): (line, col) for p, line, col in hit.keys}
    return Parsed(hit.data, SourceMap(name, values, keys), None, hit=True)


def _read(entry: str) -> Entry | None:
    """The entry at ``entry``, or None for anything in doubt."""
    body = read_entry(entry)
    if body is None:
        return None
    try:
        return _DECODER.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None


def read_entry(path: str) -> bytes | None:
    """The bytes of the cache file ``path``, or None unless it is a regular file of the
    current user under the size cap (a FIFO, a symlink or a huge file is never read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_size > MAX_ENTRY:
            return None
        data = read_fd_capped(fd, MAX_ENTRY, st.st_size)
        return None if len(data) > MAX_ENTRY else data
    except OSError:
        return None
    finally:
        os.close(fd)


def write_entry(path: str, body: bytes) -> bool:
    """Writes ``body`` to the cache file ``path`` atomically, private to the user; never
    raises. Returns whether it was written."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp makes it 0600
            fh.write(body)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def store(entry: str | None, data: Any, smap: SourceMap) -> None:
    """Saves a file's validated data under ``entry`` (from :func:`load`); never raises.

    Data msgpack cannot give back exactly (a YAML date, which it keeps as text; an
    integer over 64 bits) is not saved.
    """
    if entry is None or smap.dates:
        return
    values, keys = smap.positions()
    plain = Entry(
        data,
        [(list(p), line, col) for p, (line, col) in values.items()],
        [(list(p), line, col) for p, (line, col) in keys.items()],
    )
    try:
        body = msgspec.msgpack.encode(plain)
    except (TypeError, ValueError, OverflowError, msgspec.MsgspecError, RecursionError):
        return
    if write_entry(entry, body):
        _prune(os.path.dirname(entry))


def _prune(where: str) -> None:
    """Removes the oldest entries beyond MAX_ENTRIES (an edited file leaves its old entry)."""
    found = []
    with contextlib.suppress(OSError), os.scandir(where) as it:
        for e in it:
            if _ENTRY.fullmatch(e.name) and e.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    found.append((e.stat(follow_symlinks=False).st_mtime_ns, e.path))
    found.sort()
    for _, path in found[: max(0, len(found) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            os.unlink(path)
