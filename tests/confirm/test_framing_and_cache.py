"""The worker protocol's framing, the answer cache and TensorFlow detection (no TensorFlow needed)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from confirm_models import seed_lstm
from shapelint.confirm import ENABLE_MESSAGE
from shapelint.confirm import client as client_module
from shapelint.confirm.cache import ConfirmCache, cache_key, default_cache_dir
from shapelint.confirm.framing import HEADER, FramingError, encode_frame, read_frame, write_frame
from shapelint.confirm.result import ConfirmError, confirmation_from_response, status_for


def test_frames_round_trip_in_order() -> None:
    stream = io.BytesIO()
    write_frame(stream, {"id": 1, "op": "ping"})
    write_frame(stream, {"id": 2, "text": "é ✓"})
    stream.seek(0)
    assert read_frame(stream) == {"id": 1, "op": "ping"}
    assert read_frame(stream) == {"id": 2, "text": "é ✓"}
    assert read_frame(stream) is None


def test_a_truncated_frame_is_an_error_not_a_message() -> None:
    frame = encode_frame({"id": 1})
    with pytest.raises(FramingError):
        read_frame(io.BytesIO(frame[:-1]))


def test_an_absurd_length_is_refused_before_reading() -> None:
    with pytest.raises(FramingError, match="announced"):
        read_frame(io.BytesIO(HEADER.pack(2**31) + b"{}"))


def test_lru_evicts_the_least_recently_used() -> None:
    cache = ConfirmCache(capacity=2)
    cache.put("a", {"ok": True})
    cache.put("b", {"ok": True})
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", {"ok": True})
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_disk_cache_survives_a_new_cache_object(tmp_path: Path) -> None:
    key = cache_key(seed_lstm().content_hash(), "2.21.0", "3.15.1", 1024)
    ConfirmCache(directory=tmp_path).put(key, {"ok": True, "layer_shapes": {"d": [[None, 1]]}})
    assert ConfirmCache(directory=tmp_path).get(key) == {"ok": True, "layer_shapes": {"d": [[None, 1]]}}


def test_a_corrupt_cache_file_is_a_miss(tmp_path: Path) -> None:
    key = "ab" + "0" * 62
    cache = ConfirmCache(directory=tmp_path)
    cache.put(key, {"ok": True})
    (tmp_path / "ab" / f"{key}.json").write_text("{not json", encoding="utf-8")
    assert ConfirmCache(directory=tmp_path).get(key) is None


def test_cache_key_depends_on_versions_and_limit() -> None:
    digest = seed_lstm().content_hash()
    keys = {
        cache_key(digest, "2.21.0", "3.15.1", 1),
        cache_key(digest, "2.20.0", "3.15.1", 1),
        cache_key(digest, "2.21.0", "3.10.0", 1),
        cache_key(digest, "2.21.0", "3.15.1", 2),
    }
    assert len(keys) == 4


def test_cache_dir_respects_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "shapelint" / "confirm"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "shapelint" / "confirm"


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("build", "confirmed-error"),
        ("feed", "confirmed-error"),
        ("loss", "confirmed-error"),
        ("unsupported", "unconfirmed"),
        ("timeout", "unconfirmed"),
        ("crashed", "unconfirmed"),
        ("memory", "unconfirmed"),
    ],
)
def test_error_kinds_map_to_statuses(kind: str, status: str) -> None:
    shape_text = "Dimensions must be equal, but are 10 and 1"
    assert status_for(ConfirmError(kind=kind, message=shape_text, exception="ValueError")) == status  # type: ignore[arg-type]
    assert status_for(None) == "no-error"


def test_response_parsing_keeps_shapes_and_feed_errors() -> None:
    confirmation = confirmation_from_response(
        {
            "ok": False,
            "error": {"kind": "feed", "message": "Incompatible shapes", "layer": None, "feed_index": 1},
            "layer_shapes": {"lstm": [[None, 32]], "split": [[None, 2], [None, 3]]},
            "output_shapes": [[None, 1]],
            "feed_errors": [None, {"kind": "feed", "message": "bad", "layer": None, "feed_index": 1}],
            "tf_version": "2.21.0",
        }
    )
    assert confirmation.status == "confirmed-error"
    assert confirmation.shapes_of("split") == ((None, 2), (None, 3))
    assert confirmation.shapes_of("missing") is None
    assert confirmation.feed_errors[0] is None and confirmation.feed_errors[1] is not None


def test_importing_the_package_never_imports_tensorflow() -> None:
    code = (
        "import sys, shapelint.confirm as c; c.tensorflow_available(); c.tensorflow_version();"
        "c.ConfirmClient(); print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_without_tensorflow_one_clear_message_and_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "tensorflow_available", lambda: False)
    client = client_module.ConfirmClient()
    confirmation = client.confirm(seed_lstm())
    assert confirmation.status == "unconfirmed"
    assert confirmation.reason == ENABLE_MESSAGE
    assert "pip install 'shapelint[confirm]'" in ENABLE_MESSAGE
    assert client.worker_pid is None
