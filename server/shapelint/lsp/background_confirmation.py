"""The hook through which TensorFlow confirmation reaches the editor.

The server publishes static diagnostics first. Then, when the document's configuration
says `confirm = "auto"` and a confirmer is installed, it calls `confirm` on a separate
thread; the diagnostics it returns (with `confirmed` set, withdrawn ones left out, the
real Keras error text in the message) are published for the SAME document revision, and
dropped if the document changed meanwhile.

`shapelint.confirm.pipeline` provides it as `create_lsp_confirmer() -> Confirmer`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Protocol

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic
from shapelint.engine import Analysis

logger = logging.getLogger(__name__)


class Confirmer(Protocol):
    def confirm(self, analysis: Analysis, config: Config, path: str | None) -> Sequence[Diagnostic] | None:
        """The confirmed diagnostics for `analysis`, or None to leave the static ones as they are.

        Runs off the message loop and off the engine thread; may take seconds.
        """


def load_confirmer() -> Confirmer | None:
    """The installed confirmer, or None when `shapelint.confirm.pipeline` provides none."""
    try:
        module = importlib.import_module("shapelint.confirm.pipeline")
    except ImportError:
        return None
    factory = getattr(module, "create_lsp_confirmer", None)
    if factory is None:
        return None
    try:
        confirmer: Confirmer = factory()
    except Exception:
        logger.exception("shapelint: TensorFlow confirmation is unavailable")
        return None
    return confirmer
