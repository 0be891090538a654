"""The on-disk result cache of `shapelint check`: hits, and every change that must miss."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from shapelint import check_cache
from shapelint.check_cache import ResultCache, code_fingerprint
from shapelint.check_pool import CheckOptions, check_files
from shapelint.cli import main
from shapelint.config import Config
from shapelint.output import formatter
from shapelint.project_modules import MODULE_CACHE

FEED = """\
import numpy as np
from tensorflow import keras

x = np.load("data/x.npy")
model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, np.zeros((100, 10)))
"""

IMPORTED = """\
import numpy as np
from tensorflow import keras
from helpers import load

x = load()
model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, np.zeros((100, 10)))
"""

HELPER_MISMATCH = "import numpy as np\n\ndef load():\n    return np.zeros((100, 32, 32))\n"
HELPER_MATCH = "import numpy as np\n\ndef load():\n    return np.zeros((100, 28, 28))\n"


def npy(path: Path, shape: tuple[int, ...]) -> None:
    """A tiny .npy file of uint8 zeros (header written by hand, as NumPy's format 1.0 does)."""
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + repr(shape) + ", }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(math.prod(shape))
    )


def run(paths: list[Path], cache: ResultCache | None, **config: object) -> tuple[str, CheckOptions]:
    """The JSON output of checking `paths` serially with this cache, and the run's options (counts).

    Each run starts with no module in memory, as each `shapelint check` process does."""
    MODULE_CACHE.clear()
    options = CheckOptions(jobs=1, cache=cache)
    results = [c.result for c in check_files(paths, Config(), dict(config), options)]
    return formatter("json")(results), options


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cache(tmp_path: Path) -> ResultCache:
    return ResultCache(tmp_path / "cache", fingerprint="test")


def codes(output: str) -> list[str]:
    return [item["code"] for item in json.loads(output)]


def test_a_second_run_is_served_from_the_cache_with_the_same_results(project: Path, cache: ResultCache) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    first, _ = run([project / "train.py"], cache)
    assert codes(first) == ["SL103"] and cache.misses == 1 and cache.stored == 1
    second, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert second == first
    assert options.analysed == 0


def test_a_changed_file_is_analysed_again(project: Path, cache: ResultCache) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    run([project / "train.py"], cache)
    (project / "train.py").write_text(FEED.replace("(28, 28)", "(32, 32)"))
    output, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert codes(output) == [] and options.analysed == 1


def test_a_changed_data_file_invalidates_the_files_that_read_it(project: Path, cache: ResultCache) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    assert codes(run([project / "train.py"], cache)[0]) == ["SL103"]
    npy(project / "data" / "x.npy", (100, 28, 28))
    output, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert codes(output) == [] and options.analysed == 1


def test_a_data_file_that_appears_invalidates_the_files_that_looked_for_it(project: Path, cache: ResultCache) -> None:
    (project / "train.py").write_text(FEED)
    assert codes(run([project / "train.py"], cache)[0]) == []  # no data file: unknown, silent
    npy(project / "data" / "x.npy", (100, 32, 32))
    assert codes(run([project / "train.py"], ResultCache(cache.directory, "test"))[0]) == ["SL103"]


def test_a_changed_imported_module_invalidates_its_importers(project: Path, cache: ResultCache) -> None:
    (project / "helpers.py").write_text(HELPER_MISMATCH)
    (project / "train.py").write_text(IMPORTED)
    assert codes(run([project / "train.py"], cache)[0]) == ["SL103"]
    (project / "helpers.py").write_text(HELPER_MATCH)
    assert codes(run([project / "train.py"], ResultCache(cache.directory, "test"))[0]) == []


def test_a_module_that_appears_invalidates_the_files_importing_its_name(project: Path, cache: ResultCache) -> None:
    (project / "train.py").write_text(IMPORTED)
    assert codes(run([project / "train.py"], cache)[0]) == []  # `helpers` not found: unknown
    (project / "helpers.py").write_text(HELPER_MISMATCH)
    assert codes(run([project / "train.py"], ResultCache(cache.directory, "test"))[0]) == ["SL103"]


def test_a_module_imported_by_an_imported_module_is_followed_even_when_cached_in_memory(
    project: Path, cache: ResultCache
) -> None:
    # The worker keeps interpreted modules in memory; what they read must still reach the entry.
    # Here `helpers` imports `shapes`, which is not there yet: its absence must reach both entries.
    (project / "helpers.py").write_text("from shapes import load\n")
    (project / "train.py").write_text(IMPORTED)
    (project / "other.py").write_text(IMPORTED)
    assert codes(run([project / "other.py", project / "train.py"], cache)[0]) == []
    (project / "shapes.py").write_text(HELPER_MISMATCH)
    output, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert codes(output) == ["SL103"] and options.analysed == 1


def test_the_configuration_is_part_of_the_key(project: Path, cache: ResultCache) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    assert codes(run([project / "train.py"], cache)[0]) == ["SL103"]
    ignored, options = run([project / "train.py"], ResultCache(cache.directory, "test"), ignore=["SL103"])
    assert codes(ignored) == [] and options.analysed == 1
    _, options = run([project / "train.py"], ResultCache(cache.directory, "test"), **{"keras-version": "2"})
    assert options.analysed == 1
    (project / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL1"]\n')
    assert codes(run([project / "train.py"], ResultCache(cache.directory, "test"))[0]) == []


def test_another_shapelint_version_does_not_read_the_entries(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    before = code_fingerprint()
    run([project / "train.py"], ResultCache(tmp_path / "cache"))
    monkeypatch.setattr(check_cache, "__version__", "999.0")
    assert code_fingerprint() != before
    _, options = run([project / "train.py"], ResultCache(tmp_path / "cache"))
    assert options.analysed == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "not json",
        lambda text: json.dumps({**json.loads(text), "result": {"diagnostics": [{"code": 1}]}}),
        lambda text: json.dumps({**json.loads(text), "observed": [["read", "/x", "no", "y"]]}),
        lambda text: json.dumps({**json.loads(text), "format": 0}),
        lambda text: text.replace('"SL103"', "[1]"),
    ],
    ids=["truncated", "not-json", "wrong-result", "wrong-observation", "old-format", "wrong-code-type"],
)
def test_a_damaged_entry_is_never_trusted(project: Path, cache: ResultCache, damage) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    first, _ = run([project / "train.py"], cache)
    [entry] = list(cache.folder.rglob("*.json"))
    entry.write_text(damage(entry.read_text()))
    output, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert output == first and options.analysed == 1


def test_an_entry_of_another_file_with_the_same_key_but_other_content_is_a_miss(
    project: Path, cache: ResultCache
) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    run([project / "train.py"], cache)
    (project / "train.py").write_text(FEED + "\n")
    _, options = run([project / "train.py"], ResultCache(cache.directory, "test"))
    assert options.analysed == 1


def test_the_cache_folder_is_tagged_and_ignored_by_git(project: Path, cache: ResultCache) -> None:
    (project / "train.py").write_text(FEED)
    run([project / "train.py"], cache)
    assert (cache.directory / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache.directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(cache.directory.rglob(".tmp-*"))  # atomic writes leave no temporary file


def test_the_cache_is_pruned_oldest_first(project: Path, cache: ResultCache) -> None:
    for index in range(10):
        (project / f"m{index}.py").write_text(FEED.replace("(28, 28)", f"({index + 1}, 28)"))
    run([project / f"m{index}.py" for index in range(10)], cache)
    entries = sorted(cache.folder.rglob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for age, entry in enumerate(entries):
        os.utime(entry, ns=(age * 10**9, age * 10**9))
    assert cache.prune(max_entries=5) == 6  # down to 80% of the bound
    assert sorted(cache.folder.rglob("*.json")) == sorted(entries[6:])


def test_no_cache_neither_reads_nor_writes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "train.py").write_text(FEED)
    folder = project / "cache-folder"
    assert main(["check", "--no-cache", "--cache-dir", str(folder), "--format", "json", "train.py"]) == 1
    assert not folder.exists()
    uncached = capsys.readouterr().out
    assert main(["check", "--cache-dir", str(folder), "--format", "json", "train.py"]) == 1
    assert (folder / "CACHEDIR.TAG").exists()
    assert codes(uncached) == codes(capsys.readouterr().out) == ["SL103"]


def test_the_default_cache_folder_is_in_the_project_root(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(check_cache.CACHE_ENV, raising=False)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "src").mkdir()
    assert check_cache.default_cache_dir(project / "src") == project / ".shapelint_cache"
    monkeypatch.setenv(check_cache.CACHE_ENV, str(project / "elsewhere"))
    assert check_cache.default_cache_dir(project / "src") == project / "elsewhere"


def test_fixing_runs_do_not_store_results(project: Path, tmp_path: Path) -> None:
    (project / "train.py").write_text(
        "import numpy as np\nfrom tensorflow import keras\n\nx = np.zeros((100, 28, 28))\n"
        "model = keras.Sequential([keras.Input(shape=x.shape), keras.layers.Dense(1)])\n"
    )
    cache = ResultCache(tmp_path / "cache", "test")
    options = CheckOptions(jobs=1, cache=cache, fix=True, fix_roots=[project])
    [checked] = list(check_files([project / "train.py"], Config(), {}, options))
    assert checked.fixed == 1 and cache.stored == 0 and cache.misses == 0


@pytest.mark.parametrize(
    "distribution", ["keras", "tensorflow", "tensorflow-cpu", "numpy", "libcst", "not-installed-x"]
)
def test_the_installed_version_scan_agrees_with_package_metadata(distribution: str) -> None:
    # The target Keras is part of every cache key: reading it must not cost a third of a cached run.
    from importlib import metadata

    from shapelint.config import _installed_version

    try:
        expected: str | None = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        expected = None
    assert _installed_version(distribution) == expected
