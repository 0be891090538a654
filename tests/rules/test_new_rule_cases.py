"""SL111-SL113 and the SL102/SL104/SL105 cases added with them: behaviour beyond the rules' own
examples, in particular where Keras 2 and Keras 3 differ, and the code the fixes write."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic, Severity
from shapelint.engine import analyze
from shapelint.fixes import apply_edits
from shapelint.rules.sl105_label_output_mismatch import regression_pairing
from shapelint.shapes import Shape

KERAS3 = Config(keras_version=3)
KERAS2 = Config(keras_version=2)


def findings(source: str, code: str, config: Config = KERAS3) -> list[Diagnostic]:
    return [d for d in analyze(source, config).diagnostics if d.code == code]


# SL102: the fix on a shape held by a name, and the data's own channel axis --------------------

SHAPE_FROM_NAME = """import numpy as np
import keras
from keras import layers
x = np.random.rand(100, 28, 28)
input_shape = x.shape[1:]
inputs = keras.Input(shape=input_shape)
h = layers.Conv2D(8, 3)(inputs)
"""


def test_sl102_fix_unpacks_a_shape_held_by_a_name() -> None:
    (diagnostic,) = findings(SHAPE_FROM_NAME, "SL102")
    first = diagnostic.fixes[0]
    assert first.safe
    fixed = apply_edits(SHAPE_FROM_NAME, first.edits)
    assert "keras.Input(shape=(*input_shape, 1))" in fixed
    assert not findings(fixed, "SL102") and not findings(fixed, "SL111")


def test_sl102_offers_the_channel_axis_where_the_data_is_defined() -> None:
    (diagnostic,) = findings(SHAPE_FROM_NAME, "SL102")
    data_fix = diagnostic.fixes[1]
    assert not data_fix.safe  # every later use of x sees the new axis
    fixed = apply_edits(SHAPE_FROM_NAME, data_fix.edits)
    assert fixed.splitlines()[4] == "x = np.expand_dims(x, -1)"
    assert fixed.splitlines()[5] == "input_shape = x.shape[1:]"
    assert not findings(fixed, "SL102")


def test_sl102_data_fix_goes_before_the_line_that_reads_the_shape() -> None:
    source = SHAPE_FROM_NAME.replace("inputs = keras", "x = x / 255.0\ninputs = keras")
    (diagnostic,) = findings(source, "SL102")
    fixed = apply_edits(source, diagnostic.fixes[1].edits).splitlines()
    assert fixed.index("x = np.expand_dims(x, -1)") < fixed.index("input_shape = x.shape[1:]")
    assert not findings("\n".join(fixed), "SL102")


def test_sl102_data_fix_is_not_offered_when_a_loop_binds_the_data() -> None:
    source = SHAPE_FROM_NAME.replace("input_shape = x", "for x in [x]:\n    pass\ninput_shape = x")
    (diagnostic,) = findings(source, "SL102")
    assert len(diagnostic.fixes) == 1


# SL105: a unit count keeps the program's name for it --------------------------------------------

UNITS = """import numpy as np
import keras
from keras import layers
num_classes = 5
x = np.random.rand(100, 8)
y = keras.utils.to_categorical(np.random.randint(0, 5, size=(100,)), num_classes)
model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(UNITS, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)
"""


def test_sl105_units_fix_keeps_the_name_inside_the_expression() -> None:
    source = UNITS.replace("UNITS", "num_classes * 2")
    (diagnostic,) = findings(source, "SL105")
    assert not diagnostic.fixes[0].safe
    assert "layers.Dense(num_classes, " in apply_edits(source, diagnostic.fixes[0].edits)


def test_sl105_units_fix_uses_a_class_count_name_of_the_module() -> None:
    source = UNITS.replace("UNITS", "10")
    (diagnostic,) = findings(source, "SL105")
    assert "layers.Dense(num_classes, " in apply_edits(source, diagnostic.fixes[0].edits)


def test_sl105_units_fix_writes_the_number_when_no_name_holds_it() -> None:
    source = UNITS.replace("num_classes = 5", "n = 5").replace("num_classes)", "n)").replace("UNITS", "10")
    (diagnostic,) = findings(source, "SL105")
    assert "layers.Dense(5, " in apply_edits(source, diagnostic.fixes[0].edits)


# SL105: regression labels, as Keras 3 and Keras 2 pair them (checked under TensorFlow 2.21) --------


def pairing(output: tuple[int | None, ...], labels: tuple[int, ...], keras_major: int) -> str:
    found = regression_pairing(Shape(output), Shape(labels), keras_major)
    return "same" if found is None else "error" if found[0] is None else "broadcast"


def test_regression_pairing_matches_keras3() -> None:
    assert pairing((None, 1), (100,), 3) == "same"
    assert pairing((None, 10, 1), (100, 10), 3) == "same"
    assert pairing((None, 5), (100, 5, 1), 3) == "same"
    assert pairing((None, 10, 10), (100, 10, 1), 3) == "broadcast"
    assert pairing((None, 1), (100, 3), 3) == "broadcast"
    assert pairing((None, 3), (100, 1), 3) == "broadcast"
    assert pairing((None, 10), (100, 3), 3) == "error"
    assert pairing((None, 3), (100,), 3) == "error"
    assert pairing((None, 8), (100, 1452, 8), 3) == "error"


def test_regression_pairing_keras2_widens_1d_labels_first() -> None:
    assert pairing((None, 1), (100,), 2) == "same"
    assert pairing((None, 3), (100,), 2) == "broadcast"
    assert pairing((None, 10), (100, 3), 2) == "error"


def test_regression_unknown_sizes_are_silent() -> None:
    assert regression_pairing(Shape((None, None)), Shape((100, 3)), 3) is None


REGRESSION = """import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.rand(100)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
"""


def test_sl105_regression_severity_follows_the_target_keras() -> None:
    (keras3,) = findings(REGRESSION, "SL105", KERAS3)
    (keras2,) = findings(REGRESSION, "SL105", KERAS2)
    assert keras3.severity == Severity.ERROR and "cannot be broadcast" in keras3.message
    assert keras2.severity == Severity.WARNING and "broadcasts them to (None, 3)" in keras2.message


# SL111: Keras 2 reads Input(shape=28) as (28,) -----------------------------------------------------


def test_sl111_int_input_shape_is_fine_for_keras2_input_but_not_for_a_layer() -> None:
    assert not findings("import keras\ninputs = keras.Input(shape=28)\n", "SL111", KERAS2)
    layer = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4, input_shape=(13))])\n"
    assert findings(layer, "SL111", KERAS2)


def test_sl111_unknown_sizes_are_silent() -> None:
    source = "import keras\nimport sys\nn = int(sys.argv[1])\ninputs = keras.Input(shape=(n, 3))\n"
    assert not findings(source, "SL111")


# SL104: exact convolution rank (Keras 2 folds extra axes of Conv1D/2D/3D) ------------------------

CONV1D_ON_IMAGES = """import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.LAYER(8, 3)(inputs)
"""


def test_sl104_extra_conv_axis_depends_on_the_target_keras() -> None:
    conv1d = CONV1D_ON_IMAGES.replace("LAYER", "Conv1D")
    separable = CONV1D_ON_IMAGES.replace("LAYER", "SeparableConv1D")
    assert findings(conv1d, "SL104", KERAS3)
    assert not findings(conv1d, "SL104", KERAS2)
    assert findings(separable, "SL104", KERAS2)


# SL112 and SL113 -------------------------------------------------------------------------------


def test_sl112_set_weights_before_the_layer_is_built_is_not_judged() -> None:
    source = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        "dense = layers.Dense(8)\n"
        "dense.set_weights([np.ones((8, 4)), np.zeros(8)])\n"
        "outputs = dense(keras.Input(shape=(4,)))\n"
    )
    assert not findings(source, "SL112")


def test_sl113_modern_positional_strides_are_silent() -> None:
    source = "import keras\nx = keras.layers.Conv2D(32, 3, 3)(keras.Input(shape=(28, 28, 1)))\n"
    assert not findings(source, "SL113")


def test_sl111_a_nested_model_first_in_a_sequential_is_not_a_layer() -> None:
    source = (
        "import keras\n"
        "base = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4)])\n"
        "model = keras.Sequential([base, keras.layers.Dense(1)])\n"
    )
    assert not findings(source, "SL111")
