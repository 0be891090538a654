"""What a confirmation says about a model: TensorFlow's verdict, its error text and the shapes it saw."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias, cast, get_args

Status = Literal["confirmed-error", "no-error", "unconfirmed"]
ErrorKind = Literal["build", "feed", "loss", "unsupported", "timeout", "crashed", "memory"]
ShapeTuple: TypeAlias = tuple["int | None", ...]

ERROR_KINDS: tuple[str, ...] = get_args(ErrorKind)
# Errors Keras itself raised for the user's model; every other kind means "we could not tell".
KERAS_ERROR_KINDS: frozenset[str] = frozenset({"build", "feed", "loss"})


@dataclass(frozen=True)
class ConfirmError:
    """One failure: Keras's own text for build/feed/loss, or why the model could not be checked.

    `layer` is the description's layer id the error belongs to (None: the model or its
    inputs); `feed_index` the index into `ModelDescription.feeds` (None: not data-related).
    """

    kind: ErrorKind
    message: str
    layer: str | None = None
    feed_index: int | None = None


@dataclass(frozen=True)
class Confirmation:
    """The answer for one model description.

    status: "confirmed-error" (Keras raised `error`), "no-error" (TensorFlow built the
    model, took every feed and loss), "unconfirmed" (no verdict: see `error`/`reason`).
    layer_shapes: (layer id, output shapes) in description order; batch axis is None.
    feed_errors: one entry per feed, None where that feed went through.
    """

    status: Status
    error: ConfirmError | None = None
    layer_shapes: tuple[tuple[str, tuple[ShapeTuple, ...]], ...] = ()
    output_shapes: tuple[ShapeTuple, ...] = ()
    feed_errors: tuple[ConfirmError | None, ...] = ()
    parameter_count: int | None = None
    tf_version: str | None = None
    keras_version: str | None = None
    reason: str | None = None
    from_cache: bool = False
    elapsed_seconds: float = 0.0

    def shapes_of(self, layer_id: str) -> tuple[ShapeTuple, ...] | None:
        """Output shapes of one layer node, or None if TensorFlow did not get that far."""
        for node_id, shapes in self.layer_shapes:
            if node_id == layer_id:
                return shapes
        return None

    def with_timing(self, *, from_cache: bool, elapsed_seconds: float) -> Confirmation:
        """The same answer, stamped with where it came from and how long it took."""
        return replace(self, from_cache=from_cache, elapsed_seconds=elapsed_seconds)


def unconfirmed(kind: ErrorKind, reason: str) -> Confirmation:
    """No verdict, for a reason outside the user's model (worker died, timed out, TF absent...)."""
    return Confirmation(status="unconfirmed", error=ConfirmError(kind=kind, message=reason), reason=reason)


def status_for(error: ConfirmError | None) -> Status:
    """The status a worker answer maps to."""
    if error is None:
        return "no-error"
    return "confirmed-error" if error.kind in KERAS_ERROR_KINDS else "unconfirmed"


def confirmation_from_response(response: Mapping[str, Any]) -> Confirmation:
    """Turn the worker's JSON answer into a `Confirmation` (also used for cached answers)."""
    error = _error_from_json(response.get("error"))
    layer_shapes = tuple(
        (str(node_id), tuple(_shape(shape) for shape in shapes))
        for node_id, shapes in dict(response.get("layer_shapes") or {}).items()
    )
    feed_errors = tuple(_error_from_json(item) for item in response.get("feed_errors") or ())
    parameter_count = response.get("parameter_count")
    return Confirmation(
        status=status_for(error),
        error=error,
        layer_shapes=layer_shapes,
        output_shapes=tuple(_shape(shape) for shape in response.get("output_shapes") or ()),
        feed_errors=feed_errors,
        parameter_count=parameter_count if isinstance(parameter_count, int) else None,
        tf_version=_optional_str(response.get("tf_version")),
        keras_version=_optional_str(response.get("keras_version")),
        reason=error.message if error is not None and error.kind not in KERAS_ERROR_KINDS else None,
    )


def _error_from_json(data: object) -> ConfirmError | None:
    if not isinstance(data, Mapping):
        return None
    kind = data.get("kind")
    if kind not in ERROR_KINDS:
        kind = "crashed"  # an answer we cannot read is as good as no answer
    layer = data.get("layer")
    feed_index = data.get("feed_index")
    return ConfirmError(
        kind=cast(ErrorKind, kind),
        message=str(data.get("message", "")),
        layer=layer if isinstance(layer, str) else None,
        feed_index=feed_index if isinstance(feed_index, int) else None,
    )


def _shape(data: object) -> ShapeTuple:
    if not isinstance(data, (list, tuple)):
        return ()
    return tuple(item if isinstance(item, int) else None for item in data)


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
