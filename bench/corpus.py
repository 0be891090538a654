"""Generated Keras programs of a given length, and the edits the benchmarks make to them.

`keras_program(lines, seed)` comes from `bench/generate.py` when that module exists (the
language server's latency script uses it too, so every benchmark reads the same kind of
code); otherwise from the generator below. Both return a deterministic, parseable
Python file of exactly `lines` lines that reads like real Keras code: NumPy data,
Sequential and functional models, compile and fit, with an occasional shape mistake.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_HEADER = '''"""Generated Keras program ({seed}): data, models, training."""
import numpy as np
import keras
from keras import layers

'''

_BLOCKS: tuple[str, ...] = (
    # Sequential dense network on tabular data.
    """features_{n} = np.random.rand({samples}, {width})
targets_{n} = np.random.randint(0, {classes}, size=({samples},))
dense_model_{n} = keras.Sequential(
    [
        keras.Input(shape=({width},)),
        layers.Dense({units}, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense({classes}, activation="softmax"),
    ]
)
dense_model_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
dense_model_{n}.fit(features_{n}, targets_{n}, epochs=2, batch_size=32)

""",
    # Functional CNN on images with a channel axis.
    """images_{n} = np.random.rand({samples}, {side}, {side})
images_{n} = np.expand_dims(images_{n}, -1)
image_input_{n} = keras.Input(shape=({side}, {side}, 1))
conv_{n} = layers.Conv2D({units}, (3, 3), activation="relu")(image_input_{n})
pooled_{n} = layers.MaxPooling2D()(conv_{n})
flat_{n} = layers.Flatten()(pooled_{n})
image_output_{n} = layers.Dense({classes}, activation="softmax")(flat_{n})
cnn_{n} = keras.Model(inputs=image_input_{n}, outputs=image_output_{n})
cnn_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
cnn_{n}.fit(images_{n}, np.random.randint(0, {classes}, size=({samples},)), epochs=1)

""",
    # Recurrent model on a time series.
    """series_{n} = np.random.rand({samples}, {steps}, 1)
series_targets_{n} = np.random.rand({samples}, 1)
series_input_{n} = keras.Input(shape=({steps}, 1))
recurrent_{n} = layers.LSTM({units})(series_input_{n})
series_output_{n} = layers.Dense(1)(recurrent_{n})
lstm_model_{n} = keras.Model(inputs=series_input_{n}, outputs=series_output_{n})
lstm_model_{n}.compile(optimizer="adam", loss="mse")
lstm_model_{n}.fit(series_{n}, series_targets_{n}, epochs=2)

""",
    # Two-input model joined by Concatenate.
    """left_{n} = np.random.rand({samples}, {width})
right_{n} = np.random.rand({samples}, {steps})
left_input_{n} = keras.Input(shape=({width},))
right_input_{n} = keras.Input(shape=({steps},))
joined_{n} = layers.Concatenate()([left_input_{n}, right_input_{n}])
hidden_{n} = layers.Dense({units}, activation="relu")(joined_{n})
joined_output_{n} = layers.Dense(1, activation="sigmoid")(hidden_{n})
pair_model_{n} = keras.Model(inputs=[left_input_{n}, right_input_{n}], outputs=joined_output_{n})
pair_model_{n}.compile(optimizer="adam", loss="binary_crossentropy")
pair_model_{n}.fit([left_{n}, right_{n}], np.random.randint(0, 2, size=({samples}, 1)), epochs=1)

""",
    # A model-building function, called once.
    """def build_classifier_{n}(width, classes):
    \"\"\"A small classifier for `width` features.\"\"\"
    inputs = keras.Input(shape=(width,))
    hidden = layers.Dense({units}, activation="relu")(inputs)
    hidden = layers.Dense({units}, activation="relu")(hidden)
    outputs = layers.Dense(classes, activation="softmax")(hidden)
    return keras.Model(inputs, outputs)


classifier_{n} = build_classifier_{n}({width}, {classes})
classifier_{n}.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

""",
    # NumPy preprocessing and a prediction on one batch.
    """raw_{n} = np.random.rand({samples}, {side} * {side})
reshaped_{n} = raw_{n}.reshape(-1, {side}, {side}, 1).astype("float32")
scaled_{n} = reshaped_{n} / 255.0
batch_{n} = scaled_{n}[:32]
labels_{n} = keras.utils.to_categorical(np.random.randint(0, {classes}, size=({samples},)), {classes})
print(batch_{n}.shape, labels_{n}.shape)

""",
    # The classic mistake: the sample count inside Input(shape=...).
    """sequences_{n} = np.random.rand({samples}, {steps}, 1)
wrong_input_{n} = keras.Input(shape=({samples}, {steps}, 1))
wrong_recurrent_{n} = layers.LSTM({units})(wrong_input_{n})
wrong_model_{n} = keras.Model(inputs=wrong_input_{n}, outputs=layers.Dense(1)(wrong_recurrent_{n}))
wrong_model_{n}.compile(optimizer="adam", loss="mse")
wrong_model_{n}.fit(sequences_{n}, np.random.rand({samples}, 1), epochs=1)

""",
)
# The mistake block is rarer than the correct ones, as in real code.
_WEIGHTS = (4, 4, 4, 3, 3, 3, 1)


def _block(rng: random.Random, number: int) -> str:
    template = rng.choices(_BLOCKS, weights=_WEIGHTS)[0]
    return template.format(
        n=number,
        samples=rng.choice((100, 500, 1000, 2000)),
        width=rng.choice((8, 16, 20, 32)),
        classes=rng.choice((2, 5, 10)),
        units=rng.choice((16, 32, 64, 128)),
        side=rng.choice((28, 32, 64)),
        steps=rng.choice((10, 30, 50)),
    )


def local_keras_program(lines: int, seed: int) -> str:
    """A deterministic Keras program of exactly `lines` lines (this module's generator)."""
    rng = random.Random(seed)
    text = _HEADER.format(seed=seed)
    number = 0
    while True:
        block = _block(rng, number)
        if text.count("\n") + block.count("\n") > lines:
            break
        text += block
        number += 1
    missing = lines - text.count("\n")
    filler = [f"step_{i} = {i}\n" for i in range(missing)]
    return text + "".join(filler)


def keras_main_program(lines: int, seed: int) -> str:
    """`keras_program(lines, seed)` as a script keeps it in one function: the imports at the top,
    every other line in `def main():`, called under `if __name__ == "__main__":` (about `lines`
    lines: three more)."""
    imports, body = [], []
    for line in keras_program(lines, seed).splitlines(keepends=True):
        (imports if line.startswith(("import ", "from ")) else body).append(line)
    indented = "".join("    " + line if line.strip() else line for line in body)
    return "".join(imports) + "\n\ndef main():\n" + indented + '\n\nif __name__ == "__main__":\n    main()\n'


def _pick_generator() -> tuple[Callable[[int, int], str], str]:
    try:
        from generate import keras_program as shared  # bench/generate.py, when present
    except ImportError:
        return local_keras_program, "bench/corpus.py"
    return shared, "bench/generate.py"


keras_program, GENERATOR = _pick_generator()


def write_corpus(folder: Path, count: int, lines: int, first_seed: int = 0) -> list[Path]:
    """Write `count` generated programs of `lines` lines into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"program_{index:04d}.py"
        path.write_text(keras_program(lines, first_seed + index), encoding="utf-8")
        paths.append(path)
    return paths


# Edits -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Edit:
    """Insert `text` at (line, column): one keystroke, as an LSP client would send it."""

    line: int
    column: int
    text: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        target = lines[self.line]
        lines[self.line] = target[: self.column] + self.text + target[self.column :]
        return "".join(lines)


def middle_keystroke(source: str) -> Edit:
    """Typing a digit in front of an integer literal near the middle of the file (bench/edit_positions.py).

    Repeating it keeps the file valid and makes every version's text new, so no cache
    can answer from an earlier version (e.g. `64` -> `164` -> `1164`).
    """
    from edit_positions import keystroke

    return keystroke(source, "middle")
