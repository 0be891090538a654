"""The workspace reader: the only way the engine reads data files, and the limits it keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shapelint.workspace import MAX_HEAD_BYTES, DirectoryEntry, Workspace, disk_reads, is_inside


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a,b,c\n1,2,3\n")
    (tmp_path / "images" / "cats").mkdir(parents=True)
    (tmp_path / "images" / "dogs").mkdir()
    (tmp_path / "images" / "labels.txt").write_text("cats\ndogs\n")
    (tmp_path / "train.py").write_text("import numpy as np\n")
    return tmp_path


def test_relative_paths_resolve_against_the_document_folder(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project))
    located = workspace.locate("data/x.csv")
    assert located == os.path.realpath(project / "data" / "x.csv")
    assert workspace.read_head(located, 6) == b"a,b,c\n"


def test_relative_paths_fall_back_to_the_root(project: Path) -> None:
    (project / "src").mkdir()
    workspace = Workspace(str(project / "src" / "train.py"), str(project))
    assert workspace.locate("data/x.csv") == os.path.realpath(project / "data" / "x.csv")


def test_nothing_is_read_in_an_untrusted_workspace(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project), trusted=False)
    assert workspace.locate("data/x.csv") is None
    assert workspace.read_head(str(project / "data" / "x.csv"), 10) is None
    assert workspace.list_directory(str(project / "images")) is None


def test_nothing_is_read_for_a_buffer_without_a_path(project: Path) -> None:
    assert Workspace(None, str(project)).locate(str(project / "data" / "x.csv")) is None


def test_files_outside_the_root_are_refused(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("s,e,c,r,e,t\n")
    (project / "data" / "link.csv").symlink_to(outside)
    workspace = Workspace(str(project / "train.py"), str(project))
    assert workspace.locate(str(outside)) is None
    assert workspace.locate("data/link.csv") is None  # a link may not lead out either
    assert workspace.locate("../" + outside.parent.name + "/secret.csv") is None
    assert workspace.read_head(str(outside), 10) is None


def test_without_a_root_only_the_document_folder_is_readable(project: Path) -> None:
    workspace = Workspace(str(project / "data" / "script.py"))
    assert workspace.locate("x.csv") is not None
    assert workspace.locate("../train.py") is None


def test_fifos_are_never_opened(project: Path) -> None:
    os.mkfifo(project / "data" / "pipe.csv")
    workspace = Workspace(str(project / "train.py"), str(project))
    assert workspace.locate("data/pipe.csv") is None
    assert workspace.read_head(str(project / "data" / "pipe.csv"), 10) is None


def test_reads_are_bounded(project: Path) -> None:
    big = project / "data" / "big.bin"
    big.write_bytes(b"x" * (MAX_HEAD_BYTES + 10))
    workspace = Workspace(str(project / "train.py"), str(project))
    assert len(workspace.read_head(workspace.locate("data/big.bin"), 10**9) or b"") == MAX_HEAD_BYTES


def test_a_changed_file_is_read_again(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project))
    located = workspace.locate("data/x.csv")
    assert workspace.read_head(located, 100) == b"a,b,c\n1,2,3\n"
    (project / "data" / "x.csv").write_text("a,b\n1,2\n3,4\n")
    assert workspace.read_head(located, 100) == b"a,b\n1,2\n3,4\n"


def test_directory_listing_names_folders(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project))
    assert workspace.list_directory(workspace.locate("images")) == (
        DirectoryEntry("cats", True),
        DirectoryEntry("dogs", True),
        DirectoryEntry("labels.txt", False),
    )
    assert workspace.list_directory(workspace.locate("data/x.csv")) is None


def test_ranges_are_read_from_an_offset_or_from_the_end(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project))
    located = workspace.locate("data/x.csv")
    assert workspace.read_range(located, 2, 3) == b"b,c"
    assert workspace.read_range(located, -4, 100) == b"2,3\n"
    assert workspace.read_range(located, -100, 6) == b"a,b,c\n"  # a tail longer than the file: from its start
    assert workspace.read_range(located, 1000, 10) is None  # past the end
    assert workspace.size(located) == 12


def test_ranges_keep_the_same_rules(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.bin"
    outside.write_bytes(b"secret")
    os.mkfifo(project / "data" / "pipe.npz")
    workspace = Workspace(str(project / "train.py"), str(project))
    assert workspace.read_range(str(outside), -3, 3) is None
    assert workspace.size(str(outside)) is None
    assert workspace.read_range(str(project / "data" / "pipe.npz"), -3, 3) is None
    assert workspace.size(str(project / "data" / "pipe.npz")) is None
    untrusted = Workspace(str(project / "train.py"), str(project), trusted=False)
    assert untrusted.read_range(str(project / "data" / "x.csv"), 0, 3) is None
    assert untrusted.size(str(project / "data" / "x.csv")) is None
    big = project / "data" / "big.bin"
    big.write_bytes(b"y" * (MAX_HEAD_BYTES + 10))
    assert len(workspace.read_range(str(big), 5, 10**9) or b"") == MAX_HEAD_BYTES


def test_a_second_read_of_an_unchanged_file_comes_from_the_cache(project: Path) -> None:
    workspace = Workspace(str(project / "train.py"), str(project))
    located = workspace.locate("data/x.csv")
    workspace.read_range(located, -3, 3)
    before = disk_reads()
    assert workspace.read_range(located, -3, 3) == b",3\n"
    assert disk_reads() == before


def test_is_inside_takes_the_folder_itself_and_what_lies_below_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert is_inside(project, project) and is_inside(project / "data" / "x.npy", project)
    assert is_inside(str(project / "a.py"), str(project) + os.sep)  # a trailing separator is the same folder
    assert not is_inside(tmp_path / "project-old" / "a.py", project)  # a shared prefix is not a parent
    assert not is_inside(tmp_path, project)
    assert not is_inside("project/a.py", project)  # relative beside absolute: never inside


def test_is_inside_compares_real_paths_as_given(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(outside)
    assert is_inside(project / "link" / "secret", project)  # as written, below the project...
    assert not is_inside((project / "link" / "secret").resolve(), project.resolve())  # ...really, outside
