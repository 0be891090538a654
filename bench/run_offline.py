"""Run a Keras script as `python script.py` would, with the dataset downloads answered locally.

    python bench/run_offline.py SCRIPT.py

The benchmark machine has no route to the dataset mirrors, so `keras.datasets.*.load_data()`
returns zero arrays of the real shapes and dtypes instead of downloading. Everything else
(the import of TensorFlow, building the model, `fit`) runs unchanged, so the time to the
shape error is what a user waits for, minus the download.
"""

from __future__ import annotations

import runpy
import sys
from typing import Any

# (train images, train labels, test images, test labels) per dataset, as keras returns them.
_DATASETS: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {
    "mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,)),
    "fashion_mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,)),
    "cifar10": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1)),
    "cifar100": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1)),
}


def _offline_loader(shapes: tuple[tuple[int, ...], ...]) -> Any:
    import numpy as np

    def load_data(*args: Any, **kwargs: Any) -> Any:
        x_train, y_train, x_test, y_test = (np.zeros(shape, dtype=np.uint8) for shape in shapes)
        return (x_train, y_train), (x_test, y_test)

    return load_data


def patch_datasets() -> None:
    """Point every public path to keras.datasets.<name>.load_data at the offline loader."""
    import importlib

    for name, shapes in _DATASETS.items():
        loader = _offline_loader(shapes)
        for module_name in (
            f"keras.datasets.{name}",
            f"keras.src.datasets.{name}",
            f"keras._tf_keras.keras.datasets.{name}",
        ):
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            module.load_data = loader  # type: ignore[attr-defined]


def main() -> None:
    script = sys.argv[1]
    with open(script, encoding="utf-8") as handle:
        uses_datasets = "load_data" in handle.read()
    if uses_datasets:
        patch_datasets()
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
