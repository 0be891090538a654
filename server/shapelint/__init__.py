"""shapelint: catch Keras tensor-shape mistakes while the code is typed."""

from __future__ import annotations

# Kept in step with pyproject.toml by a test; reading package metadata here would cost every start-up.
__version__ = "0.1.0"
