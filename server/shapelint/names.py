"""Canonical names: every spelling of a library object maps to one dotted name.

`tf.keras.layers.Dense`, `tensorflow.keras.layers.Dense`, `keras.layers.core.Dense` and
`keras.src.layers.Dense` are all `keras.layers.Dense`; `keras.models.Sequential` is
`keras.Sequential`. The interpreter binds imports to these names itself, so no
whole-module scope analysis is needed.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from shapelint.knowledge import registry

# Prefix rewrites, applied in order, longest first where they overlap.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
    ("keras.src", "keras"),
    ("keras.api", "keras"),
    ("keras._tf_keras.keras", "keras"),
    ("keras.layers.experimental.preprocessing", "keras.layers"),
    ("keras.layers.preprocessing", "keras.layers"),
)
# Old submodules of keras.layers that re-export the layers.
_LAYER_SUBMODULES = {
    "core",
    "convolutional",
    "pooling",
    "recurrent",
    "merge",
    "normalization",
    "embeddings",
    "advanced_activations",
    "reshaping",
    "regularization",
    "activation",
    "attention",
    "rnn",
    "normalization_v2",
    "recurrent_v2",
    "wrappers",
    "noise",
    "dense_attention",
    "merging",
}
_EXACT: dict[str, str] = {
    "keras.models.Sequential": "keras.Sequential",
    "keras.models.Model": "keras.Model",
    "keras.engine.sequential.Sequential": "keras.Sequential",
    "keras.engine.training.Model": "keras.Model",
    "keras.engine.functional.Functional": "keras.Model",
    "keras.layers.Input": "keras.Input",
    "keras.engine.input_layer.Input": "keras.Input",
    "keras.utils.np_utils.to_categorical": "keras.utils.to_categorical",
    "keras.utils.all_utils.to_categorical": "keras.utils.to_categorical",
    "numpy.random.mtrand.rand": "numpy.random.rand",
    "tensorflow.compat.v1.keras": "keras",
    "tensorflow.experimental.numpy": "numpy",
}

BUILTINS = frozenset(
    {
        "len",
        "range",
        "list",
        "tuple",
        "int",
        "float",
        "print",
        "zip",
        "enumerate",
        "dict",
        "str",
        "min",
        "max",
        "sum",
        "abs",
        "round",
        "isinstance",
        "type",
        "super",
        "sorted",
        "reversed",
        "map",
        "open",
        "bool",
        "set",
        "iter",
        "next",
        "getattr",
        "setattr",
        "hasattr",
    }
)


@lru_cache(maxsize=4096)
def canonical_name(name: str) -> str:
    """The one dotted name for an imported object, e.g. tensorflow.keras.layers.Conv2D -> keras.layers.Conv2D."""
    for prefix, replacement in _PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            name = replacement + name[len(prefix) :]
    parts = name.split(".")
    if len(parts) >= 4 and parts[0] == "keras" and parts[1] == "layers" and parts[2] in _LAYER_SUBMODULES:
        name = ".".join(["keras", "layers", *parts[3:]])
    if len(parts) >= 3 and parts[0] == "tensorflow" and parts[1] == "compat" and len(parts) > 3:
        if parts[2] in ("v1", "v2") and parts[3] == "keras":
            name = canonical_name(".".join(["keras", *parts[4:]]))
    return _EXACT.get(name, name)


# Libraries a root-level or namespace folder of the same name must not shadow, beyond the ones
# shapelint has knowledge of (registry) and the standard library.
_COMMON_LIBRARIES = frozenset(
    {
        "keras", "tensorflow", "tf_keras", "numpy", "pandas", "sklearn", "scipy", "matplotlib",
        "cv2", "PIL", "torch", "h5py", "tensorflow_datasets", "seaborn", "jax", "jaxtyping",
    }
)  # fmt: skip


@lru_cache(maxsize=1024)
def is_library(name: str) -> bool:
    """Whether `name` is a library shapelint knows, or part of the standard library."""
    if name in _COMMON_LIBRARIES or name in getattr(sys, "stdlib_module_names", ()):
        return True
    return name in _registered_heads()


@lru_cache(maxsize=1)
def _registered_heads() -> frozenset[str]:
    known = registry.registered_names()
    return frozenset(name.split(".", 1)[0] for name in [*known["functions"], *known["prefixes"]])
