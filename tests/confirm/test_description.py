"""The model description: JSON round trip, content hash and validation."""

from __future__ import annotations

import json

import pytest
from confirm_models import bidirectional_lstm, layer, seed_conv, seed_lstm, seed_two_inputs
from shapelint.confirm.description import DescriptionError, LayerNode, ModelDescription


@pytest.mark.parametrize("description", [seed_lstm(), seed_conv(), seed_two_inputs(), bidirectional_lstm()])
def test_json_round_trip_gives_an_equal_description(description: ModelDescription) -> None:
    assert ModelDescription.from_json(description.to_json()) == description


def test_to_json_is_canonical_sorted_and_compact() -> None:
    text = seed_lstm().to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert ": " not in text and ", " not in text


def test_content_hash_is_a_sha256_that_changes_with_any_shape() -> None:
    first = seed_lstm().content_hash()
    assert len(first) == 64 and int(first, 16) >= 0
    assert seed_lstm().content_hash() == first
    assert seed_lstm(input_shape=(1000, 50, 1)).content_hash() != first


def test_keyword_order_does_not_change_the_hash() -> None:
    one = LayerNode("d", "keras.layers.Dense", (4,), (("activation", "relu"), ("use_bias", False)))
    other = LayerNode("d", "keras.layers.Dense", (4,), (("use_bias", False), ("activation", "relu")))
    base = seed_lstm()
    assert (
        ModelDescription(3, "sequential", base.inputs, (one,)).content_hash()
        == ModelDescription(3, "sequential", base.inputs, (other,)).content_hash()
    )


def test_lists_become_tuples_and_kwargs_may_be_pairs() -> None:
    data = seed_conv().to_dict()
    data["layers"][0]["kwargs"] = [["activation", "relu"]]
    parsed = ModelDescription.from_dict(data)
    assert parsed.layers[0].args == (32, (3, 3))
    assert parsed.layers[0].kwargs == (("activation", "relu"),)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d.update(kind="subclassed"), "kind"),
        (lambda d: d.update(keras_major=1), "keras_major"),
        (lambda d: d["inputs"][0].update(shape=[50, "1"]), "shape"),
        (lambda d: d["feeds"][0]["x"][0].update(shape=[1000, None]), "shape"),
        (lambda d: d["feeds"][0].update(method="fit_generator"), "method"),
        (lambda d: d["layers"][0]["kwargs"].update(kernel_initializer={"class_name": "X"}), "not a literal"),
        (lambda d: d["layers"][0]["args"].append(float("nan")), "finite"),
        (lambda d: d.pop("layers"), "layers is missing"),
    ],
)
def test_malformed_descriptions_are_refused_with_the_field_named(change, complaint: str) -> None:  # type: ignore[no-untyped-def]
    data = seed_lstm().to_dict()
    change(data)
    with pytest.raises(DescriptionError, match=complaint):
        ModelDescription.from_dict(data)


def test_nested_layer_literal_survives_json() -> None:
    description = bidirectional_lstm()
    data = json.loads(description.to_json())
    assert data["layers"][0]["args"][0]["__layer__"] == "keras.layers.LSTM"
    assert ModelDescription.from_json(description.to_json()).layers[0] == description.layers[0]


def test_layer_helper_builds_canonical_names() -> None:
    assert layer("c", "Conv2D", 8, 3).class_name == "keras.layers.Conv2D"
