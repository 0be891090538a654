"""`ConfirmClient`: confirm model descriptions with TensorFlow, off the caller's process.

The client owns one worker process (started lazily, replaced when it crashes, hangs
or outgrows its memory limit), serializes requests to it, applies time limits and
caches answers. It never imports TensorFlow. Every failure of the worker becomes an
"unconfirmed" `Confirmation`; the caller keeps working.

Two flavours of worker: Keras 3, and Keras 2 (tf-keras, `TF_USE_LEGACY_KERAS=1`). The
description's target decides: a Keras 3 client hands Keras 2 descriptions to a Keras 2
client of its own (started on first use) when tf-keras is installed; without it they go to
Keras 3, whose errors confirm but whose "no error" withdraws nothing (see `confirmation.py`).

From asyncio (the language server): `await client.confirm_async(description)`,
which runs the blocking call in the default executor.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from shapelint.confirm.availability import (
    ENABLE_MESSAGE,
    KERAS2_ENABLE_MESSAGE,
    keras_version,
    tensorflow_available,
    tensorflow_version,
    tf_keras_available,
    tf_keras_version,
)
from shapelint.confirm.cache import ConfirmCache, cache_key
from shapelint.confirm.description import ModelDescription
from shapelint.confirm.launch import worker_launch
from shapelint.confirm.process import WorkerFailure, WorkerInfo, WorkerProcess, resident_bytes
from shapelint.confirm.result import Confirmation, confirmation_from_response, is_lasting_verdict, unconfirmed

GIB = 1024**3
DEFAULT_REQUEST_TIMEOUT = 20.0
DEFAULT_STARTUP_TIMEOUT = 90.0
DEFAULT_MEMORY_LIMIT = 3 * GIB
DEFAULT_MAX_WEIGHT_BYTES = 4 * GIB
# After a worker fails to start, do not try again for this long: each try can cost the startup timeout.
STARTUP_RETRY_SECONDS = 30.0
# TensorFlow's switch: with "1" set before its import, `tf.keras` is tf-keras (Keras 2).
LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"


class ConfirmClient:
    """Confirms `ModelDescription`s in a TensorFlow worker process. Thread-safe.

    python: interpreter that runs the worker (default: this one).
    request_timeout: seconds one confirmation may take once the worker is ready.
    startup_timeout: seconds the worker may take to import TensorFlow.
    memory_limit_bytes: RSS past which the worker is killed (watched from this process).
    max_weight_bytes: models whose weights would need more are answered "memory", unbuilt.
    cache: answers by content; default in memory only (pass `ConfirmCache(directory=...)`).
    extra_env: added to the worker's environment.
    keras_major: the worker's Keras: 3, or 2 (tf-keras). A Keras 3 client routes Keras 2
    descriptions to a Keras 2 client it starts itself, with the same settings and cache.
    """

    def __init__(
        self,
        *,
        python: str | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT,
        max_weight_bytes: int = DEFAULT_MAX_WEIGHT_BYTES,
        cache: ConfirmCache | None = None,
        extra_env: Mapping[str, str] | None = None,
        keras_major: int = 3,
    ) -> None:
        if keras_major not in (2, 3):
            raise ValueError(f"keras_major must be 2 or 3, got {keras_major}")
        self.python = python or sys.executable
        self.keras_major = keras_major
        self.request_timeout = request_timeout
        self.startup_timeout = startup_timeout
        self.memory_limit_bytes = memory_limit_bytes
        self.max_weight_bytes = max_weight_bytes
        self.cache = cache if cache is not None else ConfirmCache()
        self._caller_env = dict(extra_env or {})
        # The flavour is set, never inherited: a user's TF_USE_LEGACY_KERAS must not turn the Keras 3 worker.
        self.extra_env = {**self._caller_env, LEGACY_KERAS_VARIABLE: "1" if keras_major == 2 else "0"}
        self.replacements = 0
        self._keras2_client: ConfirmClient | None = None
        self._slot = _WorkerSlot()
        self._lock = threading.RLock()
        self._closed = False
        self._startup_failed: tuple[float, str] | None = None
        same_interpreter = os.path.realpath(self.python) == os.path.realpath(sys.executable)
        # For this interpreter the versions come from package metadata, so cache hits need no worker.
        keras2 = keras_major == 2
        self._tensorflow_missing = same_interpreter and not (
            tensorflow_available() and (tf_keras_available() if keras2 else True)
        )
        self._versions: tuple[str | None, str | None] | None = (
            (tensorflow_version(), tf_keras_version() if keras2 else keras_version()) if same_interpreter else None
        )
        # At interpreter exit or garbage collection: no TensorFlow process outlives its client.
        weakref.finalize(self, self._slot.kill)

    # Public API ------------------------------------------------------------------------------

    def confirm(
        self,
        description: ModelDescription,
        *,
        timeout: float | None = None,
        deadline: float | None = None,
        scope: str = "",
    ) -> Confirmation:
        """Build and feed the model in the worker; never raises for worker faults.

        deadline: a `time.monotonic()` past which nothing is waited for, not even the worker's
        start (a run's overall budget). scope: the workspace the answer is for (see `cache_key`).
        """
        started = time.perf_counter()

        def done(confirmation: Confirmation, from_cache: bool = False) -> Confirmation:
            return confirmation.with_timing(from_cache=from_cache, elapsed_seconds=time.perf_counter() - started)

        if description.keras_major == 2 and self.keras_major == 3:
            keras2 = self._keras2()
            if keras2 is not None:
                return keras2.confirm(description, timeout=timeout, deadline=deadline, scope=scope)
        if self._tensorflow_missing:
            return done(unconfirmed("unsupported", ENABLE_MESSAGE if self.keras_major == 3 else KERAS2_ENABLE_MESSAGE))
        try:
            key = self._key(description, scope, deadline)
        except WorkerFailure as failure:
            return done(unconfirmed(failure.kind, failure.message))
        # The cache is thread-safe: a hit never waits behind a request the worker is running.
        cached = self.cache.get(key)
        if cached is not None:
            return done(confirmation_from_response(cached), from_cache=True)
        message = {
            "op": "confirm",
            "description": description.to_dict(),
            "max_weight_bytes": self.max_weight_bytes,
        }
        try:
            response = self.call(message, timeout=timeout, deadline=deadline)
        except WorkerFailure as failure:
            return done(unconfirmed(failure.kind, failure.message))
        confirmation = confirmation_from_response(response)
        if is_lasting_verdict(confirmation):
            self.cache.put(key, response)
        return done(confirmation)

    async def confirm_async(self, description: ModelDescription, *, timeout: float | None = None) -> Confirmation:
        """`confirm` without blocking the event loop (runs in the loop's default executor)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.confirm(description, timeout=timeout))

    def call(
        self, message: Mapping[str, Any], *, timeout: float | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        """Send one raw request to the worker and return its raw response.

        Raises `WorkerFailure` when the worker times out, crashes or passes the memory
        limit; the worker is then already replaced (a new one is starting).
        """
        with self._lock:
            worker = self._ready_worker(deadline)
            limit = self.request_timeout if timeout is None else timeout
            if deadline is not None:
                limit = min(limit, deadline - time.monotonic())
                if limit <= 0:
                    raise WorkerFailure("timeout", "the confirmation's time budget ran out")
            try:
                return worker.request(message, limit)
            except WorkerFailure:
                self._replace(worker)
                raise

    def start(self) -> WorkerInfo:
        """Start the worker now (it is otherwise started by the first request) and wait until ready."""
        with self._lock:
            return self._ready_worker().wait_ready(self.startup_timeout)

    @property
    def worker_pid(self) -> int | None:
        """The current worker's process id, if one is running."""
        worker = self._worker
        return worker.pid if worker is not None and worker.alive() else None

    @property
    def worker_info(self) -> WorkerInfo | None:
        """Versions and import time the current worker announced."""
        worker = self._worker
        return worker.info if worker is not None else None

    def worker_peak_rss(self) -> int | None:
        """Peak resident memory of the current worker in bytes (VmHWM), if known."""
        pid = self.worker_pid
        return resident_bytes(pid, "VmHWM") if pid is not None else None

    @property
    def keras2_client(self) -> ConfirmClient | None:
        """The Keras 2 client this one hands Keras 2 descriptions to, once started."""
        return self._keras2_client

    def close(self) -> None:
        """Stop the worker (and the Keras 2 worker, if any). The client can not be used afterwards."""
        with self._lock:
            self._closed = True
            if self._keras2_client is not None:
                self._keras2_client.close()
            # Killed, not asked to exit: the worker holds no state, and TensorFlow's own
            # shutdown takes about two seconds.
            self._slot.kill()

    def __enter__(self) -> ConfirmClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Worker lifecycle ------------------------------------------------------------------------

    def _keras2(self) -> ConfirmClient | None:
        """The Keras 2 client, created on first use; None when this interpreter has no tf-keras."""
        with self._lock:
            if self._keras2_client is None and not self._closed:
                same_interpreter = os.path.realpath(self.python) == os.path.realpath(sys.executable)
                if same_interpreter and not tf_keras_available():
                    return None
                self._keras2_client = ConfirmClient(
                    python=self.python,
                    request_timeout=self.request_timeout,
                    startup_timeout=self.startup_timeout,
                    memory_limit_bytes=self.memory_limit_bytes,
                    max_weight_bytes=self.max_weight_bytes,
                    cache=self.cache,
                    extra_env=self._caller_env,
                    keras_major=2,
                )
            return self._keras2_client

    @property
    def _worker(self) -> WorkerProcess | None:
        return self._slot.worker

    @_worker.setter
    def _worker(self, worker: WorkerProcess | None) -> None:
        self._slot.worker = worker

    def _key(self, description: ModelDescription, scope: str, deadline: float | None = None) -> str:
        versions = self._versions
        if versions is None:
            # Another interpreter: only its worker can tell which TensorFlow it has.
            with self._lock:
                info = self._ready_worker(deadline).wait_ready(0)
            versions = self._versions = (info.tf_version, info.keras_version)
        tf_version, keras = versions
        return cache_key(
            description.content_hash(),
            tf_version,
            keras,
            self.max_weight_bytes,
            python=os.path.realpath(self.python),
            flavour=_flavour({**os.environ, **self.extra_env}),
            scope=scope,
        )

    def _ready_worker(self, deadline: float | None = None) -> WorkerProcess:
        if self._closed:
            raise WorkerFailure("crashed", "the confirmation client is closed")
        if self._startup_failed is not None:
            failed_at, reason = self._startup_failed
            if time.monotonic() - failed_at < STARTUP_RETRY_SECONDS:
                raise WorkerFailure("crashed", f"the worker could not start: {reason}")
            self._startup_failed = None
        worker = self._worker
        if worker is None:
            worker = self._worker = self._spawn()
        elif not worker.alive():
            self._replace(worker)  # died while idle (killed from outside, or OOM killer)
            worker = self._worker
            assert worker is not None
        wait = max(0.0, self.startup_timeout - (time.monotonic() - worker.started_at))
        budget_bound = deadline is not None and deadline - time.monotonic() < wait
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        try:
            worker.wait_ready(wait)
        except WorkerFailure as failure:
            if budget_bound and failure.kind == "timeout":
                self._worker = None  # the run's budget ran out, not the worker's start: retry next time
                raise WorkerFailure("timeout", "the confirmation's time budget ran out") from None
            self._startup_failed = (time.monotonic(), failure.message)
            worker.kill()
            self._worker = None
            raise
        return worker

    def _replace(self, worker: WorkerProcess) -> None:
        """Kill a failed worker and start its successor now, so it is warm by the next request."""
        worker.kill()
        self.replacements += 1
        self._worker = None if self._closed else self._spawn()

    def _spawn(self) -> WorkerProcess:
        launch = worker_launch(self.python, extra_env=self.extra_env)
        return WorkerProcess(launch.command, env=launch.env, memory_limit_bytes=self.memory_limit_bytes, cwd=launch.cwd)


def _flavour(env: Mapping[str, str]) -> str:
    """Worker settings that change which Keras answers: legacy Keras 2 or Keras 3, and its backend."""
    return f"legacy={env.get('TF_USE_LEGACY_KERAS', '')};backend={env.get('KERAS_BACKEND', 'tensorflow')}"


class _WorkerSlot:
    """Holds the current worker apart from the client, so a finalizer can stop it."""

    def __init__(self) -> None:
        self.worker: WorkerProcess | None = None

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
