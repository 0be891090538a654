"""The language server's TensorFlow confirmation: the pipeline run off the typing path.

The server publishes static diagnostics first. Then, when the document's configuration
says `confirm = "auto"`, it calls `BackgroundConfirmer.confirm` on its confirmation thread;
the diagnostics that come back (with `confirmed` set, withdrawn ones left out, the real
Keras error text in the message) are published for the SAME document revision, and
dropped if the document changed meanwhile (the run also stops early when it notices).
Files and notebooks go through the same pipeline as `shapelint check --confirm`
(`shapelint.confirm.pipeline`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shapelint.confirm.pipeline import ConfirmedAnalysis, SourceDocument, WorkerClient, confirm, open_client
from shapelint.engine import Analysis

logger = logging.getLogger(__name__)


class BackgroundConfirmer:
    """One lazily started TensorFlow worker, shared by all documents of the server."""

    def __init__(self, client_factory: Callable[[], WorkerClient | None] = open_client) -> None:
        self._client_factory = client_factory
        self._client: WorkerClient | None = None
        self._unavailable = False
        self.enable_message: str | None = None  # set when TensorFlow is missing: how to enable confirmation

    @property
    def starting(self) -> bool:
        """The next confirmation will start TensorFlow (seconds): worth a progress notification."""
        if self._unavailable:
            return False
        if self._client is None:
            from shapelint.confirm import tensorflow_available

            return tensorflow_available()
        return getattr(self._client, "worker_pid", None) is None

    def _ready_client(self) -> WorkerClient | None:
        if self._client is None and not self._unavailable:
            self._client = self._client_factory()
            if self._client is None:
                from shapelint.confirm import ENABLE_MESSAGE

                self._unavailable = True
                logger.warning("%s", ENABLE_MESSAGE)
                self.enable_message = ENABLE_MESSAGE
        return self._client

    def confirm(
        self, document: SourceDocument, analysis: Analysis, cancelled: Callable[[], bool] | None = None
    ) -> ConfirmedAnalysis | None:
        """The document's confirmed analysis, or None when TensorFlow has nothing to add (or
        is not installed, or the run was cancelled). Runs off the message loop; may take seconds."""
        client = self._ready_client()
        if client is None:
            return None
        run = confirm(document, client, analysis=analysis, cancelled=cancelled)
        if run.cancelled or not run.answers:
            return None
        return run

    def close(self) -> None:
        """Stop the worker, if one was started."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
