"""The on-disk cache of `shapelint check` results, like ruff's `.ruff_cache`.

One JSON entry per checked file, named by a digest of everything that decides its result
except the disk: the file's real path, its project root and the effective configuration
(every field of `Config`, the target Keras version). The entry lives under a folder named by
the analysing code (shapelint's version and a fingerprint of its own sources, so an edited
checkout never reads stale results) and holds:
- the digest of the file's content when it was analysed;
- every observation the analysis made of the disk (`read_log`): the project modules it read,
  the data file bytes and folder listings it saw, the paths it looked for and did not find;
- the result (findings, with fixes and notebook positions).
An entry is used only when the content digest matches and every observation still holds;
anything unexpected in it (truncated, edited, another format) is a miss, never an error, and
nothing in it is executed (plain JSON, no pickle). Writes are atomic (a temporary file, then
`os.replace`), and the cache is pruned, oldest first, past `MAX_ENTRIES` or `MAX_BYTES`.
Confirmed results (`--confirm`) and fixed files are never stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Mapping
from enum import Enum

from shapelint import __version__, read_log
from shapelint.check_replay import write_atomically

TYPE_CHECKING = False
if TYPE_CHECKING:  # a replayed run (`check_replay`) imports this module for the cache's place alone
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from shapelint.config import Config
    from shapelint.diagnostics import Diagnostic, Range
    from shapelint.output.results import FileResult

CACHE_FOLDER = ".shapelint_cache"
CACHE_ENV = "SHAPELINT_CACHE_DIR"
FORMAT = 1
MAX_ENTRIES = 20_000
MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 16 * 1024 * 1024  # a larger entry is not read (nor written)
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by shapelint.\n"


def default_cache_dir(start: Path | None = None) -> Path:
    """$SHAPELINT_CACHE_DIR, else `.shapelint_cache` in the project root: the folder of the nearest
    pyproject.toml at or above the current directory, or the current directory."""
    from pathlib import Path

    return Path(default_cache_root(None if start is None else str(start)))


def default_cache_root(start: str | None = None) -> str:
    """`default_cache_dir` as a string, without importing pathlib (a replayed run does not)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return configured
    folder = os.path.abspath(start or os.getcwd())
    candidate = folder
    while True:
        if os.path.isfile(os.path.join(candidate, "pyproject.toml")):
            return os.path.join(candidate, CACHE_FOLDER)
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return os.path.join(folder, CACHE_FOLDER)
        candidate = parent


def cache_folder(directory: str | None, fingerprint: str | None = None) -> str:
    """Where this code's entries live in the cache `directory` (None: the default place)."""
    return os.path.join(directory or default_cache_root(), fingerprint or code_fingerprint())


def code_fingerprint() -> str:
    """shapelint's version, the Python version and the size and mtime of every module of the package."""
    package = os.path.dirname(os.path.realpath(__file__))
    parts = [__version__, sys.version]
    for folder, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        where = folder[len(package) :]
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                parts.append(f"{where}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return read_log.digest("\n".join(parts))


def config_key(config: Config) -> str:
    """Every field of the configuration, canonical (sets and tables sorted), plus the target Keras."""
    import dataclasses

    fields = {field.name: _canonical(getattr(config, field.name)) for field in dataclasses.fields(config)}
    fields["target_keras"] = config.target_keras
    return json.dumps(fields, sort_keys=True)


def _canonical(value: object) -> object:
    if isinstance(value, (frozenset, set)):
        return sorted(_canonical(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, Mapping):
        return sorted((str(k), _canonical(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Enum):  # a Severity
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def content_digest(text: str, bom: bytes = b"") -> str:
    """The digest of a source file's content as read."""
    return read_log.digest(bom + text.encode("utf-8", "surrogatepass"))


class ResultCache:
    """Results by file, configuration and content, in `directory` (created on first write)."""

    def __init__(self, directory: Path, fingerprint: str | None = None) -> None:
        self.directory = directory
        self.folder = directory / (fingerprint or code_fingerprint())
        self.hits = 0
        self.misses = 0
        self.stored = 0

    def key(self, real_path: str, root: str, config: str) -> str:
        """The entry name of one file (its real path) under one configuration (its `config_key`)."""
        raw = json.dumps([real_path, root, config])
        return read_log.digest(raw)

    def _entry_path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(
        self,
        key: str,
        digest: str,
        display: str,
        seen: dict[read_log.Observation, bool] | None = None,
        observed: list[read_log.Observation] | None = None,
    ) -> FileResult | None:
        """The stored result for this content, when it is there, well-formed and still true.

        `seen`: the observations already checked in this run and whether they held (files of one
        folder look for the same modules): each is checked against the disk once. `observed`, when
        given, receives the observations the stored result depends on."""
        found = self._load(key, digest, display, {} if seen is None else seen)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        if observed is not None:
            observed.extend(found[1])
        return found[0]

    def _load(
        self, key: str, digest: str, display: str, seen: dict[read_log.Observation, bool]
    ) -> tuple[FileResult, list[read_log.Observation]] | None:
        try:
            with open(self._entry_path(key), "rb") as handle:
                raw = handle.read(MAX_ENTRY_BYTES + 1)
            if len(raw) > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(raw)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("content") != digest:
                return None
            observed = [_observation(item) for item in entry["observed"]]
            if not read_log.all_still_true(observed, seen):
                return None
            return _result_from_json(entry["result"], display), observed
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # missing, unreadable or not ours: analyse again

    def store(self, key: str, digest: str, result: FileResult, observed: Sequence[read_log.Observation]) -> None:
        """Write one entry atomically; a failure to write only costs the next run its hit."""
        entry = {
            "format": FORMAT,
            "content": digest,
            "observed": [list(observation) for observation in dict.fromkeys(observed)],
            "result": _result_to_json(result),
        }
        data = json.dumps(entry, separators=(",", ":")).encode("utf-8", "surrogatepass")
        if len(data) > MAX_ENTRY_BYTES:
            return
        target = self._entry_path(key)
        try:
            self._prepare()
            write_atomically(str(target), data)
            self.stored += 1
        except OSError:
            return

    def _prepare(self) -> None:
        """The cache folder with CACHEDIR.TAG (backup tools skip it) and a .gitignore of everything."""
        if (self.directory / "CACHEDIR.TAG").exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / ".gitignore").write_text("# Automatically created by shapelint.\n*\n")
        (self.directory / "CACHEDIR.TAG").write_text(_TAG)

    def prune(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> int:
        """Remove the oldest entries (of any shapelint version) past the bounds; how many were removed."""
        entries: list[tuple[int, int, str]] = []
        for folder, _, files in os.walk(self.directory):
            for name in files:
                if name.endswith(".json"):
                    path = os.path.join(folder, name)
                    with contextlib.suppress(OSError):
                        info = os.stat(path)
                        entries.append((info.st_mtime_ns, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        if len(entries) <= max_entries and total <= max_bytes:
            return 0
        entries.sort()
        removed = 0
        # Down to 80% of the bounds, so that pruning does not happen on every run.
        while entries and (len(entries) > max_entries * 0.8 or total > max_bytes * 0.8):
            _, size, path = entries.pop(0)
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
            total -= size
        return removed


# JSON form of a result --------------------------------------------------------------------------


def _observation(item: Any) -> read_log.Observation:
    kind, path, detail, outcome = item
    if not (isinstance(kind, str) and isinstance(path, str) and isinstance(detail, int) and isinstance(outcome, str)):
        raise TypeError("not an observation")
    return kind, path, detail, outcome


def _range_json(value: Range) -> list[int]:
    return [value.start.line, value.start.column, value.end.line, value.end.column]


def _range(item: Any) -> Range:
    from shapelint.diagnostics import Position, Range

    line, column, end_line, end_column = item
    numbers = (line, column, end_line, end_column)
    if not all(type(n) is int for n in numbers):
        raise TypeError("not a range")
    return Range(Position(line, column), Position(end_line, end_column))


def _optional_int(item: Any) -> int | None:
    if item is None or type(item) is int:
        return item
    raise TypeError("not a cell index")


def _string(item: Any) -> str:
    if not isinstance(item, str):
        raise TypeError("not a string")
    return item


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "message": d.message,
        "range": _range_json(d.range),
        "severity": d.severity.value,
        "fixes": [
            {"message": f.message, "safe": f.safe, "edits": [[_range_json(e.range), e.content] for e in f.edits]}
            for f in d.fixes
        ],
        "confirmed": d.confirmed,
        "related": [[_range_json(r.range), r.message, r.cell] for r in d.related],
        "cell": d.cell,
    }


def _diagnostic(item: Any) -> Diagnostic:
    from shapelint.diagnostics import Diagnostic, Fix, Related, Severity, TextEdit

    confirmed = item["confirmed"]
    if confirmed not in (None, True, False):
        raise TypeError("not a confirmation")
    return Diagnostic(
        code=_string(item["code"]),
        message=_string(item["message"]),
        range=_range(item["range"]),
        severity=Severity(item["severity"]),
        fixes=tuple(
            Fix(
                _string(fix["message"]),
                tuple(TextEdit(_range(edit[0]), _string(edit[1])) for edit in fix["edits"]),
                bool(fix["safe"]),
            )
            for fix in item["fixes"]
        ),
        confirmed=confirmed,
        related=tuple(Related(_range(r[0]), _string(r[1]), _optional_int(r[2])) for r in item["related"]),
        cell=_optional_int(item["cell"]),
    )


def _result_to_json(result: FileResult) -> dict[str, Any]:
    return {
        "notebook": result.notebook,
        "diagnostics": [_diagnostic_json(d) for d in result.diagnostics],
        "file_ranges": [
            _range_json(result.file_ranges[d]) if d in result.file_ranges else None for d in result.diagnostics
        ],
    }


def _result_from_json(item: Any, display: str) -> FileResult:
    from shapelint.output.results import FileResult

    diagnostics = tuple(_diagnostic(d) for d in item["diagnostics"])
    ranges = item["file_ranges"]
    if not isinstance(ranges, list) or len(ranges) != len(diagnostics):
        raise TypeError("file ranges do not match the findings")
    file_ranges = {d: _range(r) for d, r in zip(diagnostics, ranges) if r is not None}
    return FileResult(display, diagnostics, notebook=bool(item["notebook"]), file_ranges=file_ranges)
