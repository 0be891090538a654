"""The shapes `keras.datasets.<name>.load_data()` returns, as documented by Keras."""

from __future__ import annotations

from dataclasses import dataclass

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, FunctionHandler, function
from shapelint.shapes import Shape
from shapelint.values import ArrayValue, Seq, Value


@dataclass(frozen=True)
class ArraySpec:
    shape: Shape
    dtype: str


@dataclass(frozen=True)
class DatasetSpec:
    x_train: ArraySpec
    y_train: ArraySpec
    x_test: ArraySpec
    y_test: ArraySpec
    classes: int | None  # number of label classes, for one-hot checks


def _spec(
    train: int,
    test: int,
    sample: tuple[int, ...],
    label: tuple[int, ...],
    dtype: str,
    label_dtype: str,
    classes: int | None,
) -> DatasetSpec:
    return DatasetSpec(
        ArraySpec(Shape((train, *sample)), dtype),
        ArraySpec(Shape((train, *label)), label_dtype),
        ArraySpec(Shape((test, *sample)), dtype),
        ArraySpec(Shape((test, *label)), label_dtype),
        classes,
    )


DATASETS: dict[str, DatasetSpec] = {
    "keras.datasets.mnist": _spec(60000, 10000, (28, 28), (), "uint8", "uint8", 10),
    "keras.datasets.fashion_mnist": _spec(60000, 10000, (28, 28), (), "uint8", "uint8", 10),
    "keras.datasets.cifar10": _spec(50000, 10000, (32, 32, 3), (1,), "uint8", "uint8", 10),
    "keras.datasets.cifar100": _spec(50000, 10000, (32, 32, 3), (1,), "uint8", "int64", 100),
    "keras.datasets.boston_housing": _spec(404, 102, (13,), (), "float64", "float64", None),
    "keras.datasets.california_housing": _spec(16512, 4128, (8,), (), "float32", "float32", None),
}


def _load_data(spec: DatasetSpec) -> FunctionHandler:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        def array(array_spec: ArraySpec, classes: int | None = None) -> ArrayValue:
            return ArrayValue(
                array_spec.shape, array_spec.dtype, origin=call.node, classes=classes, classes_documented=True
            )

        return Seq(
            (
                Seq((array(spec.x_train), array(spec.y_train, spec.classes))),
                Seq((array(spec.x_test), array(spec.y_test, spec.classes))),
            )
        )

    return handler


for _module, _spec_of_module in DATASETS.items():
    function(f"{_module}.load_data")(_load_data(_spec_of_module))
