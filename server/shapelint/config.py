"""Configuration: `[tool.shapelint]` in pyproject.toml and editor settings -> one frozen Config.

Precedence (later wins): built-in defaults < pyproject.toml < editor settings < command-line flags.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapelint.diagnostics import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIRM_MODES = ("auto", "off")
MAX_PYPROJECT_BYTES = 4_000_000  # a real pyproject.toml is a few KB


class ConfigError(ValueError):
    """A configuration value that cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class Config:
    select: frozenset[str] = frozenset()  # empty: every rule
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    confirm: str = "off"
    # The Keras major version the checked code targets; None means detect it.
    keras_version: int | None = None
    # False in an editor's untrusted workspace (VS Code's Restricted Mode): no TensorFlow
    # confirmation and no reading of data files. Only the editor sets it, never a pyproject.toml.
    trusted: bool = True

    @property
    def confirms(self) -> bool:
        """True when findings are to be confirmed with TensorFlow: `confirm = "auto"` and trusted."""
        return self.confirm == "auto" and self.trusted

    @property
    def reads_data_files(self) -> bool:
        """True when data files (CSV headers, .npy headers) may be read: only in a trusted workspace."""
        return self.trusted

    def is_enabled(self, code: str) -> bool:
        """A code is enabled when selected (by full code or prefix) and not ignored."""
        selected = not self.select or any(code.startswith(prefix) for prefix in self.select)
        ignored = any(code.startswith(prefix) for prefix in self.ignore)
        return selected and not ignored

    @property
    def target_keras(self) -> int:
        return self.keras_version if self.keras_version is not None else detect_keras_major()

    def merged(self, overrides: Mapping[str, Any]) -> Config:
        """This config with the given settings (pyproject or editor spelling) applied on top."""
        return replace(self, **_parse_settings(overrides))


def _codes(value: Any, key: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule codes, got {value!r}")
    return frozenset(v.strip().upper() for v in value)


def _parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name in ("select", "ignore"):
            parsed[name] = _codes(value, key)
        elif name == "severity":
            if not isinstance(value, Mapping):
                raise ConfigError(f"severity must be a table of CODE = level, got {value!r}")
            levels: dict[str, Severity] = {}
            for code, level in value.items():
                try:
                    levels[str(code).upper()] = Severity(str(level).lower())
                except ValueError:
                    allowed = ", ".join(s.value for s in Severity)
                    raise ConfigError(f"severity of {code} must be one of {allowed}, got {level!r}") from None
            parsed["severity"] = levels
        elif name == "confirm":
            if value is True:
                value = "auto"
            elif value is False:
                value = "off"
            if value not in CONFIRM_MODES:
                raise ConfigError(f"confirm must be one of {', '.join(CONFIRM_MODES)}, got {value!r}")
            parsed["confirm"] = value
        elif name == "keras_version":
            if value in (None, "auto", "detect"):
                parsed["keras_version"] = None
            else:
                try:
                    major = int(str(value).split(".")[0])
                except ValueError:
                    raise ConfigError(f"keras-version must be 2 or 3, got {value!r}") from None
                if major not in (2, 3):
                    raise ConfigError(f"keras-version must be 2 or 3, got {value!r}")
                parsed["keras_version"] = major
        # Unknown keys are ignored so that newer settings never break an older server; so is
        # `trusted`: a project's own pyproject.toml must not be able to declare itself trusted.
    return parsed


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or folder)."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_pyproject(path: Path) -> dict[str, Any]:
    """The `[tool.shapelint]` table of a pyproject.toml, or {} when it has none."""
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_PYPROJECT_BYTES + 1)
        if len(content) > MAX_PYPROJECT_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_PYPROJECT_BYTES // 1_000_000} MB")
        data = tomllib.loads(content.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table, got {type(tool).__name__}")
    table = tool.get("shapelint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.shapelint] must be a table")
    return table


def config_for(path: Path, base: Config | None = None) -> Config:
    """The configuration that applies to a file: base defaults plus its nearest pyproject."""
    config = base or Config()
    try:
        pyproject = find_pyproject(path)
    except OSError:  # a folder that cannot be listed: no project configuration
        return config
    if pyproject is None:
        return config
    try:
        return config.merged(load_pyproject(pyproject))
    except ConfigError as error:
        message = str(error)
        raise ConfigError(message if message.startswith(str(pyproject)) else f"{pyproject}: {message}") from None


def _installed_version(distribution: str) -> str | None:
    wheels, others = _installed_distributions()
    key = _normalized(distribution)
    if wheels.get(key):
        return wheels[key]
    if key not in wheels and key not in others:
        return None  # not installed
    from importlib import metadata  # slow to import (a third of a cached `check`): only when the scan cannot say

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _normalized(name: str) -> str:
    return name.replace(".", "_").replace("-", "_").lower()


@lru_cache(maxsize=1)
def _installed_distributions() -> tuple[dict[str, str], frozenset[str]]:
    """What the folders of sys.path hold, read from their listing: wheels by normalized name with the
    version of their `NAME-VERSION.dist-info` folder (the first along sys.path, as `importlib.metadata`
    finds it), and the names seen only as `.egg-info` or without a version (their version is in a file)."""
    import os

    wheels: dict[str, str] = {}
    others: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            project, _, version = stem.partition("-")
            key = _normalized(project)
            if key in wheels or key in others:
                continue
            if suffix == "dist-info" and version:
                wheels[key] = version
            else:
                others.add(key)
    return wheels, frozenset(others)


@lru_cache(maxsize=1)
def detect_keras_major() -> int:
    """The Keras major version installed here, read from package metadata (never imported).

    Keras 3 ships as `keras` >= 3 and with TensorFlow >= 2.16; older TensorFlow bundles Keras 2.
    With neither installed, Keras 3 (the current release) is assumed.
    """
    keras = _installed_version("keras")
    if keras is not None:
        return 3 if _major(keras) >= 3 else 2
    for distribution in ("tensorflow", "tensorflow-cpu", "tf-nightly"):
        version = _installed_version(distribution)
        if version is not None:
            major, minor = _major_minor(version)
            return 3 if (major, minor) >= (2, 16) else 2
    return 3


def _major(version: str) -> int:
    return _major_minor(version)[0]


def _major_minor(version: str) -> tuple[int, int]:
    parts = [int("".join(ch for ch in part if ch.isdigit()) or 0) for part in version.split(".")[:2]]
    while len(parts) < 2:
        parts.append(0)
    return parts[0], parts[1]


def codes_from_cli(values: Iterable[str] | None) -> frozenset[str]:
    """Rule codes from repeated or comma-separated command-line values."""
    codes: set[str] = set()
    for value in values or ():
        codes.update(part.strip().upper() for part in value.split(",") if part.strip())
    return frozenset(codes)
