"""Confirmation of shape findings by a real TensorFlow build, in a worker process.

The engine describes a model as plain data (`ModelDescription`); `ConfirmClient`
rebuilds it in a separate process that has imported TensorFlow, feeds symbolic data
of the real shapes, checks labels against the loss and answers with a `Confirmation`.
Importing this package never imports TensorFlow.

    client = ConfirmClient(cache=ConfirmCache(directory=default_cache_dir()))
    if not tensorflow_available():
        print(ENABLE_MESSAGE)
    confirmation = client.confirm(description)
"""

from shapelint.confirm.availability import ENABLE_MESSAGE, tensorflow_available, tensorflow_version
from shapelint.confirm.cache import ConfirmCache, default_cache_dir
from shapelint.confirm.client import ConfirmClient
from shapelint.confirm.description import (
    ArraySpec,
    DescriptionError,
    Feed,
    InputSpec,
    LayerNode,
    ModelDescription,
    NestedLayer,
)
from shapelint.confirm.process import WorkerFailure
from shapelint.confirm.result import Confirmation, ConfirmError

__all__ = [
    "ENABLE_MESSAGE",
    "ArraySpec",
    "ConfirmCache",
    "ConfirmClient",
    "ConfirmError",
    "Confirmation",
    "DescriptionError",
    "Feed",
    "InputSpec",
    "LayerNode",
    "ModelDescription",
    "NestedLayer",
    "WorkerFailure",
    "default_cache_dir",
    "tensorflow_available",
    "tensorflow_version",
]
