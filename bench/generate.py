"""Generated Keras programs for benchmarks: realistic, repeated, with a shape mistake or two.

    from generate import keras_program
    text = keras_program(2000, seed=0)   # exactly 2,000 lines, the same text for the same seed

The program reads like a notebook exported to a script: imports, then sections that
load or build NumPy data, define models (Sequential, functional, model-building
functions, multi-input), compile, fit and predict, with comments in between. Every
section uses its own names. One section in the first half always holds the classic
mistake (the sample count inside `Input(shape=...)`, SL101); files of 200 lines or more
get a second one in the second half (images without a channel axis into Conv2D, SL102).
Everything else is correct, so the expected diagnostics are exactly those.
"""

from __future__ import annotations

import random
from collections.abc import Callable

HEADER = '''"""Experiments with Keras models on synthetic data (seed {seed})."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng({seed})

'''

Section = Callable[[random.Random, int], str]


def _tabular(rng: random.Random, n: int) -> str:
    samples, width, classes = rng.choice((500, 1000, 5000)), rng.choice((8, 13, 20, 64)), rng.choice((2, 3, 10))
    units = rng.choice((32, 64, 128))
    return f"""# Tabular classifier {n}: {width} features, {classes} classes.
features_{n} = np.random.rand({samples}, {width}).astype("float32")
labels_{n} = np.random.randint(0, {classes}, size=({samples},))
mean_{n} = features_{n}.mean(axis=0)
features_{n} = (features_{n} - mean_{n}) / (features_{n}.std(axis=0) + 1e-7)

tabular_model_{n} = keras.Sequential(
    [
        keras.Input(shape=({width},)),
        layers.Dense({units}, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense({units // 2}, activation="relu"),
        layers.Dense({classes}, activation="softmax"),
    ]
)
tabular_model_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
tabular_model_{n}.fit(features_{n}, labels_{n}, epochs=5, batch_size=64, validation_split=0.2)

"""


def _cnn(rng: random.Random, n: int) -> str:
    samples, side, channels = rng.choice((200, 1000)), rng.choice((28, 32, 64)), rng.choice((1, 3))
    filters, classes = rng.choice((16, 32)), rng.choice((5, 10))
    return f"""# Image classifier {n}: {side}x{side} images with {channels} channel(s).
images_{n} = np.random.rand({samples}, {side}, {side}, {channels}).astype("float32")
image_labels_{n} = np.random.randint(0, {classes}, size=({samples},))

image_input_{n} = keras.Input(shape=({side}, {side}, {channels}))
x_{n} = layers.Conv2D({filters}, (3, 3), activation="relu")(image_input_{n})
x_{n} = layers.MaxPooling2D((2, 2))(x_{n})
x_{n} = layers.Conv2D({filters * 2}, (3, 3), activation="relu")(x_{n})
x_{n} = layers.MaxPooling2D((2, 2))(x_{n})
x_{n} = layers.Flatten()(x_{n})
x_{n} = layers.Dense(64, activation="relu")(x_{n})
image_output_{n} = layers.Dense({classes}, activation="softmax")(x_{n})
cnn_{n} = keras.Model(inputs=image_input_{n}, outputs=image_output_{n})
cnn_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
cnn_{n}.fit(images_{n}, image_labels_{n}, epochs=3, batch_size=32)
predictions_{n} = cnn_{n}.predict(images_{n}[:8])

"""


def _grayscale(rng: random.Random, n: int) -> str:
    samples, side = rng.choice((300, 600)), rng.choice((28, 48))
    return f"""# Grayscale scans {n}: add the channel axis before the convolution.
scans_{n} = np.random.rand({samples}, {side}, {side})
scans_{n} = np.expand_dims(scans_{n}, -1)
scan_labels_{n} = keras.utils.to_categorical(np.random.randint(0, 2, size=({samples},)), 2)
scan_model_{n} = keras.Sequential(
    [
        keras.Input(shape=({side}, {side}, 1)),
        layers.Conv2D(8, (5, 5), activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="softmax"),
    ]
)
scan_model_{n}.compile(optimizer="rmsprop", loss="categorical_crossentropy")
scan_model_{n}.fit(scans_{n}, scan_labels_{n}, epochs=2)

"""


def _series(rng: random.Random, n: int) -> str:
    samples, steps, features = rng.choice((1000, 2000)), rng.choice((20, 50, 100)), rng.choice((1, 4))
    units = rng.choice((16, 32, 64))
    return f"""# Time series {n}: {steps} steps of {features} feature(s) -> next value.
series_{n} = np.random.rand({samples}, {steps}, {features})
series_targets_{n} = np.random.rand({samples}, 1)
series_input_{n} = keras.Input(shape=({steps}, {features}))
recurrent_{n} = layers.LSTM({units}, return_sequences=True)(series_input_{n})
recurrent_{n} = layers.LSTM({units // 2})(recurrent_{n})
series_output_{n} = layers.Dense(1)(recurrent_{n})
forecaster_{n} = keras.Model(inputs=series_input_{n}, outputs=series_output_{n})
forecaster_{n}.compile(optimizer="adam", loss="mse")
forecaster_{n}.fit(series_{n}, series_targets_{n}, epochs=4, batch_size=32)

"""


def _two_inputs(rng: random.Random, n: int) -> str:
    samples, left, right = rng.choice((1000, 4000)), rng.choice((5, 12)), rng.choice((50, 200))
    return f"""# Two inputs {n}: profile features and ratings, joined.
profiles_{n} = np.random.rand({samples}, {left})
ratings_{n} = np.random.rand({samples}, {right})
bought_{n} = np.random.randint(0, 2, size=({samples}, 1))
profile_input_{n} = keras.Input(shape=({left},))
rating_input_{n} = keras.Input(shape=({right},))
profile_dense_{n} = layers.Dense(16, activation="relu")(profile_input_{n})
rating_dense_{n} = layers.Dense(64, activation="relu")(rating_input_{n})
merged_{n} = layers.concatenate([profile_dense_{n}, rating_dense_{n}])
buy_output_{n} = layers.Dense(1, activation="sigmoid")(merged_{n})
recommender_{n} = keras.Model(inputs=[profile_input_{n}, rating_input_{n}], outputs=buy_output_{n})
recommender_{n}.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
recommender_{n}.fit([profiles_{n}, ratings_{n}], bought_{n}, epochs=3)

"""


def _builder(rng: random.Random, n: int) -> str:
    width, classes = rng.choice((10, 30)), rng.choice((3, 4))
    return f"""def build_model_{n}(width: int, classes: int) -> keras.Model:
    \"\"\"A small dense classifier for `width` input features.\"\"\"
    inputs = keras.Input(shape=(width,))
    hidden = layers.Dense(64, activation="relu")(inputs)
    hidden = layers.BatchNormalization()(hidden)
    hidden = layers.Dense(32, activation="relu")(hidden)
    outputs = layers.Dense(classes, activation="softmax")(hidden)
    return keras.Model(inputs, outputs)


built_{n} = build_model_{n}({width}, {classes})
built_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
built_{n}.fit(np.random.rand(256, {width}), np.random.randint(0, {classes}, size=(256,)), epochs=2)

"""


def _preprocessing(rng: random.Random, n: int) -> str:
    samples, side = rng.choice((100, 400)), rng.choice((16, 28))
    return f"""# Preprocessing {n}: flat pixels back to images, then one batch.
flat_pixels_{n} = np.random.rand({samples}, {side * side})
pictures_{n} = flat_pixels_{n}.reshape(-1, {side}, {side}, 1).astype("float32") / 255.0
batch_{n} = pictures_{n}[:32]
transposed_{n} = np.transpose(batch_{n}, (0, 3, 1, 2))
print(pictures_{n}.shape, batch_{n}.shape, transposed_{n}.shape)

"""


def _batch_axis_mistake(rng: random.Random, n: int) -> str:
    samples, steps = rng.choice((1000, 3000)), rng.choice((30, 50))
    return f"""# Sequence model {n} (the input shape below repeats the data's shape).
sequences_{n} = np.random.rand({samples}, {steps}, 1)
sequence_targets_{n} = np.random.rand({samples}, 1)
sequence_input_{n} = keras.Input(shape=sequences_{n}.shape)
sequence_hidden_{n} = layers.LSTM(32)(sequence_input_{n})
sequence_model_{n} = keras.Model(inputs=sequence_input_{n}, outputs=layers.Dense(1)(sequence_hidden_{n}))
sequence_model_{n}.compile(optimizer="adam", loss="mse")
sequence_model_{n}.fit(sequences_{n}, sequence_targets_{n}, epochs=2)

"""


def _channel_mistake(rng: random.Random, n: int) -> str:
    samples, side = rng.choice((500, 2000)), rng.choice((28, 32))
    return f"""# Digit classifier {n} (the images have no channel axis).
digits_{n} = np.random.rand({samples}, {side}, {side}).astype("float32")
digit_labels_{n} = np.random.randint(0, 10, size=({samples},))
digit_input_{n} = keras.Input(shape=({side}, {side}))
digit_conv_{n} = layers.Conv2D(32, (3, 3), activation="relu")(digit_input_{n})
digit_flat_{n} = layers.Flatten()(digit_conv_{n})
digit_output_{n} = layers.Dense(10, activation="softmax")(digit_flat_{n})
digit_model_{n} = keras.Model(inputs=digit_input_{n}, outputs=digit_output_{n})
digit_model_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
digit_model_{n}.fit(digits_{n}, digit_labels_{n}, epochs=1)

"""


CORRECT_SECTIONS: tuple[Section, ...] = (_tabular, _cnn, _grayscale, _series, _two_inputs, _builder, _preprocessing)
# Where each mistake goes, as a fraction of the file, and the smallest file that gets it.
MISTAKES: tuple[tuple[float, int, Section], ...] = ((0.3, 0, _batch_axis_mistake), (0.7, 200, _channel_mistake))


def _line_count(text: str) -> int:
    return text.count("\n")


def keras_program(lines: int, seed: int) -> str:
    """A deterministic Keras program of exactly `lines` lines with one or two shape mistakes.

    Files too short for a whole section are the header padded with comments.
    """
    rng = random.Random(seed)
    text = HEADER.format(seed=seed)
    pending = [(int(lines * fraction), section) for fraction, smallest, section in MISTAKES if lines >= smallest]
    number = 0
    while True:
        due = bool(pending) and _line_count(text) >= pending[0][0]
        section = pending.pop(0)[1] if due else rng.choice(CORRECT_SECTIONS)
        block = section(rng, number)
        if _line_count(text) + _line_count(block) > lines:
            # The mistake must be in the file even when the next correct section does not fit.
            if pending and section not in [mistake for _, mistake in pending]:
                block = pending[0][1](rng, number)
                if _line_count(text) + _line_count(block) <= lines:
                    pending.pop(0)
                    text += block
                    number += 1
                    continue
            break
        text += block
        number += 1
    missing = lines - _line_count(text)
    if missing < 0:  # shorter than the header: keep its first lines
        return "".join(text.splitlines(keepends=True)[:lines])
    return text + "".join(f"# end of experiments ({index})\n" for index in range(missing))


if __name__ == "__main__":
    import sys

    sys.stdout.write(
        keras_program(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    )
