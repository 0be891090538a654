"""Text preprocessing in Keras: `pad_sequences`, the legacy `Tokenizer`, and the imdb/reuters datasets.

`pad_sequences` always returns a 2-D array (samples, maxlen), so its width is known whenever
`maxlen` is literal, even when the sequences come from somewhere unknown. Token sequences
themselves have unknown lengths: an object array of lists, shape (samples,).
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.registry import Evaluator, function, method
from shapelint.shapes import Dim, Shape
from shapelint.values import UNKNOWN, ArrayValue, Const, ObjectValue, Seq, Value, const_int

_PAD_SEQUENCES = (
    "keras.utils.pad_sequences",
    "keras.preprocessing.sequence.pad_sequences",
    "keras.utils.data_utils.pad_sequences",
)
_TOKENIZER = "keras.preprocessing.text.Tokenizer"


def _count(value: Value | None) -> Dim:
    """How many samples a sequence of sequences holds, when known."""
    if isinstance(value, Seq):
        return len(value.items)
    if isinstance(value, ArrayValue) and value.shape.dims:
        return value.shape.dims[0]
    return None


@function(*_PAD_SEQUENCES)
def _pad_sequences(ev: Evaluator, call: CallArgs) -> Value:
    """pad_sequences(sequences, maxlen=None, dtype='int32', ...) -> (samples, maxlen)."""
    if call.has_star:
        return UNKNOWN
    maxlen_value = call.get(1, "maxlen")
    maxlen = None if maxlen_value is None else const_int(maxlen_value)
    if maxlen_value is not None and maxlen is None and maxlen_value != Const(None):
        return UNKNOWN  # a computed maxlen: the width is unknown, but so may be its rank
    dtype = dtype_name(call.get(2, "dtype")) or "int32"
    return ArrayValue(Shape((_count(call.get(0, "sequences")), maxlen)), dtype, origin=call.node)


@function(_TOKENIZER)
def _tokenizer(ev: Evaluator, call: CallArgs) -> Value:
    num_words = call.get(0, "num_words")
    return ObjectValue(_TOKENIZER, None if num_words is None else const_int(num_words))


@method(_TOKENIZER, "fit_on_texts", "fit_on_sequences")
def _fit_on(ev: Evaluator, tokenizer: ObjectValue, call: CallArgs) -> Value:
    return Const(None)


@method(_TOKENIZER, "texts_to_sequences")
def _texts_to_sequences(ev: Evaluator, tokenizer: ObjectValue, call: CallArgs) -> Value:
    count = _count(call.get(0, "texts"))
    # A list of lists of unknown lengths; as NumPy would hold it, an object array.
    return ArrayValue(Shape((count,)), "object", origin=call.node) if count is not None else UNKNOWN


@method(_TOKENIZER, "texts_to_matrix", "sequences_to_matrix")
def _to_matrix(ev: Evaluator, tokenizer: ObjectValue, call: CallArgs) -> Value:
    """(samples, num_words); without num_words the width is the vocabulary size + 1 (unknown)."""
    source = call.get(0, "texts") or call.get(0, "sequences")
    return ArrayValue(Shape((_count(source), tokenizer.state)), "float64", origin=call.node)


# keras.datasets.imdb / reuters: sequences of word indexes, lengths unknown ------------------------

_TEXT_DATASETS = {
    # name: (train rows, test rows, classes)
    "keras.datasets.imdb": (25000, 25000, 2),
    "keras.datasets.reuters": (8982, 2246, 46),
}


def _text_load_data(train: int, test: int, classes: int):  # type: ignore[no-untyped-def]
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        if call.has_star:
            return UNKNOWN
        rows_train: Dim = train
        rows_test: Dim = test
        maxlen = call.kwargs.get("maxlen")
        if maxlen is not None and maxlen != Const(None):
            rows_train = rows_test = None  # longer reviews are dropped
        split = call.kwargs.get("test_split")
        if split is not None and split != Const(0.2):
            rows_train = rows_test = None

        def part(rows: Dim, dtype: str, label: bool) -> ArrayValue:
            return ArrayValue(Shape((rows,)), dtype, origin=call.node, classes=classes if label else None)

        return Seq(
            (
                Seq((part(rows_train, "object", False), part(rows_train, "int64", True))),
                Seq((part(rows_test, "object", False), part(rows_test, "int64", True))),
            )
        )

    return handler


for _module, (_train, _test, _classes) in _TEXT_DATASETS.items():
    function(f"{_module}.load_data")(_text_load_data(_train, _test, _classes))
