"""The shape domain: dims, shapes, and the arithmetic NumPy and Keras do on them.

A dim is an `int` (a known size) or `None` (the batch axis, or a size nobody can know
statically). A `Shape` has a tuple of dims, or `dims is None` when even the rank is unknown.
Every operation here answers `None`/unknown rather than guess: unknown is never an error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Dim = int | None


@dataclass(frozen=True)
class Shape:
    dims: tuple[Dim, ...] | None

    @staticmethod
    def of(*dims: Dim) -> Shape:
        return Shape(tuple(dims))

    @staticmethod
    def unknown() -> Shape:
        return UNKNOWN_SHAPE

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    @property
    def fully_known(self) -> bool:
        return self.dims is not None and all(d is not None for d in self.dims)

    @property
    def size(self) -> int | None:
        """Number of elements, when every dim is known."""
        if self.dims is None or any(d is None for d in self.dims):
            return None
        return math.prod(d for d in self.dims if d is not None)

    def __bool__(self) -> bool:
        # A shape is a value, never "empty": `shape or default` must not ask for the rank.
        return True

    def __len__(self) -> int:
        if self.dims is None:
            raise TypeError("rank unknown")
        return len(self.dims)

    def __getitem__(self, index: int) -> Dim:
        if self.dims is None:
            return None
        try:
            return self.dims[index]
        except IndexError:
            return None

    def drop_first(self) -> Shape:
        """The per-sample shape: everything but the leading (sample/batch) axis."""
        if self.dims is None or not self.dims:
            return UNKNOWN_SHAPE
        return Shape(self.dims[1:])

    def with_batch(self, batch: Dim = None) -> Shape:
        if self.dims is None:
            return UNKNOWN_SHAPE
        return Shape((batch, *self.dims))

    def replace_dim(self, axis: int, dim: Dim) -> Shape:
        if self.dims is None:
            return UNKNOWN_SHAPE
        dims = list(self.dims)
        dims[axis] = dim
        return Shape(tuple(dims))

    def __str__(self) -> str:
        return format_shape(self)


UNKNOWN_SHAPE = Shape(None)


def format_dims(dims: Sequence[Dim]) -> str:
    inner = ", ".join("None" if d is None else str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def format_shape(shape: Shape) -> str:
    """Python tuple spelling, the way users write shapes: (None, 28, 28, 1), (784,)."""
    return "(?)" if shape.dims is None else format_dims(shape.dims)


def dims_compatible(a: Dim, b: Dim) -> bool:
    return a is None or b is None or a == b


def shapes_compatible(a: Shape, b: Shape) -> bool:
    """True unless the shapes provably differ (rank or a known dim)."""
    if a.dims is None or b.dims is None:
        return True
    return len(a.dims) == len(b.dims) and all(dims_compatible(x, y) for x, y in zip(a.dims, b.dims))


def first_difference(a: Shape, b: Shape) -> int | None:
    """The first axis where two same-rank shapes provably differ."""
    if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
        return None
    for axis, (x, y) in enumerate(zip(a.dims, b.dims)):
        if not dims_compatible(x, y):
            return axis
    return None


def join(a: Shape, b: Shape) -> Shape:
    """What is known of a value that may have either shape (after an if/else)."""
    if a == b:
        return a
    if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
        return UNKNOWN_SHAPE
    return Shape(tuple(x if x == y else None for x, y in zip(a.dims, b.dims)))


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting; None when the shapes provably cannot broadcast."""
    if a.dims is None or b.dims is None:
        return UNKNOWN_SHAPE
    rank = max(len(a.dims), len(b.dims))
    left = (1,) * (rank - len(a.dims)) + a.dims
    right = (1,) * (rank - len(b.dims)) + b.dims
    out: list[Dim] = []
    for x, y in zip(left, right):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            # The unknown side must be 1 or equal to the known side: either way the known side wins.
            out.append(y if x is None else x)
        elif x == y:
            out.append(x)
        else:
            return None
    return Shape(tuple(out))


class ReshapeError(ValueError):
    """A reshape that NumPy or Keras would reject; the message says why."""


def reshape(source: Shape, target: Sequence[Dim]) -> Shape:
    """The result of `reshape(target)` (with at most one -1); raises ReshapeError when sizes differ.

    `None` in target means "unknown" (e.g. a non-literal argument), not -1.
    """
    target = tuple(target)
    wildcards = [i for i, d in enumerate(target) if d == -1]
    if len(wildcards) > 1:
        raise ReshapeError("can only specify one unknown dimension (-1)")
    if any(d is not None and d < -1 for d in target):
        raise ReshapeError(f"negative dimension in {format_dims(target)}")
    known = [d for d in target if d is not None and d != -1]
    unknown_target = any(d is None for d in target)
    size = source.size
    if not wildcards:
        if not unknown_target and size is not None and math.prod(known) != size:
            raise ReshapeError(
                f"cannot reshape {size} elements of shape {format_shape(source)} "
                f"into shape {format_dims(target)} ({math.prod(known)} elements)"
            )
        return Shape(tuple(target))
    if size is None or unknown_target:
        return Shape(tuple(None if d == -1 else d for d in target))
    rest = math.prod(known)
    if rest == 0 or size % rest != 0:
        raise ReshapeError(
            f"cannot reshape {size} elements of shape {format_shape(source)} into shape "
            f"{format_dims(target)}: {size} is not a multiple of {rest}"
        )
    return Shape(tuple(size // rest if d == -1 else d for d in target))


def normalize_axis(axis: int, rank: int) -> int | None:
    """A possibly negative axis as an index into `rank` dims, or None when out of range."""
    if -rank <= axis < rank:
        return axis % rank
    return None


def concatenate(shapes: Iterable[Shape], axis: int) -> Shape | None:
    """np.concatenate / keras Concatenate; None when the shapes provably cannot be joined."""
    shapes = list(shapes)
    if not shapes or any(s.dims is None for s in shapes):
        return UNKNOWN_SHAPE
    rank = len(shapes[0].dims or ())
    if any(len(s.dims or ()) != rank for s in shapes):
        return None
    index = normalize_axis(axis, rank)
    if index is None:
        return None
    out: list[Dim] = []
    for i in range(rank):
        column = [s.dims[i] for s in shapes if s.dims is not None]
        if i == index:
            out.append(None if any(d is None for d in column) else sum(d for d in column if d is not None))
        else:
            known = {d for d in column if d is not None}
            if len(known) > 1:
                return None
            out.append(known.pop() if known else None)
    return Shape(tuple(out))


def conv_output_length(length: Dim, kernel: int, padding: str, stride: int, dilation: int = 1) -> Dim:
    """Keras's conv_output_length: may return zero or a negative size (a real error)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "same":
        return (length + stride - 1) // stride
    if padding == "valid":
        return (length - effective + stride) // stride
    if padding == "full":
        return (length + effective - 1 + stride - 1) // stride
    return None  # "causal" and friends keep length for stride 1; unknown otherwise


def deconv_output_length(length: Dim, kernel: int, padding: str, stride: int, dilation: int = 1) -> Dim:
    """Keras's deconv_output_length (Conv*Transpose) without output_padding."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        return length * stride + max(effective - stride, 0)
    if padding == "same":
        return length * stride
    if padding == "full":
        return length * stride - (stride + effective - 2)
    return None
