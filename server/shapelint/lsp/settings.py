"""Editor settings (the `shapelint` section) and the configuration each document gets.

Precedence, later wins:  built-in defaults < `[tool.shapelint]` in the nearest
pyproject.toml < editor settings. An editor setting that is null, an empty list or an
empty object counts as "not set", so an editor's declared defaults never hide the
project's pyproject.toml. Severity overrides merge per rule code.

A pyproject.toml is re-read whenever its modification time or size changes. A broken
one (or a broken editor setting) is reported once and the last good value stays in use.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shapelint.config import Config, ConfigError, find_pyproject, load_pyproject

logger = logging.getLogger(__name__)

SECTION = "shapelint"

# Keys handled by the language server itself; everything else is rule configuration.
_SERVER_KEYS = {"enable", "inlay_hints", "model_summary_hover", "trusted"}
_RULE_KEYS = {"select", "ignore", "severity", "confirm", "keras_version"}


def _snake(key: str) -> str:
    """`kerasVersion`, `keras-version` and `keras_version` all name one setting."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(key)).replace("-", "_").lower()


def _is_unset(value: Any) -> bool:
    return value is None or (isinstance(value, (list, tuple, dict, str)) and len(value) == 0)


@dataclass(frozen=True)
class EditorSettings:
    """The `shapelint.*` settings an editor sends (workspace/configuration or didChangeConfiguration).

    | key                 | type                                   | default |
    |---------------------|----------------------------------------|---------|
    | enable              | bool                                   | true    |
    | select              | list of codes or prefixes              | all     |
    | ignore              | list of codes or prefixes              | none    |
    | severity            | {CODE: error/warning/information/hint} | per rule|
    | confirm             | "auto" or "off"                        | off     |
    | kerasVersion        | 2, 3 or "auto"                         | auto    |
    | inlayHints          | bool: layer output shapes at line ends | true    |
    | modelSummaryHover   | bool: a model's summary on hover       | true    |
    | trusted             | bool: false in an untrusted workspace  | true    |
    |                     | (no confirmation, no data files read)  |         |
    """

    enable: bool = True
    inlay_hints: bool = True
    model_summary_hover: bool = True
    trusted: bool = True
    # Rule configuration in Config.merged spelling, only the keys the editor really set.
    rules: Mapping[str, Any] = field(default_factory=dict)


def parse_editor_settings(raw: Any) -> EditorSettings:
    """Editor settings from the `shapelint` section; raises ConfigError on a bad value."""
    if raw is None:
        return EditorSettings()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"the {SECTION} settings must be an object, got {raw!r}")
    flags: dict[str, bool] = {}
    rules: dict[str, Any] = {}
    for key, value in raw.items():
        name = _snake(key)
        if name in _SERVER_KEYS:
            if value is None:
                continue
            if not isinstance(value, bool):
                raise ConfigError(f"{SECTION}.{key} must be true or false, got {value!r}")
            flags[name] = value
        elif name in _RULE_KEYS and not _is_unset(value):
            rules[name.replace("_", "-")] = value
    Config().merged(rules)  # raises ConfigError with a clear message on a bad value
    return EditorSettings(rules=rules, **flags)


def settings_from_payload(payload: Any) -> Any:
    """The `shapelint` section inside a didChangeConfiguration or initializationOptions payload.

    Clients send either `{"shapelint": {...}}` or the section itself.
    """
    if isinstance(payload, Mapping) and SECTION in payload:
        return payload[SECTION]  # whatever its type: a broken section is reported, not ignored
    return payload


@dataclass(frozen=True)
class _PyprojectEntry:
    stamp: tuple[int, int]
    table: Mapping[str, Any]


class ConfigResolver:
    """Computes the Config of a document from its pyproject.toml and the editor settings."""

    def __init__(self, report_error: Callable[[str], None]) -> None:
        self._report_error = report_error
        self._entries: dict[Path, _PyprojectEntry] = {}
        self._reported: set[str] = set()

    def config_for(self, path: str | None, settings: EditorSettings, root: str | None = None) -> Config:
        """The configuration for a document at `path` (None: untitled, use the workspace root)."""
        start = path or root
        pyproject = nearest_pyproject(start) if start else None
        project = Config()
        if pyproject is not None:
            project = project.merged(self._table(pyproject))
        overrides = dict(settings.rules)
        severity = overrides.get("severity")
        if isinstance(severity, Mapping) and project.severity:
            # Per-code merge: the editor overrides the codes it names, pyproject keeps the rest.
            overrides["severity"] = {
                **{code: level.value for code, level in project.severity.items()},
                **severity,
            }
        return replace(project.merged(overrides), trusted=settings.trusted)

    def _table(self, pyproject: Path) -> Mapping[str, Any]:
        try:
            status = pyproject.stat()
        except OSError:
            return {}
        stamp = (status.st_mtime_ns, status.st_size)
        entry = self._entries.get(pyproject)
        if entry is not None and entry.stamp == stamp:
            return entry.table
        try:
            table = load_pyproject(pyproject)
            Config().merged(table)  # validate now, so a bad value never reaches analysis
        except (ConfigError, OSError, ValueError, RecursionError) as error:
            message = f"shapelint: ignoring the new [tool.shapelint] settings: {error}"
            if message not in self._reported:
                self._reported.add(message)
                self._report_error(message)
            previous = entry.table if entry is not None else {}
            # Remember the stamp so the same broken file is not re-read on every keystroke.
            self._entries[pyproject] = _PyprojectEntry(stamp, previous)
            return previous
        self._entries[pyproject] = _PyprojectEntry(stamp, table)
        return table

    def forget(self) -> None:
        """Drop cached pyproject tables (they are re-read on next use)."""
        self._entries.clear()


def nearest_pyproject(start: str) -> Path | None:
    """The pyproject.toml that governs `start` (a file or folder), or None (also when unreadable)."""
    try:
        return find_pyproject(Path(start))
    except OSError:
        return None


def is_pyproject(path: str | None) -> bool:
    """True when `path` names a pyproject.toml (whose change re-configures open documents)."""
    return bool(path) and os.path.basename(str(path)) == "pyproject.toml"
