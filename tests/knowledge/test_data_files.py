"""np.load / np.loadtxt / np.genfromtxt read shapes from files in the workspace, and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import Value
from shapelint.workspace import disk_reads


def values_in(project: Path, code: str, trusted: bool = True) -> dict[str, Value]:
    """The module's bindings after analysing `code` saved as train.py in `project`."""
    script = project / "train.py"
    script.write_text(code)
    config = Config(trusted=trusted)
    analysis = analyze(code, config, path=str(script), root=str(project))
    assert not analysis.facts.internal_errors
    return analysis.facts.module_names


def shape_of(project: Path, code: str, name: str = "x") -> str:
    return values_in(project, code)[name].describe()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    np.save(data / "images.npy", np.zeros((12, 28, 28), dtype=np.uint8))
    np.savez(data / "mnist.npz", x_train=np.zeros((10, 28, 28), np.float32), y_train=np.arange(10))
    np.savez_compressed(data / "small.npz", features=np.zeros((6, 4)))
    np.save(data / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    (data / "table.csv").write_text("# a comment\n1,2,3,4\n5,6,7,8\n9,10,11,12\n")
    (data / "spaced.txt").write_text("1 2 3\n4 5 6\n")
    (data / "header.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    (data / "one_row.csv").write_text("1,2,3\n")
    return tmp_path


def test_npy_header_gives_the_array(project: Path) -> None:
    assert shape_of(project, "import numpy as np\nx = np.load('data/images.npy')\n") == "ndarray (12, 28, 28) uint8"


def test_mmap_mode_keeps_the_shape(project: Path) -> None:
    code = "import numpy as np\nx = np.load('data/images.npy', mmap_mode='r')\n"
    assert shape_of(project, code) == "ndarray (12, 28, 28) uint8"


def test_npz_members_by_key_and_in_a_with_block(project: Path) -> None:
    code = (
        "import numpy as np\n"
        "with np.load('data/mnist.npz') as data:\n"
        "    x = data['x_train']\n"
        "    y = data['y_train']\n"
        "z = np.load('data/small.npz')['features']\n"
        "missing = np.load('data/mnist.npz')['nothing']\n"
    )
    found = values_in(project, code)
    assert found["x"].describe() == "ndarray (10, 28, 28) float32"
    assert found["y"].describe() == "ndarray (10,) int64"
    assert found["z"].describe() == "ndarray (6, 4) float64"  # a compressed member
    assert found["missing"].describe() == "unknown"


def test_pickled_object_arrays_stay_unknown(project: Path) -> None:
    code = "import numpy as np\nx = np.load('data/objects.npy', allow_pickle=True)\n"
    assert shape_of(project, code) == "unknown"


def test_a_file_that_is_not_there_is_unknown(project: Path) -> None:
    assert shape_of(project, "import numpy as np\nx = np.load('data/nothing.npy')\n") == "unknown"


def test_a_fifo_is_never_read(project: Path) -> None:
    os.mkfifo(project / "data" / "pipe.npy")
    assert shape_of(project, "import numpy as np\nx = np.load('data/pipe.npy')\n") == "unknown"


def test_a_link_out_of_the_workspace_is_not_followed(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.npy"
    np.save(outside, np.zeros((3, 3)))
    (project / "data" / "link.npy").symlink_to(outside)
    assert shape_of(project, "import numpy as np\nx = np.load('data/link.npy')\n") == "unknown"
    assert shape_of(project, f"import numpy as np\nx = np.load({str(outside)!r})\n") == "unknown"


def test_an_untrusted_workspace_reads_nothing_and_stays_silent(project: Path) -> None:
    code = (
        "import numpy as np\nfrom tensorflow import keras\n"
        "x = np.load('data/images.npy')\n"
        "model = keras.Sequential([keras.Input(shape=x.shape), keras.layers.Dense(1)])\n"
    )
    script = project / "train.py"
    trusted = analyze(code, Config(), path=str(script), root=str(project))
    assert [d.code for d in trusted.diagnostics] == ["SL101"]
    untrusted = analyze(code, Config(trusted=False), path=str(script), root=str(project))
    assert untrusted.diagnostics == ()
    assert untrusted.facts.module_names["x"].describe() == "unknown"


def test_a_keystroke_does_not_read_an_unchanged_file_again(project: Path) -> None:
    code = (
        "import numpy as np\n"
        "x = np.load('data/mnist.npz')['x_train']\n"
        "y = np.loadtxt('data/table.csv', delimiter=',')\n"
    )
    values_in(project, code)
    before = disk_reads()
    found = values_in(project, code + "z = 1\n")
    assert disk_reads() == before
    assert found["x"].describe() == "ndarray (10, 28, 28) float32"
    np.savez(project / "data" / "mnist.npz", x_train=np.zeros((4, 2), np.float32))
    assert values_in(project, code)["x"].describe() == "ndarray (4, 2) float32"  # changed: read again


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("os.path.join('data', 'images.npy')", "ndarray (12, 28, 28) uint8"),
        ("Path('data') / 'images.npy'", "ndarray (12, 28, 28) uint8"),
        ("str(Path('data').joinpath('images.npy'))", "ndarray (12, 28, 28) uint8"),
        ("f'data/{name}.npy'", "ndarray (12, 28, 28) uint8"),
        ("f'data/{unknown_name}.npy'", "unknown"),
        ("os.path.join(os.path.dirname(__file__), 'data', 'images.npy')", "ndarray (12, 28, 28) uint8"),
        ("os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data/images.npy')", "ndarray (12, 28, 28) uint8"),
        ("Path(__file__).resolve().parent / 'data' / 'images.npy'", "ndarray (12, 28, 28) uint8"),
    ],
)
def test_paths_built_from_literal_parts(project: Path, path: str, expected: str) -> None:
    code = f"import os\nfrom pathlib import Path\nimport numpy as np\nname = 'images'\nx = np.load({path})\n"
    assert shape_of(project, code) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("np.loadtxt('data/table.csv', delimiter=',')", "ndarray (n_table, 4) float64"),
        ("np.loadtxt('data/table.csv', delimiter=',', usecols=(0, 2))", "ndarray (n_table, 2) float64"),
        ("np.loadtxt('data/table.csv', delimiter=',', usecols=1)", "ndarray (n_table,) float64"),
        ("np.loadtxt('data/table.csv', delimiter=',', usecols=[1], ndmin=2)", "ndarray (n_table, 1) float64"),
        ("np.loadtxt('data/table.csv', delimiter=',', unpack=True)", "ndarray (4, n_table) float64"),
        ("np.loadtxt('data/table.csv', delimiter=',', dtype='float32')", "ndarray (n_table, 4) float32"),
        ("np.loadtxt('data/spaced.txt')", "ndarray (n_spaced, 3) float64"),
        ("np.loadtxt('data/header.csv', delimiter=',', skiprows=1)", "ndarray (n_header, 3) float64"),
        ("np.loadtxt('data/header.csv', delimiter=',')", "unknown"),  # loadtxt raises on the header
        ("np.loadtxt('data/one_row.csv', delimiter=',')", "unknown"),  # one row: squeezed to 1-D
        ("np.loadtxt('data/table.csv', delimiter=',', usecols=(7,))", "unknown"),  # no such column
        ("np.genfromtxt('data/header.csv', delimiter=',')", "ndarray (n_header, 3) float64"),
        ("np.genfromtxt('data/header.csv', delimiter=',', skip_header=1)", "ndarray (n_header, 3) float64"),
        ("np.genfromtxt('data/header.csv', delimiter=',', names=True)", "unknown"),  # structured
        ("np.genfromtxt('data/header.csv', delimiter=',', dtype=None)", "unknown"),
    ],
)
def test_text_tables(project: Path, call: str, expected: str) -> None:
    assert shape_of(project, f"import numpy as np\nx = {call}\n") == expected


def test_unpacked_columns(project: Path) -> None:
    code = "import numpy as np\na, b = np.loadtxt('data/spaced.txt', usecols=(0, 1), unpack=True)\n"
    found = values_in(project, code)
    assert found["a"].describe() == found["b"].describe() == "ndarray (n_spaced,) float64"


def test_confirmation_analyses_the_document_where_it_lies(project: Path) -> None:
    from shapelint.confirm.pipeline import confirm_document

    code = "import numpy as np\nx = np.load('data/images.npy')\n"
    script = project / "train.py"
    analysis, _ = confirm_document(code, Config(), client=None, path=str(script), root=str(project))
    assert analysis.facts.module_names["x"].describe() == "ndarray (12, 28, 28) uint8"
    assert analysis.workspace is not None and analysis.workspace.document == str(script)  # for the editor's re-run
