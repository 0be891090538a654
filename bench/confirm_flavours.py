"""Start-up and first answer of each confirmation worker flavour: Keras 3, and Keras 2 (tf-keras).

    python bench/confirm_flavours.py [--repeat 3]

Needs TensorFlow and tf-keras (`scripts/install.sh --tests`). Per flavour and start: the
worker's own import time (TensorFlow and its Keras), the wall time until it is ready, the
first confirmation of a small LSTM model, and the worker's peak RSS.
"""

from __future__ import annotations

import argparse
import statistics
import time

from shapelint.confirm import ConfirmClient, InputSpec, LayerNode, ModelDescription
from shapelint.confirm.description import ArraySpec, Feed


def _lstm(keras_major: int) -> ModelDescription:
    return ModelDescription(
        keras_major=keras_major,
        kind="functional",
        inputs=(InputSpec("a", (50, 1)),),
        layers=(
            LayerNode("lstm", "keras.layers.LSTM", (32,), (), ("input:a",)),
            LayerNode("out", "keras.layers.Dense", (1,), (), ("lstm",)),
        ),
        outputs=("out",),
        loss="mse",
        feeds=(Feed("fit", (ArraySpec((1000, 50, 1), "float64"),), (ArraySpec((1000, 1), "float64"),)),),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for major in (3, 2):
        imports, ready, first, peaks = [], [], [], []
        for _ in range(args.repeat):
            with ConfirmClient(keras_major=major) as client:
                started = time.perf_counter()
                info = client.start()
                ready.append(time.perf_counter() - started)
                imports.append(info.import_seconds)
                started = time.perf_counter()
                answer = client.confirm(_lstm(major))
                first.append(time.perf_counter() - started)
                assert answer.status == "no-error", answer.error
                peaks.append((client.worker_peak_rss() or 0) / 1024**2)
        print(
            f"Keras {major} ({info.keras_version}): import {statistics.median(imports):.1f} s, "
            f"ready {statistics.median(ready):.1f} s, first confirmation {statistics.median(first):.2f} s, "
            f"peak RSS {statistics.median(peaks):.0f} MB (median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
