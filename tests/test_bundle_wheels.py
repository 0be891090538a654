"""The wheels bundled in the .vsix: markers evaluated per target Python, tags per platform."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bundle_wheels.py"
_spec = importlib.util.spec_from_file_location("bundle_wheels", _SCRIPT)
assert _spec is not None and _spec.loader is not None
bundle_wheels = importlib.util.module_from_spec(_spec)
sys.modules["bundle_wheels"] = bundle_wheels  # dataclasses look their module up there
_spec.loader.exec_module(bundle_wheels)

LINUX = "manylinux_2_28_x86_64"


def make_wheel(directory: Path, filename: str, requires: list[str]) -> Path:
    """A wheel holding only its metadata, enough for the resolver."""
    name, version = filename.split("-")[:2]
    path = directory / filename
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A download cache holding every wheel the fake server needs on linux-x64."""
    directory = tmp_path / "cache"
    directory.mkdir()
    make_wheel(directory, "pygls-2.1.1-py3-none-any.whl", ["attrs>=24"])
    make_wheel(directory, "attrs-26.1.0-py3-none-any.whl", [])
    make_wheel(directory, "tomli-2.5.0-py3-none-any.whl", [])
    make_wheel(directory, "pyyaml_ft-8.0.0-cp313-cp313-manylinux_2_17_x86_64.whl", [])
    for python in bundle_wheels.PYTHONS:
        tag = "cp" + python.replace(".", "")
        make_wheel(
            directory,
            f"libcst-1.9.0-{tag}-{tag}-{LINUX}.whl",
            [
                "pyyaml>=5.2; python_version < '3.13' or python_version >= '3.14'",
                "pyyaml-ft>=8; python_version == '3.13'",
            ],
        )
        if python != "3.13":
            make_wheel(directory, f"pyyaml-6.0.4-{tag}-{tag}-{LINUX}.whl", [])
    return directory


@pytest.fixture
def server_wheel(tmp_path: Path) -> Path:
    return make_wheel(
        tmp_path,
        "shapelint-0.1.0-py3-none-any.whl",
        ["libcst>=1.5", "pygls>=2.1,<3", "tomli>=2.0; python_version < '3.11'", "pytest>=8; extra == 'test'"],
    )


def names(chosen: dict[str, Path | None]) -> dict[str, str | None]:
    return {name: wheel.name if wheel else None for name, wheel in chosen.items()}


def test_markers_are_evaluated_for_the_target_python(cache: Path, server_wheel: Path) -> None:
    linux = bundle_wheels.TARGETS["linux-x64"]
    on_310 = names(bundle_wheels.resolve(server_wheel, linux, "3.10", cache, fetch=False))
    assert on_310["tomli"] == "tomli-2.5.0-py3-none-any.whl"
    assert on_310["libcst"] == f"libcst-1.9.0-cp310-cp310-{LINUX}.whl"
    assert on_310["pyyaml"] == f"pyyaml-6.0.4-cp310-cp310-{LINUX}.whl"
    assert on_310["attrs"] == "attrs-26.1.0-py3-none-any.whl"
    assert "pytest" not in on_310  # an extra nobody asked for
    on_313 = names(bundle_wheels.resolve(server_wheel, linux, "3.13", cache, fetch=False))
    assert "tomli" not in on_313
    assert "pyyaml" not in on_313
    assert on_313["pyyaml-ft"] == "pyyaml_ft-8.0.0-cp313-cp313-manylinux_2_17_x86_64.whl"


def test_a_compiled_wheel_fits_only_its_platform(cache: Path, server_wheel: Path) -> None:
    windows = bundle_wheels.TARGETS["win32-x64"]
    chosen = bundle_wheels.resolve(server_wheel, windows, "3.12", cache, fetch=False)
    assert chosen["libcst"] is None
    assert chosen["pygls"] is not None


def test_platform_bundle_holds_every_python_and_universal_only_pure_wheels(
    cache: Path, server_wheel: Path, tmp_path: Path
) -> None:
    platform = bundle_wheels.bundle(server_wheel, "linux-x64", cache, tmp_path / "linux")
    assert platform["pythons"] == list(bundle_wheels.PYTHONS)
    assert platform["downloadedAtInstall"] == []
    assert len([name for name in platform["wheels"] if name.startswith("libcst-")]) == len(bundle_wheels.PYTHONS)
    assert json.loads((tmp_path / "linux" / "bundle.json").read_text()) == platform
    assert sorted(path.name for path in (tmp_path / "linux").glob("*.whl")) == platform["wheels"]

    universal = bundle_wheels.bundle(server_wheel, "universal", cache, tmp_path / "universal")
    assert universal["pythons"] == []
    assert universal["downloadedAtInstall"] == ["libcst", "pyyaml", "pyyaml-ft"]
    assert all(name.endswith("-py3-none-any.whl") for name in universal["wheels"])
    assert "pygls-2.1.1-py3-none-any.whl" in universal["wheels"]
