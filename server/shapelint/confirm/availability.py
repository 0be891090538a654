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
