"""What an analysis learned from the disk, so that a stored result can be re-validated later.

`workspace.py` (data files, the project's module sources, folder listings, located paths) and
`project_modules.py` (the probes for a module beside the file) note each observation here while
a `recording()` is active; nothing is noted otherwise (the editor path pays one context lookup).
An observation is (kind, path, detail, outcome): the outcome is a digest of what was seen, so
`still_true` can look again and tell whether the disk still says the same. The absence of a file
is an observation too: creating `utils.py` beside a script changes what `import utils` means.
`shapelint check` also notes the folders its file discovery walked ('walk'), so that a replayed
run (`check_replay`) knows it would find the same files.
The bounded read of a regular file (`regular_file`, `read_at`) is the one `workspace.py` reads with.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

try:  # `hashlib` loads OpenSSL, a few milliseconds of every start-up, for a hash it does not need
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python without the module
    from hashlib import blake2b

Observation = tuple[str, str, int, str]  # (kind, path, detail, outcome)

_log: ContextVar[list[Observation] | None] = ContextVar("shapelint_read_log", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Observation]]:
    """Collect the observations made inside the block (nested blocks also add to the outer one)."""
    outer = _log.get()
    found: list[Observation] = []
    token = _log.set(found)
    try:
        yield found
    finally:
        _log.reset(token)
        if outer is not None:
            outer.extend(found)


def active() -> bool:
    """Whether something is recording (so callers skip work that only the log needs)."""
    return _log.get() is not None


def note(kind: str, path: str, detail: int, outcome: str) -> None:
    """Record one observation (nothing when not recording)."""
    log = _log.get()
    if log is not None:
        log.append((kind, path, detail, outcome))


def replay(observations: Iterable[Observation]) -> None:
    """Add observations made earlier (a cached module's) to the current recording."""
    log = _log.get()
    if log is not None:
        log.extend(observations)


def digest(data: bytes | str | None) -> str:
    """A short content digest ('-' for nothing)."""
    if data is None:
        return "-"
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return blake2b(raw, digest_size=16).hexdigest()


def file_kind(path: str) -> str:
    """'file', 'dir', 'other' or 'missing' for the path (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "missing"
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"


def exists(path: str) -> bool:
    """`os.path.lexists`, noted as an observation."""
    found = os.path.lexists(path)
    note("exists", path, 0, str(found))
    return found


def located(path: str) -> str:
    """The outcome of `Workspace.locate` for one candidate: its real path and kind."""
    return located_outcome(*resolved(path))


def resolved(path: str) -> tuple[str, str]:
    """A path's real path and what is there (`file_kind`): what `Workspace.locate` decides by."""
    real = os.path.realpath(path)
    return real, file_kind(real)


def located_outcome(real: str, kind: str) -> str:
    return f"{real}|{kind}"


def listing_digest(entries: Iterable[tuple[str, bool]] | None) -> str:
    return "-" if entries is None else digest("\n".join(f"{name}/{int(is_dir)}" for name, is_dir in entries))


# What the file discovery of `shapelint check` (`file_runner.discover`) walks into and finds.
SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        ".tox",
        ".nox",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".shapelint_cache",
        ".pytest_cache",
        ".ipynb_checkpoints",
    }
)
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def discovered(name: str, is_dir: bool) -> bool:
    """Whether the discovery walks into this folder, or checks this file."""
    if is_dir:
        return name not in SKIPPED_FOLDERS and not name.endswith(".egg-info")
    return name.endswith(SOURCE_SUFFIXES)


def walk_digest(folder: str) -> str:
    """A folder's entries that the discovery walks into or checks, as `os.walk` sorts them into
    folders and files (links followed: a link to a folder is a folder)."""
    try:
        with os.scandir(folder) as scan:
            entries = [(entry.name, _is_dir(entry)) for entry in scan]
    except OSError:
        return "-"
    return listing_digest(sorted(entry for entry in entries if discovered(*entry)))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def installed_digest(folder: str) -> str:
    """The package metadata folders (`*.dist-info`, `*.egg-info`) in a folder of `sys.path`: what
    `config.detect_keras_major` reads of the environment."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith((".dist-info", ".egg-info")))
    except OSError:
        return "-"
    return digest("\n".join(names))


def read_whole(path: str) -> bytes | None:
    """A regular file's content (not through a link), as a 'read' observation of it at offset 0 sees it."""
    return _read(path, 0, WHOLE)


WHOLE = (1 << 31) - 1  # the limit of a 'read' observation of a whole file


def all_still_true(observations: Iterable[Observation], seen: dict[Observation, bool]) -> bool:
    """Whether the disk still shows what every observation recorded; `seen` keeps the answers,
    so each observation is looked at once however many results noted it."""
    for observation in observations:
        holds = seen.get(observation)
        if holds is None:
            holds = seen[observation] = still_true(observation)
        if not holds:
            return False
    return True


def still_true(observation: Observation) -> bool:
    """Whether the disk still shows what the observation recorded."""
    kind, path, detail, outcome = observation
    if kind == "exists":
        return str(os.path.lexists(path)) == outcome
    if kind == "locate":
        return located(path) == outcome
    if kind == "read":
        offset, limit = divmod(detail, 1 << 32)
        return digest(_read(path, offset - (1 << 31), limit)) == outcome
    if kind == "size":
        try:
            info = os.stat(path)
        except OSError:
            return outcome == "-"
        return (str(info.st_size) if stat.S_ISREG(info.st_mode) else "-") == outcome
    if kind == "walk":
        return walk_digest(path) == outcome
    if kind == "installed":
        return installed_digest(path) == outcome
    if kind == "list":
        try:
            with os.scandir(path) as scan:
                entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in scan)
        except OSError:
            return outcome == "-"
        return listing_digest(entries) == outcome
    return False  # an observation this version does not know: never trusted


def read_detail(offset: int, limit: int) -> int:
    """`offset` (may be negative) and `limit` packed in one int for a 'read' observation."""
    return (offset + (1 << 31)) * (1 << 32) + limit


def _read(path: str, offset: int, limit: int) -> bytes | None:
    with regular_file(path) as opened:
        return None if opened is None else read_at(opened[0], opened[1].st_size, offset, limit)


@contextlib.contextmanager
def regular_file(path: str) -> Iterator[tuple[int, os.stat_result] | None]:
    """An open descriptor of `path` and its status, or None unless it is a regular file.

    Links are not followed, and a FIFO swapped in after a check does not block the open.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        yield None
        return
    try:
        try:
            info = os.fstat(descriptor)
        except OSError:
            info = None
        yield (descriptor, info) if info is not None and stat.S_ISREG(info.st_mode) else None
    finally:
        os.close(descriptor)


def read_at(descriptor: int, size: int, offset: int, limit: int) -> bytes | None:
    """At most `limit` bytes from `offset` of an open file of `size` bytes (a negative offset counts
    from the end); None when `offset` is past the end or the read fails."""
    start = max(0, size + offset) if offset < 0 else offset
    if start > size:
        return None
    try:
        os.lseek(descriptor, start, os.SEEK_SET)
        chunks: list[bytes] = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(descriptor, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError:
        return None
    return b"".join(chunks)
