"""Nothing in the user's folders may shadow shapelint's imports.

A folder with a `keras.py`, `tensorflow.py`, `numpy.py`, `pygls.py`, `libcst.py`,
`lsprotocol/` or `shapelint/` that writes a marker file when imported: the confirmation
worker and the language server are started with that folder as the current directory
(the way the CLI and editors used to start them) or as the workspace, and the marker
must never appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shapelint.confirm import ConfirmClient
from shapelint.confirm.launch import NEUTRAL_DIRECTORY, PACKAGE_PARENT, worker_launch

PLANTED_MODULES = ("keras", "tensorflow", "numpy", "pygls", "libcst", "lsprotocol")


def plant(folder: Path) -> Path:
    """Fill `folder` with look-alike modules that leave a marker file when imported."""
    markers = folder / "markers"
    markers.mkdir()

    def module(relative: str, name: str) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(markers / name)!r}, 'w').close()\n", encoding="utf-8")

    for name in PLANTED_MODULES:
        module(f"{name}.py" if name != "lsprotocol" else "lsprotocol/__init__.py", name)
    module("shapelint/__init__.py", "shapelint")
    module("shapelint/__main__.py", "shapelint-main")
    module("shapelint/confirm/__init__.py", "shapelint-confirm")
    module("shapelint/confirm/worker.py", "shapelint-worker")
    return markers


def markers_in(markers: Path) -> list[str]:
    return sorted(path.name for path in markers.iterdir())


# -- the confirmation worker -------------------------------------------------------------


def test_worker_launch_is_isolated_from_the_current_directory(tmp_path: Path) -> None:
    outside = tmp_path / "site"
    launch = worker_launch(
        sys.executable,
        environ={"PYTHONPATH": os.pathsep.join([".", "src", str(outside)]), "TF_ENABLE_ONEDNN_OPTS": "0"},
        parent_path=["", str(tmp_path), str(tmp_path / "src"), "relative/dir", str(outside), *sys.path[1:]],
        cwd=str(tmp_path),
    )
    assert launch.command[:2] == (sys.executable, "-I")
    assert launch.command[-1] == "shapelint.confirm.worker"
    assert launch.cwd == str(NEUTRAL_DIRECTORY) != str(tmp_path)
    assert launch.import_path[0] == str(PACKAGE_PARENT)
    # The current directory and what relative PYTHONPATH entries made of it are gone;
    # an absolute PYTHONPATH entry set by the user stays.
    assert str(tmp_path) not in launch.import_path
    assert str(tmp_path / "src") not in launch.import_path
    assert "" not in launch.import_path and "relative/dir" not in launch.import_path
    assert str(outside) in launch.import_path
    assert json.loads(launch.command[4]) == list(launch.import_path)
    assert launch.env["TF_ENABLE_ONEDNN_OPTS"] == "1"


def test_a_planted_shapelint_package_is_not_the_worker_that_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markers = plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    # As if shapelint had been started with `python -m` from this folder.
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    monkeypatch.setenv("PYTHONPATH", ".")
    client = ConfirmClient(
        extra_env={"SHAPELINT_CONFIRM_TEST_OPS": "1", "SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW": "1"},
        startup_timeout=60,
    )
    client._tensorflow_missing = False
    try:
        client.start()
        assert client.call({"op": "ping"}, timeout=30).get("op") != "error"
        pid = client.worker_pid
        assert pid is not None
        assert os.readlink(f"/proc/{pid}/cwd") == str(NEUTRAL_DIRECTORY)
    finally:
        client.close()
    assert markers_in(markers) == []


@pytest.mark.tensorflow
def test_planted_tensorflow_keras_and_numpy_are_not_imported_by_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markers = plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    with ConfirmClient(startup_timeout=180) as client:
        info = client.start()
    assert info.tf_version
    assert markers_in(markers) == []


# -- the language server -----------------------------------------------------------------


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


def _initialize(command: list[str], cwd: Path, env: dict[str, str], root: Path) -> dict[str, object]:
    """Start the server, send `initialize`, return its answer, then shut it down."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        params = {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}
        process.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            header = process.stdout.readline()
            if not header:
                break
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
                while process.stdout.readline().strip():  # other headers, up to the blank line
                    pass
                message = json.loads(process.stdout.read(length))
                if message.get("id") == 1:
                    return message
        stderr = process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
        pytest.fail(f"no answer to initialize: {stderr}")
    finally:
        process.kill()
        process.wait(timeout=10)


def _server_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env.update(extra)
    return env


def test_server_started_from_a_planted_folder_imports_its_real_dependencies(tmp_path: Path) -> None:
    markers = plant(tmp_path)
    # Remove the planted shapelint: started *from* the folder, `python -m shapelint` can only
    # protect what it imports after itself (the editors start it elsewhere, next test).
    for path in sorted((tmp_path / "shapelint").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (tmp_path / "shapelint").rmdir()
    answer = _initialize([sys.executable, "-m", "shapelint", "server"], tmp_path, _server_env(), tmp_path)
    assert answer["result"]["serverInfo"]["name"] == "shapelint"  # type: ignore[index]
    assert markers_in(markers) == []


def test_server_started_the_way_the_vscode_client_starts_it(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    markers = plant(workspace)
    neutral = tmp_path / "neutral"
    neutral.mkdir(mode=0o700)
    # client/src/isolation.ts: a private empty cwd, PYTHONSAFEPATH=1, the workspace as rootUri.
    env = _server_env(PYTHONSAFEPATH="1", PYTHONUNBUFFERED="1")
    answer = _initialize([sys.executable, "-m", "shapelint", "server"], neutral, env, workspace)
    assert answer["result"]["serverInfo"]["name"] == "shapelint"  # type: ignore[index]
    assert markers_in(markers) == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="PYTHONSAFEPATH needs Python 3.11")
def test_pythonsafepath_protects_even_a_server_started_in_the_planted_folder(tmp_path: Path) -> None:
    markers = plant(tmp_path)
    answer = _initialize(
        [sys.executable, "-m", "shapelint", "server"], tmp_path, _server_env(PYTHONSAFEPATH="1"), tmp_path
    )
    assert answer["result"]["serverInfo"]["name"] == "shapelint"  # type: ignore[index]
    assert markers_in(markers) == []
