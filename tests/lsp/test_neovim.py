"""A real editor: headless Neovim (Debian's package) opens a buggy file with the server attached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lsp_support import SERVER_COMMAND, server_environment

pytestmark = pytest.mark.editor

SCRIPT = Path(__file__).with_name("neovim_check.lua")
BUGGY = """\
import numpy as np
import keras
from keras import layers

x_train = np.random.rand(1000, 50, 1)
y_train = np.random.rand(1000, 1)

inputs = keras.Input(shape=x_train.shape)
hidden = layers.LSTM(16)(inputs)
outputs = layers.Dense(1)(hidden)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, epochs=3)
"""


def neovim() -> str:
    found = shutil.which("nvim")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nvim is missing in CI: run scripts/ci/neovim.sh first")
        pytest.skip("nvim is not installed (scripts/ci/neovim.sh installs it)")
    return found


def test_neovim_shows_the_diagnostic_and_hover(tmp_path: Path) -> None:
    nvim = neovim()
    source = tmp_path / "train.py"
    source.write_text(BUGGY)
    result = tmp_path / "result.json"
    env = server_environment(
        SHAPELINT_NVIM_FILE=str(source),
        SHAPELINT_NVIM_RESULT=str(result),
        SHAPELINT_NVIM_SERVER=json.dumps(SERVER_COMMAND),
        HOME=str(tmp_path),  # no user configuration, no shada from the machine
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    completed = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(SCRIPT)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.exists(), f"Neovim wrote no result (exit {completed.returncode}): {completed.stderr[-2000:]}"
    seen = json.loads(result.read_text())
    assert completed.returncode == 0, seen
    (diagnostic,) = seen["diagnostics"]
    assert diagnostic["code"] == "SL101"
    assert diagnostic["source"] == "shapelint"
    assert diagnostic["lnum"] == BUGGY.splitlines().index("inputs = keras.Input(shape=x_train.shape)")
    assert "(1000, 50, 1)" in diagnostic["message"]
    assert seen["hover"] and "SL101" in seen["hover"]
