"""pandas: DataFrames with known columns from CSV headers, and what each operation keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import DatasetValue, DictValue, Value

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    rows = [f"{i}.1,{i}.2,{i}.3,{i}.4,{('setosa', 'versicolor', 'virginica')[i % 3]}" for i in range(9)]
    (data / "iris.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    (data / "plain.csv").write_text("1,2,3\n4,5,6\n")
    (data / "indexed.csv").write_text(",a,b\n0,1,2\n1,3,4\n")
    (data / "tabs.tsv").write_text("a\tb\n1\t2\n")
    (data / "levels.csv").write_text("label,value\n1,0.5\n1.0,0.7\n2,\nNA,0.1\n")
    big = ["id,kind"] + [f"{i},{'abcdefghij'[i % 10]}{i}" for i in range(20_000)]  # longer than one read
    (data / "big.csv").write_text("\n".join(big) + "\n")
    return tmp_path


def values_in(project: Path, code: str) -> dict[str, Value]:
    script = project / "train.py"
    analysis = analyze(code, Config(), path=str(script), root=str(project))
    assert not analysis.facts.internal_errors
    return analysis.facts.module_names


def describe(project: Path, body: str, name: str = "x") -> str:
    code = "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data/iris.csv')\n" + body
    return values_in(project, code)[name].describe()


IRIS = "DataFrame (None, 5): sepal_length, sepal_width, petal_length, petal_width, species"
FEATURES = "DataFrame (None, 4): sepal_length, sepal_width, petal_length, petal_width"
# The rows of iris.csv nobody counted: one symbol, kept by every operation that keeps the rows.
IRIS_ROWS = IRIS.replace("None", "n_iris")
FEATURES_ROWS = FEATURES.replace("None", "n_iris")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("x = df\n", IRIS_ROWS),
        ("x = df.drop(columns=['species'])\n", FEATURES_ROWS),
        ("x = df.drop('species', axis=1)\n", FEATURES_ROWS),
        ("x = df.drop(['species'], axis='columns')\n", FEATURES_ROWS),
        ("x = df.drop(columns=['nothing'])\n", "unknown"),  # a KeyError at run time
        ("x = df.drop(columns=['nothing', 'species'], errors='ignore')\n", FEATURES_ROWS),
        ("x = df.drop([0, 1])\n", IRIS),  # rows
        ("x = df[['species', 'sepal_width']]\n", "DataFrame (n_iris, 2): species, sepal_width"),
        ("x = df['species']\n", "Series (n_iris,)"),
        ("x = df.species\n", "Series (n_iris,)"),
        ("x = df.nothing\n", "unknown"),
        ("x = df[df['sepal_length'] > 2]\n", IRIS),
        ("x = df.iloc[:, 0:4]\n", FEATURES_ROWS),
        ("x = df.iloc[:, :-1]\n", FEATURES_ROWS),
        ("x = df.iloc[:, [0, 4]]\n", "DataFrame (n_iris, 2): sepal_length, species"),
        ("x = df.iloc[:, -1]\n", "Series (n_iris,)"),
        ("x = df.iloc[0]\n", "Series (5,)"),  # one row: one value per column
        ("x = df.iloc[:10]\n", IRIS),
        ("x = df.loc[:, ['petal_width']]\n", "DataFrame (n_iris, 1): petal_width"),
        (
            "x = df.loc[:, 'sepal_width':'petal_width']\n",
            "DataFrame (n_iris, 3): sepal_width, petal_length, petal_width",
        ),
        ("x = df.loc[:, 'species']\n", "Series (n_iris,)"),
        ("x = df.dropna().fillna(0).head(5).sample(frac=1).copy().reset_index(drop=True)\n", IRIS),
        ("x = df.astype('float32')\n", IRIS_ROWS),
        ("x = df.reset_index()\n", "unknown"),  # the index comes back as a column
        ("x = df.select_dtypes('number')\n", "unknown"),
        ("x = df.rename(columns={'species': 'label'}).columns[-1]\n", "'label'"),
        ("x = df.set_index('species')\n", FEATURES_ROWS),
        ("x = df.values\n", "ndarray (n_iris, 5)"),
        ("x = df.drop(columns='species').to_numpy()\n", "ndarray (n_iris, 4) float64"),
        ("x = np.array(df[['sepal_length', 'petal_length']])\n", "ndarray (n_iris, 2) float64"),
        ("x = np.asarray(df.iloc[:, 1:3], dtype='float32')\n", "ndarray (n_iris, 2) float32"),
        ("x = df['species'].values\n", "ndarray (n_iris,)"),
        ("x = df.shape[1]\n", "5"),
        ("x = len(df.columns)\n", "5"),
        ("x = df.columns.size\n", "5"),
        ("x = len(df)\n", "n_iris"),  # the row count of a file is unknown: its symbol
        ("x = pd.concat([df, df])\n", IRIS),
        (
            "x = pd.concat([df[['species']], df['sepal_length']], axis=1)\n",
            "DataFrame (None, 2): species, sepal_length",
        ),
        ("x = pd.concat([df, df[['species']]])\n", "unknown"),  # different columns: a union with gaps
    ],
)
def test_operations(project: Path, body: str, expected: str) -> None:
    assert describe(project, body) == expected


def test_pop_returns_the_column_and_removes_it_from_the_frame(project: Path) -> None:
    found = values_in(
        project,
        "import pandas as pd\ndf = pd.read_csv('data/iris.csv')\nalias = df\ny = df.pop('species')\nx = df.values\n",
    )
    assert found["y"].describe() == "Series (n_iris,)"
    assert found["x"].describe() == "ndarray (n_iris, 4) float64"
    assert found["alias"].describe() == FEATURES_ROWS  # the same object, changed in place


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("df.drop(columns=['species'], inplace=True)\n", FEATURES_ROWS),
        ("df.drop('species', axis=1, inplace=True)\n", FEATURES_ROWS),
        ("df['ratio'] = df['sepal_length'] / df['sepal_width']\n", IRIS_ROWS.replace("5)", "6)") + ", ratio"),
        ("df['species'] = 0\n", IRIS_ROWS),
        ("del df['species']\n", FEATURES_ROWS),
        ("df.columns = ['a', 'b', 'c', 'd', 'e']\n", "DataFrame (n_iris, 5): a, b, c, d, e"),
        ("df.columns = names\n", "DataFrame (columns unknown)"),
        ("df.dropna(inplace=True)\n", IRIS),
        ("df.reset_index(inplace=True)\n", "DataFrame (columns unknown)"),
    ],
)
def test_changes_in_place(project: Path, body: str, expected: str) -> None:
    assert describe(project, body, "df") == expected


def test_a_frame_changed_in_one_branch_only_is_unknown_after_it(project: Path) -> None:
    body = "if flag:\n    df.drop(columns=['species'], inplace=True)\nx = df\n"
    assert describe(project, body) == "unknown"
    both = "if flag:\n    df.pop('species')\nelse:\n    del df['species']\nx = df\n"
    assert describe(project, both) == FEATURES_ROWS  # both branches keep the rows of the file


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            "pd.read_csv('data/iris.csv', usecols=['species', 'sepal_length'])",
            "DataFrame (n_iris, 2): sepal_length, species",
        ),
        ("pd.read_csv('data/iris.csv', usecols=[0, 1])", "DataFrame (n_iris, 2): sepal_length, sepal_width"),
        ("pd.read_csv('data/iris.csv', usecols=['nope'])", "unknown"),
        ("pd.read_csv('data/iris.csv', index_col='species')", FEATURES_ROWS),
        ("pd.read_csv('data/indexed.csv', index_col=0)", "DataFrame (n_indexed, 2): a, b"),
        ("pd.read_csv('data/indexed.csv')", "DataFrame (n_indexed, 3): Unnamed: 0, a, b"),
        ("pd.read_csv('data/plain.csv', header=None)", "DataFrame (n_plain, 3): 0, 1, 2"),
        ("pd.read_csv('data/plain.csv', names=['a', 'b', 'c'])", "DataFrame (n_plain, 3): a, b, c"),
        ("pd.read_csv('data/plain.csv', names=['a', 'b'])", "unknown"),  # the extra column becomes the index
        ("pd.read_csv('data/iris.csv', skiprows=1, header=None)", "DataFrame (n_iris, 5): 0, 1, 2, 3, 4"),
        ("pd.read_csv('data/tabs.tsv', sep='\\t')", "DataFrame (n_tabs, 2): a, b"),
        ("pd.read_table('data/tabs.tsv')", "DataFrame (n_tabs, 2): a, b"),
        ("pd.read_csv('data/iris.csv', sep=None, engine='python')", "unknown"),  # sniffed
        ("pd.read_csv('data/iris.csv', converters={})", "unknown"),  # an argument not modelled
        ("pd.read_csv('data/nothing.csv')", "unknown"),
        ("pd.read_csv('https://example.org/iris.csv')", "unknown"),
    ],
)
def test_read_csv_arguments(project: Path, call: str, expected: str) -> None:
    assert values_in(project, f"import pandas as pd\nx = {call}\n")["x"].describe() == expected


def test_get_dummies_counts_distinct_values_only_when_the_whole_file_was_read(project: Path) -> None:
    code = (
        "import pandas as pd\n"
        "df = pd.read_csv('data/iris.csv')\n"
        "y = pd.get_dummies(df['species'])\n"
        "z = pd.get_dummies(df, columns=['species'])\n"
        "w = pd.get_dummies(df)\n"
        "n = df['species'].nunique()\n"
        "filtered = pd.get_dummies(df.head(2)['species'])\n"
        "big = pd.read_csv('data/big.csv')\n"
        "b = pd.get_dummies(big['kind'])\n"
        "m = big['kind'].nunique()\n"
    )
    found = values_in(project, code)
    assert found["y"].describe() == "DataFrame (n_iris, 3): setosa, versicolor, virginica"
    assert found["z"].describe().startswith("DataFrame (n_iris, 7): sepal_length")
    assert found["w"].describe() == found["z"].describe()  # the text column is encoded
    assert found["n"].describe() == "3"
    assert found["filtered"].describe() == "unknown"  # some rows only: the distinct values are not the file's
    assert found["b"].describe() == "unknown"  # the file is longer than what was read: never a guess
    assert found["m"].describe() == "unknown"


def test_distinct_values_are_counted_as_pandas_parses_them(project: Path) -> None:
    code = "import pandas as pd\nx = pd.read_csv('data/levels.csv')['label'].nunique()\n"
    assert values_in(project, code)["x"].describe() == "2"  # 1 and 1.0 are one number; NA is not a value


def test_a_frame_flows_into_tf_data(project: Path) -> None:
    code = (
        "import pandas as pd\nimport tensorflow as tf\n"
        "df = pd.read_csv('data/iris.csv')\n"
        "labels = df.pop('species')\n"
        "a = tf.data.Dataset.from_tensor_slices((df.values, labels))\n"
        "b = tf.data.Dataset.from_tensor_slices(dict(df))\n"
    )
    found = values_in(project, code)
    assert found["a"].describe() == "Dataset of (Tensor (4,) float64, Tensor ())"
    by_column = found["b"]
    assert isinstance(by_column, DatasetValue) and isinstance(by_column.element, DictValue)
    assert [key.describe() for key in by_column.element.keys] == [
        "'sepal_length'",
        "'sepal_width'",
        "'petal_length'",
        "'petal_width'",
    ]
    assert {value.describe() for value in by_column.element.values} == {"Tensor () float64"}


def test_data_frame_constructor(project: Path) -> None:
    code = (
        "import numpy as np\nimport pandas as pd\n"
        "a = pd.DataFrame(np.zeros((10, 3)), columns=['a', 'b', 'c'])\n"
        "b = pd.DataFrame({'x': [1, 2], 'y': [3, 4]})\n"
        "c = pd.DataFrame(np.zeros((10, 3)), columns=['a', 'b'])\n"
    )
    found = values_in(project, code)
    assert found["a"].describe() == "DataFrame (10, 3): a, b, c"
    assert found["b"].describe() == "DataFrame (None, 2): x, y"
    assert found["c"].describe() == "unknown"
