"""The keystroke cost of importing the project's own modules.

    python bench/project_modules_timing.py [--module-lines 2000] [--edits 30]

A temporary workspace holds `helpers.py` (generated data helpers and constants, about
`--module-lines` lines) and `train.py`, which imports three of its helpers and feeds a model.
Prints one JSON object of median milliseconds:
- `edit_with_import`: `analyze(train.py)` after a one-character edit in train.py, the module
  already analysed (what the language server does on each keystroke in the importer);
- `edit_without_import`: the same edits in the same program with the helpers defined in the
  file itself instead of imported (the reference: no module to look up);
- `module_edit`: `analyze(train.py)` after an edit of helpers.py's open buffer (the module is
  interpreted again, once);
- `first_analysis`: the importer's first analysis (helpers.py read, parsed and interpreted).
and `interpreted_per_importer_edit`: how many times the module was interpreted during the
importer's edits (0: never re-parsed on a keystroke).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.project_modules import MODULE_CACHE

CONFIG = Config(keras_version=3)
TRAIN = """\
import keras
from keras import layers
{imports}

(x_train, y_train), (x_test, y_test) = load_split(0)
x_train = normalize(x_train)
x_test = normalize(x_test)
model = keras.Sequential([keras.Input(shape=INPUT_SHAPE), layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train, epochs=1)
value = 0
"""


def helpers_module(lines: int) -> str:
    """A data-helpers module of about `lines` lines: constants, loaders, transforms."""
    parts = ["import numpy as np", "", "IMG_SIZE = 28", "INPUT_SHAPE = (IMG_SIZE, IMG_SIZE, 1)", ""]
    index = 0
    while len("\n".join(parts).splitlines()) < lines:
        parts += [
            f"def load_split_{index}(index=0, n={100 + index}):",
            "    x = np.zeros((n, IMG_SIZE, IMG_SIZE, 1), dtype='float32')",
            "    y = np.zeros((n,), dtype='int64')",
            "    cut = n - n // 5",
            "    return (x[:cut], y[:cut]), (x[cut:], y[cut:])",
            "",
            f"def normalize_{index}(x, scale=255.0):",
            "    return (x - x.mean()) / scale",
            "",
            f"CONSTANT_{index} = ({index}, {index + 1})",
            "",
        ]
        index += 1
    parts += ["def load_split(index=0, n=100):", "    return load_split_0(index, n)", ""]
    parts += ["def normalize(x):", "    return x / 255.0", ""]
    return "\n".join(parts) + "\n"


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def edits(text: str, count: int) -> list[str]:
    """The importer after each of `count` keystrokes typed at its end (`value = 0` -> `value = 01`...)."""
    return [text.rstrip("\n") + str(i % 10) * (i + 1) + "\n" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--module-lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=30)
    options = parser.parse_args()
    module_text = helpers_module(options.module_lines)
    with tempfile.TemporaryDirectory(prefix="shapelint-modules-") as folder:
        root = Path(folder)
        (root / "helpers.py").write_text(module_text)
        train_path = str(root / "train.py")
        imported = TRAIN.format(imports="from helpers import load_split, normalize, INPUT_SHAPE")
        inline = TRAIN.format(imports=module_text)
        (root / "train.py").write_text(imported)

        MODULE_CACHE.clear()
        started = time.perf_counter()
        first = analyze(imported, CONFIG, path=train_path, root=folder)
        first_analysis = time.perf_counter() - started
        assert not first.facts.internal_errors, first.facts.internal_errors
        assert first.facts.module_names["x_train"].describe().startswith("ndarray (80, 28, 28, 1)")

        before = MODULE_CACHE.interpreted
        with_import = []
        for text in edits(imported, options.edits):
            started = time.perf_counter()
            analyze(text, CONFIG, path=train_path, root=folder)
            with_import.append(time.perf_counter() - started)
        interpreted = MODULE_CACHE.interpreted - before

        analyze(inline, CONFIG, path=train_path, root=folder)
        without_import = []
        for text in edits(inline, options.edits):
            started = time.perf_counter()
            analyze(text, CONFIG, path=train_path, root=folder)
            without_import.append(time.perf_counter() - started)

        module_edit = []
        real = os.path.realpath(root / "helpers.py")
        for index, text in enumerate(edits(module_text, options.edits)):
            buffers = {real: text.replace("IMG_SIZE = 28", f"IMG_SIZE = {28 + index % 3}")}
            started = time.perf_counter()
            analyze(imported, CONFIG, path=train_path, root=folder, open_files=buffers)
            module_edit.append(time.perf_counter() - started)

    print(
        json.dumps(
            {
                "module_lines": len(module_text.splitlines()),
                "first_analysis": round(first_analysis * 1000, 2),
                "edit_with_import": median_ms(with_import),
                "edit_without_import": median_ms(without_import),
                "module_edit": median_ms(module_edit),
                "interpreted_per_importer_edit": interpreted / options.edits,
            }
        )
    )


if __name__ == "__main__":
    main()
