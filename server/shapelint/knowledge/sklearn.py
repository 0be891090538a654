"""scikit-learn: splitting, shuffling, preprocessing transformers, decompositions and toy datasets.

A transformer is an `ObjectValue` whose class is its canonical sklearn name and whose state is
what its constructor fixes about the output width (`PCA(n_components=50)` gives 50 columns).
`fit` returns the estimator itself, so `fit(X).transform(X)` chains; the output's row count is
the input's. Widths that depend on the data's values (categories, classes) are unknown unless
they are literal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.shapes import Dim, Shape, Symbol
from shapelint.values import UNKNOWN, ArrayValue, Const, ObjectValue, Seq, Value, const_int, literal

# Splitting and shuffling ----------------------------------------------------------------------


def _rows(value: Value) -> tuple[bool, Dim]:
    """Whether `value` is an array of rank >= 1, and its row count (None when unknown)."""
    if isinstance(value, ArrayValue) and value.shape.dims:
        return True, value.shape.dims[0]
    return False, None


def _with_rows(value: Value, rows: Dim, symbol: Symbol | None = None) -> Value:
    if not isinstance(value, ArrayValue) or not value.shape.dims:
        return UNKNOWN
    return replace(value, shape=value.shape.replace_dim(0, rows, symbol), origin=None, name=None)


def _size_number(value: Value | None) -> float | int | None:
    """A literal test_size/train_size (None: not given); raises ValueError when not literal."""
    if value is None or value == Const(None):
        return None
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return value.value
    raise ValueError("not a literal size")


def symbolic_split(rows: Symbol, test_size: Value | None, train_size: Value | None) -> tuple[Shape, Shape] | None:
    """The (train, test) row axes of a split of `rows` symbolic rows: an int size given as an int stays
    known, a fraction (or the rest) becomes a symbol of its own, the same for every array of the split.
    Each part has at least one row (sklearn raises otherwise), as a symbol must."""
    try:
        test, train = _size_number(test_size), _size_number(train_size)
    except ValueError:
        return None
    if test is None and train is None:
        test = 0.25
    if (isinstance(test, float) and not 0 < test < 1) or (isinstance(train, float) and not 0 < train < 1):
        return None
    how = f"{test!r}:{train!r}"

    def part(size: float | int | None, label: str) -> Shape:
        if isinstance(size, int):
            return Shape((size,))  # an absolute count is what it says
        return Shape((None,), (Symbol(f"{rows.key}|{label}:{how}", f"{rows.name}_{label}"),))

    return part(train, "train"), part(test, "test")


def split_sizes(rows: int, test_size: Value | None, train_size: Value | None) -> tuple[int, int] | None:
    """(train, test) row counts as sklearn's `_validate_shuffle_split` computes them, or None."""
    try:
        test, train = _size_number(test_size), _size_number(train_size)
    except ValueError:
        return None
    if test is None and train is None:
        test = 0.25
    n_test = n_train = None
    if isinstance(test, float):
        n_test = math.ceil(test * rows)
    elif isinstance(test, int):
        n_test = test
    if isinstance(train, float):
        n_train = math.floor(train * rows)
    elif isinstance(train, int):
        n_train = train
    if n_train is None and n_test is not None:
        n_train = rows - n_test
    elif n_test is None and n_train is not None:
        n_test = rows - n_train
    if n_train is None or n_test is None or n_train <= 0 or n_test <= 0 or n_train + n_test > rows:
        return None  # sklearn raises; say nothing
    return n_train, n_test


@function("sklearn.model_selection.train_test_split")
def _train_test_split(ev: Evaluator, call: CallArgs) -> Value:
    """train_test_split(*arrays, test_size=, train_size=, shuffle=, stratify=): two parts per array."""
    if call.has_star or not call.args:
        return UNKNOWN
    counts = {_rows(a)[1] for a in call.args if _rows(a)[0]}
    rows = counts.pop() if len(counts) == 1 else None
    test_size, train_size = call.kwargs.get("test_size"), call.kwargs.get("train_size")
    sizes = split_sizes(rows, test_size, train_size) if rows else None
    train_rows, test_rows = sizes if sizes is not None else (None, None)
    train_axis, test_axis = Shape((train_rows,)), Shape((test_rows,))
    # Arrays with the same symbolic rows (x and y of one file) split into parts that still agree.
    symbols = {a.shape.symbol(0) if isinstance(a, ArrayValue) else None for a in call.args}
    shared = symbols.pop() if len(symbols) == 1 and sizes is None else None
    split = symbolic_split(shared, test_size, train_size) if shared is not None else None
    if split is not None:
        train_axis, test_axis = split
    parts: list[Value] = []
    for array in call.args:  # shuffle and stratify change which rows, not how many
        for axis in (train_axis, test_axis):
            parts.append(_with_rows(array, axis[0], axis.symbol(0)))
    return Seq(tuple(parts), "list")


@function("sklearn.utils.shuffle", "sklearn.utils.resample")
def _shuffle(ev: Evaluator, call: CallArgs) -> Value:
    """shuffle(*arrays, n_samples=None): the same arrays (the first n_samples rows); one array alone."""
    if call.has_star or not call.args:
        return UNKNOWN
    n_samples = call.kwargs.get("n_samples")
    parts: list[Value] = []
    for array in call.args:
        if n_samples is None or n_samples == Const(None):
            parts.append(replace(array, origin=None, name=None) if isinstance(array, ArrayValue) else UNKNOWN)
        else:
            parts.append(_with_rows(array, const_int(n_samples)))
    return parts[0] if len(parts) == 1 else Seq(tuple(parts), "list")


# Transformers ---------------------------------------------------------------------------------

_SCALERS = ("StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer", "Binarizer")
_SHAPE_PRESERVING = (
    *(f"sklearn.preprocessing.{name}" for name in (*_SCALERS, "QuantileTransformer", "PowerTransformer")),
    "sklearn.impute.SimpleImputer",
    "sklearn.impute.KNNImputer",
)


@dataclass(frozen=True)
class TransformerState:
    """What the constructor fixes about the output: its width, whether it is dense, its classes."""

    kind: str  # "same" | "components" | "onehot" | "labels" | "binarizer"
    width: int | None = None  # output columns, when the constructor fixes them
    dense: bool = True  # False: a scipy sparse matrix comes out (unknown to shapelint)
    classes: int | None = None  # distinct literal labels seen by fit


def _state(transformer: ObjectValue) -> TransformerState:
    state = transformer.state
    return state if isinstance(state, TransformerState) else TransformerState("unknown")


def _transformer(kind: str, width: int | None = None, dense: bool = True) -> ObjectValue:
    return ObjectValue("sklearn.Transformer", TransformerState(kind, width, dense))


@function(*_SHAPE_PRESERVING)
def _shape_preserving(ev: Evaluator, call: CallArgs) -> Value:
    return _transformer("same")


@function("sklearn.decomposition.PCA", "sklearn.decomposition.KernelPCA")
def _components(ev: Evaluator, call: CallArgs) -> Value:
    value = call.get(0, "n_components")
    # PCA() keeps min(n, d) and PCA(0.95) a variance-dependent count: only an int is a width.
    return _transformer("components", const_int(value) if value is not None else None)


@function("sklearn.decomposition.TruncatedSVD")
def _truncated_svd(ev: Evaluator, call: CallArgs) -> Value:
    value = call.get(0, "n_components")
    return _transformer("components", 2 if value is None else const_int(value))


@function("sklearn.preprocessing.OneHotEncoder")
def _one_hot_encoder(ev: Evaluator, call: CallArgs) -> Value:
    sparse = call.kwargs.get("sparse_output", call.kwargs.get("sparse"))
    dense = sparse == Const(False)
    width = None
    categories = call.get(0, "categories")
    if categories is not None and categories != Const("auto"):
        try:
            lists = literal(categories)
            width = sum(len(column) for column in lists) if isinstance(lists, (list, tuple)) else None
        except (ValueError, TypeError):
            width = None
    if call.kwargs.get("drop") not in (None, Const(None)):
        width = None  # dropped categories: the width depends on which
    return _transformer("onehot", width, dense)


@function("sklearn.preprocessing.LabelEncoder")
def _label_encoder(ev: Evaluator, call: CallArgs) -> Value:
    return _transformer("labels")


@function("sklearn.preprocessing.LabelBinarizer")
def _label_binarizer(ev: Evaluator, call: CallArgs) -> Value:
    return _transformer("binarizer", dense=call.kwargs.get("sparse_output") != Const(True))


def _literal_classes(value: Value) -> int | None:
    """Distinct values of a literal 1-D list of labels (["cat", "dog", "cat"] has 2)."""
    if not isinstance(value, Seq) or not value.items:
        return None
    try:
        labels = literal(value)
    except ValueError:
        return None
    if not isinstance(labels, (list, tuple)) or any(isinstance(v, (list, tuple)) for v in labels):
        return None
    return len(set(labels))


def _as_array(value: Value) -> ArrayValue | None:
    """The array sklearn's check_array makes of an argument (a list literal becomes an array)."""
    if isinstance(value, ArrayValue):
        return value
    from shapelint.knowledge.numpy import literal_array_shape

    found = literal_array_shape(value)
    return ArrayValue(found[0], found[1]) if found is not None and found[0].dims else None


def transform_output(state: TransformerState, data: Value, classes: int | None) -> Value:
    """The array `transform(data)` returns for a transformer in `state`, or UNKNOWN."""
    array = _as_array(data)
    if state.kind == "labels" and (array is None or array.shape.dims is None):
        return ArrayValue(Shape((None,)), "int64")  # column_or_1d: encoded labels are 1-D whatever came in
    if array is None or array.shape.dims is None:
        return UNKNOWN
    dims = array.shape.dims
    if state.kind in ("labels", "binarizer"):
        if not (len(dims) == 1 or (len(dims) == 2 and dims[1] == 1)):
            return UNKNOWN  # LabelEncoder wants 1-D labels (a column is raveled with a warning)
        if state.kind == "labels":
            return ArrayValue(Shape((dims[0],)), "int64", classes=classes)
        if not state.dense:
            return UNKNOWN
        width = None if classes is None else (1 if classes == 2 else classes)
        return ArrayValue(Shape((dims[0], width)), "int64")
    if len(dims) != 2:
        return UNKNOWN  # 2-D samples x features only: anything else raises in sklearn
    if state.kind == "same":
        return ArrayValue(array.shape, "float64")
    if state.kind == "components":
        return ArrayValue(Shape((dims[0], state.width)), "float64")
    if state.kind == "onehot":
        return ArrayValue(Shape((dims[0], state.width)), "float64") if state.dense else UNKNOWN
    return UNKNOWN


@method("sklearn.Transformer", "fit")
def _fit(ev: Evaluator, transformer: ObjectValue, call: CallArgs) -> Value:
    data = call.get(0, "X") or call.get(0, "y")
    classes = _literal_classes(data) if data is not None else None
    return ObjectValue(transformer.cls, replace(_state(transformer), classes=classes))


@method("sklearn.Transformer", "fit_transform")
def _fit_transform(ev: Evaluator, transformer: ObjectValue, call: CallArgs) -> Value:
    data = call.get(0, "X") or call.get(0, "y")
    if data is None:
        return UNKNOWN
    result = transform_output(_state(transformer), data, _literal_classes(data))
    return replace(result, origin=call.node) if isinstance(result, ArrayValue) else result


@method("sklearn.Transformer", "transform")
def _transform(ev: Evaluator, transformer: ObjectValue, call: CallArgs) -> Value:
    data = call.get(0, "X") or call.get(0, "y")
    if data is None:
        return UNKNOWN
    result = transform_output(_state(transformer), data, _state(transformer).classes)
    return replace(result, origin=call.node) if isinstance(result, ArrayValue) else result


@method("sklearn.Transformer", "inverse_transform")
def _inverse_transform(ev: Evaluator, transformer: ObjectValue, call: CallArgs) -> Value:
    data = call.get(0, "X") or call.get(0, "y")
    kind = _state(transformer).kind
    if kind == "same" and isinstance(data, ArrayValue):
        return replace(data, origin=call.node, name=None)
    if kind == "labels" and isinstance(data, ArrayValue) and data.shape.rank == 1:
        return ArrayValue(data.shape, None, origin=call.node)
    return UNKNOWN  # components and encoders: the original width is not remembered


@attribute("sklearn.Transformer", "classes_")
def _classes(ev: Evaluator, transformer: ObjectValue, name: str) -> Value:
    classes = _state(transformer).classes
    return ArrayValue(Shape((classes,)), None) if classes is not None else UNKNOWN


# Toy datasets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToyDataset:
    rows: int
    features: int
    classes: int | None  # None: a regression target (float64)
    images: tuple[int, int] | None = None  # load_digits' 8x8 images


TOY_DATASETS: dict[str, ToyDataset] = {
    "sklearn.datasets.load_iris": ToyDataset(150, 4, 3),
    "sklearn.datasets.load_digits": ToyDataset(1797, 64, 10, images=(8, 8)),
    "sklearn.datasets.load_breast_cancer": ToyDataset(569, 30, 2),
    "sklearn.datasets.load_wine": ToyDataset(178, 13, 3),
    "sklearn.datasets.load_diabetes": ToyDataset(442, 10, None),
    "sklearn.datasets.fetch_california_housing": ToyDataset(20640, 8, None),
}


def _bunch(x: ArrayValue, y: ArrayValue, images: ArrayValue | None = None) -> Value:
    return ObjectValue("sklearn.utils.Bunch", (x, y, images))


def _toy(spec: ToyDataset):  # type: ignore[no-untyped-def]
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        if call.has_star or call.kwargs.get("as_frame") not in (None, Const(False)):
            return UNKNOWN
        if "n_class" in call.kwargs or call.args:
            return UNKNOWN  # load_digits(n_class=k) keeps the rows of k classes only
        rows = spec.rows
        x = ArrayValue(Shape((rows, spec.features)), "float64", origin=call.node)
        if spec.classes is None:
            y = ArrayValue(Shape((rows,)), "float64", origin=call.node)
        else:
            y = ArrayValue(Shape((rows,)), "int64", origin=call.node, classes=spec.classes)
        if call.kwargs.get("return_X_y") == Const(True):
            return Seq((x, y))
        images = ArrayValue(Shape((rows, *spec.images)), "float64") if spec.images else None
        return _bunch(x, y, images)

    return handler


for _name, _spec in TOY_DATASETS.items():
    function(_name)(_toy(_spec))


@attribute("sklearn.utils.Bunch", "data", "target", "images")
def _bunch_attribute(ev: Evaluator, bunch: ObjectValue, name: str) -> Value:
    if not isinstance(bunch.state, tuple):
        return UNKNOWN
    x, y, images = bunch.state
    found = {"data": x, "target": y, "images": images}[name]
    return found if found is not None else UNKNOWN


def _int_arg(call: CallArgs, index: int, name: str, default: int) -> int | None:
    value = call.get(index, name)
    return default if value is None else const_int(value)


def _samples(call: CallArgs) -> int | None:
    """n_samples: an int, or a tuple of per-class counts (make_moons/make_blobs accept both)."""
    value = call.get(0, "n_samples")
    if value is None:
        return 100
    if isinstance(value, Seq):
        counts = [const_int(item) for item in value.items]
        return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
    return const_int(value)


def _generated(call: CallArgs, features: int | None, classes: int | None, regression: bool = False) -> Value:
    rows = _samples(call)
    x = ArrayValue(Shape((rows, features)), "float64", origin=call.node)
    if regression:
        targets = _int_arg(call, 5, "n_targets", 1)
        y_shape = Shape((rows,)) if targets == 1 else Shape((rows, targets))
        y = ArrayValue(y_shape, "float64", origin=call.node)
    else:
        y = ArrayValue(Shape((rows,)), "int64", origin=call.node, classes=classes)
    return Seq((x, y))


@function("sklearn.datasets.make_classification")
def _make_classification(ev: Evaluator, call: CallArgs) -> Value:
    return _generated(call, _int_arg(call, 1, "n_features", 20), _int_arg(call, 5, "n_classes", 2))


@function("sklearn.datasets.make_regression")
def _make_regression(ev: Evaluator, call: CallArgs) -> Value:
    if call.kwargs.get("coef") == Const(True):
        return UNKNOWN  # a third value comes back
    return _generated(call, _int_arg(call, 1, "n_features", 100), None, regression=True)


@function("sklearn.datasets.make_blobs")
def _make_blobs(ev: Evaluator, call: CallArgs) -> Value:
    if call.kwargs.get("return_centers") == Const(True):
        return UNKNOWN
    samples = call.get(0, "n_samples")
    centers_value = call.get(2, "centers")
    if isinstance(samples, Seq):
        classes: int | None = len(samples.items)
    elif centers_value is None or centers_value == Const(None):
        classes = 3
    elif isinstance(centers_value, Seq):
        classes = len(centers_value.items)
    else:
        classes = const_int(centers_value)
    features = _int_arg(call, 1, "n_features", 2)
    if isinstance(centers_value, Seq) and centers_value.items and isinstance(centers_value.items[0], Seq):
        features = len(centers_value.items[0].items)  # centers given as points fix the width
    return _generated(call, features, classes)


@function("sklearn.datasets.make_moons", "sklearn.datasets.make_circles")
def _make_two_classes(ev: Evaluator, call: CallArgs) -> Value:
    return _generated(call, 2, 2)
