"""The worker's process machinery: time limit, crash and memory limit all end with a new worker.

These use a worker that skips the TensorFlow import (a test-only switch), so each
replacement costs milliseconds; `test_confirm_tensorflow.py` repeats the essential
cases with the real TensorFlow worker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from confirm_models import seed_lstm
from shapelint.confirm import ENABLE_MESSAGE, ConfirmClient, WorkerFailure


def kill_soon(pid: int, delay: float) -> threading.Thread:
    def kill() -> None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)

    thread = threading.Thread(target=kill)
    thread.start()
    return thread


def test_worker_answers_ping(test_worker_client: ConfirmClient) -> None:
    assert test_worker_client.call({"op": "ping"})["ok"] is True


def test_output_written_to_stdout_and_fd_1_does_not_corrupt_the_protocol(
    test_worker_client: ConfirmClient,
) -> None:
    assert test_worker_client.call({"op": "noise"})["ok"] is True
    assert test_worker_client.call({"op": "ping"})["ok"] is True


def test_request_past_its_time_limit_is_stopped_and_the_worker_replaced(
    test_worker_client: ConfirmClient,
) -> None:
    first_pid = test_worker_client.start().pid
    started = time.monotonic()
    with pytest.raises(WorkerFailure) as failure:
        test_worker_client.call({"op": "sleep", "seconds": 30}, timeout=0.5)
    assert failure.value.kind == "timeout"
    assert time.monotonic() - started < 5
    assert test_worker_client.replacements == 1
    assert test_worker_client.call({"op": "ping"})["ok"] is True
    assert test_worker_client.worker_pid not in (None, first_pid)


def test_worker_killed_mid_request_is_reported_and_replaced(test_worker_client: ConfirmClient) -> None:
    pid = test_worker_client.start().pid
    killer = kill_soon(pid, 0.3)
    with pytest.raises(WorkerFailure) as failure:
        test_worker_client.call({"op": "sleep", "seconds": 30})
    killer.join()
    assert failure.value.kind == "crashed"
    assert "SIGKILL" in failure.value.message
    assert test_worker_client.call({"op": "ping"})["ok"] is True
    assert test_worker_client.worker_pid != pid


def test_worker_past_the_memory_limit_is_killed_and_replaced(test_worker_client: ConfirmClient) -> None:
    pid = test_worker_client.start().pid
    with pytest.raises(WorkerFailure) as failure:
        # 2 GiB against a 400 MiB limit: the watchdog must stop it long before it completes.
        test_worker_client.call({"op": "allocate", "bytes": 2 * 1024**3})
    assert failure.value.kind == "memory"
    assert "400 MiB" in failure.value.message
    assert test_worker_client.call({"op": "ping"})["ok"] is True
    assert test_worker_client.worker_pid != pid


def test_worker_that_exits_is_reported_with_its_status(test_worker_client: ConfirmClient) -> None:
    with pytest.raises(WorkerFailure, match="exited with status 3"):
        test_worker_client.call({"op": "exit", "code": 3})
    assert test_worker_client.call({"op": "ping"})["ok"] is True


def test_worker_that_died_while_idle_is_replaced_on_the_next_request(
    test_worker_client: ConfirmClient,
) -> None:
    pid = test_worker_client.start().pid
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert test_worker_client.call({"op": "ping"})["ok"] is True
    assert test_worker_client.worker_pid != pid


def test_confirm_turns_worker_failures_into_unconfirmed(test_worker_client: ConfirmClient) -> None:
    confirmation = test_worker_client.confirm(seed_lstm())
    # The test worker has no TensorFlow: it answers "unsupported", which is no verdict.
    assert confirmation.status == "unconfirmed"
    assert confirmation.error is not None and confirmation.error.kind == "unsupported"


def test_requests_from_many_threads_are_serialized(test_worker_client: ConfirmClient) -> None:
    answers: list[bool] = []

    def ping() -> None:
        answers.append(test_worker_client.call({"op": "ping"})["ok"])

    threads = [threading.Thread(target=ping) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [True] * 8


def test_closing_stops_the_worker(test_worker_client: ConfirmClient) -> None:
    pid = test_worker_client.start().pid
    test_worker_client.close()
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_worker_exits_when_its_client_process_dies_abruptly() -> None:
    code = (
        "import os, shapelint.confirm as c\n"
        "client = c.ConfirmClient(extra_env={'SHAPELINT_CONFIRM_TEST_OPS': '1',"
        " 'SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW': '1'})\n"
        "client._tensorflow_missing = False\n"
        "print(client.start().pid, flush=True)\n"
        "os._exit(0)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    pid = int(output.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    pytest.fail("the worker outlived its client process")


def test_an_interpreter_without_tensorflow_gives_the_enable_message() -> None:

    python = shutil.which("python3", path="/usr/bin")
    if python is None or subprocess.run([python, "-c", "import tensorflow"], capture_output=True).returncode == 0:
        pytest.skip("needs a system python3 without TensorFlow")
    with ConfirmClient(python=python) as client:
        confirmation = client.confirm(seed_lstm())
    assert confirmation.status == "unconfirmed"
    assert confirmation.error is not None and confirmation.error.kind == "unsupported"
    assert confirmation.reason is not None and confirmation.reason.startswith(ENABLE_MESSAGE)
    assert "No module named" in confirmation.reason


def test_confirm_async_runs_off_the_event_loop(test_worker_client: ConfirmClient) -> None:
    async def scenario() -> tuple[str, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        confirmation = await test_worker_client.confirm_async(seed_lstm())
        ticker.cancel()
        return confirmation.status, ticks

    status, ticks = asyncio.run(scenario())
    assert status == "unconfirmed"  # the test worker has no TensorFlow
    assert ticks > 1  # the loop kept running while the worker started and answered
