"""Load a script of the repository (a fixture validator, a bench) by its path, once per process."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(name: str, path: Path) -> ModuleType:
    """The module of the script at `path`, registered as `name` (a second call returns the same module)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_validation() -> ModuleType:
    """`tests/fixtures/validate_with_tensorflow.py`, the fixtures' validator under TensorFlow."""
    return load_script("shapelint_fixture_validation", FIXTURES / "validate_with_tensorflow.py")
