"""The user's own modules: found in the workspace, read as text, interpreted once per content, and
their names bound in the importing document; everything that cannot be followed stays unknown."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.project_modules import MAX_MODULE_BYTES, MODULE_CACHE
from shapelint.values import Value

CONFIG = Config(keras_version=3)

DATA_MODULE = """
import numpy as np
IMG_SIZE = 28
INPUT_SHAPE = (28, 28, 1)

def load_data(n=100):
    x = np.zeros((n, IMG_SIZE, IMG_SIZE, 1))
    y = np.zeros((n,), dtype="int64")
    return (x[:80], y[:80]), (x[80:], y[80:])
"""

# A model whose labels do not fit its loss: found only when the imported data's shapes are known.
TRAIN = """
import keras
from keras import layers
{imports}
(x_train, y_train), (x_test, y_test) = {call}
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run(root: Path, document: str, text: str, **options: object) -> tuple[dict[str, Value], list[str]]:
    path = root / document
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    analysis = analyze(text, options.pop("config", CONFIG), path=str(path), root=str(root), **options)  # type: ignore[arg-type]
    assert not analysis.facts.internal_errors, analysis.facts.internal_errors
    return analysis.facts.module_names, [d.code for d in analysis.diagnostics]


def shape_of(names: dict[str, Value], name: str) -> str:
    return names[name].describe() if name in names else "unbound"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    MODULE_CACHE.clear()


def test_a_sibling_module_gives_its_functions_and_constants(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE})
    names, codes = run(
        tmp_path, "train.py", TRAIN.format(imports="from data import load_data, IMG_SIZE", call="load_data()")
    )
    assert shape_of(names, "x_train") == "ndarray (80, 28, 28, 1) float64"
    assert shape_of(names, "y_test") == "ndarray (20,) int64"
    assert shape_of(names, "IMG_SIZE") == "28"
    assert "SL105" in codes


def test_import_module_as_alias_and_attribute_access(tmp_path: Path) -> None:
    write(tmp_path, {"preprocessing.py": DATA_MODULE})
    names, codes = run(
        tmp_path, "train.py", TRAIN.format(imports="import preprocessing as pp", call="pp.load_data(n=50)")
    )
    assert shape_of(names, "x_train") == "ndarray (50, 28, 28, 1) float64"  # slicing past 50 stops at 50
    assert "SL105" in codes


def test_a_package_module_and_a_dotted_import(tmp_path: Path) -> None:
    write(tmp_path, {"utils/__init__.py": "VERSION = 2\n", "utils/data.py": DATA_MODULE})
    names, _ = run(tmp_path, "train.py", TRAIN.format(imports="from utils.data import load_data", call="load_data()"))
    assert shape_of(names, "x_train") == "ndarray (80, 28, 28, 1) float64"
    names, _ = run(tmp_path, "train.py", TRAIN.format(imports="import utils.data", call="utils.data.load_data()"))
    assert shape_of(names, "x_train") == "ndarray (80, 28, 28, 1) float64"
    names, _ = run(tmp_path, "train.py", "import utils.data\nv = utils.VERSION\n")
    assert shape_of(names, "v") == "2"


def test_a_namespace_package_without_init(tmp_path: Path) -> None:
    write(tmp_path, {"helpers/data.py": DATA_MODULE})
    names, _ = run(tmp_path, "train.py", "from helpers.data import INPUT_SHAPE\n")
    assert shape_of(names, "INPUT_SHAPE") == "(28, 28, 1)"


def test_relative_imports_inside_a_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "project/__init__.py": "",
            "project/data.py": DATA_MODULE,
            "project/config.py": "from .data import INPUT_SHAPE\nSHAPE = INPUT_SHAPE\n",
        },
    )
    names, _ = run(tmp_path, "project/train.py", "from .config import SHAPE\nfrom . import data\ns = data.IMG_SIZE\n")
    assert shape_of(names, "SHAPE") == "(28, 28, 1)"
    assert shape_of(names, "s") == "28"


def test_a_module_found_at_the_workspace_root(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE})
    names, _ = run(tmp_path, "notebooks/train.py", "from data import INPUT_SHAPE\n")
    assert shape_of(names, "INPUT_SHAPE") == "(28, 28, 1)"


def test_a_missing_module_or_name_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE})
    names, codes = run(
        tmp_path, "train.py", TRAIN.format(imports="from data import nothing_here as load", call="load()")
    )
    assert shape_of(names, "x_train") == "unknown"
    assert codes == []
    names, codes = run(tmp_path, "train.py", TRAIN.format(imports="from absent import load", call="load()"))
    assert shape_of(names, "x_train") == "unknown" and codes == []


def test_import_cycles_are_bounded_and_silent(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": "from b import B\nA = 1\n",
            "b.py": "from a import A\nB = A\n",
            "c.py": "import c\nC = 3\n",
        },
    )
    names, codes = run(tmp_path, "train.py", "from a import A, B\nfrom c import C\n")
    assert shape_of(names, "A") == "1"
    assert shape_of(names, "B") == "unknown"  # b saw a while a was still being read
    assert shape_of(names, "C") == "3"
    assert codes == []


def test_a_deep_import_chain_is_bounded(tmp_path: Path) -> None:
    files = {f"m{i}.py": f"from m{i + 1} import V\n" for i in range(30)}
    files["m30.py"] = "V = 7\n"
    write(tmp_path, files)
    names, _ = run(tmp_path, "train.py", "from m0 import V\nfrom m29 import V as W\n")
    assert shape_of(names, "V") == "unknown"
    assert shape_of(names, "W") == "7"


def test_a_syntax_error_in_the_module_makes_it_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE + "\ndef broken(:\n    pass\n"})
    names, codes = run(tmp_path, "train.py", TRAIN.format(imports="from data import load_data", call="load_data()"))
    assert shape_of(names, "x_train") == "unknown"
    assert codes == []


def test_a_huge_module_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE + "#" * MAX_MODULE_BYTES})
    names, _ = run(tmp_path, "train.py", "from data import IMG_SIZE\n")
    assert shape_of(names, "IMG_SIZE") == "unknown"


def test_nothing_is_read_in_an_untrusted_workspace(tmp_path: Path) -> None:
    from shapelint.project_modules import ProjectModules
    from shapelint.workspace import Workspace

    write(tmp_path, {"data.py": DATA_MODULE})
    document = str(tmp_path / "train.py")
    assert ProjectModules(Workspace(document, str(tmp_path), trusted=True)).resolve("data")
    assert ProjectModules(Workspace(document, str(tmp_path), trusted=False)).resolve("data") is None
    assert ProjectModules(Workspace(None, str(tmp_path))).resolve("data") is None  # an unsaved buffer
    names, codes = run(
        tmp_path,
        "train.py",
        TRAIN.format(imports="from data import load_data", call="load_data()"),
        config=Config(keras_version=3, trusted=False),
    )
    assert shape_of(names, "x_train") == "unknown" and codes == []


def test_a_module_outside_the_root_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"outside/data.py": DATA_MODULE})
    (tmp_path / "root").mkdir()
    os.symlink(tmp_path / "outside" / "data.py", tmp_path / "root" / "data.py")
    names, _ = run(
        tmp_path / "root", "train.py", "from data import IMG_SIZE\nfrom ..outside.data import IMG_SIZE as B\n"
    )
    # Not read: the name is as unknown as any library name shapelint has no knowledge of.
    assert shape_of(names, "IMG_SIZE") in ("unknown", "data.IMG_SIZE")
    assert shape_of(names, "B") == "unknown"


def test_without_a_file_the_library_keeps_its_name(tmp_path: Path) -> None:
    names, codes = run(
        tmp_path,
        "train.py",
        TRAIN.format(
            imports="import numpy as np", call="((np.zeros((80, 28, 28, 1)), np.zeros((80,), dtype='int64')), (0, 0))"
        ),
    )
    assert shape_of(names, "np") == "numpy"
    assert "SL105" in codes


def test_a_library_named_module_beside_the_script_shadows_the_library(tmp_path: Path) -> None:
    write(tmp_path, {"app/keras.py": "VERSION = 1\n", "numpy.py": "VERSION = 2\n"})
    names, _ = run(tmp_path, "app/train.py", "import keras\nimport numpy\nv = keras.VERSION\n")
    assert shape_of(names, "v") == "1"  # as `python app/train.py` would import app/keras.py
    assert shape_of(names, "numpy") == "numpy"  # a root-level numpy.py is not on the script's path
    names, _ = run(tmp_path, "app/train.py", "import numpy as np\na = np.zeros((2, 3))\n")
    assert shape_of(names, "a") == "ndarray (2, 3) float64"


def test_a_library_named_folder_without_init_does_not_shadow(tmp_path: Path) -> None:
    write(tmp_path, {"keras/notes.py": "X = 1\n"})
    names, _ = run(tmp_path, "train.py", "import keras\nm = keras.Sequential()\n")
    assert shape_of(names, "keras") == "keras"


def test_star_import_binds_public_names(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": "IMG_SIZE = 224\n_PRIVATE = 1\nINPUT_SHAPE = (IMG_SIZE, IMG_SIZE, 3)\n"})
    names, _ = run(tmp_path, "train.py", "from config import *\n")
    assert shape_of(names, "INPUT_SHAPE") == "(224, 224, 3)"
    assert "_PRIVATE" not in names


def test_a_module_is_interpreted_once_per_content(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": DATA_MODULE})
    text = TRAIN.format(imports="from data import load_data", call="load_data()")
    before = MODULE_CACHE.interpreted
    for _ in range(5):
        names, _ = run(tmp_path, "train.py", text + "\n# an edit elsewhere\n")
    assert MODULE_CACHE.interpreted - before == 1
    assert shape_of(names, "x_train") == "ndarray (80, 28, 28, 1) float64"
    (tmp_path / "data.py").write_text(DATA_MODULE.replace("n=100", "n=200") + "\n")
    names, _ = run(tmp_path, "train.py", text)
    assert MODULE_CACHE.interpreted - before == 2
    assert shape_of(names, "x_train") == "ndarray (80, 28, 28, 1) float64"
    assert shape_of(names, "x_test") == "ndarray (120, 28, 28, 1) float64"


def test_a_change_in_a_module_imported_by_an_imported_module_is_seen(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": "SIZE = 28\n", "data.py": "from config import SIZE\nSHAPE = (SIZE, SIZE)\n"})
    names, _ = run(tmp_path, "train.py", "from data import SHAPE\n")
    assert shape_of(names, "SHAPE") == "(28, 28)"
    (tmp_path / "config.py").write_text("SIZE = 32\n# changed\n")
    names, _ = run(tmp_path, "train.py", "from data import SHAPE\n")
    assert shape_of(names, "SHAPE") == "(32, 32)"


def test_a_module_created_where_an_imported_module_found_none_is_seen(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": "from helpers import SIZE\nSHAPE = (SIZE, SIZE)\n"})
    names, _ = run(tmp_path, "train.py", "from data import SHAPE\n")
    assert shape_of(names, "SHAPE") == "(helpers.SIZE, helpers.SIZE)"  # no such module: a library's name
    write(tmp_path, {"helpers.py": "SIZE = 28\n"})
    names, _ = run(tmp_path, "train.py", "from data import SHAPE\n")
    assert shape_of(names, "SHAPE") == "(28, 28)"
    (tmp_path / "helpers.py").unlink()
    write(tmp_path, {"helpers/__init__.py": "SIZE = 32\n"})  # a package in its place
    names, _ = run(tmp_path, "train.py", "from data import SHAPE\n")
    assert shape_of(names, "SHAPE") == "(32, 32)"


def test_the_analysis_lists_where_it_found_no_module(tmp_path: Path) -> None:
    write(tmp_path, {"data.py": "import numpy as np\nfrom helpers import SIZE\n"})
    analysis = analyze("from data import SIZE\n", CONFIG, path=str(tmp_path / "train.py"), root=str(tmp_path))
    assert str(tmp_path / "helpers.py") in analysis.facts.absent_module_paths
    assert str(tmp_path / "helpers") in analysis.facts.absent_module_paths
    assert str(tmp_path / "data.py") not in analysis.facts.absent_module_paths


def test_an_open_buffer_wins_over_the_disk(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": "SIZE = 28\n"})
    buffers = {os.path.realpath(tmp_path / "config.py"): "SIZE = 64\n"}
    names, _ = run(tmp_path, "train.py", "from config import SIZE\n", open_files=buffers)
    assert shape_of(names, "SIZE") == "64"
    names, _ = run(tmp_path, "train.py", "from config import SIZE\n")
    assert shape_of(names, "SIZE") == "28"


def test_the_analysis_lists_the_modules_it_imported(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": "SIZE = 28\n", "data.py": "from config import SIZE\n"})
    path = tmp_path / "train.py"
    analysis = analyze("from data import SIZE\n", CONFIG, path=str(path), root=str(tmp_path))
    assert set(analysis.facts.imported_paths) == {
        os.path.realpath(tmp_path / "config.py"),
        os.path.realpath(tmp_path / "data.py"),
    }


def test_models_built_by_an_imported_function_are_checked_at_the_importer(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "model.py": """
            import keras
            from keras import layers
            model_in_module = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])

            def build_model(input_shape, classes):
                inputs = keras.Input(shape=input_shape)
                x = layers.Flatten()(inputs)
                outputs = layers.Dense(classes, activation="softmax")(x)
                model = keras.Model(inputs, outputs)
                model.compile(loss="categorical_crossentropy", optimizer="adam")
                return model
            """
        },
    )
    text = (
        "import numpy as np\nfrom model import build_model, model_in_module\n"
        "x = np.zeros((10, 28, 28))\ny = np.zeros((10,), dtype='int64')\n"
        "model = build_model((28, 28), 10)\nmodel.fit(x, y)\n"
    )
    names, codes = run(tmp_path, "train.py", text)
    assert codes == ["SL105"]  # reported at the importer's fit, nothing placed in model.py
    assert shape_of(names, "model_in_module") == "unknown"  # mutable objects are not shared


def test_data_only_helpers_are_interpreted_once_per_argument_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint.interpreter import Interpreter

    calls: list[str] = []
    original = Interpreter._interpret_call

    def counting(self: Interpreter, function, call, unknown):  # type: ignore[no-untyped-def]
        calls.append(function.node.name.value)
        return original(self, function, call, unknown)

    monkeypatch.setattr(Interpreter, "_interpret_call", counting)
    lines = ["import numpy as np", "def scale(x, factor=255.0):", "    return x / factor"]
    lines += [f"a{i} = scale(np.zeros((8, {4 + i % 2})))" for i in range(50)]
    text = "\n".join(lines) + "\n"
    analysis = analyze(text, CONFIG)
    assert calls.count("scale") == 2
    assert analysis.facts.module_names["a48"].describe() == "ndarray (8, 4) float64"
    assert analysis.facts.module_names["a49"].describe() == "ndarray (8, 5) float64"


def test_a_pure_helper_called_with_ever_new_shapes_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint.interpreter import Interpreter
    from shapelint.limits import MAX_SUMMARIES_PER_FUNCTION

    calls: list[str] = []
    original = Interpreter._interpret_call

    def counting(self: Interpreter, function, call, unknown):  # type: ignore[no-untyped-def]
        calls.append(function.node.name.value)
        return original(self, function, call, unknown)

    monkeypatch.setattr(Interpreter, "_interpret_call", counting)
    lines = ["import numpy as np", "def twice(x):", "    return x * 2"]
    lines += [f"a{i} = twice(np.zeros(({i + 1}, 3)))" for i in range(40)]
    analyze("\n".join(lines) + "\n", CONFIG)
    assert calls.count("twice") == MAX_SUMMARIES_PER_FUNCTION


def test_helpers_with_effects_run_at_every_call() -> None:
    text = """
import keras
from keras import layers
model = keras.Sequential()
model.add(keras.Input(shape=(8,)))
def block(units):
    model.add(layers.Dense(units))
block(4)
block(4)
model.add(layers.Dense(1))
"""
    analysis = analyze(text, CONFIG)
    model = analysis.facts.module_names["model"]
    assert len(model.layers) == 3  # type: ignore[attr-defined]


def test_user_class_methods_return_their_data() -> None:
    text = """
import numpy as np
class Loader:
    def __init__(self, n):
        self.x = np.zeros((n, 28, 28))
    def images(self):
        return self.x
loader = Loader(12)
images = loader.images()
"""
    analysis = analyze(text, CONFIG)
    assert analysis.facts.module_names["images"].describe() == "ndarray (12, 28, 28) float64"


def test_a_notebook_function_defined_in_a_later_cell_is_known_where_used() -> None:
    from shapelint.engine import analyze_notebook

    cells = [
        "import numpy as np",
        "x = make(5)",
        "def make(n):\n    return np.zeros((n, 3))",
    ]
    analysis = analyze_notebook(cells, CONFIG)
    assert analysis.facts.module_names["x"].describe() == "ndarray (5, 3) float64"
    script = analyze("\n".join(cells) + "\n", CONFIG)
    assert script.facts.module_names["x"].describe() == "unknown"  # a script would raise NameError


def test_closures_and_default_arguments_follow_each_call() -> None:
    text = """
import numpy as np
def make(n):
    def f(k=3):
        return np.zeros((n, k))
    return f
a = make(5)()
b = make(7)(k=2)
"""
    names = analyze(text, CONFIG).facts.module_names
    assert names["a"].describe() == "ndarray (5, 3) float64"
    assert names["b"].describe() == "ndarray (7, 2) float64"
