"""One worker process seen from the parent: start, talk with deadlines, watch its memory, kill it.

A worker that dies, stops answering or grows past the memory limit raises
`WorkerFailure`; the caller (`client.py`) decides to replace it. This module never
imports TensorFlow.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shapelint.confirm.availability import ENABLE_MESSAGE
from shapelint.confirm.framing import HEADER, FramingError, decode_body, encode_frame, frame_length

FailureKind = Literal["timeout", "crashed", "memory", "unsupported"]
STDERR_LINES_KEPT = 40
# Poll RSS often while a request runs (memory can grow by GBs per second), rarely when idle.
_BUSY_POLL_SECONDS = 0.02
_IDLE_POLL_SECONDS = 0.25


class WorkerFailure(Exception):
    """The worker gave no answer: it timed out, crashed, was stopped for its memory use,
    or ("unsupported") its interpreter cannot import TensorFlow."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message


@dataclass(frozen=True)
class WorkerInfo:
    """What the worker announced once TensorFlow was imported."""

    pid: int
    tf_version: str
    keras_version: str
    import_seconds: float


def resident_bytes(pid: int, field: str = "VmRSS") -> int | None:
    """A memory figure of a process from /proc (VmRSS now, VmHWM peak), or None if unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class WorkerProcess:
    """A started worker: framed requests with deadlines, an RSS watchdog and captured stderr."""

    def __init__(
        self, command: Sequence[str], env: Mapping[str, str], memory_limit_bytes: int, cwd: str | None = None
    ) -> None:
        self.memory_limit_bytes = memory_limit_bytes
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            # A neutral directory (see launch.py), never the folder the user is in.
            cwd=cwd,
            close_fds=True,
            # Own session: a Ctrl-C meant for the CLI does not hit the worker mid-import.
            start_new_session=True,
        )
        self.info: WorkerInfo | None = None
        self.peak_rss_bytes = 0
        self._memory_kill_rss: int | None = None
        self._busy = threading.Event()
        self._buffer = b""
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES_KEPT)
        self._next_id = 0
        threading.Thread(target=self._watch_memory, name="shapelint-confirm-watchdog", daemon=True).start()
        threading.Thread(target=self._drain_stderr, name="shapelint-confirm-stderr", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> WorkerInfo:
        """Wait for the "ready" message (TensorFlow imported); raise `WorkerFailure` otherwise."""
        if self.info is not None:
            return self.info
        self._busy.set()
        try:
            message = self._read_message(time.monotonic() + timeout, starting=True)
        finally:
            self._busy.clear()
        if message.get("op") == "unavailable":
            self.kill()
            raise WorkerFailure("unsupported", f"{ENABLE_MESSAGE} ({message.get('message', '')})")
        if message.get("op") != "ready":
            self.kill()
            raise WorkerFailure("crashed", f"the worker did not announce itself: {message!r}")
        self.info = WorkerInfo(
            pid=int(message.get("pid", self.pid)),
            tf_version=str(message.get("tf_version", "")),
            keras_version=str(message.get("keras_version", "")),
            import_seconds=float(message.get("import_seconds", 0.0)),
        )
        return self.info

    def request(self, message: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and return its response; raise `WorkerFailure` (and kill) on any fault."""
        self._next_id += 1
        request_id = self._next_id
        self._busy.set()
        try:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(encode_frame({**message, "id": request_id}))
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise self._death("while receiving a request") from None
            deadline = time.monotonic() + timeout
            while True:
                response = self._read_message(deadline, starting=False)
                if response.get("id") == request_id:
                    return response
                # Any other id is left over from an earlier request: skip it.
        finally:
            self._busy.clear()

    def kill(self) -> None:
        """Stop the process now and reap it."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def stderr_tail(self) -> str:
        """The last lines the worker wrote to stderr (TensorFlow's logs, tracebacks)."""
        return "\n".join(self._stderr_tail)

    # Internals -----------------------------------------------------------------------------

    def _read_message(self, deadline: float, starting: bool) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            message = self._take_buffered_message()
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                what = "start (import TensorFlow)" if starting else "answer"
                raise WorkerFailure("timeout", f"the worker did not {what} within the time limit; it was stopped")
            try:
                ready, _, _ = select.select([fd], [], [], remaining)
            except (OSError, ValueError):
                raise self._death("while starting" if starting else "while answering a request") from None
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._death("while starting" if starting else "while answering a request")
            self._buffer += chunk

    def _take_buffered_message(self) -> dict[str, Any] | None:
        if len(self._buffer) < HEADER.size:
            return None
        try:
            length = frame_length(self._buffer[: HEADER.size])
            if len(self._buffer) < HEADER.size + length:
                return None
            body = self._buffer[HEADER.size : HEADER.size + length]
            self._buffer = self._buffer[HEADER.size + length :]
            return decode_body(body)
        except FramingError as error:
            self.kill()
            raise WorkerFailure("crashed", f"the worker sent a malformed message: {error}") from None

    def _death(self, when: str) -> WorkerFailure:
        """Reap the dead (or dying) worker and say why it ended."""
        self.kill()
        if self._memory_kill_rss is not None:
            return WorkerFailure(
                "memory",
                f"the worker used {_mib(self._memory_kill_rss)} of memory, more than the limit of "
                f"{_mib(self.memory_limit_bytes)}; it was stopped",
            )
        code = self.process.returncode
        if code is not None and code < 0:
            try:
                cause = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                cause = f"was killed by signal {-code}"
        else:
            cause = f"exited with status {code}"
        tail = self.stderr_tail().strip()
        detail = f"\n{tail}" if tail else ""
        return WorkerFailure("crashed", f"the worker {cause} {when}{detail}")

    def _watch_memory(self) -> None:
        while self.process.poll() is None:
            rss = resident_bytes(self.pid)
            if rss is not None:
                self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
                if rss > self.memory_limit_bytes:
                    self._memory_kill_rss = rss
                    with contextlib.suppress(ProcessLookupError):
                        self.process.kill()
                    return
            self._busy.wait(_IDLE_POLL_SECONDS)
            if self._busy.is_set():
                time.sleep(_BUSY_POLL_SECONDS)

    def _drain_stderr(self) -> None:
        # Reading stderr continuously keeps TensorFlow from blocking on a full pipe.
        stream = self.process.stderr
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            self._stderr_tail.append(raw.decode("utf-8", "replace").rstrip())
        stream.close()


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.0f} MiB"
