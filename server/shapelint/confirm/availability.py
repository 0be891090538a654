"""Is TensorFlow installed here? Answered from package metadata, never by importing it.

Importing TensorFlow costs seconds and hundreds of MB; the engine and the language
server must stay free of it, so only the worker process ever imports it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

ENABLE_MESSAGE = (
    "Confirmation by TensorFlow is off because TensorFlow is not installed in this Python "
    "environment. Enable it with: pip install 'shapelint[confirm]'"
)

# The Keras 2 flavour of the worker runs tf-keras (the release that matches TensorFlow's).
KERAS2_ENABLE_MESSAGE = (
    "Confirmation of Keras 2 code by Keras 2 is off because tf-keras is not installed in this "
    "Python environment; Keras 3 confirms its errors but cannot withdraw its findings. "
    "Enable it with: pip install --no-deps tf-keras==X.Y (X.Y: your TensorFlow's version)"
)

# Distributions that provide the `tensorflow` package, most common first.
_TENSORFLOW_DISTRIBUTIONS = (
    "tensorflow-cpu",
    "tensorflow",
    "tensorflow-intel",
    "tensorflow-macos",
    "tf-nightly",
)


def tensorflow_available() -> bool:
    """True when `import tensorflow` would find a package (checked without importing it)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def tensorflow_version() -> str | None:
    """The installed TensorFlow version from package metadata, or None."""
    for name in _TENSORFLOW_DISTRIBUTIONS:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def keras_version() -> str | None:
    """The installed Keras version from package metadata, or None."""
    try:
        return importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None


def tf_keras_available() -> bool:
    """True when `import tf_keras` (Keras 2 for TensorFlow >= 2.16) would find a package."""
    try:
        return importlib.util.find_spec("tf_keras") is not None
    except (ImportError, ValueError):
        return False


def tf_keras_version() -> str | None:
    """The installed tf-keras version from package metadata, or None."""
    try:
        return importlib.metadata.version("tf-keras")
    except importlib.metadata.PackageNotFoundError:
        return None
