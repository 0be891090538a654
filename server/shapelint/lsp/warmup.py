"""Paying an analysis's one-time costs before the first document is opened.

A fresh process pays extra for its first analysis: the library overlays and their tables are
imported on first use (knowledge/registry.py), libcst loads its native parser, and every rule
and conversion to LSP runs for the first time. The first file opened in the editor would wait
for all of it. The server pays it while the client waits for the answer to `initialize`, by
analysing a small program of its own on the engine thread: never a user's document, nothing on
disk, nothing published. A warm-up that fails is logged and forgotten: the first document then
pays the cost, as it did before.
"""

from __future__ import annotations

import logging
import time

from lsprotocol import types

from shapelint.engine import analyze
from shapelint.lsp import convert
from shapelint.lsp.documents import DocumentStore
from shapelint.lsp.encoding import ColumnEncoding

logger = logging.getLogger(__name__)

# Never the URI of a client's document: the warm-up's diagnostics are converted, never sent.
WARM_UP_URI = "untitled:shapelint-warm-up.py"

# NumPy data, tf.data, a Sequential and a functional model, compile and fit, and one finding
# (SL102: Conv2D on images without a channel axis), so that the rules' reporting runs too.
WARM_UP_PROGRAM = '''\
"""shapelint's own warm-up program."""
import numpy
import tensorflow as tf
from keras import Input, Model, Sequential, layers


def make_batches(count):
    return numpy.zeros((count, 12, 12), dtype="float32"), numpy.zeros((count,), dtype="int64")


pixels, classes = make_batches(16)
stream = tf.data.Dataset.from_tensor_slices((pixels, classes)).batch(4)
stack = Sequential([Input(shape=(12, 12)), layers.Flatten(), layers.Dense(3, activation="softmax")])
stack.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
stack.fit(stream, epochs=1)
entry = Input(shape=(12, 12))
mapped = layers.Conv2D(4, 3, activation="relu")(entry)
graph = Model(entry, layers.Dense(2)(layers.GlobalAveragePooling2D()(mapped)))
'''


def warm_engine(encoding: ColumnEncoding = ColumnEncoding.UTF16) -> list[types.Diagnostic]:
    """Analyse WARM_UP_PROGRAM (call on the engine thread) and convert its findings as a publication
    would; their LSP diagnostics, or [] when the warm-up failed (logged, never raised)."""
    started = time.perf_counter()
    try:
        documents = DocumentStore()
        documents.open_text(WARM_UP_URI, 1, WARM_UP_PROGRAM)
        snapshot = documents.snapshot(WARM_UP_URI)
        assert snapshot is not None
        analysis = analyze(WARM_UP_PROGRAM)  # default configuration, no path: nothing on disk is read
        diagnostics = convert.diagnostics_by_uri(snapshot, analysis.diagnostics, encoding)[WARM_UP_URI]
    except Exception:
        logger.exception("shapelint: warming up the engine failed; the first document opened pays for it")
        return []
    logger.debug("shapelint: engine warmed up in %.1f ms", (time.perf_counter() - started) * 1000)
    return diagnostics
