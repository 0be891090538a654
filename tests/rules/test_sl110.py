"""SL110 invalid-reshape: behaviour beyond the rule's own examples."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits

KERAS3 = Config(keras_version=3)


def findings(source: str) -> list[Diagnostic]:
    return [d for d in analyze(source, KERAS3).diagnostics if d.code == "SL110"]


def test_message_gives_both_element_counts_and_their_factors() -> None:
    source = "import numpy as np\nx = np.zeros((1000,))\nw = x.reshape(1000, 10, 1)\n"
    (diagnostic,) = findings(source)
    assert "1000 * 10 * 1 = 10,000" in diagnostic.message
    assert "`x` has shape (1000,): 1,000" in diagnostic.message
    assert diagnostic.fix is None  # windows need more data, not another shape


def test_wrong_sample_count_fix_uses_minus_one_and_removes_the_finding() -> None:
    source = (
        "import numpy as np\n"
        "x_test = np.zeros((10000, 28, 28))\n"
        "x_test = x_test.reshape((60000, 28, 28, 1))\n"
    )
    (diagnostic,) = findings(source)
    fixed = apply_edits(source, fix_edits([diagnostic]))
    assert "x_test.reshape((-1, 28, 28, 1))" in fixed
    assert not findings(fixed)


def test_np_reshape_with_a_wrong_count_is_fixed_in_the_tuple() -> None:
    source = "import numpy as np\nx = np.zeros((10, 6))\ny = np.reshape(x, (20, 6))\n"
    fixed = apply_edits(source, fix_edits(findings(source)))
    assert "np.reshape(x, (-1, 6))" in fixed
    assert not findings(fixed)


def test_no_fix_when_more_than_the_sample_count_is_wrong() -> None:
    source = "import numpy as np\nx = np.zeros((60000, 28, 28))\ny = x.reshape(60000, 28, 28, 3)\n"
    (diagnostic,) = findings(source)
    assert diagnostic.fix is None
    assert "one channel, not 3" in diagnostic.message


def test_minus_one_that_cannot_divide() -> None:
    source = "import numpy as np\nx = np.zeros((100, 784))\ny = x.reshape(-1, 27, 28)\n"
    (diagnostic,) = findings(source)
    assert "not a multiple of 27 * 28 = 756" in diagnostic.message
