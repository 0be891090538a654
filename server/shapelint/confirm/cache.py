"""Worker answers cached by model content: an in-memory LRU, optionally backed by files.

The key covers everything the answer depends on: the description's content hash,
the TensorFlow and Keras versions and flavour, the worker's interpreter, shapelint's own
version, the weight limit and the protocol version, and the workspace it was asked for.
Only lasting verdicts from the worker are stored, never timeouts, crashes or memory kills.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

# Bump when the worker's answer for the same description can change.
PROTOCOL_VERSION = 3


def cache_key(
    content_hash: str,
    tf_version: str | None,
    keras_version: str | None,
    max_weight_bytes: int,
    *,
    python: str = "",
    flavour: str = "",
    scope: str = "",
) -> str:
    """The key of one answer: sha256 over everything it depends on.

    `scope` is the workspace the answer was asked for (`workspace_scope`). The worker's
    answer is only as trustworthy as the folder it was asked from (a workspace can plant
    modules that a worker imports), so an answer is reused only for the workspace it was
    computed for: no entry written by or for one project can change another's verdicts.
    """
    from shapelint import __version__

    parts = [
        str(PROTOCOL_VERSION),
        __version__,
        content_hash,
        tf_version or "?",
        keras_version or "?",
        flavour,
        python,
        str(max_weight_bytes),
        "scope=" + scope,
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def workspace_scope(path: Path | str | None) -> str:
    """The workspace a file belongs to: the folder of its nearest pyproject.toml, else its own folder."""
    from shapelint.config import find_pyproject

    if path is None:
        return ""
    start = Path(os.path.realpath(path))
    pyproject = find_pyproject(start)
    root = pyproject.parent if pyproject is not None else (start if start.is_dir() else start.parent)
    return str(root)


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/shapelint/confirm, or ~/.cache/shapelint/confirm."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "shapelint" / "confirm"


class ConfirmCache:
    """Thread-safe LRU of worker answers (JSON dicts) with an optional directory of files."""

    def __init__(self, capacity: int = 512, directory: Path | None = None) -> None:
        self.capacity = capacity
        self.directory = directory
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored answer for `key`, from memory or disk; None on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        entry = self._read_file(key)
        if entry is not None:
            self._remember(key, entry)
        return entry

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Store an answer in memory and, if a directory is set, on disk (atomically)."""
        self._remember(key, answer)
        self._write_file(key, answer)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear_memory(self) -> None:
        """Drop the in-memory entries (files stay)."""
        with self._lock:
            self._entries.clear()

    def _remember(self, key: str, answer: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / key[:2] / f"{key}.json"

    def _read_file(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or half-written by another process: a miss
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("answer"), dict):
            return None
        answer: dict[str, Any] = data["answer"]
        return answer

    def _write_file(self, key: str, answer: dict[str, Any]) -> None:
        path = self._path(key)
        if path is None:
            return
        temporary: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a concurrent reader never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"key": key, "answer": answer}, stream, separators=(",", ":"))
            os.replace(temporary, path)
        except OSError:
            # A read-only or full disk only costs the cache, never the confirmation.
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
