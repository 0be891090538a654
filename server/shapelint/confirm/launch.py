"""How the confirmation worker is started: command line, working directory and environment.

The worker must import shapelint, TensorFlow and NumPy from the installation, never from
the folder the user happens to be in: a `keras.py`, `tensorflow.py`, `numpy.py` or
`shapelint/` there would otherwise be imported and run (Python puts the current
directory first on `sys.path` for `python -m`). So the worker runs

* with `-I` (isolated mode, Python >= 3.4): no current directory or script directory on
  `sys.path`, no user site-packages, no `PYTHON*` environment variables;
* with an explicit `sys.path` handed over by a small bootstrap: the package's own parent
  first (so the worker imports this very copy of shapelint, editable installs included),
  then this process's `sys.path` without its current-directory entries;
* in a neutral working directory (the `shapelint/confirm` package folder, never written to).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WORKER_MODULE = "shapelint.confirm.worker"
# The directory that holds the `shapelint` package, so the worker imports this very copy.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
NEUTRAL_DIRECTORY = Path(__file__).resolve().parent

# Runs in the worker's interpreter before anything else: install the explicit import path,
# then run the worker module as __main__. Only the standard library is imported here.
BOOTSTRAP = (
    "import json, runpy, sys\n"
    "explicit = json.loads(sys.argv.pop(1))\n"
    "sys.path[:] = explicit + [p for p in sys.path if p not in explicit and p not in ('', '.')]\n"
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)\n"
)

# TensorFlow runs channels-first convolutions on the CPU only through oneDNN, which it turns
# on by default only on some CPUs; forced on, a verdict does not depend on the machine.
WORKER_ENVIRONMENT = {
    "TF_ENABLE_ONEDNN_OPTS": "1",
    "CUDA_VISIBLE_DEVICES": "",
    "KERAS_BACKEND": "tensorflow",
}


@dataclass(frozen=True)
class WorkerLaunch:
    """Everything `subprocess.Popen` needs to start one worker."""

    command: tuple[str, ...]
    cwd: str
    env: Mapping[str, str]
    import_path: tuple[str, ...]


def worker_launch(
    python: str,
    *,
    environ: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    parent_path: Sequence[str] | None = None,
    cwd: str | None = None,
) -> WorkerLaunch:
    """The launch of a worker run by `python` (defaults: this process's environment and path)."""
    environ = dict(os.environ if environ is None else environ)
    here = os.getcwd() if cwd is None else cwd
    same_interpreter = os.path.realpath(python) == os.path.realpath(sys.executable)
    if same_interpreter:
        inherited = safe_import_path(sys.path if parent_path is None else parent_path, here, environ)
    else:
        # Another interpreter has its own site-packages (another Python version, another ABI):
        # hand it only the user's PYTHONPATH, which `-I` would otherwise drop.
        inherited = safe_import_path(_split_path(environ.get("PYTHONPATH", "")), here, environ)
    import_path = _unique([str(PACKAGE_PARENT), *inherited])
    env = dict(environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update(WORKER_ENVIRONMENT)
    env.update(extra_env or {})
    command = (python, "-I", "-c", BOOTSTRAP, json.dumps(import_path), WORKER_MODULE)
    return WorkerLaunch(command=command, cwd=str(NEUTRAL_DIRECTORY), env=env, import_path=tuple(import_path))


def safe_import_path(entries: Sequence[str], cwd: str, environ: Mapping[str, str]) -> list[str]:
    """`entries` without those that come from the current directory.

    Dropped: '' and '.', any relative entry, the current directory itself, and what a
    relative PYTHONPATH entry became once Python made it absolute at start-up.

    Absolute PYTHONPATH entries are kept, even when they lie inside the checked folder:
    PYTHONPATH is set by the user in their own environment (a cloned folder cannot set
    it, and the user's own Python runs with it anyway), and the site-packages of a
    virtualenv inside the project (`.venv/lib/...`) is exactly where TensorFlow lives.
    """
    unsafe = {_real(cwd)}
    for entry in _split_path(environ.get("PYTHONPATH", "")):
        if not os.path.isabs(entry):
            unsafe.add(_real(os.path.join(cwd, entry)))
    kept = []
    for entry in entries:
        if not entry or not os.path.isabs(entry) or _real(entry) in unsafe:
            continue
        kept.append(entry)
    return kept


def _split_path(value: str) -> list[str]:
    return value.split(os.pathsep) if value else []


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _unique(entries: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for entry in entries:
        if entry not in seen:
            seen.add(entry)
            result.append(entry)
    return result
