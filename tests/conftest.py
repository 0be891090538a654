"""Shared test setup: strict engine (internal errors raise), the TensorFlow marker policy and the
fixture validator's TensorFlow runner."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from typing import Any

import pytest
from scripts_by_path import fixture_validation

# An exception inside the interpreter or a rule fails the test instead of being swallowed.
os.environ.setdefault("SHAPELINT_STRICT", "1")
# Channels-first convolutions run on every CPU only with oneDNN on (see
# tests/fixtures/validate_with_tensorflow.py); set before any test imports TensorFlow.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
# `shapelint check` keeps its result cache here, never in the repository the tests run from.
os.environ.setdefault("SHAPELINT_CACHE_DIR", tempfile.mkdtemp(prefix="shapelint-test-cache-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """TensorFlow tests skip where TensorFlow is absent, except in CI, where they must run."""
    if importlib.util.find_spec("tensorflow") is not None or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="TensorFlow is not installed (pip install 'shapelint[confirm]')")
    for item in items:
        if "tensorflow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def tensorflow_runner() -> Any:
    """The fixture validator's runner, TensorFlow imported: skipped without TensorFlow, except when
    ``CI=true``: then a missing TensorFlow is a failure."""
    try:
        import tensorflow  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"TensorFlow is required when CI=true: {exc}", pytrace=False)
        pytest.skip("TensorFlow is not installed")
    return fixture_validation().Runner()
