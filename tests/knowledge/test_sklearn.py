"""scikit-learn overlay: the shapes splits, transformers, decompositions and toy datasets return."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.knowledge.sklearn import split_sizes
from shapelint.values import ArrayValue, Const

KERAS3 = Config(keras_version=3)
HEADER = """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn import preprocessing, decomposition, datasets, impute, utils
X = np.random.rand(1000, 8)
y = np.random.randint(0, 3, size=(1000,))
"""


def shape_of(code: str, name: str = "r") -> tuple[int | None, ...] | None:
    """The dims of `name` after running HEADER + code; None when shapelint does not know an array."""
    value = analyze(HEADER + code, KERAS3).facts.module_names.get(name)
    return value.shape.dims if isinstance(value, ArrayValue) else None


@pytest.mark.parametrize(
    ("rows", "test_size", "train_size", "expected"),
    [
        (1000, None, None, (750, 250)),  # default test_size 0.25
        (10, 0.33, None, (6, 4)),  # test rows are rounded up
        (10, None, 0.67, (6, 4)),  # train rows are rounded down
        (1000, 200, None, (800, 200)),
        (1000, None, 700, (700, 300)),
        (1000, 0.1, 0.5, (500, 100)),  # both given: the rest is dropped
        (10, 20, None, None),  # more test rows than rows: sklearn raises
        (10, 0.0, None, None),
    ],
)
def test_split_sizes_follow_sklearn_rounding(
    rows: int, test_size: float | None, train_size: float | None, expected: tuple[int, int] | None
) -> None:
    test = Const(test_size) if test_size is not None else None
    train = Const(train_size) if train_size is not None else None
    assert split_sizes(rows, test, train) == expected


def test_split_sizes_agree_with_sklearn_itself() -> None:
    model_selection = pytest.importorskip("sklearn.model_selection")
    import numpy as np

    for rows, test_size in ((10, 0.33), (997, 0.2), (5, 0.5), (150, 30)):
        train, test = model_selection.train_test_split(np.zeros((rows, 2)), test_size=test_size)
        assert split_sizes(rows, Const(test_size), None) == (len(train), len(test))


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("a, b, c, d = train_test_split(X, y, test_size=0.2)", "a", (800, 8)),
        ("a, b, c, d = train_test_split(X, y, test_size=0.2)", "d", (200,)),
        ("a, b, c, d, e, f = train_test_split(X, y, X, train_size=0.7, stratify=y, shuffle=True)", "f", (300, 8)),
        ("a, b = train_test_split(X, test_size=100)", "b", (100, 8)),
        ("a, b = train_test_split(np.zeros((n, 5)), test_size=0.2)", "a", (None, 5)),
    ],
)
def test_train_test_split_splits_every_array_by_rows(code: str, name: str, expected: tuple[int, ...]) -> None:
    assert shape_of(code, name) == expected


def test_train_test_split_of_an_unknown_array_leaves_that_part_unknown() -> None:
    assert shape_of("a, b, c, d = train_test_split(unknown, y)", "a") is None
    assert shape_of("a, b, c, d = train_test_split(unknown, y)", "c") == (750,)  # y alone fixes the rows
    assert shape_of("a, b, c, d = train_test_split(X, np.zeros(20))", "a") == (None, 8)  # rows disagree


@pytest.mark.parametrize(
    "code",
    [
        "r = preprocessing.StandardScaler().fit_transform(X)",
        "r = preprocessing.MinMaxScaler(feature_range=(0, 1)).fit(X).transform(X)",
        "s = preprocessing.RobustScaler()\ns.fit(X)\nr = s.transform(X)",
        "r = preprocessing.MaxAbsScaler().fit_transform(X)",
        "r = preprocessing.Normalizer().fit_transform(X)",
        "r = preprocessing.QuantileTransformer().fit_transform(X)",
        "r = preprocessing.PowerTransformer().fit_transform(X)",
        "r = impute.SimpleImputer(strategy='mean').fit_transform(X)",
        "s = preprocessing.StandardScaler()\nz = s.fit_transform(X)\nr = s.inverse_transform(z)",
    ],
)
def test_scalers_and_imputers_keep_the_shape(code: str) -> None:
    assert shape_of(code) == (1000, 8)


def test_a_scaler_fitted_on_train_rows_transforms_test_rows() -> None:
    code = (
        "a, b = train_test_split(X, test_size=0.2)\n"
        "s = preprocessing.StandardScaler()\ns.fit_transform(a)\nr = s.transform(b)"
    )
    assert shape_of(code) == (200, 8)


@pytest.mark.parametrize(
    "code",
    [
        "r = preprocessing.StandardScaler().fit_transform(np.zeros(10))",  # 1-D: sklearn raises
        "r = preprocessing.OneHotEncoder().fit_transform(X)",  # sparse by default
        "r = preprocessing.OneHotEncoder(sparse=True).fit_transform(X)",
        "r = decomposition.PCA(n_components=k).fit_transform(X)",
        "r = preprocessing.StandardScaler().fit_transform(unknown)",
    ],
)
def test_what_sklearn_decides_from_the_data_stays_unknown(code: str) -> None:
    value = analyze(HEADER + code, KERAS3).facts.module_names.get("r")
    assert not isinstance(value, ArrayValue) or None in (value.shape.dims or (None,))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("r = decomposition.PCA(n_components=50).fit_transform(np.zeros((70, 784)))", (70, 50)),
        ("r = decomposition.PCA(3).fit(X).transform(X)", (1000, 3)),
        ("r = decomposition.TruncatedSVD().fit_transform(X)", (1000, 2)),
        ("r = decomposition.PCA(n_components=0.95).fit_transform(X)", (1000, None)),
        ("r = preprocessing.OneHotEncoder(sparse_output=False).fit_transform(X)", (1000, None)),
        (
            "r = preprocessing.OneHotEncoder(categories=[[0, 1, 2], ['a', 'b']], sparse_output=False).fit_transform(X)",
            (1000, 5),
        ),
        ("r = preprocessing.LabelEncoder().fit_transform(y)", (1000,)),
        ("r = preprocessing.LabelEncoder().fit_transform(y.reshape(-1, 1))", (1000,)),
        ("r = preprocessing.LabelEncoder().fit_transform(unknown_labels)", (None,)),
        ("r = preprocessing.LabelBinarizer().fit_transform(['a', 'b', 'c', 'a'])", (4, 3)),
        ("r = preprocessing.LabelBinarizer().fit_transform(['yes', 'no', 'no'])", (3, 1)),
        ("r = preprocessing.LabelBinarizer().fit_transform(y)", (1000, None)),
    ],
)
def test_widths_come_from_the_constructor_or_literal_values(code: str, expected: tuple[int | None, ...]) -> None:
    assert shape_of(code) == expected


def test_label_encoder_knows_the_classes_of_literal_labels_only() -> None:
    names = analyze(
        HEADER
        + "r = preprocessing.LabelEncoder().fit_transform(['a', 'b', 'a', 'c'])\n"
        + "q = preprocessing.LabelEncoder().fit_transform(y)",
        KERAS3,
    ).facts.module_names
    assert isinstance(names["r"], ArrayValue) and names["r"].classes == 3
    assert isinstance(names["q"], ArrayValue) and names["q"].classes is None


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("r, q = utils.shuffle(X, y, random_state=0)", "q", (1000,)),
        ("r = utils.shuffle(X)", "r", (1000, 8)),
        ("r, q = utils.shuffle(X, y, n_samples=10)", "r", (10, 8)),
    ],
)
def test_shuffle_keeps_the_arrays(code: str, name: str, expected: tuple[int, ...]) -> None:
    assert shape_of(code, name) == expected


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("r, q = datasets.load_iris(return_X_y=True)", "r", (150, 4)),
        ("r, q = datasets.load_iris(return_X_y=True)", "q", (150,)),
        ("r = datasets.load_digits().data", "r", (1797, 64)),
        ("r = datasets.load_digits().images", "r", (1797, 8, 8)),
        ("r = datasets.load_breast_cancer().target", "r", (569,)),
        ("r = datasets.load_wine().data", "r", (178, 13)),
        ("r, q = datasets.load_diabetes(return_X_y=True)", "r", (442, 10)),
        ("r = datasets.fetch_california_housing().data", "r", (20640, 8)),
        (
            "r, q = datasets.make_classification(n_samples=300, n_features=12, n_classes=4, n_informative=4)",
            "r",
            (300, 12),
        ),
        ("r, q = datasets.make_classification()", "r", (100, 20)),
        ("r, q = datasets.make_regression(n_samples=50, n_features=3, n_targets=2)", "q", (50, 2)),
        ("r, q = datasets.make_blobs(n_samples=40, centers=4, n_features=5)", "r", (40, 5)),
        ("r, q = datasets.make_moons(n_samples=200, noise=0.1)", "r", (200, 2)),
        ("r, q = datasets.make_circles((30, 20))", "q", (50,)),
    ],
)
def test_toy_datasets_have_their_real_shapes(code: str, name: str, expected: tuple[int, ...]) -> None:
    assert shape_of(code, name) == expected


def test_toy_datasets_match_sklearn_itself() -> None:
    sk = pytest.importorskip("sklearn.datasets")
    iris, digits, cancer, wine, diabetes = (
        sk.load_iris(),
        sk.load_digits(),
        sk.load_breast_cancer(),
        sk.load_wine(),
        sk.load_diabetes(),
    )
    for bunch, loader in (
        (iris, "load_iris"),
        (digits, "load_digits"),
        (cancer, "load_breast_cancer"),
        (wine, "load_wine"),
        (diabetes, "load_diabetes"),
    ):
        assert shape_of(f"r = datasets.{loader}().data\nq = datasets.{loader}().target", "r") == bunch.data.shape
        assert shape_of(f"q = datasets.{loader}().target", "q") == bunch.target.shape
    labels = analyze(HEADER + "r, q = datasets.load_wine(return_X_y=True)", KERAS3).facts.module_names["q"]
    assert isinstance(labels, ArrayValue) and labels.classes == len(set(wine.target))


def test_integer_labels_of_a_toy_dataset_with_categorical_crossentropy_are_reported() -> None:
    code = """
import keras
from sklearn.datasets import load_iris
from sklearn.preprocessing import LabelEncoder
X, y = load_iris(return_X_y=True)
labels = LabelEncoder().fit_transform(y)
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(X, labels)
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL105"]


def test_pca_output_into_the_original_width_is_reported() -> None:
    code = """
import numpy as np
import keras
from sklearn.decomposition import PCA
X = np.random.rand(500, 784)
X_small = PCA(n_components=50).fit_transform(X)
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(X_small, np.zeros(500))
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL103"]
    assert not analyze(code.replace("(784,)), keras", "(50,)), keras"), KERAS3).diagnostics
