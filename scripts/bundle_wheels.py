"""Collects the wheels the shapelint server needs, so the extension installs it offline.

For a VS Code target (``linux-x64``, ``darwin-arm64``, ...) this gathers, for every
supported Python, the wheel of each dependency of the shapelint wheel (transitively):
pure-Python wheels once, compiled ones (libcst, pyyaml) per Python version. The
``universal`` target keeps only the pure-Python wheels: the compiled ones are downloaded
from the package index at install time, and ``bundle.json`` names them.

pip downloads the wheels (``pip download --only-binary=:all: --platform ...
--python-version ...``), one package at a time without its dependencies: pip evaluates
environment markers (``python_version < '3.11'``) for the Python that runs it, not the
target, so this script evaluates them itself for each target Python and follows the
requirements of every wheel it gets. Wheels already in the cache directory are reused
without asking the index (delete the cache to pick up newer releases).

Usage: bundle_wheels.py --target linux-x64 --cache DIR --out DIR SHAPELINT_WHEEL
"""

from __future__ import annotations

import argparse
import email.parser
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pip vendors packaging: a bare Python with pip is enough to build
    from pip._vendor.packaging.markers import Marker  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.specifiers import SpecifierSet  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename  # type: ignore[no-redef,assignment,unused-ignore]

# The Pythons the server supports (requires-python >= 3.10) that have released wheels.
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


@dataclass(frozen=True)
class Target:
    """A VS Code platform: its wheel platform tags and its environment-marker values."""

    platforms: tuple[str, ...]
    sys_platform: str
    platform_system: str
    platform_machine: str
    os_name: str


# pip matches --platform tags literally (no older macOS or glibc versions implied), so
# every tag a wheel may carry is listed. VS Code itself needs glibc >= 2.28 and macOS >= 11.
_MACOS = ("11_0", "10_15", "10_14", "10_13", "10_12", "10_11", "10_10", "10_9")
TARGETS: dict[str, Target] = {
    "linux-x64": Target(
        ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
        "linux",
        "Linux",
        "x86_64",
        "posix",
    ),
    "linux-arm64": Target(
        ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
        "linux",
        "Linux",
        "aarch64",
        "posix",
    ),
    "darwin-x64": Target(
        tuple(f"macosx_{v}_{arch}" for v in _MACOS for arch in ("x86_64", "universal2")),
        "darwin",
        "Darwin",
        "x86_64",
        "posix",
    ),
    "darwin-arm64": Target(
        tuple(f"macosx_{v}_{arch}" for v in _MACOS for arch in ("arm64", "universal2")),
        "darwin",
        "Darwin",
        "arm64",
        "posix",
    ),
    "win32-x64": Target(("win_amd64",), "win32", "Windows", "AMD64", "nt"),
}
# The universal .vsix carries the pure-Python wheels, found with the linux-x64 markers
# (no dependency of the server differs by platform today; the index fills any gap).
UNIVERSAL = "universal"


def marker_environment(target: Target, python: str) -> dict[str, str]:
    """The values environment markers see on ``target`` under CPython ``python`` (``"3.12"``)."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": target.os_name,
        "platform_machine": target.platform_machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": target.platform_system,
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": target.sys_platform,
        "extra": "",
    }


def supported_tags(target: Target, python: str) -> set[Tag]:
    """The wheel tags CPython ``python`` accepts on ``target`` (cpXY, abi3, py3-none-any)."""
    version = tuple(int(part) for part in python.split("."))
    interpreter = f"cp{version[0]}{version[1]}"
    tags = set(cpython_tags(version, abis=[interpreter, "abi3", "none"], platforms=target.platforms))
    tags.update(compatible_tags(version, interpreter, platforms=target.platforms))
    return tags


def requirements_of(wheel: Path) -> list[Requirement]:
    """The ``Requires-Dist`` entries of a wheel's metadata."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(entry) for entry in metadata.get_all("Requires-Dist") or []]


def applies(requirement: Requirement, environment: dict[str, str]) -> bool:
    """True when the requirement's marker holds in the environment (no extras requested)."""
    return requirement.marker is None or Marker(str(requirement.marker)).evaluate(environment)


def is_pure(wheel: Path) -> bool:
    """True for a wheel that installs on any platform (``py3-none-any``)."""
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return all(tag.abi == "none" and tag.platform == "any" for tag in tags)


def find_wheel(directory: Path, name: str, specifier: SpecifierSet, tags: set[Tag]) -> Path | None:
    """The newest wheel of ``name`` in ``directory`` that fits the specifier and the tags."""
    best: tuple[object, Path] | None = None
    for wheel in directory.glob("*.whl"):
        wheel_name, version, _, wheel_tags = parse_wheel_filename(wheel.name)
        if wheel_name != name or version not in specifier or not (wheel_tags & tags):
            continue
        if best is None or version > best[0]:  # type: ignore[operator]
            best = (version, wheel)
    return best[1] if best else None


def download(name: str, specifier: SpecifierSet, target: Target, python: str, cache: Path) -> None:
    """Downloads the newest wheel of one package for ``target`` and ``python`` into ``cache``."""
    version = python.replace(".", "")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--disable-pip-version-check", "--no-input", "--quiet", "--dest", str(cache)]
    command += ["--python-version", python, "--implementation", "cp"]
    command += ["--abi", f"cp{version}", "--abi", "abi3", "--abi", "none"]
    for platform in target.platforms:
        command += ["--platform", platform]
    command.append(f"{name}{specifier}")
    subprocess.run(command, check=True)


def resolve(
    shapelint_wheel: Path, target: Target, python: str, cache: Path, *, fetch: bool = True
) -> dict[str, Path | None]:
    """The wheel of every package the server needs under ``python`` on ``target``.

    A package without a fitting wheel maps to None (only when ``fetch`` is false or pip
    found none: ``download`` raises when pip fails).
    """
    environment = marker_environment(target, python)
    tags = supported_tags(target, python)
    wanted: dict[str, SpecifierSet] = {}
    chosen: dict[str, Path | None] = {}
    pending = [r for r in requirements_of(shapelint_wheel) if applies(r, environment)]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        specifier = wanted.get(name, SpecifierSet()) & requirement.specifier
        if name in wanted and specifier == wanted[name] and name in chosen:
            continue
        wanted[name] = specifier
        wheel = find_wheel(cache, name, specifier, tags)
        if wheel is None and fetch:
            download(name, specifier, target, python, cache)
            wheel = find_wheel(cache, name, specifier, tags)
        chosen[name] = wheel
        if wheel is not None:
            pending.extend(r for r in requirements_of(wheel) if applies(r, environment))
    return chosen


def bundle(shapelint_wheel: Path, target_name: str, cache: Path, out: Path) -> dict[str, object]:
    """Copies the wheels for ``target_name`` into ``out`` and writes ``out/bundle.json``."""
    target = TARGETS["linux-x64" if target_name == UNIVERSAL else target_name]
    cache.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    wheels: set[Path] = set()
    downloaded_at_install: set[str] = set()
    for python in PYTHONS:
        for name, wheel in resolve(shapelint_wheel, target, python, cache).items():
            if wheel is None:
                raise SystemExit(f"no {name} wheel for Python {python} on {target_name}")
            if target_name == UNIVERSAL and not is_pure(wheel):
                downloaded_at_install.add(name)
            else:
                wheels.add(wheel)
    for wheel in sorted(wheels):
        shutil.copy2(wheel, out / wheel.name)
    manifest: dict[str, object] = {
        "target": target_name,
        # Pythons whose every dependency is in the bundle: pip installs with --no-index.
        "pythons": [] if downloaded_at_install else list(PYTHONS),
        "wheels": sorted(wheel.name for wheel in wheels),
        "downloadedAtInstall": sorted(downloaded_at_install),
    }
    (out / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, choices=[*TARGETS, UNIVERSAL])
    parser.add_argument("--cache", required=True, type=Path, help="download directory, reused between builds")
    parser.add_argument("--out", required=True, type=Path, help="where the bundle's wheels go")
    parser.add_argument("wheel", type=Path, help="the shapelint wheel whose dependencies are bundled")
    args = parser.parse_args(argv)
    manifest = bundle(args.wheel, args.target, args.cache, args.out)
    count = len(manifest["wheels"])  # type: ignore[arg-type]
    extra = manifest["downloadedAtInstall"]
    note = f"; downloaded at install: {', '.join(extra)}" if extra else ""  # type: ignore[arg-type]
    print(f"bundled {count} dependency wheels for {args.target}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
