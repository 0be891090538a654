"""Confirmation latency and memory: TensorFlow cold start, warm confirmation, cache hit, worker RSS.

    python bench/confirm_latency.py [--repeat 5]

Needs TensorFlow (pip install 'shapelint[confirm]'). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

from shapelint.confirm import ENABLE_MESSAGE, ConfirmClient, ModelDescription, tensorflow_available
from shapelint.confirm.process import resident_bytes


def _layer(node_id: str, name: str, *args: Any, inputs: tuple[str, ...] = (), **kwargs: Any) -> dict[str, Any]:
    return {"id": node_id, "class_name": f"keras.layers.{name}", "args": list(args), "kwargs": kwargs,
            "inputs": list(inputs), "call_kwargs": {}}  # fmt: skip


def _fit(x: list[int], y: list[int] | None, x_dtype: str = "float64", y_dtype: str = "float64") -> dict[str, Any]:
    return {
        "method": "fit",
        "x": [{"shape": x, "dtype": x_dtype}],
        "y": [] if y is None else [{"shape": y, "dtype": y_dtype}],
    }


DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "lstm (seed 1)": {
        "keras_major": 3, "kind": "functional",
        "inputs": [{"name": "a", "shape": [50, 1]}],
        "layers": [_layer("lstm", "LSTM", 32, inputs=("input:a",)),
                   _layer("out", "Dense", 1, inputs=("lstm",))],
        "outputs": ["out"], "loss": "mse", "feeds": [_fit([1000, 50, 1], [1000, 1])],
    },
    "conv (seed 2)": {
        "keras_major": 3, "kind": "functional",
        "inputs": [{"name": "img", "shape": [64, 64, 3]}],
        "layers": [
            _layer("conv", "Conv2D", 32, [3, 3], inputs=("input:img",), activation="relu"),
            _layer("flat", "Flatten", inputs=("conv",)),
            _layer("out", "Dense", 10, inputs=("flat",), activation="softmax"),
        ],
        "outputs": ["out"], "loss": "categorical_crossentropy",
        "feeds": [_fit([1000, 64, 64, 3], [1000, 10], "uint8", "float32")],
    },
    "two inputs (seed 3)": {
        "keras_major": 3, "kind": "functional",
        "inputs": [{"name": "d", "shape": [5]}, {"name": "r", "shape": [3]}],
        "layers": [
            _layer("cat", "Concatenate", inputs=("input:d", "input:r")),
            _layer("hidden", "Dense", 16, inputs=("cat",), activation="relu"),
            _layer("out", "Dense", 1, inputs=("hidden",), activation="sigmoid"),
        ],
        "outputs": ["out"], "loss": "binary_crossentropy",
        "feeds": [{"method": "fit",
                   "x": [{"shape": [1000, 5], "dtype": "float64"}, {"shape": [1000, 3], "dtype": "float64"}],
                   "y": [{"shape": [1000, 1], "dtype": "float64"}]}],
    },
    "mnist cnn, batch-axis mistake": {
        "keras_major": 3, "kind": "sequential",
        "inputs": [{"name": "x", "shape": [60000, 28, 28]}],
        "layers": [_layer("conv", "Conv2D", 32, 3), _layer("pool", "MaxPooling2D"), _layer("flat", "Flatten"),
                   _layer("out", "Dense", 10, activation="softmax")],
        "loss": "sparse_categorical_crossentropy",
        "feeds": [_fit([60000, 28, 28], [60000], "uint8", "uint8")],
    },
    "mobilenetv2 transfer": {
        "keras_major": 3, "kind": "sequential", "inputs": [],
        "layers": [
            {"id": "base", "class_name": "keras.applications.MobileNetV2", "args": [],
             "kwargs": {"include_top": False, "input_shape": [160, 160, 3]}},
            _layer("pool", "GlobalAveragePooling2D"), _layer("out", "Dense", 5),
        ],
        "loss": "sparse_categorical_crossentropy",
        "feeds": [_fit([500, 160, 160, 3], [500], "float32", "int64")],
    },
}  # fmt: skip


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process: unlike wall time, not inflated by a busy machine."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="uncached confirmations per description")
    arguments = parser.parse_args()
    if not tensorflow_available():
        print(ENABLE_MESSAGE, file=sys.stderr)
        return 2
    descriptions = {name: ModelDescription.from_dict(data) for name, data in DESCRIPTIONS.items()}
    with ConfirmClient() as client:
        started = time.perf_counter()
        info = client.start()
        cold = time.perf_counter() - started
        print(
            f"TensorFlow cold start: {cold:.2f} s to a ready worker ({info.import_seconds:.2f} s of it "
            f"importing TensorFlow {info.tf_version}, Keras {info.keras_version})"
        )
        pid = client.worker_pid
        assert pid is not None
        warm: list[float] = []
        warm_cpu: list[float] = []
        for name, description in descriptions.items():
            timings = []
            cpu = []
            for _ in range(arguments.repeat):
                client.cache.clear_memory()
                before = _cpu_seconds(pid)
                confirmation = client.confirm(description)
                timings.append(confirmation.elapsed_seconds)
                # Includes the worker's garbage collection right after it answers.
                time.sleep(0.3)
                cpu.append(_cpu_seconds(pid) - before)
            warm.extend(timings[1:])  # the first build of a kind warms Keras's own caches
            warm_cpu.extend(cpu[1:])
            median, median_cpu = statistics.median(timings), statistics.median(cpu)
            print(
                f"  {name}: {confirmation.status}, first {_ms(timings[0])}, median {_ms(median)}"
                f" (worker CPU {_ms(median_cpu)})"
            )
        print(
            f"warm confirmation median: {_ms(statistics.median(warm))} wall, "
            f"{_ms(statistics.median(warm_cpu))} worker CPU, over {len(warm)} runs"
        )
        hits = []
        for description in descriptions.values():
            for _ in range(20):
                hits.append(client.confirm(description).elapsed_seconds)
        print(f"cache hit median: {statistics.median(hits) * 1e6:,.0f} us over {len(hits)} lookups")
        with open("/proc/loadavg", encoding="ascii") as load:
            print(f"machine load average while measuring: {load.read().split()[0]} on {os.cpu_count()} cores")
        peak = resident_bytes(pid, "VmHWM") or 0
        now = resident_bytes(pid, "VmRSS") or 0
        virtual = resident_bytes(pid, "VmPeak") or 0
        print(f"worker memory: peak RSS {peak / 2**20:,.0f} MiB, RSS now {now / 2**20:,.0f} MiB, "
              f"peak virtual size {virtual / 2**20:,.0f} MiB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
