"""Every quick fix, applied alone to every buggy fixture and rule INVALID example, yields a program
that runs under real TensorFlow, or one that stops only at a later mistake shapelint reports on
the fixed program (see ``tests/fixtures/validate_fixes.py``). Skipped without TensorFlow, except
when ``CI=true``: then a missing TensorFlow is a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scripts_by_path import load_script

FIXTURES = Path(__file__).resolve().parent / "fixtures"


validation = load_script("shapelint_fix_validation", FIXTURES / "validate_fixes.py")
PROGRAMS = validation.buggy_programs() + validation.example_programs()


@pytest.mark.tensorflow
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_every_fix_runs_or_stops_at_a_reported_mistake(tensorflow_runner: Any, program: Any) -> None:
    outcomes = validation.judge(tensorflow_runner, program)
    if not outcomes:
        pytest.skip("no fix offered")
    failed = [f"{o.code} line {o.line} {o.fix!r}: {o.detail}" for o in outcomes if not o.ok]
    assert not failed, failed


class RaisingAt:
    """Stands in for TensorFlow: every fixed program raises at `line` (or runs, with None)."""

    def __init__(self, line: int | None) -> None:
        self.line = line

    def execute(self, path: Path, source: str) -> BaseException | None:
        if self.line is None:
            return None
        code = compile("\n" * (self.line - 1) + "raise ValueError('shape')", str(path), "exec")
        try:
            exec(code, {})
        except ValueError as error:
            return error
        return None


# Two mistakes: the Input lacks the channel axis (line 5), and the labels are integer ids for
# categorical_crossentropy (line 12). Fixing the first leaves the second.
PROGRAM = validation.Program(
    "two mistakes",
    FIXTURES / "buggy" / "two_mistakes.py",
    """import numpy as np
import keras
from keras import layers
x = np.random.rand(100, 28, 28)
inputs = keras.Input(shape=(28, 28))
h = layers.Conv2D(8, 3)(inputs)
h = layers.Flatten()(h)
model = keras.Model(inputs, layers.Dense(10, activation="softmax")(h))
model.compile(loss="categorical_crossentropy", optimizer="adam")
y = np.random.randint(0, 10, size=(100,))
x = np.expand_dims(x, -1)
model.fit(x, y)
""",
)


def test_a_fixed_program_that_runs_passes() -> None:
    outcomes = validation.judge(RaisingAt(None), PROGRAM)
    assert outcomes and all(o.status == "runs" for o in outcomes)


def test_a_fix_that_stops_at_a_reported_later_mistake_passes() -> None:
    outcomes = [o for o in validation.judge(RaisingAt(12), PROGRAM) if o.code == "SL102"]
    assert outcomes and all(o.status == "later-mistake" and "SL105" in o.detail for o in outcomes)


def test_a_fix_whose_program_fails_where_shapelint_is_silent_fails() -> None:
    outcomes = validation.judge(RaisingAt(2), PROGRAM)
    assert outcomes and all(o.status == "fails" and not o.ok for o in outcomes)
