"""h5py files: dataset shapes and dtypes from the HDF5 headers (hdf5_headers.py), through the workspace only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from shapelint.hdf5_headers import Hdf5Error, Hdf5File
from workspace_files import check_findings, check_untrusted_reads_nothing, described

# Written by tests/fixtures/make_data.py with h5py (its default layout); committed, so no h5py is needed here.
DIGITS = Path(__file__).parents[1] / "fixtures" / "correct" / "data" / "digits.h5"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIGITS, data / "digits.h5")
    whole = DIGITS.read_bytes()
    (data / "cut.h5").write_bytes(whole[:600])
    (data / "damaged.h5").write_bytes(whole.replace(b"TREE", b"EERT", 1))  # the root group's B-tree
    (data / "text.h5").write_text("not hdf5\n")
    return tmp_path


def value(project: Path, body: str, name: str = "x") -> str:
    return described(project, "import numpy as np\nimport h5py\nf = h5py.File('data/digits.h5', 'r')\n" + body, name)


@pytest.mark.parametrize(
    ("body", "described"),
    [
        ("x = f['x_train']\n", "h5py Dataset (24, 8, 8) float32"),
        ("x = f['x_train'][:]\n", "ndarray (24, 8, 8) float32"),
        ("x = f['x_train'][()]\n", "ndarray (24, 8, 8) float32"),
        ("x = f['x_train'][...]\n", "ndarray (24, 8, 8) float32"),
        ("x = f['x_train'][:10]\n", "ndarray (10, 8, 8) float32"),
        ("x = f['x_train'][0]\n", "ndarray (8, 8) float32"),
        ("x = np.array(f['y_train'])\n", "ndarray (24,) int64"),
        ("x = f['test']['x'][:]\n", "ndarray (6, 8, 8) float32"),
        ("x = f['test/y'][:]\n", "ndarray (6,) int64"),
        ("x = f['/test/y'][:]\n", "ndarray (6,) int64"),
        ("x = f.get('x_train').shape\n", "(24, 8, 8)"),
        ("x = len(f['y_train'])\n", "24"),
        ("x = f.keys()\n", "['test', 'x_train', 'y_train']"),
        ("x = f['missing']\n", "unknown"),
        ("x = f['x_train'][np.arange(3)]\n", "unknown"),  # fancy selections: not followed
        ("with h5py.File('data/digits.h5') as g:\n    x = g['x_train'][:]\n", "ndarray (24, 8, 8) float32"),
        ("x = h5py.File('data/digits.h5', 'w')\n", "unknown"),  # writing: the file may be new
        ("x = h5py.File('data/cut.h5')['x_train']\n", "unknown"),
        ("x = h5py.File('data/damaged.h5')['x_train']\n", "unknown"),
        ("x = h5py.File('data/text.h5')\n", "unknown"),
        ("x = h5py.File('data/nowhere.h5')\n", "unknown"),
    ],
)
def test_h5py_datasets(project: Path, body: str, described: str) -> None:
    assert value(project, body) == described


def test_the_reader_stays_within_its_reads_and_never_raises_anything_else() -> None:
    whole = DIGITS.read_bytes()
    for end in range(0, len(whole), 97):
        cut = whole[:end]
        try:
            hdf5 = Hdf5File(lambda offset, length, cut=cut: cut[offset : offset + length])
            hdf5.lookup("test/x")
        except Hdf5Error:
            pass
    for position in range(0, 2048, 13):
        flipped = bytearray(whole)
        flipped[position] ^= 0xFF
        data = bytes(flipped)
        try:
            hdf5 = Hdf5File(lambda offset, length, data=data: data[offset : offset + length])
            hdf5.lookup("x_train")
            hdf5.lookup("test/y")
        except Hdf5Error:
            pass


def test_nothing_is_read_in_an_untrusted_workspace(project: Path) -> None:
    check_untrusted_reads_nothing(project, "import h5py\nx = h5py.File('data/digits.h5')['x_train']\n")


def test_a_rule_sees_the_dataset_shape(project: Path) -> None:
    code = (
        "import h5py\nimport keras\n"
        "with h5py.File('data/digits.h5', 'r') as f:\n"
        "    x = f['x_train'][:]\n    y = f['y_train'][:]\n"
        "model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n"
        "model.fit(x, y)  # error: SL103\n"
        "model.fit(x.reshape(-1, 64), y)\n"
    )
    check_findings(project, code)
