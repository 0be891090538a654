"""Which files `shapelint check` skips unparsed: only those that can have no finding."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from shapelint.check_pool import CheckOptions, check_files
from shapelint.config import Config
from shapelint.import_scan import SHAPE_LIBRARIES, can_skip
from shapelint.knowledge import registry
from shapelint.project_modules import MODULE_CACHE


def notebook(*cells: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": cell.splitlines(True)} for cell in cells]})


@pytest.mark.parametrize(
    "text",
    [
        "print('hello')\n",
        "import os\nimport json, re\nfrom collections import OrderedDict\n",
        "import requests\nfrom flask import Flask\n",  # no such module in the project: a library
        "def f(x):\n    return x * 2\n",
        "x = 'numpyish'\n",
        "",
    ],
    ids=["no-import", "stdlib", "other-libraries", "functions", "word-inside-another", "empty"],
)
def test_files_that_name_no_known_library_are_skipped(tmp_path: Path, text: str) -> None:
    assert can_skip(text, False, [str(tmp_path)])


@pytest.mark.parametrize(
    "text",
    [
        "from tensorflow import keras\n",
        "import keras.layers\n",
        "import tensorflow as tf\n",
        "import numpy as np\n",
        "import tf_keras\n",
        "import pandas as pd\n",
        "from PIL import Image\n",
        "def f():\n    import numpy\n",
        "# uses numpy arrays\n",  # conservative: a mention keeps the file checked
        "from . import model\n",
        "from .model import build\n",
        "from \\\n    .model import build\n",
        "m = __import__('keras')\n",
    ],
)
def test_files_that_name_a_known_library_or_a_relative_module_are_checked(tmp_path: Path, text: str) -> None:
    assert not can_skip(text, False, [str(tmp_path)])


@pytest.mark.parametrize("module", ["helpers.py", "helpers"], ids=["module", "package"])
def test_a_file_importing_a_project_module_is_checked(tmp_path: Path, module: str) -> None:
    target = tmp_path / "src" / module
    target.parent.mkdir()
    if module.endswith(".py"):
        target.write_text("")
    else:
        target.mkdir()
    for text in ("from helpers import build\n", "import os, helpers\n", "import os, \\\n    helpers\n"):
        assert not can_skip(text, False, [str(tmp_path / "src")]), text
        assert not can_skip(text, False, [str(tmp_path), str(tmp_path / "src")]), text  # found at the root
        assert can_skip(text, False, [str(tmp_path)]), text  # elsewhere: not this project's


def test_notebooks_are_scanned_by_their_cells(tmp_path: Path) -> None:
    assert can_skip(notebook("print(1)", "x = [1, 2]"), True, [str(tmp_path)])
    assert not can_skip(notebook("print(1)", "import tensorflow as tf"), True, [str(tmp_path)])
    assert not can_skip(notebook("from tensorflow\\\nimport keras"), True, [str(tmp_path)])
    assert not can_skip("{not json", True, [str(tmp_path)])  # analysed, which says why it is broken
    assert not can_skip(json.dumps({"cells": [{"cell_type": "code", "source": [1]}]}), True, [str(tmp_path)])


def test_every_library_the_knowledge_registry_knows_is_scanned_for() -> None:
    known = registry.registered_names()
    heads = {name.split(".", 1)[0] for name in [*known["functions"], *known["prefixes"]]}
    outside_the_standard_library = heads - set(sys.stdlib_module_names) - {"builtins"}
    assert outside_the_standard_library <= set(SHAPE_LIBRARIES)


KERAS_MAIN = """\
import numpy as np
from tensorflow import keras
from settings import IMAGE_SIZE

x = np.zeros((100, 28, 28))
model = keras.Sequential([keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)), keras.layers.Flatten(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, np.zeros((100, 1)))
"""

NO_LIBRARY_MAIN = """\
from builder import build, load

model = build()
model.fit(load(), None)
"""

BUILDER = """\
import numpy as np
from tensorflow import keras

def build():
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model

def load():
    return np.zeros((100, 32, 32))
"""


def run(paths: list[Path], skip: bool) -> tuple[list[list[str]], CheckOptions]:
    MODULE_CACHE.clear()
    options = CheckOptions(jobs=1, skip=skip)
    results = [checked.result for checked in check_files(paths, Config(), {}, options)]
    return [[d.code for d in result.diagnostics] for result in results], options


def test_a_helper_without_libraries_is_skipped_as_a_file_but_read_by_its_importer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.py").write_text("IMAGE_SIZE = 32\n")
    (tmp_path / "train.py").write_text(KERAS_MAIN)
    paths = [tmp_path / "settings.py", tmp_path / "train.py"]
    found, options = run(paths, skip=True)
    assert found == [[], ["SL103"]] and options.skipped == 1
    assert run(paths, skip=False)[0] == found


def test_a_file_without_libraries_that_imports_a_project_module_is_not_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "builder.py").write_text(BUILDER)
    (tmp_path / "main.py").write_text(NO_LIBRARY_MAIN)
    found, options = run([tmp_path / "main.py"], skip=True)
    assert found == run([tmp_path / "main.py"], skip=False)[0] == [["SL103"]]  # the model comes from builder
    assert options.skipped == 0
