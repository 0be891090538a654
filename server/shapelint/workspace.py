"""Where the analysed document lives, and the only way the engine reads anything next to it.

Overlays that learn shapes from data (an `.npy` header, the first line of a CSV, an image
header, the class folders of an image dataset) go through a `Workspace` and nothing else:

    located = ev.workspace.locate("data/train.npy")        # None: not there, or not allowed
    head = ev.workspace.read_head(located, 4096)            # the first bytes, at most 4 KiB
    tail = ev.workspace.read_range(located, -1024, 1024)    # the last 1 KiB (a zip's directory)
    entries = ev.workspace.list_directory(ev.workspace.locate("images/train"))

The rules every read follows:
- nothing is read in an untrusted workspace, or for a document without a path (an unsaved
  buffer, a test);
- only inside the workspace root (the real path, after links, must stay below it), and only
  regular files: never a FIFO, a device or a socket;
- bytes are bounded by the caller (`read_head`'s limit, at most `MAX_HEAD_BYTES`) and
  directory listings by `MAX_LISTING`; nothing is executed or unpickled;
- results are cached by real path, size and modification time, so a keystroke costs one
  `stat` per data file the document names.
A relative path is tried against the document's folder first (scripts are usually run from
their own folder), then against the workspace root.

Source text of the project's modules (`read_text`) comes from the editor's open buffers when
the file is open there (`buffers`, by real path), else from disk, under the same rules.
"""

from __future__ import annotations

import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from shapelint import read_log

MAX_HEAD_BYTES = 1 << 20  # the most any one read may ask for
MAX_LISTING = 10_000  # directory entries looked at, at most
_CACHE_ENTRIES = 256


@dataclass(frozen=True)
class DirectoryEntry:
    """One entry of a listed folder: its name and whether it is a folder itself."""

    name: str
    is_dir: bool


@dataclass(frozen=True)
class Workspace:
    """The analysed document's path and workspace root (None when unknown), and the user's trust."""

    document: str | None = None
    root: str | None = None
    trusted: bool = True
    # Real paths `locate` returned in this analysis: already checked, no second realpath (which is slow).
    _located: set[str] = field(default_factory=set, compare=False, repr=False)
    # The editor's unsaved text of open files, by real path: it wins over the disk for `read_text`.
    buffers: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def directory(self) -> str | None:
        """The folder relative data paths in the document are read from first: the document's own."""
        return os.path.dirname(os.path.abspath(self.document)) if self.document else None

    @property
    def readable(self) -> bool:
        """Whether anything may be read at all (a trusted workspace and a document on disk)."""
        return self.trusted and self.document is not None

    def _boundary(self) -> str | None:
        return self._real_boundary

    @cached_property
    def _real_boundary(self) -> str | None:
        base = self.root or self.directory
        return os.path.realpath(base) if base else None

    def _allowed(self, located: str) -> bool:
        """Whether a path handed back to a reader may be read: one `locate` returned, or inside the root."""
        if located in self._located:
            return True
        boundary = self._boundary()
        return boundary is not None and is_inside(os.path.realpath(located), boundary)

    def locate(self, name: str) -> str | None:
        """The real path of a file or folder the document names, when it exists and may be read."""
        if not self.readable or not name or "\x00" in name:
            return None
        boundary = self._boundary()
        if boundary is None:
            return None
        name = os.path.expanduser(name) if name.startswith("~") else name
        # The document's folder is often the root: the same candidate is looked at once.
        candidates = (
            [name]
            if os.path.isabs(name)
            else dict.fromkeys([os.path.join(base, name) for base in (self.directory, self.root) if base])
        )
        for candidate in candidates:
            real, kind = read_log.resolved(candidate)  # one realpath (slow) for the log and the decision
            if read_log.active():  # a stored result depends on this path staying what it is
                read_log.note("locate", candidate, 0, read_log.located_outcome(real, kind))
            if not is_inside(real, boundary):
                continue
            if kind in ("file", "dir"):  # a regular file or a folder: never a FIFO, a device or a socket
                self._located.add(real)
                return real
        return None

    def read_head(self, located: str | None, limit: int) -> bytes | None:
        """At most `limit` bytes from the start of a regular file that `locate` returned."""
        if located is None or not self.readable:
            return None
        if not self._allowed(located):
            return None
        return _read(located, 0, max(0, min(limit, MAX_HEAD_BYTES)))

    def read_range(self, located: str | None, offset: int, limit: int) -> bytes | None:
        """At most `limit` bytes from `offset` of a file `locate` returned (a negative offset counts from the end)."""
        if located is None or not self.readable:
            return None
        if not self._allowed(located):
            return None
        return _read(located, offset, max(0, min(limit, MAX_HEAD_BYTES)))

    def size(self, located: str | None) -> int | None:
        """The size in bytes of a regular file `locate` returned (so a reader knows it read it all)."""
        if located is None or not self.readable:
            return None
        if not self._allowed(located):
            return None
        try:
            info = os.stat(located)
        except OSError:
            info = None
        size = info.st_size if info is not None and stat.S_ISREG(info.st_mode) else None
        read_log.note("size", located, 0, "-" if size is None else str(size))
        return size

    def read_text(self, located: str | None, limit: int) -> str | None:
        """The text of a source file `locate` returned (an open buffer first); None when over `limit` bytes."""
        if located is None or not self.readable:
            return None
        if not self._allowed(located):
            return None
        buffered = self.buffers.get(located)
        if buffered is not None:
            read_log.note("buffer", located, 0, "-")  # an editor's unsaved text: never valid later
            return buffered if len(buffered) <= limit else None
        data = _read(located, 0, max(0, min(limit + 1, MAX_HEAD_BYTES)))
        if data is None or len(data) > limit:
            return None
        return data.decode("utf-8", errors="replace").lstrip("\ufeff")

    def list_directory(self, located: str | None) -> tuple[DirectoryEntry, ...] | None:
        """The entries of a folder that `locate` returned, sorted by name (None when unreadable)."""
        if located is None or not self.readable:
            return None
        if not self._allowed(located):
            return None
        return _list_directory(located)


def workspace_for(path: str | None, root: str | None = None, trusted: bool = True) -> Workspace:
    """The Workspace of a document at `path` (None: an unsaved buffer)."""
    return Workspace(path, root, trusted)


def is_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """True when `path` is `folder` or lies below it.

    The paths are compared as given: pass real paths (`os.path.realpath`, `Path.resolve`), so
    that a symlink or `..` cannot lead outside."""
    folder = os.path.normpath(os.fspath(folder))
    try:
        return os.path.commonpath([os.fspath(path), folder]) == folder
    except ValueError:  # different drives, or a relative path beside an absolute one
        return False


class _Cache:
    """A small LRU cache keyed by (path, size, mtime, ...): stale entries are simply never hit."""

    def __init__(self, entries: int) -> None:
        self._entries = entries
        self._items: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> object:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return _MISSING

    def put(self, key: tuple[object, ...], value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._entries:
                self._items.popitem(last=False)


_MISSING = object()
_heads = _Cache(_CACHE_ENTRIES)
_listings = _Cache(_CACHE_ENTRIES)
_disk_reads = 0


def _read(path: str, offset: int, limit: int) -> bytes | None:
    data = _read_from_disk(path, offset, limit)
    if read_log.active():
        read_log.note("read", path, read_log.read_detail(offset, limit), read_log.digest(data))
    return data


def _read_from_disk(path: str, offset: int, limit: int) -> bytes | None:
    with read_log.regular_file(path) as opened:
        if opened is None:
            return None
        descriptor, info = opened
        key = (path, info.st_size, info.st_mtime_ns, offset, limit)
        cached = _heads.get(key)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        global _disk_reads
        _disk_reads += 1
        data = read_log.read_at(descriptor, info.st_size, offset, limit)
        if data is not None:
            _heads.put(key, data)
        return data


def disk_reads() -> int:
    """How many reads went to the disk (not to the cache) since the process started."""
    return _disk_reads


def _list_directory(path: str) -> tuple[DirectoryEntry, ...] | None:
    entries = _list_from_disk(path)
    if read_log.active():
        read_log.note("list", path, 0, read_log.listing_digest(None if entries is None else _pairs(entries)))
    return entries


def _pairs(entries: tuple[DirectoryEntry, ...]) -> list[tuple[str, bool]]:
    return [(entry.name, entry.is_dir) for entry in entries]


def _list_from_disk(path: str) -> tuple[DirectoryEntry, ...] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    key = (path, info.st_mtime_ns)
    cached = _listings.get(key)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    entries: list[DirectoryEntry] = []
    try:
        with os.scandir(path) as scan:
            for count, entry in enumerate(scan):
                if count >= MAX_LISTING:
                    return None  # too large to say anything exact about
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                entries.append(DirectoryEntry(entry.name, is_dir))
    except OSError:
        return None
    result = tuple(sorted(entries, key=lambda e: e.name))
    _listings.put(key, result)
    return result
