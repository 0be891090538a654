"""Peak memory of the TensorFlow confirmation worker, driven through `shapelint.confirm.ConfirmClient`.

The worker confirms the three bundled mistakes' models (written out as the descriptions
the engine hands it), with a fresh in-memory cache, so each one is really built and fed.
"""

from __future__ import annotations

import time
from typing import Any


def seed_descriptions() -> list[Any]:
    """The models of examples/mistakes/*.py as `ModelDescription`s."""
    from shapelint.confirm.description import ArraySpec, Feed, InputSpec, LayerNode, ModelDescription

    def layer(node_id: str, name: str, *args: Any, inputs: tuple[str, ...], **kwargs: Any) -> LayerNode:
        return LayerNode(id=node_id, class_name=f"keras.layers.{name}", args=args,
                         kwargs=tuple(kwargs.items()), inputs=inputs)

    batch_axis_in_input = ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("input_layer", (1000, 50, 1)),),
        layers=(
            layer("recurrent_layer", "LSTM", 32, inputs=("input:input_layer",)),
            layer("output_layer", "Dense", 1, inputs=("recurrent_layer",)),
        ),
        outputs=("output_layer",),
        loss="mse",
        feeds=(Feed("fit", (ArraySpec((1000, 50, 1), "float64"),), (ArraySpec((1000, 1), "float64"),)),),
    )
    missing_channel_axis = ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("input_layer", (64, 64)),),
        layers=(
            layer("conv_layer", "Conv2D", 32, (3, 3), inputs=("input:input_layer",), activation="relu"),
            layer("pooled", "MaxPooling2D", inputs=("conv_layer",)),
            layer("flat", "Flatten", inputs=("pooled",)),
            layer("output_layer", "Dense", 10, inputs=("flat",), activation="softmax"),
        ),
        outputs=("output_layer",),
        loss="sparse_categorical_crossentropy",
        feeds=(Feed("fit", (ArraySpec((500, 64, 64), "float64"),), (ArraySpec((500,), "int64"),)),),
    )
    mnist_not_flattened = ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("inputs", (784,)),),
        layers=(
            layer("hidden", "Dense", 128, inputs=("input:inputs",), activation="relu"),
            layer("outputs", "Dense", 10, inputs=("hidden",), activation="softmax"),
        ),
        outputs=("outputs",),
        loss="sparse_categorical_crossentropy",
        feeds=(Feed("fit", (ArraySpec((60000, 28, 28), "float64"),), (ArraySpec((60000,), "uint8"),)),),
    )
    return [batch_axis_in_input, missing_channel_axis, mnist_not_flattened]


def worker_peak_rss(client_class: Any) -> tuple[str, float | None]:
    """The worker's peak RSS (text for the report, and MiB), measured on a fresh worker."""
    client = client_class()
    try:
        started = time.perf_counter()
        client.start()
        ready = time.perf_counter() - started
        outcomes = [client.confirm(description) for description in seed_descriptions()]
        peak = client.worker_peak_rss()
        if peak is None:
            return "not measured (the worker exited)", None
        kinds = ", ".join(str(getattr(outcome, "status", getattr(outcome, "kind", "?"))) for outcome in outcomes)
        mib = peak / 1024 / 1024
        return (f"{mib:,.0f} MiB after confirming the 3 bundled mistakes "
                f"(worker ready in {ready:.1f} s; answers: {kinds})"), mib
    finally:
        client.close()
