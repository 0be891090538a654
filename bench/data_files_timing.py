"""What reading data files costs an analysis: a fixture that loads .npy, .npz and CSV files.

    python bench/data_files_timing.py [--repetitions 20]

Prints one JSON object of wall-clock seconds (medians, and the first analysis of the process):
- `first`: the first `analyze` in this process (parse, overlays imported, files read);
- `cold_files`: parse cache warm, data-file caches empty (every header and first lines read and
  parsed again);
- `warm`: both caches warm, as on a keystroke that leaves the data files unchanged;
- `keystroke`: a one-character edit of the last line, data files unchanged;
- `no_files`: the same program analysed without a path (nothing can be read), for reference.
`disk_reads_per_warm_analysis` must be 0: an unchanged file is never read twice.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from shapelint import workspace
from shapelint.data_headers import parse_npy_header
from shapelint.engine import analyze, forget_texts
from shapelint.knowledge import data_files, pandas

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "correct"
PROGRAM = """\
import os
import numpy as np
import pandas as pd
from tensorflow import keras
from tensorflow.keras import layers

images = np.load("data/digits_x.npy")[..., np.newaxis]
labels = np.load("data/digits_y.npy")
with np.load(os.path.join("data", "digits.npz")) as archive:
    x_train = archive["x_train"]
table = np.loadtxt("data/pima.csv", delimiter=",")
frame = pd.read_csv("data/iris.csv")
one_hot = pd.get_dummies(frame.pop("species")).values
features = frame.values

inputs = keras.Input(shape=images.shape[1:])
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(images, labels, epochs=1)
"""


def _seconds(function: object) -> float:
    started = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=20)
    arguments = parser.parse_args()
    path, root = str(FIXTURES / "bench_data_files.py"), str(FIXTURES)

    def run(text: str = PROGRAM, where: str | None = path) -> object:
        return analyze(text, path=where, root=root if where else None)

    first = _seconds(run)
    cold_files, warm, keystroke, no_files = [], [], [], []
    reads = []
    for repetition in range(arguments.repetitions):
        workspace._heads = workspace._Cache(256)  # forget every data file read, and what was parsed of it
        for parser in (parse_npy_header, data_files._table_summary, pandas._csv_frame):
            parser.cache_clear()
        cold_files.append(_seconds(run))
        before = workspace.disk_reads()
        warm.append(_seconds(run))
        reads.append(workspace.disk_reads() - before)
        edited = PROGRAM.replace("epochs=1", f"epochs={repetition + 2}")
        keystroke.append(_seconds(lambda text=edited: run(text)))
        no_files.append(_seconds(lambda: run(PROGRAM, None)))
    forget_texts()
    print(
        json.dumps(
            {
                "first": round(first, 4),
                "cold_files": round(statistics.median(cold_files), 4),
                "warm": round(statistics.median(warm), 4),
                "keystroke": round(statistics.median(keystroke), 4),
                "no_files": round(statistics.median(no_files), 4),
                "disk_reads_per_warm_analysis": max(reads),
                "repetitions": arguments.repetitions,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
