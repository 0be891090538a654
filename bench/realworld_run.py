"""Run the real-world corpus under TensorFlow on small stand-in data, to show the code is correct.

    PYTHONPATH=<pandas, scikit-learn, pillow> .venv/bin/python bench/realworld_run.py [NAME ...]

Each runnable corpus file (scripts, and notebooks with their IPython lines dropped) runs in a
fresh temporary folder holding tiny files of the layout the code reads (CSV columns, image
folders, text files). The fixture validator's Runner provides the rest: `keras.datasets`
answered by zero arrays of the real shapes, fit/evaluate/predict cut to a few samples and one
epoch, and no network. A file that needs what this machine cannot have (pretrained weights,
a package that is not installed, hours of training) is listed in SKIPPED with the reason.
The corpus itself is never edited for the run.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import runpy
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "realworld"
VALIDATOR = ROOT / "tests" / "fixtures" / "validate_with_tensorflow.py"

SKIPPED = {
    "tutorials/transfer_learning_mobilenet.py": "downloads ImageNet weights",
    "notebooks/vgg16_transfer_flow_from_directory.ipynb": "downloads ImageNet weights",
    "tutorials/char_rnn_text_generation.py": "40 epochs x 1,600 predict calls: hours on CPU",
    "tutorials/gan_training_loop.py": "hand-written loop over 60,000 images x 50 epochs",
    "tutorials/mnist_tfds_pipeline.py": "tensorflow_datasets is not installed",
    "notebooks/keras_tuner_fashion_mnist.ipynb": "keras_tuner is not installed",
    "tutorials/image_folder_loop_continue.py": "OpenCV (cv2) is not installed",
    "tutorials/poetry_generation_tokenizer.py": "keras.preprocessing.text.Tokenizer is gone in Keras 3 (tf-keras code)",
    "tutorials/reuters_mlp.py": "keras.preprocessing.text.Tokenizer is gone in Keras 3 (tf-keras code)",
    "notebooks/tensorboard_getting_started.ipynb": "TensorBoard is not installed (the callback needs it)",
}


def _rng() -> Any:
    import numpy as np

    return np.random.default_rng(0)


def _write_csv(path: Path, header: list[str] | None, rows: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] if header else []
    lines += [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _images(folder: Path, names: list[str], size: tuple[int, int] = (40, 30)) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.new("RGB", size, (120, 30, 200)).save(folder / name, format="JPEG")


# -- stand-in data, one maker per file that reads files ------------------------------------------
def diabetes(d: Path) -> None:
    cols = ["Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI", "DiabetesPedigree", "Age"]
    rng = _rng()
    _write_csv(d / "diabetes.csv", [*cols, "Outcome"], [[*rng.integers(0, 100, 8), i % 2] for i in range(40)])


def forda(d: Path) -> None:
    rng = _rng()
    for name in ("FordA_TRAIN.tsv", "FordA_TEST.tsv"):
        rows = ["\t".join([str(1 if i % 2 else -1)] + [f"{v:.3f}" for v in rng.normal(size=50)]) for i in range(30)]
        (d / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def jena(d: Path) -> None:
    rng = _rng()
    cols = ["Date Time", "p (mbar)", "T (degC)", "VPmax (mbar)", "VPdef (mbar)", "sh (g/kg)", "rho (g/m**3)"]
    cols.append("wv (m/s)")
    _write_csv(d / "jena_climate_2009_2016.csv", cols, [[f"t{i}", *rng.normal(size=7).round(3)] for i in range(6000)])


def heart(d: Path) -> None:
    rng = _rng()
    cols = ["age", "trestbps", "chol", "thalach", "oldpeak", "slope", "target"]
    _write_csv(d / "heart.csv", cols, [[*rng.integers(1, 200, 6), i % 2] for i in range(40)])


def aclimdb(d: Path) -> None:
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            folder = d / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for i in range(5):
                (folder / f"{i}.txt").write_text(f"a {label} movie<br />review number {i}", encoding="utf-8")


def pet_images(d: Path) -> None:
    _images(d / "PetImages" / "Cat", ["6779.jpg", "1.jpg", "2.jpg"])
    _images(d / "PetImages" / "Dog", ["1.jpg", "2.jpg", "3.jpg"])


def data_train_validation(d: Path) -> None:
    for split in ("train", "validation"):
        for label in ("cats", "dogs"):
            _images(d / "data" / split / label, ["1.jpg", "2.jpg"])


def fra(d: Path) -> None:
    pairs = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Wow!", "Ça alors !")]
    lines = [f"{a} {i}\t{b} {i}\tCC-BY" for i in range(8) for a, b in pairs]
    (d / "fra.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def volumes(d: Path) -> None:
    import numpy as np

    (d / "data").mkdir()
    rows = []
    for i in range(400):  # 20% for validation still fills one batch of 64
        np.save(d / "data" / f"id-{i}.npy", np.zeros((32, 32, 32, 1), dtype="float32"))
        rows.append(f"id-{i},{i % 6}")
    (d / "labels.csv").write_text("id,label\n" + "\n".join(rows) + "\n", encoding="utf-8")


def get_layer_arrays(d: Path) -> None:
    import numpy as np

    np.save(d / "images.npy", np.zeros((6, 250, 250, 3), dtype="float32"))
    np.save(d / "labels.npy", np.arange(6) % 5)


def har(d: Path) -> None:
    rng = _rng()
    for group in ("train", "test"):
        base = d / "HARDataset" / group
        (base / "Inertial Signals").mkdir(parents=True)
        for signal in ("total_acc", "body_acc", "body_gyro"):
            for axis in "xyz":
                rows = [" ".join(f"{v:.4f}" for v in rng.normal(size=128)) for _ in range(12)]
                (base / "Inertial Signals" / f"{signal}_{axis}_{group}.txt").write_text("\n".join(rows) + "\n")
        (base / f"y_{group}.txt").write_text("\n".join(str(i % 6 + 1) for i in range(12)) + "\n")


def titanic(d: Path) -> Path:
    cols = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch", "Ticket", "Fare", "Cabin"]
    cols.append("Embarked")
    rows = [
        [i, i % 2, i % 3 + 1, f"N{i}", ("female", "male")[i % 2], 20 + i, 0, 0, f"T{i}", 7.5 + i, "", "SCQ"[i % 3]]
        for i in range(30)
    ]
    _write_csv(d / "input" / "titanic" / "train.csv", cols, rows)
    test_rows = [[r[0], *r[2:]] for r in rows[:12]]
    _write_csv(d / "input" / "titanic" / "test.csv", [c for c in cols if c != "Survived"], test_rows)
    work = d / "work"
    work.mkdir()
    return work


def auto_mpg(d: Path) -> None:
    rows = [f"{18 + i % 9}.0   8   307.0      {130 + i}.0      3504.      12.0   70  {i % 3 + 1}" for i in range(40)]
    (d / "auto-mpg.data").write_text("\n".join(rows) + "\n", encoding="utf-8")


def flowers(d: Path) -> None:
    for name in ("daisy", "roses", "tulips"):
        _images(d / "flower_photos" / name, ["1.jpg", "2.jpg", "3.jpg"])
    _images(d, ["sunflower.jpg"])


def aapl(d: Path) -> None:
    _write_csv(d / "AAPL.csv", ["Date", "Close"], [[f"d{i}", 100 + i % 17] for i in range(140)])


def ecg(d: Path) -> None:
    rng = _rng()
    _write_csv(d / "ecg.csv", None, [[*rng.random(140).round(3), float(i % 2)] for i in range(40)])


MAKERS: dict[str, Callable[[Path], Path | None]] = {
    "tutorials/sklearn_scaler_dense.py": diabetes,
    "tutorials/timeseries_classification_csv.py": forda,
    "tutorials/weather_forecasting.py": jena,
    "tutorials/structured_data_pandas_tfdata.py": heart,
    "tutorials/text_classification_textvectorization.py": aclimdb,
    "tutorials/image_classification_from_scratch.py": pet_images,
    "tutorials/imagedatagenerator_flow_from_directory.py": data_train_validation,
    "tutorials/seq2seq_translation.py": fra,
    "tutorials/sequence_data_generator.py": volumes,
    "tutorials/functional_get_layer.py": get_layer_arrays,
    "tutorials/har_lstm_loadtxt_files.py": har,
    "notebooks/titanic_keras.ipynb": titanic,
    "notebooks/auto_mpg_regression.ipynb": auto_mpg,
    "notebooks/flowers_image_classification.ipynb": flowers,
    "notebooks/stock_price_lstm.ipynb": aapl,
    "notebooks/ecg_anomaly_autoencoder.ipynb": ecg,
}


# -- running ---------------------------------------------------------------------------------------
def notebook_as_script(path: Path) -> str:
    """The code cells with IPython-only lines (magics, shell escapes, `?` help) dropped."""
    out = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        keep, continued = [], False
        for line in lines:
            stripped = line.strip()
            if continued or stripped.startswith(("!", "%")) or stripped.endswith("?"):
                continued = stripped.endswith("\\")
                continue
            keep.append(line)
        out.append("\n".join(keep))
    return "\n\n".join(out) + "\n"


def _stub_module(name: str) -> types.ModuleType:
    """A plotting module whose every attribute is a no-op (the runs draw nothing)."""

    class Anything:
        def __call__(self, *args: Any, **kwargs: Any) -> Anything:
            return self

        def __getattr__(self, attr: str) -> Anything:
            return self

    module = types.ModuleType(name)
    module.__getattr__ = lambda attr: Anything()  # type: ignore[attr-defined]
    return module


@contextmanager
def extra_patches() -> Iterator[None]:
    """What the validator's Runner does not cover: text datasets, plotting, endless generators."""
    import keras
    import numpy as np

    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, attr: str, value: Any) -> None:
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)

    def imdb(num_words: int | None = None, **kwargs: Any) -> Any:
        # More than the 10,000 reviews Deep Learning with Python holds out for validation.
        rows = [[1, 14, 22, 16, 43, 530][: 3 + i % 4] for i in range(10100)]
        seqs = np.empty(len(rows), dtype=object)
        seqs[:] = rows
        labels = np.arange(len(rows)) % 2
        return (seqs, labels), (seqs.copy(), labels.copy())

    def word_index(**kwargs: Any) -> dict[str, int]:
        return {"the": 1, "movie": 2, "was": 3, "great": 4}

    for module_name in ("keras.datasets.imdb", "keras.src.datasets.imdb"):
        module = importlib.import_module(module_name)
        patch(module, "load_data", imdb)
        patch(module, "get_word_index", word_index)

    original_fit = keras.Model.fit

    def fit(model: Any, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        # The Runner drops steps_per_epoch, which would make `while True` generators endless.
        if isinstance(x, types.GeneratorType):
            x = (item for item in itertools.islice(x, 2))
        return original_fit(model, x, *args, **kwargs)

    patch(keras.Model, "fit", fit)
    for name in ("matplotlib", "matplotlib.pyplot", "seaborn"):
        if name not in sys.modules:
            saved.append((sys.modules, name, None))
            sys.modules[name] = _stub_module(name)
    try:
        yield
    finally:
        for owner, attr, value in reversed(saved):
            if owner is sys.modules:
                del sys.modules[attr]
            else:
                setattr(owner, attr, value)


def load_runner() -> Any:
    spec = importlib.util.spec_from_file_location("validate_with_tensorflow", VALIDATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.Runner()


def run_one(runner: Any, path: Path) -> tuple[str, float, str]:
    """('ran' | 'raised', seconds, detail) for one corpus file."""
    rel = path.relative_to(CORPUS).as_posix()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        maker = MAKERS.get(rel)
        workdir = (maker(folder) if maker else None) or folder
        script = folder / "program.py"
        script.write_text(
            notebook_as_script(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        start = time.perf_counter()
        try:
            # The Runner's fit wrapper goes on first, so that extra_patches wraps it.
            with runner._patched(str(workdir)), extra_patches():
                runpy.run_path(str(script), run_name="__main__")
        except BaseException as error:  # any failure of the program is the result
            if isinstance(error, KeyboardInterrupt):
                raise
            frames = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == str(script)]
            return "raised", time.perf_counter() - start, f"{type(error).__name__} at {frames}: {error}"[:300]
        return "ran", time.perf_counter() - start, ""


def main(argv: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    files = [p for p in sorted(CORPUS.rglob("*")) if p.suffix in (".py", ".ipynb")]
    files = [p for p in files if not p.relative_to(CORPUS).as_posix().startswith("pypi/")]
    if argv:
        files = [p for p in files if any(name in p.name for name in argv)]
    runner = load_runner()
    failed = 0
    for path in files:
        rel = path.relative_to(CORPUS).as_posix()
        if rel in SKIPPED:
            print(f"skipped  {rel}: {SKIPPED[rel]}", flush=True)
            continue
        outcome, seconds, detail = run_one(runner, path)
        failed += outcome != "ran"
        print(f"{outcome:8} {rel} ({seconds:.1f} s) {detail}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
