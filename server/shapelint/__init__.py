"""shapelint: catch Keras tensor-shape mistakes while the code is typed."""

from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("shapelint")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"
