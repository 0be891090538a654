"""Fixtures for the confirmation tests: one TensorFlow worker shared by the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from shapelint.confirm import ENABLE_MESSAGE, ConfirmClient, tensorflow_available

TEST_OPS = {"SHAPELINT_CONFIRM_TEST_OPS": "1"}


def require_tensorflow() -> None:
    """Skip without TensorFlow, except in CI (CI=true), where its absence is a failure."""
    if tensorflow_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but TensorFlow is not installed. {ENABLE_MESSAGE}")
    pytest.skip(ENABLE_MESSAGE)


@pytest.fixture(autouse=True)
def _tensorflow_marker(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("tensorflow") is not None:
        require_tensorflow()


@pytest.fixture(scope="session")
def tensorflow_client() -> Iterator[ConfirmClient]:
    """A started client with a real TensorFlow worker (test request kinds enabled)."""
    require_tensorflow()
    client = ConfirmClient(extra_env=TEST_OPS)
    client.start()
    yield client
    client.close()


@pytest.fixture
def fresh(tensorflow_client: ConfirmClient) -> ConfirmClient:
    """The shared client with an empty answer cache, so each test really asks the worker."""
    tensorflow_client.cache.clear_memory()
    return tensorflow_client


@pytest.fixture
def test_worker_client() -> Iterator[ConfirmClient]:
    """A client whose worker skips the TensorFlow import: for timeouts, crashes and memory kills."""
    client = ConfirmClient(
        extra_env={**TEST_OPS, "SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW": "1"},
        memory_limit_bytes=400 * 1024**2,
        startup_timeout=30,
    )
    # This client must work where TensorFlow is absent too: the machinery does not need it.
    client._tensorflow_missing = False
    yield client
    client.close()
