"""Keras losses by family: what label shape each one expects next to the model output."""

from __future__ import annotations

import re

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, function_prefix
from shapelint.values import Const, ObjectValue, RefValue, Value

# family: "categorical" (one-hot labels, same shape as the output), "sparse" (integer class ids,
# output's shape without its last axis), "binary" (same shape as the output, one unit per label),
# "regression" (same shape; Keras broadcasts silently when it differs).
LOSS_FAMILIES: dict[str, str] = {
    "categorical_crossentropy": "categorical",
    "categorical_focal_crossentropy": "categorical",
    "categorical_hinge": "categorical",
    "sparse_categorical_crossentropy": "sparse",
    "binary_crossentropy": "binary",
    "binary_focal_crossentropy": "binary",
    "mse": "regression",
    "mean_squared_error": "regression",
    "mae": "regression",
    "mean_absolute_error": "regression",
    "mape": "regression",
    "mean_absolute_percentage_error": "regression",
    "msle": "regression",
    "mean_squared_logarithmic_error": "regression",
    "huber": "regression",
    "huber_loss": "regression",
    "log_cosh": "regression",
    "logcosh": "regression",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def loss_name(value: Value) -> str | None:
    """'categorical_crossentropy' for the string, keras.losses.categorical_crossentropy or CategoricalCrossentropy()."""
    if isinstance(value, Const) and isinstance(value.value, str):
        name = value.value.lower()
    elif isinstance(value, RefValue) and value.name.startswith("keras.losses."):
        name = value.name.rsplit(".", 1)[-1]
        name = _snake(name) if name[:1].isupper() else name
    elif isinstance(value, ObjectValue) and value.cls.startswith("keras.losses."):
        name = _snake(value.cls.rsplit(".", 1)[-1])
    else:
        return None
    return name if name in LOSS_FAMILIES else None


def loss_family(value: Value) -> str | None:
    name = loss_name(value)
    return LOSS_FAMILIES.get(name) if name else None


@function_prefix("keras.losses.", lambda name: name[13:14].isupper())
def _loss_object(ev: Evaluator, call: CallArgs, name: str) -> Value:
    """`keras.losses.CategoricalCrossentropy(...)`: an object whose class names the loss."""
    return ObjectValue(name)
