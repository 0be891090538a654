"""The language-server tests run against the working tree even when the package is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

SERVER_SOURCES = Path(__file__).resolve().parents[2] / "server"
if str(SERVER_SOURCES) not in sys.path:
    sys.path.insert(0, str(SERVER_SOURCES))
