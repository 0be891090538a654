"""Build keras.applications entries with real Keras (weights=None) and compare with the table.

Too slow for the test suite (seconds per model); run it after changing applications.py:

    .venv/bin/python tests/knowledge/spot_check_applications.py            # every entry, several sizes
    .venv/bin/python tests/knowledge/spot_check_applications.py --quick    # one odd size per entry
    .venv/bin/python tests/knowledge/spot_check_applications.py ResNet50   # chosen entries

Exit status 1 when any case disagrees.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any


def cases(min_size: int, quick: bool) -> list[dict[str, Any]]:
    sizes = [min_size + 1] if quick else sorted({min_size, min_size + 1, max(min_size, 57), 100, 131})
    found: list[dict[str, Any]] = [
        {"include_top": False, "input_shape": (size, size + 3, 3), "pooling": None} for size in sizes
    ]
    found.append({"include_top": False, "input_shape": (min_size - 1, 64, 3), "pooling": None})
    if not quick:
        found.append({"include_top": True, "input_shape": None, "pooling": None, "classes": 7})
        found.append({"include_top": False, "input_shape": (None, None, 3), "pooling": "avg"})
    return found


def main(arguments: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from shapelint.knowledge.applications import APPLICATIONS, ApplicationProblem, application_shapes

    quick = "--quick" in arguments
    names = [a for a in arguments if not a.startswith("--")] or list(APPLICATIONS)
    failures = 0
    for name in names:
        started = time.monotonic()
        for case in cases(APPLICATIONS[name].min_size, quick):
            ours = application_shapes(
                name,
                case["include_top"],
                case["input_shape"],
                case["pooling"],
                case.get("classes", 1000),
                None,
            )
            try:
                model = getattr(keras.applications, name)(weights=None, **case)
                real: object = (tuple(model.input_shape[1:]), tuple(model.output_shape))
            except ValueError as error:
                real = error
            mine = ours if isinstance(ours, ApplicationProblem) else (ours[0].dims, ours[1].dims)
            agree = mine == real or (isinstance(real, ValueError) and isinstance(ours, ApplicationProblem))
            failures += not agree
            print(
                "ok  " if agree else "BAD ",
                name,
                case,
                mine if agree else f"ours={mine} keras={real}",
                flush=True,
            )
            keras.backend.clear_session()
            gc.collect()
        print(f"-- {name}: {time.monotonic() - started:.1f}s", flush=True)
    print(f"{failures} disagreement(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
