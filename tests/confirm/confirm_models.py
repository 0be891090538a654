"""Hand-written model descriptions, each named after the program it stands for."""

from __future__ import annotations

from shapelint.confirm.description import (
    ArraySpec,
    Feed,
    FeedMethod,
    InputSpec,
    LayerNode,
    LiteralValue,
    ModelDescription,
    NestedLayer,
)


def layer(
    node_id: str, name: str, *args: LiteralValue, inputs: tuple[str, ...] = (), **kwargs: LiteralValue
) -> LayerNode:
    """`keras.layers.<name>(*args, **kwargs)`, called on `inputs` in a functional model."""
    return LayerNode(
        id=node_id, class_name=f"keras.layers.{name}", args=args, kwargs=tuple(kwargs.items()), inputs=inputs
    )


def array(*shape: int, dtype: str = "float64") -> ArraySpec:
    return ArraySpec(shape=shape, dtype=dtype)


def feed(method: FeedMethod, x: ArraySpec | tuple[ArraySpec, ...], y: ArraySpec | None = None) -> Feed:
    xs = x if isinstance(x, tuple) else (x,)
    return Feed(method=method, x=xs, y=() if y is None else (y,))


def seed_lstm(input_shape: tuple[int, ...] = (50, 1)) -> ModelDescription:
    """Seed example 1: Input(shape=(50, 1)) -> LSTM(32) -> Dense(1), fit on (1000, 50, 1)."""
    return ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("input_layer", input_shape),),
        layers=(
            layer("recurrent_layer", "LSTM", 32, inputs=("input:input_layer",)),
            layer("output_layer", "Dense", 1, inputs=("recurrent_layer",)),
        ),
        outputs=("output_layer",),
        loss="mse",
        feeds=(feed("fit", array(1000, 50, 1), array(1000, 1)),),
    )


def seed_conv(input_shape: tuple[int, ...] = (64, 64, 3)) -> ModelDescription:
    """Seed example 2: Conv2D(32, (3, 3)) -> Flatten -> Dense(10, softmax) on uint8 images."""
    return ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("input_layer", input_shape),),
        layers=(
            layer("conv_layer", "Conv2D", 32, (3, 3), inputs=("input:input_layer",), activation="relu"),
            layer("flatten_layer", "Flatten", inputs=("conv_layer",)),
            layer("output_layer", "Dense", 10, inputs=("flatten_layer",), activation="softmax"),
        ),
        outputs=("output_layer",),
        loss="categorical_crossentropy",
        feeds=(feed("fit", array(1000, 64, 64, 3, dtype="uint8"), array(1000, 10, dtype="float32")),),
    )


def seed_two_inputs(order: tuple[str, str] = ("demographics", "ratings")) -> ModelDescription:
    """Seed example 3: demographics (1000, 5) and ratings (1000, 3), concatenated, Dense(16) -> Dense(1)."""
    shapes = {"demographics": array(1000, 5), "ratings": array(1000, 3)}
    return ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("demographics", (5,)), InputSpec("ratings", (3,))),
        layers=(
            layer("merged", "Concatenate", inputs=("input:demographics", "input:ratings")),
            layer("hidden", "Dense", 16, inputs=("merged",), activation="relu"),
            layer("output_layer", "Dense", 1, inputs=("hidden",), activation="sigmoid"),
        ),
        outputs=("output_layer",),
        loss="binary_crossentropy",
        feeds=(feed("fit", (shapes[order[0]], shapes[order[1]]), array(1000, 1)),),
    )


def mnist_sequential(
    input_shape: tuple[int, ...] | None,
    first: LayerNode,
    x: ArraySpec,
    y: ArraySpec | None = None,
    loss: str | None = None,
) -> ModelDescription:
    """Sequential([Input(input_shape)?, first, Flatten(), Dense(10)]) fed x (and y)."""
    return ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=() if input_shape is None else (InputSpec("x", input_shape),),
        layers=(first, layer("flatten", "Flatten"), layer("dense", "Dense", 10, activation="softmax")),
        loss=loss,
        feeds=(feed("fit", x, y),),
    )


def dense_classifier(y: ArraySpec, loss: str) -> ModelDescription:
    """Input(784,) -> Dense(64) -> Dense(10, softmax), fit on (60000, 784) with labels y."""
    return ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(InputSpec("x", (784,)),),
        layers=(
            layer("hidden", "Dense", 64, activation="relu"),
            layer("out", "Dense", 10, activation="softmax"),
        ),
        loss=loss,
        feeds=(feed("fit", array(60000, 784, dtype="float32"), y),),
    )


def resizing_then_conv() -> ModelDescription:
    """Resizing (outside the static catalog) between the input and a Conv2D."""
    return ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("image", (64, 64, 3)),),
        layers=(
            layer("resize", "Resizing", 32, 48, inputs=("input:image",)),
            layer("conv", "Conv2D", 8, 3, inputs=("resize",)),
            layer("pool", "MaxPooling2D", inputs=("conv",)),
            layer("flat", "Flatten", inputs=("pool",)),
            layer("out", "Dense", 5, inputs=("flat",)),
        ),
        outputs=("out",),
        feeds=(feed("predict", array(100, 64, 64, 3)),),
    )


def bidirectional_lstm() -> ModelDescription:
    """Bidirectional(LSTM(16)) on (20, 8): the wrapped layer is a nested literal."""
    return ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(InputSpec("x", (20, 8)),),
        layers=(
            LayerNode(
                id="bi",
                class_name="keras.layers.Bidirectional",
                args=(NestedLayer("keras.layers.LSTM", (16,), (("return_sequences", True),)),),
            ),
            layer("pool", "GlobalAveragePooling1D"),
        ),
        feeds=(feed("predict", array(10, 20, 8)),),
    )


def huge_dense() -> ModelDescription:
    """Input(shape=(60000, 28, 28)) -> Flatten -> Dense(4096): about 190 G weights (over 700 GB)."""
    return ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(InputSpec("x", (60000, 28, 28)),),
        layers=(layer("flatten", "Flatten"), layer("dense", "Dense", 4096)),
        feeds=(feed("fit", array(60000, 28, 28, dtype="uint8")),),
    )
