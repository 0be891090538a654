"""`python -m shapelint`: the command line (see `shapelint.cli`)."""

import os
import sys


def _drop_current_directory() -> None:
    """Take the current directory off `sys.path` before any dependency is imported.

    `python -m` puts it first, so a `pygls.py`, `libcst.py` or `numpy.py` in the folder
    shapelint is run from would shadow the real package and run. shapelint itself is
    already imported (this module is part of it), so it keeps working from a source tree.
    """
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the current directory was deleted: nothing there to shadow anything
        return
    sys.path[:] = [entry for entry in sys.path if entry and os.path.realpath(entry) != here]


_drop_current_directory()

from shapelint.cli import main  # noqa: E402  (after the path is safe)

raise SystemExit(main())
