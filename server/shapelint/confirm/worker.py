"""The confirmation worker: `python -m shapelint.confirm.worker`.

Imports TensorFlow once, then answers length-prefixed JSON requests on stdin with
length-prefixed JSON responses on stdout (see `framing.py`) until stdin closes.

Requests:
    {"id": 1, "op": "confirm", "description": {...}, "max_weight_bytes": 4294967296}
    {"id": 2, "op": "ping"}
With SHAPELINT_CONFIRM_TEST_OPS=1 in the environment (tests only), also:
    {"op": "sleep", "seconds": 30}, {"op": "allocate", "bytes": 8589934592}, {"op": "exit", "code": 3},
    {"op": "noise"} (writes to stdout and fd 1/2 like TensorFlow's C++ logging)
and SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW=1 skips the TensorFlow import, so tests of
the process machinery (timeouts, crashes, memory) start a worker in milliseconds.

The first message the worker writes is {"op": "ready", "tf_version", "keras_version",
"keras_major", "pid", "import_seconds"}, once TensorFlow is imported, or {"op": "unavailable",
"message"} when this interpreter cannot import it.

The worker runs Keras 3, or Keras 2 (tf-keras) when its environment has
`TF_USE_LEGACY_KERAS=1` (the Keras 2 flavour: `launch.py`, `ConfirmClient(keras_major=2)`).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO

from shapelint.confirm.framing import read_frame, write_frame

TEST_OPS_VARIABLE = "SHAPELINT_CONFIRM_TEST_OPS"
TEST_WITHOUT_TENSORFLOW_VARIABLE = "SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW"
DEFAULT_MAX_WEIGHT_BYTES = 4 * 1024**3
_PARENT_POLL_SECONDS = 1.0


def _claim_protocol_channel() -> tuple[BinaryIO, BinaryIO]:
    """Keep private copies of stdin/stdout for the protocol and send fd 1 to stderr.

    TensorFlow and its C++ libraries print to fd 1 and 2 directly; without this a
    stray line would corrupt a frame.
    """
    protocol_in = os.fdopen(os.dup(0), "rb", buffering=0)
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    return protocol_in, protocol_out


def _die_with_parent() -> None:
    """Exit when the client process goes away, even in the middle of a request.

    A closed stdin ends the request loop, but a worker stuck in a long request would
    never read it. (PR_SET_PDEATHSIG is no help: it fires when the *thread* that
    started the worker ends, and clients start workers from executor threads.)
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _import_tensorflow() -> tuple[str, str]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    os.environ["KERAS_BACKEND"] = "tensorflow"  # the rebuild relies on TensorFlow graphs
    import tensorflow as tf

    if _keras_major() == 2:
        import tf_keras as keras  # TF_USE_LEGACY_KERAS=1 was set before TensorFlow's import
    else:
        import keras

    # Shape inference needs no parallelism; fewer threads keep the editor machine responsive.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    import shapelint.confirm.rebuild  # noqa: F401  (imported now: part of the cold start, not of a request)

    # TensorFlow's millions of long-lived objects go to the permanent generation: a full
    # garbage collection then takes about 1 ms instead of 200-400 ms.
    gc.collect()
    gc.freeze()
    return str(tf.__version__), str(keras.__version__)


def _keras_major() -> int:
    """2 in the Keras 2 flavour (TensorFlow's own switch), else 3."""
    return 2 if os.environ.get("TF_USE_LEGACY_KERAS", "") in ("1", "true", "True") else 3


def _handle(request: dict[str, Any], versions: dict[str, Any], test_ops: bool) -> dict[str, Any]:
    op = request.get("op")
    if op == "confirm":
        if "tensorflow" not in sys.modules:
            return _unsupported("this test worker runs without TensorFlow", versions)
        return _confirm(request, versions)
    if op == "ping":
        return {"ok": True, **versions}
    if test_ops and op == "sleep":
        time.sleep(float(request.get("seconds", 0)))
        return {"ok": True}
    if test_ops and op == "allocate":
        import numpy as np

        block = np.ones(int(request.get("bytes", 0)), dtype=np.uint8)  # touched, so resident
        return {"ok": True, "allocated": int(block.nbytes)}
    if test_ops and op == "noise":
        # What TensorFlow's C++ logging does: write straight to fd 1 and 2.
        print("noise on sys.stdout")
        os.write(1, b"noise on fd 1\n")
        os.write(2, b"noise on fd 2\n")
        return {"ok": True}
    if test_ops and op == "exit":
        os._exit(int(request.get("code", 1)))
    return _unsupported(f"unknown request op {op!r}", versions)


def _confirm(request: dict[str, Any], versions: dict[str, Any]) -> dict[str, Any]:
    from shapelint.confirm.description import DescriptionError, ModelDescription
    from shapelint.confirm.rebuild import confirm_description

    started = time.perf_counter()
    try:
        description = ModelDescription.from_dict(request.get("description") or {})
    except DescriptionError as error:
        return _unsupported(f"invalid model description: {error}", versions)
    limit = request.get("max_weight_bytes")
    max_weight_bytes = limit if isinstance(limit, int) and limit > 0 else DEFAULT_MAX_WEIGHT_BYTES
    try:
        answer = confirm_description(description, max_weight_bytes)
    except Exception:
        # A failure of the rebuild itself says nothing about the user's model.
        detail = traceback.format_exc(limit=-3)
        answer = _unsupported(f"the confirmation worker could not rebuild the model:\n{detail}", versions)
        answer["error"]["kind"] = "crashed"  # a fault of this worker: not a lasting verdict, never cached
        return answer
    return {
        **answer,
        **versions,
        "keras_major_target": description.keras_major,
        "elapsed_seconds": round(time.perf_counter() - started, 6),
    }


def _unsupported(message: str, versions: dict[str, Any]) -> dict[str, Any]:
    error = {"kind": "unsupported", "message": message, "layer": None, "feed_index": None}
    return {
        "ok": False,
        "error": error,
        "layer_shapes": {},
        "output_shapes": [],
        "feed_errors": [],
        **versions,
    }


def main() -> int:
    """Serve requests until stdin closes; exit status 0 on a clean end."""
    protocol_in, protocol_out = _claim_protocol_channel()
    _die_with_parent()
    started = time.perf_counter()
    test_ops = os.environ.get(TEST_OPS_VARIABLE) == "1"
    if test_ops and os.environ.get(TEST_WITHOUT_TENSORFLOW_VARIABLE) == "1":
        tf_version, keras_version = "absent (test worker)", "absent (test worker)"
    else:
        try:
            tf_version, keras_version = _import_tensorflow()
        except ImportError as error:
            # This interpreter has no TensorFlow: say so instead of dying with a traceback.
            write_frame(protocol_out, {"op": "unavailable", "message": f"{type(error).__name__}: {error}"})
            return 0
    versions: dict[str, Any] = {"tf_version": tf_version, "keras_version": keras_version, "keras_major": _keras_major()}
    write_frame(
        protocol_out,
        {
            "op": "ready",
            "pid": os.getpid(),
            "import_seconds": round(time.perf_counter() - started, 3),
            **versions,
        },
    )
    while True:
        request = read_frame(protocol_in)
        if request is None:
            return 0
        response = _handle(request, versions, test_ops)
        response["id"] = request.get("id")
        write_frame(protocol_out, response)
        if request.get("op") == "confirm":
            gc.collect()  # after answering: the models just built are garbage, and nobody waits now


if __name__ == "__main__":
    sys.exit(main())
