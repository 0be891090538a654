"""Confirmation by a real TensorFlow build: verdicts, Keras's own error text and learned shapes.

All tests share one worker (session fixture). Expected shapes are worked out by hand
from Keras's rules (valid convolution: n - k + 1; pooling: n // 2).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from confirm_models import (
    array,
    bidirectional_lstm,
    dense_classifier,
    feed,
    huge_dense,
    layer,
    mnist_sequential,
    resizing_then_conv,
    seed_conv,
    seed_lstm,
    seed_two_inputs,
)
from shapelint.confirm import (
    ArraySpec,
    ConfirmCache,
    ConfirmClient,
    Feed,
    InputSpec,
    LayerNode,
    ModelDescription,
    WorkerFailure,
)

pytestmark = pytest.mark.tensorflow

conv_3x3 = layer("conv", "Conv2D", 32, (3, 3), activation="relu")


# The seed's three correct programs ------------------------------------------------------------


def test_seed_lstm_program_is_confirmed_correct_with_its_shapes(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(seed_lstm())
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("recurrent_layer") == ((None, 32),)
    assert confirmation.shapes_of("output_layer") == ((None, 1),)
    assert confirmation.output_shapes == ((None, 1),)
    assert confirmation.tf_version == "2.21.0"
    # LSTM: 4 gates x (input 1 + units 32 + bias 1) x 32 units; Dense: 32 + 1.
    assert confirmation.parameter_count == 4 * (1 + 32 + 1) * 32 + 33


def test_seed_conv_program_is_confirmed_correct_with_its_shapes(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(seed_conv())
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("conv_layer") == ((None, 62, 62, 32),)
    assert confirmation.shapes_of("flatten_layer") == ((None, 62 * 62 * 32),)
    assert confirmation.shapes_of("output_layer") == ((None, 10),)


def test_seed_two_input_program_is_confirmed_correct(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(seed_two_inputs())
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("merged") == ((None, 8),)
    assert confirmation.feed_errors == (None,)


# The mistakes ---------------------------------------------------------------------------------


def test_batch_axis_in_input_before_lstm_fails_at_build_in_that_layer(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(seed_lstm(input_shape=(1000, 50, 1)))
    assert confirmation.status == "confirmed-error"
    assert confirmation.error is not None
    assert confirmation.error.kind == "build"
    assert confirmation.error.layer == "recurrent_layer"
    assert "expected ndim=3, found ndim=4" in confirmation.error.message
    assert "(None, 1000, 50, 1)" in confirmation.error.message


def test_batch_axis_in_input_before_conv_builds_but_fails_when_fed(fresh: ConfirmClient) -> None:
    # Conv2D reads 60000 as the height, so only the data's real shape exposes the mistake.
    description = mnist_sequential((60000, 28, 28), conv_3x3, array(60000, 28, 28, dtype="uint8"))
    confirmation = fresh.confirm(description)
    assert confirmation.status == "confirmed-error"
    assert confirmation.error is not None
    assert confirmation.error.kind == "feed"
    assert confirmation.error.feed_index == 0
    assert confirmation.error.layer is None  # the model's input, not a layer, refused the data
    assert "Expected shape (None, 60000, 28, 28)" in confirmation.error.message
    assert "incompatible shape (32, 28, 28)" in confirmation.error.message
    # It did build: the shapes Keras computed for the misread input are reported too.
    assert confirmation.shapes_of("conv") == ((None, 59998, 26, 32),)


def test_missing_channel_axis_before_conv2d_fails_in_the_conv_layer(fresh: ConfirmClient) -> None:
    description = mnist_sequential((28, 28), conv_3x3, array(60000, 28, 28))
    confirmation = fresh.confirm(description)
    assert confirmation.status == "confirmed-error"
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.layer) == ("build", "conv")
    assert "expected min_ndim=4, found ndim=3" in confirmation.error.message


def test_missing_channel_axis_without_declared_input_fails_when_fed(fresh: ConfirmClient) -> None:
    description = mnist_sequential(None, conv_3x3, array(60000, 28, 28))
    confirmation = fresh.confirm(description)
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.layer, confirmation.error.feed_index) == (
        "feed",
        "conv",
        0,
    )
    assert "found ndim=3. Full shape received: (32, 28, 28)" in confirmation.error.message


def test_keras3_adds_the_trailing_channel_axis_to_a_declared_input(fresh: ConfirmClient) -> None:
    # Keras 3's Functional._adjust_input_rank: (N, 28, 28) data into Input((28, 28, 1)) trains.
    description = mnist_sequential((28, 28, 1), conv_3x3, array(60000, 28, 28))
    confirmation = fresh.confirm(description)
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("conv") == ((None, 26, 26, 32),)


def test_keras3_drops_a_trailing_size_one_axis_of_the_data(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(InputSpec("x", (28, 28)),),
        layers=(layer("flatten", "Flatten"), layer("dense", "Dense", 10)),
        feeds=(feed("fit", array(100, 28, 28, 1)), feed("predict", array(100, 28, 28, 3))),
    )
    confirmation = fresh.confirm(description)
    # Only a size-1 axis is dropped: three channels are a real mismatch.
    assert confirmation.feed_errors[0] is None
    assert confirmation.feed_errors[1] is not None and confirmation.feed_errors[1].kind == "feed"


def test_input_shape_argument_on_the_first_layer_declares_the_input(fresh: ConfirmClient) -> None:
    first = layer("conv", "Conv2D", 8, 3, input_shape=(28, 28, 1))
    confirmation = fresh.confirm(mnist_sequential(None, first, array(100, 28, 28)))
    assert confirmation.status == "no-error", confirmation.error  # declared input: Keras 3 adds the axis
    assert confirmation.shapes_of("conv") == ((None, 26, 26, 8),)
    assert confirmation.shapes_of("flatten") == ((None, 26 * 26 * 8),)


def test_mnist_images_into_a_784_input_fail_when_fed(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=dense_classifier(array(60000, 10), "mse").inputs,
        layers=(layer("out", "Dense", 10),),
        feeds=(feed("fit", array(60000, 28, 28, dtype="uint8")),),
    )
    confirmation = fresh.confirm(description)
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.feed_index) == ("feed", 0)
    assert "Expected shape (None, 784), but input has incompatible shape (32, 28, 28)" in confirmation.error.message


def test_integer_labels_with_categorical_crossentropy_fail_in_the_loss(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(dense_classifier(array(60000, dtype="int64"), "categorical_crossentropy"))
    assert confirmation.status == "confirmed-error"
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.feed_index) == ("loss", 0)
    assert "target.shape=(32,), output.shape=(32, 10)" in confirmation.error.message


def test_integer_labels_with_sparse_categorical_crossentropy_are_fine(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(dense_classifier(array(60000, dtype="int64"), "sparse_categorical_crossentropy"))
    assert confirmation.status == "no-error", confirmation.error


def test_one_hot_labels_with_sparse_loss_fail_in_the_loss(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(dense_classifier(array(60000, 10), "sparse_categorical_crossentropy"))
    assert confirmation.error is not None and confirmation.error.kind == "loss"


def test_swapped_inputs_fail_and_name_the_feed(fresh: ConfirmClient) -> None:
    description = seed_two_inputs(order=("ratings", "demographics"))
    confirmation = fresh.confirm(description)
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.feed_index) == ("feed", 0)
    assert "expected shape=(None, 5), found shape=(32, 3)" in confirmation.error.message


def test_each_feed_gets_its_own_verdict(fresh: ConfirmClient) -> None:
    base = seed_lstm()
    description = ModelDescription(
        keras_major=3,
        kind=base.kind,
        inputs=base.inputs,
        layers=base.layers,
        outputs=base.outputs,
        loss=base.loss,
        feeds=(
            *base.feeds,  # fit (1000, 50, 1): right
            feed("predict", array(7, 50)),  # Keras 3 appends the missing size-1 axis: right
            feed("predict", array(7, 40, 1)),  # 40 time steps where the input declares 50: wrong
            feed("evaluate", array(200, 50, 1), array(200, 1)),  # right
        ),
    )
    confirmation = fresh.confirm(description)
    assert [error is None for error in confirmation.feed_errors] == [True, True, False, True]
    assert confirmation.error == confirmation.feed_errors[2]
    # Keras squeezes the trailing size-1 axis before it reports the shape.
    assert confirmation.error is not None
    assert "expected shape=(None, 50, 1), found shape=(7, 40)" in confirmation.error.message


def test_sample_counts_that_differ_between_x_and_y_fail_like_fit(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(dense_classifier(array(59999, dtype="int64"), "sparse_categorical_crossentropy"))
    assert confirmation.error is not None
    assert confirmation.error.kind == "feed"
    assert "Data cardinality is ambiguous" in confirmation.error.message


# Shapes the static catalog does not know ------------------------------------------------------


def test_layer_outside_the_static_catalog_gets_correct_downstream_shapes(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(resizing_then_conv())
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("resize") == ((None, 32, 48, 3),)
    assert confirmation.shapes_of("conv") == ((None, 30, 46, 8),)
    assert confirmation.shapes_of("pool") == ((None, 15, 23, 8),)
    assert confirmation.shapes_of("flat") == ((None, 15 * 23 * 8),)
    assert confirmation.shapes_of("out") == ((None, 5),)


def test_wrapper_layers_take_nested_layer_literals(fresh: ConfirmClient) -> None:
    confirmation = fresh.confirm(bidirectional_lstm())
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("bi") == ((None, 20, 32),)  # forward 16 + backward 16
    assert confirmation.shapes_of("pool") == ((None, 32),)


def test_multi_output_layers_are_indexed_by_reference(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=seed_lstm().inputs,
        layers=(
            layer("lstm", "LSTM", 8, inputs=("input:input_layer",), return_state=True),
            layer("head", "Dense", 2, inputs=("lstm:2",)),
        ),
        outputs=("head", "lstm:1"),
    )
    confirmation = fresh.confirm(description)
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("lstm") == ((None, 8), (None, 8), (None, 8))
    assert confirmation.output_shapes == ((None, 2), (None, 8))


def test_attention_takes_query_and_value_as_separate_tensors(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="functional",
        inputs=(InputSpec("query", (10, 16)), InputSpec("value", (20, 16))),
        layers=(
            layer(
                "attention",
                "MultiHeadAttention",
                inputs=("input:query", "input:value"),
                num_heads=2,
                key_dim=8,
            ),
            layer("merged", "Concatenate", inputs=("attention", "input:query")),
        ),
        outputs=("merged",),
    )
    confirmation = fresh.confirm(description)
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("attention") == ((None, 10, 16),)  # query's length, query's width
    assert confirmation.shapes_of("merged") == ((None, 10, 32),)


def test_a_call_with_a_mask_is_unsupported(fresh: ConfirmClient) -> None:
    base = seed_lstm()
    node = LayerNode("lstm", "keras.layers.LSTM", (4,), inputs=("input:input_layer",), call_kwargs=(("mask", None),))
    description = ModelDescription(3, "functional", base.inputs, (node,), ("lstm",))
    confirmation = fresh.confirm(description)
    assert confirmation.error is not None and confirmation.error.kind == "unsupported"


def test_application_is_built_without_downloading_weights(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(),
        layers=(
            LayerNode(
                "base",
                "keras.applications.MobileNetV2",
                kwargs=(("include_top", False), ("input_shape", (96, 96, 3)), ("weights", "imagenet")),
            ),
            layer("pool", "GlobalAveragePooling2D"),
            layer("out", "Dense", 3),
        ),
        feeds=(feed("predict", array(4, 96, 96, 3)),),
    )
    confirmation = fresh.confirm(description)
    assert confirmation.status == "no-error", confirmation.error
    assert confirmation.shapes_of("base") == ((None, 3, 3, 1280),)  # 96 / 32
    assert confirmation.shapes_of("out") == ((None, 3),)


def test_application_keeps_the_pretrained_weights_input_check(fresh: ConfirmClient) -> None:
    description = ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(),
        layers=(LayerNode("vgg", "keras.applications.VGG16", kwargs=(("input_shape", (64, 64, 3)),)),),
    )
    confirmation = fresh.confirm(description)
    assert confirmation.error is not None
    assert (confirmation.error.kind, confirmation.error.layer) == ("build", "vgg")
    assert "`input_shape` should be (224, 224, 3)" in confirmation.error.message


@pytest.mark.parametrize(
    "class_name",
    ["keras.layers.Lambda", "keras.layers.TFSMLayer", "os.system", "keras.layers.Dense;x", "keras.ops.add"],
)
def test_anything_outside_the_whitelist_is_unsupported(fresh: ConfirmClient, class_name: str) -> None:
    description = ModelDescription(3, "sequential", (), (LayerNode("x", class_name, ("a",)),))
    confirmation = fresh.confirm(description)
    assert confirmation.status == "unconfirmed"
    assert confirmation.error is not None and confirmation.error.kind == "unsupported"


# Memory, time and crashes with the real worker -----------------------------------------------


def test_model_needing_hundreds_of_gb_is_refused_unbuilt_and_the_client_goes_on(fresh: ConfirmClient) -> None:
    pid = fresh.worker_pid
    confirmation = fresh.confirm(huge_dense())
    assert confirmation.status == "unconfirmed"
    assert confirmation.error is not None and confirmation.error.kind == "memory"
    # Flatten: 60000 * 28 * 28 = 47,040,000 features; Dense(4096) kernel + bias.
    assert confirmation.parameter_count == 47_040_000 * 4096 + 4096
    assert "GB" in confirmation.error.message
    assert fresh.worker_pid == pid  # refused by arithmetic, nothing allocated, no replacement
    peak = fresh.worker_peak_rss()
    assert peak is not None and peak < fresh.memory_limit_bytes
    assert fresh.confirm(seed_lstm()).status == "no-error"


def test_worker_killed_mid_request_is_replaced_and_the_next_confirmation_works(fresh: ConfirmClient) -> None:
    pid = fresh.worker_pid
    assert pid is not None
    threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(WorkerFailure) as failure:
        fresh.call({"op": "sleep", "seconds": 30})
    assert failure.value.kind == "crashed"
    confirmation = fresh.confirm(seed_conv())
    assert confirmation.status == "no-error", confirmation.error
    assert fresh.worker_pid not in (None, pid)


def test_confirmation_past_its_time_limit_is_unconfirmed_and_the_client_goes_on(fresh: ConfirmClient) -> None:
    fresh.start()
    pid = fresh.worker_pid
    # Tracing an LSTM takes far longer than a millisecond.
    confirmation = fresh.confirm(seed_lstm(), timeout=0.001)
    assert confirmation.status == "unconfirmed"
    assert confirmation.error is not None and confirmation.error.kind == "timeout"
    assert fresh.worker_pid != pid
    # Not cached: the next request really runs, in the replacement worker.
    again = fresh.confirm(seed_lstm())
    assert again.status == "no-error" and not again.from_cache


# Cache ---------------------------------------------------------------------------------------


def test_second_confirmation_comes_from_the_cache(fresh: ConfirmClient) -> None:
    first = fresh.confirm(seed_conv())
    second = fresh.confirm(seed_conv())
    assert not first.from_cache and second.from_cache
    assert second.layer_shapes == first.layer_shapes and second.status == first.status
    assert second.elapsed_seconds < 0.01


def test_disk_cache_answers_a_new_client_without_a_worker(fresh: ConfirmClient, tmp_path: Path) -> None:
    memory_only = fresh.cache
    fresh.cache = ConfirmCache(directory=tmp_path)
    try:
        first = fresh.confirm(seed_lstm(input_shape=(1000, 50, 1)))
    finally:
        fresh.cache = memory_only
    with ConfirmClient(cache=ConfirmCache(directory=tmp_path)) as reader:
        second = reader.confirm(seed_lstm(input_shape=(1000, 50, 1)))
        assert reader.worker_pid is None  # answered from disk, TensorFlow never started
    assert not first.from_cache and second.from_cache
    assert second.error == first.error and second.status == "confirmed-error"


def test_confirming_never_imports_tensorflow_into_the_caller(fresh: ConfirmClient) -> None:
    # Compare before and after: other tests may have imported TensorFlow into this process.
    before = {name for name in ("tensorflow", "keras") if name in sys.modules}
    confirmation = fresh.confirm(seed_conv())
    assert confirmation.status == "no-error" and not confirmation.from_cache
    after = {name for name in ("tensorflow", "keras") if name in sys.modules}
    assert after == before


# Ground truth: the same mistakes run for real with model.fit -----------------------------------


def _same_program(input_shape: tuple[int, ...], x: ArraySpec, loss: str, dense_only: bool = False) -> ModelDescription:
    first = layer("dense", "Dense", 10) if dense_only else layer("conv", "Conv2D", 4, 3)
    rest = () if dense_only else (layer("flatten", "Flatten"), layer("dense", "Dense", 10))
    return ModelDescription(
        keras_major=3,
        kind="sequential",
        inputs=(InputSpec("x", input_shape),),
        layers=(first, *rest),
        loss=loss,
        feeds=(Feed("fit", (x,), (array(64, dtype="int64"),)),),
    )


def test_error_text_is_exactly_what_model_fit_raises(fresh: ConfirmClient) -> None:
    program = Path(__file__).with_name("real_fit_program.py")
    real = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    expected = json.loads(real.strip().splitlines()[-1])
    sparse = "sparse_categorical_crossentropy"
    ours = {
        "batch_axis": fresh.confirm(_same_program((64, 28, 28), array(64, 28, 28, dtype="uint8"), sparse)),
        "no_channel": fresh.confirm(_same_program((28, 28), array(64, 28, 28), sparse)),
        "mnist_784": fresh.confirm(_same_program((784,), array(64, 28, 28, dtype="uint8"), sparse, dense_only=True)),
        "integer_labels": fresh.confirm(
            _same_program((784,), array(64, 784, dtype="float32"), "categorical_crossentropy", dense_only=True)
        ),
        "correct": fresh.confirm(_same_program((28, 28, 1), array(64, 28, 28, 1), sparse)),
    }
    for case, confirmation in ours.items():
        message = None if confirmation.error is None else confirmation.error.message
        # The model-build errors differ only in the batch axis Keras prints (None when built, 32 when fit).
        assert message == expected[case] or (
            message is not None and message.replace("(None,", "(32,") == expected[case].replace("(None,", "(32,")
        ), case
