"""A repeated `shapelint check` replays the stored output of the same run, and only while every input
it depended on is unchanged; a replayed or cached run loads neither libcst nor the engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapelint.check_pool
from shapelint import check_replay, read_log
from shapelint.cli import FORMATS, main
from shapelint.project_modules import MODULE_CACHE

from tests.test_check_cache import FEED, HELPER_MATCH, HELPER_MISMATCH, IMPORTED, npy

PLAIN = "import os\n\nprint(os.getcwd())\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHAPELINT_CACHE_DIR", raising=False)
    (tmp_path / "src").mkdir()
    return tmp_path


class Counted:
    """`check_files` wrapped to count the runs that reached it (a replayed run does not)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs = 0
        real = shapelint.check_pool.check_files

        def counted(*args: object, **kwargs: object):
            self.runs += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(shapelint.check_pool, "check_files", counted)


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    MODULE_CACHE.clear()  # each `shapelint check` is a new process
    status = main(["check", "src", "--jobs", "1", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def codes(output: str) -> list[str]:
    return [item["code"] for item in json.loads(output)]


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_second_run_prints_the_same_output_and_status_without_checking(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    (project / "src" / "plain.py").write_text(PLAIN)
    counted = Counted(monkeypatch)
    first = check(capsys, "--format", output_format)
    second = check(capsys, "--format", output_format)
    assert first[0] == 1 and "SL103" in first[1] and first[2] == ""
    assert second == first
    assert counted.runs == 1


def test_other_words_are_another_record(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "src" / "plain.py").write_text(PLAIN)
    counted = Counted(monkeypatch)
    for _ in range(2):
        assert main(["check", "src", "--jobs", "1"]) == 0
        assert main(["check", "src", "--jobs", "2"]) == 0
        assert main(["check", "src", "--jobs", "1", "--no-cache"]) == 0
    assert counted.runs == 4  # the first of each spelling, and every run without the cache


def changed_content(project: Path) -> None:
    (project / "src" / "train.py").write_text(FEED.replace("(28, 28)", "(32, 32)"))


def new_file(project: Path) -> None:
    (project / "src" / "other.py").write_text(FEED)


def removed_file(project: Path) -> None:
    (project / "src" / "train.py").unlink()


def changed_data(project: Path) -> None:
    npy(project / "data" / "x.npy", (100, 28, 28))


def changed_configuration(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL103"]\n')


def new_configuration_nearer(project: Path) -> None:
    (project / "src" / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL1"]\n')


def linked_file(project: Path) -> None:
    (project / "elsewhere.py").write_text(FEED.replace("(28, 28)", "(32, 32)"))
    (project / "src" / "train.py").unlink()
    os.symlink(project / "elsewhere.py", project / "src" / "train.py")


def same_size_and_time(project: Path) -> None:
    """The content changed, its size and modification time put back: only the change time tells."""
    path = project / "src" / "train.py"
    before = path.stat()
    path.write_text(FEED.replace("(28, 28)", "(32, 32)"))  # as long as before
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.parametrize("settled", [False, True], ids=["just-written", "settled"])
@pytest.mark.parametrize(
    "change",
    [
        changed_content,
        same_size_and_time,
        new_file,
        removed_file,
        changed_data,
        changed_configuration,
        new_configuration_nearer,
        linked_file,
    ],
)
def test_any_change_of_an_input_runs_the_check_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, change, settled: bool
) -> None:
    # Settled: the files' statuses are stored with the record and trusted while they hold (a file
    # is settled at once here; a pause lets the clock tick before the change, as any real edit does).
    if settled:
        monkeypatch.setattr(check_replay, "SETTLED_NS", 0)
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    (project / "pyproject.toml").write_text("[tool.other]\n")
    counted = Counted(monkeypatch)
    first = check(capsys, "--format", "json")
    assert codes(first[1]) == ["SL103"]
    assert bool(stored_statuses(project)) == settled
    if settled:
        time.sleep(0.05)
    change(project)
    again = check(capsys, "--format", "json")
    assert counted.runs == 2
    fresh = check(capsys, "--format", "json", "--no-cache")
    assert again == fresh
    assert again != first or change is new_file  # the new file has the same finding: output grows
    assert check(capsys, "--format", "json") == fresh  # and the new run is replayed in turn
    assert counted.runs == 3


def stored_statuses(project: Path) -> dict[str, object]:
    """The file statuses of the one run record in the project's cache."""
    (record,) = (project / ".shapelint_cache").rglob("runs/*.json")
    return json.loads(record.read_text())["statuses"]


def test_a_settled_file_whose_status_holds_is_not_read_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_replay, "SETTLED_NS", 0)
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    (project / "src" / "plain.py").write_text(PLAIN)
    first = check(capsys, "--format", "json")
    assert {Path(path).name for path in stored_statuses(project)} >= {"train.py", "plain.py", "x.npy"}
    looked: list[tuple[str, str]] = []
    real = read_log.still_true
    monkeypatch.setattr(read_log, "still_true", lambda seen: looked.append(seen[:2]) or real(seen))
    assert check(capsys, "--format", "json") == first
    assert looked and all(kind != "read" for kind, _ in looked)  # folders listed, no file read


def test_a_file_written_just_before_the_run_is_read_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "src" / "train.py").write_text(FEED)
    first = check(capsys, "--format", "json")
    assert stored_statuses(project) == {}  # changed under SETTLED_NS ago: its time may not have ticked
    looked: list[tuple[str, str]] = []
    real = read_log.still_true
    monkeypatch.setattr(read_log, "still_true", lambda seen: looked.append(seen[:2]) or real(seen))
    assert check(capsys, "--format", "json") == first
    assert ("read", str((project / "src" / "train.py").resolve())) in looked


def test_a_link_led_elsewhere_runs_the_check_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "wrong.py").write_text(FEED)
    (project / "right.py").write_text(FEED.replace("(28, 28)", "(32, 32)"))
    os.symlink(project / "wrong.py", project / "src" / "train.py")
    counted = Counted(monkeypatch)
    assert codes(check(capsys, "--format", "json")[1]) == ["SL103"]
    (project / "src" / "train.py").unlink()
    os.symlink(project / "right.py", project / "src" / "train.py")
    assert codes(check(capsys, "--format", "json")[1]) == []
    assert counted.runs == 2


def test_a_changed_imported_module_runs_the_check_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "src" / "helpers.py").write_text(HELPER_MISMATCH)
    (project / "src" / "train.py").write_text(IMPORTED)
    counted = Counted(monkeypatch)
    assert codes(check(capsys, "--format", "json")[1]) == ["SL103"]
    (project / "src" / "helpers.py").write_text(HELPER_MATCH)
    assert codes(check(capsys, "--format", "json")[1]) == []
    assert counted.runs == 2


def test_a_project_module_appearing_unskips_a_file_the_scan_skipped(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `plain.py` names no library: skipped. Once `helpers.py` exists (at the project root, outside
    # the folder checked), its import may bring a model.
    (project / "src" / "plain.py").write_text("from helpers import model\n\nmodel.fit(1, 2)\nx = (\n")
    counted = Counted(monkeypatch)
    assert check(capsys, "--format", "json")[1].strip() == "[]"
    (project / "helpers.py").write_text(PLAIN)
    assert "SL001" in check(capsys, "--format", "json")[1]  # analysed now: its syntax error shows
    assert counted.runs == 2


def test_other_options_are_another_record(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    counted = Counted(monkeypatch)
    assert codes(check(capsys, "--format", "json")[1]) == ["SL103"]
    assert codes(check(capsys, "--format", "json", "--ignore", "SL103")[1]) == []
    assert check(capsys, "--format", "json", "--untrusted")[1].strip() == "[]"  # no data file read
    assert counted.runs == 3


def test_a_run_with_errors_is_not_replayed(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "src" / "train.py").write_text(FEED)
    (project / "pyproject.toml").write_text("[tool.shapelint\n")  # broken: reported on stderr
    (project / "src" / "latin1.py").write_bytes(b"x = '\xe9'\n")  # not UTF-8: an error result
    counted = Counted(monkeypatch)
    first = check(capsys)
    assert first[0] == 2 and "configuration error" in first[2]
    assert check(capsys) == first
    assert counted.runs == 2


def test_a_damaged_record_is_never_trusted(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "src" / "train.py").write_text(FEED)
    first = check(capsys)
    [record] = (project / ".shapelint_cache").rglob("runs/*.json")
    stored = json.loads(record.read_text())
    stored["observed"][0][3] = 7  # not an outcome
    record.write_text(json.dumps(stored))
    counted = Counted(monkeypatch)
    assert check(capsys) == first
    record.write_bytes(b"\x00garbage")
    assert check(capsys) == first
    assert counted.runs == 2


def test_an_installed_package_changes_the_environment_observations(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    before = check_replay.environment_observations()
    (tmp_path / "keras-2.15.0.dist-info").mkdir()
    assert check_replay.environment_observations() != before


QUIET_RUN = """
import json, sys
from shapelint.cli import main
status = main(sys.argv[1:])
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
raise SystemExit(status)
"""


def modules_of_a_run(project: Path, *args: str) -> set[str]:
    finished = subprocess.run(
        [sys.executable, "-c", QUIET_RUN, "check", "src", "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
        env={**os.environ, "SHAPELINT_CACHE_DIR": str(project / "cache")},
    )
    assert finished.returncode == 1, finished.stderr
    assert "SL103" in finished.stdout
    return set(json.loads(finished.stderr.strip().splitlines()[-1]))


def test_a_replayed_run_imports_neither_the_engine_nor_the_configuration(project: Path) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    first = modules_of_a_run(project)
    assert "libcst" in first and "shapelint.engine" in first
    replayed = modules_of_a_run(project)
    for heavy in ("libcst", "shapelint.engine", "shapelint.config", "shapelint.output", "dataclasses", "typing"):
        assert heavy not in replayed


def test_a_run_served_by_the_per_file_cache_imports_no_engine(project: Path) -> None:
    npy(project / "data" / "x.npy", (100, 32, 32))
    (project / "src" / "train.py").write_text(FEED)
    modules_of_a_run(project)
    (project / "src" / "plain.py").write_text(PLAIN)  # a new file: no replay, the others from the cache
    served = modules_of_a_run(project)
    assert "shapelint.check_pool" in served  # not replayed
    assert "libcst" not in served and "shapelint.engine" not in served


def test_the_parser_formats_are_the_formatters() -> None:
    from shapelint import output

    assert FORMATS == output.FORMATS


def test_files_naming_no_library_are_never_parsed(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shapelint.engine

    parsed: list[str] = []
    real = shapelint.engine.parse_program

    def counted(texts, *args: object, **kwargs: object):
        parsed.extend(texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(shapelint.engine, "parse_program", counted)
    (project / "src" / "train.py").write_text(FEED)
    for index in range(3):
        (project / "src" / f"util_{index}.py").write_text(PLAIN)
    (project / "src" / "setup.py").write_text("import setuptools\n\nsetuptools.setup(name='x')\n")
    check(capsys, "--no-cache")
    assert parsed == [FEED]


def test_the_cache_folder_appearing_in_the_checked_folder_keeps_the_replay(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `shapelint check .` at the project root: the first run creates .shapelint_cache there; files
    # the discovery ignores (a README, a build folder) change nothing either.
    (project / "src" / "train.py").write_text(FEED)
    counted = Counted(monkeypatch)
    first = main(["check", "."])
    assert (project / ".shapelint_cache").is_dir()
    (project / "README.md").write_text("# project\n")
    (project / "build").mkdir()
    (project / "build" / "generated.py").write_text(FEED)
    assert main(["check", "."]) == first
    assert counted.runs == 1
