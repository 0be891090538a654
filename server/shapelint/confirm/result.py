"""What a confirmation says about a model: TensorFlow's verdict, its error text and the shapes it saw."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias, cast, get_args

Status = Literal["confirmed-error", "no-error", "unconfirmed"]
ErrorKind = Literal["build", "feed", "loss", "unsupported", "timeout", "crashed", "memory"]
ShapeTuple: TypeAlias = tuple["int | None", ...]

ERROR_KINDS: tuple[str, ...] = get_args(ErrorKind)
# Errors Keras itself raised for the user's model; every other kind means "we could not tell".
KERAS_ERROR_KINDS: frozenset[str] = frozenset({"build", "feed", "loss"})
# Worker failures say nothing lasting about the model: never cached (see `is_lasting_verdict`).
TRANSIENT_ERROR_KINDS: frozenset[str] = frozenset({"timeout", "crashed", "memory"})

# Python exceptions Keras raises for a wrong argument, name or identifier: never a shape verdict.
_UNRELATED_EXCEPTIONS = frozenset(
    {
        "TypeError",
        "NameError",
        "AttributeError",
        "ImportError",
        "ModuleNotFoundError",
        "KeyError",
        "IndexError",
        "NotImplementedError",
        "RecursionError",
        "UnboundLocalError",
        "ZeroDivisionError",
    }
)
# Texts of Keras/TensorFlow errors about identifiers and arguments, which may mention shapes in passing.
_UNRELATED_TEXT = re.compile(
    r"could not interpret|unknown (activation|optimizer|loss|metric|initializer|regularizer|constraint|layer)"
    r"|unrecognized keyword argument|invalid (dtype|keyword|value for argument)|not a valid|is not supported"
    r"|got an unexpected keyword|missing \d+ required",
    re.IGNORECASE,
)
# Texts of the shape, rank and dimension errors the rules claim (Keras 2 and 3, TensorFlow ops).
_SHAPE_TEXT = re.compile(
    r"expected (axis|ndim|min_ndim|max_ndim|shape)|expected \S+ to have \S+ dimensions"
    r"|input \d+ of layer .* is incompatible|dimensions must be equal|must have the same shape"
    r"|incompatible shapes|shapes? .*(are|is) incompatible|shape mismatch|negative dimension"
    r"|data cardinality is ambiguous|expects \d+ input|cannot reshape|total size of new array"
    r"|\bshapes?\b|\bndim\b|\brank\b|\bdimensions?\b",
    re.IGNORECASE,
)


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
    # The Python class of the exception Keras raised (build/feed/loss only), e.g. "ValueError".
    exception: str | None = None

    @property
    def is_shape_error(self) -> bool:
        """Keras rejected the model for a shape, rank or dimension: what shapelint's rules claim."""
        return self.kind in KERAS_ERROR_KINDS and is_shape_error(self.exception, self.message)

    @property
    def is_unrelated_keras_error(self) -> bool:
        """Keras rejected the model for something else (a typo'd activation, a bad argument...)."""
        return self.kind in KERAS_ERROR_KINDS and not self.is_shape_error


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
    # The Keras major version that answered: 2 from the Keras 2 (tf-keras) worker, else 3.
    keras_major: int | None = None
    reason: str | None = None
    from_cache: bool = False
    elapsed_seconds: float = 0.0

    def shapes_of(self, layer_id: str) -> tuple[ShapeTuple, ...] | None:
        """Output shapes of one layer node, or None if TensorFlow did not get that far."""
        for node_id, shapes in self.layer_shapes:
            if node_id == layer_id:
                return shapes
        return None

    @property
    def answered_by(self) -> str:
        """Who gave the verdict, for messages: "TensorFlow 2.21.0", or with Keras 2 named."""
        tensorflow = f"TensorFlow {self.tf_version or '?'}"
        if self.keras_major == 2:
            return f"{tensorflow} with Keras 2 (tf-keras {self.keras_version or '?'})"
        return tensorflow

    def with_timing(self, *, from_cache: bool, elapsed_seconds: float) -> Confirmation:
        """The same answer, stamped with where it came from and how long it took."""
        return replace(self, from_cache=from_cache, elapsed_seconds=elapsed_seconds)


def unconfirmed(kind: ErrorKind, reason: str) -> Confirmation:
    """No verdict, for a reason outside the user's model (worker died, timed out, TF absent...)."""
    return Confirmation(status="unconfirmed", error=ConfirmError(kind=kind, message=reason), reason=reason)


def is_shape_error(exception: str | None, message: str) -> bool:
    """True when an error Keras raised is a shape, rank or dimension error.

    `exception` is the exception's class name (None when unknown). Errors about
    identifiers, arguments or names (an unknown activation, a TypeError...) are not.
    """
    if exception in _UNRELATED_EXCEPTIONS or _UNRELATED_TEXT.search(message):
        return False
    return bool(_SHAPE_TEXT.search(message))


def status_for(error: ConfirmError | None) -> Status:
    """The status a worker answer maps to: only a shape error confirms a shape finding."""
    if error is None:
        return "no-error"
    return "confirmed-error" if error.is_shape_error else "unconfirmed"


def is_lasting_verdict(confirmation: Confirmation) -> bool:
    """An answer worth caching: a verdict about the model, not a timeout, crash or memory failure."""
    error = confirmation.error
    return error is None or error.kind not in TRANSIENT_ERROR_KINDS


def confirmation_from_response(response: Mapping[str, Any]) -> Confirmation:
    """Turn the worker's JSON answer into a `Confirmation` (also used for cached answers)."""
    error = _error_from_json(response.get("error"))
    layer_shapes = tuple(
        (str(node_id), tuple(_shape(shape) for shape in shapes))
        for node_id, shapes in dict(response.get("layer_shapes") or {}).items()
    )
    feed_errors = tuple(_error_from_json(item) for item in response.get("feed_errors") or ())
    parameter_count = response.get("parameter_count")
    keras_major = response.get("keras_major")
    return Confirmation(
        status=status_for(error),
        error=error,
        layer_shapes=layer_shapes,
        output_shapes=tuple(_shape(shape) for shape in response.get("output_shapes") or ()),
        feed_errors=feed_errors,
        parameter_count=parameter_count if isinstance(parameter_count, int) else None,
        tf_version=_optional_str(response.get("tf_version")),
        keras_version=_optional_str(response.get("keras_version")),
        keras_major=keras_major if keras_major in (2, 3) else None,
        reason=_reason(error),
    )


def _reason(error: ConfirmError | None) -> str | None:
    if error is None or error.is_shape_error:
        return None
    if error.is_unrelated_keras_error:
        return f"TensorFlow could not build the model: {error.message}"
    return error.message


def _error_from_json(data: object) -> ConfirmError | None:
    if not isinstance(data, Mapping):
        return None
    kind = data.get("kind")
    if kind not in ERROR_KINDS:
        kind = "crashed"  # an answer we cannot read is as good as no answer
    layer = data.get("layer")
    feed_index = data.get("feed_index")
    exception = data.get("exception")
    return ConfirmError(
        kind=cast(ErrorKind, kind),
        message=str(data.get("message", "")),
        layer=layer if isinstance(layer, str) else None,
        feed_index=feed_index if isinstance(feed_index, int) else None,
        exception=exception if isinstance(exception, str) else None,
    )


def _shape(data: object) -> ShapeTuple:
    if not isinstance(data, (list, tuple)):
        return ()
    return tuple(item if isinstance(item, int) else None for item in data)


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
