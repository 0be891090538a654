"""Images and folders of images: the Keras dataset makers, ImageDataGenerator, load_img, PIL, OpenCV, tf.image.

Shapes come from the arguments (`image_size=(256, 256)` and the other defaults), from the class
sub-folders of a directory (`ev.workspace.list_directory`) and from image file headers
(`ev.workspace.read_head`, parsed by `image_headers`). Nothing is read in an untrusted
workspace, and a folder or file that cannot be read leaves that part unknown.

    keras.utils.image_dataset_from_directory("data/flowers", image_size=(180, 180))
        -> Dataset of ((180, 180, 3) float32, () int32 over as many classes as sub-folders), batched
    np.array(Image.open("cat.png").convert("L").resize((64, 32)))   -> (32, 64)
    cv2.resize(cv2.imread(path), (64, 32))                           -> (32, 64, 3)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from shapelint.calls import CallArgs
from shapelint.knowledge.image_headers import HEAD_BYTES, ImageHeader, mode_bands, mode_is_2d, parse_image_header
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.knowledge.tf_data import BatchSource, slice_element
from shapelint.shapes import Dim, Shape
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    DatasetValue,
    DictValue,
    ObjectValue,
    RefValue,
    Seq,
    Value,
    const_int,
    const_str,
    int_tuple,
)

_COLOR_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
_MAX_FILE_ENTRIES = 1000  # non-folder entries looked at to find folder links, at most
_PIL_IMAGE = "PIL.Image.Image"
_GENERATOR = "keras.preprocessing.image.ImageDataGenerator"
_ITERATOR = "keras.preprocessing.image.Iterator"


# Reading the workspace ------------------------------------------------------------------------


def class_folders(ev: Evaluator, directory: Value) -> tuple[str, ...] | None:
    """The class names Keras infers from `directory`: its sub-folders, sorted (None: unknown).

    Keras counts links to folders too; an entry that cannot be looked at (a link that leads out of
    the workspace) makes the count unknown.
    """
    path = const_str(directory)
    located = ev.workspace.locate(path) if path else None
    entries = ev.workspace.list_directory(located) if located else None
    if entries is None or located is None:
        return None
    names: list[str] = []
    others = 0
    for entry in entries:
        if entry.is_dir:
            names.append(entry.name)
            continue
        others += 1
        if others > _MAX_FILE_ENTRIES:
            return None
        target = ev.workspace.locate(os.path.join(located, entry.name))
        if target is None:
            return None
        if ev.workspace.list_directory(target) is not None:
            names.append(entry.name)
    return tuple(names)


def image_header(ev: Evaluator, path: Value) -> ImageHeader | None:
    """The header of the image file `path` names, when it is a readable file of a known format."""
    name = const_str(path)
    located = ev.workspace.locate(name) if name else None
    return parse_image_header(ev.workspace.read_head(located, HEAD_BYTES)) if located else None


def _literal_names(value: Value | None) -> tuple[str, ...] | None:
    if isinstance(value, Seq) and all(const_str(item) is not None for item in value.items):
        return tuple(const_str(item) or "" for item in value.items)
    return None


def _size(value: Value | None, default: tuple[int, int]) -> tuple[Dim, Dim] | None:
    """An (height, width) argument; None when it is given but not literal."""
    if value is None:
        return default
    dims = int_tuple(value, allow_none=False)
    if dims is None or len(dims) != 2:
        return None
    return dims[0], dims[1]


# keras.utils.*_dataset_from_* ------------------------------------------------------------------


def _labels(
    ev: Evaluator, call: CallArgs, directory: Value, mode_param: tuple[int, str], default_mode: str
) -> tuple[Value | None, tuple[str, ...] | None]:
    """The label of one sample (None: no labels; unknown: labels of a shape not known) and the class names."""
    labels = call.get(1, "labels")
    label_mode = call.get(*mode_param)
    if labels == Const(None) or label_mode == Const(None):
        return None, None
    mode = default_mode if label_mode is None else const_str(label_mode)
    explicit = isinstance(labels, Seq)  # one label per file, in the order of the files
    if mode is None or (labels is not None and not explicit and const_str(labels) != "inferred"):
        return UNKNOWN, None  # the images are still known, whatever comes with them
    names = _literal_names(call.get(3, "class_names"))
    if names is None and not explicit:
        names = class_folders(ev, directory)
    count = len(names) if names is not None else None
    if mode == "int":
        return ArrayValue(Shape(()), "int32", kind="tensor", classes=count), names
    if mode == "categorical":
        return ArrayValue(Shape((count,)), "float32", kind="tensor"), names
    if mode == "binary":
        return ArrayValue(Shape((1,)), "float32", kind="tensor"), names
    return UNKNOWN, None


def _batched_split(
    element: Value, call: CallArgs, batch_index: int, default_batch: int, names: tuple[str, ...] | None
) -> Value:
    """The dataset(s) a Keras dataset maker returns: batched unless batch_size=None; two for subset="both"."""
    batch_size = call.get(batch_index, "batch_size")
    if batch_size is None:
        batched = default_batch > 0
    elif batch_size == Const(None):
        batched = False
    elif const_int(batch_size) is not None:
        batched = True
    else:
        return UNKNOWN  # a batch size we cannot see might be None
    dataset = DatasetValue(element, batched, class_names=names)
    if const_str(call.get(None, "subset") or UNKNOWN) == "both":
        return Seq((dataset, dataset), "list")
    return dataset


@function(
    "keras.utils.image_dataset_from_directory",
    "keras.preprocessing.image_dataset_from_directory",
    "keras.utils.image_dataset_utils.image_dataset_from_directory",
    "keras.preprocessing.image_dataset.image_dataset_from_directory",
)
def _image_dataset(ev: Evaluator, call: CallArgs) -> Value:
    directory = call.get(0, "directory") or UNKNOWN
    channels = _COLOR_CHANNELS.get(const_str(call.get(4, "color_mode") or Const("rgb")) or "")
    size = _size(call.get(6, "image_size"), (256, 256))
    if channels is None or size is None:
        return UNKNOWN
    data_format = const_str(call.get(None, "data_format") or UNKNOWN)
    dims = (channels, *size) if data_format == "channels_first" else (*size, channels)
    images = ArrayValue(Shape(dims), "float32", kind="tensor")
    label, names = _labels(ev, call, directory, (2, "label_mode"), "int")
    element = images if label is None else Seq((images, label), "tuple")
    return _batched_split(element, call, 5, 32, names)


@function(
    "keras.utils.text_dataset_from_directory",
    "keras.preprocessing.text_dataset_from_directory",
    "keras.utils.text_dataset_utils.text_dataset_from_directory",
    "keras.preprocessing.text_dataset.text_dataset_from_directory",
)
def _text_dataset(ev: Evaluator, call: CallArgs) -> Value:
    directory = call.get(0, "directory") or UNKNOWN
    texts = ArrayValue(Shape(()), "string", kind="tensor")
    label, names = _labels(ev, call, directory, (2, "label_mode"), "int")
    element = texts if label is None else Seq((texts, label), "tuple")
    return _batched_split(element, call, 4, 32, names)


@function(
    "keras.utils.timeseries_dataset_from_array",
    "keras.preprocessing.timeseries_dataset_from_array",
    "keras.utils.timeseries_dataset_utils.timeseries_dataset_from_array",
)
def _timeseries_dataset(ev: Evaluator, call: CallArgs) -> Value:
    data = call.get(0, "data")
    targets = call.get(1, "targets")
    length = const_int(call.get(2, "sequence_length") or UNKNOWN)
    if not isinstance(data, ArrayValue) or not data.shape.dims or length is None or length <= 0:
        return UNKNOWN
    windows = ArrayValue(Shape((length, *data.shape.dims[1:])), data.dtype, kind="tensor")
    if targets is None or targets == Const(None):
        element: Value = windows
    else:
        element = Seq((windows, slice_element(targets) if isinstance(targets, ArrayValue) else UNKNOWN), "tuple")
    return _batched_split(element, call, 5, 128, None)


# ImageDataGenerator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _GeneratorConfig:
    channels_first: bool


@function("keras.preprocessing.image.ImageDataGenerator", "keras.legacy.preprocessing.image.ImageDataGenerator")
def _image_data_generator(ev: Evaluator, call: CallArgs) -> Value:
    data_format = call.get(None, "data_format")
    if data_format is not None and data_format != Const(None) and const_str(data_format) is None:
        return UNKNOWN
    return ObjectValue(_GENERATOR, _GeneratorConfig(const_str(data_format or UNKNOWN) == "channels_first"))


def _iterator(element: Value, names: tuple[str, ...] | None) -> Value:
    return ObjectValue(_ITERATOR, BatchSource(DatasetValue(element, batched=True), names))


@method(_GENERATOR, "flow")
def _flow(ev: Evaluator, generator: ObjectValue, call: CallArgs) -> Value:
    x = call.get(0, "x")
    y = call.get(1, "y")
    if not isinstance(x, ArrayValue) or x.shape.rank != 4:
        return UNKNOWN
    images = slice_element(x)
    if y is None or y == Const(None):
        return _iterator(images, None)
    labels = slice_element(y) if isinstance(y, ArrayValue) else UNKNOWN
    return _iterator(Seq((images, labels), "tuple"), None)


def _directory_images(generator: ObjectValue, call: CallArgs, size_index: int, mode_index: int) -> ArrayValue | None:
    size = _size(call.get(size_index, "target_size"), (256, 256))
    channels = _COLOR_CHANNELS.get(const_str(call.get(mode_index, "color_mode") or Const("rgb")) or "")
    if size is None or channels is None:
        return None
    config = generator.state
    first = isinstance(config, _GeneratorConfig) and config.channels_first
    return ArrayValue(Shape((channels, *size) if first else (*size, channels)), "float32")


def _class_labels(images: ArrayValue, class_mode: Value | None, count: int | None) -> Value | None:
    """The element of an iterator for `class_mode` (None: unknown class_mode)."""
    mode = "categorical" if class_mode is None else (None if class_mode == Const(None) else const_str(class_mode))
    if class_mode is not None and class_mode != Const(None) and mode is None:
        return None
    if mode is None:
        return images
    if mode == "categorical":
        return Seq((images, ArrayValue(Shape((count,)), "float32")), "tuple")
    if mode == "binary":
        return Seq((images, ArrayValue(Shape(()), "float32")), "tuple")
    if mode == "sparse":
        return Seq((images, ArrayValue(Shape(()), "float32", classes=count)), "tuple")
    if mode == "input":
        return Seq((images, images), "tuple")
    return Seq((images, UNKNOWN), "tuple")  # "raw", "multi_output": the dataframe decides


@method(_GENERATOR, "flow_from_directory")
def _flow_from_directory(ev: Evaluator, generator: ObjectValue, call: CallArgs) -> Value:
    images = _directory_images(generator, call, 1, 2)
    if images is None:
        return UNKNOWN
    names = _literal_names(call.get(3, "classes"))
    if names is None and call.get(3, "classes") in (None, Const(None)):
        names = class_folders(ev, call.get(0, "directory") or UNKNOWN)
    element = _class_labels(images, call.get(4, "class_mode"), len(names) if names is not None else None)
    return _iterator(element, names) if element is not None else UNKNOWN


@method(_GENERATOR, "flow_from_dataframe")
def _flow_from_dataframe(ev: Evaluator, generator: ObjectValue, call: CallArgs) -> Value:
    images = _directory_images(generator, call, 5, 6)
    if images is None:
        return UNKNOWN
    names = _literal_names(call.get(7, "classes"))
    element = _class_labels(images, call.get(8, "class_mode"), len(names) if names is not None else None)
    return _iterator(element, names) if element is not None else UNKNOWN


@method(_GENERATOR, "fit")
def _generator_fit(ev: Evaluator, generator: ObjectValue, call: CallArgs) -> Value:
    return Const(None)


@attribute(_ITERATOR, "class_indices", "num_classes", "image_shape")
def _iterator_attribute(ev: Evaluator, iterator: ObjectValue, name: str) -> Value:
    source = iterator.state
    if not isinstance(source, BatchSource):
        return UNKNOWN
    if name == "image_shape":
        element = source.dataset.element
        images = element.items[0] if isinstance(element, Seq) else element
        if isinstance(images, ArrayValue) and images.shape.dims is not None:
            return Seq(tuple(Const(d) for d in images.shape.dims))
        return UNKNOWN
    if source.class_names is None:
        return UNKNOWN
    if name == "num_classes":
        return Const(len(source.class_names))
    return DictValue(
        tuple(Const(n) for n in source.class_names), tuple(Const(i) for i in range(len(source.class_names)))
    )


# PIL images and keras.utils.load_img ------------------------------------------------------------


class PilImage:
    """A PIL image: its size and mode, each None when unknown. Mutable: `thumbnail` changes it in place."""

    def __init__(self, width: int | None, height: int | None, mode: str | None) -> None:
        self.width = width
        self.height = height
        self.mode = mode

    def as_array(self) -> Value:
        """np.array(image): (height, width) for one value per pixel, else (height, width, bands)."""
        if mode_is_2d(self.mode):
            dtype = {"1": "bool", "L": "uint8", "P": "uint8"}.get(self.mode or "")
            return ArrayValue(Shape((self.height, self.width)), dtype)
        bands = mode_bands(self.mode)
        if bands is None:
            return UNKNOWN
        return ArrayValue(Shape((self.height, self.width, bands)), "uint8")


def _image(value: ObjectValue) -> PilImage:
    return value.state if isinstance(value.state, PilImage) else PilImage(None, None, None)


def _pil(width: int | None, height: int | None, mode: str | None) -> ObjectValue:
    return ObjectValue(_PIL_IMAGE, PilImage(width, height, mode))


@function("PIL.Image.open")
def _pil_open(ev: Evaluator, call: CallArgs) -> Value:
    header = image_header(ev, call.get(0, "fp") or UNKNOWN)
    if header is None:
        return _pil(None, None, None)
    return _pil(header.width, header.height, header.mode)


@function("PIL.Image.fromarray")
def _pil_fromarray(ev: Evaluator, call: CallArgs) -> Value:
    array = call.get(0, "obj")
    if not isinstance(array, ArrayValue) or array.shape.dims is None:
        return _pil(None, None, None)
    dims = array.shape.dims
    mode = const_str(call.get(1, "mode") or UNKNOWN)
    if len(dims) == 2:
        return _pil(dims[1], dims[0], mode or ("L" if array.dtype == "uint8" else None))
    if len(dims) == 3:
        return _pil(
            dims[1], dims[0], mode or {3: "RGB", 4: "RGBA"}.get(dims[2] or 0) if array.dtype == "uint8" else mode
        )
    return _pil(None, None, None)


@function(
    "keras.utils.load_img",
    "keras.preprocessing.image.load_img",
    "keras.utils.image_utils.load_img",
)
def _load_img(ev: Evaluator, call: CallArgs) -> Value:
    mode = _COLOR_MODES.get(const_str(call.get(2, "color_mode") or Const("rgb")) or "")
    target = call.get(3, "target_size")
    size = None if target is None or target == Const(None) else _size(target, (0, 0))
    if target is not None and target != Const(None) and size is None:
        return _pil(None, None, mode)
    if size is not None:
        return _pil(size[1], size[0], mode)
    header = image_header(ev, call.get(0, "path") or UNKNOWN)
    return _pil(header.width if header else None, header.height if header else None, mode)


@function("keras.utils.img_to_array", "keras.preprocessing.image.img_to_array", "keras.utils.image_utils.img_to_array")
def _img_to_array(ev: Evaluator, call: CallArgs) -> Value:
    image = call.get(0, "img")
    if not isinstance(image, ObjectValue) or not isinstance(image.state, PilImage):
        return UNKNOWN
    state = image.state
    bands = 1 if mode_is_2d(state.mode) else mode_bands(state.mode)
    if bands is None:
        return UNKNOWN
    first = const_str(call.get(1, "data_format") or UNKNOWN) == "channels_first"
    dims = (bands, state.height, state.width) if first else (state.height, state.width, bands)
    return ArrayValue(Shape(dims), dtype_name(call.get(2, "dtype")) or "float32")


@method(_PIL_IMAGE, "convert")
def _pil_convert(ev: Evaluator, image: ObjectValue, call: CallArgs) -> Value:
    state = _image(image)
    mode = call.get(0, "mode")
    return _pil(state.width, state.height, const_str(mode) if mode is not None else None)


@method(_PIL_IMAGE, "resize")
def _pil_resize(ev: Evaluator, image: ObjectValue, call: CallArgs) -> Value:
    state = _image(image)
    size = int_tuple(call.get(0, "size") or UNKNOWN, allow_none=False)
    if size is None or len(size) != 2:
        return _pil(None, None, state.mode)
    return _pil(size[0], size[1], state.mode)  # PIL sizes are (width, height)


@method(_PIL_IMAGE, "copy", "filter")
def _pil_same(ev: Evaluator, image: ObjectValue, call: CallArgs) -> Value:
    state = _image(image)
    return _pil(state.width, state.height, state.mode)


@method(_PIL_IMAGE, "thumbnail", "draft", "putalpha", "crop", "rotate", "transpose", "reduce")
def _pil_changed(ev: Evaluator, image: ObjectValue, call: CallArgs) -> Value:
    """Methods that change the size or mode, some in place: what was known of the image is forgotten."""
    state = _image(image)
    state.width = state.height = None
    state.mode = None
    return _pil(None, None, None)


@attribute(_PIL_IMAGE, "size", "width", "height", "mode")
def _pil_attribute(ev: Evaluator, image: ObjectValue, name: str) -> Value:
    state = _image(image)
    if name == "size":
        return Seq((Const(state.width), Const(state.height))) if state.width and state.height else UNKNOWN
    known = {"width": state.width, "height": state.height, "mode": state.mode}[name]
    return Const(known) if known is not None else UNKNOWN


# OpenCV -----------------------------------------------------------------------------------------

_IMREAD = {"IMREAD_COLOR": 1, "IMREAD_GRAYSCALE": 0, "IMREAD_UNCHANGED": -1}
# cvtColor codes by the channel count of their result (0: a 2-D image).
_CONVERSIONS = {
    0: ("BGR2GRAY", "RGB2GRAY", "BGRA2GRAY", "RGBA2GRAY"),
    3: (
        "BGR2RGB",
        "RGB2BGR",
        "GRAY2BGR",
        "GRAY2RGB",
        "BGRA2BGR",
        "RGBA2RGB",
        "BGRA2RGB",
        "RGBA2BGR",
        "BGR2HSV",
        "RGB2HSV",
        "HSV2BGR",
        "HSV2RGB",
        "BGR2LAB",
        "RGB2LAB",
        "LAB2BGR",
        "LAB2RGB",
        "BGR2YCrCb",
        "RGB2YCrCb",
        "YCrCb2BGR",
        "YCrCb2RGB",
        "BGR2HLS",
        "RGB2HLS",
    ),
    4: ("BGR2BGRA", "RGB2RGBA", "BGR2RGBA", "RGB2BGRA", "GRAY2BGRA", "GRAY2RGBA", "BGRA2RGBA", "RGBA2BGRA"),
}
_CONVERSION_CHANNELS = {f"cv2.COLOR_{code}": channels for channels, codes in _CONVERSIONS.items() for code in codes}


def _cv2_flag(value: Value | None) -> int | None:
    if value is None:
        return 1
    if isinstance(value, RefValue) and value.name.startswith("cv2."):
        return _IMREAD.get(value.name[4:])
    return const_int(value)


@function("cv2.imread")
def _cv2_imread(ev: Evaluator, call: CallArgs) -> Value:
    flag = _cv2_flag(call.get(1, "flags"))
    if flag not in (0, 1, -1):
        return UNKNOWN
    header = image_header(ev, call.get(0, "filename") or UNKNOWN)
    height: Dim = header.height if header else None
    width: Dim = header.width if header else None
    if header is not None and header.exif and header.width != header.height:
        height = width = None  # OpenCV applies the EXIF orientation, which may swap the sides
    if flag == 0:
        return ArrayValue(Shape((height, width)), "uint8")
    if flag == 1:
        return ArrayValue(Shape((height, width, 3)), "uint8")
    if header is None or header.format not in ("png", "jpeg") or header.mode in (None, "P", "1", "I;16"):
        return UNKNOWN  # unchanged: depth and palette handling differ by format
    bands = mode_bands(header.mode)
    return ArrayValue(Shape((height, width)) if bands is None else Shape((height, width, bands)), "uint8")


@function("cv2.resize")
def _cv2_resize(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "src")
    size = int_tuple(call.get(1, "dsize") or UNKNOWN, allow_none=False)
    if not isinstance(source, ArrayValue) or source.shape.dims is None or size is None or len(size) != 2:
        return UNKNOWN
    if 0 in size or len(source.shape.dims) not in (2, 3):
        return UNKNOWN  # dsize (0, 0) with fx/fy
    rest = source.shape.dims[2:]
    if rest and rest[0] is None:
        return UNKNOWN  # a single channel comes back 2-D
    if rest == (1,):
        rest = ()
    return ArrayValue(Shape((size[1], size[0], *rest)), source.dtype)


@function("cv2.cvtColor")
def _cv2_cvtcolor(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "src")
    code = call.get(1, "code")
    if not isinstance(source, ArrayValue) or source.shape.rank not in (2, 3) or not isinstance(code, RefValue):
        return UNKNOWN
    channels = _CONVERSION_CHANNELS.get(code.name)
    if channels is None:
        return UNKNOWN
    dims = source.shape.dims or ()
    return ArrayValue(Shape((dims[0], dims[1]) if channels == 0 else (dims[0], dims[1], channels)), source.dtype)


# tf.image and tf.io ---------------------------------------------------------------------------


def _image_tensor(value: Value | None) -> ArrayValue | None:
    if isinstance(value, ArrayValue) and value.shape.rank in (3, 4):
        return value
    return None


@function("tensorflow.image.resize", "keras.ops.image.resize")
def _tf_resize(ev: Evaluator, call: CallArgs) -> Value:
    images = _image_tensor(call.get(0, "images") or call.get(0, "image"))
    size = _size(call.get(1, "size"), (0, 0)) if call.get(1, "size") is not None else None
    if images is None or images.shape.dims is None:
        return UNKNOWN
    if size is None or call.get(None, "preserve_aspect_ratio") not in (None, Const(False)):
        size = (None, None)
    dims = images.shape.dims
    return ArrayValue(Shape((*dims[:-3], size[0], size[1], dims[-1])), "float32", kind="tensor")


def _resized_to(call: CallArgs, dtype: str | None) -> Value:
    images = _image_tensor(call.get(0, "image"))
    height = const_int(call.get(1, "target_height") or UNKNOWN)
    width = const_int(call.get(2, "target_width") or UNKNOWN)
    if images is None or images.shape.dims is None:
        return UNKNOWN
    dims = images.shape.dims
    return ArrayValue(Shape((*dims[:-3], height, width, dims[-1])), dtype, kind="tensor")


@function("tensorflow.image.resize_with_pad")
def _tf_resize_with_pad(ev: Evaluator, call: CallArgs) -> Value:
    return _resized_to(call, "float32")


@function("tensorflow.image.resize_with_crop_or_pad")
def _tf_resize_with_crop_or_pad(ev: Evaluator, call: CallArgs) -> Value:
    image = call.get(0, "image")
    return _resized_to(call, image.dtype if isinstance(image, ArrayValue) else None)


@function(
    "tensorflow.image.random_flip_left_right",
    "tensorflow.image.random_flip_up_down",
    "tensorflow.image.flip_left_right",
    "tensorflow.image.flip_up_down",
    "tensorflow.image.random_brightness",
    "tensorflow.image.random_contrast",
    "tensorflow.image.random_saturation",
    "tensorflow.image.random_hue",
    "tensorflow.image.adjust_brightness",
    "tensorflow.image.adjust_contrast",
    "tensorflow.image.per_image_standardization",
)
def _tf_same_image(ev: Evaluator, call: CallArgs) -> Value:
    images = _image_tensor(call.get(0, "image"))
    return ArrayValue(images.shape, images.dtype, kind="tensor") if images is not None else UNKNOWN


def _recolored(call: CallArgs, channels: int) -> Value:
    images = _image_tensor(call.get(0, "images") or call.get(0, "image"))
    if images is None or images.shape.dims is None:
        return UNKNOWN
    return ArrayValue(Shape((*images.shape.dims[:-1], channels)), images.dtype, kind="tensor")


@function("tensorflow.image.rgb_to_grayscale")
def _tf_rgb_to_grayscale(ev: Evaluator, call: CallArgs) -> Value:
    return _recolored(call, 1)


@function("tensorflow.image.grayscale_to_rgb")
def _tf_grayscale_to_rgb(ev: Evaluator, call: CallArgs) -> Value:
    return _recolored(call, 3)


@function("tensorflow.image.random_crop")
def _tf_random_crop(ev: Evaluator, call: CallArgs) -> Value:
    size = int_tuple(call.get(1, "size") or UNKNOWN)
    source = call.get(0, "value")
    if size is None or not isinstance(source, ArrayValue):
        return UNKNOWN
    return ArrayValue(Shape(size), source.dtype, kind="tensor")


@dataclass(frozen=True)
class _FileContents:
    """A scalar string tensor holding a file's bytes (tf.io.read_file), and the header of that file."""

    header: ImageHeader | None


@function("tensorflow.io.read_file", "tensorflow.read_file")
def _read_file(ev: Evaluator, call: CallArgs) -> Value:
    return ObjectValue(
        "tensorflow.io.FileContents", _FileContents(image_header(ev, call.get(0, "filename") or UNKNOWN))
    )


# The channel count decoding with channels=0 gives, by PIL mode (palette images are expanded: unknown).
_DECODED_CHANNELS = {"1": 1, "L": 1, "I;16": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def _decoded(ev: Evaluator, call: CallArgs, formats: tuple[str, ...]) -> Value:
    contents = call.get(0, "contents")
    state = contents.state if isinstance(contents, ObjectValue) else None
    header = state.header if isinstance(state, _FileContents) else None
    if header is not None and header.format not in formats:
        header = None
    requested = call.get(1, "channels")
    channels = 0 if requested is None or requested == Const(None) else const_int(requested)
    if channels is None or channels not in (0, 1, 2, 3, 4):
        return UNKNOWN
    found: int | None = channels
    if channels == 0:
        found = _DECODED_CHANNELS.get(header.mode or "") if header is not None else None
    dtype = dtype_name(call.get(None, "dtype")) or "uint8"
    height = header.height if header else None
    width = header.width if header else None
    return ArrayValue(Shape((height, width, found)), dtype, kind="tensor")


@function("tensorflow.image.decode_png", "tensorflow.io.decode_png")
def _decode_png(ev: Evaluator, call: CallArgs) -> Value:
    return _decoded(ev, call, ("png",))


@function("tensorflow.image.decode_jpeg", "tensorflow.io.decode_jpeg")
def _decode_jpeg(ev: Evaluator, call: CallArgs) -> Value:
    return _decoded(ev, call, ("jpeg",))


@function("tensorflow.image.decode_image", "tensorflow.io.decode_image")
def _decode_image(ev: Evaluator, call: CallArgs) -> Value:
    # expand_animations=True (the default) gives GIFs four axes: the rank is known only without it.
    if call.get(3, "expand_animations") != Const(False):
        return UNKNOWN
    return _decoded(ev, call, ("png", "jpeg", "bmp"))
