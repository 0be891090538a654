"""Images and folders: shapes from arguments and their defaults, class folders and image file headers."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.testing import actual, expected
from shapelint.values import Value

_MAKE_DATA = Path(__file__).parents[1] / "fixtures" / "make_data.py"
_spec = importlib.util.spec_from_file_location("make_data", _MAKE_DATA)
assert _spec is not None and _spec.loader is not None
make_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_data)
CONFIG = Config(keras_version=3)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    flowers = tmp_path / "data" / "flowers"
    for index, name in enumerate(("daisy", "roses", "tulips")):
        (flowers / name).mkdir(parents=True)
        (flowers / name / "a.png").write_bytes(make_data.png_bytes(6, 5, 3, index))
    (flowers / "README.txt").write_text("three kinds of flowers\n")
    (tmp_path / "data" / "photo.png").write_bytes(make_data.png_bytes(40, 30, 3))
    (tmp_path / "data" / "digit.png").write_bytes(make_data.png_bytes(28, 28, 1))
    (tmp_path / "data" / "logo.png").write_bytes(make_data.png_bytes(16, 16, 4))
    return tmp_path


UNTRUSTED = Config(keras_version=3, trusted=False)


def run(project: Path | None, text: str, trusted: bool = True) -> dict[str, Value]:
    """The module's names after analysing `text` as `train.py` in `project` (None: an unsaved buffer)."""
    path = None
    if project is not None:
        path = project / "train.py"
        path.write_text(text)
    config = CONFIG if trusted else UNTRUSTED
    analysis = analyze(text, config, path=str(path) if path else None, root=str(project) if project else None)
    assert not analysis.facts.internal_errors
    return analysis.facts.module_names


def described(names: dict[str, Value], name: str) -> str:
    return names[name].describe()


HEAD = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"


def test_image_dataset_defaults(project: Path) -> None:
    names = run(project, HEAD + 'ds = keras.utils.image_dataset_from_directory("data/flowers")\n')
    assert described(names, "ds") == "Dataset of (Tensor (256, 256, 3) float32, Tensor () int32) (batched)"


@pytest.mark.parametrize(
    ("arguments", "element"),
    [
        ('image_size=(180, 120), color_mode="grayscale"', "(Tensor (180, 120, 1) float32, Tensor () int32)"),
        ('color_mode="rgba", label_mode="categorical"', "(Tensor (256, 256, 4) float32, Tensor (3,) float32)"),
        ('label_mode="binary"', "(Tensor (256, 256, 3) float32, Tensor (1,) float32)"),
        ("label_mode=None", "Tensor (256, 256, 3) float32"),
        ("labels=None", "Tensor (256, 256, 3) float32"),
        ('class_names=["a", "b"], label_mode="categorical"', "(Tensor (256, 256, 3) float32, Tensor (2,) float32)"),
    ],
)
def test_image_dataset_arguments(project: Path, arguments: str, element: str) -> None:
    names = run(
        project, HEAD + f'ds = tf.keras.preprocessing.image_dataset_from_directory("data/flowers", {arguments})\n'
    )
    assert described(names, "ds") == f"Dataset of {element} (batched)"


def test_unbatched_and_both_subsets(project: Path) -> None:
    text = HEAD + (
        'one = keras.utils.image_dataset_from_directory("data/flowers", batch_size=None)\n'
        'train, val = keras.utils.image_dataset_from_directory("data/flowers", validation_split=0.5,'
        ' subset="both", seed=1)\n'
        "names = train.class_names\n"
        "count = len(train.class_names)\n"
    )
    names = run(project, text)
    assert not names["one"].describe().endswith("(batched)")  # type: ignore[union-attr]
    assert described(names, "train") == described(names, "val")
    assert described(names, "names") == "['daisy', 'roses', 'tulips']"  # README.txt is not a class
    assert described(names, "count") == "3"


def test_class_count_unknown_when_the_folder_is_missing_unreadable_or_untrusted(project: Path) -> None:
    text = HEAD + 'ds = keras.utils.image_dataset_from_directory("data/nowhere", label_mode="categorical")\n'
    assert "Tensor (None,) float32" in described(run(project, text), "ds")
    text = HEAD + 'ds = keras.utils.image_dataset_from_directory("data/flowers", label_mode="categorical")\n'
    assert "Tensor (None,) float32" in described(run(project, text, trusted=False), "ds")
    assert "Tensor (None,) float32" in described(run(None, text), "ds")


def test_a_folder_link_counts_and_a_link_out_of_the_workspace_makes_the_count_unknown(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = HEAD + 'ds = keras.utils.image_dataset_from_directory("data/flowers", label_mode="categorical")\n'
    (project / "data" / "lilies").mkdir()
    os.symlink(project / "data" / "lilies", project / "data" / "flowers" / "lilies")
    assert "Tensor (4,) float32" in described(run(project, text), "ds")
    outside = tmp_path_factory.mktemp("elsewhere")
    os.symlink(outside, project / "data" / "flowers" / "zinnias")
    assert "Tensor (None,) float32" in described(run(project, text), "ds")


def test_unknown_class_count_is_silent_but_a_known_one_is_checked(project: Path) -> None:
    model = (
        "model = keras.Sequential([keras.Input(shape=(32, 32, 3)), keras.layers.Flatten(),"
        " keras.layers.Dense(5, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy', optimizer='adam')\n"
    )
    fit = "model.fit(ds)  # error: SL105\n"
    known = HEAD + (
        'ds = keras.utils.image_dataset_from_directory("data/flowers", image_size=(32, 32), label_mode="categorical")\n'
    )
    path = project / "train.py"
    text = known + model + fit
    found = actual(analyze(text, CONFIG, path=str(path), root=str(project)).diagnostics)
    assert found == expected(text)
    unknown = known.replace("data/flowers", "data/nowhere") + model + "model.fit(ds)\n"
    assert not actual(analyze(unknown, CONFIG, path=str(path), root=str(project)).diagnostics)


def test_text_and_timeseries_datasets(project: Path) -> None:
    text = HEAD + (
        'texts = keras.utils.text_dataset_from_directory("data/flowers", label_mode="categorical")\n'
        "series = keras.utils.timeseries_dataset_from_array(np.zeros((100, 4)), np.zeros((100, 2)), 12)\n"
        "inputs_only = keras.utils.timeseries_dataset_from_array(np.zeros((100, 4)), None, 12, batch_size=None)\n"
    )
    names = run(project, text)
    assert described(names, "texts") == "Dataset of (Tensor () string, Tensor (3,) float32) (batched)"
    assert described(names, "series") == "Dataset of (Tensor (12, 4) float64, Tensor (2,) float64) (batched)"
    assert described(names, "inputs_only") == "Dataset of Tensor (12, 4) float64"


def test_image_data_generator_iterators(project: Path) -> None:
    text = HEAD + (
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        "gen = ImageDataGenerator(rescale=1.0 / 255)\n"
        'flow = gen.flow_from_directory("data/flowers", batch_size=2)\n'
        'gray = gen.flow_from_directory("data/flowers", target_size=(64, 48), color_mode="grayscale",'
        ' class_mode="sparse")\n'
        "classes = flow.num_classes\n"
        "indices = len(flow.class_indices)\n"
        "arrays = gen.flow(np.zeros((10, 8, 8, 3)), np.zeros((10, 2)))\n"
        "x_batch, y_batch = next(flow)\n"
        "first = ImageDataGenerator(data_format='channels_first').flow_from_directory('data/flowers')\n"
        "x_first, _ = next(first)\n"
    )
    names = run(project, text)
    assert (described(names, "classes"), described(names, "indices")) == ("3", "3")
    assert described(names, "x_batch") == "ndarray (None, 256, 256, 3) float32"
    assert described(names, "y_batch") == "ndarray (None, 3) float32"
    assert described(names, "x_first") == "ndarray (None, 3, 256, 256) float32"


def test_image_data_generator_feeds_a_model(project: Path) -> None:
    text = HEAD + (
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        'flow = ImageDataGenerator().flow_from_directory("data/flowers")\n'
        "inputs = keras.Input(shape=(150, 150, 3))\n"
        "outputs = keras.layers.Dense(3, activation='softmax')(keras.layers.Flatten()(inputs))\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(loss='categorical_crossentropy', optimizer='adam')\n"
        "model.fit(flow, epochs=1)  # error: SL103\n"
        "model.fit_generator(flow, steps_per_epoch=2)  # error: SL103\n"
    )
    path = project / "train.py"
    assert actual(analyze(text, CONFIG, path=str(path), root=str(project)).diagnostics) == expected(text)


def test_pil_images(project: Path) -> None:
    text = HEAD + (
        "from PIL import Image\n"
        'img = Image.open("data/photo.png")\n'
        "rgb = np.array(img)\n"
        "size = img.size\n"
        'gray = np.asarray(img.convert("L").resize((64, 32)))\n'
        'rgba = np.array(Image.open("data/logo.png"))\n'
        'digit = np.array(Image.open("data/digit.png"))\n'
        'unknown_file = np.array(Image.open("data/missing.png").convert("RGB").resize((10, 20)))\n'
        'thumb = Image.open("data/photo.png")\n'
        "thumb.thumbnail((8, 8))\n"
        "thumbnail = np.array(thumb)\n"
        "from_array = np.array(Image.fromarray(np.zeros((5, 6, 3), dtype='uint8')))\n"
    )
    names = run(project, text)
    assert described(names, "rgb") == "ndarray (30, 40, 3) uint8"
    assert described(names, "size") == "(40, 30)"
    assert described(names, "gray") == "ndarray (32, 64) uint8"
    assert described(names, "rgba") == "ndarray (16, 16, 4) uint8"
    assert described(names, "digit") == "ndarray (28, 28) uint8"
    assert described(names, "unknown_file") == "ndarray (20, 10, 3) uint8"
    assert "thumbnail" not in names or names["thumbnail"].describe() == "unknown"
    assert described(names, "from_array") == "ndarray (5, 6, 3) uint8"


def test_load_img_and_img_to_array(project: Path) -> None:
    text = HEAD + (
        "from tensorflow.keras.preprocessing.image import load_img, img_to_array\n"
        'a = img_to_array(load_img("data/photo.png"))\n'
        'b = img_to_array(load_img("data/photo.png", color_mode="grayscale"))\n'
        'c = keras.utils.img_to_array(keras.utils.load_img("anywhere.jpg", target_size=(64, 48)))\n'
        'd = img_to_array(load_img("data/logo.png", color_mode="rgba"), data_format="channels_first")\n'
    )
    names = run(project, text)
    assert described(names, "a") == "ndarray (30, 40, 3) float32"
    assert described(names, "b") == "ndarray (30, 40, 1) float32"
    assert described(names, "c") == "ndarray (64, 48, 3) float32"
    assert described(names, "d") == "ndarray (4, 16, 16) float32"


def test_opencv(project: Path) -> None:
    text = HEAD + (
        "import cv2\n"
        'a = cv2.imread("data/photo.png")\n'
        'b = cv2.imread("data/photo.png", cv2.IMREAD_GRAYSCALE)\n'
        'c = cv2.imread("data/logo.png", cv2.IMREAD_UNCHANGED)\n'
        "d = cv2.resize(cv2.imread(path_from_somewhere), (64, 32))\n"
        "e = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)\n"
        "f = cv2.cvtColor(b, cv2.COLOR_GRAY2RGB)\n"
        "g = cv2.resize(np.zeros((10, 10, 1), dtype='uint8'), (5, 5))\n"
        'h = cv2.imread("data/photo.png", 0)\n'
    )
    names = run(project, text)
    assert described(names, "a") == "ndarray (30, 40, 3) uint8"
    assert described(names, "b") == "ndarray (30, 40) uint8"
    assert described(names, "c") == "ndarray (16, 16, 4) uint8"
    assert described(names, "d") == "ndarray (32, 64, 3) uint8"
    assert described(names, "e") == "ndarray (30, 40) uint8"
    assert described(names, "f") == "ndarray (30, 40, 3) uint8"
    assert described(names, "g") == "ndarray (5, 5) uint8"  # one channel comes back 2-D
    assert described(names, "h") == "ndarray (30, 40) uint8"


def test_tf_image_and_tf_io(project: Path) -> None:
    text = HEAD + (
        'logo = tf.image.decode_png(tf.io.read_file("data/logo.png"))\n'
        'gray = tf.image.decode_png(tf.io.read_file("data/logo.png"), channels=1)\n'
        "any_jpeg = tf.image.decode_jpeg(tf.io.read_file(some_path), channels=3)\n"
        "resized = tf.image.resize(any_jpeg, (128, 96))\n"
        "batch = tf.image.resize(tf.zeros((8, 32, 32, 3)), [64, 64])\n"
        "padded = tf.image.resize_with_pad(any_jpeg, 100, 120)\n"
        "to_gray = tf.image.rgb_to_grayscale(resized)\n"
        "kept = tf.image.resize(any_jpeg, (128, 96), preserve_aspect_ratio=True)\n"
    )
    names = run(project, text)
    assert described(names, "logo") == "Tensor (16, 16, 4) uint8"
    assert described(names, "gray") == "Tensor (16, 16, 1) uint8"
    assert described(names, "any_jpeg") == "Tensor (None, None, 3) uint8"
    assert described(names, "resized") == "Tensor (128, 96, 3) float32"
    assert described(names, "batch") == "Tensor (8, 64, 64, 3) float32"
    assert described(names, "padded") == "Tensor (100, 120, 3) float32"
    assert described(names, "to_gray") == "Tensor (128, 96, 1) float32"
    assert described(names, "kept") == "Tensor (None, None, 3) float32"


def test_a_fifo_or_a_link_out_of_the_workspace_is_never_read(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    os.mkfifo(project / "data" / "pipe.png")
    outside = tmp_path_factory.mktemp("outside") / "secret.png"
    outside.write_bytes(make_data.png_bytes(9, 9, 3))
    os.symlink(outside, project / "data" / "link.png")
    text = HEAD + (
        "from PIL import Image\n"
        'pipe = np.array(Image.open("data/pipe.png").convert("RGB"))\n'
        'link = np.array(Image.open("data/link.png").convert("RGB"))\n'
        f'absolute = np.array(Image.open("{outside}").convert("RGB"))\n'
    )
    names = run(project, text)  # a read of the FIFO would block here
    for name in ("pipe", "link", "absolute"):
        assert described(names, name) == "ndarray (None, None, 3) uint8"


def test_nothing_is_read_in_an_untrusted_workspace(project: Path) -> None:
    text = HEAD + 'from PIL import Image\nrgb = np.array(Image.open("data/photo.png"))\n'
    assert described(run(project, text), "rgb") == "ndarray (30, 40, 3) uint8"
    assert described(run(project, text, trusted=False), "rgb") == "unknown"  # mode unknown: rank unknown


def test_flow_from_dataframe_knows_the_images_and_the_class_modes(project: Path) -> None:
    text = HEAD + (
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        "gen = ImageDataGenerator(rescale=1.0 / 255)\n"
        "frame = gen.flow_from_dataframe(df, directory='data', x_col='file', y_col='label', target_size=(64, 64))\n"
        "xa, ya = next(frame)\n"
        "listed = gen.flow_from_dataframe(df, classes=['a', 'b'], class_mode='categorical')\n"
        "xb, yb = next(listed)\n"
        "raw = gen.flow_from_dataframe(df, class_mode='raw', color_mode='grayscale')\n"
        "xc, yc = next(raw)\n"
    )
    names = run(project, text)
    assert described(names, "xa") == "ndarray (None, 64, 64, 3) float32"
    assert described(names, "ya") == "ndarray (None, None) float32"  # the classes are in the dataframe
    assert described(names, "yb") == "ndarray (None, 2) float32"
    assert described(names, "xc") == "ndarray (None, 256, 256, 1) float32"
    assert described(names, "yc") == "unknown"


def test_apply_is_not_assumed_to_keep_the_element() -> None:
    text = HEAD + ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((10, 4))).apply(some_transformation)\n")
    assert run(None, text)["ds"].describe() == "unknown"


def test_labels_that_are_not_literal_leave_the_images_known(project: Path) -> None:
    text = HEAD + (
        'a = keras.utils.image_dataset_from_directory("data/flowers", labels=labels_from_somewhere)\n'
        'b = keras.utils.image_dataset_from_directory("data/flowers", label_mode=mode_from_somewhere)\n'
        'c = keras.utils.image_dataset_from_directory("data/flowers", labels=[0, 1, 2], label_mode="categorical")\n'
    )
    names = run(project, text)
    assert described(names, "a") == "Dataset of (Tensor (256, 256, 3) float32, unknown) (batched)"
    assert described(names, "b") == described(names, "a")
    assert described(names, "c") == "Dataset of (Tensor (256, 256, 3) float32, Tensor (None,) float32) (batched)"
