"""The shape domain: dims, shapes, and the arithmetic NumPy and Keras do on them.

A dim is an `int` (a known size) or `None` (the batch axis, or a size nobody can know
statically). A `Shape` has a tuple of dims, or `dims is None` when even the rank is unknown.
Every operation here answers `None`/unknown rather than guess: unknown is never an error.

A dim that is `None` may also carry a `Symbol` (in `Shape.symbols`, aligned with `dims`): a size
nobody knows but several arrays share, such as the rows of one data file. The dim itself stays
`None`, so code that does not know symbols keeps treating it as unknown and can never compare it
to an int; only symbol-aware code (`join`, `broadcast`, `concatenate`, `reshape`) uses it, and two
symbolic sizes are equal only when they are the same symbol. Shapes compare by dims only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Dim = int | None


@dataclass(frozen=True)
class Symbol:
    """A size nobody can know statically, shared by everything derived from one source.

    `key` is the identity (the reader, the file and its options: reading the same file the same way
    twice gives the same rows); `name` is what hovers show. Every symbol stands for a size of at least
    one (it is made only where the source is known not to be empty), so `N * a == N * b` means `a == b`.
    """

    key: str
    name: str = field(compare=False)


Symbols = tuple[Symbol | None, ...]


@dataclass(frozen=True)
class Shape:
    dims: tuple[Dim, ...] | None
    # The symbol of each `None` dim that has one (None: no symbol anywhere). Not part of equality:
    # two shapes with the same dims are equal, as before symbols existed.
    symbols: Symbols | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        symbols = self.symbols
        if symbols is None:
            return
        if self.dims is None or len(symbols) != len(self.dims) or all(s is None for s in symbols):
            object.__setattr__(self, "symbols", None)
        elif any(s is not None and d is not None for s, d in zip(symbols, self.dims)):
            # A known size wins: a symbol only ever names a dim that is otherwise unknown.
            cleaned = tuple(s if d is None else None for s, d in zip(symbols, self.dims))
            object.__setattr__(self, "symbols", cleaned if any(s is not None for s in cleaned) else None)

    @staticmethod
    def of(*dims: Dim) -> Shape:
        return Shape(tuple(dims))

    def symbol(self, axis: int) -> Symbol | None:
        """The symbol of the dim at `axis` (negative counts from the end), or None."""
        if self.symbols is None or self.dims is None or not -len(self.dims) <= axis < len(self.dims):
            return None
        return self.symbols[axis]

    def symbol_list(self) -> Symbols:
        """One entry per dim (rank known): the symbol, or None."""
        assert self.dims is not None
        return self.symbols if self.symbols is not None else (None,) * len(self.dims)

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
        return Shape(self.dims[1:], self.symbols[1:] if self.symbols else None)

    def with_batch(self, batch: Dim = None) -> Shape:
        if self.dims is None:
            return UNKNOWN_SHAPE
        return Shape((batch, *self.dims), (None, *self.symbols) if self.symbols else None)

    def replace_dim(self, axis: int, dim: Dim, symbol: Symbol | None = None) -> Shape:
        """The shape with the dim at `axis` replaced (and its symbol: `symbol`, which needs `dim` None)."""
        if self.dims is None:
            return UNKNOWN_SHAPE
        dims = list(self.dims)
        dims[axis] = dim
        symbols = list(self.symbol_list())
        symbols[axis] = symbol
        return Shape(tuple(dims), tuple(symbols))

    def __str__(self) -> str:
        return format_shape(self)


UNKNOWN_SHAPE = Shape(None)


def format_dims(dims: Sequence[Dim], symbols: Symbols | None = None) -> str:
    names = symbols if symbols is not None and len(symbols) == len(dims) else (None,) * len(dims)
    inner = ", ".join((s.name if s is not None else "None") if d is None else str(d) for d, s in zip(dims, names))
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def format_shape(shape: Shape) -> str:
    """Python tuple spelling, the way users write shapes: (None, 28, 28, 1), (784,), (n_rows, 8)."""
    return "(?)" if shape.dims is None else format_dims(shape.dims, shape.symbols)


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
    """What is known of a value that may have either shape (after an if/else); a symbol both share stays."""
    if a == b and a.symbols == b.symbols:
        return a
    if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
        return UNKNOWN_SHAPE
    symbols = tuple(s if s == t else None for s, t in zip(a.symbol_list(), b.symbol_list()))
    return Shape(tuple(x if x == y else None for x, y in zip(a.dims, b.dims)), symbols)


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting; None when the shapes provably cannot broadcast."""
    if a.dims is None or b.dims is None:
        return UNKNOWN_SHAPE
    rank = max(len(a.dims), len(b.dims))
    left = (1,) * (rank - len(a.dims)) + a.dims
    right = (1,) * (rank - len(b.dims)) + b.dims
    left_symbols = (None,) * (rank - len(a.dims)) + a.symbol_list()
    right_symbols = (None,) * (rank - len(b.dims)) + b.symbol_list()
    out: list[Dim] = []
    symbols: list[Symbol | None] = []
    for x, y, s, t in zip(left, right, left_symbols, right_symbols):
        symbol = None
        if x == 1:
            out.append(y)
            symbol = t
        elif y == 1:
            out.append(x)
            symbol = s
        elif x is None or y is None:
            # The unknown side must be 1 or equal to the known side: either way the known side wins.
            out.append(y if x is None else x)
            # Two sides of one symbol keep it; a symbol against a plain unknown (maybe 1) does not.
            symbol = s if s is not None and s == t else None
        elif x == y:
            out.append(x)
        else:
            return None
        symbols.append(symbol)
    return Shape(tuple(out), tuple(symbols))


class ReshapeError(ValueError):
    """A reshape that NumPy or Keras would reject; the message says why."""


def reshape(source: Shape, target: Sequence[Dim], target_symbols: Symbols | None = None) -> Shape:
    """The result of `reshape(target)` (with at most one -1); raises ReshapeError when sizes differ.

    `None` in target means "unknown" (e.g. a non-literal argument), not -1; a `None` with a symbol in
    `target_symbols` (`len(x)`) is that symbolic size, which cancels against the same symbol of the
    source: `(N, 784)` into `(N, 28, 28, 3)` is provably wrong, `(N, 784)` into `(-1, 28, 28, 1)` is `(N, 28, 28, 1)`.
    """
    target = tuple(target)
    symbols = target_symbols if target_symbols is not None and len(target_symbols) == len(target) else None
    wildcards = [i for i, d in enumerate(target) if d == -1]
    if len(wildcards) > 1:
        raise ReshapeError("can only specify one unknown dimension (-1)")
    if any(d is not None and d < -1 for d in target):
        raise ReshapeError(f"negative dimension in {format_dims(target)}")
    known = [d for d in target if d is not None and d != -1]
    unknown_target = any(d is None for d in target)
    size = source.size
    if size is None or unknown_target:
        symbolic = _symbolic_reshape(source, target, symbols)
        if symbolic is not None:
            return symbolic
    if not wildcards:
        if not unknown_target and size is not None and math.prod(known) != size:
            raise ReshapeError(
                f"cannot reshape {size} elements of shape {format_shape(source)} "
                f"into shape {format_dims(target)} ({math.prod(known)} elements)"
            )
        return Shape(tuple(target), symbols)
    if size is None or unknown_target:
        return Shape(tuple(None if d == -1 else d for d in target), symbols)
    rest = math.prod(known)
    if rest == 0 or size % rest != 0:
        raise ReshapeError(
            f"cannot reshape {size} elements of shape {format_shape(source)} into shape "
            f"{format_dims(target)}: {size} is not a multiple of {rest}"
        )
    return Shape(tuple(size // rest if d == -1 else d for d in target))


def _symbolic_size(dims: Sequence[Dim], symbols: Symbols) -> tuple[int, Counter[Symbol]] | None:
    """A size as (product of the known dims, the symbols multiplied in), or None when a dim is plain unknown."""
    product = 1
    counted: Counter[Symbol] = Counter()
    for dim, symbol in zip(dims, symbols):
        if dim is not None:
            product *= dim
        elif symbol is not None:
            counted[symbol] += 1
        else:
            return None
    return product, counted


def _symbolic_reshape(source: Shape, target: tuple[Dim, ...], symbols: Symbols | None) -> Shape | None:
    """Reshape where symbols make the sizes comparable; None when they do not (the plain rules apply)."""
    if source.dims is None or source.symbols is None:
        return None
    target_symbols = symbols if symbols is not None else (None,) * len(target)
    before = _symbolic_size(source.dims, source.symbols)
    after = _symbolic_size([1 if d == -1 else d for d in target], target_symbols)
    if before is None or after is None:
        return None
    (have, have_symbols), (want, want_symbols) = before, after
    if -1 not in target:
        if have_symbols != want_symbols:
            return None  # other symbols: nothing to compare, the target says what it is
        if have != want:  # N * have == N * want only when have == want (every symbol is at least 1)
            raise ReshapeError(
                f"cannot reshape an array of shape {format_shape(source)} into shape "
                f"{format_dims(target, symbols)}: {_per(have_symbols)} of {have} elements each, not {want}"
            )
        return Shape(target, symbols)
    rest = have_symbols - want_symbols
    if want_symbols - have_symbols:
        return None  # the target names a symbol the source lacks
    if want == 0:
        raise ReshapeError(f"cannot reshape an array of shape {format_shape(source)} into shape {format_dims(target)}")
    if not rest:
        if have % want != 0:
            raise ReshapeError(
                f"cannot reshape an array of shape {format_shape(source)} into shape "
                f"{format_dims(target, symbols)}: {have} is not a multiple of {want}"
            )
        wildcard: Dim = have // want
        wildcard_symbol = None
    elif sum(rest.values()) == 1 and have == want:
        wildcard, wildcard_symbol = None, next(iter(rest))
    else:
        return None  # k * N, or a size only N's value decides: unknown
    dims = tuple(wildcard if d == -1 else d for d in target)
    return Shape(dims, tuple(wildcard_symbol if d == -1 else s for d, s in zip(target, target_symbols)))


def _per(symbols: Counter[Symbol]) -> str:
    """How the symbolic part of a size reads: `n_pima rows` ("n_a x n_b rows" for a product)."""
    return " x ".join(symbol.name for symbol in symbols.elements()) + " rows"


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
    symbols: list[Symbol | None] = []
    for i in range(rank):
        column = [s.dims[i] for s in shapes if s.dims is not None]
        named = {s.symbol(i) for s in shapes}
        if i == index:
            out.append(None if any(d is None for d in column) else sum(d for d in column if d is not None))
            symbols.append(None)
        else:
            known = {d for d in column if d is not None}
            if len(known) > 1:
                return None
            out.append(known.pop() if known else None)
            # Rows of one source side by side keep their symbol; any other unknown makes it plain unknown.
            symbols.append(named.pop() if len(named) == 1 and not known else None)
    return Shape(tuple(out), tuple(symbols))


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
