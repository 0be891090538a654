"""Strict mode (`SHAPELINT_STRICT=1`, set by the test suite): internal errors raise instead of being recorded."""

from __future__ import annotations

import os

STRICT = os.environ.get("SHAPELINT_STRICT") == "1"
